"""The whole story in three browsers: a commissioner signs up, makes a league and invites two
friends; they sign up through the invite; a snake draft is set up, started, picked through live,
corrected with an undo, finished and downloaded."""

import csv
import re

import pytest
from playwright.sync_api import expect

from draft.models import Movie
from tests.browser.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-fine-long-passphrase"
LIVE = 5_000  # a poll (0.5 s here) and a swap, with room for a slow machine

CATEGORIES = ["Romance/Holiday/Animation", "Horror", "Wildcard"]
CATALOG = [
    ("Her", 2013, ["Romance", "Drama"]),
    ("The Holiday", 2006, ["Romance", "Comedy"]),
    ("Paddington 2", 2017, ["Family", "Animation"]),
    ("The Thing", 1982, ["Horror", "Sci-Fi"]),
    ("Alien", 1979, ["Horror", "Sci-Fi"]),
    ("The Shining", 1980, ["Horror"]),
    ("Heat", 1995, ["Crime", "Thriller"]),
    ("Arrival", 2016, ["Sci-Fi", "Drama"]),
    ("Holiday Inn", 1942, ["Musical", "Romance"]),
]
YEARS = {title: year for title, year, _ in CATALOG}


@pytest.fixture(autouse=True)
def fast_polling(settings):
    settings.BOARD_POLL_SECONDS = 0.5


@pytest.fixture
def catalog():
    """The film catalog is the site's data, not part of the journey."""
    for title, year, genres in CATALOG:
        Movie.objects.create(title=title, year=year, genres=genres, runtime=110)


def sign_up(page, username, name=""):
    page.get_by_label("Username").fill(username)
    page.get_by_label("Your name").fill(name)
    page.get_by_label("Email").fill(f"{username}@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()


def grid_cell(page, text):
    """The grid cell of a film (by its title) or of an open slot (by its number, "2.01")."""
    name = page.locator(".cell__title, .cell__label").filter(
        has_text=re.compile(rf"^{re.escape(text)}$")
    )
    return page.locator("table.grid td").filter(has=name)


def pick(page, title, label):
    """The member on the clock searches for `title` and drafts it at `label`."""
    expect(page.get_by_role("heading", name=f"Your pick: {label}")).to_be_visible(timeout=LIVE)
    search = page.get_by_label("Search films")
    search.fill(title)
    search.press("Enter")
    film = page.get_by_role("radio", name=re.compile(rf"^{re.escape(title)} \("))
    expect(film).to_be_enabled()
    results = page.get_by_role("group", name="Films found")
    results.get_by_text(re.compile(rf"^{re.escape(title)} \(")).click()
    expect(film).to_be_checked()
    page.get_by_role("button", name="Draft this film").click()
    expect(page.get_by_text(f"You picked {title} ({YEARS[title]}) at {label}.")).to_be_visible()


def test_a_league_drafts_from_sign_up_to_download(live_server, new_page, catalog):
    url = live_server.url

    # The commissioner signs up and creates the league.
    carla = new_page(permissions=["clipboard-read", "clipboard-write"])
    carla.goto(url + "/")
    assert_accessible(carla)
    carla.get_by_role("navigation", name="Site").get_by_role("link", name="Sign up").click()
    assert_accessible(carla)
    sign_up(carla, "carla")
    expect(carla.get_by_text("Welcome to Moviedraft, carla")).to_be_visible()
    carla.get_by_role("navigation", name="Site").get_by_role("link", name="Leagues").click()
    assert_accessible(carla)
    carla.get_by_role("link", name="Create a league").click()
    assert_accessible(carla)
    carla.get_by_label("Name").fill("Film Bloggers")
    carla.get_by_label("Description").fill("Six bloggers, one draft a year.")
    carla.get_by_role("button", name="Create the league").click()
    expect(carla.get_by_text("Film Bloggers is ready.")).to_be_visible()
    assert_accessible(carla)
    invite = carla.get_by_label("Invite link")
    invite.select_text()
    carla.keyboard.press("ControlOrMeta+C")
    invite_url = carla.evaluate("navigator.clipboard.readText()")
    assert invite_url.startswith(url + "/leagues/film-bloggers/join/")

    # Two friends follow the invite link and sign up on the way, with the name the board shows:
    # the sign-up joins the league, no second step.
    friends = {}
    for username, board_name in [("dylan", "Strange Dylan"), ("maya", "Maya Reel")]:
        friend = new_page()
        friend.goto(invite_url)
        expect(friend.get_by_role("heading", name="Join Film Bloggers")).to_be_visible()
        assert_accessible(friend, context="signed out")
        friend.get_by_role("link", name="Sign up and join").click()
        assert_accessible(friend)
        sign_up(friend, username, board_name)
        expect(friend.get_by_text("Welcome to Film Bloggers!")).to_be_visible()
        expect(friend.get_by_text(f"{board_name} (you)")).to_be_visible()
        assert_accessible(friend)
        friends[board_name] = friend
    dylan, maya = friends["Strange Dylan"], friends["Maya Reel"]

    # The commissioner sets up a 3-round snake draft; everyone is seated in join order.
    carla.reload()
    members = carla.get_by_role("region", name="Members")
    expect(members.get_by_role("listitem")).to_have_count(3)
    carla.get_by_role("link", name="New draft").click()
    assert_accessible(carla)
    carla.get_by_label("Name").fill("2021 Movie Draft")
    carla.get_by_label("Order").select_option(label="Snake (order reverses every round)")
    carla.get_by_label("Category mode").select_option(label="One category per round")
    carla.get_by_label("Categories").fill("\n".join(CATEGORIES))
    carla.get_by_role("button", name="Create the draft").click()
    expect(carla.get_by_role("heading", level=1, name="Commissioner console")).to_be_visible()
    assert_accessible(carla, context="setup")
    order = carla.get_by_role("region", name="Draft order").get_by_role("listitem")
    expect(order).to_have_text(
        [re.compile(name) for name in ["carla", "Strange Dylan", "Maya Reel"]]
    )
    for n, category in enumerate(CATEGORIES, start=1):
        expect(carla.get_by_text(f"Round {n}: {category}")).to_be_visible()

    # It is started from the console, through a confirmation page.
    carla.get_by_role("link", name="Start the draft…").click()
    expect(carla.get_by_role("heading", name="Start the draft?")).to_be_visible()
    assert_accessible(carla)
    carla.get_by_role("button", name="Start the draft").click()
    expect(carla.get_by_text("The draft is live.")).to_be_visible()
    expect(carla.get_by_text("Waiting for carla — Round 1, Pick 1.")).to_be_visible()

    # Everyone opens the board.
    carla.get_by_role("link", name="Open the board").click()
    assert_accessible(carla)
    for friend in (dylan, maya):
        friend.reload()
        friend.get_by_role("link", name="2021 Movie Draft").click()
        expect(friend.get_by_role("heading", name="Your seat")).to_be_visible()
        assert_accessible(friend)
    pages = {"carla": carla, "Strange Dylan": dylan, "Maya Reel": maya}

    def pick_and_see_it_everywhere(who, title, label):
        pick(pages[who], title, label)
        for page in pages.values():
            expect(grid_cell(page, title)).to_contain_text(label, timeout=LIVE)

    snake = [
        ("carla", "The Holiday", "1.01"),
        ("Strange Dylan", "Her", "1.02"),
        ("Maya Reel", "Paddington 2", "1.03"),
        ("Maya Reel", "The Thing", "2.01"),  # the snake turns: Maya picks twice in a row
        ("Strange Dylan", "Alien", "2.02"),
        ("carla", "The Shining", "2.03"),
        ("carla", "Heat", "3.01"),
        ("Strange Dylan", "Arrival", "3.02"),
        ("Maya Reel", "Holiday Inn", "3.03"),
    ]
    for who, title, label in snake[:5]:
        pick_and_see_it_everywhere(who, title, label)
    expect(carla.get_by_role("heading", name="Your pick: 2.03")).to_be_visible(timeout=LIVE)
    carla.screenshot(path="/tmp/journey-board-midway.png", full_page=True)

    # The commissioner undoes 2.02 from the console; the slot is back on the clock everywhere.
    carla.get_by_role("link", name="Commissioner console").click()
    expect(carla.get_by_text("Waiting for carla — Round 2, Pick 3.")).to_be_visible()
    carla.get_by_role("link", name="Undo 2.02 Alien…").click()
    expect(carla.get_by_role("heading", name="Undo the last pick?")).to_be_visible()
    expect(carla.get_by_text("2.02: Strange Dylan — Alien (1979)")).to_be_visible()
    assert_accessible(carla)
    carla.get_by_role("button", name="Undo the pick").click()
    expect(carla.get_by_text("Undone: 2.02 Alien (1979).")).to_be_visible()
    expect(carla.get_by_text("Waiting for Strange Dylan — Round 2, Pick 2.")).to_be_visible()
    for page in (dylan, maya):
        expect(grid_cell(page, "2.02")).to_contain_text("On the clock", timeout=LIVE)
        expect(grid_cell(page, "Alien")).to_have_count(0)
    expect(dylan.get_by_role("heading", name="Your pick: 2.02")).to_be_visible()
    expect(dylan.get_by_text("You picked Alien")).to_have_count(0)  # no longer true
    expect(maya.locator(".banner")).to_contain_text("Strange Dylan")
    dylan.screenshot(path="/tmp/journey-after-undo.png", full_page=True)
    carla.get_by_role("link", name="Open the board").click()
    expect(carla.get_by_role("heading", name="Your seat")).to_be_visible()

    # The pick is made again (the film is free again), and the draft runs to the end.
    for who, title, label in snake[4:]:
        pick_and_see_it_everywhere(who, title, label)
    for page in pages.values():
        expect(page.get_by_role("heading", name="Draft complete")).to_be_visible(timeout=LIVE)
        expect(page.get_by_role("button", name="Draft this film")).to_have_count(0)
    assert_accessible(carla, context="complete")
    carla.screenshot(path="/tmp/journey-complete.png", full_page=True)

    # The commissioner downloads the picks.
    with carla.expect_download() as download_info:
        carla.get_by_role("link", name="Download CSV").click()
    download = download_info.value
    assert download.suggested_filename == "2021-movie-draft.csv"
    with open(download.path(), newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [
        (r["overall"], f"{r['round']}.{int(r['pick_in_round']):02d}", r["member"], r["category"],
         r["movie_title"], r["movie_year"])
        for r in rows
    ] == [
        (str(n), label, who, CATEGORIES[int(label[0]) - 1], title, str(YEARS[title]))
        for n, (who, title, label) in enumerate(snake, start=1)
    ]  # fmt: skip
