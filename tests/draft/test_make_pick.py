"""The draft's write services, through the database: picks, refusals, undo, skips, the clock,
setup and league membership.

The board in most tests: 4 seats × 3 rounds, snake, one category per round.

    seat 1 Strange Dylan (member)      round 1 Horror/Thriller   slots 1.01 2.04 3.01
    seat 2 Maya Reel (other_member)    round 2 Before 1980       slots 1.02 2.03 3.02
    seat 3 Carla Commish (commissioner) round 3 Wildcard          slots 1.03 2.02 3.03
    seat 4 Player 1                                              slots 1.04 2.01 3.04
"""

import random
from contextlib import contextmanager
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError

from draft.models import Category, Draft, DraftEvent, Membership, Pick, Seat, SkippedSlot
from draft.services.leagues import create_league, join_league, rotate_invite, set_commissioner
from draft.services.picks import make_pick, skip_on_clock, undo_last
from draft.services.running import end_draft, pause_draft, resume_draft, start_draft, tick_clock
from draft.services.setup import (
    CategorySpec,
    add_category,
    add_seat,
    move_category,
    move_seat,
    randomize_order,
    remove_category,
    remove_seat,
    update_clock_settings,
)
from tests.draft.factories import (
    OPEN_SLOTS,
    bulk_fill_picks,
    four_by_three,
    make_draft,
    make_movie,
    make_users,
    pick_on_clock,
    play_picks,
    sixteen_by_twenty,
)

pytestmark = pytest.mark.django_db

T0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def board(commissioner, member, other_member):
    return four_by_three(commissioner, [member, other_member])


@pytest.fixture
def films():
    return {
        "alien": make_movie("Alien", 1979, ["Horror", "Sci-Fi"], 117),
        "halloween": make_movie("Halloween", 1978, ["Horror"], 91),
        "the_thing": make_movie("The Thing", 1982, ["Horror", "Sci-Fi"], 109),
        "heat": make_movie("Heat", 1995, ["Crime", "Drama"], 170),
        "casablanca": make_movie("Casablanca", 1942, ["Drama", "Romance"], 102),
    }


def pick(board, user, movie, slot, **options):
    return make_pick(
        draft_id=board.draft.pk,
        user=user,
        movie_id=movie.pk if movie is not None else None,
        expected_slot=slot,
        **options,
    )


def snapshot(draft):
    draft = Draft.objects.get(pk=draft.pk)
    return {
        "picks": list(Pick.objects.filter(draft=draft).values_list("slot", "movie_id")),
        "skipped": list(SkippedSlot.objects.filter(draft=draft).values_list("slot", flat=True)),
        "events": DraftEvent.objects.filter(draft=draft).count(),
        "version": draft.version,
        "status": draft.status,
        "clock": (draft.clock_slot, draft.clock_deadline, draft.clock_remaining),
    }


@contextmanager
def refused(draft, message):
    """The block raises a ValidationError saying exactly `message`, and changes nothing."""
    before = snapshot(draft)
    with pytest.raises(ValidationError) as info:
        yield info
    assert info.value.messages == [message]
    assert snapshot(draft) == before


def last_event(draft):
    return DraftEvent.objects.filter(draft=draft).order_by("-id").first()


# --- A pick -----------------------------------------------------------------------------


def test_pick_is_recorded_and_the_next_seat_comes_on_the_clock(board, member, other_member, films):
    version = board.draft.version

    result = pick(board, member, films["alien"], 1)

    made = Pick.objects.get(draft=board.draft)
    assert result.pick == made and not result.replayed
    assert (made.slot, made.round, made.pick_in_round, made.label) == (1, 1, 1, "1.01")
    assert made.seat == board.seat_of(member)
    assert made.category.name == "Horror/Thriller"
    assert made.entered_by == member
    assert not made.is_ruling and not made.is_autopick
    draft = board.refresh()
    assert draft.version == version + 1
    event = last_event(draft)
    assert event.kind == DraftEvent.Kind.PICK
    assert event.summary == "1.01 Strange Dylan selects Alien (1979) in Horror/Thriller"
    assert (event.actor, event.slot, event.version) == (member, 1, draft.version)
    assert draft.clock_slot == 2
    assert board.user_on_clock() == other_member


def test_snake_order_gives_the_last_seat_two_picks_at_the_turn(board):
    play_picks(board, 4)
    assert board.slot_on_clock() == 5
    assert board.user_on_clock() == board.users[3]  # seat 4 picks 1.04 and 2.01
    play_picks(board, 4)
    assert board.user_on_clock() == board.users[0]  # 3.01 is seat 1 again


def test_per_round_mode_takes_the_category_of_the_round(board, member, films):
    wildcard = board.categories[2]
    made = pick(board, member, films["alien"], 1, category_id=wildcard.pk).pick
    assert made.category == board.categories[0]


# --- Refusals: every one says why and changes nothing -----------------------------------


def test_no_picks_before_the_draft_starts(commissioner, member, other_member, films):
    setup = four_by_three(commissioner, [member, other_member], start=False)
    with refused(setup.draft, "The draft has not started yet."):
        pick(setup, member, films["alien"], 1)


def test_no_picks_while_paused(board, commissioner, member, films):
    pause_draft(draft_id=board.draft.pk, actor=commissioner)
    with refused(
        board.draft, "The draft is paused. Picks open again when a commissioner resumes it."
    ):
        pick(board, member, films["alien"], 1)


def test_no_picks_once_complete(board, commissioner, member, films):
    end_draft(draft_id=board.draft.pk, actor=commissioner)
    with refused(board.draft, "The draft is over: no more picks."):
        pick(board, member, films["alien"], 1)


def test_outsider_cannot_pick(board, outsider, films):
    with refused(board.draft, "Only members of this league can pick."):
        pick(board, outsider, films["alien"], 1)


def test_member_without_a_seat_cannot_pick(board, films):
    (latecomer,) = make_users(1, "latecomer")
    join_league(user=latecomer, league=board.league, token=board.league.invite_token)
    with refused(board.draft, "You do not have a seat in this draft."):
        pick(board, latecomer, films["alien"], 1)


def test_member_off_the_clock_is_told_whose_turn_it_is(board, other_member, films):
    with refused(board.draft, "It is not your turn: pick 1.01 belongs to Strange Dylan."):
        pick(board, other_member, films["alien"], 1)


def test_form_from_before_the_board_moved_is_refused(board, films):
    play_picks(board, 3)
    player = board.users[3]
    pick(board, player, films["alien"], 4)
    # Seat 4 also owns 2.01, but a second click on the 1.04 form must not become that pick;
    # the member is told what became of 1.04.
    with refused(board.draft, "You already picked Alien (1979) at 1.04. Your next pick is 2.01."):
        pick(board, player, films["halloween"], 4)


def test_expected_slot_in_the_future_is_refused(board, member, films):
    with refused(
        board.draft,
        "The board has moved on since this page was loaded: Strange Dylan's pick is now 1.01. "
        "Check the board and pick again.",
    ):
        pick(board, member, films["alien"], 8)


def test_film_must_come_from_the_catalog(board, member, films):
    with refused(board.draft, "Choose a film from the catalog."):
        make_pick(draft_id=board.draft.pk, user=member, movie_id=10**9, expected_slot=1)
    with refused(board.draft, "Choose a film from the catalog."):
        pick(board, member, None, 1)


def test_film_taken_says_who_took_it(board, member, other_member, films):
    pick(board, member, films["alien"], 1)
    with refused(board.draft, "Alien (1979) is already taken: Strange Dylan picked it at 1.01."):
        pick(board, other_member, films["alien"], 2)


def test_ineligible_film_gives_the_reason(board, member, films):
    with refused(
        board.draft,
        "Heat (1995) does not fit Horror/Thriller: it is not Horror or Thriller "
        "(it is Crime, Drama). A commissioner can approve it as a ruling.",
    ):
        pick(board, member, films["heat"], 1)


def test_member_cannot_override_the_rules(board, member, films):
    with refused(
        board.draft, "Only a commissioner can approve a pick that breaks a category rule."
    ):
        pick(board, member, films["heat"], 1, override_rules=True)


def test_member_cannot_pick_for_someone_else(board, member, other_member, films):
    with refused(board.draft, "Only a commissioner can pick for another member."):
        pick(board, other_member, films["alien"], 1, for_seat_id=board.seat_of(member).pk)


def test_commissioner_cannot_pick_for_a_seat_of_another_draft(
    board, commissioner, member, other_member, films
):
    other = four_by_three(commissioner, [member, other_member], name="Other draft")
    with refused(board.draft, "That seat is not in this draft."):
        pick(board, commissioner, films["alien"], 1, for_seat_id=other.seat_of(member).pk)


def test_commissioner_picking_for_a_seat_off_the_clock_is_told_whose_turn(
    board, commissioner, other_member, films
):
    with refused(board.draft, "It is not Maya Reel's turn: pick 1.01 belongs to Strange Dylan."):
        pick(board, commissioner, films["alien"], 1, for_seat_id=board.seat_of(other_member).pk)


# --- Commissioner powers ----------------------------------------------------------------


def test_commissioner_picks_on_behalf_of_the_seat_on_the_clock(board, commissioner, member, films):
    made = pick(board, commissioner, films["alien"], 1, for_seat_id=board.seat_of(member).pk).pick
    assert made.seat == board.seat_of(member)
    assert made.entered_by == commissioner
    assert not made.is_ruling
    event = last_event(board.draft)
    assert event.kind == DraftEvent.Kind.PICK
    assert event.summary == (
        "1.01 Strange Dylan selects Alien (1979) in Horror/Thriller (entered by Carla Commish)"
    )
    assert board.slot_on_clock() == 2


def test_commissioner_override_is_a_ruling(board, commissioner, member, films):
    made = pick(
        board,
        commissioner,
        films["heat"],
        1,
        for_seat_id=board.seat_of(member).pk,
        override_rules=True,
    ).pick
    assert made.is_ruling
    assert made.category.name == "Horror/Thriller"
    event = last_event(board.draft)
    assert event.kind == DraftEvent.Kind.RULING
    assert "ruling: allowed although it is not Horror or Thriller" in event.summary


def test_override_of_a_film_that_fits_is_no_ruling(board, commissioner, member, films):
    made = pick(
        board,
        commissioner,
        films["alien"],
        1,
        for_seat_id=board.seat_of(member).pk,
        override_rules=True,
    ).pick
    assert not made.is_ruling
    assert last_event(board.draft).kind == DraftEvent.Kind.PICK


# --- Open slots -------------------------------------------------------------------------


@pytest.fixture
def open_board(commissioner, member, other_member):
    return four_by_three(commissioner, [member, other_member], category_mode=OPEN_SLOTS)


def test_open_slots_pick_goes_in_the_chosen_category(open_board, member, films):
    wildcard = open_board.categories[2]
    made = pick(open_board, member, films["heat"], 1, category_id=wildcard.pk).pick
    assert made.category == wildcard
    assert made.round == 1


def test_open_slots_category_must_be_chosen(open_board, member, films):
    with refused(open_board.draft, "Choose one of the categories still open."):
        pick(open_board, member, films["alien"], 1)


def test_open_slots_category_of_another_draft_is_refused(open_board, board, member, films):
    with refused(open_board.draft, "Choose one of the categories still open."):
        pick(open_board, member, films["alien"], 1, category_id=board.categories[0].pk)


def test_open_slots_seat_fills_each_category_once(open_board, member, films):
    horror = open_board.categories[0]
    pick(open_board, member, films["alien"], 1, category_id=horror.pk)
    play_picks(open_board, 6)
    assert open_board.slot_on_clock() == 8  # 2.04, Strange Dylan again
    with refused(open_board.draft, "Strange Dylan has already filled that category."):
        pick(open_board, member, films["halloween"], 8, category_id=horror.pk)
    made = pick(
        open_board, member, films["casablanca"], 8, category_id=open_board.categories[1].pk
    ).pick
    assert made.category.name == "Before 1980"


def test_open_slots_eligibility_follows_the_chosen_category(open_board, member, films):
    with refused(
        open_board.draft,
        "Heat (1995) does not fit Before 1980: it was released in 1995, after 1979. "
        "A commissioner can approve it as a ruling.",
    ):
        pick(open_board, member, films["heat"], 1, category_id=open_board.categories[1].pk)


# --- Double submission ------------------------------------------------------------------


def test_same_form_twice_makes_one_pick(board, member, films):
    first = pick(board, member, films["alien"], 1)
    before = snapshot(board.draft)

    again = pick(board, member, films["alien"], 1)

    assert again.replayed and again.pick == first.pick
    assert snapshot(board.draft) == before


def test_same_form_twice_on_the_last_pick_is_no_error(board, films):
    play_picks(board, 11)
    user = board.user_on_clock()
    last = pick_on_clock(board)
    assert board.refresh().status == Draft.Status.COMPLETE
    again = pick(board, user, last.pick.movie, 12)
    assert again.replayed and again.pick == last.pick


def test_different_film_on_a_filled_slot_is_not_a_replay(board, member, other_member, films):
    pick(board, member, films["alien"], 1)
    with refused(board.draft, "You already picked Alien (1979) at 1.01."):
        pick(board, member, films["halloween"], 1)
    # Without a slot in the form there is no earlier pick to speak of: just whose turn it is.
    with refused(board.draft, "It is not your turn: pick 1.02 belongs to Maya Reel."):
        pick(board, member, films["halloween"], None)


# --- Undo -------------------------------------------------------------------------------


def test_undo_puts_the_film_and_the_slot_back(board, commissioner, member, other_member, films):
    pick(board, member, films["alien"], 1)
    version = board.refresh().version

    undone = undo_last(draft_id=board.draft.pk, actor=commissioner)

    assert undone.movie == films["alien"]
    assert not Pick.objects.filter(draft=board.draft).exists()
    draft = board.refresh()
    assert draft.version == version + 1
    assert draft.clock_slot == 1 and board.user_on_clock() == member
    event = last_event(draft)
    assert (event.kind, event.summary) == (
        DraftEvent.Kind.UNDO,
        "1.01 Strange Dylan's pick of Alien (1979) undone",
    )
    with refused(board.draft, "It is not your turn: pick 1.01 belongs to Strange Dylan."):
        pick(board, other_member, films["halloween"], 2)
    assert pick(board, member, films["alien"], 1).pick.slot == 1


def test_undo_takes_back_the_most_recent_pick_only(board, commissioner):
    made = play_picks(board, 3)
    undone = undo_last(draft_id=board.draft.pk, actor=commissioner)
    assert undone.slot == 3
    assert set(Pick.objects.filter(draft=board.draft).values_list("pk", flat=True)) == {
        made[0].pk,
        made[1].pk,
    }
    assert board.slot_on_clock() == 3


def test_only_a_commissioner_can_undo(board, member, films):
    pick(board, member, films["alien"], 1)
    with refused(board.draft, "Only a commissioner of this league can do that."):
        undo_last(draft_id=board.draft.pk, actor=member)


def test_undo_with_nothing_to_undo(board, commissioner):
    with refused(board.draft, "There is nothing to undo."):
        undo_last(draft_id=board.draft.pk, actor=commissioner)


def test_undo_of_the_last_pick_reopens_a_complete_draft(board, commissioner):
    play_picks(board, 12)
    assert board.refresh().status == Draft.Status.COMPLETE
    undo_last(draft_id=board.draft.pk, actor=commissioner)
    draft = board.refresh()
    assert draft.status == Draft.Status.LIVE and draft.completed_at is None
    assert draft.clock_slot == 12


def test_undo_of_a_made_up_pick_makes_the_skip_owed_again(
    board, commissioner, member, other_member, films
):
    skip_on_clock(draft_id=board.draft.pk, actor=commissioner, expected_slot=1)
    pick(board, other_member, films["halloween"], 2)
    pick(board, member, films["alien"], 1)  # made up
    assert board.slot_on_clock() == 3

    undone = undo_last(draft_id=board.draft.pk, actor=commissioner)

    assert undone.slot == 1
    state = board.state()
    assert state.on_clock == 3 and state.owed == [1]
    assert state.slot_to_fill(board.seat_of(member)) == 1
    assert board.refresh().clock_slot == 3


def test_undo_after_a_skip_takes_back_the_skip_not_the_pick_before_it(
    board, commissioner, member, other_member, films
):
    """Defect: pick 1.01, skip 1.02, undo put 1.01 back on the clock while 1.02's member was
    offered a make-up and picked first, out of turn. Undo takes back the last act: the skip."""
    pick(board, member, films["alien"], 1)
    skip_on_clock(draft_id=board.draft.pk, actor=commissioner, expected_slot=2)

    undone = undo_last(draft_id=board.draft.pk, actor=commissioner)

    assert isinstance(undone, SkippedSlot) and undone.slot == 2
    state = board.state()
    assert state.on_clock == 2 and state.owed == [] and not state.skipped
    assert list(Pick.objects.filter(draft=board.draft).values_list("slot", flat=True)) == [1]
    assert last_event(board.draft).summary == "1.02 Maya Reel's skip undone"

    undo_last(draft_id=board.draft.pk, actor=commissioner)  # now the pick
    with refused(board.draft, "It is not your turn: pick 1.01 belongs to Strange Dylan."):
        pick(board, other_member, films["halloween"], 2)
    pick(board, member, films["the_thing"], 1)
    pick(board, other_member, films["halloween"], 2)
    picks = Pick.objects.filter(draft=board.draft).order_by("version")
    assert [(p.slot, p.seat.user) for p in picks] == [(1, member), (2, other_member)]


def test_undo_gives_the_slot_back_the_time_it_had_left(commissioner, member, other_member, films):
    with time_machine.travel(T0, tick=False) as traveller:
        setup = clocked_board(commissioner, [member, other_member], pick_seconds=3600)
        traveller.move_to(T0 + timedelta(minutes=10))
        pick(setup, member, films["alien"], 1)  # with 50 minutes left
        traveller.move_to(T0 + timedelta(minutes=30))

        undo_last(draft_id=setup.draft.pk, actor=commissioner)

        draft = setup.refresh()
        assert draft.clock_slot == 1
        assert draft.clock_deadline == T0 + timedelta(minutes=30 + 50)


def test_undoing_a_made_up_pick_leaves_the_clock_of_the_member_on_the_clock_alone(
    commissioner, member, other_member, films
):
    """Defect: undoing a make-up pick restarted the clock of whoever was on the clock, handing
    them a fresh pick time."""
    with time_machine.travel(T0, tick=False) as traveller:
        setup = clocked_board(commissioner, [member, other_member], pick_seconds=3600)
        skip_on_clock(draft_id=setup.draft.pk, actor=commissioner, expected_slot=1)
        deadline = setup.refresh().clock_deadline
        assert deadline == T0 + timedelta(hours=1)  # 1.02, Maya's
        traveller.move_to(T0 + timedelta(minutes=10))
        pick(setup, member, films["alien"], 1)  # the make-up
        traveller.move_to(T0 + timedelta(minutes=20))

        undo_last(draft_id=setup.draft.pk, actor=commissioner)

        draft = setup.refresh()
        assert (draft.clock_slot, draft.clock_deadline) == (2, deadline)
        assert setup.state().owed == [1]


def test_undo_of_an_expiry_gives_the_member_a_minute(commissioner, member, other_member):
    with time_machine.travel(T0, tick=False) as traveller:
        setup = clocked_board(
            commissioner, [member, other_member], pick_seconds=3600, expiry_action="skip"
        )
        traveller.move_to(T0 + timedelta(hours=1, seconds=5))
        assert due_clock(setup)
        assert setup.state().on_clock == 2

        undo_last(draft_id=setup.draft.pk, actor=commissioner)

        draft = setup.refresh()
        assert draft.clock_slot == 1
        assert draft.clock_deadline == T0 + timedelta(hours=1, seconds=5 + 60)
        assert not due_clock(setup)


def test_undo_while_paused_keeps_the_time_for_the_resume(commissioner, member, other_member, films):
    with time_machine.travel(T0, tick=False) as traveller:
        setup = clocked_board(commissioner, [member, other_member], pick_seconds=3600)
        traveller.move_to(T0 + timedelta(minutes=15))
        pick(setup, member, films["alien"], 1)  # 45 minutes left
        pause_draft(draft_id=setup.draft.pk, actor=commissioner)

        undo_last(draft_id=setup.draft.pk, actor=commissioner)

        draft = setup.refresh()
        assert draft.status == Draft.Status.PAUSED
        assert (draft.clock_slot, draft.clock_deadline) == (1, None)
        assert draft.clock_remaining == timedelta(minutes=45)
        traveller.move_to(T0 + timedelta(hours=3))
        resume_draft(draft_id=setup.draft.pk, actor=commissioner)
        assert setup.refresh().clock_deadline == T0 + timedelta(hours=3, minutes=45)


# --- Skips ------------------------------------------------------------------------------


def test_skipped_member_makes_up_the_pick_and_the_draft_goes_on(
    board, commissioner, member, other_member, films
):
    skipped = skip_on_clock(draft_id=board.draft.pk, actor=commissioner, expected_slot=1)

    assert (skipped.slot, skipped.label) == (1, "1.01")
    event = last_event(board.draft)
    assert (event.kind, event.summary, event.actor) == (
        DraftEvent.Kind.SKIP,
        "1.01 Strange Dylan skipped",
        commissioner,
    )
    assert board.slot_on_clock() == 2 and board.refresh().clock_slot == 2
    pick(board, other_member, films["halloween"], 2)

    # Back before their next turn (2.04): the make-up fills 1.01, in 1.01's category.
    made = pick(board, member, films["alien"], 1).pick
    assert (made.slot, made.label, made.category.name) == (1, "1.01", "Horror/Thriller")
    assert board.slot_on_clock() == 3  # the seat on the clock was not held up
    assert board.refresh().clock_slot == 3
    play_picks(board, 10)
    assert board.refresh().status == Draft.Status.COMPLETE


def test_skipped_member_back_late_fills_the_skip_before_their_next_pick(
    board, commissioner, member, films
):
    skip_on_clock(draft_id=board.draft.pk, actor=commissioner, expected_slot=1)
    play_picks(board, 6)
    assert board.slot_on_clock() == 8 and board.user_on_clock() == member
    with refused(
        board.draft,
        "The board has moved on since this page was loaded: Strange Dylan's pick is now 1.01. "
        "Check the board and pick again.",
    ):
        pick(board, member, films["casablanca"], 8)

    pick(board, member, films["alien"], 1)
    assert board.slot_on_clock() == 8
    made = pick(board, member, films["casablanca"], 8).pick
    assert made.label == "2.04" and made.category.name == "Before 1980"


def test_only_a_commissioner_skips(board, member):
    with refused(board.draft, "Only a commissioner of this league can do that."):
        skip_on_clock(draft_id=board.draft.pk, actor=member, expected_slot=1)


def test_skip_of_a_pick_no_longer_on_the_clock_is_refused(board, commissioner):
    play_picks(board, 1)
    with refused(board.draft, "The board has moved on: that pick is no longer on the clock."):
        skip_on_clock(draft_id=board.draft.pk, actor=commissioner, expected_slot=1)


def test_draft_with_a_skipped_last_pick_completes_when_it_is_made_up(board, commissioner):
    play_picks(board, 11)
    last_user = board.user_on_clock()
    skip_on_clock(draft_id=board.draft.pk, actor=commissioner, expected_slot=12)
    draft = board.refresh()
    assert draft.status == Draft.Status.LIVE  # waiting for the skipped member
    assert board.slot_on_clock() is None and draft.clock_slot is None

    category = board.categories[2]
    movie = board.free_movie(category)
    pick(board, last_user, movie, 12)

    draft = board.refresh()
    assert draft.status == Draft.Status.COMPLETE
    assert last_event(draft).kind == DraftEvent.Kind.COMPLETE


# --- Completion -------------------------------------------------------------------------


def test_draft_completes_when_the_last_slot_is_filled(board, member, films):
    play_picks(board, 11)
    version = board.refresh().version

    pick_on_clock(board)

    draft = board.refresh()
    assert draft.status == Draft.Status.COMPLETE
    assert draft.completed_at is not None
    assert (draft.clock_slot, draft.clock_deadline) == (None, None)
    assert draft.version == version + 2  # the pick, then the completion
    kinds = list(
        DraftEvent.objects.filter(draft=draft).order_by("-id").values_list("kind", flat=True)[:2]
    )
    assert kinds == [DraftEvent.Kind.COMPLETE, DraftEvent.Kind.PICK]
    assert Pick.objects.filter(draft=draft).count() == 12
    with refused(draft, "The draft is over: no more picks."):
        pick(board, member, films["alien"], 13)


# --- Setup ------------------------------------------------------------------------------


def positions(model, draft):
    return list(
        model.objects.filter(draft=draft).order_by("position").values_list("position", "pk")
    )


def assert_contiguous(model, draft):
    found = [p for p, _ in positions(model, draft)]
    assert found == list(range(1, len(found) + 1))


@pytest.fixture
def setup_draft(commissioner, member, other_member):
    return four_by_three(commissioner, [member, other_member], start=False)


def test_seats_stay_numbered_one_to_n(setup_draft, commissioner, member, other_member):
    draft = setup_draft.draft
    seat_ids = [s.pk for s in setup_draft.seats]

    remove_seat(draft_id=draft.pk, actor=commissioner, seat_id=seat_ids[1])
    assert_contiguous(Seat, draft)
    move_seat(draft_id=draft.pk, actor=commissioner, seat_id=seat_ids[3], offset=-5)
    assert_contiguous(Seat, draft)
    assert [pk for _, pk in positions(Seat, draft)] == [seat_ids[3], seat_ids[0], seat_ids[2]]
    seat = add_seat(
        draft_id=draft.pk, actor=commissioner, membership=setup_draft.membership_of(other_member)
    )
    assert seat.position == 4
    assert_contiguous(Seat, draft)
    move_seat(draft_id=draft.pk, actor=commissioner, seat_id=seat_ids[3], offset=1)
    assert [pk for _, pk in positions(Seat, draft)] == [
        seat_ids[0],
        seat_ids[3],
        seat_ids[2],
        seat.pk,
    ]


def test_randomize_order_shuffles_the_same_seats(setup_draft, commissioner):
    draft = setup_draft.draft
    before = {s.pk for s in setup_draft.seats}
    seats = randomize_order(draft_id=draft.pk, actor=commissioner, rng=random.Random(3)).seats
    assert_contiguous(Seat, draft)
    assert {pk for _, pk in positions(Seat, draft)} == before
    assert [pk for _, pk in positions(Seat, draft)] == [s.pk for s in seats]
    assert last_event(draft).summary.startswith("Order randomised: ")


def test_categories_stay_numbered_one_to_n(setup_draft, commissioner):
    draft = setup_draft.draft
    ids = [c.pk for c in setup_draft.categories]
    added = add_category(
        draft_id=draft.pk, actor=commissioner, spec=CategorySpec("Comedy", genres=("Comedy",))
    )
    assert added.position == 4
    remove_category(draft_id=draft.pk, actor=commissioner, category_id=ids[0])
    assert_contiguous(Category, draft)
    move_category(draft_id=draft.pk, actor=commissioner, category_id=added.pk, offset=-1)
    assert [pk for _, pk in positions(Category, draft)] == [ids[1], added.pk, ids[2]]
    assert_contiguous(Category, draft)


def test_category_with_years_the_wrong_way_round_is_refused(setup_draft, commissioner):
    with refused(
        setup_draft.draft, "Eighties: the earliest year (1989) is after the latest (1980)."
    ):
        add_category(
            draft_id=setup_draft.draft.pk,
            actor=commissioner,
            spec=CategorySpec("Eighties", year_min=1989, year_max=1980),
        )


def test_setup_changes_are_for_commissioners(setup_draft, member):
    draft = setup_draft.draft
    with refused(draft, "Only a commissioner of this league can do that."):
        randomize_order(draft_id=draft.pk, actor=member)
    with refused(draft, "Only a commissioner of this league can do that."):
        start_draft(draft_id=draft.pk, actor=member)


def test_setup_is_frozen_once_started(board, commissioner, other_member):
    frozen = "The draft has started: its order, categories and settings are frozen."
    draft, seat, category = board.draft, board.seats[0], board.categories[0]
    attempts = [
        lambda: add_seat(
            draft_id=draft.pk, actor=commissioner, membership=board.membership_of(other_member)
        ),
        lambda: remove_seat(draft_id=draft.pk, actor=commissioner, seat_id=seat.pk),
        lambda: move_seat(draft_id=draft.pk, actor=commissioner, seat_id=seat.pk, offset=1),
        lambda: randomize_order(draft_id=draft.pk, actor=commissioner),
        lambda: add_category(draft_id=draft.pk, actor=commissioner, spec=CategorySpec("More")),
        lambda: remove_category(draft_id=draft.pk, actor=commissioner, category_id=category.pk),
        lambda: move_category(
            draft_id=draft.pk, actor=commissioner, category_id=category.pk, offset=1
        ),
        lambda: start_draft(draft_id=draft.pk, actor=commissioner),
    ]
    for attempt in attempts:
        with refused(draft, frozen):
            attempt()


def test_a_draft_needs_two_seats_and_a_category_to_start(commissioner, member):
    lonely = make_draft(commissioner, [], seats=1, start=False)
    with refused(lonely.draft, "A draft needs at least two seats to start."):
        start_draft(draft_id=lonely.draft.pk, actor=commissioner)
    empty = make_draft(commissioner, [member], categories=[], start=False, name="Empty")
    with refused(empty.draft, "A draft needs at least one category to start."):
        start_draft(draft_id=empty.draft.pk, actor=commissioner)


def test_start_puts_seat_one_on_the_clock(setup_draft, commissioner, member):
    draft = start_draft(draft_id=setup_draft.draft.pk, actor=commissioner)
    assert draft.status == Draft.Status.LIVE and draft.started_at is not None
    assert draft.clock_slot == 1 and setup_draft.user_on_clock() == member
    assert last_event(draft).kind == DraftEvent.Kind.START


def test_seat_only_for_league_members(setup_draft, commissioner, outsider, member):
    other_league = create_league(user=outsider, name="Elsewhere")
    stranger = Membership.objects.get(league=other_league, user=outsider)
    with refused(setup_draft.draft, "Only members of this league can have a seat."):
        add_seat(draft_id=setup_draft.draft.pk, actor=commissioner, membership=stranger)
    with refused(setup_draft.draft, "Strange Dylan already has a seat."):
        add_seat(
            draft_id=setup_draft.draft.pk,
            actor=commissioner,
            membership=setup_draft.membership_of(member),
        )


# --- The clock: pause, resume, expiry ---------------------------------------------------


def clocked_board(commissioner, players, **clock):
    setup = four_by_three(commissioner, players, start=False)
    update_clock_settings(draft_id=setup.draft.pk, actor=commissioner, **clock)
    start_draft(draft_id=setup.draft.pk, actor=commissioner)
    setup.refresh()
    return setup


def due_clock(setup) -> bool:
    """What the clock worker does: apply an expired clock under the draft lock."""
    return tick_clock(draft_id=setup.draft.pk)


def test_start_sets_the_deadline_from_the_pick_time(commissioner, member, other_member):
    with time_machine.travel(T0, tick=False):
        setup = clocked_board(commissioner, [member, other_member], pick_seconds=3600)
    assert setup.draft.clock_deadline == T0 + timedelta(hours=1)


def test_first_round_may_have_its_own_pick_time(commissioner, member, other_member):
    with time_machine.travel(T0, tick=False):
        setup = clocked_board(
            commissioner, [member, other_member], pick_seconds=600, first_round_pick_seconds=3600
        )
        assert setup.draft.clock_deadline == T0 + timedelta(hours=1)
        play_picks(setup, 4)
        assert setup.refresh().clock_deadline == T0 + timedelta(minutes=10)


def test_pause_and_resume_keep_the_time_left(commissioner, member, other_member, films):
    with time_machine.travel(T0, tick=False) as traveller:
        setup = clocked_board(commissioner, [member, other_member], pick_seconds=3600)
        traveller.move_to(T0 + timedelta(minutes=10))

        pause_draft(draft_id=setup.draft.pk, actor=commissioner)
        draft = setup.refresh()
        assert draft.status == Draft.Status.PAUSED
        assert draft.clock_deadline is None
        assert draft.clock_remaining == timedelta(minutes=50)

        traveller.move_to(T0 + timedelta(hours=5))
        resume_draft(draft_id=setup.draft.pk, actor=commissioner)
        draft = setup.refresh()
        assert draft.status == Draft.Status.LIVE
        assert draft.clock_deadline == T0 + timedelta(hours=5, minutes=50)
        assert draft.clock_remaining is None
        assert [e.kind for e in DraftEvent.objects.filter(draft=draft).order_by("-id")[:2]] == [
            DraftEvent.Kind.RESUME,
            DraftEvent.Kind.PAUSE,
        ]
        assert pick(setup, member, films["alien"], 1).pick.slot == 1


def test_pause_and_resume_across_quiet_hours(commissioner, member, other_member):
    start = datetime(2024, 5, 1, 21, 30, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as traveller:
        setup = clocked_board(
            commissioner,
            [member, other_member],
            pick_seconds=3600,
            quiet_start=time(22),
            quiet_end=time(7),
        )
        # 30 minutes before the night, 30 after it.
        assert setup.draft.clock_deadline == datetime(2024, 5, 2, 7, 30, tzinfo=UTC)
        traveller.move_to(start + timedelta(minutes=15))
        pause_draft(draft_id=setup.draft.pk, actor=commissioner)
        assert setup.refresh().clock_remaining == timedelta(minutes=45)
        traveller.move_to(datetime(2024, 5, 1, 23, tzinfo=UTC))  # resumed at night
        resume_draft(draft_id=setup.draft.pk, actor=commissioner)
        assert setup.refresh().clock_deadline == datetime(2024, 5, 2, 7, 45, tzinfo=UTC)


def test_pause_and_resume_only_from_the_right_state(board, commissioner, member):
    with refused(board.draft, "Only a paused draft can be resumed."):
        resume_draft(draft_id=board.draft.pk, actor=commissioner)
    with refused(board.draft, "Only a commissioner of this league can do that."):
        pause_draft(draft_id=board.draft.pk, actor=member)
    pause_draft(draft_id=board.draft.pk, actor=commissioner)
    with refused(board.draft, "Only a live draft can be paused."):
        pause_draft(draft_id=board.draft.pk, actor=commissioner)


def test_expired_clock_skips_the_member_once(commissioner, member, other_member, films):
    with time_machine.travel(T0, tick=False) as traveller:
        setup = clocked_board(
            commissioner, [member, other_member], pick_seconds=60, expiry_action="skip"
        )
        traveller.move_to(T0 + timedelta(seconds=59))
        assert not due_clock(setup)
        traveller.move_to(T0 + timedelta(seconds=61))
        version = setup.refresh().version

        assert due_clock(setup)
        assert not due_clock(setup)  # a second worker finds nothing to do

        draft = setup.refresh()
        assert list(SkippedSlot.objects.filter(draft=draft).values_list("slot", flat=True)) == [1]
        assert draft.version == version + 1
        assert draft.clock_slot == 2
        assert draft.clock_deadline == T0 + timedelta(seconds=121)
        event = last_event(draft)
        assert event.summary == "1.01 Strange Dylan skipped (time ran out)"
        assert event.actor is None
        pick(setup, other_member, films["halloween"], 2)
        made = pick(setup, member, films["alien"], 1).pick  # the make-up
        assert made.label == "1.01"


def test_expired_clock_is_applied_before_a_pick(commissioner, member, other_member, films):
    with time_machine.travel(T0, tick=False) as traveller:
        setup = clocked_board(
            commissioner, [member, other_member], pick_seconds=60, expiry_action="skip"
        )
        traveller.move_to(T0 + timedelta(minutes=5))
        # Maya's page already shows her on the clock: the expiry happens first, then her pick.
        made = pick(setup, other_member, films["halloween"], 2).pick
        assert made.slot == 2
        assert SkippedSlot.objects.filter(draft=setup.draft, slot=1).exists()
        assert setup.refresh().clock_deadline == T0 + timedelta(minutes=6)


def test_expired_clock_with_nothing_to_do_leaves_the_pick_overdue(
    commissioner, member, other_member, films
):
    with time_machine.travel(T0, tick=False) as traveller:
        setup = clocked_board(commissioner, [member, other_member], pick_seconds=60)
        traveller.move_to(T0 + timedelta(hours=1))
        assert not due_clock(setup)
        with refused(setup.draft, "It is not your turn: pick 1.01 belongs to Strange Dylan."):
            pick(setup, other_member, films["halloween"], 2)
        assert not SkippedSlot.objects.filter(draft=setup.draft).exists()
        assert pick(setup, member, films["alien"], 1).pick.slot == 1  # late, but still theirs


def test_clock_change_while_live_restarts_the_clock(board, commissioner):
    with time_machine.travel(T0, tick=False):
        update_clock_settings(draft_id=board.draft.pk, actor=commissioner, pick_seconds=90)
    assert board.refresh().clock_deadline == T0 + timedelta(seconds=90)


def test_pick_time_out_of_range_is_refused(board, commissioner):
    with refused(board.draft, "A pick time runs from 30 seconds to 14 days."):
        update_clock_settings(draft_id=board.draft.pk, actor=commissioner, pick_seconds=5)


def test_clock_switched_off_during_a_pause_stays_off(commissioner, member, other_member):
    with time_machine.travel(T0, tick=False) as traveller:
        setup = clocked_board(
            commissioner, [member, other_member], pick_seconds=60, expiry_action="skip"
        )
        pause_draft(draft_id=setup.draft.pk, actor=commissioner)
        update_clock_settings(
            draft_id=setup.draft.pk, actor=commissioner, pick_seconds=None, expiry_action="skip"
        )
        resume_draft(draft_id=setup.draft.pk, actor=commissioner)
        assert setup.refresh().clock_deadline is None
        traveller.move_to(T0 + timedelta(hours=1))
        assert not due_clock(setup)
        assert not SkippedSlot.objects.filter(draft=setup.draft).exists()


def test_new_pick_time_set_during_a_pause_applies_on_resume(commissioner, member, other_member):
    with time_machine.travel(T0, tick=False) as traveller:
        setup = clocked_board(commissioner, [member, other_member], pick_seconds=86400)
        pause_draft(draft_id=setup.draft.pk, actor=commissioner)
        update_clock_settings(draft_id=setup.draft.pk, actor=commissioner, pick_seconds=120)
        traveller.move_to(T0 + timedelta(minutes=30))
        resume_draft(draft_id=setup.draft.pk, actor=commissioner)
        assert setup.refresh().clock_deadline == T0 + timedelta(minutes=32)


# --- The big board ---------------------------------------------------------------------


def test_sixteen_by_twenty_board_carries_on_through_the_services():
    big = sixteen_by_twenty()
    assert (len(big.seats), len(big.categories)) == (16, 20)
    bulk_fill_picks(big, 150)

    state = big.state()
    assert state.on_clock == 151 and big.draft.clock_slot == 151
    assert state.position(151).label == "10.07"
    # Round 10 runs backwards: 10.07 belongs to seat 10.
    assert state.seat_for_slot(151) == big.seats[9]
    made = pick_on_clock(big).pick
    assert (made.slot, made.seat, made.category) == (151, big.seats[9], big.categories[9])
    assert big.slot_on_clock() == 152


def test_sixteen_by_twenty_board_completes_on_the_last_pick():
    big = sixteen_by_twenty(category_mode=OPEN_SLOTS)
    bulk_fill_picks(big, 319)
    made = pick_on_clock(big).pick
    assert made.slot == 320 and made.label == "20.16"
    assert big.refresh().status == Draft.Status.COMPLETE


# --- League membership ------------------------------------------------------------------


def test_join_with_a_bad_token_is_refused(board, outsider):
    with pytest.raises(ValidationError) as info:
        join_league(user=outsider, league=board.league, token="not-the-token")
    assert "This invite link is no longer valid" in info.value.messages[0]
    assert not Membership.objects.filter(league=board.league, user=outsider).exists()


def test_joining_twice_is_harmless(board, outsider):
    token = board.league.invite_token
    first, created = join_league(user=outsider, league=board.league, token=token)
    again, created_again = join_league(user=outsider, league=board.league, token=token)
    assert created and not created_again and first == again
    assert first.display_name == "Olaf Outside" and not first.is_commissioner


def test_rotating_the_invite_retires_the_old_link(board, commissioner, outsider, member):
    old = board.league.invite_token
    new = rotate_invite(league=board.league, actor=commissioner)
    assert new != old
    with pytest.raises(ValidationError):
        join_league(user=outsider, league=board.league, token=old)
    membership, created = join_league(user=outsider, league=board.league, token=new)
    assert created
    with pytest.raises(ValidationError):
        rotate_invite(league=board.league, actor=member)


def test_a_league_keeps_at_least_one_commissioner(board, commissioner, member):
    carla = board.membership_of(commissioner)
    with pytest.raises(ValidationError) as info:
        set_commissioner(league=board.league, actor=commissioner, membership=carla, value=False)
    assert info.value.messages == ["A league needs at least one commissioner."]
    carla.refresh_from_db()
    assert carla.is_commissioner

    dylan = board.membership_of(member)
    set_commissioner(league=board.league, actor=commissioner, membership=dylan, value=True)
    set_commissioner(league=board.league, actor=member, membership=carla, value=False)
    carla.refresh_from_db()
    dylan.refresh_from_db()
    assert dylan.is_commissioner and not carla.is_commissioner


def test_only_commissioners_appoint_commissioners(board, member, other_member):
    with pytest.raises(ValidationError):
        set_commissioner(
            league=board.league,
            actor=member,
            membership=board.membership_of(other_member),
            value=True,
        )
    assert not board.membership_of(other_member).is_commissioner


def test_undo_cannot_reopen_a_draft_a_commissioner_ended_early(board, commissioner):
    pick_on_clock(board)
    end_draft(draft_id=board.draft.pk, actor=commissioner)
    version = board.refresh().version
    with pytest.raises(ValidationError, match="ended this draft early"):
        undo_last(draft_id=board.draft.pk, actor=commissioner)
    assert board.refresh().status == Draft.Status.COMPLETE
    assert board.draft.version == version
    assert Pick.objects.filter(draft=board.draft).count() == 1


class _SameFirst(random.Random):
    """A shuffle that leaves the order alone the first time, as a fair shuffle sometimes does."""

    calls = 0

    def shuffle(self, x):
        self.calls += 1
        if self.calls > 1:
            super().shuffle(x)


def test_randomize_order_always_changes_three_or_more_seats(setup_draft, commissioner):
    draft = setup_draft.draft
    before = [pk for _, pk in positions(Seat, draft)]
    assert len(before) >= 3
    new = randomize_order(draft_id=draft.pk, actor=commissioner, rng=_SameFirst(1))
    assert [pk for _, pk in positions(Seat, draft)] != before
    assert not new.unchanged
