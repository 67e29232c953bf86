"""Event streams as production serves them: the ASGI application of config/asgi.py, driven
directly (no browser, no server), on the test database.

`open_stream` makes one request and reads until a condition holds. `Room` holds several
streams open at once on one event loop (its own thread), the way one app process holds the
streams of many viewers, so a test can change something while they are open and watch what
each one receives.
"""

import asyncio
import json
import threading
import time

from django.conf import settings
from django.test import Client
from django.urls import reverse

from config.asgi import application


def events_path(setup) -> str:
    return reverse("draft:events", args=[setup.league.slug, setup.draft.slug])


class Stream:
    """What one request to the ASGI application answered: status, headers, the body so far."""

    def __init__(self):
        self.status = None
        self.headers: dict[str, str] = {}
        self.body = b""
        self.complete = False
        self.hang_up: asyncio.Event | None = None

    def events(self) -> list[tuple[str, dict]]:
        found = []
        for block in self.body.decode().split("\n\n"):
            fields = dict(
                line.split(": ", 1) for line in block.split("\n") if ": " in line and line[0] != ":"
            )
            if "event" in fields:
                found.append((fields["event"], json.loads(fields.get("data") or "{}")))
        return found

    def names(self) -> list[str]:
        return [name for name, _ in self.events()]


def session_cookie(user=None, client: Client | None = None) -> str:
    """The session cookie of a browser signed in as `user` (or of `client`, already signed in)."""
    if client is None:
        client = Client()
        client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def scope_for(
    path: str, *, cookie="", query="", method="GET", headers=(), host=b"testserver", scheme="http"
):
    headers = [(b"host", host), (b"accept", b"text/event-stream"), *headers]
    if cookie:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": scheme,
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 40000),
        "server": ("testserver", 80),
    }


async def serve(scope, answer: Stream, until=None) -> None:
    """One request, as a server runs it: the (empty) body first, then nothing until the
    browser hangs up (when `until(answer)` holds, or `answer.hang_up` is set)."""
    answer.hang_up = asyncio.Event()
    sent_body = False

    async def receive():
        nonlocal sent_body
        if not sent_body:
            sent_body = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await answer.hang_up.wait()
        return {"type": "http.disconnect"}

    async def send(event):
        if event["type"] == "http.response.start":
            answer.status = event["status"]
            answer.headers = {k.decode().lower(): v.decode() for k, v in event["headers"]}
        else:
            answer.body += event.get("body", b"")
            answer.complete = not event.get("more_body", False)
        if until is not None and until(answer):
            answer.hang_up.set()

    await application(scope, receive, send)


def open_stream(
    path: str, *, user=None, query="", method="GET", headers=(), until=None, timeout=5.0, **kw
) -> Stream:
    """Request `path` and read until `until(stream)` holds (or the answer is complete), then
    hang up as a browser closing the tab would."""
    cookie = session_cookie(user) if user is not None else ""
    scope = scope_for(path, cookie=cookie, query=query, method=method, headers=headers, **kw)
    answer = Stream()
    # In a thread of its own: a browser test earlier in the session may have left an event
    # loop running in this one.
    failure = []

    def in_thread():
        try:
            asyncio.run(asyncio.wait_for(serve(scope, answer, until), timeout))
        except BaseException as error:  # handed to the test below
            failure.append(error)

    thread = threading.Thread(target=in_thread)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return answer


class Room:
    """Several streams open at once, on one event loop in a thread of its own."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.streams: list[Stream] = []
        self.tasks = []

    def open(self, path: str, *, cookie="", query="", **kw) -> Stream:
        """Open a stream and wait until it has answered (its first event, or a whole answer)."""
        answer = Stream()
        scope = scope_for(path, cookie=cookie, query=query, **kw)
        self.tasks.append(asyncio.run_coroutine_threadsafe(serve(scope, answer), self.loop))
        self.streams.append(answer)
        self.wait(lambda: answer.complete or answer.events(), what="the stream to answer")
        return answer

    def wait(self, condition, *, timeout: float = 5.0, what: str = "it") -> float:
        """Wait until `condition()` holds; returns the seconds it took."""
        start = time.monotonic()
        while not condition():
            if time.monotonic() - start > timeout:
                raise AssertionError(f"Waited {timeout} s for {what}")
            time.sleep(0.005)
        return time.monotonic() - start

    def close(self) -> None:
        for answer in self.streams:
            if answer.hang_up is not None:
                self.loop.call_soon_threadsafe(answer.hang_up.set)
        for task in self.tasks:
            task.result(timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)
        self.loop.close()
