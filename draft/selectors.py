"""Every read a draft page needs, in a fixed number of queries whatever the draft's size."""

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When
from django.db.models.functions import Length

from draft import rules
from draft.models import (
    Category,
    Draft,
    DraftEvent,
    League,
    Membership,
    Movie,
    Pick,
    Seat,
    SkippedSlot,
)


@dataclass
class DraftState:
    """A draft's seats, categories, picks and skips, loaded in four queries."""

    draft: Draft
    seats: list[Seat]
    categories: list[Category]
    picks: dict[int, Pick]
    skipped: set[int] = field(default_factory=set)

    @property
    def seat_count(self) -> int:
        return len(self.seats)

    @property
    def round_count(self) -> int:
        return len(self.categories)

    @property
    def total_slots(self) -> int:
        return rules.total_slots(self.seat_count, self.round_count)

    @cached_property
    def on_clock(self) -> int | None:
        if self.seat_count == 0 or self.round_count == 0:
            return None
        return rules.slot_on_clock(self.total_slots, self.picks.keys(), self.skipped)

    @property
    def owed(self) -> list[int]:
        """Skipped slots still waiting for their member."""
        return sorted(s for s in self.skipped if s not in self.picks)

    @property
    def is_settled(self) -> bool:
        return self.on_clock is None and not self.owed

    def position(self, slot: int) -> rules.SlotPosition:
        return rules.slot_position(slot, self.seat_count, self.draft.order)

    def seat_for_slot(self, slot: int) -> Seat:
        return self.seats[self.position(slot).seat_position - 1]

    def category_for_round(self, round_number: int) -> Category:
        return self.categories[round_number - 1]

    def seat_of(self, membership_id: int | None) -> Seat | None:
        return next((s for s in self.seats if s.membership_id == membership_id), None)

    def slot_to_fill(self, seat: Seat) -> int | None:
        return rules.slot_to_fill(
            seat.position,
            self.on_clock,
            self.skipped,
            self.picks.keys(),
            self.seat_count,
            self.draft.order,
        )

    def categories_left(self, seat: Seat) -> list[Category]:
        used = {p.category_id for p in self.picks.values() if p.seat_id == seat.pk}
        return [c for c in self.categories if c.pk not in used]

    def pick_of_movie(self, movie_id: int) -> Pick | None:
        return next((p for p in self.picks.values() if p.movie_id == movie_id), None)

    @cached_property
    def picked_movie_ids(self) -> set[int]:
        return {p.movie_id for p in self.picks.values()}


def load_state(draft: Draft) -> DraftState:
    seats = list(
        Seat.objects.filter(draft=draft).select_related("membership__user").order_by("position")
    )
    categories = list(Category.objects.filter(draft=draft).order_by("position"))
    picks = {
        p.slot: p for p in Pick.objects.filter(draft=draft).select_related("movie").order_by("slot")
    }
    skipped = set(SkippedSlot.objects.filter(draft=draft).values_list("slot", flat=True))
    return DraftState(draft=draft, seats=seats, categories=categories, picks=picks, skipped=skipped)


def membership_for(league: League, user) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(league=league, user=user).first()


# --- Movie search ------------------------------------------------------------------------


def search_movies(query: str, *, limit: int = 12) -> list[Movie]:
    """Films whose title matches, exact titles first, then titles that start with the query, then
    titles with a word that starts with it, then the rest; accents and case never matter.
    On PostgreSQL, titles within a typo or two (trigram similarity) come after those."""
    needle = rules.normalize_title(query)
    if not needle:
        return []
    from django.db import connection

    matches = Q(search_title__contains=needle)
    rank = Case(
        When(search_title=needle, then=Value(0)),
        When(search_title__startswith=needle, then=Value(1)),
        When(search_title__contains=" " + needle, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    queryset = Movie.objects.all()
    if connection.vendor == "postgresql" and len(needle) >= 3:
        from django.contrib.postgres.search import TrigramWordSimilarity

        queryset = queryset.annotate(similarity=TrigramWordSimilarity(needle, "search_title"))
        matches |= Q(similarity__gte=0.5)
        rank = Case(
            When(search_title=needle, then=Value(0)),
            When(search_title__startswith=needle, then=Value(1)),
            When(search_title__contains=" " + needle, then=Value(2)),
            When(search_title__contains=needle, then=Value(3)),
            default=Value(4),
            output_field=IntegerField(),
        )
        ordering = ["rank", "-similarity", Length("search_title"), "-year"]
    else:
        ordering = ["rank", Length("search_title"), "-year"]
    return list(queryset.filter(matches).annotate(rank=rank).order_by(*ordering)[:limit])


def similar_movies(title: str, year: int | None = None, *, limit: int = 5) -> list[Movie]:
    """Films that may be the one a member is about to add: same title, or a close one."""
    needle = rules.normalize_title(title)
    if not needle:
        return []
    candidates = search_movies(title, limit=limit * 2)
    if year:
        candidates.sort(key=lambda m: (abs(m.year - year) > 1, m.search_title != needle))
    return candidates[:limit]


# --- Leagues ----------------------------------------------------------------------------


def visible_leagues(user):
    """Public leagues, and private leagues the user belongs to."""
    leagues = League.objects.all()
    if user.is_authenticated:
        return leagues.filter(
            Q(is_public=True) | Exists(Membership.objects.filter(league=OuterRef("pk"), user=user))
        )
    return leagues.filter(is_public=True)


def draft_events(draft: Draft, *, public_only: bool, limit: int = 500):
    events = DraftEvent.objects.filter(draft=draft).select_related("actor")
    if public_only:
        events = events.filter(kind__in=DraftEvent.PUBLIC_KINDS)
    return list(events.order_by("-id")[:limit])
