"""The draft's invariants under any sequence of actions, through the real services, with
Hypothesis.

A state machine drives a small draft (3 seats × 3 rounds, snake or linear, a one-hour clock
that skips or autopicks when it runs out, under a frozen clock) through start, picks in turn
and out of turn, double submissions, make-up picks, commissioner picks and rulings, skips,
undo, pause and resume, the clock running out, queue edits and autopick switched on and off,
trades (proposed, accepted, declined, withdrawn, lapsed, vetoed, approved or turned down by a
commissioner, refused when they name a pick nobody may offer), by the right people and the
wrong ones. After every step:

- each slot is filled at most once, by the seat that holds it at that moment, entered by its member, a
  commissioner or the clock; no film twice; no category twice per seat (open-slot quotas);
- the acts (picks and skips) stand in slot order: each one is for a slot after the previous
  act's, or makes up an earlier skip;
- the slot on the clock is the first one neither filled nor skipped, and the clock fields agree
  with the status;
- every change of version was logged, and replaying the log through a fresh DraftState
  rebuilds the picks, skips, status and clock exactly, with every logged pick made for the
  slot that was on the clock at that moment (or a make-up of an owed slot);
- an undo puts the board back as it stood before the act it takes back;
- a refused action raises a ValidationError with a message and changes nothing.

The league, its people and its films are made once per test; each example makes its own draft
inside a transaction that is rolled back at the end (opened in __init__, closed in teardown).
"""

import functools
import os
from collections import Counter
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from draft import clock, rules
from draft.models import (
    Category,
    Draft,
    DraftEvent,
    DraftSlot,
    Membership,
    Movie,
    Pick,
    QueueEntry,
    Seat,
    SkippedSlot,
    Trade,
    TradeItem,
)
from draft.services.picks import make_pick, skip_on_clock, undo_last
from draft.services.queue import queue_add, queue_move, queue_remove, set_autopick
from draft.services.running import pause_draft, resume_draft, start_draft, tick_clock
from draft.services.setup import (
    CategorySpec,
    create_draft,
    update_clock_settings,
    update_draft_settings,
)
from draft.state import DraftState
from tests.draft.factories import (
    LINEAR,
    OPEN_SLOTS,
    PER_ROUND,
    SNAKE,
    make_league,
    make_user,
)

SEATS, ROUNDS = 3, 3
PICK_SECONDS = 3600
T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
CATEGORIES = [
    CategorySpec("Horror", genres=("Horror",)),
    CategorySpec("Before 1980", year_max=1979),
    CategorySpec("Wildcard"),
]
# Twelve films for nine slots: some fit one category, some two, some only the Wildcard.
FILMS = [
    ("Halloween", 1978, ["Horror"]),
    ("The Thing", 1982, ["Horror", "Sci-Fi"]),
    ("Night of the Living Dead", 1968, ["Horror"]),
    ("The Others", 2001, ["Horror", "Mystery"]),
    ("The Texas Chain Saw Massacre", 1974, ["Horror"]),
    ("Casablanca", 1942, ["Drama", "Romance"]),
    ("Heat", 1995, ["Crime", "Drama"]),
    ("12 Angry Men", 1957, ["Drama"]),
    ("Shaun of the Dead", 2004, ["Comedy", "Horror"]),
    ("Some Like It Hot", 1959, ["Comedy"]),
    ("Alien", 1979, ["Horror", "Sci-Fi"]),
    ("Her", 2013, ["Romance", "Drama"]),
]

# What happens in a step, weighted: mostly the draft moving on.
ACTIONS = [
    "pick in turn", "pick in turn", "pick in turn", "pick in turn", "pick anything", "skip",
    "undo", "undo", "pause and resume", "time runs out", "queue", "autopick", "trade",
]  # fmt: skip
# A trade's review and what happens to the proposal (League.trade_review, the answer), drawn.
TRADE_CYCLE = [
    ("none", "accept"), ("none", "decline"), ("commissioner", "accept"), ("none", "withdraw"),
    ("veto", "accept"), ("none", "wrong"), ("commissioner", "accept"), ("none", "lapse"),
    ("none", "accept"), ("commissioner", "accept"),
]  # fmt: skip
# "Pick on to the end": enough tries in turn to fill the board even when some are refused.
TO_THE_END = 4 * SEATS * ROUNDS
# Who tries a pick out of the blue. Most of these must be refused.
ACTORS = ["owner", "on_behalf", "seated", "seated", "outsider", "unseated"]


@dataclass
class World:
    """What every example shares: the league, its people, the films."""

    league: object
    commissioner: object
    ann: object
    bob: object
    una: object  # a member without a seat
    outsider: object
    movies: list[Movie]


def build_world() -> World:
    commissioner = make_user("cat", "Cat", "Commish")
    ann, bob = make_user("ann", "Ann", "Able"), make_user("bob", "Bob", "Baker")
    una = make_user("una", "Una", "Seated")
    outsider = make_user("otto", "Otto", "Outside")
    league = make_league(commissioner, [ann, bob, una], name="Machine League")
    movies = Movie.objects.bulk_create(
        Movie(title=t, year=y, genres=g, search_title=rules.normalize_title(t)) for t, y, g in FILMS
    )
    return World(league, commissioner, ann, bob, una, outsider, movies)


@dataclass(frozen=True)
class Seen:
    """The draft as it stood after the last step."""

    draft: Draft
    picks: list[Pick]
    skips: list[SkippedSlot]
    events: list[DraftEvent]
    queue: tuple
    slots: list[DraftSlot]
    trades: list[Trade]  # every proposal, oldest first

    @property
    def key(self) -> tuple:
        """Everything a change would touch; equal keys mean nothing changed."""
        d = self.draft
        picks = [(p.pk, p.slot, p.movie_id, p.seat_id, p.category_id, p.entered_by_id)
                 for p in self.picks]  # fmt: skip
        skips = [(s.pk, s.slot) for s in self.skips]
        trades = [(t.pk, t.status) for t in self.trades]
        owners = [(s.slot, s.owner_seat_id) for s in self.slots]
        return (d.version, d.status, d.clock_slot, d.clock_deadline, d.clock_remaining,
                picks, skips, self.events[-1].pk, self.queue, trades, owners)  # fmt: skip

    @property
    def acts(self) -> list:
        """What undo may take back, in order: picks, skips and completed trades (keepers,
        placed at the start, are not acts)."""
        picks = [p for p in self.picks if not p.is_keeper]
        done = [t for t in self.trades if t.status == Trade.Status.COMPLETED]
        return sorted([*picks, *self.skips, *done], key=lambda a: (a.version, isinstance(a, Pick)))


@dataclass(frozen=True)
class Form:
    """A pick form as a browser would post it."""

    user: object
    seat: Seat | None  # the seat the pick is for (None: the user has none)
    movie: Movie
    expected_slot: int | None
    category_id: int | None
    for_seat_id: int | None = None
    override: bool = False


class DraftMachine(RuleBasedStateMachine):
    category_mode = PER_ROUND
    world: World  # set by the test before the run
    stats: Counter  # per subclass: what the runs did, so the test can tell they did something

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.traveller = time_machine.travel(T0, tick=False)
        self.clock = self.traveller.start()
        try:
            self._build()
        except BaseException:
            self.teardown()
            raise

    def teardown(self):
        if self._atomic is not None:
            self.traveller.stop()
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)
            self._atomic = None

    def _build(self):
        w = self.world
        self.commissioner_ids = {w.commissioner.pk}
        members = {m.user_id: m for m in Membership.objects.filter(league=w.league)}
        self.draft = create_draft(
            league=w.league,
            actor=w.commissioner,
            name="Machine Draft",
            order=SNAKE,
            category_mode=self.category_mode,
            categories=CATEGORIES,
            seat_memberships=[members[u.pk] for u in (w.ann, w.commissioner, w.bob)],
        )
        self.seats = list(
            Seat.objects.filter(draft=self.draft)
            .select_related("membership__user")
            .order_by("position")
        )
        self.categories = list(Category.objects.filter(draft=self.draft).order_by("position"))
        self.last_form: Form | None = None
        # One entry per act still on the board: the board as it stood before that act, or None
        # when the act came in a chain (an autopick after a pick) whose middle was not seen.
        self.before_acts: list = []
        self.seen = self._observe()

    # --- helpers ---------------------------------------------------------------------------

    def _now(self):
        from django.utils import timezone

        return timezone.now()

    def _observe(self) -> Seen:
        draft = Draft.objects.select_related("league").get(pk=self.draft.pk)
        picks = list(Pick.objects.filter(draft=draft).order_by("slot"))
        skips = list(SkippedSlot.objects.filter(draft=draft).order_by("slot"))
        events = list(DraftEvent.objects.filter(draft=draft).order_by("id"))
        queue = tuple(
            QueueEntry.objects.filter(seat__draft=draft)
            .order_by("seat", "rank")
            .values_list("seat_id", "movie_id", "rank")
        )
        autopick = dict(Seat.objects.filter(draft=draft).values_list("pk", "autopick"))
        for seat in self.seats:
            seat.autopick = autopick[seat.pk]
        slots = list(DraftSlot.objects.filter(draft=draft).order_by("slot"))
        trades = list(Trade.objects.filter(draft=draft).order_by("pk"))
        return Seen(draft, picks, skips, events, queue, slots, trades)

    def _state(self) -> DraftState:
        """The state of what was last seen (seats and categories never change once the draft
        is made; `_observe` reads the seats' autopick switches)."""
        seen = self.seen
        return DraftState(
            seen.draft, self.seats, self.categories, seen.picks, seen.skips, seen.slots
        )

    def _board(self) -> dict:
        """The board as an undo must restore it."""
        state = self._state()
        picks = sorted(
            (p.slot, p.movie_id, p.seat_id, p.category_id, p.entered_by_id, p.is_autopick)
            for p in state.picks.values()
        )
        return {
            "picks": picks,
            "skipped": sorted(state.skipped),
            "on_clock": state.on_clock,
            "owed": state.owed,
            "clock_slot": state.draft.clock_slot,
            "left": state.time_left(self._now()),
            "complete": state.draft.status == Draft.Status.COMPLETE,
        }

    def _attempt(self, name, action, *, board_change=True):
        """Run a service. Refused: nothing may change. Done: the version must have gone up
        (for a board change). Returns the service's result, or None if it was refused."""
        before = self.seen
        board_before = self._board()
        try:
            result, refusal = action(), None
        except ValidationError as error:
            result, refusal = None, error
        self.seen = after = self._observe()
        if refusal is not None:
            assert refusal.messages and all(refusal.messages), "a refusal must say why"
            assert after.key == before.key, f"refused {name} changed the draft: {refusal}"
            self.stats[f"{name} refused"] += 1
            return None
        if getattr(result, "replayed", False):
            assert after.key == before.key, "a replayed form changed the draft"
            self.stats["pick replayed"] += 1
            return result
        if board_change:
            assert after.draft.version > before.draft.version, f"{name} kept the old version"
        self.stats[name] += 1
        if after.draft.status == Draft.Status.COMPLETE:
            self.stats["completed"] += 1
        # Remember the board before each new act, for the undo that may take it back.
        new_acts = [a for a in after.acts if a.version > before.draft.version]
        if name != "undo" and new_acts:
            self.before_acts += [board_before] + [None] * (len(new_acts) - 1)
        return result

    @staticmethod
    def _film(movie) -> rules.Film:
        return rules.Film(movie.title, movie.year, tuple(movie.genres), movie.runtime)

    def _user_of(self, seat):
        return seat.user

    # --- rules -----------------------------------------------------------------------------

    @initialize(
        order=st.sampled_from([SNAKE, LINEAR]),
        expiry=st.sampled_from([Draft.Expiry.SKIP, Draft.Expiry.AUTOPICK]),
        member_tries_first=st.booleans(),
    )
    def start(self, order, expiry, member_tries_first):
        w = self.world
        if order != SNAKE:
            self._attempt(
                "order",
                lambda: update_draft_settings(
                    draft_id=self.draft.pk,
                    actor=w.commissioner,
                    name="Machine Draft",
                    order=order,
                    category_mode=self.category_mode,
                ),
            )
            assert self.seen.draft.order == order
        self._attempt(
            "clock settings",
            lambda: update_clock_settings(
                draft_id=self.draft.pk,
                actor=w.commissioner,
                pick_seconds=PICK_SECONDS,
                expiry_action=expiry,
            ),
        )
        if member_tries_first:
            started = self._attempt(
                "start", lambda: start_draft(draft_id=self.draft.pk, actor=w.ann)
            )
            assert started is None
        started = self._attempt(
            "start", lambda: start_draft(draft_id=self.draft.pk, actor=w.commissioner)
        )
        assert started is not None

    @rule(data=st.data(), action=st.sampled_from(ACTIONS))
    def act(self, data, action):
        """One step of a draft night. A single rule choosing among weighted actions, rather
        than a rule per action: Hypothesis switches whole rules off for some runs ("swarm
        testing"), and a run without picks, or with a draft paused for good, tests little."""
        if action == "pick in turn":
            # Now and then the room picks on until the board is full, so that every run
            # finishes drafts (and takes their last picks back) rather than only by luck.
            picks = data.draw(st.sampled_from([1, 2, 3, 1, 2, 3, TO_THE_END]), label="picks")
            self.pick_in_turn(data, picks)
        elif action == "pick anything":
            self.pick_anything(
                data, data.draw(st.sampled_from([False, False, True]), label="again")
            )
        elif action == "time runs out":
            self._time_runs_out(data)
        elif action == "queue":
            self._queue(data)
        elif action == "autopick":
            self._autopick(data)
        elif action == "trade":
            self._trade(data)
        else:
            by_commissioner = data.draw(
                st.sampled_from([True, True, True, False]), label="by commissioner"
            )
            if action == "undo":
                self._undo(by_commissioner)
            elif action == "skip":
                self._skip(
                    by_commissioner, data.draw(st.sampled_from([False, False, True]), label="stale")
                )
            else:
                self._pause_and_resume(data, by_commissioner)

    def pick_in_turn(self, data, picks):
        """The next few picks are made by seats with a pick to make, or by a commissioner for
        them (who may rule a film in), mostly with films that fit."""
        to_the_end = picks == TO_THE_END
        for _ in range(picks):
            if to_the_end and self.seen.draft.status == Draft.Status.COMPLETE:
                break
            if self.seen.draft.status == Draft.Status.COMPLETE:
                # Nothing left to pick: the commissioner takes the last act back, which
                # reopens the draft, rather than the run idling on a finished board.
                self._undo(True)
            else:
                self._pick_in_turn(data)
            self.board_makes_sense()

    def _pick_in_turn(self, data):
        state = self._state()
        due = [s for s in self.seats if state.slot_to_fill(s) is not None] or self.seats
        seat = data.draw(st.sampled_from(due), label="seat")
        on_behalf = data.draw(st.sampled_from([False, False, True]), label="on_behalf")
        slot = state.slot_to_fill(seat)
        category_id = None
        if state.categories_left(seat):
            category_id = data.draw(st.sampled_from(state.categories_left(seat))).pk
        fitting_film = data.draw(st.sampled_from([True, True, True, False]), label="fits")
        form = Form(
            user=self.world.commissioner if on_behalf else self._user_of(seat),
            seat=seat,
            movie=self._draw_movie(data, state, slot, category_id, fitting_film),
            expected_slot=slot if data.draw(st.booleans(), label="expected slot") else None,
            category_id=category_id,
            for_seat_id=seat.pk if on_behalf else None,
            override=on_behalf and data.draw(st.booleans(), label="override"),
        )
        self._submit(form)
        if data.draw(st.sampled_from([False, False, False, True]), label="double click"):
            self._submit(form)

    def pick_anything(self, data, again):
        """Anyone tries any pick: for the wrong seat, the wrong slot, a taken or unfit film, a
        filled category, a category of the wrong kind, an override without the right. Or the
        last form that made a pick arrives again (a double click, a retry)."""
        if again and self.last_form is not None:
            # The same form again, or someone else posting a copy of it: only the one who
            # made the pick gets it back as a replay.
            w = self.world
            form = self.last_form
            user = data.draw(st.sampled_from([form.user, w.ann, w.bob, w.commissioner]))
            if form.for_seat_id is None:  # a member's own form: it is for the poster's seat
                seat = next(s for s in self.seats if s.membership.user_id == user.pk)
                form = replace(form, seat=seat)
            self._submit(replace(form, user=user))
            return
        w, state = self.world, self._state()
        actor = data.draw(st.sampled_from(ACTORS), label="actor")
        fitting_film = data.draw(st.booleans(), label="fits")
        expected = data.draw(st.sampled_from(["right", "none", "any"]), label="expected")
        category = data.draw(st.sampled_from(["left", "any", "none"]), label="category")
        override = data.draw(st.booleans(), label="override")
        for_seat_id = None
        if actor in ("owner", "on_behalf", "seated"):
            seat = data.draw(st.sampled_from(self.seats), label="seat")
            user = self._user_of(seat)
            if actor == "on_behalf":
                user, for_seat_id = w.commissioner, seat.pk
            elif actor == "seated":  # someone else's seat, through the commissioner form
                user = data.draw(st.sampled_from([w.ann, w.bob]), label="user")
                for_seat_id = seat.pk if user.pk != seat.user_id else None
        else:
            seat, user = None, w.outsider if actor == "outsider" else w.una
        slot = state.slot_to_fill(seat) if seat else None
        if expected == "right":
            expected_slot = slot
        elif expected == "none":
            expected_slot = None
        else:
            expected_slot = data.draw(st.integers(1, SEATS * ROUNDS), label="expected_slot")
        left = state.categories_left(seat) if seat else []
        if category == "left" and left:
            category_id = data.draw(st.sampled_from(left), label="category").pk
        elif category == "any":
            category_id = data.draw(st.sampled_from(self.categories), label="category").pk
        else:
            category_id = None
        movie = self._draw_movie(data, state, slot, category_id, fitting_film)
        self._submit(Form(user, seat, movie, expected_slot, category_id, for_seat_id, override))

    def _draw_movie(self, data, state, slot, category_id, fitting) -> Movie:
        """A free film that fits the category the pick would go in, if asked and if any;
        otherwise any film."""
        movies = self.world.movies
        if slot is not None:
            if state.draft.is_open_slots:
                category = next((c for c in self.categories if c.pk == category_id), None)
            else:
                category = state.category_for_round(rules.round_of(slot, SEATS))
            free = [m for m in movies if m.pk not in state.picked_movie_ids]
            # A free film that fits; or, now and then, a free one that does not (a ruling).
            movies = [
                m
                for m in free
                if category is None or rules.is_eligible(self._film(m), category.rule) == fitting
            ] or movies
        return data.draw(st.sampled_from(movies), label="movie")

    def _submit(self, form: Form):
        state = self._state()
        earlier = state.picks.get(form.expected_slot) if form.expected_slot else None
        replay = (
            earlier is not None
            and (earlier.movie_id, earlier.entered_by_id) == (form.movie.pk, form.user.pk)
            and self._is_member(form.user)
        )
        slot = state.slot_to_fill(form.seat) if form.seat else None
        allowed = self._should_allow(state, form, slot)
        result = self._attempt(
            "pick",
            lambda: make_pick(
                draft_id=self.draft.pk,
                user=form.user,
                movie_id=form.movie.pk,
                expected_slot=form.expected_slot,
                category_id=form.category_id,
                for_seat_id=form.for_seat_id,
                override_rules=form.override,
            ),
        )
        if replay:
            assert result is not None and result.replayed and result.pick.pk == earlier.pk
            return
        assert (result is not None) == allowed, (
            f"{form} was {'accepted' if result else 'refused'}, expected the opposite"
        )
        if result is not None:
            made = result.pick
            assert not result.replayed
            assert (made.slot, made.seat_id) == (slot, form.seat.pk)
            assert (made.movie_id, made.entered_by_id) == (form.movie.pk, form.user.pk)
            category = next(c for c in self.categories if c.pk == made.category_id)
            assert made.is_ruling == (not self._fits(form.movie, category))
            if slot in state.owed:
                self.stats["make-up pick"] += 1
            if made.is_ruling:
                self.stats["ruling"] += 1
            self.last_form = form

    def _is_member(self, user) -> bool:
        return user.pk != self.world.outsider.pk

    def _fits(self, movie, category) -> bool:
        return rules.is_eligible(self._film(movie), category.rule)

    def _should_allow(self, state: DraftState, form: Form, slot: int | None) -> bool:
        """Whether a pick must go through, from the rules as a person would state them."""
        is_commissioner = form.user.pk in self.commissioner_ids
        if state.draft.status != Draft.Status.LIVE or form.seat is None or slot is None:
            return False
        if form.for_seat_id is None and form.seat.user_id != form.user.pk:
            return False
        if (form.for_seat_id is not None or form.override) and not is_commissioner:
            return False
        if form.expected_slot is not None and form.expected_slot != slot:
            return False
        if form.movie.pk in state.picked_movie_ids:
            return False
        if state.draft.is_open_slots:
            left = state.categories_left(form.seat)
            category = next((c for c in left if c.pk == form.category_id), None)
            if category is None:
                return False
        else:
            category = state.category_for_round(rules.round_of(slot, SEATS))
        return form.override or self._fits(form.movie, category)

    # The commissioner's tools. Now and then a member tries them, who may not.

    def _undo(self, by_commissioner):
        w, before = self.world, self.seen
        actor = w.commissioner if by_commissioner else w.bob
        state = self._state().with_last_trade()
        last = state.last_act
        can = by_commissioner and last is not None and not state.ended_early()
        holder = state.seat_on_clock
        restores = self.before_acts[-1] if self.before_acts else None
        left_now = self._board()["left"]
        undone = self._attempt("undo", lambda: undo_last(draft_id=self.draft.pk, actor=actor))
        assert (undone is not None) == can
        if undone is None:
            return
        assert (type(undone), undone.pk) == (type(last), last.pk)
        assert self.seen.acts == [
            a for a in before.acts if (type(a), a.pk) != (type(last), last.pk)
        ]
        self.before_acts.pop()
        if isinstance(last, Trade):
            self.stats["trade undone"] += 1
        if restores is not None:
            # A make-up pick, or a trade that left the pick on the clock with its holder,
            # never touched the clock: its undo leaves it as it is.
            untouched = (
                isinstance(last, Trade)
                and (holder is None or self._state().seat_on_clock.pk == holder.pk)
            ) or (isinstance(last, Pick) and last.slot in state.skipped)
            self._assert_restored(restores, made_up=untouched, left_now=left_now)
            if isinstance(last, Trade):
                self.stats["trade undo restored"] += 1

    def _assert_restored(self, expected: dict, *, made_up: bool, left_now):
        """undo(E(S)) shows the board S showed. The slot back on the clock gets the time it had
        left, at least UNDO_MIN_SECONDS; a make-up pick's undo leaves the clock as it is (which
        is not always S's: an undo since may have given the slot on the clock the floor)."""
        board = self._board()
        expected = dict(expected)
        if made_up:
            expected["left"] = left_now
        elif expected["left"] is not None:
            floor = timedelta(seconds=min(clock.UNDO_MIN_SECONDS, PICK_SECONDS))
            assert board.pop("left") == max(expected.pop("left"), floor)
        assert board == expected
        self.stats["undo restored"] += 1

    def _skip(self, by_commissioner, stale):
        w, state = self.world, self._state()
        actor = w.commissioner if by_commissioner else w.ann
        on_clock = state.on_clock
        expected = (on_clock or 0) + 1 if stale else on_clock
        skipped = self._attempt(
            "skip",
            lambda: skip_on_clock(draft_id=self.draft.pk, actor=actor, expected_slot=expected),
        )
        live = state.draft.status == Draft.Status.LIVE
        assert (skipped is not None) == (by_commissioner and live and bool(on_clock) and not stale)
        if skipped is not None:
            assert skipped.slot == on_clock and on_clock in {s.slot for s in self.seen.skips}

    def _time_runs_out(self, data):
        """The clock runs past the deadline and the worker applies the draft's expiry action:
        a skip, or an autopick from the queue (a skip if nothing in it fits). Often the member
        on the clock queued a film that fits before they stepped away."""
        deadline = self.seen.draft.clock_deadline
        if deadline is None:
            return
        state = self._state()
        if data.draw(st.booleans(), label="queued a fitting film"):
            seat = state.seat_on_clock
            fitting = [
                m
                for m in self.world.movies
                if m.pk not in state.picked_movie_ids
                and any(
                    rules.is_eligible(self._film(m), c.rule)
                    for c in state.categories_for(seat, state.on_clock)
                )
            ]
            if fitting:
                movie = data.draw(st.sampled_from(fitting), label="queued film")
                self._attempt(
                    "queue add",
                    lambda: queue_add(
                        draft_id=self.draft.pk, user=self._user_of(seat), movie_id=movie.pk
                    ),
                    board_change=False,
                )
        self.clock.move_to(deadline + timedelta(seconds=1))
        slot = self._state().on_clock
        done = self._attempt("expiry", lambda: tick_clock(draft_id=self.draft.pk))
        assert done is True
        acts = [a for a in self.seen.acts if a.version > 0 and getattr(a, "slot", None) == slot]
        assert acts, "the clock ran out and nothing happened"
        self.stats["expiry autopick" if isinstance(acts[-1], Pick) else "expiry skip"] += 1

    def _queue(self, data):
        """A seated member edits their queue: adds a film (maybe a taken one), moves an entry
        up, then removes one. Nothing on the board changes. Both follow every add, rather than
        one of them chosen: a choice among a few (drawn, or by the board's version) was skewed
        from run to run, and some runs then hardly moved or removed."""
        seat = data.draw(st.sampled_from(self.seats), label="queue seat")
        user = self._user_of(seat)
        self._queue_add(data, user)
        for what, service, more in (("move", queue_move, {"offset": -1}),
                                    ("remove", queue_remove, {})):  # fmt: skip
            entries = list(QueueEntry.objects.filter(seat=seat).order_by("rank"))
            if not entries:
                break
            entry = data.draw(st.sampled_from(entries), label=f"entry to {what}")
            self._attempt(
                f"queue {what}",
                functools.partial(
                    service, draft_id=self.draft.pk, user=user, entry_id=entry.pk, **more
                ),
                board_change=False,
            )
        ranks = [r for s, _, r in self.seen.queue if s == seat.pk]
        assert ranks == list(range(1, len(ranks) + 1)), "queue ranks have a gap or a clash"

    def _queue_add(self, data, user):
        movie = data.draw(st.sampled_from(self.world.movies), label="queued film")
        self._attempt(
            "queue add",
            lambda: queue_add(draft_id=self.draft.pk, user=user, movie_id=movie.pk),
            board_change=False,
        )

    def _autopick(self, data):
        """A member turns their autopick on or off (maybe as it already was). Which, is decided
        by the board (the parity of its version), not drawn, as for the queue: some runs then
        hardly turned it off."""
        seat = data.draw(st.sampled_from(self.seats), label="autopick seat")
        enabled = self.seen.draft.version % 2 == 1
        self._attempt(
            "autopick " + ("on" if enabled else "off"),
            lambda: set_autopick(draft_id=self.draft.pk, user=self._user_of(seat), enabled=enabled),
            board_change=False,
        )

    def _pause_and_resume(self, data, by_commissioner):
        """The draft is paused, something may happen meanwhile, and it is resumed: all in one
        step, so that drafts spend their steps live and get finished."""
        w = self.world
        live = self.seen.draft.status == Draft.Status.LIVE
        if not by_commissioner:
            done = self._attempt("pause", lambda: pause_draft(draft_id=self.draft.pk, actor=w.bob))
            assert done is None
            return
        paused = self._attempt(
            "pause", lambda: pause_draft(draft_id=self.draft.pk, actor=w.commissioner)
        )
        assert (paused is not None) == live
        if paused is None:
            return
        self.board_makes_sense()
        meanwhile = data.draw(
            st.sampled_from(["nothing", "pick", "undo", "skip"]), label="meanwhile"
        )
        if meanwhile == "pick":
            self._pick_in_turn(data)  # refused: the draft is paused
        elif meanwhile == "undo":
            self._undo(True)
        elif meanwhile == "skip":
            self._skip(True, stale=False)  # refused: only a live draft skips
        self.board_makes_sense()
        if data.draw(st.booleans(), label="member tries to resume"):
            done = self._attempt(
                "resume", lambda: resume_draft(draft_id=self.draft.pk, actor=w.ann)
            )
            assert done is None
        resumed = self._attempt(
            "resume", lambda: resume_draft(draft_id=self.draft.pk, actor=w.commissioner)
        )
        assert resumed is not None

    def _trade(self, data):
        """A member proposes their open picks for another member's, through the trade
        services; the proposal is accepted (right away, or after a commissioner's approval or
        an unvetoed window), declined, withdrawn, vetoed, turned down or left to lapse; or a
        proposal names a pick nobody may offer and is refused. Per round one pick may go for
        one or two; with open slots, where each member fills every category once, it is one
        for one. A completed trade is an act: the board version goes up, undo may take it
        back, the log replays it."""
        from draft.services.trades import (
            answer_trade,
            propose_trade,
            review_trade,
            settle_due_trades,
            veto_trade,
        )

        w, state = self.world, self._state()
        if self.seen.draft.status not in (Draft.Status.LIVE, Draft.Status.PAUSED):
            return
        proposer = data.draw(st.sampled_from(self.seats), label="proposer")
        receiver = data.draw(
            st.sampled_from([s for s in self.seats if s.pk != proposer.pk]), label="receiver"
        )
        third = next(s for s in self.seats if s.pk not in (proposer.pk, receiver.pk))

        def refs(seat):
            return [
                f"{state.position(n).round}:{state.original_seat(n).pk}"
                for n in state.slots_held(seat)
            ]

        mine, theirs = refs(proposer), refs(receiver)
        bad = data.draw(st.sampled_from([False, False, False, True]), label="bad proposal")
        if bad or not mine or not theirs:
            # Someone else's pick, or a used one: refused, nothing changes.
            used = [f"{p.round}:{state.original_seat(p.slot).pk}" for p in self.seen.picks]
            give = (theirs or used or ["1:0"])[:1]
            proposed = self._attempt(
                "trade propose",
                lambda: propose_trade(draft_id=self.draft.pk, user=proposer.user,
                                      to_seat_id=receiver.pk, give=give, get=mine[:1] or give),
                board_change=False,
            )  # fmt: skip
            assert proposed is None
            return
        count = 1 if self.category_mode != PER_ROUND else data.draw(st.sampled_from([1, 1, 2]))
        give = data.draw(st.permutations(mine), label="give")[:count]
        get = data.draw(st.permutations(theirs), label="get")[:1]
        if self.category_mode != PER_ROUND:
            get = get[: len(give)]
        turn = data.draw(st.integers(0, len(TRADE_CYCLE) * 6 - 1), label="trade turn")
        review, answer = TRADE_CYCLE[turn % len(TRADE_CYCLE)]
        w.league.__class__.objects.filter(pk=w.league.pk).update(
            trade_review=review, trade_expires_with_pick=False, trade_veto_percent=50
        )
        trade = self._attempt(
            "trade propose",
            lambda: propose_trade(draft_id=self.draft.pk, user=proposer.user,
                                  to_seat_id=receiver.pk, give=give, get=get),
            board_change=False,
        )  # fmt: skip
        if trade is None:
            asked = {tuple(t.split(":")) for t in give + get}
            twice = any(
                {(str(i.round), str(i.original_seat_id)) for i in t.items.all()} == asked
                for t in Trade.objects.filter(
                    draft=self.draft, proposer=proposer, receiver=receiver, status="proposed"
                )
            )
            assert twice or (self.category_mode != PER_ROUND and len(give) != len(get))
            return

        def reply(user, action):
            return lambda: answer_trade(
                draft_id=self.draft.pk, trade_id=trade.pk, user=user, action=action
            )

        if answer == "wrong":
            assert self._attempt("trade answer", reply(third.user, "accept")) is None
            return
        if answer == "lapse":
            Trade.objects.filter(pk=trade.pk).update(expires_at=T0 - timedelta(seconds=1))
            self._attempt("trade lapse", lambda: settle_due_trades(draft_id=self.draft.pk),
                          board_change=False)  # fmt: skip
            assert Trade.objects.get(pk=trade.pk).status == Trade.Status.EXPIRED
            return
        if answer in ("decline", "withdraw"):
            user = receiver.user if answer == "decline" else proposer.user
            self._attempt(f"trade {answer}", reply(user, answer), board_change=False)
            return
        accepted = self._attempt(
            "trade accept", reply(receiver.user, "accept"), board_change=review == "none"
        )
        assert accepted is not None and accepted.ok
        if review == "none":
            self._trade_done(data)
            return
        if review == "veto" and Trade.objects.get(pk=trade.pk).review_until is not None:
            if (turn // len(TRADE_CYCLE)) % 2:
                vetoed = self._attempt(
                    "trade veto",
                    lambda: veto_trade(draft_id=self.draft.pk, trade_id=trade.pk,
                                       user=third.user),
                    board_change=False,
                )  # fmt: skip
                assert vetoed is not None
                assert Trade.objects.get(pk=trade.pk).status == Trade.Status.VETOED
                return
            Trade.objects.filter(pk=trade.pk).update(review_until=T0 - timedelta(seconds=1))
            self._attempt("trade window", lambda: settle_due_trades(draft_id=self.draft.pk))
            assert Trade.objects.get(pk=trade.pk).status == Trade.Status.COMPLETED
            self._trade_done(data)
            return
        # Now and then a commissioner turns one down.
        approve = (turn // len(TRADE_CYCLE)) % 3 != 1
        reviewed = self._attempt(
            "trade review",
            lambda: review_trade(draft_id=self.draft.pk, trade_id=trade.pk,
                                 user=w.commissioner, approve=approve),
            board_change=approve,
        )  # fmt: skip
        assert reviewed is not None and reviewed.ok
        if approve:
            self._trade_done(data)
        else:
            self.stats["trade turned down"] += 1

    def _trade_done(self, data):
        """A trade went through; now and then (by the board's version) the commissioner takes it
        back at once, so that every run undoes trades, not only when an undo happens to follow
        one."""
        self.stats["trade"] += 1
        if self.seen.draft.version % 3 == 0:
            self._undo(True)

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def board_makes_sense(self):
        seen = self.seen
        draft, picks = seen.draft, seen.picks
        skipped = {s.slot for s in seen.skips}
        seat_of = {s.pk: s for s in self.seats}
        round_of_category = {c.pk: c.position for c in self.categories}
        total = SEATS * ROUNDS

        slots = [p.slot for p in picks]
        assert len(slots) == len(set(slots)), "a slot was filled twice"
        movies = [p.movie_id for p in picks]
        assert len(movies) == len(set(movies)), "a film was picked twice"
        state = self._state()
        for p in picks:
            assert 1 <= p.slot <= total
            position = rules.slot_position(p.slot, SEATS, draft.order)
            seat = seat_of[p.seat_id]
            assert state.holds(seat, p.slot), f"{p.label} went to a seat that does not hold it"
            assert (p.round, p.pick_in_round) == (position.round, position.pick_in_round)
            assert (
                p.entered_by_id == seat.user_id
                or p.entered_by_id in self.commissioner_ids
                or (p.entered_by_id is None and (p.is_autopick or p.is_keeper))
            ), f"{p.label} was entered by someone who may not"
            if not draft.is_open_slots:
                assert round_of_category[p.category_id] == position.round
        if draft.is_open_slots:  # per round, a seat holding two slots of a round fills it twice
            filled = [(p.seat_id, p.category_id) for p in picks]
            assert len(filled) == len(set(filled)), "a seat filled a category twice"

        # Acts in the order they happened: each for a slot after the last, or a make-up.
        furthest = 0
        for act in seen.acts:
            if isinstance(act, Trade):
                continue
            if isinstance(act, Pick) and act.slot in skipped:
                skip = next(s for s in seen.skips if s.slot == act.slot)
                assert act.version > skip.version, "a make-up came before its skip"
            else:
                assert act.slot > furthest, "acts out of slot order"
                furthest = act.slot

        settled = set(slots) | skipped
        on_clock = next((s for s in range(1, total + 1) if s not in settled), None)
        assert state.on_clock == on_clock
        assert all(s < (on_clock or total + 1) for s in state.owed)
        if draft.status == Draft.Status.LIVE:
            assert draft.clock_slot == on_clock
            assert (draft.clock_deadline is not None) == (on_clock is not None)
            assert draft.clock_remaining is None
            assert not state.is_settled
        if draft.status == Draft.Status.PAUSED:
            assert draft.clock_deadline is None and draft.clock_slot == on_clock
        if draft.status == Draft.Status.COMPLETE:
            assert state.is_settled and draft.clock_slot is None

        assert seen.events[-1].version == draft.version, "a change was not logged"
        assert len(self.before_acts) == len(seen.acts)
        self._log_replays(state)

    def _log_replays(self, state: DraftState):
        """Replaying the draft log through a fresh state rebuilds the board and clock exactly,
        and every logged pick was for the slot on the clock then, or an owed make-up."""
        draft = self.seen.draft
        blank = Draft(
            pk=draft.pk,
            league=draft.league,
            order=draft.order,
            category_mode=draft.category_mode,
            pick_seconds=draft.pick_seconds,
            first_round_pick_seconds=draft.first_round_pick_seconds,
            quiet_start=draft.quiet_start,
            quiet_end=draft.quiet_end,
            expiry_action=draft.expiry_action,
        )
        replay = DraftState(blank, self.seats, self.categories)
        movies = {m.pk: m for m in self.world.movies}
        trades = {t.version: t for t in self.seen.trades if t.version}
        moves = {}
        for item in TradeItem.objects.filter(trade__in=list(trades.values())):
            moves.setdefault(item.trade_id, []).append(item)
        Kind = DraftEvent.Kind
        for event in self.seen.events:
            now = event.created_at
            if event.kind == Kind.TRADE:
                trade = trades[event.version]
                trade.moves = moves[trade.pk]
                replay.apply_trade(trade, now)
            elif event.kind == Kind.KEEPER:
                replay.place_keeper(
                    Pick(
                        slot=event.slot,
                        seat=replay.seat_for_slot(event.slot),
                        movie=movies[event.movie_id],
                        category_id=event.category_id,
                        version=event.version,
                        is_keeper=True,
                    )
                )
            elif event.kind == Kind.START:
                replay.start(now)
            elif event.kind in DraftEvent.PICK_KINDS:
                assert event.slot == replay.on_clock or event.slot in replay.owed, (
                    f"{event.summary}: not the slot on the clock"
                )
                seat = replay.seat_for_slot(event.slot)
                replay.apply_pick(
                    Pick(
                        slot=event.slot,
                        seat=seat,
                        movie=movies[event.movie_id],
                        category_id=event.category_id,
                        version=event.version,
                    ),
                    now,
                )
            elif event.kind == Kind.SKIP:
                replay.apply_skip(SkippedSlot(slot=event.slot, version=event.version), now)
            elif event.kind == Kind.UNDO:
                assert getattr(replay.undo(now), "slot", None) == event.slot
            elif event.kind == Kind.PAUSE:
                replay.pause(now)
            elif event.kind == Kind.RESUME:
                replay.resume(now)
            elif event.kind == Kind.COMPLETE:
                replay.complete(now)
            elif event.kind == Kind.SETUP:
                replay.restart_clock(now)
        assert {s: (p.movie_id, p.category_id, p.seat_id) for s, p in replay.picks.items()} == {
            s: (p.movie_id, p.category_id, p.seat_id) for s, p in state.picks.items()
        }
        assert replay.skipped == state.skipped
        holders = [replay.seat_for_slot(s).pk for s in range(1, replay.total_slots + 1)]
        assert holders == [state.seat_for_slot(s).pk for s in range(1, state.total_slots + 1)]
        got = (blank.status, blank.clock_slot, blank.clock_deadline, blank.clock_remaining)
        assert got == (draft.status, draft.clock_slot, draft.clock_deadline, draft.clock_remaining)


class PerRound(DraftMachine):
    category_mode, stats = PER_ROUND, Counter()


class OpenSlots(DraftMachine):
    category_mode, stats = OPEN_SLOTS, Counter()


class WithKeepers(DraftMachine):
    """Per round, in the league's second season: Ann keeps her round-3 film of the first and
    Bob his round-2 film, approved by the commissioner, so two slots are filled at the start
    and the clock must pass them, undo never take them back, the log replay place them."""

    category_mode, stats = PER_ROUND, Counter()

    def _build(self):
        from draft.services.keepers import choose_keepers, review_keeper

        w = self.world
        last = self._last_season()
        super()._build()
        w.league.__class__.objects.filter(pk=w.league.pk).update(keepers_per_member=1)
        for user, round_number in ((w.ann, 3), (w.bob, 2)):
            pick = Pick.objects.get(draft=last, seat__membership__user=user, round=round_number)
            (keeper,) = choose_keepers(draft_id=self.draft.pk, user=user, pick_ids=[pick.pk])
            review_keeper(
                draft_id=self.draft.pk, actor=w.commissioner, keeper_id=keeper.pk, approve=True
            )
        self.seen = self._observe()

    @invariant()
    def keepers_stay_in_place(self):
        """From the start on, the two keepers are on the board in their rounds, whatever else
        happened (undo, trades, the clock)."""
        if self.seen.draft.status == Draft.Status.SETUP:
            return
        kept = sorted(
            (p.round, self.seats[0].pk == p.seat_id) for p in self.seen.picks if p.is_keeper
        )
        assert kept == [(2, False), (3, True)], kept
        self.stats["keepers in place"] += 1

    def _last_season(self) -> Draft:
        """The league's season before, played to the end in bulk: each slot the first film
        that fits its round (the keepers' films are the last season's)."""
        w = self.world
        members = {m.user_id: m for m in Membership.objects.filter(league=w.league)}
        last = create_draft(
            league=w.league,
            actor=w.commissioner,
            name="Last Season",
            categories=CATEGORIES,
            seat_memberships=[members[u.pk] for u in (w.ann, w.commissioner, w.bob)],
        )
        start_draft(draft_id=last.pk, actor=w.commissioner)
        state = DraftState.load(Draft.objects.get(pk=last.pk))
        free = list(w.movies)
        picks = []
        for slot in range(1, SEATS * ROUNDS + 1):
            position = state.position(slot)
            category = state.category_for_round(position.round)
            movie = next(m for m in free if rules.is_eligible(self._film(m), category.rule))
            free.remove(movie)
            seat = state.seat_for_slot(slot)
            picks.append(
                Pick(
                    draft_id=last.pk,
                    slot=slot,
                    round=position.round,
                    pick_in_round=position.pick_in_round,
                    seat=seat,
                    movie=movie,
                    category=category,
                    entered_by=seat.user,
                )  # fmt: skip
            )
        Pick.objects.bulk_create(picks)
        Draft.objects.filter(pk=last.pk).update(status=Draft.Status.COMPLETE, clock_slot=None)
        return last


# 150 drafts of each kind per run: 300 examples in every CI run, on each database, about two
# minutes on PostgreSQL (the suite stays near ten). MACHINE_EXAMPLES=1000 for a longer hunt.
EXAMPLES = int(os.environ.get("MACHINE_EXAMPLES", "150"))
# The same drafts on every run, so the floors below hold or fail for the code, never for the
# luck of a seed (a run with no autopick at expiry among 150 drafts failed one). A new hunt:
# MACHINE_RANDOM=1, with MACHINE_EXAMPLES as large as you like.
RUN = settings(
    max_examples=EXAMPLES,
    stateful_step_count=8,
    deadline=None,
    derandomize=not os.environ.get("MACHINE_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.django_db
def test_draft_invariants_hold_with_keepers_placed():
    """Fewer drafts than the two above: keepers change the start, not the acts after it."""
    WithKeepers.world = build_world()
    WithKeepers.stats.clear()
    run_state_machine_as_test(WithKeepers, settings=settings(RUN, max_examples=EXAMPLES // 3))
    stats = WithKeepers.stats
    for done in ("pick", "pick refused", "undo", "undo restored", "completed", "keepers in place"):
        assert stats[done] >= 1, (done, stats)


RARE_ACTS = [
    "pick replayed", "make-up pick", "ruling", "skip", "expiry skip", "expiry autopick",
    "autopick on", "autopick off", "trade review", "trade undone", "trade decline",
    "trade withdraw", "trade lapse", "trade turned down",
]  # fmt: skip


@pytest.mark.django_db
@pytest.mark.parametrize("machine", [PerRound, OpenSlots])
def test_draft_invariants_hold_whatever_happens(machine):
    machine.world = build_world()
    machine.stats.clear()
    run_state_machine_as_test(machine, settings=RUN)
    # The runs must have drafted for real, not just collected refusals. Each floor (per 250
    # drafts, scaled to the run) sits well under the lowest count seen over many seeds:
    # Hypothesis skews its draws from run to run, and the rarest acts (a ruling, an autopick at
    # expiry) need several draws to line up.
    stats = machine.stats
    for done, per_250 in {
        "pick": 300, "pick refused": 100, "undo": 30, "undo restored": 20, "pause": 12,
        "resume": 12, "completed": 10, "queue add": 20, "queue move": 10, "queue remove": 10,
        "trade": 10, "trade accept": 10, "trade propose refused": 5,
    }.items():  # fmt: skip
        assert stats[done] >= max(1, per_250 * EXAMPLES // 250), (done, stats)
    # The rarer acts come a few times a run, or now and then not at all: which of them a run
    # misses moves with any change to what the steps draw (a floor of one each failed on one
    # database and not the other). Each has tests of its own (make_pick, the clock, autopick,
    # tests/draft/test_trades.py); here most of them must have happened.
    happened = [done for done in RARE_ACTS if stats[done]]
    assert len(happened) >= len(RARE_ACTS) * 2 // 3, (sorted(set(RARE_ACTS) - set(happened)), stats)
