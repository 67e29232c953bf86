"""The draft's invariants under any sequence of actions, with Hypothesis.

A state machine drives a small draft (3 seats × 3 rounds, snake or linear) through start, pick,
double submission, undo, skip, pause and resume, by the right people and the wrong ones: the
seat with a pick to make, a commissioner picking for them, a member out of turn, a member
without a seat, an outsider. After every step the board must still make sense: each slot filled
at most once and by the seat that owns it, every pick entered by its seat's member or a
commissioner, no film twice, no category twice per seat, the version going up with every change
and only then, and the slot on the clock being the first one neither filled nor skipped. A
refused action must raise a ValidationError and change nothing.

The league, its people and its films are made once per test; each example makes its own draft
inside a transaction that is rolled back at the end (opened in __init__, closed in teardown).
"""

from collections import Counter
from dataclasses import dataclass, replace

import pytest
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

from draft import rules, services
from draft.models import Category, Draft, DraftEvent, Membership, Movie, Pick, Seat, SkippedSlot
from draft.selectors import DraftState
from draft.services import CategorySpec
from tests.draft.factories import LINEAR, OPEN_SLOTS, PER_ROUND, SNAKE, make_league, make_user

SEATS, ROUNDS = 3, 3
CATEGORIES = [
    CategorySpec("Horror", genres=("Horror",)),
    CategorySpec("Before 1980", year_max=1979),
    CategorySpec("Wildcard"),
]
# Ten films for nine slots: some fit one category, some two, two fit only the Wildcard.
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
]

# What happens in a step, weighted: mostly the draft moving on.
ACTIONS = ["pick in turn", "skip", "pick anything", "pick in turn", "undo", "pick in turn",
           "pause and resume", "pick anything", "pick in turn"]  # fmt: skip
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
    skipped: frozenset[int]
    last_event: DraftEvent

    @property
    def key(self) -> tuple:
        """Everything a change would touch; equal keys mean nothing changed."""
        d = self.draft
        picks = [(p.pk, p.slot, p.movie_id, p.seat_id, p.category_id, p.entered_by_id)
                 for p in self.picks]  # fmt: skip
        return (d.version, d.status, d.clock_slot, d.clock_deadline, d.clock_remaining,
                picks, self.skipped, self.last_event.pk)  # fmt: skip


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
        try:
            self._build()
        except BaseException:
            self.teardown()
            raise

    def teardown(self):
        if self._atomic is not None:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)
            self._atomic = None

    def _build(self):
        w = self.world
        self.commissioner_ids = {w.commissioner.pk}
        members = {m.user_id: m for m in Membership.objects.filter(league=w.league)}
        self.draft = services.create_draft(
            league=w.league,
            actor=w.commissioner,
            name="Machine Draft",
            order=SNAKE,
            category_mode=self.category_mode,
            categories=CATEGORIES,
            seat_memberships=[members[u.pk] for u in (w.ann, w.commissioner, w.bob)],
        )
        # A running clock (it never runs out during a run) so pause and resume keep its time.
        services.update_clock_settings(
            draft_id=self.draft.pk, actor=w.commissioner, pick_seconds=3600
        )
        self.seats = list(
            Seat.objects.filter(draft=self.draft)
            .select_related("membership__user")
            .order_by("position")
        )
        self.categories = list(Category.objects.filter(draft=self.draft).order_by("position"))
        self.last_form: Form | None = None
        self.seen = self._observe()

    # --- helpers ---------------------------------------------------------------------------

    def _observe(self) -> Seen:
        draft = Draft.objects.select_related("league").get(pk=self.draft.pk)
        picks = list(Pick.objects.filter(draft=draft).order_by("slot"))
        skipped = frozenset(SkippedSlot.objects.filter(draft=draft).values_list("slot", flat=True))
        last_event = DraftEvent.objects.filter(draft=draft).order_by("-id").first()
        return Seen(draft, picks, skipped, last_event)

    def _state(self) -> DraftState:
        """The selectors' view of what was last seen (seats and categories never change once
        the draft is made)."""
        return DraftState(
            draft=self.seen.draft,
            seats=self.seats,
            categories=self.categories,
            picks={p.slot: p for p in self.seen.picks},
            skipped=set(self.seen.skipped),
        )

    def _attempt(self, name, action):
        """Run a service. Refused: nothing may change. Done: the version must have gone up.
        Returns the service's result, or None if it was refused."""
        before = self.seen
        try:
            result, refusal = action(), None
        except ValidationError as error:
            result, refusal = None, error
        self.seen = after = self._observe()
        if refusal is not None:
            assert refusal.messages and all(refusal.messages), "a refusal must say why"
            assert after.key == before.key, f"refused {name} changed the draft: {refusal}"
            self.stats[f"{name} refused"] += 1
        elif getattr(result, "replayed", False):
            assert after.key == before.key, "a replayed form changed the draft"
            self.stats["pick replayed"] += 1
        else:
            assert after.draft.version > before.draft.version, f"{name} kept the old version"
            self.stats[name] += 1
            if after.draft.status == Draft.Status.COMPLETE:
                self.stats["completed"] += 1
        return result

    @staticmethod
    def _film(movie) -> rules.Film:
        return rules.Film(movie.title, movie.year, tuple(movie.genres), movie.runtime)

    # --- rules -----------------------------------------------------------------------------

    @initialize(order=st.sampled_from([SNAKE, LINEAR]), member_tries_first=st.booleans())
    def start(self, order, member_tries_first):
        w = self.world
        if order != SNAKE:
            self._attempt(
                "order",
                lambda: services.update_draft_settings(
                    draft_id=self.draft.pk,
                    actor=w.commissioner,
                    name="Machine Draft",
                    order=order,
                    category_mode=self.category_mode,
                ),
            )
            assert self.seen.draft.order == order
        if member_tries_first:
            started = self._attempt(
                "start", lambda: services.start_draft(draft_id=self.draft.pk, actor=w.ann)
            )
            assert started is None
        started = self._attempt(
            "start", lambda: services.start_draft(draft_id=self.draft.pk, actor=w.commissioner)
        )
        assert started is not None

    @rule(data=st.data(), action=st.sampled_from(ACTIONS))
    def act(self, data, action):
        """One step of a draft night. A single rule choosing among weighted actions, rather
        than a rule per action: Hypothesis switches whole rules off for some runs ("swarm
        testing"), and a run without picks, or with a draft paused for good, tests little."""
        if action == "pick in turn":
            self.pick_in_turn(data, data.draw(st.integers(1, 3), label="picks"))
        elif action == "pick anything":
            self.pick_anything(
                data, data.draw(st.sampled_from([False, False, True]), label="again")
            )
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
        for _ in range(picks):
            if self.seen.draft.status == Draft.Status.COMPLETE:
                # Nothing left to pick: the commissioner takes the last pick back, which
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
            user=self.world.commissioner if on_behalf else seat.membership.user,
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
            user = seat.membership.user
            if actor == "on_behalf":
                user, for_seat_id = w.commissioner, seat.pk
            elif actor == "seated":  # someone else's seat, through the commissioner form
                user = data.draw(st.sampled_from([w.ann, w.bob]), label="user")
                for_seat_id = seat.pk if user.pk != seat.membership.user_id else None
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
        if fitting and slot is not None:
            if state.draft.is_open_slots:
                category = next((c for c in self.categories if c.pk == category_id), None)
            else:
                category = state.category_for_round(rules.round_of(slot, SEATS))
            free = [m for m in movies if m.pk not in state.picked_movie_ids]
            movies = [
                m
                for m in free
                if category is None or rules.is_eligible(self._film(m), category.rule)
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
            lambda: services.make_pick(
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
        if form.for_seat_id is None and form.seat.membership.user_id != form.user.pk:
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
        last = max(before.picks, key=lambda p: (p.created_at, p.pk), default=None)
        undone = self._attempt(
            "undo", lambda: services.undo_last_pick(draft_id=self.draft.pk, actor=actor)
        )
        assert (undone is not None) == (by_commissioner and last is not None)
        if undone is not None:
            assert (undone.slot, undone.movie_id) == (last.slot, last.movie_id)
            assert [p.pk for p in self.seen.picks] == [p.pk for p in before.picks if p != last]

    def _skip(self, by_commissioner, stale):
        w, state = self.world, self._state()
        actor = w.commissioner if by_commissioner else w.ann
        on_clock = state.on_clock
        expected = (on_clock or 0) + 1 if stale else on_clock
        skipped = self._attempt(
            "skip",
            lambda: services.skip_on_clock(
                draft_id=self.draft.pk, actor=actor, expected_slot=expected
            ),
        )
        live = state.draft.status == Draft.Status.LIVE
        assert (skipped is not None) == (by_commissioner and live and bool(on_clock) and not stale)
        if skipped is not None:
            assert skipped == on_clock and on_clock in self.seen.skipped

    def _pause_and_resume(self, data, by_commissioner):
        """The draft is paused, something may happen meanwhile, and it is resumed: all in one
        step, so that drafts spend their steps live and get finished."""
        w = self.world
        live = self.seen.draft.status == Draft.Status.LIVE
        if not by_commissioner:
            done = self._attempt(
                "pause", lambda: services.pause_draft(draft_id=self.draft.pk, actor=w.bob)
            )
            assert done is None
            return
        paused = self._attempt(
            "pause", lambda: services.pause_draft(draft_id=self.draft.pk, actor=w.commissioner)
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
                "resume", lambda: services.resume_draft(draft_id=self.draft.pk, actor=w.ann)
            )
            assert done is None
        resumed = self._attempt(
            "resume", lambda: services.resume_draft(draft_id=self.draft.pk, actor=w.commissioner)
        )
        assert resumed is not None

    # --- invariants ------------------------------------------------------------------------

    @invariant()
    def board_makes_sense(self):
        seen = self.seen
        draft, picks, skipped = seen.draft, seen.picks, seen.skipped
        seat_of = {s.pk: s for s in self.seats}
        round_of_category = {c.pk: c.position for c in self.categories}
        total = SEATS * ROUNDS

        slots = [p.slot for p in picks]
        assert len(slots) == len(set(slots)), "a slot was filled twice"
        movies = [p.movie_id for p in picks]
        assert len(movies) == len(set(movies)), "a film was picked twice"
        for p in picks:
            assert 1 <= p.slot <= total
            position = rules.slot_position(p.slot, SEATS, draft.order)
            seat = seat_of[p.seat_id]
            assert seat.position == position.seat_position, f"{p.label} went to the wrong seat"
            assert (p.round, p.pick_in_round) == (position.round, position.pick_in_round)
            assert (
                p.entered_by_id == seat.membership.user_id
                or p.entered_by_id in self.commissioner_ids
            ), f"{p.label} was entered by someone who may not"
            if not draft.is_open_slots:
                assert round_of_category[p.category_id] == position.round
        filled = [(p.seat_id, p.category_id) for p in picks]
        assert len(filled) == len(set(filled)), "a seat filled a category twice"

        settled = set(slots) | skipped
        on_clock = next((s for s in range(1, total + 1) if s not in settled), None)
        assert self._state().on_clock == on_clock
        if draft.status == Draft.Status.LIVE:
            assert draft.clock_slot == on_clock
            assert (draft.clock_deadline is not None) == (on_clock is not None)
            assert len(picks) < total
        if draft.status == Draft.Status.PAUSED:
            assert draft.clock_deadline is None
        if draft.status == Draft.Status.COMPLETE:
            assert len(picks) == total and draft.clock_slot is None

        assert seen.last_event.version == draft.version, "a change was not logged"


class PerRound(DraftMachine):
    category_mode, stats = PER_ROUND, Counter()


class OpenSlots(DraftMachine):
    category_mode, stats = OPEN_SLOTS, Counter()


RUN = settings(
    max_examples=20,
    stateful_step_count=15,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.mark.django_db
@pytest.mark.parametrize("machine", [PerRound, OpenSlots])
def test_draft_invariants_hold_whatever_happens(machine):
    machine.world = build_world()
    machine.stats.clear()
    run_state_machine_as_test(machine, settings=RUN)
    # The runs must have drafted for real, not just collected refusals.
    stats = machine.stats
    assert stats["pick"] >= 60, stats
    assert stats["pick refused"] >= 20, stats
    assert stats["pick replayed"] >= 3, stats
    assert stats["undo"] >= 3 and stats["skip"] >= 2, stats
    assert stats["pause"] >= 2 and stats["resume"] >= 2, stats
    assert stats["completed"] >= 3, stats
