"""Browser tests: Playwright driving the system Chromium against Django's live server.

Every page a test visits must pass the accessibility check (`assert_accessible`); a test that
navigates to a page it never checks fails at teardown.
"""

import os
import shutil
import socket
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings

# live_server runs Django in a thread beside Playwright's event loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def chromium_path() -> str:
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    if not os.path.exists(path):
        pytest.fail(
            f"No Chromium at {path}: install it (apt-get install chromium) or set CHROMIUM_PATH.",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": chromium_path(), "args": CHROMIUM_FLAGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": DESKTOP}


_axe = Axe()


class A11yLedger:
    """Remembers the pages a test navigated to and the ones that passed axe."""

    def __init__(self):
        self.visited: set[str] = set()
        self.checked: set[str] = set()

    def watch(self, page):
        def on_navigation(frame):
            if frame == page.main_frame:
                self.visited.add(path_of(frame.url))

        page.on("framenavigated", on_navigation)


def start_live_draft(commissioner, members, categories, *, league_name="Film Bloggers", **options):
    """A league of `commissioner` joined by `members`, and a started draft that seats the
    members in that order, then the commissioner (the first member is on the clock at 1.01).
    `options` go to services.create_draft (order, category_mode…)."""
    from draft.services.leagues import create_league, join_league
    from draft.services.running import start_draft
    from draft.services.setup import create_draft

    league = create_league(user=commissioner, name=league_name)
    for user in members:
        join_league(user=user, league=league, token=league.invite_token)
    memberships = {m.user_id: m for m in league.memberships.all()}
    draft = create_draft(
        league=league,
        actor=commissioner,
        name=options.pop("name", "2021 Movie Draft"),
        categories=categories,
        seat_memberships=[memberships[u.pk] for u in (*members, commissioner)],
        **options,
    )
    start_draft(draft_id=draft.pk, actor=commissioner)
    draft.refresh_from_db()
    return draft


def log_in(page, server, user):
    """Give the browser a session for `user` on `server` (anything with a `url`: the live
    server, an ASGI or app server). The login form has tests of its own."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": server.url}])


def path_of(url: str) -> str:
    return urlsplit(url).path


def assert_accessible(page, *, context: str = "") -> None:
    """Run axe-core on the page as it is now; fail on any serious or critical violation."""
    results = _axe.run(page)
    violations = [
        v for v in results.response["violations"] if v.get("impact") in ("serious", "critical")
    ]
    if violations:
        lines = []
        for v in violations:
            targets = ", ".join(str(n["target"]) for n in v["nodes"][:5])
            lines.append(f"- [{v['impact']}] {v['id']}: {v['help']} ({targets})")
        where = f" ({context})" if context else ""
        pytest.fail(
            f"Accessibility violations on {page.url}{where}:\n" + "\n".join(lines), pytrace=False
        )
    ledger = getattr(page, "_a11y_ledger", None)
    if ledger is not None:
        ledger.checked.add(path_of(page.url))


@pytest.fixture
def a11y_pages():
    """Hands out new pages (one browser context each) that are watched for unchecked visits."""
    ledgers: list[A11yLedger] = []

    def watch(page):
        ledger = A11yLedger()
        ledger.watch(page)
        page._a11y_ledger = ledger
        ledgers.append(ledger)
        return page

    yield watch
    for ledger in ledgers:
        unchecked = ledger.visited - ledger.checked - {"", "about:blank"}
        assert not unchecked, f"Pages visited without an accessibility check: {sorted(unchecked)}"


@pytest.fixture
def page(page, a11y_pages):
    page.set_default_timeout(10_000)
    return a11y_pages(page)


@pytest.fixture
def new_page(browser, a11y_pages):
    """Another person in another browser (a separate context: separate cookies)."""
    contexts = []

    def open_page(**context_args):
        context = browser.new_context(
            viewport=context_args.pop("viewport", DESKTOP), **context_args
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return a11y_pages(page)

    yield open_page
    for context in contexts:
        context.close()


@dataclass
class AsgiServer:
    url: str
    server: object
    thread: threading.Thread

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_asgi_server(port: int = 0) -> AsgiServer:
    """The app served over ASGI by uvicorn, as production serves it (live event streams
    included), in a thread of this process, on the test database."""
    import uvicorn

    from config.asgi import application

    if not port:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        log_level="warning",
        loop="asyncio",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    return AsgiServer(f"http://127.0.0.1:{port}", server, thread)


@pytest.fixture
def asgi_server(asgi_connections):
    server = start_asgi_server()
    yield server
    server.stop()
