"""The draft's event stream as production serves it: the ASGI application of config/asgi.py,
driven directly (no browser, no server), on the test database.

Who may open it is decided as for the board (an outsider of a private league gets a 404 and no
stream); the stream says it is ready with the board version, tells a page that is behind to
resync, and carries each pick as one small event with the changed pieces of the board and what
happened in words. Without LISTEN/NOTIFY (SQLite) it says at once that it is unavailable, and
the page polls.
"""

import asyncio
import threading
import time

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from draft import access, stream
from draft.services.picks import make_pick
from tests.web.streams import Stream, events_path, open_stream

pytestmark = pytest.mark.django_db(transaction=True)

STREAMS = connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _connections(asgi_connections):
    """Each stream opens in a thread of its own: its connection closes when it is done."""


def test_an_outsider_cannot_open_a_private_leagues_stream(private, outsider, member):
    for user in (None, outsider):
        answer = open_stream(events_path(private), user=user)
        assert answer.status == 404
        assert b"event:" not in answer.body
    assert not stream.hub.listeners  # nobody was subscribed


def test_only_get_opens_a_stream(public):
    answer = open_stream(events_path(public), method="POST")
    assert answer.status == 405
    assert answer.headers["allow"] == "GET, HEAD"


def sent_back_to_polling(answer: Stream) -> bool:
    """Without LISTEN/NOTIFY (SQLite) every stream answers at once that it is unavailable, and
    the page polls instead. Whether that is what happened (and it is all that happened)."""
    if STREAMS:
        return False
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/event-stream")
    assert answer.names() == ["unavailable"]
    assert answer.complete
    return True


def test_a_member_of_a_private_league_follows_its_stream(private, member):
    version = private.draft.version
    answer = open_stream(
        events_path(private), user=member, query=f"v={version}", until=lambda s: s.events()
    )
    if sent_back_to_polling(answer):
        return
    assert answer.status == 200
    assert answer.headers["cache-control"] == "no-cache, no-transform"
    assert answer.headers["x-accel-buffering"] == "no"
    assert answer.events() == [("ready", {"v": version})]
    assert b"retry: " in answer.body


def test_a_page_behind_the_board_is_told_to_resync(public):
    stale = public.draft.version - 1
    for seen in ("", f"v={stale}", "v=junk"):
        answer = open_stream(events_path(public), query=seen, until=lambda s: len(s.events()) >= 2)
        if sent_back_to_polling(answer):
            continue
        assert answer.names() == ["ready", "resync"], seen
    assert not stream.hub.listeners  # every stream let go when its viewer left


def test_a_pick_arrives_as_one_small_event_with_the_changed_board(public, member):
    draft = public.draft
    film = public.movies[0]

    def pick_once_listening():
        deadline = time.monotonic() + 5
        while STREAMS and not (stream.hub.listening.is_set() and stream.hub.viewers(draft.pk)):
            assert time.monotonic() < deadline, "the stream never started listening"
            time.sleep(0.01)
        try:
            make_pick(draft_id=draft.pk, user=member, movie_id=film.pk, expected_slot=1)
        finally:
            connection.close()  # this thread's own connection, before the database goes

    picker = threading.Thread(target=pick_once_listening)
    picker.start()
    answer = open_stream(
        events_path(public),
        query=f"v={draft.version}",
        until=lambda s: "board" in s.names(),
    )
    picker.join()
    if sent_back_to_polling(answer):
        return
    assert answer.names() == ["ready", "board"]
    event = dict(answer.events())["board"]
    assert event["from"] == draft.version
    assert event["v"] > draft.version
    assert event["say"] == [f"Strange Dylan picked {film} at 1.01."]
    assert event["taken"] == [film.pk]
    assert any(film.title in html for html in event["pieces"].values())
    assert any("selects" in line["html"] for line in event["chat"])
    # The event id is the board version: a reconnecting browser sends it back as Last-Event-ID.
    assert f"id: {event['v']}\nevent: board\n".encode() in answer.body
    # It carries the changed pieces of the board, not the whole page.
    board_event = answer.body[answer.body.index(b"id: ") :]
    assert len(board_event) < 8_000, f"the event is {len(board_event)} bytes"


def test_a_reconnecting_browser_with_the_current_version_is_not_resynced(public):
    # EventSource sends the last event id it saw when it reconnects: the board version.
    version = public.draft.version
    answer = open_stream(
        events_path(public),
        headers=[(b"last-event-id", str(version).encode())],
        until=Stream.events,
    )
    if sent_back_to_polling(answer):
        return
    assert answer.names() == ["ready"]
    behind = open_stream(
        events_path(public),
        headers=[(b"last-event-id", str(version - 1).encode())],
        until=Stream.events,
    )
    assert behind.names() == ["ready", "resync"]


def test_members_get_each_event_first_and_every_viewer_gets_it():
    """With hundreds of readers on one process, the members (whose own part may have to follow
    the event) are handed it first, and the readers all get it, a batch per turn of the loop."""
    got: list[stream.Listener] = []
    made: dict[str, list[stream.Listener]] = {}

    async def run():
        loop = asyncio.get_running_loop()
        hub = stream.Hub()
        reader, member = (
            access.Watcher(draft_id=7, league_id=1, commissioner=role) for role in (None, False)
        )
        readers = [
            stream.Listener(loop=loop, watcher=reader) for _ in range(3 * stream.DELIVERY_BATCH)
        ]
        members = [stream.Listener(loop=loop, watcher=member) for _ in range(2)]
        made.update(readers=readers, members=members)
        hub.listeners[7].update(readers + members)

        async def wait(listener):
            assert await listener.queue.get() == b"event"
            got.append(listener)

        waiting = [asyncio.ensure_future(wait(v)) for v in readers + members]
        await asyncio.sleep(0)
        await loop.run_in_executor(None, hub.publish, 7, b"event")
        await asyncio.wait_for(asyncio.gather(*waiting), 5)

    thread = threading.Thread(target=lambda: asyncio.run(run()))
    thread.start()
    thread.join(10)
    assert len(got) == len(made["readers"]) + 2
    assert set(got[:2]) == set(made["members"])


# --- The front door (issue 16, finding 3) ---------------------------------------------------

SECURITY_HEADERS = [
    "content-security-policy",
    "x-content-type-options",
    "x-frame-options",
    "referrer-policy",
    "cross-origin-opener-policy",
]


def test_a_stream_for_a_host_the_site_does_not_answer_to_is_a_400(public):
    """Every page answers 400 to a Host not in ALLOWED_HOSTS; the stream did answer 200."""
    page = Client(HTTP_HOST="evil.example").get(reverse("draft:board", args=[
        public.league.slug, public.draft.slug]))  # fmt: skip
    answer = open_stream(events_path(public), host=b"evil.example")
    assert page.status_code == answer.status == 400
    assert b"event:" not in answer.body


def test_a_stream_carries_the_security_headers_of_a_page(public):
    board = Client().get(reverse("draft:board", args=[public.league.slug, public.draft.slug]))
    answer = open_stream(
        events_path(public), query=f"v={public.draft.version}", until=lambda s: s.events()
    )
    assert answer.status == 200
    for name in SECURITY_HEADERS:
        assert answer.headers.get(name) == board.headers.get(name), name
        assert answer.headers.get(name), name


def test_a_stream_over_https_carries_hsts_as_pages_do(rf, settings):
    """The front door's middleware read their settings when they are made; the stream makes
    them for each answer, so this test can change the settings (the site's own middleware, made
    once, would not see it: production sets them before it starts)."""
    settings.SECURE_HSTS_SECONDS = 3600
    request = rf.get("/leagues/a/b/events/", secure=True)
    headers = dict(stream.front_door(request))
    assert headers[b"strict-transport-security"].startswith(b"max-age=3600")
    assert headers[b"content-type"] == b"text/event-stream; charset=utf-8"
    assert stream.front_door(rf.get("/", HTTP_HOST="evil.example")) is None
    settings.SECURE_SSL_REDIRECT = True
    assert stream.front_door(rf.get("/leagues/a/b/events/")) is None  # Django redirects it


def test_the_member_who_made_a_change_gets_its_event_first():
    """The picker's own board shows their pick no later than anyone's: their stream is handed
    the event before the other members', who come before the readers."""
    got: list[stream.Listener] = []
    made: dict[str, object] = {}

    async def run():
        loop = asyncio.get_running_loop()
        hub = stream.Hub()
        as_ = lambda user, role: access.Watcher(  # noqa: E731
            draft_id=7, league_id=1, user_id=user, commissioner=role
        )
        readers = [stream.Listener(loop=loop, watcher=as_(None, None)) for _ in range(60)]
        members = [stream.Listener(loop=loop, watcher=as_(n, False)) for n in range(10, 20)]
        picker = stream.Listener(loop=loop, watcher=as_(15, False))
        made.update(picker=picker, members=members)
        hub.listeners[7].update(readers + members + [picker])

        async def wait(listener):
            assert await listener.queue.get() == b"event"
            got.append(listener)

        waiting = [asyncio.ensure_future(wait(v)) for v in [*readers, *members, picker]]
        await asyncio.sleep(0)
        await loop.run_in_executor(None, lambda: hub.publish(7, b"event", first={15}))
        await asyncio.wait_for(asyncio.gather(*waiting), 5)

    thread = threading.Thread(target=lambda: asyncio.run(run()))
    thread.start()
    thread.join(10)
    assert got[0].watcher.user_id == 15 and got[1].watcher.user_id == 15
    assert {v.watcher.user_id for v in got[2:11]} <= set(range(10, 20))
