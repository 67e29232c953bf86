"""Two members trade the pick on the clock during a live draft, in the browser (issue 21): the
boards, the console and both members' pick panels follow without a reload."""

import pytest
from django.db import connection
from playwright.sync_api import expect

from draft.models import Movie
from draft.services.setup import CategorySpec
from tests.browser.conftest import PHONE, assert_accessible, log_in, start_live_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STREAMS = connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def polling(settings):
    settings.BOARD_POLL_SECONDS = 0.5


@pytest.fixture
def room(commissioner, member, other_member):
    """Strange Dylan on the clock at 1.01, Maya Reel next (1.02, 2.02), then Carla."""
    for title, year in [("Her", 2013), ("Alien", 1979), ("Arrival", 2016)]:
        Movie.objects.create(title=title, year=year, genres=["Drama"], runtime=110)
    return start_live_draft(
        commissioner, (member, other_member), [CategorySpec("Any"), CategorySpec("Wildcard")]
    )


def open_board(page, server, draft):
    page.goto(server.url + draft.get_absolute_url())
    expect(page.get_by_role("heading", level=1, name=draft.name)).to_be_visible()
    if STREAMS:
        expect(page.locator("html[data-streaming]")).to_have_count(1)
    assert_accessible(page)


def test_two_members_trade_the_pick_on_the_clock_and_every_board_follows(
    asgi_server, new_page, room, member, other_member, commissioner
):
    dylan, maya, console = new_page(), new_page(), new_page()
    for page, user in ((dylan, member), (maya, other_member), (console, commissioner)):
        log_in(page, asgi_server, user)
    open_board(dylan, asgi_server, room)
    open_board(maya, asgi_server, room)
    console.goto(asgi_server.url + room.get_absolute_url() + "manage/")
    state = console.locator("#console-state").get_by_role("heading")
    expect(state).to_have_text("Waiting for Strange Dylan — Round 1, Pick 1.")
    if STREAMS:
        expect(console.locator("html[data-streaming]")).to_have_count(1)
    assert_accessible(console)
    expect(dylan.get_by_role("heading", name="Your pick: 1.01")).to_be_visible()

    # Dylan proposes his 1.01 for Maya's 2.02 on the trade page (a tab of its own).
    offer = new_page()
    log_in(offer, asgi_server, member)
    offer.goto(asgi_server.url + room.get_absolute_url() + "trades/")
    assert_accessible(offer)
    offer.get_by_label("Trade with").select_option(label="Maya Reel")
    offer.get_by_role("button", name="Show their picks").click()
    offer.get_by_role("group", name="You give").get_by_label("1.01").check()
    offer.get_by_role("group", name="Maya Reel gives").get_by_label("2.02").check()
    offer.get_by_label("Message (optional)").fill("Take my first pick <b>now</b>?")
    offer.get_by_role("button", name="Propose the trade").click()
    expect(
        offer.get_by_text("Proposal sent: Strange Dylan's 1.01 for Maya Reel's 2.02.")
    ).to_be_visible()
    assert_accessible(offer)

    answer = new_page(viewport=PHONE)
    log_in(answer, asgi_server, other_member)
    answer.goto(asgi_server.url + room.get_absolute_url() + "trades/")
    expect(answer.get_by_text("Take my first pick <b>now</b>?")).to_be_visible()
    assert_accessible(answer)
    widths = answer.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1]
    answer.get_by_role("button", name="Accept").click()
    expect(
        answer.get_by_text("Trade done: Strange Dylan's 1.01 for Maya Reel's 2.02.")
    ).to_be_visible()
    assert_accessible(answer)

    # The open boards follow: Maya has the pick form, Dylan's is gone, the console waits for
    # Maya, the cell says whose pick it is, the chat has the trade's line.
    expect(maya.get_by_role("heading", name="Your pick: 1.01")).to_be_visible()
    expect(dylan.get_by_role("heading", name="Your pick: 1.01")).to_have_count(0)
    expect(state).to_have_text("Waiting for Maya Reel — Round 1, Pick 1.")
    expect(dylan.locator("#board-flash")).to_contain_text(
        "Trade: Strange Dylan's 1.01 for Maya Reel's 2.02."
    )
    for page in (dylan, maya):
        expect(page.locator("#chat-lines")).to_contain_text(
            "Trade: Strange Dylan's 1.01 for Maya Reel's 2.02"
        )
        expect(page.locator("#board-grid")).to_contain_text("Strange Dylan via Maya Reel")
    for page in (dylan, maya, console):
        assert_accessible(page)
    answer.screenshot(path="/tmp/trades-phone.png", full_page=True)
    offer.screenshot(path="/tmp/trades-laptop.png", full_page=True)


@pytest.mark.parametrize("review", ["commissioner", "veto"])
def test_next_seasons_picks_trade_under_the_leagues_review(
    live_server, new_page, commissioner, member, other_member, review
):
    """Before next season's draft: Dylan offers his round-2 pick for Maya's round-3; Maya
    accepts; a commissioner approves it, or Carla, in the veto window, vetoes it."""
    from draft.models import League
    from draft.services.seasons import start_next_season
    from tests.draft.factories import four_by_three, play_picks

    first = four_by_three(commissioner, [member, other_member], name="2021 Movie Draft")
    play_picks(first, 12)
    League.objects.filter(pk=first.league.pk).update(trade_review=review)
    draft = start_next_season(league=first.league, actor=commissioner, name="2022 Movie Draft")
    url = live_server.url + draft.get_absolute_url() + "trades/"

    dylan = new_page()
    log_in(dylan, live_server, member)
    dylan.goto(live_server.url + draft.get_absolute_url())
    assert_accessible(dylan)
    dylan.get_by_role("link", name="Trades").click()
    expect(dylan.get_by_role("heading", name="Trades", level=1)).to_be_visible()
    assert_accessible(dylan)
    dylan.get_by_label("Trade with").select_option(label="Maya Reel")
    dylan.get_by_role("button", name="Show their picks").click()
    dylan.get_by_role("group", name="You give").get_by_label("Round 2").check()
    dylan.get_by_role("group", name="Maya Reel gives").get_by_label("Round 3").check()
    dylan.get_by_role("button", name="Propose the trade").click()
    expect(dylan.get_by_text("Proposal sent")).to_be_visible()
    assert_accessible(dylan)

    maya = new_page(viewport=PHONE)
    log_in(maya, live_server, other_member)
    maya.goto(url)
    maya.get_by_role("button", name="Accept").click()
    expect(maya.get_by_role("heading", name="Waiting for review")).to_be_visible()
    assert_accessible(maya)

    carla = new_page(color_scheme="dark")
    log_in(carla, live_server, commissioner)
    carla.goto(url)
    assert_accessible(carla)
    if review == "commissioner":
        carla.get_by_role("button", name="Approve").click()
        expect(carla.get_by_text("Trade approved")).to_be_visible()
        expect(carla.get_by_role("region", name="Maya Reel's picks")).to_contain_text(
            "Round 2 (Strange Dylan's)"
        )
    else:
        carla.get_by_role("button", name="Veto").click()
        expect(carla.get_by_text("Your veto is in, and the trade is stopped.")).to_be_visible()
        expect(carla.locator(".trade-list").last).to_contain_text("Vetoed")
    assert_accessible(carla)
    carla.screenshot(path=f"/tmp/trades-{review}-dark.png", full_page=True)
