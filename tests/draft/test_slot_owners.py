"""Slots are held by seats as data (`DraftSlot`), and every turn question follows the holder.

Nothing in the product moves a slot yet (trades will); these tests move holders the way a
trade will, through the state (`DraftState.give_slot`) and its row, and check that the turn
questions, autopick, make-up picks after a skip, the clock, undo, the board, the log and the
export follow the holder and not the order's arithmetic.
"""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from draft import narration
from draft.models import Category, Draft, DraftEvent, DraftSlot, Movie, Pick, Seat, SkippedSlot
from draft.services.picks import make_pick, skip_on_clock, undo_last
from draft.services.queue import queue_add, set_autopick
from draft.services.running import start_draft
from draft.services.setup import update_clock_settings
from draft.state import DraftState
from tests.draft.factories import (
    OPEN_SLOTS,
    four_by_three,
    hand_slot,
    pick_on_clock,
)
from tests.draft.test_state import make_state
from worker.models import OutboxMessage
from worker.rounds import tick_due_drafts

# --- The turn questions against an oracle written from the rules' definitions -------------
#
# A slot is settled when it is picked or skipped. The slot on the clock is the first slot not
# settled. A skip is owed while nobody has picked its slot and it comes before the slot on the
# clock. A seat's next pick fills its earliest owed slot, else the slot on the clock if it
# holds it. A seat's next slot is its first unsettled slot from the one on the clock on. The
# seat up next is the holder of the first unsettled slot after the one on the clock, unless it
# is the same seat. In open-slot mode a seat may pick in any category it has not filled.

SLOT_FATES = st.sampled_from(["open", "open", "picked", "skipped", "made up"])


def oracle(seat_count, holders: dict[int, int], fates: dict[int, str], picked_categories):
    """Every turn question, by brute force: seat positions in, seat positions out."""
    total = len(holders)
    filled = {s for s, fate in fates.items() if fate in ("picked", "made up")}
    skipped = {s for s, fate in fates.items() if fate in ("skipped", "made up")}
    settled = filled | skipped
    on_clock = next((s for s in range(1, total + 1) if s not in settled), None)
    owed = sorted(s for s in skipped - filled if on_clock is None or s < on_clock)
    seats = range(1, seat_count + 1)
    answers = {"on_clock": on_clock, "owed": owed, "settled": on_clock is None and not owed}
    answers["seat_on_clock"] = holders[on_clock] if on_clock else None
    later = [s for s in range(1, total + 1) if s not in settled and on_clock and s > on_clock]
    answers["up_next"] = (
        (holders[later[0]], later[0]) if later and holders[later[0]] != holders[on_clock] else None
    )
    for seat in seats:
        mine = [s for s in owed if holders[s] == seat]
        fill = mine[0] if mine else (on_clock if on_clock and holders[on_clock] == seat else None)
        ahead = [s for s in range(on_clock or total + 1, total + 1) if s not in settled]
        answers[seat] = {
            "owed_by": mine,
            "slot_to_fill": fill,
            "next_slot_of": next((s for s in ahead if holders[s] == seat), None),
            "categories_filled": {picked_categories[s] for s in filled if holders[s] == seat},
        }
    return answers


@st.composite
def boards(draw):
    seat_count = draw(st.integers(1, 6))
    round_count = draw(st.integers(1, 5))
    order = draw(st.sampled_from([Draft.Order.SNAKE, Draft.Order.LINEAR]))
    mode = draw(st.sampled_from([Draft.CategoryMode.PER_ROUND, Draft.CategoryMode.OPEN_SLOTS]))
    state = make_state(seat_count, round_count, order, mode, None)
    total = state.total_slots
    # Owners moved at random: any seat may hold any slot, several of a round, or none.
    moved = draw(st.lists(st.tuples(st.integers(1, total), st.integers(1, seat_count))))
    for slot, position in moved:
        state.give_slot(slot, state.seats[position - 1])
    fates = {s: draw(SLOT_FATES, label=f"slot {s}") for s in range(1, total + 1)}
    picked_categories = {
        s: draw(st.integers(1, round_count), label=f"category {s}") for s in range(1, total + 1)
    }
    picks = [
        Pick(
            slot=s,
            seat=state.seat_for_slot(s),
            movie=Movie(pk=s, title="F", year=2000),
            category=state.categories[picked_categories[s] - 1],
        )
        for s, fate in fates.items()
        if fate in ("picked", "made up")
    ]
    skips = [SkippedSlot(slot=s) for s, fate in fates.items() if fate in ("skipped", "made up")]
    slots = state.slot_rows
    played = DraftState(state.draft, state.seats, state.categories, picks, skips, slots)
    holders = {row.slot: row.owner_seat.position for row in slots}
    return played, holders, fates, picked_categories


@settings(max_examples=600, deadline=None)
@given(board=boards())
def test_every_turn_question_agrees_with_the_oracle_with_owners_moved(board):
    state, holders, fates, picked_categories = board
    expected = oracle(state.seat_count, holders, fates, picked_categories)

    assert state.on_clock == expected["on_clock"]
    assert state.owed == expected["owed"]
    assert state.is_settled == expected["settled"]
    on_clock_seat = state.seat_on_clock
    assert (on_clock_seat.position if on_clock_seat else None) == expected["seat_on_clock"]
    up_next = state.up_next()
    assert ((up_next[0].position, up_next[1]) if up_next else None) == expected["up_next"]
    for seat in state.seats:
        answers = expected[seat.position]
        assert state.owed_by(seat) == answers["owed_by"]
        assert state.slot_to_fill(seat) == answers["slot_to_fill"]
        assert state.next_slot_of(seat) == answers["next_slot_of"]
        left = [c.position for c in state.categories_left(seat)]
        assert left == [
            c.position for c in state.categories if c.position not in answers["categories_filled"]
        ]
        slot = answers["slot_to_fill"]
        if state.draft.is_open_slots:
            assert state.category_to_fill(seat) is None
        elif slot is not None:
            # Per round, a slot's category is its round's, whoever holds it.
            assert state.category_to_fill(seat) == state.category_for_round(
                state.position(slot).round
            )


def test_a_settled_slot_stays_with_its_picker():
    state = make_state(3, 2, Draft.Order.SNAKE, Draft.CategoryMode.PER_ROUND, None)
    state.start(state.draft.created_at)
    state.apply_pick(
        Pick(slot=1, seat=state.seats[0], movie=Movie(pk=1), category=state.categories[0]),
        state.draft.started_at,
    )
    with pytest.raises(ValueError, match="settled"):
        state.give_slot(1, state.seats[1])


# --- Through the services: the draft plays on by the holders ------------------------------


@pytest.fixture
def players(commissioner, member, other_member):
    """A 4 × 3 snake (Dylan, Maya, then the commissioner and a generated player), with Maya's
    1.02 handed to Dylan: Dylan picks 1.01 and 1.02, and Maya's first pick is her 2.03."""
    setup = four_by_three(commissioner, [member, other_member])
    hand_slot(setup.draft, 2, setup.seat_of(member))
    return setup


@pytest.mark.django_db
def test_the_draft_starts_with_a_row_per_slot_held_by_the_seat_it_was_drawn_for(players):
    rows = list(DraftSlot.objects.filter(draft=players.draft).order_by("slot"))
    assert [r.slot for r in rows] == list(range(1, 13))
    state = players.state()
    for row in rows:
        assert (row.round, row.pick_in_round) == (
            state.position(row.slot).round,
            state.position(row.slot).pick_in_round,
        )
        drawn = players.seats[state.position(row.slot).seat_position - 1]
        assert row.original_seat_id == drawn.pk
    assert [r.slot for r in rows if r.is_traded] == [2]


@pytest.mark.django_db
def test_the_holder_picks_twice_and_the_original_seat_is_told_it_is_not_their_turn(
    players, member, other_member
):
    dylan, maya = players.seat_of(member), players.seat_of(other_member)
    state = players.state()
    assert state.seat_for_slot(2).pk == dylan.pk and state.original_seat(2).pk == maya.pk
    assert state.next_slot_of(dylan) == 1
    assert state.up_next() is None  # Dylan's 1.02 follows his 1.01: no one else is up next
    assert state.next_slot_of(maya) == 7  # her 2.03 (round 2 runs backwards)

    pick_on_clock(players)
    # A page still offering Maya the pick drawn for her is told it went in a trade.
    with pytest.raises(ValidationError, match="Your pick 1.02 went to Strange Dylan in a trade"):
        make_pick(
            draft_id=players.draft.pk,
            user=other_member,
            movie_id=players.free_movie().pk,
            expected_slot=2,
        )
    with pytest.raises(ValidationError, match="It is not your turn: pick 1.02 belongs to"):
        make_pick(
            draft_id=players.draft.pk,
            user=other_member,
            movie_id=players.free_movie().pk,
            expected_slot=None,
        )
    second = make_pick(
        draft_id=players.draft.pk,
        user=member,
        movie_id=players.free_movie(players.categories[0]).pk,
        expected_slot=2,
    ).pick
    # Per round, a holder of two slots of a round picks twice in its category.
    assert second.seat_id == dylan.pk and second.category_id == players.categories[0].pk
    assert Pick.objects.filter(seat=dylan, category=players.categories[0]).count() == 2
    assert players.slot_on_clock() == 3
    line = DraftEvent.objects.filter(draft=players.draft, slot=2).get().summary
    assert line.startswith("1.02 Strange Dylan (via Maya Reel) selects")
    state = players.state()
    events = DraftEvent.objects.filter(draft=players.draft, slot__in=[1, 2]).order_by("pk")
    assert narration.sentences(events, state) == [
        f"Strange Dylan picked {state.picks[1].movie} at 1.01.",
        f"Strange Dylan (via Maya Reel) picked {second.movie} at 1.02.",
    ]


@pytest.mark.django_db
def test_a_skip_of_a_held_slot_is_owed_by_its_holder_and_undo_gives_it_back_to_them(
    players, member, other_member
):
    dylan, maya = players.seat_of(member), players.seat_of(other_member)
    pick_on_clock(players)
    skip_on_clock(draft_id=players.draft.pk, actor=players.commissioner, expected_slot=2)
    state = players.state()
    assert state.owed_by(dylan) == [2] and state.owed_by(maya) == []
    assert "Strange Dylan (via Maya Reel)" in DraftEvent.objects.filter(slot=2).get().summary
    with pytest.raises(ValidationError):
        make_pick(
            draft_id=players.draft.pk,
            user=other_member,
            movie_id=players.free_movie().pk,
            expected_slot=2,
        )
    made_up = make_pick(
        draft_id=players.draft.pk,
        user=member,
        movie_id=players.free_movie(players.categories[0]).pk,
        expected_slot=2,
    ).pick
    assert made_up.seat_id == dylan.pk

    undo_last(draft_id=players.draft.pk, actor=players.commissioner)
    state = players.state()
    assert state.owed_by(dylan) == [2] and state.seat_for_slot(2).pk == dylan.pk


@pytest.mark.django_db
def test_autopick_and_the_clock_follow_the_holder(players, member, other_member, settings):
    dylan = players.seat_of(member)
    film = players.free_movie(players.categories[0])
    queue_add(draft_id=players.draft.pk, user=member, movie_id=film.pk)
    set_autopick(draft_id=players.draft.pk, user=member, enabled=True)
    # Autopick on at 1.01: Dylan's queue fills 1.01 and nothing is left for his 1.02.
    state = players.state()
    assert state.picks[1].seat_id == dylan.pk and state.picks[1].is_autopick
    assert state.on_clock == 2 and state.seat_on_clock.pk == dylan.pk
    assert state.draft.clock_slot == 2


@pytest.mark.django_db
def test_the_clock_runs_out_on_the_holder_and_tells_the_holder_it_is_their_turn(
    players, member, other_member
):
    for user in players.users:
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    dylan = players.seat_of(member)
    pick_on_clock(players)  # Dylan's own 1.01: his traded-in 1.02 comes on the clock
    mails = OutboxMessage.objects.filter(key__startswith=f"turn:{players.draft.pk}:2:on_clock:")
    assert [m.to for m in mails] == [[member.email]]
    film = players.free_movie(players.categories[0])
    queue_add(draft_id=players.draft.pk, user=member, movie_id=film.pk)
    update_clock_settings(
        draft_id=players.draft.pk,
        actor=players.commissioner,
        pick_seconds=60,
        expiry_action=Draft.Expiry.AUTOPICK,
    )
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        assert tick_due_drafts() == 1
    autopicked = Pick.objects.get(draft=players.draft, slot=2)
    assert (autopicked.seat_id, autopicked.movie_id, autopicked.is_autopick) == (
        dylan.pk,
        film.pk,
        True,
    )
    assert "Strange Dylan (via Maya Reel)" in DraftEvent.objects.get(slot=2).summary


@pytest.mark.django_db
def test_the_board_and_the_export_show_the_slot_in_its_seat_column_and_who_holds_it(
    players, member, other_member, client
):
    from django.urls import reverse

    from draft import selectors

    board = selectors.build_board(players.refresh())
    maya_column = [s.pk for s in board.seats].index(players.seat_of(other_member).pk)
    cell = board.rows[0].cells[maya_column]
    assert cell.slot == 2 and cell.via == "Strange Dylan via Maya Reel"
    assert all(c.via == "" for row in board.rows for c in row.cells if c.slot != 2)
    response = client.get(reverse("draft:board", args=[players.league.slug, players.draft.slug]))
    assert "Strange Dylan via Maya Reel" in response.content.decode()

    pick_on_clock(players)
    pick_on_clock(players)
    data = client.get(
        reverse("draft:export_json", args=[players.league.slug, players.draft.slug])
    ).json()
    assert [(p["overall"], p["member"], p["via"]) for p in data["picks"]] == [
        (1, "Strange Dylan", ""),
        (2, "Strange Dylan", "Maya Reel"),
    ]


@pytest.mark.django_db
def test_the_database_refuses_an_open_slot_seat_filling_a_category_twice(
    commissioner, member, other_member
):
    setup = four_by_three(commissioner, [member, other_member], category_mode=OPEN_SLOTS)
    first = pick_on_clock(setup).pick
    assert first.category_chosen
    twin = Pick(
        draft=setup.draft,
        slot=12,
        round=3,
        pick_in_round=4,
        seat_id=first.seat_id,
        movie=setup.free_movie(),
        category_id=first.category_id,
        category_chosen=True,
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        twin.save()


# --- A seat without a member (a mock draft's bot) ----------------------------------------


@pytest.mark.django_db
def test_a_seat_without_a_member_is_shown_picked_for_and_never_mailed(
    commissioner, member, other_member, client
):
    from django.urls import reverse

    setup = four_by_three(commissioner, [member, other_member], start=False)
    for user in setup.users:
        user.email = f"{user.username}@example.com"
        user.save(update_fields=["email"])
    bot = Seat.objects.create(draft=setup.draft, kind=Seat.Kind.BOT, name="Robo Critic", position=5)
    start_draft(draft_id=setup.draft.pk, actor=commissioner)
    while setup.state().seat_on_clock.pk != bot.pk:
        pick_on_clock(setup)
    board_url = reverse("draft:board", args=[setup.league.slug, setup.draft.slug])
    page = client.get(board_url).content.decode()
    assert "Robo Critic" in page
    # Its turn and the one before it told members, and nobody on its behalf.
    mails = OutboxMessage.objects.values_list("key", flat=True)
    assert any(key.startswith(f"turn:{setup.draft.pk}:4:") for key in mails)
    assert not any(key.startswith(f"turn:{setup.draft.pk}:5:") for key in mails)

    # Nobody can pick as the bot but a commissioner, for it.
    slot = setup.slot_on_clock()
    with pytest.raises(ValidationError):
        make_pick(
            draft_id=setup.draft.pk, user=member, movie_id=setup.free_movie().pk, expected_slot=slot
        )
    film = setup.free_movie(setup.state().category_to_fill(bot))
    pick = make_pick(
        draft_id=setup.draft.pk,
        user=commissioner,
        movie_id=film.pk,
        expected_slot=slot,
        for_seat_id=bot.pk,
    ).pick
    assert pick.seat_id == bot.pk
    assert (
        DraftEvent.objects.filter(slot=slot)
        .get()
        .summary.startswith(f"{pick.label} Robo Critic selects")
    )
    client.force_login(commissioner)
    for url in (
        board_url,
        reverse("draft:manage", args=[setup.league.slug, setup.draft.slug]),
        reverse("draft:log", args=[setup.league.slug, setup.draft.slug]),
        reverse("reviews:recap", args=[setup.league.slug, setup.draft.slug]),
        pick.get_absolute_url(),
        reverse("draft:export_csv", args=[setup.league.slug, setup.draft.slug]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "Robo Critic" in response.content.decode(), url
    assert narration.via(bot, setup.seats[0]) == f"Robo Critic via {setup.seats[0].display_name}"


@pytest.mark.django_db
def test_a_seat_is_a_members_or_a_named_bots(commissioner, member):
    setup = four_by_three(commissioner, [member], start=False)
    for fields in ({"kind": Seat.Kind.BOT}, {"kind": Seat.Kind.MEMBER, "name": "Nobody"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Seat.objects.create(draft=setup.draft, position=9, **fields)
    assert Category.objects.filter(draft=setup.draft).exists()


@pytest.mark.django_db
@pytest.mark.parametrize("size", ["4x3", "16x20"])
def test_the_state_loads_in_five_queries_whatever_the_size_with_owners_moved(
    size, commissioner, member, other_member, django_assert_num_queries
):
    from tests.web.conftest import sized_draft

    setup, _ = sized_draft(size, commissioner, member, other_member, owners_moved=True)
    draft = setup.refresh()
    # Seats with members and users · categories · picks with films · skipped slots · holders.
    with django_assert_num_queries(5):
        state = DraftState.load(draft)
        traded = [
            s
            for s in range(1, state.total_slots + 1)
            if state.original_seat(s) != state.seat_for_slot(s)
        ]
        [state.slot_to_fill(seat) for seat in state.seats]
        state.up_next()
    assert len(traded) == state.total_slots // 3
