"""The commissioner console: every action with the message it shows, confirmation pages for the
destructive ones, setup-only actions refused once the draft runs, and its query count.

The draft is the 4 × 3 snake board of tests/web/conftest.py (Strange Dylan, Maya Reel, Carla
Commish, Player 1; rounds Horror/Thriller, Before 1980, Wildcard). Carla is the commissioner.
"""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from draft import services
from draft.models import Category, Draft, DraftEvent, Membership, Pick, Seat, SkippedSlot
from tests.draft.factories import four_by_three
from tests.web.conftest import action_url, element, html_of, manage_url, sized_draft, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_setup(commissioner, member, other_member, films):
    """The same board before the start: order, categories and settings can still change."""
    setup = four_by_three(commissioner, [member, other_member], movies=0, start=False)
    setup.movies = list(films.values())
    return setup


def do(client, setup, action, data=None):
    """Post a console action the way the page does; return the console it redirects to."""
    response = client.post(action_url(setup, action), data or {}, follow=True)
    assert response.redirect_chain == [(manage_url(setup), 302)]
    assert response.status_code == 200
    return response


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def hidden(response, name: str) -> str:
    return re.search(rf'<input type="hidden" name="{name}" value="([^"]*)">', html_of(response))[1]


def order_on_console(response) -> list[str]:
    return re.findall(r'class="order-item__name">([^<]+)<', html_of(response))


def categories_on_console(response) -> list[str]:
    return [
        " ".join(text(head).split())
        for head in re.findall(
            r'<div class="category-item__head">(.*?)</div>', html_of(response), re.S
        )
    ]


def state_of(setup):
    draft = Draft.objects.get(pk=setup.draft.pk)
    return {
        "status": draft.status,
        "version": draft.version,
        "picks": list(Pick.objects.filter(draft=draft).values_list("slot", "movie_id")),
        "skipped": list(SkippedSlot.objects.filter(draft=draft).values_list("slot", flat=True)),
        "seats": list(
            Seat.objects.filter(draft=draft).order_by("position").values_list("membership_id")
        ),
        "categories": list(
            Category.objects.filter(draft=draft)
            .order_by("position")
            .values_list("name", "genres", "year_min", "year_max")
        ),
        "clock": (draft.pick_seconds, draft.expiry_action),
    }


def make_pick(setup, user, movie, slot):
    return services.make_pick(
        draft_id=setup.draft.pk, user=user, movie_id=movie.pk, expected_slot=slot
    ).pick


# --- Running the draft ---------------------------------------------------------------------


def test_start_asks_first_then_puts_the_first_pick_on_the_clock(in_setup, commissioner_client):
    before = state_of(in_setup)
    confirm = commissioner_client.get(action_url(in_setup, "start"))
    assert confirm.status_code == 200
    assert "Start the draft?" in text(confirm)
    assert f'action="{action_url(in_setup, "start")}"' in html_of(confirm)
    assert state_of(in_setup) == before

    console = do(commissioner_client, in_setup, "start")

    assert messages_of(console) == ["The draft is live."]
    assert "Waiting for Strange Dylan — Round 1, Pick 1." in text(console)
    assert in_setup.refresh().status == Draft.Status.LIVE


def test_pause_and_resume(live, commissioner_client):
    console = do(commissioner_client, live, "pause")
    assert messages_of(console) == ["Draft paused. The clock is stopped until you resume."]
    assert "Paused. Strange Dylan is up when you resume — Round 1, Pick 1." in text(console)
    assert live.refresh().status == Draft.Status.PAUSED

    console = do(commissioner_client, live, "resume")
    assert messages_of(console) == ["Draft resumed."]
    assert "Waiting for Strange Dylan — Round 1, Pick 1." in text(console)
    assert live.refresh().status == Draft.Status.LIVE


def test_skip_carries_the_slot_from_its_confirmation_page(live, commissioner_client):
    confirm = commissioner_client.get(action_url(live, "skip"))
    assert "Skip the pick on the clock? 1.01: Strange Dylan" in text(confirm)
    slot = hidden(confirm, "slot")
    assert slot == "1"

    console = do(commissioner_client, live, "skip", {"slot": slot})

    assert messages_of(console) == ["Pick 1.01 skipped."]
    assert "Waiting for Maya Reel — Round 1, Pick 2." in text(console)
    assert "Owed picks: Strange Dylan (1.01)." in text(console)
    assert list(SkippedSlot.objects.filter(draft=live.draft).values_list("slot", flat=True)) == [1]

    # The same confirmation page sent again (a second tab, a double click) skips nobody else.
    before = state_of(live)
    console = do(commissioner_client, live, "skip", {"slot": slot})
    assert messages_of(console) == ["The board has moved on: that pick is no longer on the clock."]
    assert state_of(live) == before


def test_undo_carries_the_pick_from_its_confirmation_page(live, films, member, commissioner_client):
    pick = make_pick(live, member, films["halloween"], 1)
    confirm = commissioner_client.get(action_url(live, "undo"))
    assert "1.01: Strange Dylan — Halloween (1978) in Horror/Thriller" in text(confirm)
    assert hidden(confirm, "pick") == str(pick.pk)

    console = do(commissioner_client, live, "undo", {"pick": hidden(confirm, "pick")})

    assert messages_of(console) == ["Undone: 1.01 Halloween (1978)."]
    assert "Waiting for Strange Dylan — Round 1, Pick 1." in text(console)
    assert not Pick.objects.filter(draft=live.draft).exists()


def test_undo_from_a_stale_confirmation_page_undoes_nothing(
    live, films, member, other_member, commissioner_client
):
    make_pick(live, member, films["halloween"], 1)
    confirm = commissioner_client.get(action_url(live, "undo"))
    make_pick(live, other_member, films["psycho"], 2)  # the board moves on meanwhile
    before = state_of(live)

    console = do(commissioner_client, live, "undo", {"pick": hidden(confirm, "pick")})

    assert messages_of(console) == [
        "The last pick has changed since you asked to undo it. Nothing was undone: "
        "check the board and try again."
    ]
    assert state_of(live) == before


def test_end_asks_first_then_closes_the_draft(live, commissioner_client):
    before = state_of(live)
    confirm = commissioner_client.get(action_url(live, "end"))
    assert "End the draft now?" in text(confirm)
    assert "This cannot be reopened." in text(confirm)
    assert state_of(live) == before

    console = do(commissioner_client, live, "end")

    assert messages_of(console) == ["The draft is complete."]
    assert "Complete — 0 picks made." in text(console)
    assert live.refresh().status == Draft.Status.COMPLETE


@pytest.mark.parametrize("action", ["start", "skip", "undo", "end"])
def test_opening_a_destructive_action_only_asks(action, live, films, member, commissioner_client):
    make_pick(live, member, films["halloween"], 1)
    if action == "start":
        live.draft = Draft.objects.create(league=live.league, name="Next Year", slug="next-year")
    before = state_of(live)

    response = commissioner_client.get(action_url(live, action))

    assert response.status_code == 200
    assert f'<form method="post" action="{action_url(live, action)}"' in html_of(response)
    assert "Cancel" in text(response)
    assert state_of(live) == before


def test_opening_a_plain_action_goes_back_to_the_console(live, commissioner_client):
    before = state_of(live)
    response = commissioner_client.get(action_url(live, "pause"))
    assert response.status_code == 302
    assert response["Location"] == manage_url(live)
    assert state_of(live) == before


# --- Picking for a member --------------------------------------------------------------------


def test_a_commissioner_picks_for_the_member_on_the_clock(
    live, films, member, commissioner, commissioner_client
):
    console = commissioner_client.get(manage_url(live), {"q": "halloween"})
    behalf = text(console)
    assert "Pick for Strange Dylan (1.01)" in behalf
    assert "Halloween (1978)" in behalf
    seat = live.seat_of(member)
    assert hidden(console, "seat") == str(seat.pk)

    console = do(
        commissioner_client,
        live,
        "pick",
        {"seat": seat.pk, "slot": 1, "movie": films["halloween"].pk},
    )

    assert messages_of(console) == ["Picked Halloween (1978) at 1.01 for Strange Dylan."]
    pick = Pick.objects.get(draft=live.draft)
    assert (pick.seat, pick.movie, pick.entered_by, pick.is_ruling) == (
        seat,
        films["halloween"],
        commissioner,
        False,
    )


def test_a_pick_that_breaks_the_rules_needs_the_override_and_becomes_a_ruling(
    live, films, member, commissioner_client
):
    data = {"seat": live.seat_of(member).pk, "slot": 1, "movie": films["her"].pk}
    console = commissioner_client.get(manage_url(live), {"q": "her"})
    assert "Breaks the rules: it is not Horror or Thriller" in text(console)

    console = do(commissioner_client, live, "pick", data)
    assert messages_of(console) == [
        "Her (2013) does not fit Horror/Thriller: it is not Horror or Thriller (it is Romance, "
        "Drama, Sci-Fi). A commissioner can approve it as a ruling."
    ]
    assert not Pick.objects.filter(draft=live.draft).exists()

    console = do(commissioner_client, live, "pick", {**data, "override": "1"})

    assert messages_of(console) == ["Picked Her (2013) at 1.01 for Strange Dylan as a ruling."]
    pick = Pick.objects.get(draft=live.draft)
    assert pick.is_ruling
    ruling = DraftEvent.objects.get(draft=live.draft, kind=DraftEvent.Kind.RULING)
    assert "ruling: allowed although it is not Horror or Thriller" in ruling.summary
    board = commissioner_client.get(live.draft.get_absolute_url())
    assert "Her 2013 · 1.01 · ruling" in text(element(board, "board"))


# --- Order and categories before the start ---------------------------------------------------


def test_move_a_seat(in_setup, member, commissioner_client):
    console = do(
        commissioner_client,
        in_setup,
        "seat-move",
        {"seat": in_setup.seat_of(member).pk, "direction": "down"},
    )
    assert messages_of(console) == []  # the new order is the answer
    assert order_on_console(console) == ["Maya Reel", "Strange Dylan", "Carla Commish", "Player 1"]


def test_give_a_seat_to_a_member_without_one(in_setup, outsider, commissioner_client):
    services.join_league(user=outsider, league=in_setup.league, token=in_setup.league.invite_token)
    olaf = Membership.objects.get(league=in_setup.league, user=outsider)
    console = commissioner_client.get(manage_url(in_setup))
    assert "Give a seat to Olaf Outside" in text(console)

    console = do(commissioner_client, in_setup, "seat-add", {"membership": olaf.pk})

    assert messages_of(console) == ["Olaf Outside takes seat 5."]
    assert order_on_console(console)[-1] == "Olaf Outside"


def test_remove_a_seat(in_setup, commissioner_client):
    player = in_setup.seats[3]
    console = do(commissioner_client, in_setup, "seat-remove", {"seat": player.pk})
    assert messages_of(console) == ["Seat removed."]
    assert order_on_console(console) == ["Strange Dylan", "Maya Reel", "Carla Commish"]


def test_randomise_the_order(in_setup, commissioner_client):
    console = do(commissioner_client, in_setup, "randomize")
    assert messages_of(console) == ["Order randomised."]
    order = order_on_console(console)
    assert sorted(order) == ["Carla Commish", "Maya Reel", "Player 1", "Strange Dylan"]
    event = DraftEvent.objects.filter(draft=in_setup.draft).first()
    assert event.summary == "Order randomised: " + ", ".join(order)


def test_add_a_category(in_setup, commissioner_client):
    console = do(
        commissioner_client,
        in_setup,
        "category-add",
        {"new-name": "Comedy", "new-genres": ["Comedy"], "new-max_runtime": "100"},
    )
    assert messages_of(console) == ["Category Comedy added."]
    assert categories_on_console(console)[-1] == (
        "Round 4: Comedy genre: Comedy; at most 100 minutes"
    )


def test_edit_a_category(in_setup, commissioner_client):
    horror = in_setup.categories[0]
    prefix = f"cat{horror.pk}"
    console = do(
        commissioner_client,
        in_setup,
        "category-save",
        {
            "category": horror.pk,
            f"{prefix}-name": "Slashers",
            f"{prefix}-genres": ["Horror"],
            f"{prefix}-year_min": "1974",
            f"{prefix}-year_max": "1996",
        },
    )
    assert messages_of(console) == ["Category Slashers saved."]
    assert (
        categories_on_console(console)[0] == "Round 1: Slashers genre: Horror; released 1974–1996"
    )


def test_a_category_with_a_backwards_year_range_is_refused(in_setup, commissioner_client):
    before = state_of(in_setup)
    console = do(
        commissioner_client,
        in_setup,
        "category-add",
        {"new-name": "Odd", "new-year_min": "2000", "new-year_max": "1990"},
    )
    assert messages_of(console) == ["The earliest year must not be after the latest."]
    assert state_of(in_setup) == before


def test_remove_a_category(in_setup, commissioner_client):
    console = do(
        commissioner_client,
        in_setup,
        "category-remove",
        {"category": in_setup.categories[1].pk},
    )
    assert messages_of(console) == ["Category removed."]
    assert categories_on_console(console) == [
        "Round 1: Horror/Thriller genre: Horror or Thriller",
        "Round 2: Wildcard Any film",
    ]


def test_move_a_category(in_setup, commissioner_client):
    wildcard = in_setup.categories[2]
    console = do(
        commissioner_client, in_setup, "category-move", {"category": wildcard.pk, "direction": "up"}
    )
    assert messages_of(console) == []  # the new order is the answer
    heads = categories_on_console(console)
    assert heads[1].startswith("Round 2: Wildcard")
    assert heads[2].startswith("Round 3: Before 1980")


def test_draft_settings(in_setup, commissioner_client):
    console = do(
        commissioner_client,
        in_setup,
        "settings",
        {"name": "2021 Movie Draft", "order": "linear", "category_mode": "open_slots"},
    )
    assert messages_of(console) == ["Draft settings saved."]
    page = text(console)
    assert "Linear (same order every round)" in page
    assert "Open slots (each member fills every category once)" in page
    draft = in_setup.refresh()
    assert (draft.name, draft.order, draft.category_mode) == (
        "2021 Movie Draft",
        "linear",
        "open_slots",
    )


def test_clock_settings(live, commissioner_client):
    console = do(
        commissioner_client,
        live,
        "clock",
        {
            "pick_time": "2",
            "pick_time_unit": "hours",
            "first_round_unit": "minutes",
            "expiry_action": "skip",
        },
    )
    assert messages_of(console) == ["Clock settings saved."]
    assert "clock: 2 hours" in text(console)
    draft = live.refresh()
    assert (draft.pick_seconds, draft.expiry_action) == (7200, "skip")
    assert draft.clock_deadline is not None  # the pick on the clock now has a deadline

    before = state_of(live)
    console = do(
        commissioner_client,
        live,
        "clock",
        {
            "pick_time": "10",
            "pick_time_unit": "seconds",
            "first_round_unit": "minutes",
            "expiry_action": "skip",
        },
    )
    assert messages_of(console) == ["Pick time: A pick time runs from 30 seconds to 14 days."]
    assert state_of(live) == before


# Each setup-only action with data that would work before the start.
SETUP_ONLY = {
    "seat-move": lambda s: {"seat": s.seats[0].pk, "direction": "down"},
    "seat-remove": lambda s: {"seat": s.seats[3].pk},
    "seat-add": lambda s: {"membership": s.extra_membership.pk},
    "randomize": lambda s: {},
    "category-add": lambda s: {"new-name": "Comedy"},
    "category-save": lambda s: {
        "category": s.categories[0].pk,
        f"cat{s.categories[0].pk}-name": "Slashers",
    },
    "category-remove": lambda s: {"category": s.categories[0].pk},
    "category-move": lambda s: {"category": s.categories[0].pk, "direction": "down"},
    "settings": lambda s: {"name": "Renamed", "order": "linear", "category_mode": "per_round"},
}


@pytest.mark.parametrize("action", SETUP_ONLY)
def test_setup_only_actions_are_refused_once_the_draft_has_started(
    action, live, outsider, commissioner_client
):
    services.join_league(user=outsider, league=live.league, token=live.league.invite_token)
    live.extra_membership = Membership.objects.get(league=live.league, user=outsider)
    before = state_of(live)

    console = do(commissioner_client, live, action, SETUP_ONLY[action](live))

    assert messages_of(console) == [
        "The draft has started: its order, categories and settings are frozen."
    ]
    assert state_of(live) == before


# --- Query count -----------------------------------------------------------------------------

# session · user · draft + league · membership · seats + members + users · categories ·
# picks + films · skipped slots · the league's members (for "Give a seat to")
CONSOLE_QUERIES = 9


@pytest.mark.parametrize("size", ["4x3", "16x20"])
def test_the_console_costs_the_same_queries_whatever_the_size(
    size, commissioner, member, other_member, django_assert_num_queries
):
    setup, _ = sized_draft(size, commissioner, member, other_member)
    client = Client()
    client.force_login(commissioner)

    with django_assert_num_queries(CONSOLE_QUERIES):
        response = client.get(manage_url(setup))

    assert response.status_code == 200
    half = len(setup.seats) * len(setup.categories) // 2
    assert f"{half} of {half * 2} picks" in text(response)
    assert len(order_on_console(response)) == len(setup.seats)


def test_the_console_search_adds_a_fixed_number_of_queries(
    commissioner, member, other_member, django_assert_num_queries
):
    setup, _ = sized_draft("16x20", commissioner, member, other_member)
    client = Client()
    client.force_login(commissioner)
    with CaptureQueriesContext(connection) as plain:
        client.get(manage_url(setup))

    # The plain console, then the films that match and the picks of those films.
    with django_assert_num_queries(len(plain) + 2):
        response = client.get(manage_url(setup), {"q": "big film"})

    assert "Taken by" in text(response)
