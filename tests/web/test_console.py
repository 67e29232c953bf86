"""The commissioner console: every action with the message it shows, confirmation pages for the
destructive ones, setup-only actions refused once the draft runs, and its query count.

The draft is the 4 × 3 snake board of tests/web/conftest.py (Strange Dylan, Maya Reel, Carla
Commish, Player 1; rounds Horror/Thriller, Before 1980, Wildcard). Carla is the commissioner.
"""

import random
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from draft.models import Category, Draft, DraftEvent, League, Membership, Pick, Seat, SkippedSlot
from draft.services import picks as picks_services
from draft.services import setup as setup_services
from draft.services.leagues import join_league
from draft.services.picks import skip_on_clock
from draft.services.setup import open_season
from tests.draft.factories import four_by_three, make_draft, pick_on_clock
from tests.web.conftest import (
    HTMX,
    action_url,
    board_of,
    element,
    html_of,
    manage_url,
    sized_draft,
    text,
)

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


def refused(client, setup, action, data=None):
    """Post a console action that is refused: the console comes back at once (200, no
    redirect), with what was typed still in its forms."""
    response = client.post(action_url(setup, action), data or {})
    assert response.status_code == 200
    assert response.templates[0].name == "draft/manage.html"
    assert not messages_of(response)
    return response


def errors_of(response) -> list[str]:
    """The refusals the console shows, beside the form or block they belong to."""
    html = html_of(response)
    alerts = re.findall(r'<p class="form-error" role="alert">(.*?)</p>', html, re.S)
    lists = re.findall(r'<ul class="errorlist[^"]*"[^>]*>(.*?)</ul>', html, re.S)
    return [" ".join(text(a).split()) for a in alerts + lists]


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
    return picks_services.make_pick(
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
    console = refused(commissioner_client, live, "skip", {"slot": slot})
    assert errors_of(console) == ["The board has moved on: that pick is no longer on the clock."]
    assert state_of(live) == before


def test_undo_carries_the_pick_from_its_confirmation_page(live, films, member, commissioner_client):
    pick = make_pick(live, member, films["halloween"], 1)
    confirm = commissioner_client.get(action_url(live, "undo"))
    assert "1.01: Strange Dylan — Halloween (1978) in Horror/Thriller" in text(confirm)
    assert hidden(confirm, "act") == str(pick.version)

    console = do(commissioner_client, live, "undo", {"act": hidden(confirm, "act")})

    assert messages_of(console) == ["Undone: 1.01 Halloween (1978)."]
    assert "Waiting for Strange Dylan — Round 1, Pick 1." in text(console)
    assert not Pick.objects.filter(draft=live.draft).exists()


def test_undo_of_a_skip_from_the_console(live, commissioner_client):
    skip_on_clock(draft_id=live.draft.pk, actor=live.commissioner, expected_slot=1)
    console = commissioner_client.get(manage_url(live))
    assert "Undo the skip of Strange Dylan (1.01)…" in text(console)
    confirm = commissioner_client.get(action_url(live, "undo"))
    assert "Undo the last skip?" in text(confirm)
    assert "1.01: Strange Dylan was skipped and owes the pick" in text(confirm)

    console = do(commissioner_client, live, "undo", {"act": hidden(confirm, "act")})

    assert messages_of(console) == ["Undone: the skip. That pick is on the clock again."]
    assert "Waiting for Strange Dylan — Round 1, Pick 1." in text(console)
    assert not SkippedSlot.objects.filter(draft=live.draft).exists()


def test_undo_from_a_stale_confirmation_page_undoes_nothing(
    live, films, member, other_member, commissioner_client
):
    make_pick(live, member, films["halloween"], 1)
    confirm = commissioner_client.get(action_url(live, "undo"))
    make_pick(live, other_member, films["psycho"], 2)  # the board moves on meanwhile
    before = state_of(live)

    console = refused(commissioner_client, live, "undo", {"act": hidden(confirm, "act")})

    assert errors_of(console) == [
        "The board has changed since you asked to undo. Nothing was undone: "
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
        live.draft = Draft.objects.create(
            league=live.league, season=open_season(live.league), name="Next Year", slug="next-year"
        )
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
    assert "Does not fit: it is not Horror or Thriller" in text(console)

    console = refused(commissioner_client, live, "pick", {**data, "q": "her"})
    assert errors_of(console) == [
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
    assert "Her 2013 · 1.01 · ruling" in text(board_of(board))


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
    # A league that gives out its seats itself: a newcomer is not seated on joining.
    League.objects.filter(pk=in_setup.league.pk).update(seat_new_members=False)
    in_setup.league.refresh_from_db()
    join_league(user=outsider, league=in_setup.league, token=in_setup.league.invite_token)
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
    console = refused(
        commissioner_client,
        in_setup,
        "category-add",
        {"new-name": "Odd", "new-year_min": "2000", "new-year_max": "1990"},
    )
    assert errors_of(console) == ["The earliest year must not be after the latest."]
    # The form comes back open, as it was filled in.
    assert 'name="new-name" value="Odd"' in html_of(console)
    assert 'name="new-year_min" value="2000"' in html_of(console)
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
    console = refused(
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
    assert errors_of(console) == ["A pick time runs from 30 seconds to 14 days."]
    assert 'name="pick_time" value="10"' in html_of(console)
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
    join_league(user=outsider, league=live.league, token=live.league.invite_token)
    live.extra_membership = Membership.objects.get(league=live.league, user=outsider)
    before = state_of(live)

    console = refused(commissioner_client, live, action, SETUP_ONLY[action](live))

    assert errors_of(console) == [
        "The draft has started: its order, categories and settings are frozen."
    ]
    assert state_of(live) == before


# --- Query count -----------------------------------------------------------------------------

# session · user · draft + league · membership · seats + members + users · categories ·
# picks + films · skipped slots · slot holders · the league's members (for "Give a seat to") ·
# the last trade (what an undo would take back, when it is the last act)
CONSOLE_QUERIES = 11


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
    client.get(manage_url(setup))  # the draft's state for this version is loaded once
    with CaptureQueriesContext(connection) as plain:
        client.get(manage_url(setup))

    # The plain console, then the films that match and the picks of those films.
    with django_assert_num_queries(len(plain) + 2):
        response = client.get(manage_url(setup), {"q": "big film"})

    assert "Taken by" in text(response)


# --- Refusals keep what was typed ------------------------------------------------------------


def test_a_refused_pick_keeps_the_search_the_film_and_the_override(
    live, films, member, commissioner_client
):
    seat = live.seat_of(member)
    make_pick(live, member, films["halloween"], 1)  # the board moves on: 1.01 is filled

    console = refused(
        commissioner_client,
        live,
        "pick",
        {"seat": seat.pk, "slot": 1, "movie": films["psycho"].pk, "q": "psycho", "override": "1"},
    )

    assert len(errors_of(console)) == 1
    behalf = element(console, "console-behalf")
    assert 'name="q" value="psycho"' in behalf
    assert f'value="{films["psycho"].pk}" id="behalf-movie-{films["psycho"].pk}" checked' in behalf
    assert 'id="behalf-override" name="override" value="1" checked' in behalf
    assert not Pick.objects.filter(draft=live.draft, movie=films["psycho"]).exists()


# --- Open slots: the member's own categories -------------------------------------------------


@pytest.fixture
def open_slots(commissioner, member, other_member, films):
    """The same four members, linear, open slots. Everybody has made one pick; Strange Dylan,
    on the clock at 2.01, filled Horror/Thriller with Halloween."""
    setup = four_by_three(
        commissioner,
        [member, other_member],
        category_mode=Draft.CategoryMode.OPEN_SLOTS,
        order=Draft.Order.LINEAR,
        movies=12,
    )
    setup.movies = [*films.values(), *setup.movies]
    picks_services.make_pick(
        draft_id=setup.draft.pk,
        user=member,
        movie_id=films["halloween"].pk,
        expected_slot=1,
        category_id=setup.categories[0].pk,
    )
    for film in setup.movies[6:9]:  # generated films, not the named ones
        pick_on_clock(setup, film, category=setup.categories[2])
    return setup


def options_of(html: str, select_id: str) -> list[tuple[str, bool]]:
    select = re.search(rf'<select id="{select_id}".*?</select>', html, re.S)[0]
    return [
        (" ".join(text(label).split()), " selected" in attrs)
        for attrs, label in re.findall(r"<option([^>]*)>(.*?)</option>", select, re.S)
    ]


def test_a_pick_on_behalf_in_open_slots_offers_only_the_categories_left(
    open_slots, films, member, commissioner_client
):
    console = commissioner_client.get(manage_url(open_slots), {"q": "her"})

    assert "Pick for Strange Dylan (2.01)" in text(console)
    assert options_of(html_of(console), "behalf-category") == [
        ("Before 1980 — released 1979 or earlier", True),
        ("Wildcard — Any film", False),
    ]
    # The flag the member's own board shows, for the chosen category.
    assert "Her (2013) Does not fit: it was released in 2013, after 1979" in text(console)
    before_1980 = open_slots.categories[1]
    assert hidden(console, "category") == str(before_1980.pk)
    assert "Pick for Strange Dylan in Before 1980" in text(console)

    wildcard = open_slots.categories[2]
    console = commissioner_client.get(manage_url(open_slots), {"q": "her", "category": wildcard.pk})
    assert options_of(html_of(console), "behalf-category")[1] == ("Wildcard — Any film", True)
    assert "Does not fit" not in text(console)

    console = do(
        commissioner_client,
        open_slots,
        "pick",
        {"seat": open_slots.seat_of(member).pk, "slot": 5, "movie": films["her"].pk,
         "category": wildcard.pk},
    )  # fmt: skip
    assert messages_of(console) == ["Picked Her (2013) at 2.01 for Strange Dylan."]


# --- Seats ----------------------------------------------------------------------------------


def test_removing_a_seat_asks_first(in_setup, commissioner_client):
    player = in_setup.seats[3]
    console = commissioner_client.get(manage_url(in_setup))
    ask = f"{action_url(in_setup, 'seat-remove')}?seat={player.pk}"
    assert f'href="{ask}"' in html_of(console)
    before = state_of(in_setup)

    confirm = commissioner_client.get(ask)

    assert confirm.status_code == 200
    assert "Remove Player 1 from the draft?" in text(confirm)
    assert hidden(confirm, "seat") == str(player.pk)
    assert state_of(in_setup) == before
    console = do(commissioner_client, in_setup, "seat-remove", {"seat": hidden(confirm, "seat")})
    assert messages_of(console) == ["Seat removed."]


def test_randomising_two_seats_says_when_the_order_came_out_the_same(
    commissioner, member, commissioner_client, monkeypatch
):
    setup = make_draft(commissioner, [member], start=False)

    class Unlucky:
        def shuffle(self, x):
            pass

    monkeypatch.setattr(setup_services.random, "SystemRandom", Unlucky)
    console = do(commissioner_client, setup, "randomize")
    assert messages_of(console) == [
        "Randomised, and the order came out the same: Strange Dylan then Carla Commish. "
        "Press again to redraw."
    ]


def test_randomising_three_or_more_seats_always_changes_the_order(
    in_setup, commissioner_client, monkeypatch
):
    before = order_on_console(commissioner_client.get(manage_url(in_setup)))

    class FirstTimeUnlucky(random.Random):
        calls = 0

        def shuffle(self, x):
            self.calls += 1
            if self.calls > 1:
                super().shuffle(x)

    monkeypatch.setattr(setup_services.random, "SystemRandom", lambda: FirstTimeUnlucky(7))
    console = do(commissioner_client, in_setup, "randomize")
    assert messages_of(console) == ["Order randomised."]
    assert order_on_console(console) != before


# --- Live blocks ----------------------------------------------------------------------------


def live_url(setup) -> str:
    return reverse("draft:manage_live", args=[setup.league.slug, setup.draft.slug])


LIVE_BLOCKS = ["console-status", "console-state", "console-behalf", "console-order"]


def test_the_console_carries_the_live_room_and_one_address_for_its_live_blocks(
    live, films, member, commissioner_client
):
    version = live.refresh().version
    console = commissioner_client.get(manage_url(live), {"q": "night"})

    room = element(console, "console-room")
    assert 'data-events-url="' in room and 'data-live="' in room
    assert f'data-version="{version}"' in room
    refresh = re.search(r'<span id="console-live" hidden data-live-refresh="([^"]+)"', room)[1]
    # The version shown and the search travel with it.
    assert refresh.replace("&amp;", "&") == f"{live_url(live)}?v={version}&q=night&category=" + str(
        live.categories[0].pk
    )
    for block in LIVE_BLOCKS:
        assert f'id="{block}"' in html_of(console)


def test_the_live_blocks_answer_204_until_the_board_changes(
    live, films, member, commissioner_client
):
    version = live.refresh().version
    poll = commissioner_client.get(live_url(live), {"v": version}, **HTMX)
    assert poll.status_code == 204
    assert poll.content == b""

    make_pick(live, member, films["halloween"], 1)
    poll = commissioner_client.get(live_url(live), {"v": version, "q": "night"}, **HTMX)

    assert poll.status_code == 200
    html = html_of(poll)
    assert f"?v={version + 1}&amp;q=night" in element(html, "console-live")
    for block in LIVE_BLOCKS:
        assert 'hx-swap-oob="true"' in element(html, block).split(">", 1)[0]
    assert "Waiting for Maya Reel — Round 1, Pick 2." in text(element(html, "console-state"))
    assert "Undo 1.01 Halloween…" in text(element(html, "console-state"))
    assert "Pick for Maya Reel (1.02)" in text(element(html, "console-behalf"))
    assert 'value="night"' in element(html, "console-behalf")  # the search stays
    assert "1 of 12 picks" in text(element(html, "console-status"))


def test_a_console_poll_when_nothing_changed_costs_one_query_past_the_login(
    live, commissioner, django_assert_num_queries
):
    client = Client()
    client.force_login(commissioner)
    version = live.refresh().version
    # session · user · the draft's version (with the viewer's membership and the clock's due)
    with django_assert_num_queries(3):
        poll = client.get(live_url(live), {"v": version}, **HTMX)
    assert poll.status_code == 204


def test_live_blocks_are_for_commissioners_only(live, member_client, client):
    assert member_client.get(live_url(live)).status_code == 403
    assert client.get(live_url(live)).status_code == 302  # to the login page
