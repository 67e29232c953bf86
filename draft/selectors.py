"""Every read a draft page needs, in a fixed number of queries whatever the draft's size.

Turn questions (who is on the clock, which slot a seat fills next…) are answered by the
draft's state (`draft/state.py`); selectors only load it and shape what pages show."""

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Q,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce

from draft import narration, rules
from draft.models import (
    Category,
    Draft,
    DraftEvent,
    DraftSlot,
    League,
    Membership,
    Movie,
    Pick,
    QueueEntry,
    Seat,
    Trade,
)
from draft.state import DraftState, due_clock_q

logger = logging.getLogger(__name__)


def due_draft_ids(now) -> list[int]:
    """Live drafts whose pick clock has run out (the worker's scan, by the deadline index)."""
    return list(Draft.objects.filter(due_clock_q(now)).values_list("pk", flat=True))


def membership_for(league: League, user) -> Membership | None:
    """The user's current membership of `league`; None for a reader, an outsider or nobody."""
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(league=league, user=user).first()


# --- Leagues ----------------------------------------------------------------------------


def setup_seats_of(membership: Membership) -> list[tuple[Draft, Seat | None]]:
    """The league's drafts being set up, each with the member's seat in it (or None)."""
    drafts = Draft.objects.filter(
        league_id=membership.league_id, status=Draft.Status.SETUP
    ).order_by("created_at", "pk")
    seats = {s.draft_id: s for s in Seat.objects.filter(membership=membership, draft__in=drafts)}
    return [(draft, seats.get(draft.pk)) for draft in drafts]


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
    seat: Seat  # the column: the seat the default order gave the slot
    slot: int | None = None
    label: str = ""
    pick: Pick | None = None
    on_clock: bool = False  # this very slot is on the clock
    skipped: bool = False
    # Open slots: an empty cell of the seat on the clock (it may fill any of them).
    seat_on_clock: bool = False
    category: Category | None = None
    # Who holds the slot when it is not the seat it was drawn for: "Bob via Ana".
    via: str = ""

    @property
    def key(self) -> str:
        """The cell's id on the page: its slot, or (open slots) its category and seat."""
        if self.slot is not None and self.category is None:
            return f"slot-{self.slot}"
        return f"cat-{self.category.pk}-{self.seat.pk}"


@dataclass
class Row:
    title: str
    category: Category | None
    cells: list[Cell]
    backwards: bool = False


@dataclass(frozen=True)
class QuietHours:
    """The league's quiet hours, when they stop the clock on view: "23:00–07:00" in the
    league's time zone, and the window the clock next waits in (UTC), for the viewer's own
    time (static/js/app.js)."""

    hours: str
    resumes: str
    time_zone: str
    starts_at: datetime
    ends_at: datetime


def quiet_hours(state: DraftState, now: datetime) -> QuietHours | None:
    window = state.quiet_window(now)
    if window is None:
        return None
    draft = state.draft
    start, end = (t.strftime("%H:%M") for t in (draft.quiet_start, draft.quiet_end))
    return QuietHours(
        hours=f"{start}–{end}",
        resumes=end,
        time_zone=draft.league.time_zone,
        starts_at=window[0],
        ends_at=window[1],
    )


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
    quiet: "QuietHours | None" = None

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
    state = state or DraftState.load(draft)
    link_picks(state)
    on_clock = state.shown_on_clock
    on_clock_seat = state.seat_for_slot(on_clock) if on_clock else None
    rows: list[Row] = []
    if draft.is_open_slots:
        # A member's picks sit in their own column, one row per category they chose.
        by_seat_category = {(p.seat_id, p.category_id): p for p in state.picks.values()}
        for category in state.categories:
            cells = []
            for seat in state.seats:
                pick = by_seat_category.get((seat.pk, category.pk))
                original = state.original_seat(pick.slot) if pick else seat
                cells.append(
                    Cell(
                        seat=seat,
                        pick=pick,
                        slot=pick.slot if pick else None,
                        label=pick.label if pick else "",
                        category=category,
                        # The member chooses which category to fill: the empty cells of the
                        # seat on the clock are open.
                        seat_on_clock=pick is None
                        and on_clock_seat is not None
                        and seat.pk == on_clock_seat.pk,
                        via=_via(seat, original),
                    )
                )
            rows.append(Row(title=category.name, category=category, cells=cells))
    else:
        # A slot sits in its round's row, in the column of the seat it was drawn for.
        for round_number, category in enumerate(state.categories, start=1):
            cells = []
            for seat in state.seats:
                slot = state.slot_in_round(round_number, seat)
                holder = state.seat_for_slot(slot)
                cells.append(
                    Cell(
                        seat=seat,
                        slot=slot,
                        label=state.label(slot),
                        pick=state.picks.get(slot),
                        on_clock=slot == on_clock,
                        skipped=slot in state.skipped and slot not in state.picks,
                        via=_via(holder, seat),
                    )
                )
            rows.append(
                Row(
                    title=f"Round {round_number}",
                    category=category,
                    cells=cells,
                    backwards=state.round_runs_backwards(round_number),
                )
            )
    recent = sorted(state.picks.values(), key=lambda p: p.pk, reverse=True)[:6]
    owed = [(state.position(s).label, state.seat_for_slot(s)) for s in state.owed]
    on_clock_category = state.category_of_slot(on_clock) if on_clock else None
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
        quiet=quiet_hours(state, datetime.now(UTC)),
    )


def _via(holder: Seat, original: Seat) -> str:
    return narration.via(holder, original) if holder.pk != original.pk else ""


@dataclass(frozen=True)
class UndoOffer:
    """What the console's undo button would take back, in words."""

    version: int  # the act's board version: the confirmation page posts it back
    button: str
    detail: str
    is_pick: bool
    is_trade: bool = False


def undo_offer(state: DraftState) -> UndoOffer | None:
    act = state.last_act
    if act is None or state.ended_early():
        return None
    if isinstance(act, Trade):
        return UndoOffer(act.version, "Undo the trade", act.summary, is_pick=False, is_trade=True)
    name = state.seat_for_slot(act.slot).display_name
    label = state.label(act.slot)
    if isinstance(act, Pick):
        category = state.category_by_id(act.category_id)
        return UndoOffer(
            act.version,
            f"Undo {label} {act.movie.title}",
            f"{label}: {name} — {act.movie} in {category.name}",
            is_pick=True,
        )
    return UndoOffer(
        act.version,
        f"Undo the skip of {name} ({label})",
        f"{label}: {name} was skipped and owes the pick",
        is_pick=False,
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
    pick_in_round: int | None = None
    on_deck: str = ""  # the member on the clock, when this viewer picks right after them
    next_label: str = ""
    next_slot: int | None = None
    picks_away: int | None = None
    status: str = ""

    @property
    def can_pick(self) -> bool:
        return self.slot is not None

    @property
    def key(self) -> str:
        """Changes whenever this viewer's panel would look different; polls compare it."""
        return f"{self.status}:{self.slot or 0}:{self.next_label}:{self.picks_away}:{len(self.my_picks)}"


def pick_panel(state: DraftState, membership: Membership | None) -> PickPanel:
    """What one viewer may do on the board. Reads the state only (see draft/live.py)."""
    draft = state.draft
    seat = state.seat_of(membership.pk) if membership else None
    panel = PickPanel(membership=membership, seat=seat, status=draft.status)
    if seat is None:
        return panel
    panel.my_picks = state.picks_of(seat)
    upcoming = state.next_slot_of(seat)
    if upcoming is not None:
        panel.next_slot = upcoming
        panel.next_label = state.label(upcoming)
        panel.picks_away = state.picks_away(seat)
    if draft.status != Draft.Status.LIVE:
        return panel
    following = state.up_next()
    if following is not None and following[0].pk == seat.pk:
        panel.on_deck = state.seat_on_clock.display_name
    slot = state.slot_to_fill(seat)
    if slot is None:
        return panel
    position = state.position(slot)
    panel.slot, panel.label, panel.round = slot, position.label, position.round
    panel.pick_in_round = position.pick_in_round
    panel.makeup = state.is_makeup(slot)
    if draft.is_open_slots:
        panel.categories_left = state.categories_left(seat)
    else:
        panel.category = state.category_of_slot(slot)
    return panel


@dataclass
class Console:
    """What the commissioner's console shows besides its forms: the board, the league's
    members without a seat, the pick they may make for the member on the clock (the slot, and
    the categories it may go in, `category` the one chosen), and the undo on offer."""

    board: Board
    unseated: list[Membership]
    behalf_seat: Seat | None = None
    behalf_slot: int | None = None
    behalf_label: str = ""
    behalf_categories: list[Category] = field(default_factory=list)
    behalf_category: Category | None = None
    undo: UndoOffer | None = None


def console(board: Board, category_id: int | None = None) -> Console:
    """The console of `board`'s draft; `category_id`, the category the commissioner chose for
    the pick on behalf (the first open one otherwise). Reads the state for every turn question."""
    state, draft = board.state, board.draft
    seated = {s.membership_id for s in state.seats}
    unseated = [
        m
        for m in Membership.objects.filter(league=draft.league).order_by("display_name")
        if m.pk not in seated
    ]
    view = Console(board=board, unseated=unseated)
    if draft.status != Draft.Status.SETUP:
        view.undo = undo_offer(state.with_last_trade())
    if draft.status != Draft.Status.LIVE or board.on_clock_seat is None:
        return view
    view.behalf_seat = board.on_clock_seat
    view.behalf_slot = state.slot_to_fill(view.behalf_seat)
    if view.behalf_slot is None:
        return view
    view.behalf_label = state.label(view.behalf_slot)
    view.behalf_categories = state.categories_for(view.behalf_seat, view.behalf_slot)
    view.behalf_category = next(
        (c for c in view.behalf_categories if c.pk == category_id),
        view.behalf_categories[0] if view.behalf_categories else None,
    )
    return view


@dataclass(frozen=True)
class BoardPoll:
    """What the board poll reads in its one query."""

    version: int
    is_public: bool
    is_member: bool
    clock_due: bool
    clock_deadline: datetime | None


class _CompiledPoll:
    """The board poll's query, built through the ORM once per process and database vendor (so
    the clock's rule keeps its one owner, `due_clock_q`) and then run with each poll's values.
    Building it took about 5 ms a poll: more than the rest of the request.

    The query is built with stand-in values, and the SQL's parameters that hold them are the
    ones each poll replaces."""

    LEAGUE, DRAFT, USER = "\x1fleague", "\x1fdraft", -2_718_281
    NOW = datetime(1901, 2, 3, 4, 5, 6, tzinfo=UTC)
    COLUMNS = ("version", "league__is_public", "is_member", "clock_due", "clock_deadline")

    def __init__(self, *, with_user: bool):
        user = self.USER if with_user else None
        query = poll_query(self.LEAGUE, self.DRAFT, user, self.NOW)[:1].query
        self.compiler = query.get_compiler(connection=connection)
        self.sql, params = self.compiler.as_sql()
        self.converters = self.compiler.get_converters(
            [column[0] for column in self.compiler.select[: self.compiler.col_count]]
        )
        stand_ins = {self.LEAGUE: "league", self.DRAFT: "draft", self.USER: "user"}
        stand_ins[self._now_param(self.NOW)] = "now"
        self.params = [(stand_ins.get(p, ""), p) for p in params]
        found = sorted(name for name, _ in self.params if name)
        expected = ["draft", "league", "now"] + (["user"] if with_user else [])
        if found != expected:
            raise RuntimeError(f"the board poll's query moved its parameters: {found}")

    @staticmethod
    def _now_param(now):
        return Draft._meta.get_field("clock_deadline").get_db_prep_value(now, connection)

    def run(self, league_slug, draft_slug, user_id, now):
        values = {"league": league_slug, "draft": draft_slug, "user": user_id}
        values["now"] = self._now_param(now)
        with connection.cursor() as cursor:
            cursor.execute(self.sql, [values[name] if name else p for name, p in self.params])
            rows = cursor.fetchall()
        if self.converters:
            rows = list(self.compiler.apply_converters(rows, self.converters))
        return rows[0] if rows else None


def poll_query(league_slug: str, draft_slug: str, user_id, now):
    """The board poll's query through the ORM: the draft's version, its league's publicity,
    whether the user is a member (their account active), whether its clock is due."""
    drafts = Draft.objects.filter(league__slug=league_slug, slug=draft_slug)
    # The poll reads the user id from the session without loading the user: an account made
    # inactive must not keep polling a private board.
    member = Membership.objects.filter(
        league=OuterRef("league_id"), user_id=user_id, user__is_active=True
    )
    drafts = drafts.annotate(is_member=Exists(member) if user_id is not None else Value(False))
    drafts = drafts.annotate(
        clock_due=ExpressionWrapper(due_clock_q(now), output_field=BooleanField())
    )
    return drafts.values_list(*_CompiledPoll.COLUMNS).order_by("pk")


# Per database vendor and with or without a user: the compiled poll, or None where it could not
# be compiled (a Django whose compiler moved what it relies on): then the ORM's query is run.
_compiled_polls: dict[tuple[str, bool], _CompiledPoll | None] = {}


def compiled_poll(*, with_user: bool) -> _CompiledPoll | None:
    key = (connection.vendor, with_user)
    if key not in _compiled_polls:
        try:
            _compiled_polls[key] = _CompiledPoll(with_user=with_user)
        except Exception:
            logger.exception("The board poll runs through the ORM: its compiled query failed")
            _compiled_polls[key] = None
    return _compiled_polls[key]


def board_version(league_slug: str, draft_slug: str, user_id, now) -> BoardPoll | None:
    """The board poll's one query (by the unique league slug and (league, slug) indexes): the
    draft's version, whether the viewer may see it, and whether its clock has run out (a poll
    is one of the places an expiry is noticed). None if there is no such draft."""
    poll = compiled_poll(with_user=user_id is not None)
    if poll is not None:
        row = poll.run(league_slug, draft_slug, user_id, now)
    else:
        row = poll_query(league_slug, draft_slug, user_id, now).first()
    if row is None:
        return None
    version, is_public, is_member, clock_due, deadline = row
    return BoardPoll(version, bool(is_public), bool(is_member), bool(clock_due), deadline)


def league_page(league: League):
    """The league page: its drafts (a season each, the latest first) and members, two
    queries."""
    drafts = list(
        Draft.objects.filter(league=league).select_related("season").order_by("-season__number")
    )
    members = list(
        Membership.objects.filter(league=league)
        .select_related("user")
        .order_by("-is_commissioner", "display_name")
    )
    for d in drafts:
        d.league = league
    return drafts, members


def started_drafts_with_seat(membership: Membership) -> list[Draft]:
    """The drafts past setup in which the member has a seat (the remove page names them: their
    picks stay on those boards)."""
    return list(
        Draft.objects.filter(seats__membership=membership)
        .exclude(status=Draft.Status.SETUP)
        .select_related("league")
        .order_by("-created_at")
    )


def picks_for_export(draft: Draft) -> list[Pick]:
    """The picks in slot order, each with `via`: the name of the seat its slot was drawn for
    when another seat held it (a trade), else ""."""
    drawn_for = DraftSlot.objects.filter(draft=OuterRef("draft"), slot=OuterRef("slot"))
    picks = list(
        Pick.objects.filter(draft=draft)
        .select_related("movie", "category", "seat__membership")
        .annotate(
            original_id=Subquery(drawn_for.values("original_seat")[:1]),
            original_name=Subquery(
                drawn_for.annotate(
                    name=Coalesce("original_seat__membership__display_name", "original_seat__name")
                ).values("name")[:1]
            ),
        )
        .order_by("slot")
    )
    for pick in picks:
        traded = pick.original_id is not None and pick.original_id != pick.seat_id
        pick.via = pick.original_name if traded else ""
    return picks


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
            row.sniped_by, row.sniped_at = pick.seat.display_name, pick.label
        rows.append(row)
    return rows
