"""The draft-room chat: who may read, post and delete; the rate limit; escaping and links; the
system lines from the draft's log; history page by page; posting with and without JavaScript;
what the chat costs in queries.

The draft is the 4 × 3 snake draft of tests/web/conftest.py (`live`): Strange Dylan (member)
is seat 1 and on the clock, Maya Reel (other_member) seat 2, Carla Commish (commissioner)
seat 3, Player 1 seat 4. Olaf (outsider) is a signed-in reader in no league.
"""

import re
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from draft import chatroom
from draft.models import ChatMessage, DraftEvent, League
from draft.services.chat import delete_chat_message, post_chat_message
from draft.services.leagues import set_commissioner
from draft.services.picks import make_pick, skip_on_clock, undo_last
from draft.services.running import pause_draft, resume_draft
from draft.services.setup import randomize_order
from tests.draft.factories import four_by_three, make_league, make_users
from tests.web.conftest import HTMX, element, html_of, login_url, text

pytestmark = pytest.mark.django_db


def chat_url(setup, **query) -> str:
    url = reverse("draft:chat", args=[setup.league.slug, setup.draft.slug])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def delete_url(setup, message) -> str:
    return reverse("draft:chat_delete", args=[setup.league.slug, setup.draft.slug, message.pk])


def post(setup, user, text_: str) -> ChatMessage:
    return post_chat_message(draft=setup.draft, user=user, text=text_)


def lines_of(response) -> list[str]:
    """The ids of the chat lines a response shows, in order."""
    return re.findall(r'<li id="(chat-[em]\d+)"', html_of(response))


def log_text(response) -> str:
    return text(element(response, "chat-log"))


@pytest.fixture
def private(commissioner, member, other_member):
    league = make_league(commissioner, [member, other_member], name="Secret Club", is_public=False)
    return four_by_three(commissioner, [member, other_member], league=league, movies=12)


def allow_readers(setup, value=True):
    League.objects.filter(pk=setup.league.pk).update(readers_may_chat=value)
    setup.league.refresh_from_db()
    setup.draft.league = setup.league


# --- Who may read and post -------------------------------------------------------------------


def test_a_member_posts_without_javascript_and_everyone_reads_it(
    live, member_client, other_member_client, reader_client
):
    response = member_client.post(chat_url(live), {"text": "Good luck, everyone!"})

    message = ChatMessage.objects.get()
    assert response.status_code == 302
    assert response["Location"] == chat_url(live) + f"#chat-m{message.pk}"
    assert (message.author_name, message.text) == ("Strange Dylan", "Good luck, everyone!")
    for client in (member_client, other_member_client, reader_client):
        assert "Strange Dylan" in log_text(client.get(chat_url(live)))
        assert "Good luck, everyone!" in log_text(client.get(chat_url(live)))


def test_an_outsider_can_neither_read_nor_post_in_a_private_leagues_chat(
    private, outsider_client, reader_client, member
):
    post(private, member, "Members only in here.")
    for client in (outsider_client, reader_client):
        response = client.get(chat_url(private))
        assert response.status_code == 404
        assert "Members only in here." not in html_of(response)
        assert client.get(chat_url(private), {"before": "1-m1"}, **HTMX).status_code == 404
    assert outsider_client.post(chat_url(private), {"text": "Let me in"}).status_code == 404
    # Without an account, a post goes to the login page first, as every post of the site does.
    answer = reader_client.post(chat_url(private), {"text": "Let me in"})
    assert answer.status_code == 302 and answer["Location"] == login_url(chat_url(private))
    assert ChatMessage.objects.count() == 1


def test_the_readers_setting_does_not_open_a_private_league(private, outsider_client):
    allow_readers(private)
    assert outsider_client.get(chat_url(private)).status_code == 404
    assert outsider_client.post(chat_url(private), {"text": "Hi"}).status_code == 404
    assert not ChatMessage.objects.exists()


def test_a_reader_cannot_post_where_the_league_does_not_allow_it(live, outsider_client):
    page = outsider_client.get(chat_url(live))
    assert page.status_code == 200
    assert element(page, "chat-form") == ""
    assert "Only members of this league can post in its chat." in text(element(page, "chat"))

    response = outsider_client.post(chat_url(live), {"text": "Hello from the stands"})

    assert response.status_code == 403
    assert "Only members of this league can post in its chat." in text(response)
    assert outsider_client.post(chat_url(live), {"text": "Hi"}, **HTMX).status_code == 403
    assert not ChatMessage.objects.exists()


def test_signed_in_readers_post_where_the_league_allows_it(live, outsider_client, member_client):
    allow_readers(live)
    assert element(outsider_client.get(chat_url(live)), "chat-form")

    response = outsider_client.post(chat_url(live), {"text": "Hello from the stands"})

    assert response.status_code == 302
    line = log_text(member_client.get(chat_url(live)))
    assert "Olaf Outside reader" in line and "Hello from the stands" in line


def test_a_reader_without_an_account_is_asked_to_log_in(live, reader_client):
    allow_readers(live)
    chat = element(reader_client.get(chat_url(live)), "chat")
    assert element(chat, "chat-form") == ""
    assert "Log in to post in the chat." in text(chat)
    assert f'href="{reverse("login")}?next={chat_url(live)}' in chat.replace("%2F", "/")


def test_the_league_settings_turn_readers_chat_on(live, commissioner_client):
    url = reverse("draft:league_settings", args=[live.league.slug])
    assert "Readers may chat" in text(commissioner_client.get(url))
    data = {"name": "Test League", "time_zone": "UTC", "is_public": "on", "readers_may_chat": "on"}
    assert commissioner_client.post(url, data).status_code == 302
    live.league.refresh_from_db()
    assert live.league.readers_may_chat
    commissioner_client.post(url, {**data, "readers_may_chat": ""})
    live.league.refresh_from_db()
    assert not live.league.readers_may_chat


# --- Refusals: the form comes back bound, at 200 -----------------------------------------


def test_an_empty_message_is_refused_in_the_form(live, member_client):
    for headers in ({}, HTMX):
        response = member_client.post(chat_url(live), {"text": "   "}, **headers)
        assert response.status_code == 200
        form = element(response, "chat-form")
        assert "Write a message first." in text(form)
        assert 'aria-invalid="true"' in form and 'aria-describedby="chat-text_error"' in form
    assert not ChatMessage.objects.exists()


def test_a_message_over_the_limit_is_refused_and_keeps_what_was_typed(live, member_client):
    too_long = "x" * (ChatMessage.MAX_LENGTH + 1)
    for headers in ({}, HTMX):
        response = member_client.post(chat_url(live), {"text": too_long}, **headers)
        form = element(response, "chat-form")
        assert response.status_code == 200
        assert f"at most {ChatMessage.MAX_LENGTH} characters (this one has 501)" in text(form)
        assert f'value="{too_long}"' in form
    assert not ChatMessage.objects.exists()
    # Exactly the limit is fine.
    member_client.post(chat_url(live), {"text": "y" * ChatMessage.MAX_LENGTH})
    assert ChatMessage.objects.get().text == "y" * ChatMessage.MAX_LENGTH


# --- The rate limit --------------------------------------------------------------------------


def test_a_member_posting_fast_is_told_to_wait(live, member, other_member, settings):
    settings.CHAT_RATE_LIMIT = (3, 10)
    client = Client()
    client.force_login(member)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for n in range(3):
            assert client.post(chat_url(live), {"text": f"Message {n}"}).status_code == 302
        refused = client.post(chat_url(live), {"text": "One too many"}, **HTMX)
        # Someone else is not held up by it.
        post(live, other_member, "I can still talk")

    assert refused.status_code == 200
    assert "You're posting fast — wait a few seconds." in text(element(refused, "chat-form"))
    assert 'value="One too many"' in element(refused, "chat-form")
    assert ChatMessage.objects.filter(author=member).count() == 3

    with time_machine.travel(start + timedelta(seconds=10, microseconds=1), tick=False):
        assert client.post(chat_url(live), {"text": "Back again"}).status_code == 302
    assert ChatMessage.objects.filter(author=member).count() == 4


def test_a_message_sent_twice_in_a_row_is_posted_once(live, member_client):
    for _ in range(2):
        assert member_client.post(chat_url(live), {"text": "Same thing"}).status_code == 302
    assert ChatMessage.objects.count() == 1


# --- Escaping and links ----------------------------------------------------------------------


def test_a_script_in_a_message_is_shown_as_text(live, member, reader_client):
    post(live, member, "<script>alert('chat')</script> <img src=x onerror=alert(1)>")

    page = html_of(reader_client.get(chat_url(live)))

    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;chat&#x27;)&lt;/script&gt;" in page
    assert "&lt;script&gt;alert(&#x27;chat&#x27;)&lt;/script&gt; &lt;img src=x" in page


def test_only_web_addresses_become_links(live, member, reader_client):
    post(live, member, "Trailer: https://example.com/jaws?t=1&x=2 and javascript:alert(1)")
    post(live, member, "Also JAVASCRIPT://http://evil.example/%0aalert(1) and data:text/html,hi")

    log = element(reader_client.get(chat_url(live)), "chat-log")

    links = re.findall(r"<a [^>]*>", log)
    assert links == ['<a href="https://example.com/jaws?t=1&amp;x=2" rel="nofollow noopener ugc">']
    assert "javascript:alert(1)" in text(log) and "data:text/html,hi" in text(log)


# --- System lines ------------------------------------------------------------------------------


def test_every_pick_undo_skip_pause_resume_and_ruling_is_a_line_in_the_chat(
    live, commissioner, member, other_member, films, reader_client
):
    draft_id = live.draft.pk
    make_pick(draft_id=draft_id, user=member, movie_id=films["halloween"].pk, expected_slot=1)
    post(live, member, "Had to take it.")
    undo_last(draft_id=draft_id, actor=commissioner)
    make_pick(draft_id=draft_id, user=member, movie_id=films["psycho"].pk, expected_slot=1)
    skip_on_clock(draft_id=draft_id, actor=commissioner)
    pause_draft(draft_id=draft_id, actor=commissioner)
    post(live, other_member, "Coffee break")
    resume_draft(draft_id=draft_id, actor=commissioner)
    # Carla enters Her (2013, not horror) for seat 3 in Horror/Thriller: a ruling.
    make_pick(
        draft_id=draft_id,
        user=commissioner,
        movie_id=films["her"].pk,
        expected_slot=3,
        override_rules=True,
    )

    log = log_text(reader_client.get(chat_url(live)))

    expected = [
        "Draft started Test Draft started",
        "Pick 1.01 Strange Dylan selects Halloween (1978) in Horror/Thriller",
        "Strange Dylan",
        "Had to take it.",
        "Undone 1.01 Strange Dylan's pick of Halloween (1978) undone",
        "Pick 1.01 Strange Dylan selects Psycho (1960) in Horror/Thriller",
        "Skip 1.02 Maya Reel skipped",
        "Paused Draft paused",
        "Maya Reel",
        "Coffee break",
        "Resumed Draft resumed",
        "Ruling 1.03 Carla Commish selects Her (2013) in Horror/Thriller",
    ]
    position = 0
    for part in expected:  # each after the one before
        found = log.find(part, position)
        assert found >= 0, f"{part!r} missing after {log[:position]!r}"
        position = found + len(part)
    assert "ruling: allowed although" in log
    # Setup noise stays out of the chat.
    assert "Test Draft created" not in log
    # A screen reader hears each pick once, from the board's status line: the chat's line
    # for an act is a live region that is off; people's messages are read as they arrive.
    html = reader_client.get(chat_url(live)).content.decode()
    lines = re.findall(r'<li id="chat-[^"]*" class="chat-line[^"]*"[^>]*>', html)
    system = [line for line in lines if "chat-line--system" in line]
    said = [line for line in lines if "chat-line--system" not in line]
    assert len(system) == 8 and all('aria-live="off"' in line for line in system)
    assert len(said) == 2 and not any("aria-live" in line for line in said)


def test_setup_changes_are_not_chat_lines(commissioner, member, other_member, reader_client):
    setup = four_by_three(commissioner, [member, other_member], start=False, movies=0)
    randomize_order(draft_id=setup.draft.pk, actor=commissioner)
    assert DraftEvent.objects.filter(draft=setup.draft).exists()
    page = reader_client.get(chat_url(setup))
    assert lines_of(page) == []
    assert "Nothing said yet." in text(element(page, "chat"))


# --- Deleting --------------------------------------------------------------------------------


def test_a_commissioner_deletes_a_message_and_it_is_gone_for_everyone(
    live, member, commissioner, commissioner_client, other_member_client, reader_client
):
    doomed = post(live, member, "Something regrettable")
    kept = post(live, member, "Something fine")
    page = commissioner_client.get(chat_url(live))
    assert f'action="{delete_url(live, doomed)}"' in html_of(page)

    response = commissioner_client.post(delete_url(live, doomed), {"next": chat_url(live)})

    assert response.status_code == 302 and response["Location"] == chat_url(live)
    for client in (commissioner_client, other_member_client, reader_client):
        page = client.get(chat_url(live))
        assert f"chat-m{doomed.pk}" not in html_of(page)
        assert "Something regrettable" not in html_of(page)
        assert "Something fine" in log_text(page)
    # Kept for the record: who deleted it and when.
    doomed.refresh_from_db()
    assert doomed.deleted_by == commissioner and doomed.deleted_at is not None
    assert chatroom.chat_message_line(live.draft, doomed.pk) is None
    assert chatroom.chat_message_line(live.draft, kept.pk).author == "Strange Dylan"


def test_a_delete_with_htmx_answers_nothing_so_the_line_goes(live, member, commissioner_client):
    doomed = post(live, member, "Oops")
    response = commissioner_client.post(delete_url(live, doomed), **HTMX)
    assert response.status_code == 200 and response.content == b""
    assert ChatMessage.objects.get().is_deleted


def test_deleting_twice_keeps_the_first_record(live, member, commissioner, other_member):
    set_commissioner(
        league=live.league,
        actor=commissioner,
        membership=live.membership_of(other_member),
        value=True,
    )
    doomed = post(live, member, "Oops")
    delete_chat_message(draft=live.draft, actor=commissioner, message_id=doomed.pk)
    first = ChatMessage.objects.get().deleted_at
    delete_chat_message(draft=live.draft, actor=other_member, message_id=doomed.pk)
    doomed.refresh_from_db()
    assert (doomed.deleted_by, doomed.deleted_at) == (commissioner, first)


def test_only_a_commissioner_deletes(live, member, member_client, outsider_client, reader_client):
    message = post(live, member, "Mine")
    page = member_client.get(chat_url(live))
    assert "chat-line__tools" not in html_of(page)

    assert member_client.post(delete_url(live, message)).status_code == 403
    assert outsider_client.post(delete_url(live, message)).status_code == 403
    anonymous = reader_client.post(delete_url(live, message))
    assert anonymous.status_code == 302
    assert anonymous["Location"] == login_url(delete_url(live, message))
    assert not ChatMessage.objects.get().is_deleted


def test_a_private_leagues_message_cannot_be_deleted_by_an_outsider(
    private, member, outsider_client
):
    message = post(private, member, "Secret")
    assert outsider_client.post(delete_url(private, message)).status_code == 404
    assert not ChatMessage.objects.get().is_deleted


def test_a_message_of_another_draft_is_not_found(
    live, private, member, commissioner_client, commissioner
):
    elsewhere = post(private, member, "Elsewhere")
    url = reverse("draft:chat_delete", args=[live.league.slug, live.draft.slug, elsewhere.pk])
    assert commissioner_client.post(url).status_code == 404
    assert not ChatMessage.objects.get().is_deleted


# --- Posting with htmx -----------------------------------------------------------------------


def test_a_post_with_htmx_returns_an_empty_form_and_the_lines_since_the_page_was_shown(
    live, member, other_member, member_client
):
    page = member_client.get(chat_url(live))
    after = re.search(r'name="after" value="([^"]+)"', html_of(page)).group(1)
    # Meanwhile Maya said something the page does not show yet.
    said = post(live, other_member, "Who's up?")

    response = member_client.post(chat_url(live), {"text": "Me!", "after": after}, **HTMX)

    mine = ChatMessage.objects.get(text="Me!")
    html = html_of(response)
    assert response.status_code == 200
    assert html.lstrip().startswith('<form id="chat-form"')
    assert 'name="text"' in html and 'value="Me!"' not in html  # an empty form
    oob = re.search(r'<ol hx-swap-oob="beforeend:#chat-lines">(.*)</ol>', html, re.S).group(1)
    assert re.findall(r'<li id="(chat-[em]\d+)"', oob) == [f"chat-m{said.pk}", f"chat-m{mine.pk}"]
    # The new form asks, next time, for what came after this message.
    new_after = re.search(r'name="after" value="([^"]+)"', html).group(1)
    assert new_after == chatroom.ChatLine(message=mine).cursor


def test_a_post_from_a_page_far_behind_gets_the_whole_chat(live, other_member, member_client):
    page = member_client.get(chat_url(live))
    after = re.search(r'name="after" value="([^"]+)"', html_of(page)).group(1)
    ChatMessage.objects.bulk_create(
        ChatMessage(draft=live.draft, author=other_member, author_name="Maya Reel", text=f"m{n}")
        for n in range(chatroom.CHAT_PAGE_SIZE + 5)
    )

    response = member_client.post(chat_url(live), {"text": "Catch up", "after": after}, **HTMX)

    assert response["HX-Retarget"] == "#chat" and response["HX-Reswap"] == "outerHTML"
    assert html_of(response).lstrip().startswith('<section id="chat"')
    assert len(lines_of(response)) == chatroom.CHAT_PAGE_SIZE
    assert "Catch up" in log_text(response)


def test_a_polling_page_asks_for_the_lines_after_its_newest_one(
    live, member, other_member, reader_client
):
    """Where the live stream is not available the board asks, with each poll, for the chat's
    new lines: nothing new is a 204 and no body; otherwise just the lines after its cursor."""
    page = reader_client.get(chat_url(live))
    after = re.search(r'<li id="chat-[em]\d+"[^>]*data-cursor="([^"]+)"', html_of(page))
    newest = re.findall(r'data-cursor="([^"]+)"', html_of(page))[-1]
    assert after is not None

    nothing = reader_client.get(chat_url(live, after=newest), **HTMX)
    assert nothing.status_code == 204 and nothing.content == b""

    said = post(live, other_member, "Anyone awake?")
    make_pick(draft_id=live.draft.pk, user=member, movie_id=live.movies[0].pk, expected_slot=1)
    news = reader_client.get(chat_url(live, after=newest), **HTMX)
    assert news.status_code == 200
    pick = DraftEvent.objects.get(draft=live.draft, kind=DraftEvent.Kind.PICK)
    assert lines_of(news) == [f"chat-m{said.pk}", f"chat-e{pick.pk}"]
    assert "Anyone awake?" in html_of(news) and "<form" not in html_of(news)

    # A cursor that is not one: the newest page's lines (the page adds those it lacks).
    lost = reader_client.get(chat_url(live, after="nonsense"), **HTMX)
    assert lines_of(lost)[-2:] == [f"chat-m{said.pk}", f"chat-e{pick.pk}"]


def test_an_outsider_cannot_poll_a_private_leagues_chat(private, outsider_client, member):
    post(private, member, "Our secret")
    response = outsider_client.get(chat_url(private, after=""), **HTMX)
    assert response.status_code == 404
    assert b"Our secret" not in response.content


def test_the_first_message_of_an_empty_chat_is_added_to_the_list(
    commissioner, member, other_member, member_client
):
    setup = four_by_three(commissioner, [member, other_member], start=False, movies=0)
    page = member_client.get(chat_url(setup))
    assert 'name="after" value=""' in html_of(page)

    response = member_client.post(chat_url(setup), {"text": "First!", "after": ""}, **HTMX)

    assert "HX-Retarget" not in response
    oob = element(html_of(response).replace("<ol hx-swap-oob", '<ol id="oob" hx-swap-oob'), "oob")
    assert re.findall(r'<li id="(chat-[em]\d+)"', oob) == [f"chat-m{ChatMessage.objects.get().pk}"]


def test_a_line_renders_without_a_request_for_the_live_stream(live, member, films):
    """The stream renders a line once for every viewer: no request, no CSRF token, the same id
    as on the page, and the delete button there for the CSS to show to commissioners only."""
    from django.template.loader import render_to_string

    message = post(live, member, "Live <b>line</b> https://example.com")
    make_pick(draft_id=live.draft.pk, user=member, movie_id=films["halloween"].pk, expected_slot=1)
    event = DraftEvent.objects.filter(draft=live.draft).order_by("-id").first()
    context = {"league": live.league, "draft": live.draft, "chat_tools": True}

    line = chatroom.chat_message_line(live.draft, message.pk)
    html = render_to_string("draft/chat.html#chat-line", {**context, "line": line})
    system = render_to_string(
        "draft/chat.html#chat-line", {**context, "line": chatroom.chat_event_line(event)}
    )

    assert html.strip().startswith(f'<li id="chat-m{message.pk}" class="chat-line"')
    assert "Live &lt;b&gt;line&lt;/b&gt;" in html and 'href="https://example.com"' in html
    assert 'class="chat-line__tools"' in html and "csrfmiddlewaretoken" not in html
    assert system.strip().startswith(f'<li id="chat-e{event.pk}"')
    assert "1.01 Strange Dylan selects Halloween (1978)" in text(system)
    setup_event = DraftEvent.objects.filter(draft=live.draft, kind=DraftEvent.Kind.CREATE).first()
    assert chatroom.chat_event_line(setup_event) is None


# --- History, page by page ---------------------------------------------------------------------


def timeline(setup, users, *, messages: int, events: int, same_instant_every: int = 0):
    """`messages` messages and `events` pick events spread over time, oldest first; every
    `same_instant_every`-th pair shares one instant exactly (ties across the two tables)."""
    start = timezone.now() - timedelta(days=1)
    made_messages, made_events = [], []
    for n in range(max(messages, events)):
        moment = start + timedelta(seconds=n)
        tie = same_instant_every and n % same_instant_every == 0
        if n < messages:
            made_messages.append(
                ChatMessage(
                    draft=setup.draft,
                    author=users[n % len(users)],
                    author_name="Someone",
                    text=f"message {n}",
                    created_at=moment if tie else moment + timedelta(milliseconds=500),
                )
            )
        if n < events:
            made_events.append(
                DraftEvent(
                    draft=setup.draft,
                    kind=DraftEvent.Kind.PICK,
                    summary=f"event {n}",
                    version=setup.draft.version,
                    created_at=moment,
                )
            )
    ChatMessage.objects.bulk_create(made_messages)
    DraftEvent.objects.bulk_create(made_events)


def all_lines_in_order(setup) -> list[str]:
    lines = [chatroom.ChatLine(message=m) for m in chatroom.chat_messages(setup.draft)]
    lines += [chatroom.ChatLine(event=e) for e in chatroom.chat_events(setup.draft)]
    return [line.dom_id for line in sorted(lines, key=lambda line: line.key)]


def test_history_loads_page_by_page_without_gaps_or_repeats(live, member, other_member, client):
    timeline(live, [member, other_member], messages=70, events=45, same_instant_every=3)
    ChatMessage.objects.filter(text="message 7").update(deleted_at=timezone.now())
    everything = all_lines_in_order(live)
    assert len(everything) == 70 + 45 + 1 - 1  # + "Draft started", - the deleted message

    page = client.get(chat_url(live))
    seen = lines_of(page)
    assert seen == everything[-chatroom.CHAT_PAGE_SIZE :]
    pages = 1
    before = re.search(r'href="[^"]*\?before=([^"]+)"', html_of(page)).group(1)
    while before:
        older = client.get(chat_url(live), {"before": before}, **HTMX)
        assert older.status_code == 200
        html = html_of(older)
        seen = lines_of(older) + seen
        pages += 1
        # The answer is the lines, then the control that replaces the old one.
        assert html.lstrip().startswith("<li id=")
        control = element(html, "chat-earlier-control")
        assert 'hx-swap-oob="true"' in control
        found = re.search(r'\?before=([^"]+)"', control)
        before = found.group(1) if found else ""
        assert before or "This is the start of the chat." in text(control)
    assert seen == everything
    assert pages == -(-len(everything) // chatroom.CHAT_PAGE_SIZE)


def test_without_javascript_an_earlier_page_is_a_page_of_its_own(live, member, client):
    timeline(live, [member], messages=60, events=0)
    first = client.get(chat_url(live))
    link = re.search(r'<a id="chat-earlier-link"[^>]* href="([^"]+)"', html_of(first)).group(1)

    older = client.get(link.replace("&amp;", "&"))

    assert older.status_code == 200
    assert "Back to the latest messages" in text(older)
    assert "message 0" in log_text(older) and "message 59" not in log_text(older)
    assert set(lines_of(older)).isdisjoint(lines_of(first))


def test_a_cursor_that_is_not_one_shows_the_newest_page(live, member, client):
    post(live, member, "Newest")
    for junk in ["", "abc", "-1-m1", "99999999999999999999-m1", "1-x1", "1-m", "²-m1"]:
        response = client.get(chat_url(live), {"before": junk})
        assert response.status_code == 200, junk
        assert "Newest" in log_text(response), junk


# --- What the chat costs in queries ------------------------------------------------------------

# The chat page, whatever the number of messages, events and posters:
#   anonymous: the draft with its league; the messages (newest page + 1, with each poster's
#     board name in a subquery); the log's chat lines (newest page + 1).
#   member: + the session, the user, the membership.
CHAT_QUERIES = {"anonymous": 3, "member": 6}


@pytest.mark.parametrize("size", ["small", "large"])
def test_the_chat_costs_the_same_queries_whatever_its_length(
    size, live, member, other_member, django_assert_num_queries
):
    posters = [member, other_member, *make_users(30 if size == "large" else 1, prefix="fan")]
    if size == "large":
        timeline(live, posters, messages=600, events=300, same_instant_every=7)
    else:
        timeline(live, posters, messages=3, events=2)
    clients = {"anonymous": Client(), "member": Client()}
    clients["member"].force_login(member)
    for persona, count in CHAT_QUERIES.items():
        with django_assert_num_queries(count, info=f"chat page for {persona}"):
            page = clients[persona].get(chat_url(live))
        assert page.status_code == 200
        shown = min(chatroom.CHAT_PAGE_SIZE, len(all_lines_in_order(live)))
        assert len(lines_of(page)) == shown

        # A polling board asking for the lines after one it shows: the same queries.
        newest = re.findall(r'data-cursor="([^"]+)"', html_of(page))[-1]
        post(live, other_member, f"One more, for {persona}")
        with django_assert_num_queries(count, info=f"lines since, for {persona}"):
            since = clients[persona].get(chat_url(live), {"after": newest}, **HTMX)
        assert len(lines_of(since)) == 1 and f"One more, for {persona}" in html_of(since)

        before = re.search(r"\?before=([^\"]+)\"", html_of(page))
        if before is None:
            continue
        with django_assert_num_queries(count, info=f"earlier page for {persona}"):
            clients[persona].get(chat_url(live), {"before": before.group(1)}, **HTMX)
