"""`make bench`: each page's throughput as a share of a one-query Django floor, measured in one run.

    make bench                      # 3 rounds of 5 s per path (about 8 minutes)
    BENCH_SECONDS=2 BENCH_ROUNDS=1 make bench     # or: make bench BENCH_ARGS=--quick
    make bench BENCH_LIVE=1         # live mode: picks, chat and the worker (5 rounds, 13 min)
    BENCH_ONLY=poll-204,board-reader make bench   # some paths only (keys as in the table)
    BENCH_DATABASE_URL=postgres://user@host:5432/x make bench   # another PostgreSQL server

What it does, in order:
1. A throwaway database: `moviedraft_bench_<pid>` on the PostgreSQL server of
   BENCH_DATABASE_URL or DATABASE_URL (only the server is used: the database they name is never
   touched), else on 127.0.0.1:5432 if PostgreSQL answers there, else a temporary SQLite file
   (with a note: the targets are set for PostgreSQL).
2. migrate, collectstatic, seed_demo, then bench/data.py: a 16 × 20 board half drafted, 200
   comments on the demo's *Her* pick, pick pages with 10 and 1,000 comments, 50 members in the
   board's league.
3. Two gunicorn servers with production settings (DEBUG off, a random SECRET_KEY, HTTPS=0,
   2 workers each, of the class production runs: uvicorn's, serving the ASGI application;
   BENCH_WORKER=sync serves both through WSGI instead): the app, and the floor
   (bench/floor.py: the same settings and middleware, one view that runs SELECT 1).
4. Every path is requested once and must answer with its status and text (a 404 or a 500
   would make its numbers meaningless); its queries are counted in process, cold and warm.
5. wrk (16 connections) drives the floor and each path in turn, floor before and after every
   path, for 3 rounds; each path's share is its req/s over the mean of the two floor runs
   beside it. Medians of the rounds are printed as a Markdown table and written to
   bench/results.md.
6. Both servers are stopped and the database dropped, also on Ctrl-C or a failure.

Live mode (--live, BENCH_LIVE=1; issue 17): the same paths while the site is in use. The worker
runs beside the servers (started before them: /healthz answers "ok" only once it is seen), and
from the warm-up to the last run bench/activity.py picks on the 16 × 20 board every 2 s and
posts a chat line in its draft every second, through the app server as members' browsers do.
The poll follows the board's version (bench/follow.lua), the partial is a pick or more behind
it, every reader page is held to the floor; LIVE_TARGETS in bench/data.py. Written to
bench/results-live-mode.md.

Exit status: 0 when every path was measured (SHORT rows included; BENCH_STRICT=1 makes a SHORT
fail the run), 1 when the bench could not measure (a path answered wrongly, a server died).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench import activity
from bench.activity import LiveActivity, WorkerProcess, data_version
from bench.harness import (
    BENCH,
    CLIENT_HEADERS,
    ROOT,
    WORKER,
    BenchError,
    Server,
    bench_environment,
    choose_database,
    clean_up,
    fetch,
    say,
)
from bench.tables import describe_live, describe_run, markdown_table, summarise, write_results

REPORT_LUA = BENCH / "report.lua"
RESULTS = {False: BENCH / "results.md", True: BENCH / "results-live-mode.md"}


# --- Options ------------------------------------------------------------------------------


def flag(value: str | None) -> bool:
    """An environment variable read as a switch: "1", "yes", "on", "true" (any case) are on."""
    return (value or "").strip().lower() in {"1", "yes", "on", "true"}


LIVE_ROUNDS = 5


def options(argv=None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="make bench", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=float(env("BENCH_SECONDS", "5")))
    parser.add_argument(
        "--rounds",
        type=int,
        default=env("BENCH_ROUNDS"),
        help="rounds of floor and path (default 3; live mode 5)",
    )
    parser.add_argument("--connections", type=int, default=int(env("BENCH_CONNECTIONS", "16")))
    parser.add_argument(
        "--quick", action="store_true", default=bool(env("BENCH_QUICK")), help="2 s, 1 round"
    )
    parser.add_argument(
        "--live",
        action="store_true",
        default=flag(env("BENCH_LIVE")),
        help="live mode: the worker runs, a pick every 2 s and a chat line every second while "
        "wrk measures (BENCH_LIVE=1)",
    )
    parser.add_argument("--only", default=env("BENCH_ONLY", ""), help="comma-separated keys")
    parser.add_argument(
        "--strict", action="store_true", default=bool(env("BENCH_STRICT")), help="SHORT fails"
    )
    parser.add_argument(
        "--keep",
        action="store_true",
        default=bool(env("BENCH_KEEP")),
        help="keep the database afterwards (its URL is printed) to look into it",
    )
    parser.add_argument(
        "--profile",
        default=env("BENCH_PROFILE", ""),
        help="comma-separated keys: profile these paths in process (pyinstrument) instead",
    )
    parser.add_argument(
        "--output",
        default=env("BENCH_OUTPUT"),
        help="where the table is written (default: bench/results.md, live: results-live-mode.md)",
    )
    args = parser.parse_args(argv)
    if args.rounds is None:
        # Live, each run of 5 s holds two or three picks, each making every page new: the share
        # of the floor swings from run to run (35 to 69 % for the 50 members in one run of 3
        # rounds), and the median of 5 holds still where the median of 3 did not.
        args.rounds = LIVE_ROUNDS if args.live else 3
    if args.quick:
        args.seconds, args.rounds = 2.0, 1
    args.output = args.output or str(RESULTS[args.live])
    return args


# --- Data ---------------------------------------------------------------------------------


@dataclass
class Prepared:
    paths: list  # of bench.data.BenchPath
    board_id: int  # the 16 × 20 board, whose version the paths that follow it read
    queries: dict[str, str] = field(default_factory=dict)  # key -> "cold/warm"
    plan: object = None  # live mode: bench.activity.Plan


def prepare_data(only: set[str], *, live: bool = False) -> Prepared:
    """migrate, collectstatic, seed_demo and bench.data.prepare(), in this process (its
    environment already says which database). Returns the paths to time (as live mode times
    them with `live`, and the activity's plan)."""
    import io

    import django

    django.setup()
    from django.core.management import call_command

    from bench import data

    say("Preparing the data: migrate, collectstatic, seed_demo, a 16 × 20 board, comments…")
    started = time.monotonic()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    call_command("seed_demo", stdout=io.StringIO())
    prepared = data.prepare()
    paths = data.bench_paths(prepared, live=live)
    unknown = only - {p.key for p in paths}
    if unknown:
        raise BenchError(
            f"no path has the key {', '.join(sorted(unknown))}; the keys are "
            f"{', '.join(p.key for p in paths)}"
        )
    if only:
        # A thread's target compares it with its baseline, so the baseline comes along.
        wanted = only | {p.baseline for p in paths if p.key in only and p.baseline}
        paths = [p for p in paths if p.key in wanted]
    queries = count_queries(paths)
    plan = activity.plan(prepared) if live else None
    say(f"  ready in {time.monotonic() - started:.0f} s")
    return Prepared(paths=paths, board_id=prepared.board.pk, queries=queries, plan=plan)


def count_queries(paths) -> dict[str, str]:
    """Queries each path runs in this process: on a cold cache, then again (warm), each time
    for a new client, as wrk keeps no cookies."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.data import check_answer

    counts = {}
    for path in paths:
        runs = []
        headers = in_process_headers(path)
        for _ in range(2):
            with CaptureQueriesContext(connection) as queries:
                response = Client(SERVER_NAME="localhost").get(path.url, headers=headers)
            runs.append(len(queries))
        problem = check_answer(path, response.status_code, response.content.decode())
        if problem:
            raise BenchError(f"{path.label} ({path.url}) in process: {problem}")
        counts[path.key] = f"{runs[0]}/{runs[1]}"
    return counts


def in_process_headers(path) -> dict[str, str]:
    """A path's headers for one request in process: a members' path's with its first member's
    cookie (wrk turns through all of them)."""
    return {**path.headers, **({"Cookie": path.cookies[0]} if path.cookies else {})}


def profile_paths(paths, repeat: int = 20) -> None:
    """Where a path's time goes: pyinstrument over `repeat` requests in this process (the full
    middleware stack, no network), after two requests that warm the caches and `repeat` timed
    without the profiler."""
    try:
        from pyinstrument import Profiler
    except ImportError as error:
        raise BenchError("pyinstrument is missing: make .venv/.installed-dev") from error
    from django.test import Client

    client = Client(SERVER_NAME="localhost")
    for path in paths:
        headers = in_process_headers(path)
        for _ in range(2):
            client.get(path.url, headers=headers)
        started = time.perf_counter()
        for _ in range(repeat):
            client.get(path.url, headers=headers)
        plain = (time.perf_counter() - started) / repeat * 1000
        profiler = Profiler(interval=0.001)
        with profiler:
            for _ in range(repeat):
                client.get(path.url, headers=headers)
        say(f"\n=== {path.label} ({path.url}): {plain:.1f} ms a request in process ({repeat} runs)")
        say(profiler.output_text(unicode=True, color=False))
        flat = profiler.output_text(unicode=True, flat=True).splitlines()
        say(f"Functions by their own time, seconds in {repeat} requests (top 25):")
        say("\n".join([line for line in flat if line[:1].isdigit()][:25]))


def check_paths(app: Server, paths, board_id: int) -> dict[str, int]:
    """Every path answers as it must over HTTP, through gunicorn (a path with members' cookies,
    for each of them; one that follows the board, at its version now); returns bytes per
    answer."""
    from bench.data import check_answer

    sizes = {}
    for path in paths:
        url = current_url(path, board_id)
        for cookie in path.cookies or [None]:
            headers = {**path.headers, **({"Cookie": cookie} if cookie else {})}
            status, body, size = fetch(app.base, url, headers)
            problem = check_answer(path, status, body)
            if problem:
                raise BenchError(f"{path.label} ({url}): {problem}")
            sizes.setdefault(path.key, size)
    return sizes


def current_url(path, board_id: int) -> str:
    """The path's URL now: a path that follows the board is given its version at this moment."""
    from bench.data import board_version, url_at

    return url_at(path, board_version(board_id)) if path.follow else path.url


# --- wrk ----------------------------------------------------------------------------------


def ensure_wrk() -> str:
    wrk = shutil.which("wrk")
    if wrk:
        return wrk
    if shutil.which("apt-get") and os.geteuid() == 0:
        say("wrk is missing; installing it with apt-get.")
        quiet = {
            "stdout": subprocess.DEVNULL,
            "env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        }
        if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], **quiet).returncode:
            subprocess.run(["apt-get", "update", "-q"], **quiet)
            subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], **quiet)
        wrk = shutil.which("wrk")
        if wrk:
            return wrk
    raise BenchError(
        "wrk is not installed. Install it with your package manager "
        "(Debian/Ubuntu: sudo apt-get install wrk; macOS: brew install wrk) and run again."
    )


@dataclass(frozen=True)
class Run:
    rps: float
    p99_ms: float
    requests: int
    errors: int


def run_wrk(
    wrk: str,
    url: str,
    headers: dict[str, str],
    seconds: float,
    connections: int,
    warmup=False,
    *,
    script: Path = REPORT_LUA,
    env: dict[str, str] | None = None,
) -> Run:
    # One wrk thread: it holds 16 connections easily and leaves the second core to the server.
    # (One thread is also one Lua state: follow.lua's version is shared by every connection.)
    command = [wrk, "-t1", f"-c{connections}", f"-d{seconds:g}s", "--timeout", "30s"]
    command += ["-s", str(script)]
    for name, value in {**CLIENT_HEADERS, **headers}.items():
        command += ["-H", f"{name}: {value}"]
    result = subprocess.run(
        [*command, url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=False,
        env=env,
    )
    line = next((x for x in result.stdout.splitlines() if x.startswith("BENCH-RESULT ")), None)
    if result.returncode or line is None:
        raise BenchError(f"wrk failed on {url}:\n{result.stdout}{result.stderr}")
    report = json.loads(line.removeprefix("BENCH-RESULT "))
    if not report["requests"] and not warmup:
        raise BenchError(f"no request to {url} was answered in {seconds:g} s")
    errors = sum(report[k] for k in report if k.endswith("_errors")) + report["timeouts"]
    return Run(
        rps=report["requests"] / (report["duration_us"] / 1e6),
        p99_ms=report["p99_us"] / 1000,
        requests=report["requests"],
        errors=errors,
    )


@dataclass
class Measured:
    """One path in one round: its run and the floor's req/s around it."""

    app: Run
    floor_rps: float


def measure(
    wrk, app: Server, floor: Server, paths, args, *, board_id: int, cookies: str = ""
) -> list[dict[str, Measured]]:
    """Rounds of floor, path, floor, path, …, floor; the path order turns each round so that
    no path always runs first or last. `cookies`: the file members.lua reads."""

    def time_floor(seconds: float, warmup=False) -> Run:
        run = run_wrk(wrk, f"{floor.base}/", {}, seconds, args.connections, warmup)
        floor.drain("/")
        return run

    def time_app(path, seconds: float, warmup=False) -> Run:
        app.alive()
        run = run_wrk(
            wrk,
            app.base + current_url(path, board_id),
            path.headers,
            seconds,
            args.connections,
            warmup,
            script=BENCH / path.script,
            env={**os.environ, "BENCH_COOKIES": cookies} if path.cookies else None,
        )
        app.drain("/healthz")
        return run

    say(f"Warming up: 1 s on the floor and on each of {len(paths)} paths")
    time_floor(1, warmup=True)
    for path in paths:
        time_app(path, 1, warmup=True)
    rounds = []
    for number in range(args.rounds):
        shift = number * len(paths) // max(args.rounds, 1)
        order = paths[shift:] + paths[:shift]
        say(f"Round {number + 1} of {args.rounds}: {len(order)} paths, {args.seconds:g} s each")
        results = {}
        before = time_floor(args.seconds)
        for path in order:
            run = time_app(path, args.seconds)
            after = time_floor(args.seconds)
            if run.errors or before.errors or after.errors:
                raise BenchError(
                    f"{path.label}: {run.errors} failed requests (timeouts, errors or non-2xx/3xx "
                    f"answers) under load; floor: {before.errors + after.errors}"
                )
            floor_rps = (before.rps + after.rps) / 2
            results[path.key] = Measured(run, floor_rps)
            say(
                f"  {path.label:<42} {run.rps:8.1f} req/s  {run.rps / floor_rps:6.1%} of "
                f"{floor_rps:7.1f}  p99 {run.p99_ms:7.1f} ms"
            )
            before = after
        rounds.append(results)
    return rounds


# --- Main ---------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = options(argv)
    only = {key.strip() for key in args.only.split(",") if key.strip()}
    profile = {key.strip() for key in args.profile.split(",") if key.strip()}
    # Ctrl-C raises KeyboardInterrupt even when started where SIGINT was ignored (a background
    # job of a script); SIGTERM and SIGHUP end the bench the same way: through the cleanup below.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda *_: sys.exit(130))

    servers: list = []
    database = None
    busy = worker = None
    folder = tempfile.mkdtemp(prefix="moviedraft-bench-logs-")
    try:
        wrk = ensure_wrk()
        database = choose_database()
        database.create()
        say(f"Database: {database.note}")
        env = bench_environment(database, live=args.live)
        os.environ.clear()
        os.environ.update(env, DJANGO_SETTINGS_MODULE="config.settings")
        sys.path.insert(0, str(ROOT))
        prepared = prepare_data(profile or only, live=args.live and not profile)
        from django.db import connections

        connections.close_all()
        if profile:
            profile_paths([p for p in prepared.paths if p.key in profile])
            return 0
        cookies = Path(folder) / "cookies.txt"
        members = next((p.cookies for p in prepared.paths if p.cookies), ())
        cookies.write_text("".join(f"{cookie}\n" for cookie in members))
        if args.live:
            # Before the app: its /healthz says "ok" only once it has seen the worker.
            worker = WorkerProcess(env, folder, ROOT)
            servers.append(worker)
            worker.start()

        asgi = WORKER != "sync"
        app = Server(
            "app", "config.asgi:application" if asgi else "config.wsgi:application", env, folder
        )
        floor = Server(
            "floor",
            "bench.floor:asgi_application" if asgi else "bench.floor:application",
            {**env, "DJANGO_SETTINGS_MODULE": "bench.floor"},
            folder,
        )
        servers += [app, floor]
        for server in (app, floor):
            server.start()
        app.wait_ready("/healthz", '"ok"')
        floor.wait_ready("/", "floor 1")
        say(f"Servers: app on {app.base}, floor on {floor.base}")
        sizes = check_paths(app, prepared.paths, prepared.board_id)

        live = ""
        if args.live:
            busy = LiveActivity(app.base, prepared.plan)
            versions, started = data_version(), time.monotonic()
            busy.start()
            say(
                f"Live: the worker runs; a pick every {busy.pick_seconds:g} s and a chat line "
                f"every {busy.chat_seconds:g} s on the 16 × 20 board until the last run"
            )
        rounds = measure(
            wrk, app, floor, prepared.paths, args, board_id=prepared.board_id, cookies=str(cookies)
        )
        if busy is not None:
            alive = busy.alive()
            busy.stop()
            seconds = time.monotonic() - started
            now_version, now_chat = data_version()
            live = describe_live(busy, now_version - versions[0], now_chat - versions[1], seconds)
            say(f"  {busy.summary()}")
            if not alive:
                raise BenchError("the live activity stopped before the end of the runs")
            if not worker.running():
                raise BenchError(f"the worker stopped. Its log:\n{worker.log_tail()}")
            app.wait_ready("/healthz", '"ok"', timeout=5)  # the worker still seen
        # Quiet, nothing may have changed under the bench (a 204 turned 200 would flatter
        # nothing); live, every path must still answer as it did.
        check_paths(app, prepared.paths, prepared.board_id)

        from bench.data import LIVE_TARGETS, TARGETS

        rows = summarise(prepared.paths, rounds, LIVE_TARGETS if args.live else TARGETS)
        for row in rows:
            row.size = f"{sizes[row.key] / 1024:.1f}"
            row.queries = prepared.queries.get(row.key, "")
        header = describe_run(database, args, live)
        table = markdown_table(rows)
        note = database.note if database.vendor == "sqlite" else ""
        say(f"\n{header}\n\n{table}\n")
        if note:
            say(f"Note: {note}\n")
        if only:
            say(f"Not written to {args.output}: BENCH_ONLY measured some paths only.")
        else:
            write_results(args.output, header, table, note, live=args.live)
            say(f"Written to {os.path.relpath(args.output, ROOT)}.")
        short = [r for r in rows if "SHORT" in r.result]
        if short:
            say(f"{len(short)} of {len(rows)} paths short of their target.")
        if busy is not None and busy.tally.errors:
            # The board did not move as it should have: the figures are not of live conditions.
            raise BenchError(f"the live activity had {len(busy.tally.errors)} refused acts")
        return 1 if (args.strict and short) else 0
    except BenchError as error:
        say(f"\nmake bench: {error}")
        return 1
    except KeyboardInterrupt:
        say("\nmake bench: interrupted; cleaning up.")
        return 130
    finally:
        if busy is not None:
            busy.stop()
        clean_up(servers, database, folder, keep=args.keep, command="make bench")


if __name__ == "__main__":
    sys.exit(main())
