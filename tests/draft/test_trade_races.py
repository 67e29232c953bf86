"""Trades racing picks, the clock and each other, from real threads with their own connections
(issue 21): exactly one of them wins, the other is refused with a message that says what
happened, nothing is half done, and nothing but a refusal escapes (no deadlock, no 500).

These tests commit for real (transaction=True); on PostgreSQL the draft's row lock queues the
requests, on SQLite the IMMEDIATE transactions do."""

from datetime import timedelta

import pytest
from django.utils import timezone

from draft.models import Draft, DraftSlot, Pick, SkippedSlot, Trade
from draft.services.picks import make_pick
from draft.services.running import tick_clock
from draft.services.setup import update_clock_settings
from tests.draft.factories import four_by_three
from tests.draft.trading import answer, propose, token
from tests.threads import race

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5  # each race runs a few times: the threads do not always line up the same way


@pytest.fixture
def players(commissioner, member, other_member):
    """Strange Dylan on the clock at 1.01; Maya Reel at 1.02 and 2.03; Carla at 1.03."""
    return four_by_three(commissioner, [member, other_member])


def accept(setup, trade, user):
    return lambda: answer(setup, trade, user)


def no_escapes(results):
    """Only refusals (ValidationError) may come out of a service; anything else is a failure."""
    from django.core.exceptions import ValidationError

    errors = [r for r in results if isinstance(r, BaseException)]
    assert all(isinstance(e, ValidationError) for e in errors), errors


def said(result) -> str:
    """What a person is told: a refusal's message, or an outcome's."""
    return " ".join(result.messages) if isinstance(result, BaseException) else result.message


def owner(setup, slot):
    return DraftSlot.objects.get(draft=setup.draft, slot=slot).owner_seat_id


def test_an_accept_racing_a_pick_of_the_same_slot(players, member, other_member):
    dylan, maya = players.seat_of(member), players.seat_of(other_member)
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 1, member)],
        [token(players, 2, other_member)],
    )
    film = players.free_movie(players.categories[0])
    results = race(
        [
            accept(players, trade, other_member),
            lambda: make_pick(
                draft_id=players.draft.pk, user=member, movie_id=film.pk, expected_slot=1
            ),
        ]
    )
    no_escapes(results)
    answered, picked = results
    trade.refresh_from_db()
    pick = Pick.objects.filter(draft=players.draft, slot=1).first()
    if trade.status == Trade.Status.COMPLETED:
        # The trade first: the pick is refused and says why; 1.01 is Maya's, unused.
        assert pick is None and owner(players, 1) == maya.pk
        assert "went to Maya Reel in a trade" in " ".join(picked.messages)
    else:
        # The pick first: the trade cannot go through, and says why; nothing moved.
        assert pick is not None and pick.seat_id == dylan.pk and owner(players, 1) == dylan.pk
        assert trade.status == Trade.Status.EXPIRED  # made while 1.01 was on the clock
        assert "It lapsed when 1.01 was settled." in said(answered)
        assert owner(players, 7) == maya.pk


def test_an_accept_racing_the_clocks_expiry(players, commissioner, member, other_member):
    update_clock_settings(
        draft_id=players.draft.pk,
        actor=commissioner,
        pick_seconds=600,
        expiry_action=Draft.Expiry.SKIP,
    )
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 1, member)],
        [token(players, 2, other_member)],
    )
    Draft.objects.filter(pk=players.draft.pk).update(
        clock_deadline=timezone.now() - timedelta(seconds=1)
    )
    results = race(
        [accept(players, trade, other_member), lambda: tick_clock(draft_id=players.draft.pk)]
    )
    no_escapes(results)
    trade.refresh_from_db()
    # The clock ran out before anyone accepted: its expiry comes first, whoever gets the lock.
    assert SkippedSlot.objects.filter(draft=players.draft, slot=1).exists()
    assert trade.status != Trade.Status.COMPLETED
    assert owner(players, 1) == players.seat_of(member).pk
    assert "1.01" in said(results[0])


@pytest.mark.parametrize("attempt", range(ROUNDS))
def test_two_accepts_that_share_a_pick_one_completes(
    players, commissioner, member, other_member, attempt
):
    to_maya = propose(
        players,
        member,
        other_member,
        [token(players, 2, member)],
        [token(players, 3, other_member)],
    )
    to_carla = propose(
        players,
        member,
        commissioner,
        [token(players, 2, member)],
        [token(players, 3, commissioner)],
    )
    results = race(
        [accept(players, to_maya, other_member), accept(players, to_carla, commissioner)]
    )
    no_escapes(results)
    statuses = sorted(Trade.objects.filter(draft=players.draft).values_list("status", flat=True))
    assert statuses == ["completed", "failed"]
    done = Trade.objects.get(draft=players.draft, status="completed")
    assert owner(players, 8) == done.receiver_id  # Dylan's 2.04 went one way only


def test_a_double_click_on_accept_makes_one_trade(players, member, other_member):
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 2, member)],
        [token(players, 3, other_member)],
    )
    results = race([accept(players, trade, other_member) for _ in range(4)])
    no_escapes(results)
    done = [r for r in results if not isinstance(r, BaseException)]
    assert len(done) == 1 and done[0].ok
    refusals = [" ".join(r.messages) for r in results if isinstance(r, BaseException)]
    assert all("no longer open: it went through" in r for r in refusals)
    assert Draft.objects.get(pk=players.draft.pk).events.filter(kind="trade").count() == 1
