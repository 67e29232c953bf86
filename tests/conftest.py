import asyncio
from contextlib import contextmanager

import pytest
from django.db import connection

# The personas are shared by every test module: see tests/personas.py.
from tests.personas import *  # noqa: F403


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """Rendered board grids are cached per process; no test may see another's.

    Readers' whole pages are kept until the database's snapshot changes (config/pagecache.py),
    which a test's own transaction never commits: in process, the page cache is on only in the
    tests of it (tests/web/test_page_cache.py), which commit. The app servers of the browser
    tests run with it, as production does."""
    from django.core.cache import cache

    from draft import live

    settings.PAGE_CACHE = False
    cache.clear()
    live.forget()
    yield


BROWSER_FIXTURES = {"page", "context", "browser", "playwright"}


@contextmanager
def without_the_browsers_loop():
    """The browser driver (Playwright's sync API, one per test session) marks its event loop
    as running in the test thread between its calls, and leaves it so after a browser test.
    A test that follows would then meet "You cannot use AsyncToSync in the same thread as an
    async event loop" wherever Django runs an async view for the test client (the live room's
    events) – or not, depending on what ran before. Detach the loop for the test and give it
    back afterwards: the driver's own calls find it where they left it."""
    loop = asyncio._get_running_loop()
    if loop is None:
        yield
        return
    asyncio._set_running_loop(None)
    try:
        yield
    finally:
        asyncio._set_running_loop(loop)


@pytest.fixture(autouse=True)
def _no_event_loop_in_the_test_thread(request):
    if BROWSER_FIXTURES.intersection(request.fixturenames):
        yield
        return
    with without_the_browsers_loop():
        yield


@pytest.fixture
def asgi_connections(transactional_db):
    """Under ASGI every request runs in a thread of its own: as in production (where they come
    from a pool), its connection must not outlive the request. And the live stream's listener
    lets go of the test database afterwards."""
    from django.db import connections

    from draft import stream

    settings_dict = connections.settings["default"]
    kept = settings_dict["CONN_MAX_AGE"]
    settings_dict["CONN_MAX_AGE"] = 0
    yield
    settings_dict["CONN_MAX_AGE"] = kept
    stream.hub.stop()


# App servers as production runs them (tests/servers.py), for any test that needs one.
from tests.servers import app_servers, collected_static, private_postgres  # noqa: E402, F401


def pytest_collection_modifyitems(config, items):
    """Tests about PostgreSQL itself (marked `postgresql`) are not collected on SQLite: they
    have nothing to say there, and a skipped test would look like a hole in the suite."""
    if connection.vendor == "postgresql":
        return
    kept = [item for item in items if item.get_closest_marker("postgresql") is None]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept
