"""The hub never leaves streams stuck (issue 17, finding 6).

In one of three runs on a loaded machine, killing the hub's LISTEN connection left 200 open
streams stuck for good: a resync, events up to a version, then nothing while keepalives went
on. Now the hub reconnects and resyncs, and a watchdog compares the versions of the drafts it
serves with the database's every few seconds and sends what a lost notification did not; a hub
thread that stops going round its loop is replaced.
"""

import threading
import time

import pytest
from django.db import connection

from draft import bus, stream
from draft.models import Draft
from tests.draft.factories import four_by_three, pick_on_clock
from tests.web.streams import Room, events_path

pytestmark = pytest.mark.django_db(transaction=True)

STREAMS = connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _connections(asgi_connections):
    """Streams open in threads of their own."""


@pytest.fixture
def public(commissioner, member, other_member):
    """A live 4 × 3 draft with films enough for every pick."""
    return four_by_three(commissioner, [member, other_member], movies=40)


@pytest.fixture
def room():
    room = Room()
    yield room
    room.close()


def listening_backends() -> set[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            [bus.APPLICATION_NAME],
        )
        return {row[0] for row in cursor.fetchall()}


def kill(pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def versions_seen(answer) -> list[int]:
    return [data["v"] for name, data in answer.events() if name == "board"]


def test_every_stream_reaches_the_latest_version_after_ten_kills(room, public):
    if not STREAMS:
        assert room.open(events_path(public)).names() == ["unavailable"]  # the page polls
        return
    streams = [room.open(events_path(public), query=f"v={public.draft.version}") for _ in range(5)]
    killed: set[int] = set()
    for _ in range(10):
        # The hub's listening connection, a new one each time: it reconnected.
        room.wait(lambda: listening_backends() - killed, what="the hub to listen (again)")
        [pid] = listening_backends() - killed
        kill(pid)
        killed.add(pid)
        pick_on_clock(public)  # while the hub is away, or as it comes back
        time.sleep(0.05)
    # Every reconnection tells every stream to resync (anything may have happened meanwhile).
    # (Not one per kill: a kill that lands while the hub is still setting up a connection
    # costs it that connection, and the next one resyncs.)
    for answer in streams:
        room.wait(lambda a=answer: "resync" in a.names(), what="a resync")
    # Then one more change, with the hub listening again: every stream hears it.
    room.wait(lambda: listening_backends() - killed, what="the hub to listen again")
    pick_on_clock(public)
    latest = Draft.objects.get(pk=public.draft.pk).version
    for answer in streams:
        room.wait(lambda a=answer: latest in versions_seen(a), timeout=10, what="the last pick")
        assert not answer.complete


def test_a_notification_that_never_came_is_sent_by_the_watchdog(room, public, monkeypatch):
    """The change commits, its notification is lost (here: never sent): within a few seconds
    the watchdog finds the draft ahead of what its viewers were given, and sends it."""
    if not STREAMS:
        assert room.open(events_path(public)).names() == ["unavailable"]  # the page polls
        return
    watching = room.open(events_path(public), query=f"v={public.draft.version}")
    room.wait(lambda: stream.hub.listening.is_set(), what="the hub to listen")
    monkeypatch.setattr("draft.bus._notify", lambda payload: None)
    pick_on_clock(public)
    latest = Draft.objects.get(pk=public.draft.pk).version
    room.wait(
        lambda: latest in versions_seen(watching),
        timeout=3 * stream.WATCH_SECONDS + 2,
        what="the watchdog",
    )


def test_a_hub_thread_that_stops_going_round_is_replaced(room, public, monkeypatch):
    """A thread blocked for good (a connection that neither answers nor fails) is noticed by
    the streams as they wait, and a new hub resyncs every stream."""
    if not STREAMS:
        assert room.open(events_path(public)).names() == ["unavailable"]  # the page polls
        return
    monkeypatch.setattr(stream, "STUCK_SECONDS", 1)
    monkeypatch.setattr(stream, "KEEPALIVE_SECONDS", 0.2)
    watching = room.open(events_path(public), query=f"v={public.draft.version}")
    room.wait(lambda: listening_backends(), what="the hub to listen")
    released = threading.Event()
    blocked = stream.Hub.handle

    def stuck(hub, payload):
        released.wait(30)  # the thread hangs on its next notification
        return blocked(hub, payload)

    monkeypatch.setattr(stream.Hub, "handle", stuck)
    first = stream.hub.thread
    try:
        pick_on_clock(public)
        room.wait(lambda: stream.hub.thread is not first, timeout=10, what="a new hub")
        room.wait(lambda: "resync" in watching.names(), timeout=10, what="the resync")
    finally:
        released.set()
