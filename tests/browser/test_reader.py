"""The reader side in a real browser: a member writes up a pick with the live preview and
publishes it; a reader with no account finds it from the home page, comments and votes; a
commissioner closes the comments; no script a user wrote ever runs; every page is accessible."""

import re

import pytest
from playwright.sync_api import expect

from reviews.models import BloggerProfile, DraftReaderSettings
from tests.browser.conftest import PHONE, assert_accessible
from tests.draft.factories import four_by_three, play_picks
from tests.personas import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SENTINEL = (
    "<script>window.__pwned = 'script';</script>"
    "<img src=x onerror=\"window.__pwned = 'onerror'\">"
    "[click](javascript:window.__pwned='link')"
)


@pytest.fixture
def league(commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    setup.picks = play_picks(setup, 4)
    BloggerProfile.objects.create(
        user=member,
        display_name="Strange Dylan",
        blog_name="Strange Frames",
        blog_url="https://frames.example",
    )
    DraftReaderSettings.objects.create(draft=setup.draft, voting_open=True)
    return setup


def log_in(page, base, username, next_path):
    page.goto(f"{base}/accounts/login/?next={next_path}")
    assert_accessible(page)
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def watch_for_scripts(page):
    """Fail on any dialog; the sentinel sets window.__pwned if it ever runs."""
    ran = []
    page.on("dialog", lambda dialog: (ran.append(dialog.message), dialog.dismiss()))
    return ran


def test_a_member_writes_up_a_pick_and_a_reader_comments_and_votes(
    live_server, page, new_page, league
):
    base = live_server.url
    pick = league.picks[0]
    film = pick.movie.title
    pick_path = pick.get_absolute_url()
    dialogs = watch_for_scripts(page)

    # The member, on their pick page, is asked to write it up.
    log_in(page, base, "dylan", pick_path)
    expect(page.get_by_role("heading", name="Write it up")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Write it up").click()
    expect(page.get_by_role("heading", name=re.compile("Write up"))).to_be_visible()
    assert_accessible(page)

    # The preview follows the typing (htmx), with the hostile parts already removed.
    body = "## Why I picked it\n\nA *slow-burn* classic that rewards a second look.\n\n" + SENTINEL
    page.get_by_label("Your writeup").fill(body)
    preview = page.locator("#preview")
    expect(preview.locator("em", has_text="slow-burn")).to_be_visible()
    expect(preview.get_by_role("heading", name="Why I picked it")).to_be_visible()
    assert page.evaluate("window.__pwned") is None
    assert_accessible(page, context="with preview")

    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_text("Published. Readers can see your writeup now.")).to_be_visible()
    expect(page.locator(".prose em", has_text="slow-burn")).to_be_visible()
    assert_accessible(page, context="published")

    # A reader with no account: home page → the writeup.
    reader = new_page()
    reader_dialogs = watch_for_scripts(reader)
    reader.goto(base + "/")
    assert_accessible(reader)
    latest = reader.get_by_role("region", name="Latest writeups")
    latest.get_by_role("link", name=re.compile(f"Strange Dylan selects {film}")).click()
    expect(reader.get_by_role("heading", level=1)).to_have_text("Test Draft — Round 1, Pick 1")
    expect(reader.get_by_text(f"Strange Dylan selects {film}")).to_be_visible()
    expect(reader.get_by_role("link", name="Strange Frames")).to_have_attribute(
        "href", "https://frames.example"
    )
    expect(reader.locator(".prose em", has_text="slow-burn")).to_be_visible()
    assert reader.evaluate("window.__pwned") is None
    assert_accessible(reader)

    # Comments, with a sentinel script in the text.
    reader.get_by_role("textbox", name="Comment", exact=True).fill(
        "Loved this writeup. " + SENTINEL
    )
    reader.get_by_label("Name", exact=True).fill("Rita Reader")
    reader.get_by_label("Email", exact=True).fill("rita@example.com")
    reader.get_by_role("button", name="Post comment").click()
    expect(reader.get_by_text("Your comment is posted.")).to_be_visible()
    comment = reader.locator("article.comment").first
    expect(comment).to_contain_text("Loved this writeup.")
    expect(comment).to_contain_text("<script>")  # shown as text
    assert reader.evaluate("window.__pwned") is None
    assert_accessible(reader, context="after commenting")

    # A reply, through the no-JavaScript reply link.
    comment.get_by_role("link", name=re.compile("Reply")).click()
    expect(reader.get_by_role("heading", name="Reply to Rita Reader")).to_be_visible()
    assert_accessible(reader, context="replying")
    reader.get_by_role("textbox", name="Comment", exact=True).fill("And a reply to myself.")
    reader.get_by_label("Name", exact=True).fill("Rita Reader")
    reader.get_by_label("Email", exact=True).fill("rita@example.com")
    reader.get_by_role("button", name="Post reply").click()
    expect(reader.locator(".replies article.comment")).to_contain_text("And a reply to myself.")
    assert_accessible(reader, context="after replying")

    # The browser remembered her name for the next comment (not her email); she clears it.
    expect(reader.get_by_label("Name", exact=True)).to_have_value("Rita Reader")
    expect(reader.get_by_label("Email", exact=True)).to_have_value("")
    reader.get_by_role("button", name="Forget me").click()
    expect(reader.get_by_text("this browser no longer remembers your name")).to_be_visible()
    expect(reader.get_by_label("Name", exact=True)).to_have_value("")
    assert_accessible(reader, context="forgotten")

    # Votes for the best pick of the round, then sees the bars.
    vote = reader.get_by_role("region", name="Best pick of round 1")
    vote.get_by_label(re.compile(f"^{film}")).check()
    vote.get_by_role("button", name="Vote").click()
    expect(reader.get_by_text("Thanks, your vote is counted.")).to_be_visible()
    vote = reader.get_by_role("region", name="Best pick of round 1")
    expect(vote.get_by_text("1 vote · 100%")).to_be_visible()
    expect(vote.locator("progress")).to_have_count(4)
    assert_accessible(reader, context="after voting")

    # The commissioner closes the comments; the reader's page then says so.
    commish = new_page()
    log_in(commish, base, "carla", pick_path)
    commish.get_by_role("button", name="Close comments").click()
    expect(commish.get_by_text("Comments are closed.").first).to_be_visible()
    assert_accessible(commish)
    reader.reload()
    expect(reader.locator(".comments-closed")).to_have_text("Comments are closed.")
    expect(reader.get_by_role("button", name="Post comment")).to_have_count(0)
    assert_accessible(reader, context="closed")

    assert dialogs == [] and reader_dialogs == []
    assert page.evaluate("window.__pwned") is None


def test_every_public_reader_page_is_accessible_without_an_account(
    live_server, new_page, league, member
):
    from reviews import services

    pick = league.picks[0]
    services.save_writeup(pick=pick, actor=member, body="A *short* writeup.", publish=True)
    d = league.draft
    paths = [
        "/",
        pick.get_absolute_url(),
        f"/leagues/{league.league.slug}/{d.slug}/recap/",
        f"/leagues/{league.league.slug}/{d.slug}/category/horror-thriller/",
        "/bloggers/dylan/",
        f"/search/?q={pick.movie.title}",
        f"/leagues/{league.league.slug}/",
        pick.movie.get_absolute_url(),
    ]
    for viewport, context in [(None, "desktop"), (PHONE, "phone")]:
        page = new_page(**({"viewport": viewport} if viewport else {}))
        for path in paths:
            response = page.goto(live_server.url + path)
            assert response.status == 200, path
            assert_accessible(page, context=context)
            if viewport:
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= PHONE["width"], f"{path} scrolls sideways on a phone ({width}px)"


def test_member_pages_of_the_reader_side_are_accessible(live_server, page, league):
    base = live_server.url
    pick = league.picks[2]  # Carla's own pick
    log_in(page, base, "carla", pick.get_absolute_url())
    assert_accessible(page)
    d = league.draft
    for path in [
        f"/leagues/{league.league.slug}/{d.slug}/reader-settings/",
        "/accounts/profile/",
        f"/leagues/{league.league.slug}/{d.slug}/round-1/pick-3/writeup/",
    ]:
        page.goto(base + path)
        assert_accessible(page)
