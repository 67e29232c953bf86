"""A film's fitness beyond a category's rules: the league's rule against films drafted in its
last seasons (`League.no_repeat_seasons`), read for many films in one query; and a film as the
rules see it (`as_film`). `DraftState.pick_problems` puts them together for the pick, autopick
and the pick panel's search."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import F, Subquery

from draft import rules
from draft.models import Draft, Movie, Pick, Season


def as_film(movie: Movie) -> rules.Film:
    return rules.Film(movie.title, movie.year, tuple(movie.genres), movie.runtime)


def drafted_in_last_seasons(draft: Draft, movie_ids: Iterable[int]) -> dict[int, str]:
    """The films of `movie_ids` that the league's rule keeps out of `draft` (League.
    no_repeat_seasons: drafted in one of its last N seasons before this draft's), each with
    why: "drafted in 2021 Movie Draft by Ana". One query; none when the league is loaded and
    has no such rule."""
    movie_ids = list(movie_ids)
    if not movie_ids:
        return {}
    if Draft._meta.get_field("league").is_cached(draft) and not draft.league.no_repeat_seasons:
        return {}
    this = Subquery(Season.objects.filter(pk=draft.season_id).values("number")[:1])
    earlier = (
        Pick.objects.filter(movie_id__in=movie_ids, draft__league_id=draft.league_id)
        .alias(number=F("draft__season__number"))
        .filter(number__lt=this, number__gte=this - F("draft__league__no_repeat_seasons"))
        .select_related("draft", "seat__membership")
        .order_by("draft__season__number")
    )
    # The latest season a film was drafted in is the one said.
    return {
        pick.movie_id: f"drafted in {pick.draft.name} by {pick.seat.display_name}"
        for pick in earlier
    }
