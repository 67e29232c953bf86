"""Small screens and touch: no page a reader or a member visits scrolls sideways at 320 px, and
the links of a comment thread are touch targets a finger can hit."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from reviews import rules as reader_rules
from reviews import services
from tests.browser.conftest import log_in
from tests.draft.factories import four_by_three, play_picks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROWEST = {"width": 320, "height": 700}


@pytest.fixture
def league_with_a_thread(commissioner, member, other_member):
    """A draft under way whose first pick has a writeup, a comment and a reply to it."""
    setup = four_by_three(commissioner, [member, other_member], name="Night of the Long Picks")
    first = play_picks(setup, 3)[0]
    writeup = services.save_writeup(
        pick=first,
        actor=member,
        body="A film about **everything**, and a category called Horror/Thriller.",
        publish=True,
    )
    settings_row = reader_rules.league_settings(setup.league)
    comment = services.post_comment(
        writeup=writeup,
        user=other_member,
        data=services.CommentInput(body="Bold first pick."),
        ip="192.0.2.1",
        settings_row=settings_row,
    )
    services.post_comment(
        writeup=writeup,
        user=commissioner,
        data=services.CommentInput(body="Agreed, and fitting.", parent_id=comment.pk),
        ip="192.0.2.2",
        settings_row=settings_row,
    )
    return setup, first


def pages_of(setup, pick, member) -> dict[str, str]:
    league, draft = setup.league.slug, setup.draft.slug
    return {
        "home": "/",
        "leagues": reverse("draft:leagues"),
        "league": reverse("draft:league", args=[league]),
        "board": reverse("draft:board", args=[league, draft]),
        "pick page": pick.get_absolute_url(),
        "recap": reverse("reviews:recap", args=[league, draft]),
        "log": reverse("draft:log", args=[league, draft]),
        "queue": reverse("draft:queue", args=[league, draft]),
        "search": reverse("reviews:search") + "?q=film",
        "blogger": reverse("reviews:blogger", args=[member.username]),
        "notifications": reverse("draft:notifications"),
        "history": reverse("reviews:history", args=[league]),
        "film": pick.movie.get_absolute_url(),
        "poster": reverse("draft:movie_poster", args=[pick.movie_id]),
    }


@pytest.mark.parametrize("who", ["reader", "member"])
def test_no_page_scrolls_sideways_at_320_px(
    who, live_server, browser, league_with_a_thread, member
):
    """The defect: the pick page scrolled sideways at 320 px (its film facts), and a member's
    name in the header pushed the menu past the edge."""
    setup, pick = league_with_a_thread
    context = browser.new_context(viewport=NARROWEST)
    page = context.new_page()
    try:
        if who == "member":
            log_in(page, live_server, member)
        for name, path in pages_of(setup, pick, member).items():
            if who == "reader" and name in ("queue", "notifications", "poster"):
                continue
            page.goto(live_server.url + path)
            widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
            assert widths[0] <= widths[1], f"{name} scrolls sideways at 320 px: {widths}"
    finally:
        context.close()


def test_a_replys_author_and_time_are_touch_targets(live_server, browser, league_with_a_thread):
    """The defect: in a nested reply the author and time links were 22 px tall and 2 px
    apart."""
    _, pick = league_with_a_thread
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True)
    page = context.new_page()
    try:
        page.goto(live_server.url + pick.get_absolute_url())
        reply = page.locator(".comment").filter(has_text="Agreed, and fitting.").last
        expect(reply).to_be_visible()
        name = reply.locator("a.comment__name").first.bounding_box()
        time = reply.locator("a.comment__time").first.bounding_box()
        assert name["height"] >= 24 and time["height"] >= 24, (name, time)
        # Side by side or one above the other, they stand apart.
        apart = max(
            time["y"] - (name["y"] + name["height"]), time["x"] - (name["x"] + name["width"])
        )
        assert apart >= 4, (name, time)
    finally:
        context.close()
