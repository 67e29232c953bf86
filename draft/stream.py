"""The live draft room: Server-Sent Events per draft, fed by PostgreSQL LISTEN/NOTIFY.

Each app process has one `Hub`: a thread holding one listening connection. When a change
commits, the services' NOTIFY (draft/bus.py) reaches every process; the hub renders what every
viewer shares once (the board pieces that changed since the version it last sent, the turn,
what happened in plain words) and hands the same bytes to every viewer of that draft connected
to this process. A viewer's own part (their pick panel, a commissioner's console) is fetched by
their page only when the event says it changed for them.

The event id is the board version: a client that reconnects sends Last-Event-ID and, if it
missed anything, gets one "resync" event and reloads the board with one request. The stream
carries only what every viewer of the board may see; who may open it is checked exactly as for
the board, and checked again whenever that may have changed (a change of access announced on
the bus, and every STREAM_RECHECK_SECONDS): a viewer who lost access gets "gone" and the stream
ends. Without an ASGI server or without PostgreSQL the stream is not offered and pages poll
instead (a 204 when nothing changed).
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth import get_user
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections, connection, connections
from django.http import Http404, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string

from config.inputs import parse_int
from draft import access, bus, events, live
from draft.models import Draft

logger = logging.getLogger(__name__)

# How long a stream stays quiet before it sends a comment line (proxies close idle streams).
KEEPALIVE_SECONDS = 15


def available() -> bool:
    """Whether pages should open the stream: PostgreSQL carries the notifications. (Under a
    WSGI server the stream answers at once that it is unavailable, and the page polls.)"""
    return connection.vendor == "postgresql"


# --- The hub ------------------------------------------------------------------------------


# Put in a stream's queue in place of an event: its viewer may no longer watch; end it.
CLOSED = object()
# The server is shutting down (config/workers.py): the stream ends, and its browser comes back.
ENDING = object()


def recheck_seconds() -> float:
    """How often every open stream's access is checked again, notification or not (a change
    made straight in the database sends none)."""
    return settings.STREAM_RECHECK_SECONDS


@dataclass(eq=False)
class Listener:
    """One open stream: where to put its events (an asyncio queue on its event loop), and who
    it was let in as (checked again whenever that may have changed)."""

    loop: asyncio.AbstractEventLoop
    watcher: access.Watcher
    version: int = 0  # the board version the viewer was given when the stream opened
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)

    @property
    def draft_id(self) -> int:
        return self.watcher.draft_id

    @property
    def member(self) -> bool:
        """A member of the league: after a change, their own part of the board may have to be
        fetched too, so they get each event first."""
        return self.watcher.member


class Hub:
    """One per process. Listens on PostgreSQL; fans each change out to this process's viewers,
    and closes the streams of viewers who may no longer watch.

    The listening connection is the hub's own (not Django's), in autocommit. If it drops, the
    hub reconnects with a growing pause and tells every viewer to resync, since a change may
    have come and gone meanwhile."""

    def __init__(self):
        self.lock = threading.Lock()
        self.listeners: dict[int, set[Listener]] = defaultdict(set)
        self.sent: dict[int, live.SharedBoard] = {}  # the last board sent, per draft
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()
        self.listening = threading.Event()  # set while the LISTEN is up and caught up
        # Counts the changes of access heard; a stream that saw it move while it was being
        # let in asks to be checked again (`recheck_soon`), as the change may have missed it.
        self.access_changes = 0
        self.pending: set[Listener] = set()  # streams to check again at the next turn
        self.next_recheck = 0.0  # when every stream is checked again (time.monotonic())
        # The watchdog (`watch_due`): when the database's versions are next compared with
        # the ones sent, and the drafts found ahead at the last comparison.
        self.next_watch = 0.0
        self.behind: dict[int, int] = {}
        # The version each draft's viewers were last given or told to fetch (resync).
        self.known: dict[int, int] = {}
        # When the hub's thread last went round its loop; a thread that stops going round is
        # replaced (`ensure_running`), and the one it replaced leaves when it wakes.
        self.beat = time.monotonic()
        self.generation = 0

    # Called from the stream views, on the event loop's thread.

    def subscribe(self, listener: Listener) -> None:
        with self.lock:
            self.listeners[listener.draft_id].add(listener)
            if self.thread is None or not self.thread.is_alive():
                self._start(replacing=False)

    def ensure_running(self) -> None:
        """Called by the streams as they wait: a hub thread that has not gone round its loop
        for STUCK_SECONDS (blocked on a connection that neither answers nor fails) is
        replaced, and every stream is resynced by the new one."""
        with self.lock:
            if self.thread is None or not self.listeners:
                return
            if self.thread.is_alive() and time.monotonic() - self.beat < STUCK_SECONDS:
                return
            logger.error("Live updates: the hub stopped going round; starting it again")
            self._start(replacing=True)

    def _start(self, *, replacing: bool) -> None:
        # With the lock held.
        self.stopping.clear()
        self.generation += 1
        self.beat = time.monotonic()
        self.thread = threading.Thread(
            target=self.run, args=(self.generation, replacing), name="draft-stream", daemon=True
        )
        self.thread.start()

    def unsubscribe(self, listener: Listener) -> None:
        with self.lock:
            viewers = self.listeners.get(listener.draft_id)
            if viewers is not None:
                viewers.discard(listener)
                if not viewers:
                    del self.listeners[listener.draft_id]
                    self.sent.pop(listener.draft_id, None)
                    self.known.pop(listener.draft_id, None)

    def viewers(self, draft_id: int) -> int:
        with self.lock:
            return len(self.listeners.get(draft_id, ()))

    def recheck_soon(self, listener: Listener) -> None:
        with self.lock:
            self.pending.add(listener)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening (a shutting-down process, or a test letting go of its database)."""
        self.stopping.set()
        thread = self.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # The hub's thread.

    def run(self, generation: int = 0, replacing: bool = False) -> None:
        pause, reconnecting = 0.5, replacing  # a replacement resyncs everyone
        current = lambda: not self.stopping.is_set() and self.generation == generation  # noqa: E731
        while current():
            try:
                with bus.listening_connection() as conn:
                    pause = 0.5
                    if reconnecting:
                        self.resync_all()  # anything may have happened while we were away
                    else:
                        self.catch_up()  # streams that opened before the LISTEN was up
                    self.listening.set()  # after the catch-up: a change made during it came twice
                    reconnecting = True
                    while current():
                        self.beat = time.monotonic()
                        # Returns after the timeout, notifications or not: look again (or stop).
                        for note in conn.notifies(timeout=1.0):
                            self.handle(note.payload)
                        self.recheck_due()
                        self.watch_due()
            except Exception:
                logger.warning("Live updates: lost the database; retrying in %.1f s", pause)
                logger.debug("Listening failed", exc_info=True)
                self.stopping.wait(pause)
                # Soon, and at most every two seconds: streams are resynced as soon as the
                # database is back (a restart, a failover).
                pause = min(pause * 2, 2.0)
            finally:
                if self.generation == generation:
                    self.listening.clear()
                close_old_connections()
        connections.close_all()

    def handle(self, payload: str) -> None:
        try:
            note = json.loads(payload)
            if "a" in note:
                return self.access_changed(note)
            draft_id = int(note["d"])
        except (ValueError, KeyError, TypeError, AttributeError):
            return
        if not self.viewers(draft_id):
            return
        try:
            if "m" in note:
                self.publish(draft_id, events.chat_event(note))
            else:
                self.publish_board(draft_id, version=int(note.get("v") or 0))
        except Exception:
            logger.exception("Live updates: could not build the event for draft %s", draft_id)
            connection.close()
            self.publish(draft_id, events.message("resync", {}))

    def publish_board(self, draft_id: int, *, version: int) -> None:
        previous = self.sent.get(draft_id)
        if previous is not None and previous.version >= version:
            return  # sent already (several changes in one transaction)
        draft = Draft.objects.select_related("league").filter(pk=draft_id).first()
        if draft is None:
            return
        if previous is None:
            previous = live.previous_board(draft)
        event = events.board_event(draft, previous)
        self.sent[draft_id] = event.shared
        self.known[draft_id] = event.shared.version
        self.publish(draft_id, event.message, first=event.actors)

    def publish(self, draft_id: int, event: bytes, *, first=frozenset()) -> None:
        """Hand the event to every viewer of the draft in this process: those who made the
        change first (the picker sees their pick no later than anyone), then the members
        (their own part may have to follow), then the readers."""
        with self.lock:
            viewers = sorted(
                self.listeners.get(draft_id, ()),
                key=lambda v: (v.watcher.user_id not in first, not v.member),
            )
        by_loop: dict[asyncio.AbstractEventLoop, list[Listener]] = defaultdict(list)
        for viewer in viewers:
            by_loop[viewer.loop].append(viewer)
        for loop, group in by_loop.items():
            try:
                loop.call_soon_threadsafe(_deliver, group, event)
            except RuntimeError:  # that loop is closed: its streams are gone
                for viewer in group:
                    self.unsubscribe(viewer)

    # Access: every stream is let in as someone (its Listener's watcher). Whenever that may
    # have changed, the stream is checked again, as a page would be: in time for the next
    # event when a service said so (draft/bus.py), at most `recheck_seconds` later when a
    # change said nothing (made in SQL, a session that expired). All on the hub's thread.

    def access_changed(self, note: dict) -> None:
        """A league's access changed (all its streams, or one person's) or a user's sessions
        did (that user's streams, in every league): check those streams again now."""
        league_id = int(note["l"]) if note.get("l") is not None else None
        user_id = int(note["u"]) if note.get("u") is not None else None
        with self.lock:
            self.access_changes += 1
            chosen = [
                listener
                for group in self.listeners.values()
                for listener in group
                if (league_id is None or listener.watcher.league_id == league_id)
                and (user_id is None or listener.watcher.user_id == user_id)
            ]
        self.recheck(chosen)

    def recheck_due(self) -> None:
        """Check the streams that asked for it and, every `recheck_seconds`, all of them."""
        now = time.monotonic()
        with self.lock:
            chosen, self.pending = self.pending, set()
            if now >= self.next_recheck:
                self.next_recheck = now + recheck_seconds()
                chosen = {listener for group in self.listeners.values() for listener in group}
        self.recheck(chosen)

    def recheck(self, listeners) -> None:
        """Close the streams whose viewer may no longer watch; tell those whose viewer now
        watches as someone else (signed out, another role) to resync, so their page fetches
        its own parts as who they are now. A few queries for any number of streams."""
        listeners = list(listeners)
        if not listeners:
            return
        try:
            verdicts = {}
            watchers = list({listener.watcher for listener in listeners})
            for start in range(0, len(watchers), RECHECK_BATCH):
                verdicts.update(access.recheck(watchers[start : start + RECHECK_BATCH]))
        except Exception:
            logger.warning("Live updates: could not check access; trying again", exc_info=True)
            connection.close()
            with self.lock:
                self.pending.update(listeners)
            return
        for listener in listeners:
            verdict, now = verdicts[listener.watcher]
            if verdict is access.Verdict.LOST:
                self.close(listener)
            elif verdict is access.Verdict.CHANGED:
                listener.watcher = now
                self.send(listener, events.message("resync", {}))

    def end_streams(self) -> int:
        """The server is shutting down: end every stream now rather than at the graceful
        timeout, each asking its browser to come back in a moment (to the next server, with
        the last version it saw). How many there were."""
        with self.lock:
            listeners = [listener for group in self.listeners.values() for listener in group]
        for listener in listeners:
            self.send(listener, ENDING)
        return len(listeners)

    def close(self, listener: Listener) -> None:
        """End one stream: it gets nothing more, and its viewer's page is told why."""
        self.unsubscribe(listener)
        self.send(listener, CLOSED)

    def send(self, listener: Listener, item) -> None:
        try:
            listener.loop.call_soon_threadsafe(listener.queue.put_nowait, item)
        except RuntimeError:  # that loop is closed: the stream is gone
            self.unsubscribe(listener)

    def watch_due(self) -> None:
        """Every WATCH_SECONDS, compare each watched draft's version with the one its viewers
        were last given: a draft found ahead twice in a row (a notification lost, whatever
        lost it) is sent now. (Once is not enough: a change's notification may be on its
        way.) One query."""
        now = time.monotonic()
        if now < self.next_watch:
            return
        self.next_watch = now + WATCH_SECONDS
        with self.lock:
            given = {d: min(v.version for v in group) for d, group in self.listeners.items()}
        if not given:
            self.behind.clear()
            return
        try:
            current = dict(Draft.objects.filter(pk__in=given).values_list("pk", "version"))
        except Exception:
            logger.warning("Live updates: could not compare versions", exc_info=True)
            connection.close()
            return
        behind = {}
        for draft_id, version in current.items():
            if version <= self.known.get(draft_id, given[draft_id]):
                continue
            if self.behind.get(draft_id) is None:
                behind[draft_id] = version  # perhaps on its way: look again next time
                continue
            logger.warning("Live updates: draft %s moved on unheard; sending it now", draft_id)
            try:
                self.publish_board(draft_id, version=version)
            except Exception:
                logger.exception("Live updates: could not catch draft %s up", draft_id)
                connection.close()
                self.publish(draft_id, events.message("resync", {}))
        self.behind = behind

    def catch_up(self) -> None:
        """Resync the viewers whose board changed between their stream opening and this
        process listening (a change then made a notification nobody here heard), and check
        every stream's access (a change of access may have gone unheard the same way)."""
        with self.lock:
            self.next_recheck = 0.0
            given = {d: min(v.version for v in group) for d, group in self.listeners.items()}
        if not given:
            return
        current = dict(Draft.objects.filter(pk__in=given).values_list("pk", "version"))
        for draft_id, version in given.items():
            if current.get(draft_id, version) != version:
                self.publish(draft_id, events.message("resync", {}))
        self.known.update(current)

    def resync_all(self) -> None:
        with self.lock:
            drafts = list(self.listeners)
            self.sent.clear()
            self.known.clear()
            self.next_recheck = 0.0  # access may have changed unheard too
        for draft_id in drafts:
            self.publish(draft_id, events.message("resync", {}))
        # What they fetch now is the current board: the watchdog compares with that.
        self.known.update(Draft.objects.filter(pk__in=drafts).values_list("pk", "version"))


# Streams whose access is checked in one go (a few queries each).
RECHECK_BATCH = 1000
# How often the hub compares the versions of the drafts it serves with the database's.
WATCH_SECONDS = 3
# A hub thread that has not gone round its loop (at least once a second) for this long is
# replaced.
STUCK_SECONDS = 15

# Streams woken per turn of the event loop: between two batches the loop reads what came in,
# so a member's request for their own part is not queued behind a thousand sends.
DELIVERY_BATCH = 50


def _deliver(viewers: list[Listener], event: bytes) -> None:
    """Hand the event to the streams of one event loop (on that loop), members first (see
    Listener), a batch per turn of the loop."""
    for viewer in viewers[:DELIVERY_BATCH]:
        viewer.queue.put_nowait(event)
    if len(viewers) > DELIVERY_BATCH:
        viewers[0].loop.call_soon(_deliver, viewers[DELIVERY_BATCH:], event)


hub = Hub()


# --- The stream itself, served straight from ASGI ---------------------------------------


def open_stream(request, league_slug: str, draft_slug: str, loop) -> Listener | None:
    """The stream of a viewer who may watch this draft (exactly as for the board: outsiders of
    a private league get nothing), at the board they will be kept up to date from; None for
    one who may not. Runs in a worker thread; gives its database connection back before the
    stream starts waiting."""
    try:
        store = import_string(settings.SESSION_ENGINE).SessionStore
        request.session = store(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        request.user = SimpleLazyObject(lambda: get_user(request))
        draft, membership = access.get_draft_for_viewer(request, league_slug, draft_slug)
        return Listener(
            loop=loop,
            watcher=access.watcher_for(request, draft, membership),
            version=live.shared_board(draft).version,
        )
    except Http404:
        return None
    finally:
        connection.close()


# The middleware that give every answer of the site its security headers (they are in
# settings.MIDDLEWARE too). A stream's answer goes through the same ones, so it carries exactly
# what a page carries: the Content Security Policy, nosniff, the referrer and opener policies,
# HSTS, the frame ban.
FRONT_DOOR = [
    "django.middleware.security.SecurityMiddleware",
    "config.middleware.ContentSecurityPolicyMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]


def front_door(request) -> list[tuple[bytes, bytes]] | None:
    """The headers of a stream's answer, as the site's front door gives them; None when the
    front door answers the request itself (a host not in ALLOWED_HOSTS, plain HTTP where the
    site redirects to HTTPS): Django then answers it as it answers any page."""
    try:
        request.get_host()
    except DisallowedHost:
        return None
    stream_answer = HttpResponse(content_type="text/event-stream; charset=utf-8")
    stream_answer["Cache-Control"] = "no-cache, no-transform"
    stream_answer["X-Accel-Buffering"] = "no"  # nginx and friends: do not hold the stream back
    handler = lambda request: stream_answer  # noqa: E731
    for path in reversed(FRONT_DOOR):
        handler = import_string(path)(handler)
    if handler(request) is not stream_answer:
        return None
    return [(k.lower().encode(), v.encode("latin-1")) for k, v in stream_answer.items()]


class EventsApp:
    """The draft's event stream as a plain ASGI application, in front of Django's.

    A stream lives for hours and only waits: going through Django's request handling would
    keep a thread (and its middleware's context) for each open stream. Here a stream is a
    task on the event loop; the one moment it needs the database (who may watch, the current
    board) runs in the shared thread pool. The URL is the board's `events/` route of Django's
    URLconf, so the address is defined once. Everything but an open stream (a refusal, a bad
    host, a wrong method, a server without notifications) is answered by Django itself, with
    every middleware, as any page is."""

    def __init__(self, django_app):
        self.django_app = django_app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await self._lifespan(receive, send)
        match = self._match(scope) if scope["type"] == "http" else None
        if match is None:
            return await self.django_app(scope, receive, send)
        return await self.serve(scope, receive, send, **match.kwargs)

    @staticmethod
    def _match(scope):
        if not scope["path"].endswith("/events/"):
            return None
        try:
            match = resolve(scope["path"])
        except Resolver404:
            return None
        return match if match.view_name == "draft:events" else None

    async def _lifespan(self, receive, send):
        while True:
            event = await receive()
            if event["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif event["type"] == "lifespan.shutdown":
                await asyncio.get_running_loop().run_in_executor(None, hub.stop)
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def serve(self, scope, receive, send, *, league: str, draft: str):
        request = ASGIRequest(scope, io.BytesIO())
        headers = front_door(request)
        if headers is None or scope["method"] not in ("GET", "HEAD") or not available():
            # Django's board_events view: the 400, the 405, or (SQLite) "unavailable".
            return await self.django_app(scope, receive, send)
        changes_heard = hub.access_changes
        # Letting the viewer in takes a database connection, in its turn with the requests.
        slot = getattr(self.django_app, "slot", contextlib.nullcontext)
        async with slot():
            listener = await sync_to_async(open_stream, thread_sensitive=False)(
                request, league, draft, asyncio.get_running_loop()
            )
        if listener is None:
            return await self.django_app(scope, receive, send)  # the same 404 as the board
        seen = parse_int(request.headers.get("Last-Event-ID") or request.GET.get("v"), minimum=0)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        hub.subscribe(listener)
        if hub.access_changes != changes_heard:
            hub.recheck_soon(listener)  # access changed while the viewer was being let in
        gone = asyncio.ensure_future(_disconnected(receive))
        try:
            first = events.ready(listener.version)
            if seen != listener.version:
                first += events.message("resync", {}, event_id=listener.version)
            await send({"type": "http.response.body", "body": first, "more_body": True})
            while True:
                waiting = asyncio.ensure_future(listener.queue.get())
                done, _ = await asyncio.wait(
                    {waiting, gone}, timeout=KEEPALIVE_SECONDS, return_when=asyncio.FIRST_COMPLETED
                )
                if gone in done:
                    waiting.cancel()
                    break
                body = waiting.result() if waiting in done else events.keepalive()
                if waiting not in done:
                    waiting.cancel()
                    hub.ensure_running()  # a quiet stream checks that its hub still runs
                if body is CLOSED:
                    # The viewer may no longer watch: say so and end the answer. The page
                    # stops listening and loads again, and gets what anyone without access gets.
                    await send({"type": "http.response.body", "body": events.message("gone", {})})
                    break
                if body is ENDING:
                    await send({"type": "http.response.body", "body": events.come_back()})
                    break
                await send({"type": "http.response.body", "body": body, "more_body": True})
        except OSError:
            pass  # the client went away mid-send
        finally:
            hub.unsubscribe(listener)
            gone.cancel()


async def _disconnected(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass
