"""A crowd queues, never fails: at most as many requests inside Django at once, per app process,
as the process has database connections; the others wait their turn on the event loop, in the
order they came.

Under ASGI every sync request runs in a thread of its own and takes a connection from the
pool. With 200 pick POSTs at once on a busy machine, 190 of them waited on the pool, and the
ones still waiting after its timeout (10 s) answered 503 although nothing was wrong. Waiting
here costs a coroutine, not a thread or a connection, and a request let in finds a connection
free. A request that has waited `ADMISSION_WAIT_SECONDS` goes in anyway: if the database
really cannot keep up (or is down), it gets the usual answer for that (the 503 page).

Static files and uploads need no connection and never wait; nor does an open event stream,
which is let in only for its one check of who may watch (draft/stream.py).
"""

import asyncio
from contextlib import asynccontextmanager

from django.conf import settings


class Admission:
    def __init__(self, app, *, limit: int, wait_seconds: float):
        self.app = app
        self.limit = limit
        self.wait_seconds = wait_seconds
        self.semaphore: asyncio.Semaphore | None = None  # made on the event loop, when first used
        self.exempt = tuple(
            "/" + url.strip("/") + "/" for url in (settings.STATIC_URL, settings.MEDIA_URL)
        )

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["path"].startswith(self.exempt):
            return await self.app(scope, receive, send)
        async with self.slot():
            return await self.app(scope, receive, send)

    @asynccontextmanager
    async def slot(self):
        """One of the `limit` places inside; waits its turn for one (not longer than
        `wait_seconds`)."""
        if self.semaphore is None:
            self.semaphore = asyncio.Semaphore(self.limit)
        try:
            await asyncio.wait_for(self.semaphore.acquire(), self.wait_seconds)
            admitted = True
        except TimeoutError:
            admitted = False
        try:
            yield
        finally:
            if admitted:
                self.semaphore.release()


def limit() -> int:
    """As many as the process's database connections for requests: the pool's size, but the
    one the live room's hub keeps for itself."""
    return max(1, settings.DATABASE_POOL_SIZE - 1)
