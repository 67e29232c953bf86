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
the board. Without an ASGI server or without PostgreSQL the stream is not offered and pages
poll instead (a 204 when nothing changed).
"""

from __future__ import annotations

import asyncio
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
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections, connection, connections
from django.http import Http404
from django.template.loader import get_template
from django.urls import Resolver404, resolve
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string

from config.inputs import parse_int
from draft import bus, live, selectors
from draft.access import get_draft_for_viewer
from draft.models import Draft, DraftEvent

logger = logging.getLogger(__name__)

# How long a stream stays quiet before it sends a comment line (proxies close idle streams).
KEEPALIVE_SECONDS = 15
# What a browser waits before it reconnects a dropped stream.
RETRY_MS = 2000


def available() -> bool:
    """Whether pages should open the stream: PostgreSQL carries the notifications. (Under a
    WSGI server the stream answers at once that it is unavailable, and the page polls.)"""
    return connection.vendor == "postgresql"


def message(event: str, data, *, event_id: int | None = None) -> bytes:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"event: {event}")
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    lines.extend(f"data: {line}" for line in text.split("\n"))
    return ("\n".join(lines) + "\n\n").encode()


# --- What an event says -------------------------------------------------------------------


def events_between(draft: Draft, after: int, upto: int) -> list[DraftEvent]:
    """The draft's log between two versions, oldest first (one query)."""
    events = DraftEvent.objects.filter(draft=draft, version__gt=after, version__lte=upto)
    return list(events.select_related("movie").order_by("id"))


def sentences(draft: Draft, events: list[DraftEvent]) -> list[str]:
    """What the log says happened, in plain words, for the live region."""
    state = live.state_of(draft)
    return [sentence for event in events for sentence in _say(event, state)]


def chat_line_html(draft: Draft, line) -> dict:
    """One chat line as the stream sends it: its id and its HTML, rendered once for everyone
    (the delete button is in it; only a commissioner's chat shows it)."""
    html = get_template("draft/chat.html#chat-line").render(
        {"line": line, "league": draft.league, "draft": draft, "chat_tools": True}
    )
    return {"id": line.dom_id, "html": html.strip()}


def _say(event: DraftEvent, state) -> list[str]:
    Kind = DraftEvent.Kind
    who = ""
    if event.slot and event.slot <= state.total_slots:
        who = state.seat_for_slot(event.slot).membership.display_name
    label = state.label(event.slot) if event.slot else ""
    if event.kind in (Kind.PICK, Kind.RULING):
        extra = " (a commissioner's ruling)" if event.kind == Kind.RULING else ""
        return [f"{who} picked {event.movie} at {label}{extra}."]
    if event.kind == Kind.AUTOPICK:
        return [f"{who} picked {event.movie} at {label} (autopick from the queue)."]
    if event.kind == Kind.SKIP:
        late = " because time ran out" if "time ran out" in event.summary else ""
        return [f"{who} was skipped at {label}{late}."]
    if event.kind == Kind.UNDO:
        if event.movie_id:
            return [f"Undone: {who}'s pick of {event.movie} at {label}."]
        return [f"Undone: the skip of {who} at {label}."]
    return {
        Kind.PAUSE: ["The draft is paused."],
        Kind.RESUME: ["The draft is live again."],
        Kind.START: ["The draft has started."],
        Kind.COMPLETE: ["The draft is complete: every pick is in."],
    }.get(event.kind, [])


def board_event(draft: Draft, previous: live.SharedBoard | None) -> tuple[bytes, live.SharedBoard]:
    """The event for the draft's current version, for viewers who hold `previous`: the pieces
    that changed, or (no previous, or a changed grid shape) the instruction to reload."""
    shared = live.shared_board(draft)
    changes = shared.changes_since(previous) if previous is not None else None
    events = events_between(draft, previous.version, shared.version) if previous else []
    lines = (selectors.chat_event_line(event) for event in events)
    data = {
        "v": shared.version,
        "from": previous.version if previous is not None else None,
        "turn": shared.turn,
        "say": sentences(draft, events),
        "pieces": changes,
        "taken": sorted(live.state_of(draft).picked_movie_ids),
        # The chat shows every pick, undo, skip, pause and resume as a line of its own.
        "chat": [chat_line_html(draft, line) for line in lines if line is not None],
    }
    return message("board", data, event_id=shared.version), shared


# --- The hub ------------------------------------------------------------------------------


@dataclass(eq=False)
class Listener:
    """One open stream: where to put its events (an asyncio queue on its event loop)."""

    draft_id: int
    loop: asyncio.AbstractEventLoop
    version: int = 0  # the board version the viewer was given when the stream opened
    # A signed-in member of the league: after a change, their own part of the board may have
    # to be fetched too, so they get each event first.
    member: bool = False
    queue: asyncio.Queue = field(default_factory=asyncio.Queue)


class Hub:
    """One per process. Listens on PostgreSQL; fans each change out to this process's viewers.

    The listening connection is the hub's own (not Django's), in autocommit. If it drops, the
    hub reconnects with a growing pause and tells every viewer to resync, since a change may
    have come and gone meanwhile."""

    def __init__(self):
        self.lock = threading.Lock()
        self.listeners: dict[int, set[Listener]] = defaultdict(set)
        self.sent: dict[int, live.SharedBoard] = {}  # the last board sent, per draft
        self.thread: threading.Thread | None = None
        self.stopping = threading.Event()
        self.listening = threading.Event()  # set while the LISTEN connection is up

    # Called from the stream views, on the event loop's thread.

    def subscribe(self, listener: Listener) -> None:
        with self.lock:
            self.listeners[listener.draft_id].add(listener)
            if self.thread is None or not self.thread.is_alive():
                self.stopping.clear()
                self.thread = threading.Thread(target=self.run, name="draft-stream", daemon=True)
                self.thread.start()

    def unsubscribe(self, listener: Listener) -> None:
        with self.lock:
            viewers = self.listeners.get(listener.draft_id)
            if viewers is not None:
                viewers.discard(listener)
                if not viewers:
                    del self.listeners[listener.draft_id]
                    self.sent.pop(listener.draft_id, None)

    def viewers(self, draft_id: int) -> int:
        with self.lock:
            return len(self.listeners.get(draft_id, ()))

    def stop(self, timeout: float = 5.0) -> None:
        """Stop listening (a shutting-down process, or a test letting go of its database)."""
        self.stopping.set()
        thread = self.thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout)

    # The hub's thread.

    def run(self) -> None:
        pause, reconnecting = 0.5, False
        while not self.stopping.is_set():
            try:
                with _listening_connection() as conn:
                    pause = 0.5
                    self.listening.set()
                    if reconnecting:
                        self.resync_all()  # anything may have happened while we were away
                    else:
                        self.catch_up()  # streams that opened before the LISTEN was up
                    reconnecting = True
                    while not self.stopping.is_set():
                        # Returns after the timeout when nothing came: look again (or stop).
                        for note in conn.notifies(timeout=1.0):
                            self.handle(note.payload)
            except Exception:
                logger.warning("Live updates: lost the database; retrying in %.1f s", pause)
                logger.debug("Listening failed", exc_info=True)
                self.stopping.wait(pause)
                pause = min(pause * 2, 10.0)
            finally:
                self.listening.clear()
                close_old_connections()
        connections.close_all()

    def handle(self, payload: str) -> None:
        try:
            note = json.loads(payload)
            draft_id = int(note["d"])
        except (ValueError, KeyError, TypeError):
            return
        if not self.viewers(draft_id):
            return
        try:
            if "m" in note:
                self.publish(draft_id, chat_event(note))
            else:
                self.publish_board(draft_id, version=int(note.get("v") or 0))
        except Exception:
            logger.exception("Live updates: could not build the event for draft %s", draft_id)
            connection.close()
            self.publish(draft_id, message("resync", {}))

    def publish_board(self, draft_id: int, *, version: int) -> None:
        previous = self.sent.get(draft_id)
        if previous is not None and previous.version >= version:
            return  # sent already (several changes in one transaction)
        draft = Draft.objects.select_related("league").filter(pk=draft_id).first()
        if draft is None:
            return
        if previous is None:
            previous = live.previous_board(draft)
        event, shared = board_event(draft, previous)
        self.sent[draft_id] = shared
        self.publish(draft_id, event)

    def publish(self, draft_id: int, event: bytes) -> None:
        with self.lock:
            viewers = sorted(self.listeners.get(draft_id, ()), key=lambda v: not v.member)
        by_loop: dict[asyncio.AbstractEventLoop, list[Listener]] = defaultdict(list)
        for viewer in viewers:
            by_loop[viewer.loop].append(viewer)
        for loop, group in by_loop.items():
            try:
                loop.call_soon_threadsafe(_deliver, group, event)
            except RuntimeError:  # that loop is closed: its streams are gone
                for viewer in group:
                    self.unsubscribe(viewer)

    def catch_up(self) -> None:
        """Resync the viewers whose board changed between their stream opening and this
        process listening (a change then made a notification nobody here heard)."""
        with self.lock:
            given = {d: min(v.version for v in group) for d, group in self.listeners.items()}
        if not given:
            return
        current = dict(Draft.objects.filter(pk__in=given).values_list("pk", "version"))
        for draft_id, version in given.items():
            if current.get(draft_id, version) != version:
                self.publish(draft_id, message("resync", {}))

    def resync_all(self) -> None:
        with self.lock:
            drafts = list(self.listeners)
            self.sent.clear()
        for draft_id in drafts:
            self.publish(draft_id, message("resync", {}))


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


class _listening_connection:
    """A psycopg connection of its own, in autocommit, listening on the bus channel."""

    def __enter__(self):
        import psycopg

        params = connections["default"].get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        self.conn = psycopg.connect(**params, autocommit=True)
        self.conn.execute(f"LISTEN {bus.CHANNEL}")
        return self.conn

    def __exit__(self, *exc):
        try:
            self.conn.close()
        except Exception:
            logger.debug("Closing the listening connection failed", exc_info=True)


def chat_event(note: dict) -> bytes:
    """A chat message posted (its line) or deleted (its id, to take it away)."""
    dom_id = f"chat-m{int(note['m'])}"
    if note.get("x"):
        return message("chat", {"id": dom_id, "deleted": True})
    draft = Draft.objects.select_related("league").get(pk=int(note["d"]))
    line = selectors.chat_message_line(draft, int(note["m"]))
    if line is None:
        return message("chat", {"id": dom_id, "deleted": True})
    return message("chat", chat_line_html(draft, line))


hub = Hub()


def keepalive() -> bytes:
    return f": {int(time.time())}\n\n".encode()


def ready(version: int) -> bytes:
    return f"retry: {RETRY_MS}\n".encode() + message("ready", {"v": version})


def unavailable() -> bytes:
    """What a stream answers where it cannot stream (a WSGI server): poll instead."""
    return f"retry: {60_000}\n".encode() + message("unavailable", {})


# --- The stream itself, served straight from ASGI ---------------------------------------


def open_stream(
    request, league_slug: str, draft_slug: str
) -> tuple[live.SharedBoard, int, bool] | None:
    """Whether the viewer may watch this draft (exactly as for the board: outsiders of a
    private league get nothing), the board they will be kept up to date from, the draft's id
    and whether the viewer is a member. Runs in a worker thread; gives its database connection
    back before the stream starts waiting."""
    try:
        store = import_string(settings.SESSION_ENGINE).SessionStore
        request.session = store(request.COOKIES.get(settings.SESSION_COOKIE_NAME))
        request.user = SimpleLazyObject(lambda: get_user(request))
        draft, membership = get_draft_for_viewer(request, league_slug, draft_slug)
        return live.shared_board(draft), draft.pk, membership is not None
    except Http404:
        return None
    finally:
        connection.close()


class EventsApp:
    """The draft's event stream as a plain ASGI application, in front of Django's.

    A stream lives for hours and only waits: going through Django's request handling would
    keep a thread (and its middleware's context) for each open stream. Here a stream is a
    task on the event loop; the one moment it needs the database (who may watch, the current
    board) runs in the shared thread pool. The URL is the board's `events/` route of Django's
    URLconf, so the address is defined once."""

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
        if scope["method"] not in ("GET", "HEAD"):
            await _plain(send, 405, b"Only GET.", [(b"allow", b"GET, HEAD")])
            return
        request = ASGIRequest(scope, io.BytesIO())
        opened = await sync_to_async(open_stream, thread_sensitive=False)(request, league, draft)
        if opened is None:
            await _plain(send, 404, b"No such draft.")
            return
        shared, draft_id, member = opened
        if not available():
            # No notifications to carry (SQLite): say so at once, and the page polls.
            await _plain(send, 200, unavailable(), [], content_type=b"text/event-stream")
            return
        seen = parse_int(request.headers.get("Last-Event-ID") or request.GET.get("v"))
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [
                    (b"content-type", b"text/event-stream; charset=utf-8"),
                    (b"cache-control", b"no-cache, no-transform"),
                    # nginx and friends: do not hold the stream back.
                    (b"x-accel-buffering", b"no"),
                ],
            }
        )
        if scope["method"] == "HEAD":
            await send({"type": "http.response.body", "body": b""})
            return
        listener = Listener(
            draft_id=draft_id,
            loop=asyncio.get_running_loop(),
            version=shared.version,
            member=member,
        )
        hub.subscribe(listener)
        gone = asyncio.ensure_future(_disconnected(receive))
        try:
            first = ready(shared.version)
            if seen != shared.version:
                first += message("resync", {}, event_id=shared.version)
            await send({"type": "http.response.body", "body": first, "more_body": True})
            while True:
                waiting = asyncio.ensure_future(listener.queue.get())
                done, _ = await asyncio.wait(
                    {waiting, gone}, timeout=KEEPALIVE_SECONDS, return_when=asyncio.FIRST_COMPLETED
                )
                if gone in done:
                    waiting.cancel()
                    break
                body = waiting.result() if waiting in done else keepalive()
                if waiting not in done:
                    waiting.cancel()
                await send({"type": "http.response.body", "body": body, "more_body": True})
        except OSError:
            pass  # the client went away mid-send
        finally:
            hub.unsubscribe(listener)
            gone.cancel()


async def _disconnected(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _plain(
    send, status: int, body: bytes, headers=(), content_type=b"text/plain; charset=utf-8"
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", content_type), *headers],
        }
    )
    await send({"type": "http.response.body", "body": body})
