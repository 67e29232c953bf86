"""The live draft room in real browsers, served over ASGI as production serves it.

On PostgreSQL every open board follows a pick through the event stream within a second; on
SQLite (no LISTEN/NOTIFY) the same journey goes through polling. Either way the watchers hear
what happened, and the member who comes on the clock is told so.
"""

import re
import statistics
import time

import pytest
from django.db import connection
from playwright.sync_api import expect

from draft.models import Movie
from draft.services.chat import post_chat_message
from draft.services.leagues import create_league, join_league, update_league
from draft.services.picks import make_pick, skip_on_clock, undo_last
from draft.services.queue import queue_add
from draft.services.running import start_draft
from draft.services.setup import CategorySpec, create_draft
from tests.browser.conftest import assert_accessible, log_in, start_asgi_server, start_live_draft

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

STREAMS = connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def polling(settings):
    # Where the board polls (SQLite), it polls fast enough for a test.
    settings.BOARD_POLL_SECONDS = 0.5


@pytest.fixture
def room(commissioner, member, other_member):
    """A live draft: Strange Dylan (member) on the clock at 1.01, Maya Reel (other_member)
    next, then Carla (commissioner)."""
    for title, year, genres in [
        ("Her", 2013, ["Romance", "Drama"]),
        ("Alien", 1979, ["Horror", "Sci-Fi"]),
        ("Arrival", 2016, ["Sci-Fi", "Drama"]),
    ]:
        Movie.objects.create(title=title, year=year, genres=genres, runtime=110)
    draft = start_live_draft(
        commissioner, (member, other_member), [CategorySpec("Romance"), CategorySpec("Wildcard")]
    )
    return draft


def open_board(page, server, draft):
    page.goto(server.url + draft.get_absolute_url())
    expect(page.get_by_role("heading", level=1, name=draft.name)).to_be_visible()
    if STREAMS:
        # The page says it follows the stream once the stream has said it is ready.
        expect(page.locator("html[data-streaming]")).to_have_count(1)
    assert_accessible(page)


def test_a_pick_reaches_every_board_at_once_and_is_announced(
    asgi_server, new_page, room, member, other_member, commissioner
):
    """Dylan picks; Maya's board and a reader's show it within a second, the pick's line is
    in everyone's chat, and the commissioner's console moves on to Maya: no reloads."""
    dylan, maya, reader, console = new_page(), new_page(), new_page(), new_page()
    log_in(dylan, asgi_server, member)
    log_in(maya, asgi_server, other_member)
    log_in(console, asgi_server, commissioner)
    for page in (dylan, maya, reader):
        open_board(page, asgi_server, room)
    console.goto(asgi_server.url + room.get_absolute_url() + "manage/")
    console_state = console.locator("#console-state").get_by_role("heading")
    expect(console_state).to_have_text("Waiting for Strange Dylan — Round 1, Pick 1.")
    if STREAMS:
        expect(console.locator("html[data-streaming]")).to_have_count(1)
    assert_accessible(console)
    for page in (dylan, maya, reader, console):
        page.evaluate("window.stillTheSamePage = true")
    expect(dylan.locator(".banner")).to_contain_text("Strange Dylan (you)")
    expect(maya.locator(".banner")).not_to_contain_text("(you)")

    dylan.get_by_label("Search films").fill("her")
    dylan.get_by_text("Her (2013)").click()
    dylan.get_by_role("button", name="Draft this film").click()
    expect(dylan.locator("#board-flash")).to_contain_text("You picked Her (2013) at 1.01.")
    picked = time.monotonic()

    # Everyone else's board shows it without a reload: within a second through the stream.
    for page in (maya, reader):
        expect(page.locator("#board-grid .cell__title", has_text="Her")).to_be_visible()
    elapsed = time.monotonic() - picked
    assert elapsed < (1.0 if STREAMS else 3.0), f"the pick took {elapsed:.2f} s to arrive"

    # A watcher hears what happened; Maya hears that she is on the clock, and gets the form.
    expect(reader.locator("#board-flash")).to_have_text("Strange Dylan picked Her (2013) at 1.01.")
    if STREAMS:
        expect(maya.locator("#board-alert")).to_have_text(
            "You're on the clock: Round 1, Pick 2, Romance."
        )
    expect(maya.get_by_role("heading", name="Your pick: 1.02")).to_be_visible()
    expect(maya.locator(".banner")).to_contain_text("Maya Reel (you)")
    expect(dylan.locator(".banner")).not_to_contain_text("(you)")
    for page in (dylan, maya, reader):
        expect(page.locator("#chat-lines")).to_contain_text("1.01 Strange Dylan selects Her (2013)")
    expect(console_state).to_have_text("Waiting for Maya Reel — Round 1, Pick 2.")
    expect(
        console.locator("#console-state").get_by_role("link", name="Undo 1.01 Her…")
    ).to_be_visible()
    for page in (dylan, maya, reader, console):
        assert page.evaluate("window.stillTheSamePage") is True
        assert_accessible(page)
    maya.screenshot(path="/tmp/live-maya.png", full_page=True)


def test_a_board_catches_up_after_its_stream_was_cut(
    asgi_connections, new_page, room, member, other_member, commissioner
):
    """The server restarts while picks happen; the page reconnects and misses nothing."""
    server = start_asgi_server()
    port = int(server.url.rsplit(":", 1)[1])
    reader = new_page()
    open_board(reader, server, room)
    server.stop()

    her, alien = Movie.objects.get(title="Her"), Movie.objects.get(title="Alien")
    make_pick(draft_id=room.pk, user=member, movie_id=her.pk, expected_slot=1)
    make_pick(draft_id=room.pk, user=other_member, movie_id=alien.pk, expected_slot=2)

    server = start_asgi_server(port)
    try:
        for title in ("Her", "Alien"):
            expect(reader.locator("#board-grid .cell__title", has_text=title)).to_be_visible(
                timeout=15_000
            )
        expect(reader.locator(".banner")).to_contain_text("Carla Commish")
        if STREAMS:
            expect(reader.locator("html[data-streaming]")).to_have_count(1, timeout=15_000)
        assert_accessible(reader)
    finally:
        server.stop()


def test_the_chat_follows_on_every_board(
    asgi_server, new_page, room, member, other_member, commissioner
):
    """A message, a pick's line and a commissioner's delete reach every open board without a
    reload: at once through the stream; with the board's poll where there is none (a delete
    then shows at the next load)."""
    dylan, maya, carla = new_page(), new_page(), new_page()
    for page, user in ((dylan, member), (maya, other_member), (carla, commissioner)):
        log_in(page, asgi_server, user)
        open_board(page, asgi_server, room)
        page.evaluate("window.stillTheSamePage = true")

    message = dylan.get_by_role("textbox", name="Message")
    message.fill("Good luck, everyone")
    message.press("Enter")
    for page in (dylan, maya, carla):
        expect(page.locator("#chat-lines")).to_contain_text("Good luck, everyone")

    her = Movie.objects.get(title="Her")
    make_pick(draft_id=room.pk, user=member, movie_id=her.pk, expected_slot=1)
    for page in (dylan, maya, carla):
        expect(page.locator("#chat-lines")).to_contain_text("1.01 Strange Dylan selects Her (2013)")
        assert page.evaluate("window.stillTheSamePage") is True

    carla.get_by_role("button", name="Delete the message from Strange Dylan").click()
    expect(carla.locator("#chat-lines")).not_to_contain_text("Good luck, everyone")
    for page in (dylan, maya):
        if not STREAMS:
            page.reload()
        expect(page.locator("#chat-lines")).not_to_contain_text("Good luck, everyone")
        expect(page.locator("#chat-lines")).to_contain_text("Strange Dylan selects Her")
    for page in (dylan, maya, carla):
        assert_accessible(page, context="with the chat")


def test_a_pick_through_one_server_reaches_viewers_of_another_as_fast(
    app_servers, new_page, room, member, commissioner
):
    """Two app servers (separate processes, one database): a pick made through the first
    reaches a reader of the second as fast as a reader of the first, and neither server's
    render cache shows an old board afterwards."""
    first, second = app_servers(), app_servers()
    dylan, near, far = new_page(), new_page(), new_page()
    log_in(dylan, first, member)
    open_board(dylan, first, room)
    open_board(near, first, room)
    open_board(far, second, room)

    dylan.get_by_label("Search films").fill("her")
    dylan.get_by_text("Her (2013)").click()
    dylan.get_by_role("button", name="Draft this film").click()
    expect(dylan.locator("#board-flash")).to_contain_text("You picked Her (2013) at 1.01.")
    picked = time.monotonic()
    arrived = {}
    for name, page in (("near", near), ("far", far)):
        expect(page.locator("#board-grid .cell__title", has_text="Her")).to_be_visible()
        arrived[name] = time.monotonic() - picked
    limit = 1.0 if STREAMS else 3.0
    assert max(arrived.values()) < limit, f"arrival times {arrived}"
    expect(far.locator("#board-flash")).to_have_text("Strange Dylan picked Her (2013) at 1.01.")

    # Undone through the services (neither server): both servers' boards and fresh loads
    # show the undo; no cached grid holds the pick back.
    undo_last(draft_id=room.pk, actor=commissioner)
    for page in (dylan, near, far):
        expect(page.locator("#board-grid .cell__title", has_text="Her")).to_have_count(0)
    for base in (first, second):
        fresh = new_page()
        open_board(fresh, base, room)
        expect(fresh.locator("#board-grid .cell__title", has_text="Her")).to_have_count(0)
        expect(fresh.locator(".banner")).to_contain_text("Strange Dylan")


def test_the_queue_page_follows_the_draft(asgi_server, new_page, room, member, other_member):
    """Maya keeps her queue open: when Dylan takes a film she queued, the page says so, and
    that she is on the clock, without a reload (the stream; or asking the board on SQLite)."""
    her, alien = Movie.objects.get(title="Her"), Movie.objects.get(title="Alien")
    for film in (her, alien):
        queue_add(draft_id=room.pk, user=other_member, movie_id=film.pk)
    maya = new_page()
    log_in(maya, asgi_server, other_member)
    maya.goto(asgi_server.url + room.get_absolute_url() + "queue/")
    expect(maya.get_by_role("heading", level=1, name="My queue")).to_be_visible()
    expect(maya.locator(".queue-status")).to_have_text("Your next pick is 1.02, 1 pick away.")
    if STREAMS:
        expect(maya.locator("html[data-streaming]")).to_have_count(1)
    assert_accessible(maya)
    maya.evaluate("window.stillTheSamePage = true")

    make_pick(draft_id=room.pk, user=member, movie_id=her.pk, expected_slot=1)

    expect(maya.locator(".queue-status")).to_contain_text("You're on the clock at 1.02.")
    expect(maya.locator(".order-item", has_text="Her")).to_contain_text(
        "Sniped by Strange Dylan at 1.01"
    )
    expect(maya.locator(".order-item", has_text="Alien")).not_to_contain_text("Sniped")
    assert maya.evaluate("window.stillTheSamePage") is True
    assert_accessible(maya, context="after the pick")


def test_a_refresh_in_the_background_leaves_the_buttons_as_they_are(
    asgi_server, new_page, room, other_member
):
    """While the queue page asks for its refreshed part, its buttons keep their look (they
    used to fade to 60 % every few seconds, below a readable contrast); a form whose own
    request is on its way still fades its button."""
    maya = new_page()
    log_in(maya, asgi_server, other_member)
    maya.goto(asgi_server.url + room.get_absolute_url() + "queue/")
    assert_accessible(maya)
    button = "#queue-live form .button[type=submit]"
    opacity = f"getComputedStyle(document.querySelector('{button}')).opacity"
    maya.evaluate("document.querySelector('#queue-live').classList.add('htmx-request')")
    assert maya.evaluate(opacity) == "1"
    maya.evaluate(
        f"document.querySelector('{button}').closest('form').classList.add('htmx-request')"
    )
    assert maya.evaluate(opacity) == "0.6"


def test_a_deploy_closes_streams_in_time_and_boards_miss_nothing(
    app_servers, new_page, room, member, other_member
):
    """A deploy: SIGTERM to the server while boards follow its streams. The open streams are
    closed before the graceful timeout (the server does not wait to be killed); picks made
    meanwhile reach the board when it reconnects to the restarted server."""
    server = app_servers(GRACEFUL_TIMEOUT="4")
    reader = new_page()
    open_board(reader, server, room)

    took = server.stop()
    assert took < 4, f"the server took {took:.1f} s to stop (its streams held it)"

    her, alien = Movie.objects.get(title="Her"), Movie.objects.get(title="Alien")
    make_pick(draft_id=room.pk, user=member, movie_id=her.pk, expected_slot=1)
    make_pick(draft_id=room.pk, user=other_member, movie_id=alien.pk, expected_slot=2)
    app_servers(port=server.port)

    for title in ("Her", "Alien"):
        expect(reader.locator("#board-grid .cell__title", has_text=title)).to_be_visible(
            timeout=15_000
        )
    if STREAMS:
        expect(reader.locator("html[data-streaming]")).to_have_count(1, timeout=15_000)
    assert_accessible(reader, context="after the restart")


def test_a_seat_holder_the_pick_does_not_concern_fetches_nothing(
    asgi_server, new_page, room, member, other_member
):
    """Only the members whose turn changed ask for their own panel after an event: with 1,000
    viewers every request counts. Dylan, not on the clock nor next, just sees his count of
    picks away go down."""
    her, alien = Movie.objects.get(title="Her"), Movie.objects.get(title="Alien")
    make_pick(draft_id=room.pk, user=member, movie_id=her.pk, expected_slot=1)
    dylan = new_page()
    log_in(dylan, asgi_server, member)
    open_board(dylan, asgi_server, room)
    panel = dylan.locator("#pick-panel")
    expect(panel).to_contain_text("Your next pick is 2.03 — 4 picks away.")
    asked = []
    dylan.on("request", lambda request: asked.append(request.url))

    make_pick(draft_id=room.pk, user=other_member, movie_id=alien.pk, expected_slot=2)

    expect(dylan.locator("#board-grid .cell__title", has_text="Alien")).to_be_visible()
    expect(panel).to_contain_text("Your next pick is 2.03 — 3 picks away.")
    if STREAMS:
        dylan.wait_for_timeout(500)
        assert [url for url in asked if "/panel/" in url] == []
    assert_accessible(dylan)


def test_a_board_open_when_the_league_goes_private_stops_showing_the_draft(
    asgi_server, new_page, room, commissioner, member
):
    """Issue 16, finding 1: a reader's open board kept receiving the picks of a league made
    private. Now the stream closes the moment access goes (the page loads again and gets the
    404 anyone without access gets); where the page polls, the next poll says the page is out
    of date. A member's board goes on as before."""
    reader, dylan = new_page(), new_page()
    log_in(dylan, asgi_server, member)
    for page in (reader, dylan):
        open_board(page, asgi_server, room)
    dylan.evaluate("window.stillTheSamePage = true")
    update_league(
        league=room.league, actor=commissioner, name=room.league.name, description="",
        is_public=False, time_zone="UTC",
    )  # fmt: skip
    if STREAMS:
        expect(reader.get_by_text("Error 404 · Not found")).to_be_visible()
        expect(reader.get_by_role("heading", level=1)).to_have_text(
            "Log in to see this page, or check the address"
        )
    else:
        expect(reader.locator("#net-status")).to_contain_text("this page is out of date")
    make_pick(
        draft_id=room.pk, user=member, movie_id=Movie.objects.get(title="Her").pk, expected_slot=1
    )
    expect(dylan.locator("#board-grid .cell__title", has_text="Her")).to_be_visible()
    assert dylan.evaluate("window.stillTheSamePage === true")
    assert "Her (2013)" not in reader.content()
    assert_accessible(reader, context="access gone")


SEEN = """() => {
    window.seen = {};
    const note = () => document.querySelectorAll("#board-grid .cell__title").forEach(el => {
        const title = el.textContent.trim();
        if (!(title in window.seen)) window.seen[title] = Date.now();
    });
    note();
    new MutationObserver(note).observe(document.body, { childList: true, subtree: true });
}"""


def test_the_picker_sees_their_own_pick_no_later_than_anyone(
    asgi_server, new_page, member, other_member, commissioner
):
    """Issue 17, finding 7: the member who picked saw their pick last (a median 228 ms after the
    click, the other boards 127 ms): their answer held the whole board, and the live event
    waited behind it. Now the picker's stream is handed the event first and their page applies
    it at once. Over 20 picks the picker's board shows the pick with the other member's: two
    pages of one browser apply the same bytes a few milliseconds apart either way, so the test
    asks that the picker is not behind in the middle of the picks, and never by much."""
    league = create_league(user=commissioner, name="Two Up")
    for user in (member, other_member):
        join_league(user=user, league=league, token=league.invite_token)
    seats = {m.user_id: m for m in league.memberships.all()}
    draft = create_draft(
        league=league,
        actor=commissioner,
        name="Twenty Picks",
        categories=[CategorySpec(f"Round {n}") for n in range(1, 11)],
        seat_memberships=[seats[member.pk], seats[other_member.pk]],
    )
    start_draft(draft_id=draft.pk, actor=commissioner)
    draft.refresh_from_db()
    titles = [f"Pickable {n:02d}" for n in range(1, 21)]
    for title in titles:
        Movie.objects.create(title=title, year=2000, genres=["Drama"], runtime=100)
    pages = {}
    for user in (member, other_member):
        page = new_page()
        log_in(page, asgi_server, user)
        open_board(page, asgi_server, draft)
        page.evaluate(SEEN)
        pages[user.pk] = page
    behind = []
    for slot, title in enumerate(titles, start=1):
        # Snake order over two seats: Dylan, Maya, Maya, Dylan, Dylan…
        dylan_picks = (slot - 1) % 4 in (0, 3)
        picker, other = (pages[member.pk], pages[other_member.pk])[:: 1 if dylan_picks else -1]
        label = f"{(slot - 1) // 2 + 1}.{(slot - 1) % 2 + 1:02d}"
        expect(picker.get_by_role("heading", name=f"Your pick: {label}")).to_be_visible()
        # htmx wires a swapped-in panel's search up when the swap settles; a person types later.
        expect(picker.locator("#pick-panel.htmx-added")).to_have_count(0)
        picker.get_by_label("Search films").fill(title)
        choice = picker.get_by_role("radio", name=re.compile(f"^{title}"))
        expect(choice).to_be_checked()
        picker.get_by_role("button", name="Draft this film").click()
        for page in (picker, other):
            page.wait_for_function(f"() => '{title}' in window.seen", timeout=10_000)
        mine, theirs = (page.evaluate(f"window.seen['{title}']") for page in (picker, other))
        behind.append(mine - theirs)
    assert statistics.median(behind) <= 5, f"the picker's board behind the other's (ms): {behind}"
    assert max(behind) < 100, f"the picker's board behind the other's (ms): {behind}"
    for page in pages.values():
        assert_accessible(page, context="after twenty picks")


@pytest.mark.postgresql
def test_a_search_typed_in_the_panel_survives_its_refresh(
    asgi_server, new_page, room, member, other_member, commissioner
):
    """A member making up a skipped pick searches while the draft goes on: each pick refreshes
    their panel (they owe a pick), which wiped what they had typed and the results. The panel
    now comes back with the search, its results marked as they now are, focus in the box."""
    skip_on_clock(draft_id=room.pk, actor=commissioner)  # Dylan skipped; Maya is up
    dylan = new_page()
    log_in(dylan, asgi_server, member)
    open_board(dylan, asgi_server, room)
    expect(dylan.get_by_role("heading", name="Make up your skipped pick 1.01")).to_be_visible()
    search = dylan.get_by_label("Search films")
    search.fill("ar")
    expect(dylan.get_by_role("radio", name=re.compile("^Arrival"))).to_be_checked()
    expect(search).to_be_focused()

    her = Movie.objects.get(title="Her")
    make_pick(draft_id=room.pk, user=other_member, movie_id=her.pk, expected_slot=None)
    expect(dylan.locator("#board-grid")).to_contain_text("Her")
    arrival = Movie.objects.get(title="Arrival")
    make_pick(draft_id=room.pk, user=commissioner, movie_id=arrival.pk, expected_slot=None)
    # The refresh after Carla's pick: Arrival is hers now, and the search is still there.
    expect(dylan.get_by_text("Taken by Carla Commish at 1.03")).to_be_visible()
    expect(search).to_have_value("ar")
    expect(search).to_be_focused()
    expect(dylan.get_by_role("radio", name=re.compile("^Arrival"))).to_be_disabled()


@pytest.mark.postgresql
def test_a_kept_board_catches_its_chat_up_at_once(
    asgi_server, new_page, room, member, other_member, settings
):
    """A member's kept board outlives chat lines posted since (a live draft's chat would make
    every board new every second): the page asks for those lines as soon as its stream is
    open, so the reloaded board shows them, once each."""
    settings.PAGE_CACHE = True
    maya = new_page()
    log_in(maya, asgi_server, other_member)
    open_board(maya, asgi_server, room)
    post_chat_message(draft=room, user=member, text="Posted after Maya's page was kept")
    expect(maya.get_by_text("Posted after Maya's page was kept")).to_have_count(1)
    maya.reload()
    expect(maya.locator("html[data-streaming]")).to_have_count(1)
    expect(maya.get_by_text("Posted after Maya's page was kept")).to_have_count(1)
    post_chat_message(draft=room, user=member, text="And another one")
    expect(maya.get_by_text("And another one")).to_have_count(1)
