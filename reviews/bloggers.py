"""The blogger page's reads: every pick of a blogger in the leagues a viewer may see, with its
writeup and whether it won its season; and when a blogger has no page at all."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Exists, OuterRef

from draft.models import Draft, Pick, Seat
from reviews.models import BloggerProfile, Writeup
from reviews.selectors import published_writeup, visible_leagues


@dataclass
class BloggerPage:
    blogger: object
    profile: BloggerProfile | None
    picks: list[Pick]
    leagues: list

    @property
    def by_league(
        self,
    ) -> list[tuple[object, list[tuple[Draft, list[tuple[Pick, Writeup | None]]]]]]:
        """The picks grouped by league, then by season (its draft), each with its published
        writeup: the league drafted in most recently first, the latest season first."""
        groups: dict[int, tuple[object, dict[int, tuple[Draft, list]]]] = {}
        for pick in self.picks:
            league, seasons = groups.setdefault(pick.draft.league_id, (pick.draft.league, {}))
            seasons.setdefault(pick.draft_id, (pick.draft, []))[1].append(
                (pick, published_writeup(pick))
            )
        return [(league, list(seasons.values())) for league, seasons in groups.values()]

    @property
    def name(self) -> str:
        if self.profile and self.profile.display_name:
            return self.profile.display_name
        if self.picks:
            return self.picks[0].seat.display_name
        return self.blogger.display_name


def blogger_page(blogger, viewer) -> BloggerPage:
    """Every pick of a blogger in drafts the viewer may see, with its writeup state (1 query)."""
    try:
        profile = blogger.blogger_profile
    except BloggerProfile.DoesNotExist:
        profile = None
    picks = list(
        Pick.objects.filter(
            seat__membership__user=blogger, draft__league__in=visible_leagues(viewer)
        )
        .select_related(
            "movie", "category", "draft__league", "draft__season", "seat__membership", "writeup"
        )
        # Won: first in the season's locked standings (results' rows, by their reverse name).
        .annotate(won=Exists(Seat.objects.filter(pk=OuterRef("seat_id"), standings__champion=True)))
        .order_by("-draft__created_at", "slot")
    )
    leagues = []
    for p in picks:
        if p.draft.league not in leagues:
            leagues.append(p.draft.league)
    return BloggerPage(blogger=blogger, profile=profile, picks=picks, leagues=leagues)


def blogger_is_hidden(blogger, viewer, page: BloggerPage | None = None) -> bool:
    """A user who never drafted in a league the viewer can see and has no profile has no page
    and no feed: either would only confirm that the account exists. The blogger page passes
    the page it built; the feed asks with one query. Either way the same rule, so the feed is
    404 exactly where the page is."""
    if viewer.is_authenticated and viewer.pk == blogger.pk:
        return False
    profile = page.profile if page is not None else getattr(blogger, "blogger_profile", None)
    if profile is not None:
        return False
    if page is not None:
        return not page.picks
    return not Pick.objects.filter(
        seat__membership__user=blogger, draft__league__in=visible_leagues(viewer)
    ).exists()
