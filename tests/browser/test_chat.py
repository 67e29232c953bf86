"""The draft-room chat in a real browser: posting with htmx without a reload, earlier pages that
load in place with the keyboard's focus kept, a commissioner's delete, the rate limit's message;
every page passes axe, at desktop and phone widths."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from draft.models import ChatMessage, Movie
from draft.services.chat import post_chat_message
from draft.services.picks import make_pick
from draft.services.setup import CategorySpec
from tests.browser.conftest import PHONE, assert_accessible, log_in, start_live_draft
from tests.browser.test_board import assert_not_reloaded

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def films():
    return {
        "Her": Movie.objects.create(title="Her", year=2013, genres=["Romance"], runtime=126),
        "Alien": Movie.objects.create(title="Alien", year=1979, genres=["Horror"], runtime=117),
    }


@pytest.fixture
def live_draft(commissioner, member, other_member):
    """A live draft: Strange Dylan (member) is on the clock, then Maya Reel, then Carla."""
    draft = start_live_draft(
        commissioner,
        (member, other_member),
        [CategorySpec("Wildcard"), CategorySpec("Horror", genres=("Horror",))],
    )
    return draft


def open_chat(page, live_server, draft, *, context=""):
    page.goto(f"{live_server.url}/leagues/{draft.league.slug}/{draft.slug}/chat/")
    expect(page.get_by_role("heading", level=1, name="Draft-room chat")).to_be_visible()
    assert_accessible(page, context=context)
    page.evaluate("window.stillTheSamePage = true")


def chat_log(page):
    return page.get_by_role("log", name="Chat")


def test_a_member_posts_with_htmx_and_sees_it_without_a_reload(
    live_server, new_page, live_draft, member, other_member, films
):
    make_pick(draft_id=live_draft.pk, user=member, movie_id=films["Her"].pk, expected_slot=1)
    dylan = new_page()
    log_in(dylan, live_server, member)
    open_chat(dylan, live_server, live_draft)
    expect(chat_log(dylan)).to_contain_text("1.01 Strange Dylan selects Her (2013)")
    # Maya spoke after Dylan's page was drawn: his post brings her line along with his own.
    post_chat_message(draft=live_draft, user=other_member, text="Bold first pick.")

    message = dylan.get_by_role("textbox", name="Message")
    message.fill("Trailer: https://example.com/her <b>not bold</b>")
    message.press("Enter")

    mine = chat_log(dylan).locator(".chat-line").last
    expect(mine).to_contain_text("Strange Dylan")
    expect(mine).to_contain_text("Trailer: https://example.com/her <b>not bold</b>")
    expect(mine.get_by_role("link", name="https://example.com/her")).to_have_attribute(
        "rel", "nofollow noopener ugc"
    )
    expect(chat_log(dylan).locator(".chat-line").nth(-2)).to_contain_text("Bold first pick.")
    expect(message).to_have_value("")
    expect(message).to_be_focused()
    assert_not_reloaded(dylan)
    assert_accessible(dylan, context="after posting")

    # The next post brings nothing twice.
    message.fill("Second thought")
    message.press("Enter")
    expect(chat_log(dylan).locator(".chat-line").last).to_contain_text("Second thought")
    ids = dylan.locator("#chat-lines > li").evaluate_all("lines => lines.map(l => l.id)")
    assert len(ids) == len(set(ids)) == 5  # started, pick, Maya's, and Dylan's two
    assert_not_reloaded(dylan)

    # Another member sees it all on their page.
    maya = new_page(viewport=PHONE)
    log_in(maya, live_server, other_member)
    open_chat(maya, live_server, live_draft, context="phone")
    expect(chat_log(maya)).to_contain_text("Second thought")


def test_the_rate_limit_is_said_in_the_form(live_server, new_page, live_draft, member, settings):
    settings.CHAT_RATE_LIMIT = (2, 60)
    page = new_page()
    log_in(page, live_server, member)
    open_chat(page, live_server, live_draft)
    message = page.get_by_role("textbox", name="Message")
    for text in ("One", "Two"):
        message.fill(text)
        message.press("Enter")
        expect(chat_log(page)).to_contain_text(text)
        # The line may come with a poll before the post's own answer: wait for the fresh form,
        # and for htmx to wire it up (it does when the swap settles; a person types later).
        expect(message).to_have_value("")
        expect(page.locator(".htmx-added")).to_have_count(0)
    message.fill("Three")
    message.press("Enter")

    expect(page.get_by_role("alert")).to_have_text("You're posting fast — wait a few seconds.")
    expect(message).to_have_value("Three")
    expect(message).to_have_attribute("aria-invalid", "true")
    assert_not_reloaded(page)
    assert_accessible(page, context="refused post")


def test_earlier_messages_load_in_place_and_keep_the_keyboards_focus(
    live_server, new_page, live_draft, member, other_member
):
    start = timezone.now() - timedelta(hours=2)
    ChatMessage.objects.bulk_create(
        ChatMessage(
            draft=live_draft,
            author=(member, other_member)[n % 2],
            author_name=("Strange Dylan", "Maya Reel")[n % 2],
            text=f"Message number {n}",
            created_at=start + timedelta(seconds=n),
        )
        for n in range(90)
    )
    page = new_page()
    log_in(page, live_server, member)
    open_chat(page, live_server, live_draft)
    # The newest 40 lines: "Draft started" and messages 51 to 89.
    expect(page.locator("#chat-lines > li")).to_have_count(40)
    expect(page.get_by_text("Message number 51", exact=True)).to_be_visible()
    expect(page.get_by_text("Message number 50", exact=True)).to_have_count(0)

    earlier = page.get_by_role("link", name="Earlier messages")
    earlier.focus()
    page.keyboard.press("Enter")
    expect(page.locator("#chat-earlier > li")).to_have_count(40)
    expect(page.locator("#chat-earlier > li").first).to_contain_text("Message number 11")
    expect(page.get_by_role("link", name="Earlier messages")).to_be_focused()
    # htmx wires the new link up when its swap settles (htmx.config.defaultSettleDelay): an
    # Enter before that would follow the link as a plain one, to the chat's own page.
    expect(page.locator("#chat-earlier-control.htmx-added")).to_have_count(0)
    page.keyboard.press("Enter")
    expect(page.locator("#chat-earlier > li")).to_have_count(51)
    # The start of the chat: the focus stays where the link was.
    start_line = page.get_by_text("This is the start of the chat.")
    expect(start_line).to_be_focused()
    texts = page.locator(".chat-line__text").all_inner_texts()
    assert texts == [f"Message number {n}" for n in range(90)]
    assert_not_reloaded(page)
    assert_accessible(page, context="whole history loaded")


def test_a_commissioner_deletes_a_message_with_htmx(
    live_server, new_page, live_draft, member, commissioner
):
    post_chat_message(draft=live_draft, user=member, text="Something regrettable")
    post_chat_message(draft=live_draft, user=member, text="Something fine")
    page = new_page(viewport=PHONE)
    log_in(page, live_server, commissioner)
    open_chat(page, live_server, live_draft, context="commissioner, phone")

    page.get_by_role("button", name="Delete the message from Strange Dylan").first.click()

    expect(chat_log(page)).not_to_contain_text("Something regrettable")
    expect(chat_log(page)).to_contain_text("Something fine")
    expect(page.get_by_role("group", name="Chat messages")).to_be_focused()
    assert ChatMessage.objects.get(text="Something regrettable").deleted_by == commissioner
    assert_not_reloaded(page)

    # A member sees neither the message nor any delete button.
    other = new_page()
    log_in(other, live_server, member)
    open_chat(other, live_server, live_draft, context="member")
    expect(chat_log(other)).not_to_contain_text("Something regrettable")
    expect(other.get_by_role("button", name="Delete the message from Strange Dylan")).to_have_count(
        0
    )
