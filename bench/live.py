"""`make bench-live`: how fast a pick reaches every open board, on the production server.

    make bench-live                                   # 1,000 viewers, 10 picks, 10,000 held 60 s
    make bench-live BENCH_LIVE_ARGS=--quick           # 3 picks, 10,000 held 10 s
    make bench-live BENCH_LIVE_ARGS="--viewers 2000 --picks 20 --hold 0"

What it does, in order:
1. A throwaway database `moviedraft_bench_<pid>` on PostgreSQL (as `make bench` chooses it: the
   server of BENCH_DATABASE_URL or DATABASE_URL, else 127.0.0.1:5432; SQLite has no
   LISTEN/NOTIFY, so there the bench stops). migrate, collectstatic into a temporary
   STATIC_ROOT, and a public league with a live draft (8 seats × 12 rounds, snake, no clock).
2. The production server: `gunicorn -c config/gunicorn.py config.asgi:application` with 2
   uvicorn workers, production settings (DEBUG off, a random SECRET_KEY, HTTPS=0).
3. Latency: N viewers (default 1,000) open the draft's event stream with a small asyncio client
   (raw sockets, no dependency): one per seat holder, signed in with a session of their own,
   the rest anonymous readers of the public league. Once every one has received
   `event: ready`, the member on the clock makes picks through the site (the board page for the
   CSRF token and the slot, then the pick form's POST, as htmx sends it). For each viewer the
   time from the pick's response to the moment it holds the new board event; for the two
   members whose turn changed (the one who picked, the one who comes on the clock), to the
   moment they also hold their personal fragment (`…/panel/`, fetched after the event). One
   warm-up pick first, not counted.
4. Hold: a fresh server; H connections (default 10,000) opened and held for S seconds (default
   60), one pick made in the middle of it; every failed open, early disconnect, resync or
   missed event is an error. Each connection is a file descriptor in this process and one in a
   worker: the bench raises its open-files limit (RLIMIT_NOFILE) to what it needs, up to the
   hard limit, before it starts the server, whose processes inherit it.
5. Memory per connection: the RSS of the gunicorn workers before and after the connections
   were opened, over their count (each phase on a freshly started server).
6. The table: p50, p95 and max against the targets (the board event at each of 1,000 viewers:
   p95 ≤ 0.1 s, issue 17; the personal fragment: p95 ≤ 0.3 s; both max ≤ 1 s), the bytes per
   board event, the hold's errors, memory per connection. Printed and written to
   bench/results-live.md. The server is stopped and the database dropped, also on Ctrl-C.

Exit status: 0 when it measured (SHORT included; --strict makes SHORT fail), 1 when it could not.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import resource
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.harness import (
    BENCH,
    ROOT,
    WORKERS,
    BenchError,
    Server,
    bench_environment,
    choose_database,
    clean_up,
    say,
)
from bench.live_report import _ms, _pct, describe_run, results_table
from bench.viewers import Picked, Viewers

# --- Options ------------------------------------------------------------------------------


def options(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make bench-live", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--viewers", type=int, default=1000, help="streams open during picks")
    parser.add_argument("--picks", type=int, default=10, help="timed picks")
    parser.add_argument("--pause", type=float, default=1.0, help="seconds between picks")
    parser.add_argument("--seats", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=12)
    parser.add_argument("--hold", type=int, default=10000, help="connections held; 0: no hold")
    parser.add_argument("--hold-seconds", type=float, default=60.0)
    parser.add_argument(
        "--every-seat-fetches",
        action="store_true",
        help="every seat holder fetches their panel after each event (the worst case; the page "
        "asks only when the change concerns its viewer, as the default measures)",
    )
    parser.add_argument("--quick", action="store_true", help="3 picks, hold for 10 s")
    parser.add_argument("--strict", action="store_true", help="exit 1 when a target is SHORT")
    parser.add_argument("--output", default=str(BENCH / "results-live.md"))
    args = parser.parse_args(argv)
    if args.quick:
        args.picks, args.hold_seconds = 3, 10.0
    if args.viewers < args.seats:
        parser.error(f"--viewers must be at least --seats ({args.seats}): every seat watches")
    if args.picks + 1 > args.seats * args.rounds:
        parser.error("more picks than the board has slots: raise --rounds")
    return args


def open_files_needed(connections: int) -> int:
    """File descriptors one process needs: the client holds every connection, a worker about
    half of them (the limit is per process, so the client's count bounds both), with room for
    the rest (the database pool, the listen socket, imports, the panel fetches)."""
    return connections + 1000


def raise_open_files(needed: int) -> tuple[int, int]:
    """Raise this process's soft RLIMIT_NOFILE to `needed` (the server's processes, started
    from here, inherit it). Returns the soft limit before and after."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != resource.RLIM_INFINITY and soft < needed:
        if hard != resource.RLIM_INFINITY and hard < needed:
            raise BenchError(
                f"{needed:,} open files are needed and the hard limit is {hard:,}: raise it "
                "(ulimit -Hn as root, or LimitNOFILE= for a service) or lower --hold"
            )
        resource.setrlimit(resource.RLIMIT_NOFILE, (needed, hard))
    return soft, resource.getrlimit(resource.RLIMIT_NOFILE)[0]


# --- The data -----------------------------------------------------------------------------


@dataclass
class Room:
    """The draft the viewers watch, and what the bench needs to act in it."""

    board_url: str
    events_url: str
    panel_url: str
    pick_url: str
    version: int
    on_clock: int  # membership id
    cookies: dict[int, str]  # membership id -> "sessionid=…"
    movies: list[int]  # films free to pick (every category is open to any film)
    taken: set[int] = field(default_factory=set)


def prepare_data(seats: int, rounds: int) -> Room:
    import io

    import django

    django.setup()
    from django.core.management import call_command
    from django.urls import reverse

    from bench.data import session_cookie
    from draft.models import Membership
    from tests.draft.factories import make_draft, make_user

    say(f"Preparing the data: migrate, collectstatic, a public league, {seats} × {rounds} draft…")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False, stdout=io.StringIO())
    commissioner = make_user("commish", "Carla", "Commish")
    setup = make_draft(commissioner, seats=seats, rounds=rounds, movies=seats * rounds + 20)
    draft = setup.refresh()
    args = [draft.league.slug, draft.slug]
    memberships = Membership.objects.filter(league=draft.league).select_related("user")
    on_clock_user = setup.user_on_clock()
    return Room(
        board_url=reverse("draft:board", args=args),
        events_url=reverse("draft:events", args=args),
        panel_url=reverse("draft:board_panel", args=args),
        pick_url=reverse("draft:pick_submit", args=args),
        version=draft.version,
        on_clock=next(m.pk for m in memberships if m.user_id == on_clock_user.pk),
        cookies={m.pk: session_cookie(m.user) for m in memberships},
        movies=[movie.pk for movie in setup.movies],
    )


# --- The server ---------------------------------------------------------------------------


class ProductionServer(Server):
    """gunicorn as production runs it: config/gunicorn.py, uvicorn workers."""

    def start(self) -> None:
        self.log = self.log_path.open("w")
        command = [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"]
        command += ["config.asgi:application", "--bind", f"127.0.0.1:{self.port}"]
        command += ["--workers", str(WORKERS), "--log-level", "warning"]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**self.env, "WEB_CONCURRENCY": str(WORKERS)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)  # graceful_timeout is 10 s
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self.log.close()

    def workers(self) -> list[int]:
        pid = self.process.pid
        with contextlib.suppress(OSError):
            return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
        return []

    def rss(self) -> int:
        """Bytes resident in the workers (VmRSS)."""
        total = 0
        for pid in self.workers():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1]) * 1024
        return total

    def cpu_seconds(self) -> float:
        """User and system CPU time the workers have used."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for pid in self.workers():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
        return total

    def sockets(self) -> list[int]:
        """Open sockets per worker: how the connections spread over them."""
        counts = []
        for pid in self.workers():
            count = 0
            with contextlib.suppress(OSError):
                for fd in Path(f"/proc/{pid}/fd").iterdir():
                    with contextlib.suppress(OSError):
                        count += os.readlink(fd).startswith("socket:")
            counts.append(count)
        return counts


# --- The phases ---------------------------------------------------------------------------


@dataclass
class LatencyResult:
    viewers: int
    picks: list[Picked]
    open_seconds: float
    rss_before: int  # the workers' RSS with a tenth of the connections open
    rss_after: int  # …and with all of them
    sockets: list[int]
    cpu_per_pick: float
    client_cpu_per_pick: float
    errors: int
    resyncs: int
    every_seat: bool = False
    panel_requests: list[float] = field(default_factory=list)


async def latency_phase(server: ProductionServer, room: Room, args) -> LatencyResult:
    viewers = Viewers(server.port, room, args.viewers, every_seat=args.every_seat_fetches)
    say(f"Opening {args.viewers:,} event streams…")
    try:
        first = args.viewers // 10
        open_seconds, rss_before, rss_after = await viewers.open(first, server)
        failed = viewers.failed()
        if failed:
            raise BenchError(f"{len(failed)} streams failed to open: {failed[0].error}")
        sockets = server.sockets()
        say(f"  all ready in {open_seconds:.1f} s; sockets per worker {sockets}")
        say("Warm-up pick (not counted)")
        await viewers.pick()
        await asyncio.sleep(args.pause)
        picks = []
        viewers.panel_requests.clear()  # the warm-up pick's
        cpu_before, client_before = server.cpu_seconds(), _own_cpu()
        for number in range(1, args.picks + 1):
            picked = await viewers.pick()
            picks.append(picked)
            say(
                f"  pick {number:>2}: request {picked.request * 1000:6.0f} ms; board to all "
                f"{len(picked.board):,}: p50 {_ms(_pct(picked.board, 50))}, max "
                f"{_ms(max(picked.board, default=math.nan))}; personal "
                f"{', '.join(_ms(t) for t in picked.personal)}; {max(picked.sizes, default=0):,} B"
                + (f"; MISSED {picked.missed}" if picked.missed else "")
            )
            await asyncio.sleep(args.pause)
        cpu = (server.cpu_seconds() - cpu_before) / max(args.picks, 1)
        client_cpu = (_own_cpu() - client_before) / max(args.picks, 1)
        errors = len(viewers.failed())
        resyncs = sum(v.resyncs for v in viewers.viewers)
        # The hold phase opens its streams at the board as the picks left it.
        room.version, room.on_clock = viewers.version, viewers.on_clock
    finally:
        await viewers.close()
    return LatencyResult(
        viewers=args.viewers,
        picks=picks,
        open_seconds=open_seconds,
        rss_before=rss_before,
        rss_after=rss_after,
        sockets=sockets,
        cpu_per_pick=cpu,
        client_cpu_per_pick=client_cpu,
        errors=errors,
        resyncs=resyncs,
        every_seat=args.every_seat_fetches,
        panel_requests=list(viewers.panel_requests),
    )


@dataclass
class HoldResult:
    connections: int
    seconds: float
    open_seconds: float
    failed_opens: int
    disconnects: int
    resyncs: int
    keepalives: int
    rss_before: int  # the workers' RSS with a tenth of the connections open
    rss_after: int  # …and with all of them
    sockets: list[int]
    pick: Picked | None
    first_error: str = ""

    @property
    def errors(self) -> int:
        missed = self.pick.missed if self.pick else 0
        return self.failed_opens + self.disconnects + self.resyncs + missed


async def hold_phase(server: ProductionServer, room: Room, args) -> HoldResult:
    viewers = Viewers(server.port, room, args.hold, every_seat=args.every_seat_fetches)
    say(f"Hold: opening {args.hold:,} event streams…")
    try:
        first = args.hold // 10
        open_seconds, rss_before, rss_after = await viewers.open(first, server)
        failed_opens = len(viewers.failed())
        first_error = next((v.error for v in viewers.viewers if v.error), "")
        sockets = server.sockets()
        say(
            f"  {args.hold - failed_opens:,} ready in {open_seconds:.1f} s ({failed_opens} failed); "
            f"sockets per worker {sockets}; holding {args.hold_seconds:g} s with a pick halfway"
        )
        started = time.perf_counter()
        await asyncio.sleep(args.hold_seconds / 2)
        pick = await viewers.pick() if failed_opens == 0 else None
        if pick:
            say(
                f"  the pick reached {len(pick.board):,}: p50 {_ms(_pct(pick.board, 50))}, "
                f"p95 {_ms(_pct(pick.board, 95))}, max {_ms(max(pick.board))}"
            )
        await asyncio.sleep(max(0.0, args.hold_seconds - (time.perf_counter() - started)))
        disconnects = len(viewers.failed()) - failed_opens
        first_error = first_error or next((v.error for v in viewers.viewers if v.error), "")
        resyncs = sum(v.resyncs for v in viewers.viewers)
        keepalives = sum(v.keepalives for v in viewers.viewers)
    finally:
        await viewers.close()
    return HoldResult(
        connections=args.hold,
        seconds=args.hold_seconds,
        open_seconds=open_seconds,
        failed_opens=failed_opens,
        disconnects=disconnects,
        resyncs=resyncs,
        keepalives=keepalives,
        rss_before=rss_before,
        rss_after=rss_after,
        sockets=sockets,
        pick=pick,
        first_error=first_error,
    )


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# --- Main ---------------------------------------------------------------------------------


async def run_phases(servers: list, env, folder, room: Room, args):
    latency = hold = None
    if args.viewers and args.picks:
        server = ProductionServer("app", "config.asgi:application", env, folder)
        servers.append(server)
        server.start()
        await asyncio.to_thread(server.wait_ready, "/healthz", '"ok"')
        say(f"Server: {server.base} (gunicorn, {WORKERS} uvicorn workers)")
        latency = await latency_phase(server, room, args)
        await asyncio.to_thread(server.stop)
    if args.hold:
        # A fresh server: its memory is not what the first phase left behind.
        server = ProductionServer("hold", "config.asgi:application", env, folder)
        servers.append(server)
        server.start()
        await asyncio.to_thread(server.wait_ready, "/healthz", '"ok"')
        hold = await hold_phase(server, room, args)
        await asyncio.to_thread(server.stop)
    return latency, hold


def main(argv=None) -> int:
    args = options(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda *_: sys.exit(130))
    servers: list[ProductionServer] = []
    database = None
    folder = tempfile.mkdtemp(prefix="moviedraft-bench-live-")
    try:
        before, limit = raise_open_files(open_files_needed(max(args.viewers, args.hold)))
        if limit != before:
            say(f"Open files (RLIMIT_NOFILE): raised from {before:,} to {limit:,}")
        database = choose_database()
        if database.vendor != "postgresql":
            raise BenchError("the live board needs PostgreSQL (LISTEN/NOTIFY); " + database.note)
        database.create()
        say(f"Database: {database.note}")
        env = bench_environment(database)
        env.update(
            STATIC_ROOT=str(Path(folder) / "static"),
            MEDIA_ROOT=str(Path(folder) / "media"),
        )
        os.environ.clear()
        os.environ.update(env, DJANGO_SETTINGS_MODULE="config.settings")
        sys.path.insert(0, str(ROOT))
        room = prepare_data(args.seats, args.rounds)
        from django.db import connections

        connections.close_all()
        with contextlib.suppress(ImportError):
            import uvloop

            uvloop.install()
        latency, hold = asyncio.run(run_phases(servers, env, folder, room, args))
        table, short = results_table(latency, hold)
        header = describe_run(args, database, latency, hold)
        say(f"\n{header}\n\n{table}\n")
        Path(args.output).write_text(
            "# make bench-live: latest results\n\n"
            "Written by `make bench-live` (bench/live.py); the README carries a copy.\n\n"
            f"Command: `{command_line(argv)}`\n\n"
            f"{header}\n\n{table}\n"
        )
        say(f"Written to {os.path.relpath(args.output, ROOT)}.")
        return 1 if (args.strict and short) else 0
    except BenchError as error:
        say(f"\nmake bench-live: {error}")
        for server in servers:
            tail = server.log_tail()
            if tail:
                say(f"--- {server.name} log ---\n{tail}")
        return 1
    except KeyboardInterrupt:
        say("\nmake bench-live: interrupted; cleaning up.")
        return 130
    finally:
        clean_up(servers, database, folder, command="make bench-live")


def command_line(argv) -> str:
    args = sys.argv[1:] if argv is None else list(argv)
    return "make bench-live" + (f" BENCH_LIVE_ARGS={shlex.quote(shlex.join(args))}" if args else "")


if __name__ == "__main__":
    sys.exit(main())
