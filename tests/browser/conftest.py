"""Browser tests: Playwright driving the system Chromium against Django's live server.

Every page a test visits must pass the accessibility check (`assert_accessible`); a test that
navigates to a page it never checks fails at teardown.
"""

import os
import shutil
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe

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
