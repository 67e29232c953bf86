"""When requests fail, in a real browser: the board says "Connection lost, retrying…" in its live
region, polls less and less often while the server is away, and picks up again by itself; a
pick refused by a server whose database is down says it was not confirmed; the 503 page comes
back by itself."""

import re
import time
from unittest import mock

import pytest
from django.db import OperationalError
from playwright.sync_api import expect

from draft.services.picks import make_pick
from tests.browser.conftest import assert_accessible, log_in
from tests.browser.test_board import open_board
from tests.draft.factories import four_by_three, make_movie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLL = re.compile(r".*/\?v=\d+.*")


@pytest.fixture(autouse=True)
def fast_polling(settings):
    settings.BOARD_POLL_SECONDS = 0.5


@pytest.fixture
def live_draft(commissioner, member, other_member):
    """A live 4 × 3 board: Strange Dylan is on the clock at 1.01 (Horror/Thriller)."""
    return four_by_three(commissioner, [member, other_member]).draft


@pytest.fixture
def halloween():
    return make_movie("Halloween", 1978, ["Horror"], 91)


def test_the_board_says_the_connection_is_lost_backs_off_and_comes_back(
    live_server,
    page,
    live_draft,
    member,
    other_member,
    halloween,
):
    log_in(page, live_server, member)
    open_board(page, live_server, live_draft)
    polls = []
    page.on("request", lambda request: POLL.match(request.url) and polls.append(time.monotonic()))

    # The network drops every poll.
    page.route(POLL, lambda route: route.abort("internetdisconnected"))
    expect(page.locator("#net-status")).to_have_text("Connection lost, retrying…")
    polls.clear()
    page.wait_for_timeout(4_000)
    # At the normal pace (0.5 s) that would be 8 polls; backing off (1, 2, 4 s…) it is a few.
    assert 1 <= len(polls) <= 4, polls
    assert_accessible(page, context="connection lost")

    # Strange Dylan picks from his phone meanwhile; the network comes back and the board
    # catches up by itself.
    make_pick(draft_id=live_draft.pk, user=member, movie_id=halloween.pk, expected_slot=1)
    page.unroute(POLL)
    expect(page.locator("#net-status")).to_have_text("Connection restored.", timeout=20_000)
    expect(page.locator("#board-grid .cell__title", has_text="Halloween")).to_be_visible()
    assert page.evaluate("window.stillTheSamePage === true"), "the board reloaded"
    # The note goes away once it has been read, and the normal pace is back.
    expect(page.locator("#net-status")).to_be_empty(timeout=10_000)
    polls.clear()
    page.wait_for_timeout(2_000)
    assert len(polls) >= 3, polls


def watch_net_status(page):
    """Everything the status line says, in order: the board's next poll may well bring the
    connection back before an assertion could look at the line."""
    page.evaluate(
        """() => {
        const region = document.getElementById("net-status");
        window.netSaid = [];
        new MutationObserver(() => window.netSaid.push(region.textContent)).observe(
            region, { childList: true, subtree: true, characterData: true });
    }"""
    )


def test_a_pick_the_server_could_not_save_says_it_was_not_saved(
    live_server,
    page,
    live_draft,
    member,
    halloween,
):
    """The database fails under the pick (503): the page asks the board what became of it and
    says it was not saved, with the form to pick again."""
    log_in(page, live_server, member)
    open_board(page, live_server, live_draft)
    page.get_by_label("Search films").fill("Halloween")
    expect(page.get_by_role("radio", name=re.compile("^Halloween"))).to_be_checked()
    watch_net_status(page)
    with mock.patch("draft.views.board.make_pick", side_effect=OperationalError("server closed")):
        page.get_by_role("button", name="Draft this film").click()
        page.wait_for_function(
            """() => window.netSaid.some(said => said.includes("Connection lost, retrying…")
                && said.includes("checking whether it was saved"))"""
        )
    panel = page.locator("#pick-panel")
    expect(panel.get_by_role("alert")).to_have_text(
        "Your pick of Halloween (1978) was not saved: no answer came back. Pick again."
    )
    assert_accessible(page, context="pick not saved")

    page.get_by_label("Search films").fill("Halloween")
    expect(page.get_by_role("radio", name=re.compile("^Halloween"))).to_be_checked()
    page.get_by_role("button", name="Draft this film").click()
    expect(page.locator("#board-grid .cell__title", has_text="Halloween")).to_be_visible()
    expect(page.get_by_text("You picked Halloween (1978) at 1.01.")).to_be_visible()


def test_a_pick_saved_whose_answer_was_lost_is_shown_as_saved(
    live_server,
    page,
    live_draft,
    member,
    halloween,
):
    """Issue 16, finding 10: the server saved the pick, but its answer never reached the
    browser (here the route is aborted once the server has answered). The member was told it
    failed, and a retry said "You already picked…". Now the page asks, and says it was saved."""
    log_in(page, live_server, member)
    open_board(page, live_server, live_draft)
    page.get_by_label("Search films").fill("Halloween")
    expect(page.get_by_role("radio", name=re.compile("^Halloween"))).to_be_checked()
    watch_net_status(page)

    def saved_but_lost(route):
        if route.request.method != "POST":
            return route.continue_()
        answer = route.fetch()  # the server makes the pick and answers…
        assert answer.status == 200
        route.abort("connectionreset")  # …and the answer is lost on the way

    page.route("**/pick/**", saved_but_lost)
    page.route("**/pick/", saved_but_lost)
    page.get_by_role("button", name="Draft this film").click()
    expect(page.locator("#board-flash")).to_have_text(
        "Your pick of Halloween (1978) was saved at 1.01."
    )
    expect(page.locator("#board-grid .cell__title", has_text="Halloween")).to_be_visible()
    expect(page.get_by_role("heading", name="Your seat")).to_be_visible()
    assert page.evaluate(
        "window.netSaid.some(said => said.includes('checking whether it was saved'))"
    )
    assert_accessible(page, context="pick saved, answer lost")


def test_the_unavailable_page_comes_back_by_itself(live_server, page):
    with (
        mock.patch("config.errors.RETRY_AFTER_SECONDS", 1),
        mock.patch(
            "reviews.views.selectors.live_drafts", side_effect=OperationalError("server closed")
        ),
    ):
        response = page.goto(live_server.url + "/")
        assert response.status == 503
        expect(
            page.get_by_role("heading", name="Moviedraft is briefly unavailable")
        ).to_be_visible()
        assert_accessible(page, context="503")
        page.evaluate("window.stillTheSamePage = true")
        page.wait_for_timeout(2_500)  # it asked again, and the database was still away
        assert page.evaluate("window.stillTheSamePage === true")
    expect(page.get_by_role("heading", name="Your league's movie draft, live.")).to_be_visible(
        timeout=15_000
    )
    assert_accessible(page, context="back")


def test_a_search_that_fails_says_the_connection_is_lost_and_nothing_more(
    live_server, page, live_draft, member, halloween
):
    log_in(page, live_server, member)
    open_board(page, live_server, live_draft)
    # The network is down: the search fails, and so do the board's polls meanwhile (a poll
    # that got through would rightly say the connection is back).
    down = re.compile(r".*/(search/|\?v=|\?.*&v=).*")
    page.route(down, lambda route: route.abort("connectionreset"))

    page.get_by_label("Search films").fill("Halloween")

    # A search changes nothing: no "not confirmed" warning, just the connection.
    expect(page.locator("#net-status")).to_have_text("Connection lost, retrying…")
    assert_accessible(page, context="search failed")
    page.unroute(down)
    expect(page.locator("#net-status")).to_have_text("Connection restored.", timeout=20_000)
