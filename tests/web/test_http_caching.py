"""HTTP that lets readers be cheap (issue 10): no cookie on a reader's page without a form,
Cache-Control, ETags and 304s, gzip, HEAD.

The world is tests/web/site_map.py's: a public league, a live 4 × 3 draft in which Strange
Dylan picked at 1.01 and wrote it up (one comment from Rita), Maya Reel on the clock. For the
pages without a form, voting is closed and the writeup's comments are closed: then nothing on
the reader's pages asks for a CSRF token.
"""

import gzip
import re

import pytest
from django.test import Client
from django.urls import reverse

from draft.models import Draft
from draft.services.picks import undo_last
from draft.services.setup import update_clock_settings
from reviews import rules as reader_rules
from reviews import services
from reviews.models import DraftReaderSettings
from tests.draft.factories import pick_on_clock
from tests.web.conftest import element

pytestmark = pytest.mark.django_db


@pytest.fixture
def quiet_world(world):
    """The world with no form for a reader anywhere: voting closed, the writeup's comments
    closed."""
    DraftReaderSettings.objects.filter(draft=world.draft).update(voting_open=False)
    services.set_comments_closed(writeup=world.writeup, actor=world.users["member"], closed=True)
    return world


def test_a_readers_pages_without_a_form_set_no_cookie(quiet_world):
    for name, url in quiet_world.reader_pages().items():
        reader = Client()
        response = reader.get(url)
        assert response.status_code == 200, name
        assert "Set-Cookie" not in response.serialize_headers().decode(), name
        assert not response.cookies, (name, list(response.cookies))
        assert "X-CSRFToken" not in response.content.decode(), name
        # Nothing personal went in: a shared cache may keep it, revalidating every time.
        cache_control = response["Cache-Control"]
        assert "public" in cache_control and "no-cache" in cache_control, name
        # What varies: the cookie (a signed-in person sees their own parts) and the encoding.
        vary = {v.strip() for v in response["Vary"].split(",")}
        assert vary == {"Cookie", "Accept-Encoding"}, (name, vary)


def test_a_signed_in_members_page_carries_the_token_and_is_private(quiet_world):
    member = quiet_world.client("member")
    response = member.get(quiet_world.board_url)
    assert "X-CSRFToken" in response.content.decode()
    assert "private" in response["Cache-Control"]
    assert "public" not in response["Cache-Control"]


def test_a_reader_with_a_cookie_gets_a_private_page(quiet_world):
    reader = Client()
    reader.cookies["md_voter"] = "anything"
    response = reader.get(reverse("home"))
    assert "private" in response["Cache-Control"]


def test_the_comment_form_still_works_for_a_reader_with_csrf_checks_on(world):
    reader = Client(enforce_csrf_checks=True)
    page = reader.get(world.pick_page_url)
    assert "csrftoken" in page.cookies  # the page has a form: its token needs the cookie
    assert "private" in page["Cache-Control"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    response = reader.post(
        reverse("reviews:comment_post", args=[world.league.slug, world.draft.slug, 1, 1]),
        {
            "csrfmiddlewaretoken": token,
            "body": "A second opinion.",
            "name": "Sam",
            "email": "sam@example.com",
        },
    )
    assert response.status_code == 302
    assert "A second opinion." in reader.get(world.pick_page_url).content.decode()


def test_the_vote_still_works_for_a_reader_with_csrf_checks_on(world):
    reader = Client(enforce_csrf_checks=True)
    recap = reverse("reviews:recap", args=[world.league.slug, world.draft.slug])
    page = reader.get(recap)
    assert "csrftoken" in page.cookies
    html = page.content.decode()
    form = re.search(
        r'<form method="post" action="([^"]+)" class="vote-form">(.*?)</form>', html, re.S
    )
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form[2])[1]
    choice = re.search(r'name="choice" value="(\d+)"', form[2])[1]
    response = reader.post(form[1], {"csrfmiddlewaretoken": token, "choice": choice})
    assert response.status_code == 302
    assert "Your vote" in reader.get(recap).content.decode()


def test_an_unchanged_page_answers_304_with_no_body(quiet_world):
    for name, url in quiet_world.reader_pages().items():
        reader = Client()
        first = reader.get(url)
        etag = first["ETag"]
        assert re.fullmatch(r'"[0-9a-f]{32}"', etag), (name, etag)  # strong
        again = reader.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304, name
        assert again.content == b"", name
        assert again["ETag"] == etag, name


def test_a_pick_and_an_undo_answer_200_with_a_new_etag(quiet_world):
    world = quiet_world
    reader = Client()
    board = world.board_url
    before = reader.get(board)
    picked = pick_on_clock(world.setup).pick
    after_pick = reader.get(board, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after_pick.status_code == 200
    assert after_pick["ETag"] != before["ETag"]
    assert picked.movie.title in after_pick.content.decode()
    undo_last(draft_id=world.draft.pk, actor=world.users["commissioner"])
    after_undo = reader.get(board, HTTP_IF_NONE_MATCH=after_pick["ETag"])
    assert after_undo.status_code == 200
    assert after_undo["ETag"] != after_pick["ETag"]
    # The chat keeps the pick and its undo; the grid is back to an empty 1.01.
    assert picked.movie.title in element(after_pick, "board-grid")
    assert picked.movie.title not in element(after_undo, "board-grid")


def test_a_comment_answers_200_with_a_new_etag(quiet_world):
    world = quiet_world
    reader = Client()
    url = world.pick_page_url
    before = reader.get(url)
    author = world.users["member"]
    services.set_comments_closed(writeup=world.writeup, actor=author, closed=False)
    services.post_comment(
        writeup=world.writeup,
        user=None,
        data=services.CommentInput(body="Late to this one.", name="Lou", email="lou@example.com"),
        ip="192.0.2.9",
        settings_row=reader_rules.league_settings(world.league),
    )
    services.set_comments_closed(writeup=world.writeup, actor=author, closed=True)
    after = reader.get(url, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert "Late to this one." in after.content.decode()


def test_html_is_gzipped_for_a_browser_that_asks(quiet_world):
    reader = Client()
    url = quiet_world.board_url
    plain = reader.get(url)
    zipped = reader.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    assert len(zipped.content) < len(plain.content) / 3
    assert gzip.decompress(zipped.content) == plain.content
    # The compressed body is not the same bytes: its ETag is weak, and still revalidates.
    assert zipped["ETag"] == "W/" + plain["ETag"]
    again = reader.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=zipped["ETag"])
    assert again.status_code == 304


def test_head_answers_every_reader_page(quiet_world):
    for name, url in quiet_world.reader_pages().items():
        response = Client().head(url)
        assert response.status_code == 200, name
        assert response.content == b"", name
        assert response["Content-Type"].startswith("text/html"), name


def test_static_files_are_compressed_with_brotli_too():
    """collectstatic (whitenoise's CompressedManifestStaticFilesStorage) writes a .br copy of
    every file beside the .gz one only when the Brotli package is installed."""
    from whitenoise.compress import Compressor

    compressor = Compressor(quiet=True)
    assert compressor.use_brotli
    css = b"body { color: red; } " * 200
    assert len(compressor.compress_brotli(css)) < len(css) / 10


# --- Revalidation of pages with forms and of signed-in pages (issue 19, finding 11) ----------


def etag_again(client, url):
    """Load `url` twice, the second time with the first answer's ETag, as a browser reloads."""
    first = client.get(url)
    assert first.status_code == 200, url
    return first, client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])


@pytest.mark.parametrize("persona", ["anonymous", "member", "commissioner"])
def test_a_reload_of_an_unchanged_recap_pick_page_or_board_is_a_304(world, persona):
    """The recap (its votes), the pick page (its comment form) and the board (a member's pick
    panel, queue and chat form) carry per-request CSRF tokens: they no longer make each load a
    new page."""
    # The draft is live without a clock: no server time for a countdown (see the next test).
    browser = world.client(persona)
    recap = reverse("reviews:recap", args=[world.league.slug, world.draft.slug])
    for url in (recap, world.pick_page_url, world.board_url):
        first, again = etag_again(browser, url)
        assert "csrfmiddlewaretoken" in first.content.decode() or persona == "anonymous", url
        assert again.status_code == 304, (persona, url)
        assert again.content == b""
        assert again["ETag"] == first["ETag"]


def test_a_board_with_its_clock_running_has_no_etag(world):
    """Its page carries the server's time for the countdown: a browser keeping its copy would
    count down from a time long past."""
    update_clock_settings(
        draft_id=world.draft.pk,
        actor=world.users["commissioner"],
        pick_seconds=3600,
        expiry_action=Draft.Expiry.SKIP,
    )
    board = world.client("member").get(world.board_url)
    assert 'data-now="' in board.content.decode()
    assert not board.has_header("ETag")


def test_the_copy_a_304_keeps_still_posts(world):
    reader = Client(enforce_csrf_checks=True)
    first, again = etag_again(reader, world.pick_page_url)
    assert again.status_code == 304
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', first.content.decode())[1]
    response = reader.post(
        reverse("reviews:comment_post", args=[world.league.slug, world.draft.slug, 1, 1]),
        {"csrfmiddlewaretoken": token, "body": "Still here.", "name": "Sam", "email": "s@e.com"},
    )
    assert response.status_code == 302


def test_a_browser_with_a_new_csrf_secret_gets_the_page_again(world):
    """Tokens are good only with the secret they were made from: a browser whose secret changed
    (a log-in rotates it) must not keep a page whose forms would then be refused."""
    reader = Client()
    first = reader.get(world.pick_page_url)
    reader.cookies["csrftoken"] = "b" * 32
    again = reader.get(world.pick_page_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200
    assert again["ETag"] != first["ETag"]


def test_a_change_on_a_page_with_forms_answers_200(world):
    member = world.client("member")
    first = member.get(world.pick_page_url)
    post_comment_as_reader(world, "A new thought.")
    again = member.get(world.pick_page_url, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and "A new thought." in again.content.decode()
    board = member.get(world.board_url)
    pick_undone = undo_last(draft_id=world.draft.pk, actor=world.users["commissioner"])
    assert pick_undone
    after = member.get(world.board_url, HTTP_IF_NONE_MATCH=board["ETag"])
    assert after.status_code == 200


def post_comment_as_reader(world, body: str):
    return services.post_comment(
        writeup=world.writeup,
        user=None,
        data=services.CommentInput(body=body, name="Lou", email="lou@example.com"),
        ip="192.0.2.9",
        settings_row=reader_rules.league_settings(world.league),
    )


def test_the_console_with_its_clock_running_has_no_etag(world):
    """It carried the time from {% now %}, which the ETag did not leave out."""
    update_clock_settings(
        draft_id=world.draft.pk,
        actor=world.users["commissioner"],
        pick_seconds=3600,
        expiry_action=Draft.Expiry.SKIP,
    )
    console = world.client("commissioner").get(
        reverse("draft:manage", args=[world.league.slug, world.draft.slug])
    )
    assert 'data-now="' in console.content.decode()
    assert not console.has_header("ETag")
