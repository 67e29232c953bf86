"""`make bench` in live mode (issue 17): what goes on in the site while wrk measures.

The quiet bench measures a database nobody writes to, so it never saw that the page cache died
with every commit. In live mode, for the whole of the measuring:

- the worker (`python manage.py worker`) runs beside the servers: its clock and mail rounds
  every second, its heartbeat written every few seconds (the bench's /healthz, which says 503
  when the worker is not seen for CLOCK_WORKER_STALE_SECONDS, must keep answering "ok");
- every PICK_SECONDS, the member on the clock of the bench's 16 × 20 board picks, through the
  app server as their browser does: the board page (their session) for the pick form's CSRF
  token, slot and version, then the form's POST with htmx and the first free film. Once the
  board is full, the commissioner takes the last pick back instead (the console's undo: its
  confirmation page, then the POST), one every PICK_SECONDS, until the board is as the bench
  made it, and the picks start again: the board keeps moving however long the run;
- every CHAT_SECONDS, a chat line in that draft, posted by the seat holders in turn (the chat
  form's POST with their session and CSRF token). With 16 posters each one posts every 16 s:
  the chat's limit (CHAT_RATE_COUNT in CHAT_RATE_SECONDS, 5 in 10 s by default) is never
  reached, so the bench leaves it as it is.

Each act is a real write through the site's services, with the usual notifications (the live
room's NOTIFY, turn mail into the outbox for the worker), and each pick, undo and chat line
commits something pages show, so the database's data version (config/dataversion.py) goes up
and every page kept in the page cache is rendered again at its next request.
"""

from __future__ import annotations

import contextlib
import gzip
import html
import http.client
import json
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

PICK_SECONDS = 2.0
CHAT_SECONDS = 1.0
# The worker's heartbeat is written at most every 5 s (worker/rounds.py): /healthz may call it
# stale only well after that.
WORKER_STALE_SECONDS = 30

PICK_FORM = re.compile(r'<form method="post" action="[^"]*/pick/.*?</form>', re.S)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
SLOT_INPUT = re.compile(r'name="slot" value="(\d+)"')
ACT_INPUT = re.compile(r'name="act" value="(\d+)"')
BOARD_VERSION = re.compile(r'id="board-grid"[^>]*?data-version="(\d+)"')
BOARD_TURN = re.compile(r'id="board-grid"[^>]*?data-turn="([^"]*)"')


# --- What the activity needs, read from the bench's data before the servers start -----------


@dataclass
class Plan:
    """The board the activity acts on, and who acts."""

    board_url: str
    pick_url: str
    chat_url: str
    undo_url: str
    on_clock: int  # membership id of the seat on the clock
    seat_cookies: dict[int, str]  # membership id -> "sessionid=…", the seat holders in order
    commissioner_cookie: str
    free_films: list[int]  # ids of the board's films nobody has picked, in order


def plan(data) -> Plan:
    """Sessions for the board's seat holders and its commissioner, and its free films (every
    category of the bench's board takes any film; its own "Big film" ones are used so that no
    other page the bench measures changes)."""
    from django.urls import reverse

    from bench.data import session_cookie
    from draft.models import Membership, Movie, Pick, Seat

    board = data.board
    args = [board.league.slug, board.slug]
    seats = Seat.objects.filter(draft=board).select_related("membership__user")
    memberships = {seat.membership_id: seat.membership for seat in seats.order_by("position")}
    on_clock = Membership.objects.get(league=board.league, user=data.member_on_clock)
    commissioner = next(m for m in memberships.values() if m.is_commissioner)
    picked = Pick.objects.filter(draft=board).values_list("movie_id", flat=True)
    free = Movie.objects.filter(title__startswith="Big film ").exclude(pk__in=picked)
    return Plan(
        board_url=reverse("draft:board", args=args),
        pick_url=reverse("draft:pick_submit", args=args),
        chat_url=reverse("draft:chat", args=args),
        undo_url=reverse("draft:manage_action", args=[*args, "undo"]),
        on_clock=on_clock.pk,
        seat_cookies={pk: session_cookie(m.user) for pk, m in memberships.items()},
        commissioner_cookie=session_cookie(commissioner.user),
        free_films=list(free.order_by("pk").values_list("pk", flat=True)),
    )


def data_version() -> tuple[int, int]:
    """The database's data version and chat version (config/dataversion.py): how many commits
    of something pages show there have been, and how many of chat lines posted."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT version, chat_version FROM page_data_version WHERE id = 1")
        version, chat = cursor.fetchone()
        return version, chat


# --- A member's browser -------------------------------------------------------------------


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: str


class Browser:
    """One member's browser: their session cookie, the CSRF cookie the site gives it, gzip."""

    def __init__(self, base: str, session_cookie: str):
        parts = urlsplit(base)
        self.base, self.host, self.port = base, parts.hostname, parts.port
        name, _, value = session_cookie.partition("=")
        self.cookies = {name: value}
        self.chat_token: str | None = None  # the chat form's, once its page was loaded

    def get(self, url: str, *, htmx: bool = False) -> Answer:
        return self.send("GET", url, htmx=htmx)

    def post(self, url: str, form: dict, *, htmx: bool = False) -> Answer:
        return self.send("POST", url, form=form, htmx=htmx)

    def send(self, method: str, url: str, *, form: dict | None = None, htmx: bool) -> Answer:
        headers = {
            "Accept-Encoding": "gzip",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
        }
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = self.base
        if htmx:
            headers["HX-Request"] = "true"
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        try:
            connection.request(method, url, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
            for value in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = value.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            answer_headers = {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()
        if answer_headers.get("content-encoding") == "gzip":
            raw = gzip.decompress(raw)
        return Answer(response.status, answer_headers, raw.decode("utf-8", "replace"))


class ActError(Exception):
    """An act the site did not take as a browser's would be taken."""


def on_clock_after(answer: Answer) -> int | None:
    """The member on the clock after a pick, as the pick's answer tells the page: its
    `board:picked` event (the pieces answer), else the board's `data-turn` (the whole board)."""
    trigger = answer.headers.get("hx-trigger-after-swap")
    if trigger:
        return json.loads(trigger)["board:picked"]["turn"]["on_clock"]
    found = BOARD_TURN.search(answer.body)
    if found is None:
        raise ActError("the pick's answer says nothing of the turn")
    return json.loads(html.unescape(found.group(1)))["on_clock"]


# --- The activity -------------------------------------------------------------------------


@dataclass
class Tally:
    picks: int = 0
    undos: int = 0
    chat_lines: int = 0
    late: int = 0  # acts that started a whole period late (the one before took that long)
    errors: list[str] = field(default_factory=list)
    pick_seconds: list[float] = field(default_factory=list)  # each pick: page, then POST
    chat_seconds: list[float] = field(default_factory=list)


class LiveActivity:
    """Picks (or undos) and chat lines on the app server at `base`, each in a thread of its own
    at a steady pace, from start() to stop()."""

    def __init__(
        self,
        base: str,
        plan: Plan,
        *,
        pick_seconds: float = PICK_SECONDS,
        chat_seconds: float = CHAT_SECONDS,
    ):
        self.plan = plan
        self.pick_seconds, self.chat_seconds = pick_seconds, chat_seconds
        self.pickers = {pk: Browser(base, cookie) for pk, cookie in plan.seat_cookies.items()}
        # Separate browsers for the chat: a member's chat tab and pick tab act at once.
        self.posters = [Browser(base, cookie) for cookie in plan.seat_cookies.values()]
        self.commissioner = Browser(base, plan.commissioner_cookie)
        self.on_clock: int | None = plan.on_clock
        self.free = deque(plan.free_films)
        self.made: list[tuple[int, int]] = []  # (film, membership) of each pick made, in order
        self.undoing = False
        self.tally = Tally()
        self.stopping = threading.Event()
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()

    # The two acts -----------------------------------------------------------------------

    def pick_or_undo(self) -> None:
        if self.undoing:
            self.undo()
        else:
            self.pick()

    def pick(self) -> None:
        """The member on the clock picks the first free film, as the board's pick form does."""
        browser = self.pickers[self.on_clock]
        started = time.perf_counter()
        page = browser.get(self.plan.board_url)
        form = PICK_FORM.search(page.body) if page.status == 200 else None
        if form is None:
            raise ActError(
                f"the board ({page.status}) shows no pick form to the member on the clock"
            )
        version = BOARD_VERSION.search(page.body)
        film = self.free.popleft()
        answer = browser.post(
            self.plan.pick_url,
            {
                "csrfmiddlewaretoken": CSRF_INPUT.search(form.group(0)).group(1),
                "slot": SLOT_INPUT.search(form.group(0)).group(1),
                "movie": film,
                "q": "",
                # The version the page shows, as static/js/live.js adds it.
                **({"v": version.group(1)} if version else {}),
            },
            htmx=True,
        )
        if answer.status != 200 or "You picked" not in answer.body:
            self.free.appendleft(film)
            raise ActError(f"the pick was refused: {answer.status} {answer.body[:200]!r}")
        self.tally.pick_seconds.append(time.perf_counter() - started)
        self.made.append((film, self.on_clock))
        self.tally.picks += 1
        self.on_clock = on_clock_after(answer)
        # A full board: take picks back until it is as the bench made it (its films freed).
        self.undoing = self.on_clock is None or not self.free

    def undo(self) -> None:
        """The commissioner takes the last pick back: the console's confirmation page (which
        names the act, so a stale page undoes nothing), then its POST."""
        page = self.commissioner.get(self.plan.undo_url)
        act = ACT_INPUT.search(page.body)
        token = CSRF_INPUT.search(page.body)
        if page.status != 200 or act is None or token is None:
            raise ActError(f"the undo page ({page.status}) offers no undo")
        answer = self.commissioner.post(
            self.plan.undo_url, {"csrfmiddlewaretoken": token.group(1), "act": act.group(1)}
        )
        if answer.status != 302:
            raise ActError(f"the undo was refused: {answer.status} {answer.body[:200]!r}")
        film, member = self.made.pop()
        self.free.appendleft(film)
        self.on_clock = member
        self.tally.undos += 1
        self.undoing = bool(self.made)

    def chat(self, number: int) -> None:
        """A chat line from the next seat holder in turn, through the chat page's form."""
        browser = self.posters[number % len(self.posters)]
        started = time.perf_counter()
        if browser.chat_token is None:
            page = browser.get(self.plan.chat_url)
            found = CSRF_INPUT.search(page.body)
            if page.status != 200 or found is None:
                raise ActError(f"the chat page ({page.status}) has no form")
            browser.chat_token = found.group(1)
        answer = browser.post(
            self.plan.chat_url,
            {
                "csrfmiddlewaretoken": browser.chat_token,
                "text": f"Bench line {number}: who takes the next one?",
            },
        )
        # A post is answered with the chat page at its new message; a refusal (too fast, too
        # long) with the form again, at 200.
        if answer.status != 302:
            raise ActError(f"the chat line was refused: {answer.status} {answer.body[:200]!r}")
        self.tally.chat_seconds.append(time.perf_counter() - started)
        self.tally.chat_lines += 1

    # Running ----------------------------------------------------------------------------

    def start(self) -> None:
        for name, act, every in (
            ("picks", lambda n: self.pick_or_undo(), self.pick_seconds),
            ("chat", self.chat, self.chat_seconds),
        ):
            thread = threading.Thread(target=self._every, args=(act, every), name=name)
            thread.daemon = True
            thread.start()
            self.threads.append(thread)

    def _every(self, act, every: float, *, clock=time.monotonic, wait=None) -> None:
        """Run `act(n)` every `every` seconds (n = 0, 1, …) until stopped; an act that takes
        longer than a period skips the starts it overran (counted as late), never bunches.
        `clock` and `wait` (seconds -> None; default: until stopped) are the test's to set."""
        wait = wait or self.stopping.wait
        started = clock()
        number = 0
        while not self.stopping.is_set():
            try:
                act(number)
            except (ActError, OSError, http.client.HTTPException, ValueError, KeyError) as error:
                with self.lock:
                    self.tally.errors.append(f"{type(error).__name__}: {error}")
            number += 1
            due = started + number * every
            now = clock()
            if now >= due:
                skipped = int((now - due) // every) + 1
                self.tally.late += skipped
                number += skipped
                due = started + number * every
            wait(due - now)

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join(timeout=60)

    def alive(self) -> bool:
        return all(thread.is_alive() for thread in self.threads)

    def summary(self) -> str:
        """One sentence for the report's header."""
        tally = self.tally

        def median_ms(values: list[float]) -> str:
            return f"{statistics.median(values) * 1000:,.0f} ms" if values else "—"

        text = (
            f"{tally.picks} picks (the page and the POST in {median_ms(tally.pick_seconds)}, "
            f"median), {tally.undos} undos, {tally.chat_lines} chat lines"
        )
        if tally.late:
            text += f", {tally.late} acts late"
        text += f", {len(tally.errors)} refused or failed"
        if tally.errors:
            text += f" (first: {tally.errors[0]})"
        return text


# --- The worker ---------------------------------------------------------------------------


class WorkerProcess:
    """`python manage.py worker`, as production runs it beside the app servers."""

    def __init__(self, env: dict[str, str], folder: str, root: Path):
        self.env, self.root = env, root
        self.log_path = Path(folder) / "worker.log"
        self.process: subprocess.Popen | None = None
        self.name = "worker"

    def start(self) -> None:
        self.log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "worker"],
            cwd=self.root,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        return ""

    def stop(self) -> None:
        if not self.running():
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)  # finishes the round it is in, exits 0
        try:
            self.process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            self.process.wait(timeout=5)
        self.log.close()
