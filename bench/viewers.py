"""`make bench-live`'s viewers: a small HTTP client on raw sockets (no dependency) and the
asyncio viewers that open the event streams, read each event as a browser would and note
when it came; the members among them also fetch their own part after an event that concerns
them."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from bench.harness import (
    BenchError,
)

if TYPE_CHECKING:
    from bench.live import ProductionServer, Room

# Opening streams: at most this many connecting at once (gunicorn's listen backlog is 2,048).
OPENING_AT_ONCE = 200
# How long every viewer may take to get one pick's event before it counts as missed.
EVENT_TIMEOUT = 20.0


# --- A small HTTP client ------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    cookies: dict[str, str]
    body: bytes


async def read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str], dict[str, str]]:
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    status = int(head[0].split()[1])
    headers, cookies = {}, {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        name, value = name.strip().lower(), value.strip()
        if name == "set-cookie":
            key, _, rest = value.partition("=")
            cookies[key] = rest.split(";", 1)[0]
        elif name:
            headers[name] = value
    return status, headers, cookies


async def read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", ""):
        parts = []
        while size := int((await reader.readline()).split(b";")[0], 16):
            parts.append((await reader.readexactly(size + 2))[:-2])
        await reader.readline()
        body = b"".join(parts)
    elif "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    else:
        body = await reader.read()
    if headers.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    return body


async def request(
    port: int, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> Answer:
    """One request on a connection of its own, as a browser tab would send it."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
        lines += ["Accept-Encoding: gzip", *(f"{k}: {v}" for k, v in headers.items())]
        if body:
            lines.append(f"Content-Length: {len(body)}")
        writer.write(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        status, response_headers, cookies = await read_head(reader)
        content = await read_body(reader, response_headers)
        return Answer(status, response_headers, cookies, content)
    finally:
        writer.close()


# --- Viewers ------------------------------------------------------------------------------


@dataclass
class Round:
    """One pick being measured: every viewer must get an event newer than `after`."""

    after: int
    remaining: int
    done: asyncio.Event = field(default_factory=asyncio.Event)
    panels_pending: int = 0
    panels_done: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self):
        self.panels_done.set()


class Viewer(asyncio.Protocol):
    """One open board: its event stream (and, for a seat holder, its personal fragment).

    An asyncio protocol rather than a stream reader: one callback per read keeps the client's
    own cost per event low (a thousand of them share one process), and an event counts as held
    when the read that completes it returns."""

    def __init__(self, bench: Viewers, member: int | None = None, cookie: str = ""):
        self.bench = bench
        self.member = member  # membership id of a signed-in seat holder
        self.cookie = cookie
        self.ready = asyncio.Event()  # "ready" came, or the stream failed
        self.events: list[tuple[int, float, int]] = []  # (version, held at, bytes)
        self.panels: list[tuple[int, float, int]] = []  # (round's version, held at, status)
        self.keepalives = 0
        self.resyncs = 0
        self.error = ""
        self.on_clock = bench.room.on_clock
        self.counted = -1  # the last round this viewer was counted in
        self.transport: asyncio.Transport | None = None
        self.in_head = True  # the response's head is still coming
        self.raw = b""  # bytes received and not parsed yet
        self.text = b""  # the stream without its chunk framing, not yet a whole message

    async def watch(self) -> None:
        bench = self.bench
        async with bench.opening:
            try:
                loop = asyncio.get_running_loop()
                await loop.create_connection(lambda: self, "127.0.0.1", bench.port)
            except OSError as error:
                self.fail(f"could not connect: {error!r}")
            await self.ready.wait()

    def connection_made(self, transport) -> None:
        self.transport = transport
        bench = self.bench
        head = [f"GET {bench.room.events_url}?v={bench.room.version} HTTP/1.1"]
        head += [f"Host: 127.0.0.1:{bench.port}", "Accept: text/event-stream"]
        head += ["Cache-Control: no-cache"]
        if self.cookie:
            head.append(f"Cookie: {self.cookie}")
        transport.write(("\r\n".join(head) + "\r\n\r\n").encode())

    def data_received(self, data: bytes) -> None:
        at = time.perf_counter()
        raw = self.raw + data
        if self.in_head:
            end = raw.find(b"\r\n\r\n")
            if end < 0:
                self.raw = raw
                return
            head = raw[:end].decode("latin-1").lower()
            status = head.split(None, 2)[1]
            if status != "200" or "transfer-encoding: chunked" not in head:
                self.fail(f"opened with status {status}")
                self.transport.close()
                return
            self.in_head, raw = False, raw[end + 4 :]
        while (line_end := raw.find(b"\r\n")) >= 0:
            size = int(raw[:line_end].split(b";")[0], 16)
            if size == 0:
                self.fail("the server ended the stream")
                break
            start = line_end + 2
            if len(raw) < start + size + 2:
                break
            self.text += raw[start : start + size]
            raw = raw[start + size + 2 :]
        self.raw = raw
        while (end := self.text.find(b"\n\n")) >= 0:
            message, self.text = self.text[:end], self.text[end + 2 :]
            self.on_message(message, at)

    def connection_lost(self, exc) -> None:
        if not self.bench.closing:
            self.fail(f"disconnected ({exc!r})" if exc else "disconnected")

    def fail(self, why: str) -> None:
        self.error = self.error or why
        self.ready.set()

    def on_message(self, raw: bytes, at: float) -> None:
        if raw.startswith(b":"):
            self.keepalives += 1
            return
        kind, event_id, data = "message", None, b""
        for line in raw.split(b"\n"):
            name, _, value = line.partition(b": ")
            if name == b"event":
                kind = value.decode()
            elif name == b"id":
                event_id = int(value)
            elif name == b"data":
                data = value  # the bench's events are one line of JSON
        if kind == "ready":
            self.ready.set()
        elif kind == "resync":
            self.resyncs += 1
        elif kind == "board" and event_id is not None:
            self.events.append((event_id, at, len(raw) + 2))
            self.bench.board_event(self, event_id, data)

    async def fetch_panel(self, after: int, current: Round) -> None:
        """What a member's page does when an event says their turn changed."""
        asked = time.perf_counter()
        try:
            answer = await request(
                self.bench.port,
                "GET",
                self.bench.room.panel_url,
                {"Cookie": self.cookie, "HX-Request": "true"},
            )
            status = answer.status if b"pick-panel" in answer.body else -answer.status
        except (OSError, asyncio.IncompleteReadError) as error:
            status = 0
            self.error = self.error or f"panel: {error!r}"
        self.panels.append((after, time.perf_counter(), status))
        self.bench.panel_requests.append(time.perf_counter() - asked)
        current.panels_pending -= 1
        if current.panels_pending == 0:
            current.panels_done.set()


class Viewers:
    """Many open boards of one draft, in this process's event loop."""

    def __init__(self, port: int, room: Room, count: int, *, every_seat: bool = False):
        self.port, self.room = port, room
        # Whether every seat holder fetches their part after each event (the worst case), not
        # only the two whose turn changed (what the page does).
        self.every_seat = every_seat
        self.opening = asyncio.Semaphore(OPENING_AT_ONCE)
        self.closing = False
        self.round: Round | None = None
        self.round_number = 0
        self.on_clock = room.on_clock
        self.version = room.version
        self.viewers = [
            Viewer(self, member=member, cookie=cookie)
            for member, cookie in list(room.cookies.items())[:count]
        ]
        self.viewers += [Viewer(self) for _ in range(count - len(self.viewers))]
        self.tasks: list[asyncio.Task] = []
        self.panel_requests: list[float] = []  # seconds each panel's GET took, its answer in
        # Panel fetches under way: the event loop keeps only weak references to its tasks.
        self.fetches: set[asyncio.Task] = set()

    async def open(self, first: int, server: ProductionServer) -> tuple[float, int, int]:
        """Open every stream, `first` of them before the rest. Returns the seconds it took and
        the workers' RSS after the first ones and after all: what a connection costs is the
        difference over the rest, past what the first requests of a worker load (templates,
        the board's render, the database pool)."""
        started = time.perf_counter()
        await self._open(self.viewers[:first])
        await asyncio.sleep(1)  # let the workers settle (a stream opens in a thread)
        rss_first = server.rss()
        await self._open(self.viewers[first:])
        await asyncio.sleep(1)
        rss_all = server.rss()
        return time.perf_counter() - started - 2, rss_first, rss_all

    async def _open(self, viewers: list[Viewer]) -> None:
        self.tasks += [asyncio.create_task(v.watch()) for v in viewers]
        await asyncio.gather(*(v.ready.wait() for v in viewers))

    def failed(self) -> list[Viewer]:
        return [v for v in self.viewers if v.error]

    async def close(self) -> None:
        self.closing = True
        for viewer in self.viewers:
            if viewer.transport is not None:
                viewer.transport.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)

    def board_event(self, viewer: Viewer, version: int, data: bytes) -> None:
        current = self.round
        if viewer.member is not None:
            # A member's page reads the turn: it fetches its own part when its turn changed.
            event = json.loads(data)
            before, viewer.on_clock = viewer.on_clock, event["turn"]["on_clock"]
            self.on_clock, self.version = viewer.on_clock, max(self.version, version)
            self.room.taken.update(event["taken"])
            if (
                current is not None
                and viewer.counted != self.round_number
                and (
                    self.every_seat
                    or (viewer.member in (before, viewer.on_clock) and before != viewer.on_clock)
                )
            ):
                current.panels_pending += 1
                current.panels_done.clear()
                fetch = asyncio.get_running_loop().create_task(
                    viewer.fetch_panel(current.after, current)
                )
                self.fetches.add(fetch)
                fetch.add_done_callback(self.fetches.discard)
        if current is not None and version > current.after and viewer.counted != self.round_number:
            viewer.counted = self.round_number
            current.remaining -= 1
            if current.remaining == 0:
                current.done.set()

    async def pick(self) -> Picked:
        """The member on the clock picks through the site; waits until every viewer holds the
        new board (and the members whose turn changed, their own part)."""
        room = self.room
        cookie = room.cookies[self.on_clock]
        page = await request(self.port, "GET", room.board_url, {"Cookie": cookie})
        text = page.body.decode()
        form = re.search(r'<form method="post" action="[^"]*/pick/.*?</form>', text, re.S)
        if page.status != 200 or form is None:
            raise BenchError(
                f"the board ({page.status}) shows no pick form to the member on the clock"
            )
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.group(0)).group(1)
        slot = re.search(r'name="slot" value="(\d+)"', form.group(0)).group(1)
        movie = next(m for m in room.movies if m not in room.taken)
        room.taken.add(movie)
        csrf = page.cookies.get("csrftoken")
        if not csrf:
            raise BenchError("the board page set no CSRF cookie for the member on the clock")
        body = urlencode({"csrfmiddlewaretoken": token, "slot": slot, "movie": movie, "q": ""})

        self.round_number += 1
        current = Round(after=self.version, remaining=len(self.viewers))
        self.round = current
        sent = time.perf_counter()
        answer = await request(
            self.port,
            "POST",
            room.pick_url,
            {
                "Cookie": f"{cookie}; csrftoken={csrf}",
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"http://127.0.0.1:{self.port}",
                "HX-Request": "true",
            },
            body.encode(),
        )
        answered = time.perf_counter()
        if answer.status != 200 or b"You picked" not in answer.body:
            raise BenchError(f"the pick was refused: {answer.status} {answer.body[:300]!r}")
        # Viewers still without the event after the timeout are counted as missed.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(current.done.wait(), EVENT_TIMEOUT)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(current.panels_done.wait(), EVENT_TIMEOUT)
        self.round = None
        return self.measure(current, sent, answered)

    def measure(self, current: Round, sent: float, answered: float) -> Picked:
        # A personal fragment still on its way after the timeout is an error too.
        picked = Picked(request=answered - sent, panel_errors=current.panels_pending)
        for viewer in self.viewers:
            got = next(((v, t, n) for v, t, n in viewer.events if v > current.after), None)
            if got is None:
                picked.missed += 1
                continue
            _, at, size = got
            picked.sizes.append(size)
            picked.board.append(at - answered)
            panels = [t for after, t, status in viewer.panels if after == current.after]
            bad = [s for after, _, s in viewer.panels if after == current.after and s != 200]
            picked.panel_errors += len(bad)
            if panels:
                picked.personal.append(max(panels) - answered)
        return picked


@dataclass
class Picked:
    """One pick's measurements, in seconds from its response."""

    request: float
    board: list[float] = field(default_factory=list)  # every viewer: the board event
    personal: list[float] = field(default_factory=list)  # the members whose turn changed
    sizes: list[int] = field(default_factory=list)
    missed: int = 0
    panel_errors: int = 0
