"""Picks arriving at the same moment, from real threads with their own database connections.

The threads line up on a barrier and then call the services together. Whatever the mix — the
same film or different ones, the member on the clock double-clicking, other members, a
commissioner picking for the seat — exactly one pick fills the slot and every other request
gets a ValidationError a person can read (or, for a double click, the same pick back). No
IntegrityError, no "database is locked", nothing else escapes.

The same goes for two commissioners stepping down at once: the league keeps one.

On PostgreSQL the row locks (select_for_update) queue the requests; on SQLite the IMMEDIATE
transactions do. These tests commit for real (transaction=True).
"""

import threading
from dataclasses import dataclass

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from draft.models import Draft, DraftEvent, Pick, SkippedSlot
from draft.services.leagues import set_commissioner
from draft.services.picks import make_pick, skip_on_clock
from tests.draft.factories import THREE_CATEGORIES, make_draft
from tests.threads import race

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


@dataclass
class Outcome:
    result: object = None  # a PickResult or what the service returned
    refusal: str | None = None
    error: BaseException | None = None


def at_once(calls) -> list[Outcome]:
    """Run every call in its own thread, all released at the same moment."""
    barrier = threading.Barrier(len(calls))
    outcomes = [Outcome() for _ in calls]

    def run(call, outcome):
        try:
            barrier.wait(timeout=30)
            outcome.result = call()
        except ValidationError as refusal:
            outcome.refusal = " ".join(refusal.messages)
        except BaseException as error:  # anything else is a failure of the test
            outcome.error = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=pair) for pair in zip(calls, outcomes, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a request never finished"
    errors = [o.error for o in outcomes if o.error is not None]
    assert not errors, f"exceptions escaped: {errors!r}"
    return outcomes


@pytest.fixture
def board(commissioner, member, other_member):
    """8 seats, live, 1.01 on the clock for Strange Dylan (member)."""
    return make_draft(
        commissioner, [member, other_member], seats=8, categories=THREE_CATEGORIES, movies=40
    )


def horror_films(board, count):
    """Films that fit round 1 (Horror/Thriller)."""
    films = [m for m in board.movies if {"Horror", "Thriller"} & set(m.genres)]
    assert len(films) >= count
    return films[:count]


def pick_call(board, user, movie, slot=1, **options):
    return lambda: make_pick(
        draft_id=board.draft.pk, user=user, movie_id=movie.pk, expected_slot=slot, **options
    )


def assert_one_pick_at_slot_one(board, version_before):
    picks = list(Pick.objects.filter(draft=board.draft))
    assert len(picks) == 1 and picks[0].slot == 1
    draft = Draft.objects.get(pk=board.draft.pk)
    assert draft.version == version_before + 1
    assert DraftEvent.objects.filter(draft=draft, kind=DraftEvent.Kind.PICK).count() == 1
    assert draft.clock_slot == 2
    return picks[0]


def test_double_click_storm_makes_one_pick_and_replays_the_rest(board, member):
    film = horror_films(board, 1)[0]
    version = board.draft.version

    outcomes = at_once([pick_call(board, member, film) for _ in range(THREADS)])

    assert [o.refusal for o in outcomes] == [None] * THREADS
    made = assert_one_pick_at_slot_one(board, version)
    assert all(o.result.pick.pk == made.pk for o in outcomes)
    assert sorted(o.result.replayed for o in outcomes) == [False] + [True] * (THREADS - 1)


def test_member_on_the_clock_sending_different_films_gets_one_pick(board, member):
    films = horror_films(board, THREADS)
    version = board.draft.version

    outcomes = at_once([pick_call(board, member, film) for film in films])

    made = assert_one_pick_at_slot_one(board, version)
    winners = [o for o in outcomes if o.refusal is None]
    assert len(winners) == 1 and winners[0].result.pick.pk == made.pk
    # The others are told what became of 1.01: they made it already, with another film.
    for outcome in outcomes:
        if outcome.refusal is not None:
            assert outcome.refusal == f"You already picked {made.movie} at 1.01."


def test_everyone_going_for_the_same_film(board, commissioner, member, other_member, outsider):
    film = horror_films(board, 1)[0]
    dylan_seat = next(s for s in board.seats if s.membership.user_id == member.pk)
    version = board.draft.version
    calls = [
        pick_call(board, member, film),
        pick_call(board, member, film),
        pick_call(board, commissioner, film, for_seat_id=dylan_seat.pk),
        pick_call(board, other_member, film),
        pick_call(board, other_member, film, slot=2),
        pick_call(board, board.users[3], film),
        pick_call(board, commissioner, film),
        pick_call(board, outsider, film),
    ]

    outcomes = at_once(calls)

    made = assert_one_pick_at_slot_one(board, version)
    assert made.movie == film and made.seat == dylan_seat
    refusals = [o.refusal for o in outcomes if o.refusal is not None]
    accepted = [o for o in outcomes if o.refusal is None]
    # The member's two clicks and the commissioner's entry for them: one makes the pick, a
    # click after the commissioner's is told the commissioner picked for them; a click after
    # the member's own is replayed.
    assert 1 <= len(accepted) <= 3 and all(o.result.pick.pk == made.pk for o in accepted)
    assert "Only members of this league can pick." in refusals
    for refusal in refusals:
        assert refusal == "Only members of this league can pick." or any(
            refusal.startswith(start)
            for start in (
                "It is not your turn",
                f"The commissioner picked {film} for you at 1.01.",
                f"{film} is already taken: Strange Dylan picked it at 1.01.",
                "The board has moved on",
                "It is not Strange Dylan's turn",
            )
        ), refusal


def test_commissioner_and_member_entering_different_films_at_once(board, commissioner, member):
    films = horror_films(board, THREADS)
    dylan_seat = next(s for s in board.seats if s.membership.user_id == member.pk)
    version = board.draft.version
    calls = [
        pick_call(board, commissioner, film, for_seat_id=dylan_seat.pk)
        if n % 2
        else pick_call(board, member, film)
        for n, film in enumerate(films)
    ]

    outcomes = at_once(calls)

    made = assert_one_pick_at_slot_one(board, version)
    assert made.seat == dylan_seat
    assert sum(o.refusal is None for o in outcomes) == 1
    # The member's losing forms say who made their pick; the commissioner's say it is not
    # Strange Dylan's turn any more.
    told = {
        f"You already picked {made.movie} at 1.01.",
        f"The commissioner picked {made.movie} for you at 1.01.",
    }
    for outcome, call_by_member in zip(outcomes, [n % 2 == 0 for n in range(THREADS)], strict=True):
        if outcome.refusal is None:
            continue
        if call_by_member:
            assert outcome.refusal in told, outcome.refusal
        else:
            assert outcome.refusal.startswith("It is not Strange Dylan's turn"), outcome.refusal


def test_skip_racing_the_pick_leaves_a_consistent_board(board, commissioner, member):
    film = horror_films(board, 1)[0]
    calls = [pick_call(board, member, film)] * 4 + [
        lambda: skip_on_clock(draft_id=board.draft.pk, actor=commissioner, expected_slot=1)
    ] * 4

    outcomes = at_once(calls)

    # Either the pick came first (every skip finds 1.01 gone from the clock), or a skip did
    # (1.01 is skipped and the member's pick makes it up). Both ways: one pick at 1.01, one
    # skip at most, and 1.02 on the clock.
    picks = list(Pick.objects.filter(draft=board.draft))
    assert [(p.slot, p.movie_id) for p in picks] == [(1, film.pk)]
    skipped = list(SkippedSlot.objects.filter(draft=board.draft).values_list("slot", flat=True))
    assert skipped in ([], [1])
    assert all(o.refusal is None for o in outcomes[:4])  # a make-up if a skip came first
    assert sum(o.refusal is None for o in outcomes[4:]) == len(skipped)
    assert Draft.objects.get(pk=board.draft.pk).clock_slot == 2
    for outcome in outcomes:
        if outcome.refusal is not None:
            assert outcome.refusal == (
                "The board has moved on: that pick is no longer on the clock."
            )


def test_two_commissioners_stepping_down_at_once_leave_one(board, commissioner, member):
    carla = board.membership_of(commissioner)
    dylan = board.membership_of(member)
    set_commissioner(league=board.league, actor=commissioner, membership=dylan, value=True)

    outcomes = at_once(
        [
            lambda: set_commissioner(
                league=board.league, actor=commissioner, membership=carla, value=False
            ),
            lambda: set_commissioner(
                league=board.league, actor=member, membership=dylan, value=False
            ),
        ]
    )

    assert board.league.memberships.filter(is_commissioner=True).count() == 1
    refusals = [o.refusal for o in outcomes if o.refusal is not None]
    assert refusals in (
        ["A league needs at least one commissioner."],
        ["Only a commissioner of this league can do that."],
    )


def test_newcomers_joining_at_once_each_take_their_own_seat(commissioner, member):
    """Six people open the invite link at the same moment, one of them in two tabs, while a
    draft is being set up: each is seated once, in seats 3 to 8, none twice, nothing fails."""
    from draft.services.leagues import join_league
    from tests.draft.factories import make_users

    setup = make_draft(commissioner, [member], start=False)
    league = setup.league
    people = make_users(6, prefix="newcomer")
    calls = [
        (lambda user=user: join_league(user=user, league=league, token=league.invite_token))
        for user in [*people, people[0]]
    ]
    results = race(calls)

    assert not [r for r in results if isinstance(r, BaseException)], results
    seats = list(setup.draft.seats.order_by("position").values_list("position", "membership__user"))
    assert [position for position, _ in seats] == list(range(1, 9))
    assert sorted(user for _, user in seats[2:]) == sorted(u.pk for u in people)
