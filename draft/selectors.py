"""Every read a draft page needs, in a fixed number of queries whatever the draft's size."""

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import BooleanField, Case, Exists, IntegerField, OuterRef, Q, Value, When
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


# --- The board ---------------------------------------------------------------------------


@dataclass
class Cell:
    seat: Seat
    slot: int | None = None
    label: str = ""
    pick: Pick | None = None
    on_clock: bool = False
    skipped: bool = False


@dataclass
class Row:
    title: str
    category: Category | None
    cells: list[Cell]
    backwards: bool = False


@dataclass
class Board:
    """What the board shows, the same for every viewer: the grid, the banner, recent picks."""

    draft: Draft
    state: DraftState
    rows: list[Row]
    on_clock_slot: int | None
    on_clock_seat: Seat | None
    on_clock_label: str
    on_clock_category: Category | None
    recent_picks: list[Pick]
    owed: list[tuple[str, Seat]]

    @property
    def seats(self) -> list[Seat]:
        return self.state.seats

    @property
    def on_clock_position(self) -> rules.SlotPosition | None:
        return self.state.position(self.on_clock_slot) if self.on_clock_slot else None

    @property
    def pick_count(self) -> int:
        return len(self.state.picks)

    @property
    def total_slots(self) -> int:
        return self.state.total_slots


def link_picks(state: DraftState) -> None:
    """Point every pick at the draft, seat and category objects already loaded, so templates
    can follow pick.seat.membership or pick.get_absolute_url without a query per pick."""
    seats = {s.pk: s for s in state.seats}
    categories = {c.pk: c for c in state.categories}
    for pick in state.picks.values():
        pick.draft = state.draft
        pick.seat = seats[pick.seat_id]
        pick.category = categories[pick.category_id]


def build_board(draft: Draft, state: DraftState | None = None) -> Board:
    state = state or load_state(draft)
    link_picks(state)
    n = state.seat_count
    on_clock = state.on_clock if draft.status in (Draft.Status.LIVE, Draft.Status.PAUSED) else None
    rows: list[Row] = []
    if draft.is_open_slots:
        by_seat_category = {(p.seat_id, p.category_id): p for p in state.picks.values()}
        for category in state.categories:
            cells = []
            for seat in state.seats:
                pick = by_seat_category.get((seat.pk, category.pk))
                cells.append(
                    Cell(
                        seat=seat,
                        pick=pick,
                        slot=pick.slot if pick else None,
                        label=pick.label if pick else "",
                    )
                )
            rows.append(Row(title=category.name, category=category, cells=cells))
    else:
        for round_number, category in enumerate(state.categories, start=1):
            cells = []
            for seat in state.seats:
                slot = rules.slot_for_seat_in_round(seat.position, round_number, n, draft.order)
                position = state.position(slot)
                cells.append(
                    Cell(
                        seat=seat,
                        slot=slot,
                        label=position.label,
                        pick=state.picks.get(slot),
                        on_clock=slot == on_clock,
                        skipped=slot in state.skipped and slot not in state.picks,
                    )
                )
            rows.append(
                Row(
                    title=f"Round {round_number}",
                    category=category,
                    cells=cells,
                    backwards=rules.round_runs_backwards(round_number, draft.order),
                )
            )
    on_clock_seat = state.seat_for_slot(on_clock) if on_clock else None
    if draft.is_open_slots and on_clock_seat is not None:
        for row in rows:
            for cell in row.cells:
                cell.on_clock = cell.seat.pk == on_clock_seat.pk and cell.pick is None
    recent = sorted(state.picks.values(), key=lambda p: p.pk, reverse=True)[:6]
    owed = [(state.position(s).label, state.seat_for_slot(s)) for s in state.owed]
    on_clock_category = None
    if on_clock and not draft.is_open_slots:
        on_clock_category = state.category_for_round(state.position(on_clock).round)
    return Board(
        draft=draft,
        state=state,
        rows=rows,
        on_clock_slot=on_clock,
        on_clock_seat=on_clock_seat,
        on_clock_label=state.position(on_clock).label if on_clock else "",
        on_clock_category=on_clock_category,
        recent_picks=recent,
        owed=owed,
    )


@dataclass
class PickPanel:
    """What one viewer may do on the board: the pick form when they have a pick to make."""

    membership: Membership | None
    seat: Seat | None
    slot: int | None = None
    label: str = ""
    round: int | None = None
    category: Category | None = None
    categories_left: list[Category] = field(default_factory=list)
    my_picks: list[Pick] = field(default_factory=list)
    makeup: bool = False
    next_label: str = ""
    picks_away: int | None = None
    status: str = ""

    @property
    def can_pick(self) -> bool:
        return self.slot is not None

    @property
    def key(self) -> str:
        """Changes whenever this viewer's panel would look different; polls compare it."""
        return f"{self.status}:{self.slot or 0}"


def pick_panel(board: Board, membership: Membership | None) -> PickPanel:
    state = board.state
    seat = state.seat_of(membership.pk) if membership else None
    panel = PickPanel(membership=membership, seat=seat, status=board.draft.status)
    if seat is None:
        return panel
    panel.my_picks = sorted(
        (p for p in state.picks.values() if p.seat_id == seat.pk), key=lambda p: p.slot
    )
    upcoming = _next_slot_of(state, seat)
    if upcoming is not None:
        panel.next_label = state.position(upcoming).label
        panel.picks_away = upcoming - state.on_clock if state.on_clock else None
    if board.draft.status != Draft.Status.LIVE:
        return panel
    slot = state.slot_to_fill(seat)
    if slot is None:
        return panel
    position = state.position(slot)
    panel.slot, panel.label, panel.round = slot, position.label, position.round
    panel.makeup = slot != state.on_clock
    if board.draft.is_open_slots:
        panel.categories_left = state.categories_left(seat)
    else:
        panel.category = state.category_for_round(position.round)
    return panel


def _next_slot_of(state: DraftState, seat: Seat) -> int | None:
    """The seat's first slot from the one on the clock onwards that is still open."""
    if state.on_clock is None:
        return None
    for slot in range(state.on_clock, state.total_slots + 1):
        if slot in state.picks or slot in state.skipped:
            continue
        if state.position(slot).seat_position == seat.position:
            return slot
    return None


@dataclass
class SearchResult:
    movie: Movie
    taken_by: str = ""
    taken_at: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def available(self) -> bool:
        return not self.taken_by and not self.problems


def search_for_pick(
    query: str, *, draft: Draft, category: Category | None, limit: int = 12
) -> list[SearchResult]:
    """Search results for the pick panel, each marked taken (and by whom) or not fitting the
    category (and why). Two queries: the films, then the draft's picks of those films."""
    movies = search_movies(query, limit=limit)
    if not movies:
        return []
    taken = {
        p.movie_id: p
        for p in Pick.objects.filter(draft=draft, movie__in=movies).select_related(
            "seat__membership"
        )
    }
    results = []
    for movie in movies:
        result = SearchResult(movie=movie)
        pick = taken.get(movie.pk)
        if pick:
            result.taken_by = pick.seat.membership.display_name
            result.taken_at = pick.label
        if category is not None:
            result.problems = rules.ineligibility_reasons(
                rules.Film(movie.title, movie.year, tuple(movie.genres), movie.runtime),
                category.rule,
            )
        results.append(result)
    return results


@dataclass(frozen=True)
class BoardPoll:
    """What the board poll reads in its one query."""

    version: int
    is_public: bool
    is_member: bool
    clock_due: bool


def board_version(league_slug: str, draft_slug: str, user_id, now) -> BoardPoll | None:
    """The board poll's one query (by the unique league slug and (league, slug) indexes): the
    draft's version, whether the viewer may see it, and whether its clock has run out (a poll
    is one of the places an expiry is noticed). None if there is no such draft."""
    drafts = Draft.objects.filter(league__slug=league_slug, slug=draft_slug)
    if user_id is not None:
        drafts = drafts.annotate(
            is_member=Exists(
                Membership.objects.filter(league=OuterRef("league_id"), user_id=user_id)
            )
        )
    else:
        drafts = drafts.annotate(is_member=Value(False))
    drafts = drafts.annotate(
        clock_due=Case(
            When(
                Q(status=Draft.Status.LIVE, clock_deadline__lte=now)
                & ~Q(expiry_action=Draft.Expiry.NOTHING),
                then=Value(True),
            ),
            default=Value(False),
            output_field=BooleanField(),
        )
    )
    row = drafts.values_list("version", "league__is_public", "is_member", "clock_due").first()
    return BoardPoll(*row) if row else None


def league_page(league: League):
    """The league page: its drafts and members, two queries."""
    drafts = list(Draft.objects.filter(league=league).order_by("-created_at"))
    members = list(
        Membership.objects.filter(league=league)
        .select_related("user")
        .order_by("-is_commissioner", "display_name")
    )
    for d in drafts:
        d.league = league
    return drafts, members


def picks_for_export(draft: Draft) -> list[Pick]:
    return list(
        Pick.objects.filter(draft=draft)
        .select_related("movie", "category", "seat__membership")
        .order_by("slot")
    )


def movie_picks(movie: Movie, user) -> list[Pick]:
    """Every pick of a film in drafts the viewer may see, newest draft first."""
    leagues = visible_leagues(user)
    return list(
        Pick.objects.filter(movie=movie, draft__league__in=leagues)
        .select_related("draft__league", "seat__membership", "category")
        .order_by("-draft__created_at")
    )


@dataclass
class QueueRow:
    entry: object
    sniped_by: str = ""
    sniped_at: str = ""

    @property
    def movie(self):
        return self.entry.movie


def queue_entries(seat: Seat) -> list[QueueRow]:
    """A member's queue, best first, with films taken by others marked as sniped. Two queries."""
    from draft.models import QueueEntry

    entries = list(QueueEntry.objects.filter(seat=seat).select_related("movie").order_by("rank"))
    taken = {
        p.movie_id: p
        for p in Pick.objects.filter(
            draft_id=seat.draft_id, movie__in=[e.movie_id for e in entries]
        ).select_related("seat__membership")
    }
    rows = []
    for entry in entries:
        row = QueueRow(entry=entry)
        pick = taken.get(entry.movie_id)
        if pick:
            row.sniped_by, row.sniped_at = pick.seat.membership.display_name, pick.label
        rows.append(row)
    return rows
