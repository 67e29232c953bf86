"""A deploy restarts the production server while a thousand boards follow its streams: every
stream is ended at once, asking its browser to come back in a moment, and the server exits in
seconds instead of waiting out its graceful timeout (a stream never finishes by itself)."""

import asyncio

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


def test_a_restart_with_a_thousand_streams_open_ends_them_at_once(
    app_servers, commissioner, member, other_member
):
    setup = four_by_three(commissioner, [member, other_member], movies=0)
    version = Draft.objects.get(pk=setup.draft.pk).version
    path = f"{board_url(setup)}events/?v={version}"
    # A graceful timeout long enough that it cannot be what ends the streams.
    server = app_servers(GRACEFUL_TIMEOUT="30")
    loop = asyncio.new_event_loop()
    try:
        tasks, ready, heard = loop.run_until_complete(open_streams(server.port, path, STREAMS))
        took = server.stop()
        loop.run_until_complete(asyncio.wait_for(asyncio.gather(*tasks), timeout=30))
    finally:
        loop.close()

    assert len(heard) == STREAMS
    assert took < 12, f"the server took {took:.1f} s to stop with {STREAMS} streams open"
    if all(b"event: unavailable" in first for first in ready):
        return  # no streams here (SQLite): pages poll, and nothing held the server
    # Every stream was told to come back, not cut off: its browser reconnects in a moment.
    assert all(b"event: ready" in first for first in ready)
    assert all(b"retry: " in answer.split(b"event: ready", 1)[1] for answer in heard)

    # And they can: the next server lets returning browsers in, with the version they saw.
    again = app_servers(port=server.port)
    loop, tasks = asyncio.new_event_loop(), []
    try:
        tasks, ready, _ = loop.run_until_complete(open_streams(again.port, path, 20))
        assert all(b"event: ready" in first for first in ready)
    finally:
        for task in tasks:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        loop.close()
    assert again.stop() < 12
