"""`make bench` in live mode: its options, its paths, its wrk scripts and the activity it runs
while wrk measures. Nothing here times anything; the bench itself is never part of the tests."""

import http.server
import json
import re
import shutil
import subprocess
import threading
from types import SimpleNamespace

import pytest

from bench import activity
from bench.data import LIVE_TARGETS, TARGETS, BenchPath, url_at
from bench.run import BENCH, RESULTS, options
from bench.tables import summarise
from draft.models import ChatMessage, Membership, Pick
from tests.bench.test_bench import _round
from tests.draft.factories import bulk_fill_picks, sixteen_by_twenty

# --- Options ------------------------------------------------------------------------------


@pytest.fixture
def no_bench_env(monkeypatch):
    for name in ("BENCH_LIVE", "BENCH_QUICK", "BENCH_OUTPUT", "BENCH_SECONDS", "BENCH_ROUNDS"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_mode_is_quiet_unless_asked_and_each_mode_has_its_results_file(no_bench_env):
    quiet = options([])
    assert not quiet.live
    assert (quiet.seconds, quiet.rounds) == (5.0, 3)
    assert quiet.output == str(RESULTS[False]) == str(BENCH / "results.md")

    live = options(["--live", "--quick"])
    assert live.live
    assert (live.seconds, live.rounds) == (2.0, 1)
    assert live.output == str(BENCH / "results-live-mode.md")
    # Live, the runs swing with the picks in them: the median of more rounds.
    assert options(["--live"]).rounds == 5
    assert options(["--live", "--rounds", "2"]).rounds == 2
    no_bench_env.setenv("BENCH_ROUNDS", "4")
    assert options(["--live"]).rounds == options([]).rounds == 4


@pytest.mark.parametrize(
    ("value", "live"), [("1", True), ("yes", True), ("0", False), ("", False), ("no", False)]
)
def test_bench_live_in_the_environment_is_a_switch(no_bench_env, value, live):
    no_bench_env.setenv("BENCH_LIVE", value)
    assert options([]).live is live


def test_an_output_named_in_the_environment_wins_in_either_mode(no_bench_env):
    no_bench_env.setenv("BENCH_OUTPUT", "/tmp/elsewhere.md")
    assert options(["--live"]).output == "/tmp/elsewhere.md"


# --- Paths and verdicts -------------------------------------------------------------------


def test_a_path_that_follows_the_board_takes_its_version_at_each_run():
    poll = BenchPath("poll-204", "poll", "/b/?v=161&p=k", "poll", 204, follow="current")
    partial = BenchPath("board-partial", "partial", "/b/?v=160", "partial", follow="behind")
    still = BenchPath("home", "home", "/?v=3", "page")
    assert url_at(poll, 170) == "/b/?v=170&p=k"
    assert url_at(partial, 170) == "/b/?v=169"
    assert url_at(still, 170) == "/?v=3"


def test_live_verdicts_hold_every_page_to_the_floor():
    paths = [
        BenchPath("poll-204", "poll", "/b/?v=2", "poll", 204),
        BenchPath("members", "50 members", "/b/", "members"),
        BenchPath("pick-10", "pick page, 10 comments", "/p1/", "page"),
        BenchPath("pick-1000", "pick page, 1,000 comments", "/p2/", "page"),
    ]
    rows = {
        row.key: row
        for row in summarise(
            paths,
            [_round({"poll-204": 940, "members": 500, "pick-10": 700, "pick-1000": 590})],
            LIVE_TARGETS,
        )
    }
    assert (rows["poll-204"].target, rows["poll-204"].result) == ("≥ 95 %", "SHORT")
    assert (rows["members"].target, rows["members"].result) == ("≥ 50 %", "PASS")
    assert (rows["pick-10"].target, rows["pick-10"].result) == ("≥ 60 %", "PASS")
    assert (rows["pick-1000"].target, rows["pick-1000"].result) == ("≥ 60 %", "SHORT")
    # Quiet, the same figures: the 1,000-comment page against the 10-comment one.
    assert TARGETS["poll"] == 0.90 and TARGETS["members"] == 0.40


# --- The wrk scripts ----------------------------------------------------------------------


class Recorder(http.server.ThreadingHTTPServer):
    """Answers like the board: a poll with an older version than `version` gets the board
    (200, its data-version in it), any other request a 204; every request's path, cookie and
    encoding is kept in order."""

    daemon_threads = True
    version = 7

    def __init__(self):
        self.seen = []
        super().__init__(("127.0.0.1", 0), RecorderHandler)

    def handle_error(self, request, client_address):
        pass  # wrk hangs up when its time is out


class RecorderHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        server = self.server
        server.seen.append(
            (self.path, self.headers.get("Cookie"), self.headers.get("Accept-Encoding"))
        )
        shown = re.search(r"[?&]v=(\d+)", self.path)
        if shown and int(shown.group(1)) < server.version:
            body = f'<section id="board-grid" data-version="{server.version}"></section>'.encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        else:
            self.send_response(204)
            self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    if shutil.which("wrk") is None:
        pytest.skip("wrk is not installed (the bench installs it or says how)")
    server = Recorder()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def wrk(server, script: str, path: str, *headers: str, env=None) -> dict:
    """One connection for a second: its requests arrive one after the other, in order."""
    command = [shutil.which("wrk"), "-t1", "-c1", "-d1s", "-s", str(BENCH / script)]
    for header in headers:
        command += ["-H", header]
    command.append(f"http://127.0.0.1:{server.server_address[1]}{path}")
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "PANIC" not in result.stderr and "error" not in result.stderr.lower(), result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("BENCH-RESULT "))
    return json.loads(line.removeprefix("BENCH-RESULT "))


REPORT_KEYS = {
    "requests",
    "duration_us",
    "bytes",
    "connect_errors",
    "read_errors",
    "write_errors",
    "status_errors",
    "timeouts",
    "p50_us",
    "p99_us",
    "max_us",
}


def test_members_lua_sends_each_members_cookie_in_turn(recorder, tmp_path):
    cookies = [f"sessionid=member{n}" for n in range(1, 51)]
    (tmp_path / "cookies.txt").write_text("".join(f"{c}\n" for c in cookies))
    report = wrk(
        recorder, "members.lua", "/board/", env={"BENCH_COOKIES": str(tmp_path / "cookies.txt")}
    )

    # The report is report.lua's, which bench/run.py reads.
    assert set(report) == REPORT_KEYS
    sent = [cookie for _, cookie, _ in recorder.seen]
    assert len(sent) > len(cookies)
    assert set(sent) == set(cookies)
    # Each request carries the next member's cookie, the 50th followed by the 1st.
    following = {cookies[n]: cookies[(n + 1) % len(cookies)] for n in range(len(cookies))}
    assert all(following[a] == b for a, b in zip(sent, sent[1:], strict=False))
    assert {path for path, _, _ in recorder.seen} == {"/board/"}


def test_members_lua_refuses_to_run_without_its_cookies(recorder):
    command = [shutil.which("wrk"), "-t1", "-c1", "-d1s", "-s", str(BENCH / "members.lua")]
    result = subprocess.run(
        [*command, f"http://127.0.0.1:{recorder.server_address[1]}/"],
        capture_output=True,
        text=True,
        env={},
        timeout=60,
    )
    assert "BENCH_COOKIES is not set" in result.stdout + result.stderr


def test_follow_lua_shows_the_version_the_last_board_had(recorder):
    report = wrk(recorder, "follow.lua", "/board/?v=5&p=abc", "Accept-Encoding: identity")

    assert set(report) == REPORT_KEYS
    paths = [path for path, _, _ in recorder.seen]
    # Its first poll is behind and brings the board at version 7; every poll after says 7.
    assert paths[0] == "/board/?v=5&p=abc"
    assert len(paths) > 2 and set(paths[1:]) == {"/board/?v=7&p=abc"}
    assert {encoding for _, _, encoding in recorder.seen} == {"identity"}


# --- The activity -------------------------------------------------------------------------


def big_board(picks: int):
    """The bench's board (16 × 20, 320 "Big film" films) with `picks` slots filled."""
    setup = sixteen_by_twenty()
    bulk_fill_picks(setup, picks)
    board = setup.refresh()
    return setup, SimpleNamespace(board=board, member_on_clock=setup.user_on_clock())


@pytest.mark.django_db
def test_the_plan_gives_the_activity_every_seat_holder_and_the_free_films():
    setup, data = big_board(160)
    plan = activity.plan(data)

    seat_holders = [seat.membership_id for seat in setup.seats]
    assert list(plan.seat_cookies) == seat_holders
    assert all(cookie.startswith("sessionid=") for cookie in plan.seat_cookies.values())
    assert len(set(plan.seat_cookies.values())) == 16
    assert plan.on_clock == setup.membership_of(data.member_on_clock).pk
    assert plan.commissioner_cookie not in plan.seat_cookies.values()  # a session of its own
    picked = set(Pick.objects.filter(draft=data.board).values_list("movie_id", flat=True))
    assert len(plan.free_films) == 160 and not picked & set(plan.free_films)
    assert plan.pick_url == data.board.get_absolute_url() + "pick/"
    assert plan.undo_url.endswith("/manage/undo/")


def test_an_act_that_overruns_its_period_skips_the_starts_it_missed():
    busy = activity.LiveActivity("http://127.0.0.1:9", _empty_plan())
    now = [100.0]  # a clock that moves only when told
    starts = []

    def act(number):
        starts.append((number, now[0]))
        if number == 0:
            now[0] += 2.5  # the first act takes two periods and a half: starts 1 and 2 are missed
        if len(starts) == 3:
            busy.stopping.set()

    def wait(seconds):
        now[0] += seconds

    busy._every(act, 1.0, clock=lambda: now[0], wait=wait)
    # Never two at once to catch up: the next start is the next whole period.
    assert starts == [(0, 100.0), (3, 103.0), (4, 104.0)]
    assert busy.tally.late == 2


def _empty_plan():
    return activity.Plan("/b/", "/b/pick/", "/b/chat/", "/b/undo/", 1, {1: "sessionid=a"}, "", [])


@pytest.mark.django_db(transaction=True)
def test_the_activity_picks_chats_and_undoes_through_the_site(live_server):
    """As members' browsers do, over HTTP with sessions and CSRF: the member on the clock picks,
    the next one too, a seat holder posts a chat line, the commissioner takes a pick back; on a
    full board, picks give way to undos until the board is as it was."""
    setup, data = big_board(318)
    busy = activity.LiveActivity(live_server.url, activity.plan(data))
    first = busy.on_clock

    busy.pick()
    assert busy.tally.picks == 1 and not busy.undoing
    assert busy.on_clock != first  # snake order: slot 319 and 320 are two seats
    busy.chat(0)
    busy.pick()  # slot 320: the board is full
    assert busy.undoing and busy.on_clock is None
    assert Pick.objects.filter(draft=data.board).count() == 320

    busy.pick_or_undo()
    assert busy.tally.undos == 1 and busy.undoing
    assert Pick.objects.filter(draft=data.board).count() == 319
    busy.pick_or_undo()
    # Both picks it made are taken back: the board is as the bench made it, picks start again.
    assert Pick.objects.filter(draft=data.board).count() == 318
    assert not busy.undoing and busy.on_clock == first
    assert len(busy.free) == 2

    line = ChatMessage.objects.get(draft=data.board)
    assert line.author == Membership.objects.get(pk=list(busy.plan.seat_cookies)[0]).user
    assert busy.tally.chat_lines == 1 and busy.tally.errors == []
    assert "2 picks" in busy.summary() and "0 refused or failed" in busy.summary()
