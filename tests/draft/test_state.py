"""The state owner on its own, without the database: undo puts the board back exactly, and the
clock's "due" has one answer in Python and in SQL.

The property: for any reachable state S and any act E (a pick on the clock, a make-up pick, a
skip, an expiry), undo(E(S)) shows the board as S did: the same picks and skips, the same slot
on the clock and make-up offers, the same clock time left (an expiry's slot gets at least
UNDO_MIN_SECONDS back, so it does not run out again at once), and a completed draft live again.
"""

from datetime import UTC, datetime, timedelta
from itertools import product

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from draft import clock
from draft.models import Category, Draft, League, Membership, Movie, Pick, Seat, SkippedSlot
from draft.services.setup import open_season
from draft.state import DraftState, clock_is_due, due_clock_q

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
PICK_SECONDS = 600


def make_state(seats: int, rounds: int, order: str, mode: str, pick_seconds) -> DraftState:
    league = League(pk=1, name="L", slug="l", time_zone="UTC")
    draft = Draft(
        pk=1,
        league=league,
        order=order,
        category_mode=mode,
        pick_seconds=pick_seconds,
        expiry_action=Draft.Expiry.SKIP,
    )
    members = [Membership(pk=n, display_name=f"M{n}", user_id=n) for n in range(1, seats + 1)]
    return DraftState(
        draft,
        seats=[Seat(pk=n, position=n, membership=members[n - 1]) for n in range(1, seats + 1)],
        categories=[Category(pk=n, position=n, name=f"C{n}") for n in range(1, rounds + 1)],
    )


class Board:
    """Drives a DraftState as the services do, in memory, with a clock that only moves when
    told. Acts are numbered like board versions."""

    def __init__(self, state: DraftState):
        self.state, self.now, self.version, self.films = state, T0, 0, iter(range(1, 10_000))

    def pick(self, slot: int) -> Pick:
        state = self.state
        seat = state.seat_for_slot(slot)
        category = state.categories_for(seat, slot)[0]
        self.version += 1
        movie = Movie(pk=next(self.films), title="F", year=2000)
        pick = Pick(slot=slot, seat=seat, movie=movie, category=category, version=self.version)
        state.apply_pick(pick, self.now)
        if state.is_settled:
            state.complete(self.now)
        return pick

    def skip(self) -> None:
        self.version += 1
        self.state.apply_skip(SkippedSlot(slot=self.state.on_clock, version=self.version), self.now)

    def expire(self) -> None:
        """Time runs out on the slot on the clock, and the clock skips it."""
        self.now = self.state.draft.clock_deadline + timedelta(seconds=1)
        self.skip()

    def snapshot(self) -> dict:
        state, draft = self.state, self.state.draft
        return {
            "picks": sorted(
                (p.slot, p.movie_id, p.seat_id, p.category_id) for p in state.picks.values()
            ),
            "skipped": sorted(state.skipped),
            "on_clock": state.on_clock,
            "owed": state.owed,
            "clock_slot": draft.clock_slot,
            "left": state.time_left(self.now),
            "complete": draft.status == Draft.Status.COMPLETE,
            "holders": [state.seat_for_slot(s).position for s in range(1, state.total_slots + 1)],
        }

    def trade(self) -> None:
        """Owners move, as a trade will move them: in per-round mode the last open slot goes to
        the next seat (who then holds two slots of that round); with open slots, where a seat
        fills each category once, the last two open slots of different seats change hands."""
        state = self.state
        open_slots = [
            s
            for s in range(1, state.total_slots + 1)
            if s not in state.picks and s not in state.skipped
        ]
        if not state.draft.is_open_slots:
            holder = state.seat_for_slot(open_slots[-1])
            state.give_slot(open_slots[-1], state.seats[holder.position % state.seat_count])
            return
        last = open_slots[-1]
        other = next(
            (s for s in reversed(open_slots) if not state.holds(state.seat_for_slot(last), s)), None
        )
        if other is not None:
            first, second = state.seat_for_slot(last), state.seat_for_slot(other)
            state.give_slot(last, second)
            state.give_slot(other, first)


# What can happen to a draft, step by step: the acts, plus undo, pause and resume, and owners
# moving between seats (a trade).
STEPS = ["pick", "pick", "pick", "makeup", "skip", "expire", "undo", "pause", "resume", "trade"]
ACTS = ["pick", "makeup", "skip", "expire"]


def possible(board: Board, step: str) -> bool:
    state, draft = board.state, board.state.draft
    live = draft.status == Draft.Status.LIVE
    if step == "pick":
        return live and state.on_clock is not None
    if step == "makeup":
        return live and bool(state.owed)
    if step in ("skip", "expire"):
        clocked = step == "skip" or draft.clock_deadline is not None
        return live and state.on_clock is not None and clocked
    if step == "undo":
        return state.last_act is not None and not state.ended_early()
    if step == "pause":
        return live
    if step == "resume":
        return draft.status == Draft.Status.PAUSED
    if step == "trade":
        return state.on_clock is not None
    raise AssertionError(step)


def do(board: Board, step: str) -> None:
    state = board.state
    if step == "pick":
        board.pick(state.on_clock)
    elif step == "makeup":
        board.pick(state.owed[0])
    elif step == "skip":
        board.skip()
    elif step == "expire":
        board.expire()
    elif step == "undo":
        state.undo(board.now)
    elif step == "pause":
        state.pause(board.now)
    elif step == "resume":
        state.resume(board.now)
    elif step == "trade":
        board.trade()


drafts = st.fixed_dictionaries(
    {
        "seats": st.integers(2, 4),
        "rounds": st.integers(1, 3),
        "order": st.sampled_from([Draft.Order.SNAKE, Draft.Order.LINEAR]),
        "mode": st.sampled_from([Draft.CategoryMode.PER_ROUND, Draft.CategoryMode.OPEN_SLOTS]),
        "pick_seconds": st.sampled_from([PICK_SECONDS, None]),
    }
)


@settings(max_examples=1500, deadline=None)
@given(
    shape=drafts,
    history=st.lists(st.sampled_from(STEPS), max_size=30),
    act=st.sampled_from(ACTS),
    minutes=st.integers(0, 9),
)
def test_undo_puts_back_exactly_the_board_before_any_act(shape, history, act, minutes):
    board = Board(make_state(**shape))
    board.state.start(board.now)
    for step in history:
        if possible(board, step):
            do(board, step)
            board.now += timedelta(seconds=7)  # some time between steps
    if not possible(board, act):
        return
    board.now += timedelta(minutes=minutes)
    if act == "expire":  # S is the board at the moment its time runs out
        board.now = board.state.draft.clock_deadline + timedelta(seconds=1)
    before = board.snapshot()
    do(board, act)
    assert board.snapshot() != before

    board.state.undo(board.now)

    after = board.snapshot()
    if before["left"] is not None and act != "makeup":
        # The slot back on the clock gets the time it had, but at least a minute: an expired
        # slot (no time left) does not run out again the moment it is back. A make-up pick
        # never moved the clock, so its undo leaves the clock exactly as it is.
        floor = timedelta(seconds=min(clock.UNDO_MIN_SECONDS, PICK_SECONDS))
        assert after.pop("left") == max(before.pop("left"), floor)
    assert after == before


def test_undoing_a_makeup_pick_leaves_the_clock_of_the_seat_on_the_clock_alone():
    """The defect: undoing a make-up pick restarted the clock of whoever was on the clock."""
    board = Board(make_state(3, 2, Draft.Order.SNAKE, Draft.CategoryMode.PER_ROUND, PICK_SECONDS))
    board.state.start(board.now)
    board.skip()  # 1.01 skipped; 1.02 on the clock
    board.now += timedelta(minutes=4)
    board.pick(1)  # the make-up
    deadline = board.state.draft.clock_deadline
    board.now += timedelta(minutes=3)
    board.state.undo(board.now)
    assert board.state.draft.clock_deadline == deadline == T0 + timedelta(seconds=PICK_SECONDS)
    assert board.state.on_clock == 2 and board.state.owed == [1]


def test_undo_after_a_skip_never_lets_the_skipped_member_pick_out_of_turn():
    """The defect: pick 1.01, skip 1.02, undo. Undo now takes back the skip (the last act), so
    1.02 is on the clock again and nobody is offered a make-up pick."""
    board = Board(make_state(3, 2, Draft.Order.SNAKE, Draft.CategoryMode.PER_ROUND, PICK_SECONDS))
    state = board.state
    state.start(board.now)
    board.pick(1)
    board.skip()
    state.undo(board.now)
    assert state.on_clock == 2 and state.owed == []
    assert state.slot_to_fill(state.seats[1]) == 2
    state.undo(board.now)
    assert state.on_clock == 1 and state.owed == []
    assert [state.slot_to_fill(s) for s in state.seats] == [1, None, None]


def test_a_skip_left_beyond_the_clock_is_never_owed():
    """Whatever the history, a skipped slot after the one on the clock offers no make-up."""
    state = make_state(3, 2, Draft.Order.SNAKE, Draft.CategoryMode.PER_ROUND, None)
    state = DraftState(state.draft, state.seats, state.categories, skips=[SkippedSlot(slot=2)])
    state.draft.status = Draft.Status.LIVE
    assert state.on_clock == 1 and state.owed == []
    assert state.slot_to_fill(state.seats[1]) is None


# --- The clock's "due", in Python and in SQL --------------------------------------------


DEADLINES = {
    "none": None,
    "past": T0 - timedelta(seconds=1),
    "now": T0,
    "future": T0 + timedelta(seconds=1),
}
CASES = list(product(Draft.Status.values, Draft.Expiry.values, DEADLINES))


@pytest.mark.django_db
def test_clock_due_predicate_and_query_agree_in_every_case(commissioner):
    from tests.draft.factories import make_league

    league = make_league(commissioner)
    drafts = {}
    for n, (status, expiry, deadline) in enumerate(CASES):
        drafts[n] = Draft.objects.create(
            league=league,
            season=open_season(league),
            name=f"D{n}",
            slug=f"d{n}",
            status=status,
            expiry_action=expiry,
            clock_deadline=DEADLINES[deadline],
        )
    due_in_sql = set(
        Draft.objects.filter(due_clock_q(T0), league=league).values_list("pk", flat=True)
    )
    due_in_python = {d.pk for d in drafts.values() if clock_is_due(d, T0)}
    assert due_in_sql == due_in_python
    # And the cases themselves: only a live draft, with an action, at or past its deadline.
    expected = {
        drafts[n].pk
        for n, (status, expiry, deadline) in enumerate(CASES)
        if status == "live" and expiry != "nothing" and deadline in ("past", "now")
    }
    assert due_in_python == expected


# --- A seat's next slot (moved from the rules' tests when the turn became the state's) ----


def settled_state(filled, skipped, seats=4, rounds=3, order="snake") -> DraftState:
    """A per-round draft with `filled` slots picked and `skipped` slots skipped."""
    blank = make_state(seats, rounds, order, Draft.CategoryMode.PER_ROUND, None)
    picks = [
        Pick(
            slot=slot,
            seat=blank.seat_for_slot(slot),
            movie=Movie(pk=slot, title="F", year=2000),
            category=blank.categories[0],
        )
        for slot in filled
    ]
    skips = [SkippedSlot(slot=slot) for slot in skipped]
    return DraftState(blank.draft, blank.seats, blank.categories, picks=picks, skips=skips)


def seat_at(state: DraftState, position: int) -> Seat:
    return state.seats[position - 1]


def test_seat_on_the_clock_fills_the_slot_on_the_clock():
    state = settled_state(filled=[1], skipped=[])
    assert state.slot_to_fill(seat_at(state, 2)) == 2


def test_seat_off_the_clock_has_nothing_to_fill():
    state = settled_state(filled=[1], skipped=[])
    assert state.slot_to_fill(seat_at(state, 3)) is None
    done = settled_state(filled=range(1, 13), skipped=[])
    assert done.slot_to_fill(seat_at(done, 1)) is None


def test_a_skipped_seat_makes_up_its_skip_before_anything_else():
    # Seat 1 was skipped at 1.01; in round 2 of a 4-seat snake it is on the clock again (2.04).
    state = settled_state(filled=range(2, 8), skipped=[1])
    assert state.on_clock == 8
    assert state.slot_to_fill(seat_at(state, 1)) == 1
    # Once it has made up 1.01, its next pick is the one on the clock.
    state = settled_state(filled=range(1, 8), skipped=[1])
    assert state.slot_to_fill(seat_at(state, 1)) == 8


def test_a_skipped_seat_may_make_up_its_pick_while_another_seat_is_on_the_clock():
    state = settled_state(filled=[2], skipped=[1])
    assert state.on_clock == 3
    assert state.slot_to_fill(seat_at(state, 1)) == 1
    # The seat on the clock is not held up by someone else's skip.
    assert state.slot_to_fill(seat_at(state, 3)) == 3


def test_owed_slots_are_a_seats_unfilled_skips_earliest_first():
    # Slots 1–10 settled, 1, 8 and 9 skipped and not made up: slot 11 is on the clock.
    state = settled_state(filled=[2, 3, 4, 5, 6, 7, 10], skipped=[9, 1, 8, 2])
    assert state.owed_by(seat_at(state, 1)) == [1, 8, 9]  # slot 2 belongs to seat 2
    state = settled_state(filled=[1], skipped=[1])
    assert state.owed_by(seat_at(state, 1)) == []
