"""The demo league's finished season before the live one: "2020 Movie Draft", every slot picked
on one evening a year ago, so the history, standings, stats and film pages have a season to show.
Built only with a new demo league (a season cannot come before one that exists)."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from draft import rules
from draft.models import Draft, DraftEvent, League, Movie, Pick
from draft.services.picks import make_pick
from draft.services.running import start_draft
from draft.services.setup import CategorySpec, create_draft
from draft.state import DraftState

LAST_SEASON_NAME = "2020 Movie Draft"
# Last season's order: this season's, reversed.
LAST_SEASON_ORDER = ["dylan", "carla", "omar", "june", "sam", "priya", "theo", "maya"]
# Minutes each slot took on the night, in turn (a real draft's rhythm: quick, then a long think).
RHYTHM = [2, 4, 1, 7, 3, 5, 2, 9, 1, 3, 6, 2]


def build_last_season(
    league: League,
    users: dict,
    *,
    commissioner: str,
    categories: list[CategorySpec],
    keep_free: set[tuple[str, int]],
) -> Draft:
    """Draft every slot with the best-known film that fits its round's category (most IMDb votes
    first) and that this season's demo picks do not use, then move the night a year back."""
    memberships = {m.user.username: m for m in league.memberships.select_related("user")}
    draft = create_draft(
        league=league,
        actor=users[commissioner],
        name=LAST_SEASON_NAME,
        order=Draft.Order.SNAKE,
        category_mode=Draft.CategoryMode.PER_ROUND,
        categories=categories,
        seat_memberships=[memberships[name] for name in LAST_SEASON_ORDER],
    )
    state = DraftState.load(start_draft(draft_id=draft.pk, actor=users[commissioner]))
    films = [
        m
        for m in Movie.objects.order_by(F("imdb_votes").desc(nulls_last=True), "title")
        if (m.search_title, m.year) not in keep_free
    ]
    rounds = list(draft.categories.order_by("position"))
    taken: set[int] = set()
    total = rules.total_slots(len(LAST_SEASON_ORDER), len(rounds))
    for slot in range(1, total + 1):
        category = rounds[rules.round_of(slot, len(LAST_SEASON_ORDER)) - 1]
        movie = next(
            m
            for m in films
            if m.pk not in taken
            and rules.is_eligible(
                rules.Film(m.title, m.year, tuple(m.genres), m.runtime), category.rule
            )
        )
        taken.add(movie.pk)
        picker = state.seat_for_slot(slot).user
        make_pick(draft_id=draft.pk, user=picker, movie_id=movie.pk, expected_slot=slot)
    _a_year_ago(draft)
    return draft


def _a_year_ago(draft: Draft) -> None:
    """The night moved back a year: the start at 19:00, each pick a few minutes after the last."""
    start = (timezone.now() - timedelta(days=365)).replace(
        hour=19, minute=0, second=0, microsecond=0
    )
    at = start
    for n, pick in enumerate(Pick.objects.filter(draft=draft).order_by("slot")):
        at += timedelta(minutes=RHYTHM[n % len(RHYTHM)], seconds=17 * (n % 3))
        Pick.objects.filter(pk=pick.pk).update(created_at=at)
        DraftEvent.objects.filter(draft=draft, version=pick.version).update(created_at=at)
    DraftEvent.objects.filter(draft=draft, created_at__gt=at).update(created_at=start)
    Draft.objects.filter(pk=draft.pk).update(
        created_at=start - timedelta(days=14), started_at=start, completed_at=at
    )
