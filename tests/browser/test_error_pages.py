"""Error pages in a real browser: the member of a private league who follows the turn mail's
board link while logged out logs in from the 404 and lands on the board; the 405 page of a form
address leads back to its page."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.draft.factories import four_by_three, make_league, pick_on_clock
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def private(commissioner, member, other_member):
    league = make_league(commissioner, [member, other_member], name="Secret Club", is_public=False)
    return four_by_three(commissioner, [member, other_member], league=league)


def test_the_stranded_member_logs_in_from_the_404_and_reaches_the_board(
    live_server, page, private, member
):
    board = live_server.url + private.draft.get_absolute_url()

    response = page.goto(board)  # the link in "You're on the clock"

    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Log in to see this page, or check the address"
    )
    expect(page.get_by_role("link", name="Moviedraft home")).to_be_visible()
    assert_accessible(page, context="404")

    page.get_by_role("main").get_by_role("link", name="Log in").click()
    assert_accessible(page, context="login")
    page.get_by_label("Username").fill(member.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    expect(page).to_have_url(board)
    expect(page.get_by_role("heading", name=re.compile("Your pick: 1.01"))).to_be_visible()
    assert_accessible(page, context="board")


def test_a_form_address_opened_directly_leads_back_to_its_page(live_server, page, private, member):
    pick = pick_on_clock(private).pick
    page.goto(live_server.url + "/accounts/login/?next=" + pick.get_absolute_url())
    assert_accessible(page, context="login")
    page.get_by_label("Username").fill(member.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    assert_accessible(page, context="pick")

    response = page.goto(live_server.url + pick.get_absolute_url() + "comments/")

    assert response.status == 405
    expect(page.get_by_role("heading", name="This address only takes a form")).to_be_visible()
    assert_accessible(page, context="405")
    page.get_by_role("link", name="Back to the pick").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Test Draft — Round 1, Pick 1")
    assert_accessible(page, context="back on the pick")
