"""Readers' whole pages, kept until the database changes (config/pagecache.py, issue 10).

On PostgreSQL a reader without cookies gets a page another reader already got for one query
(the data version, config/dataversion.py) and a cache read; any committed write of something a
page shows, however it was made, makes the next reader's page new, and nothing else does.
Nobody with another cookie is ever given a kept page, and a page that sets a cookie is never
kept. On SQLite there is nothing to key the pages by: every request is
rendered, and the pages are the same.

Every test here commits its writes (transaction=True), as production does: a test's own
transaction would never change the data version.

The world is tests/web/site_map.py's: a public league, a live 4 × 3 draft with a one-hour clock
in which Strange Dylan picked at 1.01 and wrote it up; Maya Reel (on_clock) is on the clock.
"""

import gzip
import re
import zlib
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test import Client
from django.test.signals import template_rendered
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from config import dataversion, pagecache
from draft.models import Draft, Membership
from draft.services.chat import delete_chat_message, post_chat_message
from draft.services.leagues import remove_member, set_commissioner
from draft.services.queue import queue_add
from draft.services.running import pause_draft
from draft.services.setup import update_clock_settings
from reviews.models import DraftReaderSettings
from tests.draft.factories import pick_on_clock
from tests.personas import PASSWORD
from tests.threads import race
from tests.web.conftest import HTMX, element, html_of, server_now
from worker import rounds


def league_name(user) -> str:
    """The name the user's league shows for them (each of these users is in one league)."""
    from draft.models import Membership

    return Membership.objects.get(user=user).display_name


pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("readers_pages_kept"),
]

KEPT = connection.vendor == "postgresql"


def assert_kept(cold: int, warm: int, url=""):
    """On PostgreSQL a kept page costs the data version's query alone; on SQLite nothing is
    kept (there is no version to key it by) and every request is rendered."""
    if KEPT:
        assert warm == 1 < cold, (url, cold, warm)
    else:
        assert pagecache.database_state() is None


def get(client, url, **extra):
    """The answer and the number of queries it cost."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
    return response, len(queries)


def again(ask):
    """`ask()` (a request) and the queries it cost, asked up to five times on PostgreSQL until
    it is answered from a kept page (a write the test makes in a thread of its own, the
    worker's rounds in test_cache_correctness, may commit in between)."""
    for _ in range(5):
        with CaptureQueriesContext(connection) as queries:
            response = ask()
        if not KEPT or len(queries) == 1:
            break
    return response, len(queries)


def test_a_second_reader_gets_the_page_for_one_query(world):
    # With voting closed the recap shows a reader no form; the pick page's comment form is
    # the case of a page with a form (further down).
    DraftReaderSettings.objects.filter(draft=world.draft).update(voting_open=False)
    for url in [*world.reader_pages().values(), reverse("reviews:feed")]:
        if url == world.pick_page_url:
            continue
        first, cold = get(Client(), url)
        page, warm = again(lambda url=url: Client().get(url))
        assert first.status_code == page.status_code == 200, url
        assert not first.cookies and not page.cookies, url
        assert same_page(page, first), url
        if "data-now" not in html_of(first):  # a page with the server's time is never alike
            assert page["ETag"] == first["ETag"], url
        assert "public" in page["Cache-Control"], url
        assert_kept(cold, warm, url)


def same_page(one, other) -> bool:
    """Whether two answers are the same page but for what each request gets its own of: the
    CSRF token and the server's time."""

    def common(response):
        page = re.sub(r'(data-now=)"[^"]+"', r"\1", text_of(response))
        return re.sub(r'("X-CSRFToken": |name="csrfmiddlewaretoken" value=)"[^"]+"', r"\1", page)

    return common(one) == common(other)


def test_any_committed_write_shows_on_the_next_request(world):
    """Even one no service knows about: a title fixed by hand in the database."""
    movie = world.writeup.pick.movie
    url = reverse("draft:movie", args=[movie.pk])
    assert movie.title in html_of(Client().get(url))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {movie._meta.db_table} SET title = %s WHERE id = %s",
            ["The Hand-Fixed Cut", movie.pk],
        )
    page = html_of(Client().get(url))
    assert "The Hand-Fixed Cut" in page and movie.title not in page


def test_a_member_is_given_only_their_own_kept_page(world):
    """The session cookie is part of the key: a member's second visit to an unchanged board
    costs the data version's query, and what was rendered for them (their pick form, their queue)
    is never given to another member or to a reader."""
    url = world.board_url
    pick_form = reverse("draft:pick_submit", args=[world.league.slug, world.draft.slug])
    Client().get(url)  # kept for readers
    maya = world.client("on_clock")
    first, cold = get(maya, url)
    assert pick_form in html_of(first) and reverse("logout") in html_of(first)
    assert cold > 1, "a reader's kept page was given to a member"
    page, warm = again(lambda: maya.get(url))
    assert same_page(page, first)
    assert "private" in page["Cache-Control"]
    assert_kept(cold, warm)
    # Dylan is not on the clock: no pick form for him, whoever was given a page before.
    dylan = html_of(world.client("member").get(url))
    assert reverse("logout") in dylan and pick_form not in dylan
    reader_page = html_of(Client().get(url))
    assert reverse("logout") not in reader_page and pick_form not in reader_page


def test_a_members_kept_page_follows_what_they_do(world):
    """Their own writes commit, and so change the key: the queue they just added to shows,
    and once they sign out their old cookie is given no page of theirs."""
    url = world.board_url
    maya = world.client("on_clock")
    again(lambda: maya.get(url))
    film = world.setup.free_movie()
    queue_add(draft_id=world.draft.pk, user=world.users["on_clock"], movie_id=film.pk)
    assert film.title in element(html_of(maya.get(url)), "pick-panel")
    cookie = maya.cookies["sessionid"].value
    maya.post(reverse("logout"))
    stale = Client()
    stale.cookies["sessionid"] = cookie
    page = html_of(stale.get(url))
    assert reverse("logout") not in page and film.title not in element(page, "pick-panel")


def test_a_chat_line_leaves_kept_boards_in_place_and_a_deleted_line_does_not(world):
    """Issue 17: with a chat line every second in a live draft, fifty members' boards were
    rendered again fifty times a second. A chat line posted is counted apart: a kept board
    (whose script asks for the lines since at once) outlives it, for at most
    PAGE_CACHE_CHAT_SECONDS; a page that does not catch the chat up is new. A line a
    commissioner deletes is a write like any other: every kept page is new."""
    url = world.board_url
    maya = world.client("on_clock")
    first, cold = get(maya, url)
    again(lambda: Client().get(world.pick_page_url))
    line = post_chat_message(
        draft=world.draft, user=world.users["member"], text="Anyone seen The Thing?"
    )
    page, warm = again(lambda: maya.get(url))
    assert_kept(cold, warm)
    if KEPT:
        assert "Anyone seen The Thing?" not in html_of(page)  # the script asks for it
        assert same_page(page, first)
        assert get(Client(), world.pick_page_url)[1] > 1  # kept by the chat's count too
    # The chat's own page is never kept; it shows the line at once.
    chat = html_of(maya.get(reverse("draft:chat", args=[world.league.slug, world.draft.slug])))
    assert "Anyone seen The Thing?" in chat
    delete_chat_message(draft=world.draft, actor=world.users["commissioner"], message_id=line.pk)
    page, rendered = get(maya, url)
    assert rendered > 1 and "Anyone seen The Thing?" not in html_of(page)


def test_members_boards_after_a_change_read_and_render_the_chat_once(world):
    """Fifty members load the board after each pick: its chat (the newest lines, the same for
    every viewer but a commissioner) is read and rendered once per state of the database."""
    if not KEPT:
        return
    url = world.board_url
    post_chat_message(draft=world.draft, user=world.users["member"], text="Who takes the next one?")

    def chat_queries(client):
        with CaptureQueriesContext(connection) as queries:
            page = html_of(client.get(url))
        assert "Who takes the next one?" in page
        return sum("draft_chatmessage" in q["sql"] for q in queries.captured_queries)

    assert chat_queries(world.client("on_clock")) == 1
    assert chat_queries(world.client("member")) == 0
    # A commissioner's lines carry delete buttons: theirs are their own, from the same read.
    commissioner = html_of(world.client("commissioner").get(url))
    assert "Delete<span" in commissioner and "Who takes the next one?" in commissioner
    assert "Delete<span" not in html_of(world.client("member").get(url))


def test_members_boards_share_one_rendering_and_each_gets_their_own_parts(world, settings):
    """Issue 17: after a pick, fifty members loading the board each had the whole page
    rendered for them. Members of one kind (here two seat holders) share one rendering of the
    page per change: the second member's page is that one with their own parts put in (their
    name, their pick panel, their messages) and their own CSRF tokens, never the first's; a
    commissioner's and a reader's pages are their own kinds."""
    if not KEPT:
        return
    url = world.board_url
    pick_form = reverse("draft:pick_submit", args=[world.league.slug, world.draft.slug])
    rendered = []
    on_render = lambda sender, template, **kw: rendered.append(template.name)  # noqa: E731
    maya = Client(enforce_csrf_checks=True)
    maya.force_login(world.users["on_clock"])
    dylan = Client(enforce_csrf_checks=True)
    dylan.force_login(world.users["member"])
    template_rendered.connect(on_render)
    try:
        first = text_of(maya.get(url, HTTP_ACCEPT_ENCODING="gzip"))
        second = text_of(dylan.get(url, HTTP_ACCEPT_ENCODING="gzip"))
    finally:
        template_rendered.disconnect(on_render)
    assert rendered.count("draft/board.html") == 1
    # Each member's header names them as the league does.
    maya_name, dylan_name = (league_name(world.users[who]) for who in ("on_clock", "member"))
    assert f">{maya_name}</a>" in first
    assert f">{dylan_name}</a>" in second
    assert f">{maya_name}</a>" not in second
    assert pick_form in element(first, "pick-panel") and pick_form not in second
    assert "\x00" not in first + second
    # Put together, it is the very page rendered whole for Dylan.
    settings.PAGE_CACHE = False
    whole = dylan.get(url)
    settings.PAGE_CACHE = True
    assert same_page(whole, dylan.get(url, HTTP_ACCEPT_ENCODING="gzip"))
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', second))
    tokens |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', second))
    assert tokens
    assert not tokens & set(re.findall(r'value="([^"]+)"', first))
    chat = reverse("draft:chat", args=[world.league.slug, world.draft.slug])
    for n, token in enumerate(sorted(tokens)):
        posted = dylan.post(chat, {"csrfmiddlewaretoken": token, "text": f"Token {n} is mine"})
        assert posted.status_code != 403, "a token on Dylan's page is not his"
    commissioner = html_of(world.client("commissioner").get(url))
    console = reverse("draft:manage", args=[world.league.slug, world.draft.slug])
    assert console in commissioner and console not in second
    reader = Client().get(url)
    assert reverse("logout") not in html_of(reader) and "csrftoken" not in reader.cookies


def identity_queries(client, url) -> tuple[str, list[str]]:
    """The page, and the tables of who-is-who (sessions, users, memberships) its request read."""
    with CaptureQueriesContext(connection) as queries:
        page = html_of(client.get(url))
    tables = ("django_session", "accounts_user", "draft_membership")
    read = [q["sql"] for q in queries.captured_queries]
    return page, [t for t in tables if any(f'FROM "{t}"' in sql for sql in read)]


def test_who_a_member_is_is_kept_until_a_user_or_a_membership_changes(world):
    """Issue 17: the first board each of fifty members loads after a pick asked again who their
    session is and their role in the league (three queries), though a pick changes neither.
    That answer is kept per access version: a pick leaves it in place; removing the member,
    making them a commissioner, changing their password (or their name) is seen at once."""
    if not KEPT:
        return
    url = world.board_url
    dylan = world.client("member")
    identity_queries(dylan, url)
    pick_on_clock(world.setup)
    Client().get(url)  # the board's shared parts, read and rendered for everyone
    page, read = identity_queries(dylan, url)
    assert read == [] and reverse("logout") in page
    assert "Your seat" in element(page, "pick-panel")

    membership = Membership.objects.get(league=world.league, user=world.users["member"])
    set_commissioner(
        league=world.league, actor=world.users["commissioner"], membership=membership, value=True
    )
    console = reverse("draft:manage", args=[world.league.slug, world.draft.slug])
    page, read = identity_queries(dylan, url)
    assert "draft_membership" in read and console in page

    remove_member(league=world.league, actor=world.users["commissioner"], membership=membership)
    page = html_of(dylan.get(url))
    assert console not in page and "Your seat" not in element(page, "pick-panel")

    user = world.users["member"]
    user.set_password("a new password, changed elsewhere")
    user.save()
    page = html_of(dylan.get(url))
    assert reverse("logout") not in page, "a password changed elsewhere still signs them in"


def test_a_board_kept_past_a_chat_line_is_kept_no_longer_than_the_chats_bound(world, settings):
    if not KEPT:
        return
    settings.PAGE_CACHE_CHAT_SECONDS = 2
    url = world.board_url
    again(lambda: Client().get(url))
    post_chat_message(draft=world.draft, user=world.users["member"], text="Two seconds at most")
    assert "Two seconds at most" not in html_of(Client().get(url))
    with time_machine.travel(timezone.now() + timedelta(seconds=3)):
        assert "Two seconds at most" in html_of(Client().get(url))


def test_a_reader_with_any_other_cookie_is_never_given_a_kept_page(world):
    url = world.board_url
    Client().get(url)
    remembered = Client()
    remembered.cookies["commenter"] = "Lou"
    assert get(remembered, url)[1] > 1
    assert get(remembered, url)[1] > 1


def text_of(response) -> str:
    """The page, decompressed as strictly as a browser would: one gzip stream, whole, with
    nothing after it and its checksum and length right."""
    if response.get("Content-Encoding") != "gzip":
        return html_of(response)
    stream = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    text = stream.decompress(response.content)
    assert stream.eof and not stream.unused_data
    return text.decode()


def token_of(response) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text_of(response))[1]


def assert_comment_goes_through(world, client, token: str, body: str):
    """A comment posted on Dylan's pick with `token`, CSRF checks on, is taken and shown."""
    posted = client.post(
        reverse("reviews:comment_post", args=[world.league.slug, world.draft.slug, 1, 1]),
        {"csrfmiddlewaretoken": token, "body": body, "name": "Sam", "email": "sam@example.com"},
    )
    assert posted.status_code == 302
    assert body in html_of(Client().get(world.pick_page_url))


@pytest.mark.parametrize("compressed", [True, False])
def test_a_kept_page_with_a_form_gives_each_reader_a_token_of_their_own(world, compressed):
    """The pick page's comment form: the second reader gets the page kept from the first, with
    their own CSRF token and cookie, and their comment goes through with CSRF checks on."""
    url = world.pick_page_url
    encoding = {"HTTP_ACCEPT_ENCODING": "gzip"} if compressed else {}
    first, cold = get(Client(enforce_csrf_checks=True), url, **encoding)
    second = Client(enforce_csrf_checks=True)

    def ask():
        second.cookies.clear()
        return second.get(url, **encoding)

    page, warm = again(ask)
    assert first.status_code == page.status_code == 200
    assert "private" in page["Cache-Control"]
    assert first.cookies["csrftoken"].value != page.cookies["csrftoken"].value
    assert token_of(page) != token_of(first)
    assert text_of(page).replace(token_of(page), "") == text_of(first).replace(token_of(first), "")
    assert page.get("Content-Encoding") == ("gzip" if compressed else None)
    assert_kept(cold, warm)
    assert_comment_goes_through(world, second, token_of(page), "Kept, and still mine to post.")


def test_the_reader_whose_request_renders_a_kept_page_gets_it_whole_with_a_working_token(world):
    """The first reader of a page with a form is given the page compressed once, by the page
    cache, from the pieces it keeps (not compressed, taken apart and compressed again): one
    whole gzip stream, its length right, a weak ETag made without its token (and with their
    CSRF secret), and their comment goes through with the token it carries."""
    url = world.pick_page_url
    reader = Client(enforce_csrf_checks=True)
    first = reader.get(url, HTTP_ACCEPT_ENCODING="gzip")
    assert first.status_code == 200
    assert first["Content-Encoding"] == "gzip"
    assert int(first["Content-Length"]) == len(first.content)
    assert "Accept-Encoding" in first["Vary"]
    assert "Leave a comment" in text_of(first)
    assert first["ETag"].startswith('W/"')
    assert token_of(first) not in first["ETag"]
    assert_comment_goes_through(
        world, reader, token_of(first), "Rendered for me, and mine to post."
    )


@pytest.mark.parametrize("compressed", [True, False])
def test_a_kept_board_carries_the_time_it_is_given_at(world, compressed):
    """The countdown corrects the browser's clock by the server's time on the page: a kept
    board gets the time of each request it is given to, not of its render."""
    url = world.board_url
    encoding = {"HTTP_ACCEPT_ENCODING": "gzip"} if compressed else {}
    run_the_clock(world)
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        first, cold = get(Client(), url, **encoding)
    with time_machine.travel(start + timedelta(seconds=90), tick=False):
        page, warm = again(lambda: Client().get(url, **encoding))
    assert server_now(text_of(first)) == start
    assert server_now(text_of(page)) == start + timedelta(seconds=90)
    later = (start + timedelta(seconds=90)).isoformat()
    assert text_of(page).replace(later, "T") == text_of(first).replace(start.isoformat(), "T")
    assert_kept(cold, warm)


def test_a_page_with_another_cookie_is_never_kept(world):
    """A vote sets the voter's cookie: what the voter is shown next is theirs alone."""
    url = reverse("reviews:recap", args=[world.league.slug, world.draft.slug])
    voter = Client()
    page = html_of(voter.get(url))
    form = re.search(
        r'<form method="post" action="([^"]+)" class="vote-form">(.*?)</form>', page, re.S
    )
    choice = re.search(r'name="choice" value="(\d+)"', form[2])[1]
    assert voter.post(form[1], {"choice": choice}).status_code == 302
    assert "Your vote" in html_of(voter.get(url))
    assert "Your vote" not in html_of(Client().get(url))


def test_the_browser_that_has_the_page_gets_a_304_from_the_kept_one(world):
    url = reverse("draft:league", args=[world.league.slug])
    first, cold = get(Client(), url)
    etag = first["ETag"]
    response, warm = again(lambda: Client().get(url, HTTP_IF_NONE_MATCH=etag))
    assert response.status_code == 304 and response.content == b""
    assert_kept(cold, warm)
    world.draft.refresh_from_db()
    pause_draft(draft_id=world.draft.pk, actor=world.users["commissioner"])
    assert Client().get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def run_the_clock(world):
    update_clock_settings(
        draft_id=world.draft.pk,
        actor=world.users["commissioner"],
        pick_seconds=3600,
        expiry_action=Draft.Expiry.SKIP,
    )


def test_a_board_whose_clock_runs_is_never_a_304(world):
    """The browser would show its own copy, with the server's time of its first visit, and
    its countdown would be off by the time since."""
    run_the_clock(world)
    first = Client().get(world.board_url)
    assert not first.has_header("ETag")
    again = Client().get(world.board_url, HTTP_IF_NONE_MATCH="*")
    assert again.status_code == 200 and server_now(again) >= server_now(first)
    assert not again.has_header("ETag")


def test_head_is_answered_from_the_kept_page(world):
    url = world.board_url
    page = Client().get(url)
    head, queries = again(lambda: Client().head(url))
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Type"] == page["Content-Type"]
    assert_kept(2, queries)


def test_a_readers_poll_answer_is_kept_until_the_board_moves(world):
    url = world.board_url
    shown = Draft.objects.get(pk=world.draft.pk).version
    first, _ = get(Client(), url, data={"v": shown}, **HTMX)
    kept, queries = again(lambda: Client().get(url, {"v": shown}, **HTMX))
    assert first.status_code == kept.status_code == 204
    assert queries == 1  # the data version's, or on SQLite the poll's own
    picked = pick_on_clock(world.setup).pick
    moved = Client().get(url, {"v": shown}, **HTMX)
    assert moved.status_code == 200 and picked.movie.title in html_of(moved)


def test_a_board_is_rendered_again_when_its_clock_runs_out(world):
    """The board's view is one of the places an expiry is noticed: the kept board lasts only
    until the clock runs out, and the next reader's visit applies the expiry."""
    url = world.board_url
    run_the_clock(world)
    draft = Draft.objects.get(pk=world.draft.pk)
    assert draft.clock_deadline is not None and draft.expiry_action != Draft.Expiry.NOTHING
    version = draft.version
    before, cold = get(Client(), url)
    before = element(html_of(before), "board-grid")
    assert_kept(cold, again(lambda: Client().get(url))[1])
    with time_machine.travel(draft.clock_deadline + timedelta(seconds=5), tick=False):
        after = element(html_of(Client().get(url)), "board-grid")
        draft.refresh_from_db()
        assert draft.version > version, "the expiry was not applied"
        assert after != before
        assert draft.clock_deadline > timezone.now()


@pytest.mark.django_db(transaction=False)
@given(
    pieces=st.lists(st.binary(max_size=3000) | st.just(b"x" * 70_000), min_size=1, max_size=5),
    token=st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=64),
    data=st.data(),
)
def test_a_page_put_together_around_its_gaps_is_one_valid_gzip_stream(pieces, token, data):
    """However the pieces fall (empty, one, several, longer than a deflate window) and whatever
    their gaps (tokens, times), the page a request gets decompresses, strictly, to the page
    with its own token and time in every place."""
    gaps = data.draw(
        st.lists(
            st.sampled_from([pagecache.TOKEN, pagecache.NOW]),
            min_size=len(pieces) - 1,
            max_size=len(pieces) - 1,
        )
    )
    now = b"2026-11-26T04:40:00.123456+00:00"
    values = [token.encode() if gap == pagecache.TOKEN else now for gap in gaps]
    whole = pieces[0] + b"".join(
        value + piece for value, piece in zip(values, pieces[1:], strict=True)
    )
    page = pagecache.PiecesPage(pieces, gaps, compressed=True, digest="")
    stream = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    assert stream.decompress(page.filled(token=token.encode(), now=now)) == whole
    assert stream.eof and not stream.unused_data
    plain = pagecache.PiecesPage(pieces, gaps, compressed=False, digest="")
    assert plain.filled(token=token.encode(), now=now) == whole


# --- What changes a page's key, and what does not (issue 17, finding 3) -----------------------


def test_what_no_page_shows_leaves_kept_pages_in_place(world, settings):
    """The key was the server's snapshot, which every transaction with an id changed: the
    worker's heartbeat, a session saved at someone's log-in, a failed log-in's record, a commit
    in another database. None of them shows on a page; the data version ignores them."""
    url = world.board_url
    first, cold = get(Client(), url)
    rounds.Loop("clock", lambda: None, interval=1, stop=None).beat()  # the worker's heartbeat
    someone = Client()
    assert (
        someone.post(reverse("login"), {"username": "maya", "password": PASSWORD}).status_code
        == 302
    )
    Client().post(reverse("login"), {"username": "dylan", "password": "not it"})  # axes' rows
    elsewhere_commits()
    page, warm = get(Client(), url)
    assert same_page(page, first)
    assert_kept(cold, warm)


def elsewhere_commits():
    """A transaction with an id, committed in another database of the same server."""
    if not KEPT:
        return
    import psycopg

    params = {**connection.get_connection_params(), "dbname": "postgres"}
    for name in ("cursor_factory", "context", "prepare_threshold"):
        params.pop(name, None)
    with psycopg.connect(**params, autocommit=True) as other:
        other.execute("CREATE TABLE IF NOT EXISTS moviedraft_elsewhere (n int)")
        other.execute("INSERT INTO moviedraft_elsewhere VALUES (1)")
        other.execute("DROP TABLE moviedraft_elsewhere")


@pytest.mark.parametrize("case", ["film retitled", "member renamed"])
def test_a_write_by_hand_that_a_page_shows_changes_its_key(world, case):
    """No service, no version bumped by the code: a row changed in SQL."""
    table, column, row, value, url = {
        "film retitled": (
            "draft_movie", "title", world.writeup.pick.movie_id, "The Hand-Fixed Cut",
            world.reader_pages()["film"],
        ),
        "member renamed": (
            "draft_membership", "display_name", world.setup.seats[0].membership_id,
            "Dylan By Hand", world.pick_page_url,
        ),
    }[case]  # fmt: skip
    again(lambda: Client().get(url))
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = %s WHERE id = %s", [value, row])
    assert value in html_of(Client().get(url))


def test_every_table_a_page_shows_is_versioned():
    """The triggers are put on every table after each migrate, but the ones no page shows: a
    table a migration adds is covered without anyone remembering it."""
    if not KEPT:
        assert pagecache.database_state() is None
        return
    seen = set(dataversion.seen_tables(connection))
    assert dataversion.installed_on(connection) == seen
    ours = {m._meta.db_table for m in apps.get_models() if m._meta.app_label in OUR_APPS}
    assert ours - dataversion.UNSEEN <= seen
    assert {"draft_pick", "draft_draft", "reviews_comment", "accounts_user"} <= seen


OUR_APPS = {"draft", "reviews", "accounts", "worker"}


def test_sixteen_readers_at_once_render_a_page_once(world):
    """Single flight: the first request for a page that is not kept renders it; the others
    in this process wait for that render instead of making their own."""
    if not KEPT:
        return
    film = world.reader_pages()["film"]
    rendered = []
    on_render = lambda sender, template, **kw: rendered.append(template.name)  # noqa: E731
    template_rendered.connect(on_render)
    try:
        answers = race([lambda: Client().get(film) for _ in range(16)])
    finally:
        template_rendered.disconnect(on_render)
    assert {answer.status_code for answer in answers} == {200}
    assert rendered.count("draft/movie_detail.html") == 1
    assert len({html_of(answer) for answer in answers}) == 1


@pytest.mark.parametrize("size", ["4x3", "16x20"])
def test_a_members_first_board_after_a_change_costs_the_same_queries_whatever_its_size(
    size, commissioner, member, other_member, django_assert_num_queries
):
    """Issue 17: after a pick, the first board of each of fifty members: once one member of
    their kind has had it, the next is the data version, the draft, their queue and who took
    its films (who they are and their membership are kept per access version, the page per
    kind), at 4 × 3 and at 16 × 20 alike."""
    if not KEPT:
        return
    from tests.web.conftest import sized_draft

    setup, drafter = sized_draft(size, commissioner, member, other_member)
    url = reverse("draft:board", args=[setup.league.slug, setup.draft.slug])
    seated = [u for u in setup.users if u != drafter and setup.seat_of(u) is not None]
    first, mine = Client(), Client()
    first.force_login(seated[0])
    mine.force_login(drafter)
    mine.get(url)  # who they are, kept at this access version
    pick_on_clock(setup)
    first.get(url)  # the page their kind shares, rendered for this change
    with django_assert_num_queries(4, info=size):
        page = html_of(mine.get(url))
    assert f">{league_name(drafter)}</a>" in page and "My queue" in page


@pytest.mark.parametrize("persona", ["anonymous", "member"])
@pytest.mark.parametrize("gzipped", [False, True], ids=["plain", "gzip"])
def test_a_kept_page_with_a_form_has_the_etag_of_its_render(world, persona, gzipped):
    """Issue 19, finding 11: the pick page (its comment form) is kept in pieces around its CSRF
    token; given from the kept pieces, it has the ETag the render had, so the browser that got
    the render reloads it as a 304 for the data version's query alone. Another browser (its own
    CSRF secret) gets its own ETag, and a 304 on its own reload."""
    url = world.pick_page_url
    extra = {"HTTP_ACCEPT_ENCODING": "gzip"} if gzipped else {}
    browser = world.client(persona)
    first = browser.get(url, **extra)
    page = gzip.decompress(first.content) if gzipped else first.content
    assert first.status_code == 200 and b"csrfmiddlewaretoken" in page
    reload, queries = again(lambda: browser.get(url, HTTP_IF_NONE_MATCH=first["ETag"], **extra))
    assert reload.status_code == 304 and reload.content == b""
    if KEPT:
        assert queries == 1
    other = Client()
    theirs = other.get(url, **extra)
    assert theirs.status_code == 200 and theirs["ETag"] != first["ETag"]
    assert other.get(url, HTTP_IF_NONE_MATCH=theirs["ETag"], **extra).status_code == 304
