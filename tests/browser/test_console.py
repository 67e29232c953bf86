"""The commissioner console in real browsers: a refused action keeps what was typed, the console
follows the board live, and the console, the pick page and the blogger page fit a phone."""

import re

import pytest
from django.db import connection
from django.urls import reverse
from playwright.sync_api import expect

from draft.models import Movie
from draft.services.picks import make_pick
from draft.services.setup import CategorySpec
from reviews.models import BloggerProfile
from reviews.services import save_writeup
from tests.browser.conftest import assert_accessible, log_in, start_live_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STREAMS = connection.vendor == "postgresql"
LIVE = 5_000
SMALL_PHONE = {"width": 320, "height": 640}
PHONE = {"width": 390, "height": 844}


@pytest.fixture(autouse=True)
def fast_polling(settings):
    settings.BOARD_POLL_SECONDS = 0.5


@pytest.fixture
def films():
    return {
        title: Movie.objects.create(title=title, year=year, genres=genres, runtime=110)
        for title, year, genres in [
            ("Her", 2013, ["Romance", "Drama", "Sci-Fi"]),
            ("Alien", 1979, ["Horror", "Sci-Fi"]),
            ("The Thing", 1982, ["Horror", "Sci-Fi"]),
            ("The Holiday", 2006, ["Romance", "Comedy", "Holiday"]),
        ]
    }


@pytest.fixture
def room(commissioner, member, other_member, films):
    """A live snake draft: Strange Dylan on the clock at 1.01, then Maya Reel, then Carla
    Commish (the commissioner). Round 1 is Horror, round 2 Wildcard."""
    draft = start_live_draft(
        commissioner,
        (member, other_member),
        [CategorySpec("Horror", genres=("Horror",)), CategorySpec("Wildcard")],
    )
    return draft


def console_url(draft) -> str:
    return reverse("draft:manage", args=[draft.league.slug, draft.slug])


def open_console(page, server, draft):
    page.goto(server.url + console_url(draft))
    expect(page.get_by_role("heading", level=1, name="Commissioner console")).to_be_visible()
    assert_accessible(page)
    page.evaluate("window.stillTheSamePage = true")


def open_live_console(page, server, draft, commissioner):
    """The commissioner's console, following the board (over the stream where there is one)."""
    log_in(page, server, commissioner)
    open_console(page, server, draft)
    if STREAMS:
        expect(page.locator("html[data-streaming]")).to_have_count(1)
    return page


def assert_fits(page, width):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    inner = page.evaluate("window.innerWidth")
    assert scroll_width <= inner == width, f"{page.url} scrolls sideways ({scroll_width}px)"


def test_a_refused_console_pick_keeps_the_typed_search(
    live_server, new_page, room, commissioner, films
):
    page = new_page()
    log_in(page, live_server, commissioner)
    open_console(page, live_server, room)
    behalf = page.locator("#console-behalf")
    expect(behalf.get_by_role("heading")).to_have_text("Pick for Strange Dylan (1.01)")
    # Side by side on a desktop, the short order card is as tall as its content, not
    # stretched into an empty box beside the long clock form.
    order = page.locator("#console-order").bounding_box()
    clock = page.get_by_role("region", name="Pick clock").bounding_box()
    assert order["y"] == clock["y"] and order["height"] < clock["height"] / 2

    page.get_by_label("Search films").fill("her")
    page.get_by_role("button", name="Search", exact=True).click()
    page.get_by_text("Her (2013)").click()
    expect(page.get_by_text("Does not fit: it is not Horror")).to_be_visible()
    page.get_by_role("button", name="Pick for Strange Dylan").click()

    # Refused (it does not fit and the ruling box was not ticked): the console says why,
    # beside the search, which still holds what was typed and the film that was chosen.
    expect(behalf.get_by_role("alert")).to_contain_text("Her (2013) does not fit Horror")
    expect(page.get_by_label("Search films")).to_have_value("her")
    expect(page.get_by_role("radio", name=re.compile("^Her"))).to_be_checked()
    assert_accessible(page)
    page.screenshot(path="/tmp/shots/console-refused.png", full_page=True)

    # Ticking the ruling box is all that is left to do.
    page.get_by_label("Approve it even if it does not fit").check()
    page.get_by_role("button", name="Pick for Strange Dylan").click()
    expect(
        page.get_by_text("Picked Her (2013) at 1.01 for Strange Dylan as a ruling.")
    ).to_be_visible()
    assert_accessible(page)


def test_the_console_follows_the_board_without_a_reload(
    asgi_server, new_page, room, commissioner, member, films
):
    page = open_live_console(new_page(), asgi_server, room, commissioner)
    state = page.locator("#console-state")
    expect(state.get_by_role("heading")).to_have_text(
        "Waiting for Strange Dylan — Round 1, Pick 1."
    )

    make_pick(draft_id=room.pk, user=member, movie_id=films["Alien"].pk, expected_slot=1)

    expect(state.get_by_role("heading")).to_have_text(
        "Waiting for Maya Reel — Round 1, Pick 2.", timeout=LIVE
    )
    expect(state.get_by_role("link", name="Undo 1.01 Alien…")).to_be_visible()
    expect(page.locator("#console-behalf").get_by_role("heading")).to_have_text(
        "Pick for Maya Reel (1.02)"
    )
    expect(page.locator("#console-status")).to_contain_text("1 of 6 picks")
    assert page.evaluate("window.stillTheSamePage === true"), "the console reloaded"
    assert_accessible(page)


def test_a_search_being_typed_survives_a_live_refresh(
    asgi_server, new_page, room, commissioner, member, films
):
    """The commissioner is typing a search for the pick on behalf when a member picks: the
    console moves on to the next member, and what was typed stays in the box, with the focus."""
    page = open_live_console(new_page(), asgi_server, room, commissioner)
    search = page.get_by_label("Search films")
    search.fill("the th")
    search.focus()

    make_pick(draft_id=room.pk, user=member, movie_id=films["Alien"].pk, expected_slot=1)

    expect(page.locator("#console-behalf").get_by_role("heading")).to_have_text(
        "Pick for Maya Reel (1.02)", timeout=LIVE
    )
    expect(search).to_have_value("the th")
    expect(search).to_be_focused()
    assert page.evaluate("window.stillTheSamePage === true"), "the console reloaded"
    assert_accessible(page)


@pytest.mark.parametrize("viewport", [PHONE, SMALL_PHONE], ids=["390", "320"])
def test_the_console_the_pick_page_and_the_blogger_page_fit_a_phone(
    live_server, new_page, room, commissioner, member, films, viewport
):
    pick = make_pick(
        draft_id=room.pk, user=member, movie_id=films["Alien"].pk, expected_slot=1
    ).pick
    # A writeup and a profile with long words and addresses, as real ones have.
    save_writeup(
        pick=pick,
        actor=member,
        body="Alien is a haunted-house-in-space masterpiece. Read more at "
        "https://strange-dylan.example.com/reviews/2021/alien-ridley-scott-director-s-cut/ "
        "— *Nostromo* forever.",
        publish=True,
    )
    BloggerProfile.objects.update_or_create(
        user=member,
        defaults={
            "blog_name": "Strange Dylan's Extraordinarily Long Cinema Notebook",
            "blog_url": "https://strange-dylan.example.com/a/very/long/path/to/the/blog/",
            "bio": "Writes about Nosferatu-era-to-now horror-and-science-fiction cinema.",
        },
    )
    page = new_page(viewport=viewport)
    log_in(page, live_server, commissioner)
    width = viewport["width"]

    open_console(page, live_server, room)
    page.get_by_label("Search films").fill("the")
    page.get_by_role("button", name="Search", exact=True).click()
    expect(page.get_by_role("radio", name=re.compile("^The Thing"))).to_be_visible()
    assert_accessible(page)
    assert_fits(page, width)
    page.screenshot(path=f"/tmp/shots/console-{width}.png", full_page=True)

    for path in [pick.get_absolute_url(), reverse("reviews:blogger", args=[member.username])]:
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        assert_accessible(page)
        assert_fits(page, width)
        name = "pick" if "round-" in path else "blogger"
        page.screenshot(path=f"/tmp/shots/{name}-{width}.png", full_page=True)


def test_picking_on_behalf_in_open_slots_follows_the_chosen_category(
    live_server, new_page, commissioner, member, other_member, films
):
    draft = start_live_draft(
        commissioner,
        (member, other_member),
        [CategorySpec("Horror", genres=("Horror",)), CategorySpec("Wildcard")],
        league_name="Open League",
        name="Open Draft",
        category_mode="open_slots",
    )
    page = new_page()
    log_in(page, live_server, commissioner)
    open_console(page, live_server, draft)
    page.get_by_label("Search films").fill("her")
    page.get_by_role("button", name="Search", exact=True).click()
    # The first category Strange Dylan has not filled is chosen; Her does not fit it.
    expect(page.get_by_label("Category", exact=True)).to_have_value(
        str(draft.categories.first().pk)
    )
    expect(page.get_by_text("Does not fit: it is not Horror")).to_be_visible()
    page.evaluate("window.stillTheSamePage = true")

    page.get_by_label("Category", exact=True).select_option(label="Wildcard — Any film")

    expect(page.get_by_role("button", name="Pick for Strange Dylan in Wildcard")).to_be_visible()
    expect(page.locator(".result__flag")).to_have_count(0)
    assert page.evaluate("window.stillTheSamePage === true"), "the console reloaded"
    assert_accessible(page)
    page.get_by_text("Her (2013)").click()
    page.get_by_role("button", name="Pick for Strange Dylan in Wildcard").click()
    expect(page.get_by_text("Picked Her (2013) at 1.01 for Strange Dylan.")).to_be_visible()
    assert_accessible(page)
