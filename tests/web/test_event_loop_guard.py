"""The browser tests' driver leaves an event loop marked as running in the test thread; the
tests after them reach the live room's async events view through the test client all the same.

CI once failed seven tests here (HEAD on every URL, the authorization table, the fuzz test)
with "You cannot use AsyncToSync in the same thread as an async event loop", depending on what
had run before them. tests/conftest.py detaches the loop for every test that drives no browser.
"""

import asyncio

import pytest

from tests.conftest import without_the_browsers_loop
from tests.web.site_map import routes


def events_url(world):
    return world.url(next(r for r in routes() if r.name == "draft:events"))


def test_a_loop_left_running_in_the_thread_is_out_of_the_way_of_every_test(world):
    assert asyncio._get_running_loop() is None
    assert world.client("anonymous").get(events_url(world)).status_code == 200


def test_the_guard_detaches_a_leftover_loop_and_gives_it_back(world):
    url = events_url(world)
    leftover = asyncio.new_event_loop()
    asyncio._set_running_loop(leftover)  # as the browser driver leaves it between its calls
    try:
        with pytest.raises(RuntimeError, match="AsyncToSync"):
            world.client("anonymous").get(url)
        with without_the_browsers_loop():
            assert world.client("anonymous").get(url).status_code == 200
        assert asyncio._get_running_loop() is leftover
    finally:
        asyncio._set_running_loop(None)
        leftover.close()
