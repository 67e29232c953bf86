"""Trading picks (issue 21): proposals, answers, reviews, and the trade as an act of the draft
that the board, the clock, the mail, autopick and undo follow.

The draft: 4 × 3, snake, per round (tests/draft/factories.four_by_three): Strange Dylan at seat
1 (1.01, 2.04, 3.01), Maya Reel at 2 (1.02, 2.03, 3.02), Carla at 3, a generated player at 4.
"""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from draft.models import Draft, DraftEvent, DraftSlot, HeldPick, League, Trade, TradeVeto
from draft.services.picks import make_pick, undo_last
from draft.services.running import start_draft
from draft.services.seasons import start_next_season
from draft.services.setup import update_clock_settings
from draft.services.trades import (
    review_trade,
    settle_due_trades,
    veto_trade,
)
from draft.state import DraftState
from tests.draft.factories import OPEN_SLOTS, _setup_for, four_by_three, pick_on_clock, play_picks
from tests.draft.trading import answer, propose, token
from worker.models import OutboxMessage

pytestmark = pytest.mark.django_db


@pytest.fixture
def players(commissioner, member, other_member):
    return four_by_three(commissioner, [member, other_member])


def holders(setup) -> dict[int, int]:
    return dict(DraftSlot.objects.filter(draft=setup.draft).values_list("slot", "owner_seat_id"))


def snapshot(setup):
    """Everything a refused trade must leave as it was."""
    draft = Draft.objects.get(pk=setup.draft.pk)
    return (
        holders(setup),
        draft.version,
        draft.clock_deadline,
        list(Trade.objects.filter(draft=draft).values_list("pk", "status")),
        DraftEvent.objects.filter(draft=draft).count(),
    )


def review(league, mode, **settings):
    League.objects.filter(pk=league.pk).update(trade_review=mode, **settings)


# --- The trade itself ----------------------------------------------------------------------


def test_an_accepted_trade_moves_the_picks_and_is_logged_on_the_board(
    players, member, other_member
):
    dylan, maya = players.seat_of(member), players.seat_of(other_member)
    trade = propose(
        players, member, other_member, [token(players, 2, member)], [token(players, 3, other_member)],
        message="Your 3.02 for my 2.04?",
    )  # fmt: skip
    assert trade.summary == "Strange Dylan's 2.04 for Maya Reel's 3.02"
    assert holders(players)[8] == dylan.pk  # nothing moves before the answer
    outcome = answer(players, trade, other_member)
    assert (
        outcome.ok and outcome.message == "Trade done: Strange Dylan's 2.04 for Maya Reel's 3.02."
    )
    assert holders(players)[8] == maya.pk and holders(players)[10] == dylan.pk
    event = DraftEvent.objects.filter(draft=players.draft).first()
    assert (event.kind, event.summary) == (
        "trade",
        "Trade: Strange Dylan's 2.04 for Maya Reel's 3.02",
    )
    assert event.is_public
    state = players.state()
    assert state.seat_for_slot(8).pk == maya.pk and state.original_seat(8).pk == dylan.pk


def test_the_pick_on_the_clock_goes_on_for_its_new_holder(
    players, commissioner, member, other_member
):
    update_clock_settings(draft_id=players.draft.pk, actor=commissioner, pick_seconds=3600)
    # Dylan is on the clock at 1.01 with most of an hour; he trades it to Maya for her 2.03.
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 1, member)],
        [token(players, 2, other_member)],
    )
    before = Draft.objects.get(pk=players.draft.pk).clock_deadline
    answer(players, trade, other_member)
    draft = Draft.objects.get(pk=players.draft.pk)
    assert players.user_on_clock() == other_member
    assert draft.clock_slot == 1 and abs((draft.clock_deadline - before).total_seconds()) < 5
    # Maya hears she is on the clock; Dylan's open page is told what became of his pick.
    mail = OutboxMessage.objects.filter(to=[other_member.email], subject__contains="on the clock")
    assert mail.count() == 1
    with pytest.raises(ValidationError, match="Your pick 1.01 went to Maya Reel in a trade"):
        make_pick(
            draft_id=players.draft.pk,
            user=member,
            movie_id=players.free_movie().pk,
            expected_slot=1,
        )
    assert pick_on_clock(players).pick.seat_id == players.seat_of(other_member).pk


def test_a_new_holder_with_little_time_left_gets_the_leagues_minimum(
    players, commissioner, member, other_member
):
    update_clock_settings(draft_id=players.draft.pk, actor=commissioner, pick_seconds=600)
    Draft.objects.filter(pk=players.draft.pk).update(
        clock_deadline=timezone.now() + timedelta(seconds=20)
    )
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 1, member)],
        [token(players, 2, other_member)],
    )
    answer(players, trade, other_member)
    left = Draft.objects.get(pk=players.draft.pk).clock_deadline - timezone.now()
    assert timedelta(seconds=110) < left <= timedelta(seconds=120)


def test_a_new_holder_with_autopick_on_picks_from_their_queue_at_once(
    players, member, other_member
):
    from draft.services.queue import queue_add, set_autopick

    film = players.free_movie(players.categories[0])
    queue_add(draft_id=players.draft.pk, user=other_member, movie_id=film.pk)
    set_autopick(draft_id=players.draft.pk, user=other_member, enabled=True)
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 1, member)],
        [token(players, 3, other_member)],
    )
    answer(players, trade, other_member)
    pick = players.state().picks[1]
    assert pick.movie_id == film.pk and pick.is_autopick
    assert pick.seat_id == players.seat_of(other_member).pk


def test_undo_takes_back_a_trade_that_is_the_last_act_exactly(
    players, commissioner, member, other_member
):
    update_clock_settings(draft_id=players.draft.pk, actor=commissioner, pick_seconds=3600)
    before = DraftState.load(Draft.objects.get(pk=players.draft.pk))
    owners_before = holders(players)
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 1, member)],
        [token(players, 2, other_member)],
    )
    answer(players, trade, other_member)
    undone = undo_last(draft_id=players.draft.pk, actor=commissioner)
    assert isinstance(undone, Trade)
    assert holders(players) == owners_before
    after = players.state()
    assert after.seat_on_clock.pk == before.seat_on_clock.pk
    assert abs((after.draft.clock_deadline - before.draft.clock_deadline).total_seconds()) < 5
    assert Trade.objects.get(pk=trade.pk).status == "undone"
    assert DraftEvent.objects.filter(draft=players.draft).first().summary == (
        "Trade undone: Strange Dylan's 1.01 for Maya Reel's 2.03"
    )


def test_once_a_traded_slot_is_used_undo_takes_back_the_pick_not_the_trade(
    players, commissioner, member, other_member
):
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 1, member)],
        [token(players, 2, other_member)],
    )
    answer(players, trade, other_member)
    pick_on_clock(players)  # Maya uses 1.01
    undone = undo_last(draft_id=players.draft.pk, actor=commissioner)
    assert undone.slot == 1 and not isinstance(undone, Trade)
    assert holders(players)[1] == players.seat_of(other_member).pk  # the trade stands


# --- Refusals: a message, and nothing changed ----------------------------------------------


@pytest.mark.parametrize(
    "case, expected",
    [
        ("another draft", "not a pick of this draft"),
        ("used", "has been used"),
        ("someone else's", "is not Strange Dylan's to trade"),
        ("oneself", "cannot trade with yourself"),
        ("twice", "named twice"),
        ("damaged", "changed or damaged"),
        ("huge message", "the most is 280"),
        ("nothing asked", "at least one pick on each side"),
    ],
)
def test_bad_proposals_are_refused_and_change_nothing(
    players, commissioner, member, other_member, case, expected
):
    pick_on_clock(players)  # Dylan uses 1.01
    other = four_by_three(commissioner, [member, other_member], name="Other Draft")
    give, get, to = [token(players, 2, member)], [token(players, 3, other_member)], other_member
    extra = {}
    if case == "another draft":
        give = [token(other, 2, member)]
    elif case == "used":
        give = [token(players, 1, member)]
    elif case == "someone else's":
        give = [token(players, 1, commissioner)]
    elif case == "oneself":
        to = member
    elif case == "twice":
        give = [token(players, 2, member), token(players, 2, member)]
    elif case == "damaged":
        give = ["2:dylan"]
    elif case == "huge message":
        extra["message"] = "x" * 100_000
    elif case == "nothing asked":
        get = []
    before = snapshot(players)
    with pytest.raises(ValidationError, match=expected):
        propose(players, member, to, give, get, **extra)
    assert snapshot(players) == before


def test_a_message_keeps_its_words_and_loses_control_characters(players, member, other_member):
    trade = propose(
        players, member, other_member, [token(players, 2, member)], [token(players, 3, other_member)],
        message="Deal?\x00\x07  <script>alert(1)</script>\n\tYours",
    )  # fmt: skip
    assert Trade.objects.get(pk=trade.pk).message == "Deal? <script>alert(1)</script> Yours"


def test_only_the_receiver_answers_and_only_the_proposer_withdraws(
    players, commissioner, member, other_member
):
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 2, member)],
        [token(players, 3, other_member)],
    )
    before = snapshot(players)
    for user, action in [(member, "accept"), (commissioner, "accept"), (other_member, "withdraw")]:
        with pytest.raises(ValidationError):
            answer(players, trade, user, action)
    assert snapshot(players) == before
    answer(players, trade, member, "withdraw")
    # A stale page accepting the withdrawn proposal is told so.
    with pytest.raises(ValidationError, match="no longer open: it was withdrawn"):
        answer(players, trade, other_member)


def test_a_counter_replaces_the_proposal_it_answers(players, member, other_member):
    first = propose(
        players,
        member,
        other_member,
        [token(players, 2, member)],
        [token(players, 1, other_member)],
    )
    counter = propose(
        players, other_member, member, [token(players, 3, other_member)], [token(players, 2, member)],
        replaces_id=first.pk,
    )  # fmt: skip
    assert Trade.objects.get(pk=first.pk).status == "countered"
    assert counter.replaces_id == first.pk
    with pytest.raises(ValidationError, match="no longer open"):
        answer(players, first, other_member)
    assert answer(players, counter, member).ok


def test_two_proposals_sharing_a_pick_one_completes_the_other_falls_through(
    players, commissioner, member, other_member
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
    assert answer(players, to_maya, other_member).ok
    assert Trade.objects.get(pk=to_carla.pk).status == "failed"
    with pytest.raises(ValidationError, match="changed hands in another trade"):
        answer(players, to_carla, commissioner)


def test_a_proposal_lapses_with_the_pick_on_the_clock(players, member, other_member, commissioner):
    trade = propose(
        players, other_member, commissioner, [token(players, 2, other_member)],
        [token(players, 3, commissioner)],
    )  # fmt: skip
    assert trade.lapses_after_slot == 1
    pick_on_clock(players)  # 1.01 is settled: the proposal made while it was on the clock lapses
    with pytest.raises(ValidationError, match="it lapsed. It lapsed when 1.01 was settled."):
        answer(players, trade, commissioner)
    assert Trade.objects.get(pk=trade.pk).status == "expired"


def test_a_proposal_expires_after_the_leagues_hours(players, member, other_member):
    League.objects.filter(pk=players.league.pk).update(trade_expires_with_pick=False)
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 2, member)],
        [token(players, 3, other_member)],
    )
    assert trade.expires_at - trade.created_at == timedelta(hours=24)
    Trade.objects.filter(pk=trade.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert settle_due_trades(draft_id=players.draft.pk)
    assert Trade.objects.get(pk=trade.pk).status == "expired"


def test_open_slots_trade_as_many_picks_as_they_take(commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member], category_mode=OPEN_SLOTS)
    with pytest.raises(ValidationError, match="a category short"):
        propose(
            setup, member, other_member, [token(setup, 2, member), token(setup, 3, member)],
            [token(setup, 2, other_member)],
        )  # fmt: skip
    trade = propose(
        setup, member, other_member, [token(setup, 2, member)], [token(setup, 2, other_member)]
    )
    assert answer(setup, trade, other_member).ok


# --- Review ----------------------------------------------------------------------------------


def test_a_commissioner_approves_or_turns_down(players, commissioner, member, other_member):
    review(players.league, "commissioner")
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 2, member)],
        [token(players, 3, other_member)],
    )
    outcome = answer(players, trade, other_member)
    assert "commissioner approves" in outcome.message
    assert holders(players)[8] == players.seat_of(member).pk
    with pytest.raises(ValidationError, match="Only a commissioner"):
        review_trade(draft_id=players.draft.pk, trade_id=trade.pk, user=member, approve=True)
    review_trade(draft_id=players.draft.pk, trade_id=trade.pk, user=commissioner, approve=True)
    assert holders(players)[8] == players.seat_of(other_member).pk
    second = propose(
        players,
        member,
        other_member,
        [token(players, 3, member)],
        [token(players, 1, other_member)],
    )
    answer(players, second, other_member)
    review_trade(draft_id=players.draft.pk, trade_id=second.pk, user=commissioner, approve=False)
    assert Trade.objects.get(pk=second.pk).status == "rejected"


def test_vetoes_stop_a_trade_and_an_unvetoed_one_completes_when_the_window_ends(
    players, commissioner, member, other_member
):
    review(players.league, "veto", trade_veto_percent=50)  # 2 others: Carla and the 4th player
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 2, member)],
        [token(players, 3, other_member)],
    )
    answer(players, trade, other_member)
    assert Trade.objects.get(pk=trade.pk).status == "review"
    with pytest.raises(ValidationError, match="two sides of a trade cannot veto"):
        veto_trade(draft_id=players.draft.pk, trade_id=trade.pk, user=member)
    outcome = veto_trade(draft_id=players.draft.pk, trade_id=trade.pk, user=commissioner)
    assert outcome.message == "Your veto is in, and the trade is stopped."
    assert Trade.objects.get(pk=trade.pk).status == "vetoed"
    assert TradeVeto.objects.get(trade=trade).membership.user == commissioner

    second = propose(
        players,
        member,
        other_member,
        [token(players, 3, member)],
        [token(players, 1, other_member)],
    )
    answer(players, second, other_member)
    Trade.objects.filter(pk=second.pk).update(review_until=timezone.now() - timedelta(seconds=1))
    settle_due_trades(draft_id=players.draft.pk)
    assert Trade.objects.get(pk=second.pk).status == "completed"
    assert holders(players)[2] == players.seat_of(member).pk


def test_a_veto_window_that_would_outlast_the_pick_on_the_clock_falls_to_the_commissioner(
    players, commissioner, member, other_member
):
    review(players.league, "veto")
    update_clock_settings(draft_id=players.draft.pk, actor=commissioner, pick_seconds=600)
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 2, member)],
        [token(players, 3, other_member)],
    )
    answer(players, trade, other_member)
    trade.refresh_from_db()
    assert trade.status == "review" and trade.review_until is None
    with pytest.raises(ValidationError, match="A commissioner decides this trade"):
        veto_trade(draft_id=players.draft.pk, trade_id=trade.pk, user=commissioner)


# --- Before the start: next season's picks ---------------------------------------------------


def test_next_seasons_picks_trade_before_the_order_is_drawn(commissioner, member, other_member):
    first = four_by_three(commissioner, [member, other_member])
    play_picks(first, 12)
    draft = start_next_season(league=first.league, actor=commissioner, name="2022 Draft")
    second = _setup_for(draft, commissioner, first.users, first.movies)
    trade = propose(
        second, member, other_member, [token(second, 2, member)], [token(second, 3, other_member)]
    )
    assert trade.summary == "Strange Dylan's Round 2 for Maya Reel's Round 3"
    answer(second, trade, other_member)
    held = HeldPick.objects.get(draft=draft, round=2)
    assert held.owner_seat == second.seat_of(other_member)
    start_draft(draft_id=draft.pk, actor=commissioner)
    state = second.state()
    dylans_round_two = state.slot_in_round(2, second.seat_of(member))
    assert state.seat_for_slot(dylans_round_two) == second.seat_of(other_member)
    assert state.seat_for_slot(
        state.slot_in_round(3, second.seat_of(other_member))
    ) == second.seat_of(member)


def next_season_of(commissioner, member, other_member, **league):
    first = four_by_three(commissioner, [member, other_member])
    if league:
        League.objects.filter(pk=first.league.pk).update(**league)
    play_picks(first, 12)
    first.league.refresh_from_db()
    draft = start_next_season(league=first.league, actor=commissioner, name="2022 Draft")
    return first, _setup_for(draft, commissioner, first.users, first.movies)


def test_a_member_who_leaves_takes_nothing_with_them(commissioner, member, other_member):
    from draft.services.leagues import remove_member

    _, second = next_season_of(commissioner, member, other_member)
    trade = propose(
        second, member, other_member, [token(second, 2, member)], [token(second, 3, other_member)]
    )
    answer(second, trade, other_member)
    waiting = propose(
        second, commissioner, other_member, [token(second, 1, commissioner)],
        [token(second, 1, other_member)],
    )  # fmt: skip
    maya = second.membership_of(other_member)
    remove_member(league=second.league, actor=other_member, membership=maya)
    # Her proposals fall through; Dylan's round-2 pick traded to her goes back to him; her
    # round-3 pick traded to Dylan stays his, so her seat stays in the order.
    assert Trade.objects.get(pk=waiting.pk).status == "failed"
    assert not HeldPick.objects.filter(draft=second.draft, round=2).exists()
    held = HeldPick.objects.get(draft=second.draft, round=3)
    assert held.owner_seat == second.seat_of(member)
    assert second.draft.seats.filter(pk=second.seat_of(other_member).pk).exists()
    lines = list(DraftEvent.objects.filter(draft=second.draft).values_list("summary", flat=True))
    assert (
        "Round 2 (Strange Dylan's), traded to Maya Reel, goes back to Strange Dylan: "
        "Maya Reel left the league"
    ) in lines


def test_a_keeper_cannot_cost_a_pick_traded_away(commissioner, member, other_member):
    from draft.services.keepers import choose_keepers, keeper_options

    first, second = next_season_of(commissioner, member, other_member, keepers_per_member=2)
    trade = propose(
        second, member, other_member, [token(second, 3, member)], [token(second, 3, other_member)]
    )
    answer(second, trade, other_member)
    option = next(
        o for o in keeper_options(second.draft, second.membership_of(member)) if o.round == 3
    )
    with pytest.raises(ValidationError, match="which Maya Reel holds after a trade"):
        choose_keepers(draft_id=second.draft.pk, user=member, pick_ids=[option.pick.pk])


def test_the_worker_settles_lapsed_proposals_and_ended_windows(players, member, other_member):
    from worker.rounds import tick_due_drafts

    trade = propose(
        players,
        member,
        other_member,
        [token(players, 2, member)],
        [token(players, 3, other_member)],
    )
    Trade.objects.filter(pk=trade.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert tick_due_drafts() == 1
    assert Trade.objects.get(pk=trade.pk).status == "expired"
    assert tick_due_drafts() == 0


def test_the_recap_the_export_and_the_log_show_the_trade(client, players, member, other_member):
    from django.urls import reverse

    trade = propose(
        players,
        member,
        other_member,
        [token(players, 1, member)],
        [token(players, 2, other_member)],
    )
    answer(players, trade, other_member)
    pick_on_clock(players)  # Maya uses the 1.01 she traded for
    args = [players.league.slug, players.draft.slug]
    recap = client.get(reverse("reviews:recap", args=args)).content.decode()
    assert "Strange Dylan&#x27;s 1.01 for Maya Reel&#x27;s 2.03" in recap
    export = client.get(reverse("draft:export_csv", args=args)).content.decode()
    header, *rows = export.splitlines()
    first = dict(zip(header.split(","), rows[0].split(","), strict=True))
    assert (first["member"], first["via"]) == ("Maya Reel", "Strange Dylan")
    log = client.get(reverse("draft:log", args=args)).content.decode()
    assert "Trade: Strange Dylan&#x27;s 1.01 for Maya Reel&#x27;s 2.03" in log


def test_a_commissioner_sees_who_vetoed_and_members_see_that_it_was_stopped(
    client, players, commissioner, member, other_member
):
    from django.urls import reverse

    review(players.league, "veto", trade_veto_percent=100)  # both others must veto
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 2, member)],
        [token(players, 3, other_member)],
    )
    Draft.objects.filter(pk=players.draft.pk).update(status="paused")  # no clock to outlast
    answer(players, trade, other_member)
    veto_trade(draft_id=players.draft.pk, trade_id=trade.pk, user=commissioner)
    url = reverse("draft:trades", args=[players.league.slug, players.draft.slug])
    client.force_login(commissioner)
    page = client.get(url).content.decode()
    assert "Vetoed by Carla Commish (" in page and "1 veto so far" in page
    client.force_login(member)
    page = client.get(url).content.decode()
    assert "Vetoed by" not in page and "1 veto so far" in page


def test_mail_tells_the_receiver_of_a_proposal_and_both_sides_of_a_trade_done(
    players, member, other_member
):
    from draft.models import NotificationSettings

    trade = propose(
        players, member, other_member, [token(players, 2, member)], [token(players, 3, other_member)],
        message="Fancy it?",
    )  # fmt: skip
    (offer,) = OutboxMessage.objects.filter(key__startswith=f"trade:{trade.pk}:proposed")
    assert offer.to == [other_member.email]
    assert offer.subject == f"Strange Dylan proposes a trade — {players.draft.name}"
    assert "Strange Dylan proposes Strange Dylan's 2.04 for Maya Reel's 3.02." in offer.body
    assert '"Fancy it?"' in offer.body and "/trades/" in offer.body
    # Dylan does not want trade mail: only Maya hears it went through.
    NotificationSettings.objects.create(user=member, trades=False)
    answer(players, trade, other_member)
    done = OutboxMessage.objects.filter(key__startswith=f"trade:{trade.pk}:completed")
    assert [m.to for m in done] == [[other_member.email]]

    second = propose(
        players,
        member,
        other_member,
        [token(players, 3, member)],
        [token(players, 1, other_member)],
    )
    NotificationSettings.objects.filter(user=member).update(trades=True)
    answer(players, second, other_member, "decline")
    (declined,) = OutboxMessage.objects.filter(key__startswith=f"trade:{second.pk}:declined")
    assert declined.to == [member.email]
    assert "Maya Reel declined Strange Dylan's 3.01 for Maya Reel's 1.02." in declined.body


# --- Found by an attack from outside (each a defect first) ----------------------------------


@pytest.mark.parametrize("act", ["veto", "approve", "reject"])
def test_reviewing_a_proposal_not_yet_accepted_is_refused_with_a_message(
    players, commissioner, member, other_member, act
):
    """It was a 500 (KeyError: 'proposed')."""
    review(players.league, "veto")
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 2, member)],
        [token(players, 3, other_member)],
    )
    before = snapshot(players)
    with pytest.raises(ValidationError, match="has not been accepted yet"):
        if act == "veto":
            veto_trade(draft_id=players.draft.pk, trade_id=trade.pk, user=commissioner)
        else:
            review_trade(
                draft_id=players.draft.pk, trade_id=trade.pk, user=commissioner,
                approve=act == "approve",
            )  # fmt: skip
    assert snapshot(players) == before


def test_an_accepted_trade_in_review_survives_picks_that_do_not_touch_it(
    players, commissioner, member, other_member
):
    """It fell through as "lapsed when 1.01 was settled": the lapse of an unanswered
    proposal was applied to an accepted one."""
    review(players.league, "commissioner")
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 2, member)],
        [token(players, 3, other_member)],
    )
    answer(players, trade, other_member)
    pick_on_clock(players)  # 1.01, which the trade does not name
    outcome = review_trade(
        draft_id=players.draft.pk, trade_id=trade.pk, user=commissioner, approve=True
    )
    assert outcome.ok and Trade.objects.get(pk=trade.pk).status == "completed"


def test_an_accepted_trade_cannot_be_withdrawn(players, member, other_member):
    review(players.league, "commissioner")
    trade = propose(
        players,
        member,
        other_member,
        [token(players, 2, member)],
        [token(players, 3, other_member)],
    )
    answer(players, trade, other_member)
    with pytest.raises(ValidationError, match="Maya Reel has accepted it"):
        answer(players, trade, member, "withdraw")
    assert Trade.objects.get(pk=trade.pk).status == "review"


def test_the_same_proposal_twice_is_refused(players, member, other_member):
    give, get = [token(players, 2, member)], [token(players, 3, other_member)]
    propose(players, member, other_member, give, get)
    with pytest.raises(ValidationError, match="already proposed this trade"):
        propose(players, member, other_member, give, get)
    assert Trade.objects.filter(draft=players.draft).count() == 1


def test_trades_of_a_member_who_leaves_before_the_start_stay_in_the_history(
    commissioner, member, other_member
):
    """Their seat went, and the trades with it (the history disagreed with the log)."""
    from draft.services.leagues import remove_member

    _, second = next_season_of(commissioner, member, other_member)
    # Maya gives her round-2 pick for Dylan's round-3, then trades it back: nothing of hers
    # is held by anyone else, so her seat goes when she leaves.
    there = propose(
        second, other_member, member, [token(second, 2, other_member)], [token(second, 3, member)]
    )
    answer(second, there, member)
    back = propose(
        second, member, other_member, [token(second, 2, other_member)], [token(second, 3, member)]
    )
    answer(second, back, other_member)
    waiting = propose(
        second, other_member, commissioner, [token(second, 1, other_member)],
        [token(second, 1, commissioner)],
    )  # fmt: skip
    maya_seat = second.seat_of(other_member).pk
    remove_member(
        league=second.league, actor=other_member, membership=second.membership_of(other_member)
    )
    assert not second.draft.seats.filter(pk=maya_seat).exists()
    statuses = dict(Trade.objects.filter(draft=second.draft).values_list("pk", "status"))
    assert statuses == {there.pk: "completed", back.pk: "completed", waiting.pk: "failed"}
    assert Trade.objects.get(pk=waiting.pk).note == "Maya Reel left the league."


def test_a_trade_made_before_the_start_is_not_offered_to_undo_after_it(
    commissioner, member, other_member
):
    _, second = next_season_of(commissioner, member, other_member)
    trade = propose(
        second, member, other_member, [token(second, 2, member)], [token(second, 3, other_member)]
    )
    answer(second, trade, other_member)
    start_draft(draft_id=second.draft.pk, actor=commissioner)
    with pytest.raises(ValidationError, match="nothing to undo"):
        undo_last(draft_id=second.draft.pk, actor=commissioner)
    assert Trade.objects.get(pk=trade.pk).status == "completed"


def test_open_proposals_lapse_when_the_draft_ends(players, commissioner, member, other_member):
    from draft.services.running import end_draft

    trade = propose(
        players,
        member,
        other_member,
        [token(players, 2, member)],
        [token(players, 3, other_member)],
    )
    end_draft(draft_id=players.draft.pk, actor=commissioner)
    settle_due_trades(draft_id=players.draft.pk)
    trade.refresh_from_db()
    assert (trade.status, trade.note) == ("expired", "The draft ended before it was answered.")


def test_the_console_says_it_undoes_a_trade(client, players, commissioner, member, other_member):
    """The confirmation said "Undo the last skip?" and the result "Undone: the skip"."""
    from tests.web.conftest import action_url

    trade = propose(
        players,
        member,
        other_member,
        [token(players, 2, member)],
        [token(players, 3, other_member)],
    )
    answer(players, trade, other_member)
    client.force_login(commissioner)
    console = client.get(players.draft.get_absolute_url() + "manage/").content.decode()
    assert "Undo the trade…" in console and "back with the members they came from" in console
    confirm = client.get(action_url(players, "undo")).content.decode()
    assert "Undo the last trade?" in confirm and "Undo the skip" not in confirm
    done = client.post(
        action_url(players, "undo"), {"act": Trade.objects.get(pk=trade.pk).version}, follow=True
    ).content.decode()
    assert "Undone: the trade (Strange Dylan&#x27;s 2.04 for Maya Reel&#x27;s 3.02)" in done
