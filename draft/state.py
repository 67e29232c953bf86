"""The one owner of the turn: `DraftState`.

Every question about whose turn it is gets its answer here: the slot on the clock and its
seat, its category (or the categories a seat has left), the make-up slots of skipped seats, a
seat's next slot, the last act an undo would take back, and whether the clock has run out.
The state also applies a pick, a skip, an undo, a pause, a resume, a start and a completion to
itself (in memory: picks, skips and the draft's clock fields), keeping its derived values
right. `rules.py` is the pure arithmetic it uses; services check against it and write what it
did; views, selectors, notifications and the worker only ask it.

Which seat holds a slot is data: a started draft has a `DraftSlot` row per slot, written at
the start from the default order (`rules.slot_position`), and the turn questions read the
holder from there, never from the arithmetic. A draft in setup has no rows yet; its state
works them out from the order as they would be written.

An *act* is a pick or a skip: the two things that settle a slot. Acts carry the board version
they made and the clock time the slot on the clock had left; undo takes back the act with the
highest version and gives the clock back as it stood (at least `clock.UNDO_MIN_SECONDS`, so an
undone expiry does not expire again at once).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.db.models import Q

from draft import clock, rules
from draft.models import (
    Category,
    Draft,
    DraftSlot,
    HeldPick,
    Movie,
    Pick,
    Seat,
    SkippedSlot,
    Trade,
)
from draft.outcomes import SlotOutcomes
from draft.repeats import as_film, drafted_in_last_seasons

Act = Pick | SkippedSlot | Trade


class DraftState(SlotOutcomes):
    """A draft's seats, categories, picks and skips, and its clock (the draft row's fields)."""

    def __init__(
        self,
        draft: Draft,
        seats: list[Seat],
        categories: list[Category],
        picks: Iterable[Pick] = (),
        skips: Iterable[SkippedSlot] = (),
        slots: Iterable[DraftSlot] = (),
        held: Iterable[HeldPick] = (),
    ):
        self.draft = draft
        self.seats = list(seats)
        self.categories = list(categories)
        self._picks = {p.slot: p for p in picks}
        self._skips = {s.slot: s for s in skips}
        self._slots = {row.slot: row for row in slots} or self._default_slots(held)
        # Trades completed, the last one last, as far as known: the one read from the database
        # (`with_last_trade`) and those applied since. Acts an undo may take back.
        self._trades: list[Trade] = []
        self._trades_read = False
        by_id = {seat.pk: seat for seat in self.seats if seat.pk is not None}
        # Slot → the seat holding it, and the seat the default order gave it.
        self._holder: dict[int, Seat] = {}
        self._original: dict[int, Seat] = {}
        self._cell_slots: dict[tuple[int, int], int] = {}  # (round, original position) → slot
        for number, row in self._slots.items():
            self._holder[number] = by_id.get(row.owner_seat_id) or row.owner_seat
            self._original[number] = by_id.get(row.original_seat_id) or row.original_seat
            self._cell_slots[(row.round, self._original[number].position)] = number
        self._forget()

    @classmethod
    def load(cls, draft: Draft) -> DraftState:
        """The state of `draft` in five queries (seats, categories, picks, skips, and the
        slots; before the start, the picks traded away from the seats they are drawn for)."""
        seats = Seat.objects.filter(draft=draft).select_related("membership__user")
        if draft.status == Draft.Status.SETUP:
            owners = {"held": HeldPick.objects.filter(draft=draft)}
        else:
            owners = {"slots": DraftSlot.objects.filter(draft=draft).order_by("slot")}
        return cls(
            draft,
            seats=list(seats.order_by("position")),
            categories=list(Category.objects.filter(draft=draft).order_by("position")),
            picks=Pick.objects.filter(draft=draft).select_related("movie").order_by("slot"),
            skips=SkippedSlot.objects.filter(draft=draft).order_by("slot"),
            **owners,
        )

    def with_last_trade(self) -> DraftState:
        """Read the last trade completed on this draft (two queries), so that `last_act` and
        `undo` know it: what an undo takes back, and the console offers."""
        if self._trades_read:
            return self
        self._trades_read = True
        trade = (
            Trade.objects.filter(draft=self.draft, status=Trade.Status.COMPLETED)
            .exclude(version=None)
            .order_by("-version")
            .first()
        )
        if trade is not None:
            trade.moves = list(trade.items.all())
            self._trades.insert(0, trade)
        return self

    def _default_slots(self, held: Iterable[HeldPick] = ()) -> dict[int, DraftSlot]:
        """The slots as the default order gives them (`rules.slot_position`), each held by the
        seat it was drawn for, or by the seat a trade before the start gave it to (`held`):
        what `start` writes, and a draft in setup shows."""
        by_id = {seat.pk: seat for seat in self.seats if seat.pk is not None}
        owners = {
            (row.round, row.original_seat_id): by_id[row.owner_seat_id]
            for row in held
            if row.owner_seat_id in by_id
        }
        slots = {}
        for number in range(1, self.total_slots + 1):
            where = self.position(number)
            seat = self.seats[where.seat_position - 1]
            slots[number] = DraftSlot(
                draft=self.draft,
                slot=number,
                round=where.round,
                pick_in_round=where.pick_in_round,
                original_seat=seat,
                owner_seat=owners.get((where.round, seat.pk), seat),
            )
        return slots

    # --- what the state holds -------------------------------------------------------------

    @property
    def picks(self) -> dict[int, Pick]:
        """Slot → pick. Read only: change it through apply_pick and undo."""
        return self._picks

    @property
    def skipped(self) -> frozenset[int]:
        """Every slot that was skipped, made up since or not."""
        return frozenset(self._skips)

    def _forget(self) -> None:
        """Drop the derived values after a change; each is worked out again when asked."""
        self._on_clock: int | None | bool = False  # False: not worked out yet
        self._picked_movie_ids: set[int] | None = None

    # --- the draft's shape ----------------------------------------------------------------

    @property
    def seat_count(self) -> int:
        return len(self.seats)

    @property
    def round_count(self) -> int:
        return len(self.categories)

    @property
    def total_slots(self) -> int:
        return rules.total_slots(self.seat_count, self.round_count)

    def position(self, slot: int) -> rules.SlotPosition:
        return rules.slot_position(slot, self.seat_count, self.draft.order)

    def label(self, slot: int) -> str:
        return self.position(slot).label

    def seat_for_slot(self, slot: int) -> Seat:
        """The seat holding `slot`: the one that picks there."""
        return self._holder[slot]

    def original_seat(self, slot: int) -> Seat:
        """The seat the default order gave `slot`: the column the board shows it in."""
        return self._original[slot]

    def holds(self, seat: Seat, slot: int) -> bool:
        return self._holder[slot].position == seat.position

    def slot_in_round(self, round_number: int, original: Seat) -> int:
        """The slot of `round_number` the default order gave `original` (its board cell)."""
        return self._cell_slots[(round_number, original.position)]

    def round_runs_backwards(self, round_number: int) -> bool:
        """A snake round the default order runs right to left."""
        return rules.round_runs_backwards(round_number, self.draft.order)

    @property
    def slot_rows(self) -> list[DraftSlot]:
        """A row per slot, in slot order: what `start` leaves to be written."""
        return [self._slots[number] for number in sorted(self._slots)]

    def give_slot(self, slot: int, seat: Seat) -> None:
        """Hand an open slot to another seat (a trade). A settled slot stays with its picker."""
        if slot in self._picks or slot in self._skips:
            raise ValueError(f"slot {slot} is settled")
        self._slots[slot].owner_seat = seat
        self._holder[slot] = seat
        self._forget()

    def is_open(self, slot: int) -> bool:
        """Neither filled nor skipped: a slot that may still change hands."""
        return slot not in self._picks and slot not in self._skips

    def slots_held(self, seat: Seat) -> list[int]:
        """The open slots the seat holds, in order: what it may offer in a trade."""
        return [n for n in sorted(self._slots) if self.is_open(n) and self.holds(seat, n)]

    def slot_of(self, round_number: int, original: Seat) -> int | None:
        """The slot of `round_number` drawn for `original`; None when there is no such slot."""
        return self._cell_slots.get((round_number, original.position))

    def seat_by_id(self, seat_id: int | None) -> Seat | None:
        return next((s for s in self.seats if s.pk == seat_id), None)

    def seat_of(self, membership_id: int | None) -> Seat | None:
        """The member's seat; None for someone without one (a reader never gets a bot's)."""
        if membership_id is None:
            return None
        return next((s for s in self.seats if s.membership_id == membership_id), None)

    def category_for_round(self, round_number: int) -> Category:
        return self.categories[round_number - 1]

    def category_by_id(self, category_id: int | None) -> Category | None:
        return next((c for c in self.categories if c.pk == category_id), None)

    # --- the turn -------------------------------------------------------------------------

    @property
    def on_clock(self) -> int | None:
        """The first slot neither filled nor skipped; None once every slot is settled."""
        if self._on_clock is False:
            if self.seat_count == 0 or self.round_count == 0:
                self._on_clock = None
            else:
                self._on_clock = rules.slot_on_clock(
                    self.total_slots, self._picks.keys(), self._skips.keys()
                )
        return self._on_clock

    @property
    def shown_on_clock(self) -> int | None:
        """The slot the board shows on the clock: the one on the clock while the draft runs
        (live, or paused with the slot up next); None before the start and once complete."""
        return self.on_clock if self.draft.status in _RUNNING else None

    @property
    def seat_on_clock(self) -> Seat | None:
        return self.seat_for_slot(self.on_clock) if self.on_clock else None

    @property
    def owed(self) -> list[int]:
        """Skipped slots still waiting for their member to make them up, earliest first."""
        return rules.unfilled_skips(self._skips.keys(), self._picks.keys(), self.on_clock)

    @property
    def is_settled(self) -> bool:
        """Every slot filled or skipped, and every skip made up: nothing left to pick."""
        return self.on_clock is None and not self.owed

    def owed_by(self, seat: Seat) -> list[int]:
        """The skipped slots the seat holds and has not made up, earliest first."""
        return [slot for slot in self.owed if self.holds(seat, slot)]

    def slot_to_fill(self, seat: Seat) -> int | None:
        """The slot the seat's next pick fills: its earliest skipped slot if it owes one (a
        member back from a skip catches up before anything else), else the slot on the clock
        if the seat holds it."""
        owed = self.owed_by(seat)
        if owed:
            return owed[0]
        if self.on_clock is not None and self.holds(seat, self.on_clock):
            return self.on_clock
        return None

    def is_makeup(self, slot: int) -> bool:
        return slot in self._skips

    def next_slot_of(self, seat: Seat) -> int | None:
        """The seat's first open slot from the one on the clock onwards."""
        if self.on_clock is None:
            return None
        for slot in range(self.on_clock, self.total_slots + 1):
            if slot in self._picks or slot in self._skips:
                continue
            if self.holds(seat, slot):
                return slot
        return None

    def picks_away(self, seat: Seat) -> int | None:
        """How many picks come before the seat's next slot (0: it is on the clock)."""
        upcoming = self.next_slot_of(seat)
        return None if upcoming is None else upcoming - self.on_clock

    def up_next(self) -> tuple[Seat, int] | None:
        """The other seat that picks after the one on the clock, and its slot: None when the
        next open slot is the same member's (a snake turn) or there is none."""
        if self.on_clock is None:
            return None
        seat = self.seat_for_slot(self.on_clock)
        for later in range(self.on_clock + 1, self.total_slots + 1):
            if later in self._picks or later in self._skips:
                continue
            candidate = self.seat_for_slot(later)
            return (candidate, later) if candidate.position != seat.position else None
        return None

    def categories_left(self, seat: Seat) -> list[Category]:
        used = {p.category_id for p in self._picks.values() if p.seat_id == seat.pk}
        return [c for c in self.categories if c.pk not in used]

    def category_of_slot(self, slot: int) -> Category | None:
        """A per-round slot's category; None in open-slot mode, where the member chooses."""
        if self.draft.is_open_slots:
            return None
        return self.category_for_round(self.position(slot).round)

    def category_to_fill(self, seat: Seat | None) -> Category | None:
        """The category the seat's next pick goes in: its slot's, in per-round mode; None when
        it has no pick to make, or in open-slot mode (the member chooses)."""
        slot = self.slot_to_fill(seat) if seat is not None else None
        return self.category_of_slot(slot) if slot is not None else None

    def categories_for(self, seat: Seat, slot: int) -> list[Category]:
        """The categories a pick for `seat` at `slot` may go in."""
        if self.draft.is_open_slots:
            return self.categories_left(seat)
        return [self.category_for_round(self.position(slot).round)]

    @property
    def picked_movie_ids(self) -> set[int]:
        if self._picked_movie_ids is None:
            self._picked_movie_ids = {p.movie_id for p in self._picks.values()}
        return self._picked_movie_ids

    def pick_problems(
        self, movie: Movie, category: Category, earlier: dict[int, str] | None = None
    ) -> list[str]:
        """Why `movie` may not go in `category` in this draft, besides being taken: the
        category's rules, and the league's rule against films drafted in its last seasons.
        A commissioner's ruling may override any of them. `earlier` is what
        `drafted_in_last_seasons` said for several films at once (else it is asked here)."""
        reasons = rules.ineligibility_reasons(as_film(movie), category.rule)
        if earlier is None:
            earlier = drafted_in_last_seasons(self.draft, [movie.pk])
        if movie.pk in earlier:
            reasons.append(earlier[movie.pk])
        return reasons

    def pick_of_movie(self, movie_id: int) -> Pick | None:
        return next((p for p in self._picks.values() if p.movie_id == movie_id), None)

    def picks_of(self, seat: Seat) -> list[Pick]:
        return sorted(
            (p for p in self._picks.values() if p.seat_id == seat.pk), key=lambda p: p.slot
        )

    @property
    def last_act(self) -> Act | None:
        """What an undo takes back: the pick, skip or trade (when read: `with_last_trade`) that
        made the highest board version. Keepers, placed at the start, are never taken back."""
        acts = [*(p for p in self._picks.values() if not p.is_keeper), *self._skips.values()]
        if self._trades:
            acts.append(self._trades[-1])
        # A made-up skip shares its slot with the pick that made it up; the pick is later.
        return max(acts, key=lambda a: (a.version, isinstance(a, Pick)), default=None)

    @property
    def last_pick(self) -> Pick | None:
        return max(self._picks.values(), key=lambda p: (p.version, p.pk or 0), default=None)

    # --- the clock ------------------------------------------------------------------------

    def clock_is_due(self, now: datetime) -> bool:
        return clock_is_due(self.draft, now)

    def pick_seconds_for(self, slot: int) -> int | None:
        draft = self.draft
        if draft.pick_seconds and draft.first_round_pick_seconds and self.position(slot).round == 1:
            return draft.first_round_pick_seconds
        return draft.pick_seconds

    def _deadline(self, start: datetime, seconds: float) -> datetime:
        draft = self.draft
        return clock.deadline_after(
            start,
            seconds,
            quiet_start=draft.quiet_start,
            quiet_end=draft.quiet_end,
            time_zone=draft.league.time_zone,
        )

    def time_left(self, now: datetime) -> timedelta | None:
        """Clock time the slot on the clock has left (quiet hours do not count); None without a
        running or paused clock."""
        draft = self.draft
        if draft.clock_deadline is not None:
            seconds = clock.running_seconds_between(
                now,
                draft.clock_deadline,
                quiet_start=draft.quiet_start,
                quiet_end=draft.quiet_end,
                time_zone=draft.league.time_zone,
            )
            return timedelta(seconds=seconds)
        return draft.clock_remaining

    def quiet_window(self, now: datetime) -> tuple[datetime, datetime] | None:
        """The quiet hours the running clock stops for before it runs out (the first window
        between now and the deadline, in UTC); None when it runs straight through."""
        draft = self.draft
        if draft.status != Draft.Status.LIVE or draft.clock_deadline is None:
            return None
        return clock.first_quiet_window(
            now,
            draft.clock_deadline,
            quiet_start=draft.quiet_start,
            quiet_end=draft.quiet_end,
            time_zone=draft.league.time_zone,
        )

    def _put_on_clock(self, now: datetime, left: timedelta | None = None) -> None:
        """Point the clock at the slot now on the clock, with `left` to run (a full pick time
        when None). Live: a deadline; paused: the time is kept for the resume."""
        draft, slot = self.draft, self.on_clock
        draft.clock_slot = slot
        draft.clock_deadline = None
        draft.clock_remaining = None
        if slot is None or not draft.pick_seconds or draft.status not in _RUNNING:
            return
        seconds = left.total_seconds() if left is not None else self.pick_seconds_for(slot)
        if draft.status == Draft.Status.LIVE:
            draft.clock_deadline = self._deadline(now, seconds)
        else:
            draft.clock_remaining = timedelta(seconds=seconds)

    def restart_clock(self, now: datetime) -> None:
        """The clock settings changed: the slot on the clock starts again with the new time.
        Paused, it gets the full new time at the resume."""
        self._put_on_clock(now)

    # --- changes --------------------------------------------------------------------------

    def place_keeper(self, pick: Pick) -> None:
        """A keeper's pick, in its slot before the start: the clock never comes to it."""
        if self.draft.status != Draft.Status.SETUP:
            raise ValueError("keepers are placed before the start")
        self._picks[pick.slot] = pick
        self._forget()

    def start(self, now: datetime) -> None:
        self.draft.status = Draft.Status.LIVE
        self.draft.started_at = now
        self._put_on_clock(now)

    def apply_pick(self, pick: Pick, now: datetime) -> None:
        """Put a pick on the board (the caller checked it). A pick for the slot on the clock
        moves the clock to the next slot with a full pick time; a make-up pick leaves the
        clock alone."""
        before = self.on_clock
        pick.clock_left = self.time_left(now)
        self._picks[pick.slot] = pick
        self._forget()
        if self.on_clock != before:
            self._put_on_clock(now)

    def apply_skip(self, skip: SkippedSlot, now: datetime) -> None:
        """Skip the slot on the clock: the next slot comes on the clock with a full pick time."""
        if skip.slot != self.on_clock:
            raise ValueError(f"slot {skip.slot} is not on the clock")
        skip.clock_left = self.time_left(now)
        self._skips[skip.slot] = skip
        self._forget()
        self._put_on_clock(now)

    def apply_trade(self, trade: Trade, now: datetime) -> None:
        """The slots of `trade.moves` (its items) change hands (the caller checked the trade).
        When the slot on the clock goes to another seat, its new holder gets the time left, at
        least the league's minimum (`League.trade_min_clock_seconds`, never more than a full
        pick time)."""
        holder = self.seat_on_clock
        trade.clock_left = self.time_left(now)
        for move in trade.moves:
            original = self.seat_by_id(move.original_seat_id)
            self.give_slot(
                self.slot_in_round(move.round, original), self.seat_by_id(move.to_seat_id)
            )
        self._trades.append(trade)
        if holder is None or self.seat_on_clock.position == holder.position:
            return
        left = trade.clock_left
        if left is not None:
            full = self.pick_seconds_for(self.on_clock) or 0
            least = min(self.draft.league.trade_min_clock_seconds, full)
            left = max(left, timedelta(seconds=least))
        self._put_on_clock(now, left)

    def undo(self, now: datetime) -> Act:
        """Take back the last act and put the board as it was before it: its slot open again
        (on the clock, or owed again for a make-up pick), or a trade's slots back with the
        seats they came from; the clock as it stood then, and a draft its last pick completed
        live again. Pause and resume are not undone: a paused draft stays paused, keeping the
        restored time for the resume."""
        act = self.last_act
        if act is None:
            raise ValueError("nothing to undo")
        if isinstance(act, Trade):
            holder = self.seat_on_clock
            for move in act.moves:
                self.give_slot(self.slot_in_round(move.round, self.seat_by_id(move.original_seat_id)),
                               self.seat_by_id(move.from_seat_id))  # fmt: skip
            self._trades.pop()
            if holder is not None and self.seat_on_clock.position != holder.position:
                self._put_on_clock(now, self._time_given_back(act))
            return act
        before = self.on_clock
        if isinstance(act, Pick):
            del self._picks[act.slot]
        else:
            del self._skips[act.slot]
        self._forget()
        reopened = self.draft.status == Draft.Status.COMPLETE
        if reopened:
            self.draft.status = Draft.Status.LIVE
            self.draft.completed_at = None
        if self.on_clock != before or reopened:
            self._put_on_clock(now, self._time_given_back(act))
        return act

    def _time_given_back(self, act: Act) -> timedelta | None:
        if act.clock_left is None or self.on_clock is None:
            return None
        full = self.pick_seconds_for(self.on_clock) or 0
        floor = timedelta(seconds=min(clock.UNDO_MIN_SECONDS, full))
        return max(act.clock_left, floor)

    def pause(self, now: datetime) -> None:
        """Stop the clock, keeping the time the slot on the clock had left."""
        left = self.time_left(now) if self.draft.clock_deadline is not None else None
        self.draft.status = Draft.Status.PAUSED
        self.draft.clock_deadline = None
        self.draft.clock_remaining = left

    def resume(self, now: datetime) -> None:
        """Run the clock again with exactly the time that was left at the pause."""
        left = self.draft.clock_remaining
        self.draft.status = Draft.Status.LIVE
        self._put_on_clock(now, left)

    def complete(self, now: datetime) -> None:
        draft = self.draft
        draft.status = Draft.Status.COMPLETE
        draft.completed_at = now
        draft.clock_slot = draft.clock_deadline = draft.clock_remaining = None

    def ended_early(self) -> bool:
        """A commissioner ended the draft with slots still open."""
        return self.draft.status == Draft.Status.COMPLETE and not self.is_settled


_RUNNING = (Draft.Status.LIVE, Draft.Status.PAUSED)


def clock_is_due(draft: Draft, now: datetime) -> bool:
    """Whether the clock has run out on a draft whose expiry action does something. With the
    action "nothing" the pick simply shows as overdue until someone makes it. The query twin
    is `due_clock_q`; a test holds the two to the same answer in every case."""
    return (
        draft.status == Draft.Status.LIVE
        and draft.expiry_action != Draft.Expiry.NOTHING
        and draft.clock_deadline is not None
        and draft.clock_deadline <= now
    )


def due_clock_q(now: datetime, prefix: str = "") -> Q:
    """`clock_is_due` as a query condition on Draft (or on a relation to it, via `prefix`),
    served by the deadline index."""
    return Q(
        **{
            f"{prefix}status": Draft.Status.LIVE,
            f"{prefix}clock_deadline__lte": now,
        }
    ) & ~Q(**{f"{prefix}expiry_action": Draft.Expiry.NOTHING})
