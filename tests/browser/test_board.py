"""The live board in real browsers: two members on one board, the pick panel, phone widths,
and picking with the keyboard alone."""

import re

import pytest
from playwright.sync_api import expect

from draft.models import Movie
from draft.services.picks import make_pick
from draft.services.setup import CategorySpec
from tests.browser.conftest import PHONE, assert_accessible, log_in, start_live_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Long enough for a poll (0.5 s in these tests) and a swap on a slow CI machine.
LIVE = 5_000

FILMS = [
    ("Her", 2013, ["Romance", "Drama", "Sci-Fi"]),
    ("Holiday Inn", 1942, ["Musical", "Holiday", "Romance"]),
    ("The Holiday", 2006, ["Romance", "Comedy", "Holiday"]),
    ("Heat", 1995, ["Crime", "Thriller"]),
    ("Alien", 1979, ["Horror", "Sci-Fi"]),
    ("Arrival", 2016, ["Sci-Fi", "Drama"]),
    ("The Thing", 1982, ["Horror", "Sci-Fi"]),
    ("The Shining", 1980, ["Horror"]),
    ("Paddington 2", 2017, ["Family", "Comedy", "Animation"]),
]


@pytest.fixture(autouse=True)
def fast_polling(settings):
    settings.BOARD_POLL_SECONDS = 0.5


@pytest.fixture
def films():
    return {
        title: Movie.objects.create(title=title, year=year, genres=genres, runtime=110)
        for title, year, genres in FILMS
    }


@pytest.fixture
def live_draft(commissioner, member, other_member, films):
    """A live 3-round snake draft: Strange Dylan (member) is on the clock, then Maya Reel
    (other_member), then Carla Commish (commissioner)."""
    draft = start_live_draft(
        commissioner,
        (member, other_member),
        [
            CategorySpec("Romance/Holiday/Animation"),
            CategorySpec("Horror", genres=("Horror",)),
            CategorySpec("Wildcard"),
        ],
    )
    return draft


def open_board(page, live_server, draft, *, context=""):
    page.goto(live_server.url + draft.get_absolute_url())
    expect(page.get_by_role("heading", level=1, name=draft.name)).to_be_visible()
    assert_accessible(page, context=context)
    # Marks this document: if the page reloads, the mark is gone.
    page.evaluate("window.stillTheSamePage = true")


def search_for(query):
    return lambda response: "/search/?" in response.url and f"q={query}" in response.url


def assert_not_reloaded(page):
    assert page.evaluate("window.stillTheSamePage === true"), "the board reloaded"


def grid_cell(page, text):
    """The grid cell of a film (by its title) or of an open slot (by its number, "2.01")."""
    name = page.locator(".cell__title, .cell__label").filter(
        has_text=re.compile(rf"^{re.escape(text)}$")
    )
    return page.locator("table.grid td").filter(has=name)


def test_a_pick_in_one_browser_appears_live_in_another(
    live_server, new_page, live_draft, member, other_member
):
    dylan = new_page()
    log_in(dylan, live_server, member)
    open_board(dylan, live_server, live_draft)
    maya = new_page()
    log_in(maya, live_server, other_member)
    open_board(maya, live_server, live_draft)

    # Maya is not on the clock: she is told when her pick comes, and has no pick form.
    expect(maya.get_by_role("heading", name="Your seat")).to_be_visible()
    expect(maya.get_by_text("Your next pick is 1.02")).to_be_visible()
    expect(maya.get_by_label("Search films")).to_have_count(0)
    expect(maya.get_by_role("button", name="Draft this film")).to_have_count(0)
    banner = maya.locator(".banner")
    expect(banner).to_contain_text("On the clock")
    expect(banner).to_contain_text("Strange Dylan")
    expect(banner).to_contain_text("Round 1, Pick 1")

    # Dylan is: the panel says so. Drafting before choosing a film is refused in the panel.
    expect(dylan.get_by_role("heading", name="Your pick: 1.01")).to_be_visible()
    dylan.get_by_role("button", name="Draft this film").click()
    expect(dylan.get_by_role("alert")).to_have_text("Choose a film from the catalog.")
    expect(dylan.locator("#pick-panel")).to_have_count(1)
    expect(grid_cell(dylan, "1.01")).to_contain_text("On the clock")

    # Search runs as he types, without a reload.
    expect(dylan.locator(".banner")).to_contain_text("(you)")
    # (Typing may pause long enough to search "hol" first; the last search answers last.)
    with dylan.expect_response(search_for("holi")):
        dylan.get_by_label("Search films").press_sequentially("holi", delay=20)
    results = dylan.get_by_role("group", name="Films found")
    expect(results.get_by_text("Holiday Inn")).to_be_visible()
    expect(results.get_by_text("The Holiday")).to_be_visible()
    expect(results.get_by_text("Heat")).to_have_count(0)
    # How many were found is said politely, from a status line that stays in place.
    found = results.locator("li").count()
    expect(dylan.locator("#pick-panel [role=status][data-results-status]")).to_have_text(
        f"{found} films found for “holi”."
    )
    assert_not_reloaded(dylan)
    dylan.screenshot(path="/tmp/board-search-desktop.png", full_page=True)

    results.get_by_text("The Holiday").click()
    expect(dylan.get_by_role("radio", name="The Holiday")).to_be_checked()
    dylan.get_by_role("button", name="Draft this film").click()
    expect(dylan.get_by_text("You picked The Holiday (2006) at 1.01.")).to_be_visible()
    expect(grid_cell(dylan, "The Holiday")).to_be_visible()
    expect(dylan.get_by_role("heading", name="Your seat")).to_be_visible()
    expect(dylan.get_by_role("button", name="Draft this film")).to_have_count(0)
    assert_not_reloaded(dylan)

    # Maya's board shows the pick and hands her the pick panel, with no reload.
    expect(grid_cell(maya, "The Holiday")).to_be_visible(timeout=LIVE)
    expect(maya.get_by_role("heading", name="Your pick: 1.02")).to_be_visible(timeout=LIVE)
    expect(maya.get_by_label("Search films")).to_be_visible()
    expect(maya.locator(".banner")).to_contain_text("Maya Reel")
    expect(grid_cell(maya, "1.02")).to_contain_text("On the clock")
    expect(maya.locator(".recent")).to_contain_text("The Holiday")
    assert_not_reloaded(maya)
    assert_accessible(maya, context="after a live update")
    maya.screenshot(path="/tmp/board-live-desktop.png", full_page=True)

    # Her pick comes back to Dylan's board the same way; his panel stays closed (1.02 is
    # not his), and a film already taken shows who took it.
    with maya.expect_response(search_for("the")):
        maya.get_by_label("Search films").press_sequentially("the", delay=20)
    taken = maya.get_by_role("radio", name="The Holiday")
    expect(taken).to_be_disabled()
    expect(maya.get_by_text("Taken by Strange Dylan at 1.01")).to_be_visible()
    maya.get_by_role("group", name="Films found").get_by_text("The Thing").click()
    maya.get_by_role("button", name="Draft this film").click()
    expect(maya.get_by_text("You picked The Thing (1982) at 1.02.")).to_be_visible()
    expect(grid_cell(dylan, "The Thing")).to_be_visible(timeout=LIVE)
    expect(dylan.get_by_text("Your next pick is 2.03")).to_be_visible()
    expect(dylan.locator(".banner")).to_contain_text("Carla Commish")
    assert_not_reloaded(dylan)
    assert_not_reloaded(maya)


@pytest.mark.parametrize("viewport", [PHONE, None], ids=["phone", "desktop"])
def test_the_board_and_the_console_are_accessible_and_fit_the_screen(
    live_server, new_page, live_draft, member, other_member, commissioner, films, viewport
):
    # A few picks in, so the board has filled cells, empty cells and a cell on the clock.
    for user, title in [(member, "Her"), (other_member, "Heat"), (commissioner, "Arrival")]:
        make_pick(draft_id=live_draft.pk, user=user, movie_id=films[title].pk, expected_slot=None)
    width = (viewport or {}).get("width")
    label = "phone" if viewport else "desktop"
    page = new_page(viewport=viewport) if viewport else new_page()
    log_in(page, live_server, commissioner)

    open_board(page, live_server, live_draft, context=label)
    expect(page.locator(".banner")).to_contain_text("Carla Commish")
    expect(grid_cell(page, "2.01")).to_contain_text("On the clock")
    page.screenshot(path=f"/tmp/board-{label}.png", full_page=True)
    page.get_by_label("Search films").fill("the")
    # A film that breaks the round's rule cannot be chosen; the first that fits is.
    expect(page.get_by_role("radio", name=re.compile("^The Holiday"))).to_be_disabled()
    expect(page.get_by_text("Does not fit: it is not Horror")).to_be_visible()
    expect(page.get_by_role("radio", name=re.compile("^The Shining"))).to_be_checked()
    assert_accessible(page, context=f"{label}, with search results")
    page.screenshot(path=f"/tmp/board-{label}-results.png", full_page=True)
    if not width:
        # Dark mode has its own colours: they must pass too.
        page.emulate_media(color_scheme="dark")
        assert_accessible(page, context="dark")
        page.screenshot(path="/tmp/board-dark.png", full_page=True)
        page.emulate_media(color_scheme="light")
    else:
        assert_fits(page, width)
        # The grid scrolls sideways inside its own box, its header row and first column stay.
        grid = page.get_by_role("region", name="Draft board grid, scrolls sideways")
        assert grid.evaluate("el => el.scrollWidth > el.clientWidth")
        grid.scroll_into_view_if_needed()
        grid.evaluate("el => el.scrollTo(el.scrollWidth, el.scrollHeight)")
        expect(page.get_by_role("columnheader", name="Carla Commish")).to_be_in_viewport()
        grid_box = grid.bounding_box()
        first_seat_box = page.get_by_role("columnheader", name="Strange Dylan").bounding_box()
        assert first_seat_box["x"] < grid_box["x"], "the grid did not scroll sideways"
        assert (
            page.locator(".grid thead th").first.evaluate("el => getComputedStyle(el).position")
            == "sticky"
        ), "the header row does not stick"
        for sticky in [
            page.get_by_role("columnheader", name="Round"),
            page.get_by_role("rowheader").first,
        ]:
            expect(sticky).to_be_in_viewport()
            assert abs(sticky.bounding_box()["x"] - grid_box["x"]) < 3, "the round column scrolled"
        page.screenshot(path=f"/tmp/board-{label}-scrolled.png", full_page=True)
        # On a phone, top to bottom: who is on the clock, the pick panel, the bar of links to
        # the rest, the grid, the recent picks (then the chat).
        tops = [
            page.locator(selector).bounding_box()["y"]
            for selector in [".banner", "#pick-panel", ".board-jump", ".grid-scroll", ".recent"]
        ]
        assert tops == sorted(tops), f"phone layout out of order: {tops}"

    page.get_by_role("link", name="Commissioner console").click()
    expect(page.get_by_role("heading", level=1, name="Commissioner console")).to_be_visible()
    expect(page.get_by_text("Waiting for Carla Commish — Round 2, Pick 1")).to_be_visible()
    assert_accessible(page, context=label)
    page.screenshot(path=f"/tmp/console-{label}.png", full_page=True)
    if width:
        assert_fits(page, width)

    page.get_by_role("link", name="Undo 1.03 Arrival…").click()
    expect(page.get_by_role("heading", name="Undo the last pick?")).to_be_visible()
    assert_accessible(page, context=label)
    page.screenshot(path=f"/tmp/undo-confirm-{label}.png", full_page=True)
    # A destructive button looks like one.
    undo = page.get_by_role("button", name="Undo the pick")
    assert background_of(undo) == colour_of(page, "--error")
    if width:
        assert_fits(page, width)


def background_of(locator):
    return locator.evaluate("el => getComputedStyle(el).backgroundColor")


def colour_of(page, custom_property):
    """A colour custom property of the stylesheet, as the browser computes colours."""
    return page.evaluate(
        """name => {
            const probe = document.createElement("div");
            probe.style.backgroundColor = `var(${name})`;
            document.body.append(probe);
            const colour = getComputedStyle(probe).backgroundColor;
            probe.remove();
            return colour;
        }""",
        custom_property,
    )


def assert_fits(page, width):
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} scrolls sideways ({scroll_width}px > {width}px)"


def test_a_member_picks_with_the_keyboard_alone(live_server, new_page, live_draft, member):
    page = new_page()
    log_in(page, live_server, member)
    open_board(page, live_server, live_draft)
    search = page.get_by_label("Search films")

    # From the top of the page, Tab reaches the search box.
    for _ in range(30):
        page.keyboard.press("Tab")
        if search.evaluate("el => el === document.activeElement"):
            break
    expect(search).to_be_focused()
    # Enter searches at once (results also arrive as you type), without a reload.
    with page.expect_response(search_for("the")):
        page.keyboard.type("the")
        page.keyboard.press("Enter")
    # Titles that start with the words typed come first, in alphabetical order.
    radios = page.get_by_role("group", name="Films found").get_by_role("radio")
    expect(radios).to_have_count(3)
    first = page.get_by_role("radio", name="The Holiday")
    second = page.get_by_role("radio", name="The Shining")
    expect(radios.first).to_have_accessible_name(re.compile("^The Holiday"))

    # Tab past the search button to the results: the first film is chosen and focused.
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Search", exact=True)).to_be_focused()
    page.keyboard.press("Tab")
    expect(first).to_be_focused()
    expect(first).to_be_checked()
    page.screenshot(path="/tmp/board-keyboard.png")

    # The arrow keys move the choice; Enter drafts it.
    page.keyboard.press("ArrowDown")
    expect(second).to_be_focused()
    expect(second).to_be_checked()
    expect(first).not_to_be_checked()
    page.keyboard.press("Enter")
    expect(page.get_by_text("You picked The Shining (1980) at 1.01.")).to_be_visible()
    expect(grid_cell(page, "The Shining")).to_be_visible()
    expect(page.get_by_role("heading", name="Your seat")).to_be_visible()
    assert_not_reloaded(page)
    # The pick is announced, and focus lands on the panel that says what comes next rather
    # than dropping back to the top of the page.
    expect(page.get_by_role("status").filter(has_text="You picked")).to_have_count(1)
    expect(page.get_by_role("heading", name="Your seat")).to_be_focused()


def test_a_pick_by_keyboard_on_the_button_keeps_focus_in_the_panel(
    live_server, new_page, live_draft, member
):
    page = new_page()
    log_in(page, live_server, member)
    open_board(page, live_server, live_draft)
    with page.expect_response(search_for("the")):
        page.get_by_label("Search films").fill("the")
    expect(page.get_by_role("radio", name="The Holiday")).to_be_checked()

    # The button is disabled while the pick is on its way, which takes focus off it: when the
    # answer comes, focus goes to the panel that says what comes next, not to <body>.
    button = page.get_by_role("button", name="Draft this film")
    button.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("You picked The Holiday (2006) at 1.01.")).to_be_visible()
    expect(page.get_by_role("heading", name="Your seat")).to_be_focused()
    assert page.evaluate("document.activeElement !== document.body")
    assert_not_reloaded(page)
    assert_accessible(page)


# --- The board on real screens -------------------------------------------------------------

SCREENS = [
    ("laptop", {"width": 1366, "height": 768}, "light"),
    ("laptop", {"width": 1366, "height": 768}, "dark"),
    ("tablet", {"width": 1024, "height": 768}, "light"),
    ("tablet", {"width": 768, "height": 1024}, "dark"),
    ("phone", PHONE, "light"),
    ("phone", PHONE, "dark"),
]


@pytest.mark.parametrize(("screen", "size", "scheme"), SCREENS)
def test_a_twelve_seat_board_fits_a_laptop_and_the_pick_comes_first_on_a_phone(
    screen, size, scheme, live_server, browser, commissioner, member
):
    """The defects: at 1366 px an 8-seat board showed four and a half seats, and at 390 px the
    grid came after the chat, far down the page."""
    from tests.draft.factories import four_by_three, play_picks

    setup = four_by_three(commissioner, [member], seats=12, movies=60, rounds=6, categories=None)
    play_picks(setup, 11)  # the twelfth seat is on the clock
    on_clock = setup.user_on_clock()
    context = browser.new_context(viewport=size, color_scheme=scheme)
    page = context.new_page()
    try:
        log_in(page, live_server, on_clock)
        page.goto(live_server.url + setup.draft.get_absolute_url())
        grid = page.locator(".grid-scroll")
        expect(grid).to_be_visible()
        assert_accessible(page, context=f"{screen} {scheme}")
        widths = page.evaluate("() => [document.documentElement.scrollWidth, window.innerWidth]")
        assert widths[0] <= widths[1], f"the page scrolls sideways: {widths}"
        search = page.get_by_label("Search films")
        if screen == "laptop":
            scroll, client = grid.evaluate("el => [el.scrollWidth, el.clientWidth]")
            assert scroll <= client, f"the grid scrolls sideways: {scroll} > {client}"
            for seat in setup.seats:
                expect(
                    page.locator(".grid thead").get_by_text(seat.display_name, exact=True)
                ).to_be_in_viewport()
        elif screen == "tablet":
            # Between the two the grid may scroll inside its box, never the page.
            expect(search).to_be_in_viewport()
        else:
            # The member on the clock: the banner and the pick form before anything else.
            expect(search).to_be_in_viewport()
            expect(page.locator(".banner")).to_be_in_viewport()
            assert page.locator("#pick-panel").bounding_box()["y"] < grid.bounding_box()["y"]
            page.get_by_role("navigation", name="On this page").get_by_role(
                "link", name="Chat"
            ).click()
            expect(page.locator("#chat")).to_be_in_viewport()
        page.screenshot(path=f"/tmp/board-12-{size['width']}-{scheme}.png")
    finally:
        context.close()
