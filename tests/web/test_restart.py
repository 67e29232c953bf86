"""A deploy restarts the production server while a thousand boards follow its streams: every
stream is ended at once, asking its browser to come back in a moment, and the server exits in
seconds instead of waiting out its graceful timeout (a stream never finishes by itself)."""

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from draft.models import Draft
from tests.draft.factories import four_by_three
from tests.web.conftest import board_url

pytestmark = pytest.mark.django_db(transaction=True)

STREAMS = 1000
OPENING_AT_ONCE = 200


async def follow(port: int, path: str, opening: asyncio.Semaphore, ready: list, heard: list):
    """One browser's stream: open it, note when it is ready, keep what it hears until the
    server ends it."""
    async with opening:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()
        )
        await writer.drain()
        seen = await reader.readuntil(b"event: ")
        seen += await reader.readline()
    ready.append(seen)
    try:
        seen += await asyncio.wait_for(reader.read(), timeout=60)  # until the server ends it
    finally:
        writer.close()
    heard.append(seen)


async def open_streams(port: int, path: str, count: int):
    """`count` streams, each open and past its first event; (their tasks, first words, all
    they heard once ended)."""
    opening = asyncio.Semaphore(OPENING_AT_ONCE)
    ready, heard = [], []
    tasks = [asyncio.ensure_future(follow(port, path, opening, ready, heard)) for _ in range(count)]
    while len(ready) < count:
        failed = [t for t in tasks if t.done() and t.exception()]
        assert not failed, failed[0].exception()
        await asyncio.sleep(0.05)
    return tasks, ready, heard


def in_a_thread(coroutine):
    """Run `coroutine` on an event loop of its own, in a thread of its own: the test's thread
    may hold another loop (the browser tests' driver)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def restart(server, path: str, count: int):
    """Open `count` streams, stop the server (SIGTERM, as a deploy does) and wait for every
    stream to end: (the seconds the server took, their first words, all they heard)."""
    tasks, ready, heard = await open_streams(server.port, path, count)
    took = await asyncio.to_thread(server.stop)
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=30)
    return took, ready, heard


async def come_back(server, path: str, count: int) -> list:
    """`count` browsers coming back: the first words each hears."""
    tasks, ready, _ = await open_streams(server.port, path, count)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return ready


def test_a_restart_with_a_thousand_streams_open_ends_them_at_once(
    app_servers, commissioner, member, other_member
):
    setup = four_by_three(commissioner, [member, other_member], movies=0)
    version = Draft.objects.get(pk=setup.draft.pk).version
    path = f"{board_url(setup)}events/?v={version}"
    # A graceful timeout long enough that it cannot be what ends the streams.
    server = app_servers(GRACEFUL_TIMEOUT="30")

    took, ready, heard = in_a_thread(restart(server, path, STREAMS))

    assert len(heard) == STREAMS
    assert took < 12, f"the server took {took:.1f} s to stop with {STREAMS} streams open"
    if all(b"event: unavailable" in first for first in ready):
        return  # no streams here (SQLite): pages poll, and nothing held the server
    # Every stream was told to come back, not cut off: its browser reconnects in a moment.
    assert all(b"event: ready" in first for first in ready)
    assert all(b"retry: " in answer.split(b"event: ready", 1)[1] for answer in heard)

    # And they can: the next server lets returning browsers in, with the version they saw.
    again = app_servers(port=server.port)
    returning = in_a_thread(come_back(again, path, 20))
    assert all(b"event: ready" in first for first in returning)
    assert again.stop() < 12
