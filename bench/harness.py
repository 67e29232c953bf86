"""What every bench shares: where the code is, the throwaway database (PostgreSQL, chosen as
`make bench` chooses it, or a temporary SQLite file), production settings for the bench's
processes, a gunicorn server started and stopped, the header of a report, and cleaning up
after a run. `make bench` (bench/run.py), `make bench-live`, `make bench-import` and `make
bench-search` are built on it."""

from __future__ import annotations

import contextlib
import gzip
import http.client
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.activity import WORKER_STALE_SECONDS

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
POSTGRES_SCHEMES = ("postgres", "postgresql", "pgsql", "postgis")
WORKERS = 2
# The worker class of both servers: production's (config/gunicorn.py), or gunicorn's sync
# workers with BENCH_WORKER=sync, to see what ASGI costs or saves.
WORKER = os.environ.get("BENCH_WORKER", "asgi")
WORKER_CLASS = "sync" if WORKER == "sync" else "config.workers.StreamingUvicornWorker"
WORKER_LABEL = "sync (WSGI)" if WORKER == "sync" else "uvicorn (ASGI)"
# Browsers ask for compressed pages; once the app compresses, the bench pays for it as they do.
CLIENT_HEADERS = {"Accept-Encoding": "gzip"}


class BenchError(Exception):
    """The bench cannot measure: it says why, and cleans up."""


def say(message: str = "") -> None:
    print(message, flush=True)


# --- The database -------------------------------------------------------------------------


@dataclass
class BenchDatabase:
    url: str
    vendor: str  # "postgresql" or "sqlite"
    description: str
    note: str = ""
    admin_url: str = ""  # PostgreSQL: where CREATE and DROP DATABASE run
    name: str = ""
    folder: str = ""  # SQLite: the temporary folder of the file

    def create(self) -> None:
        if self.vendor == "postgresql":
            with _admin(self.admin_url) as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}"')
                admin.execute(f'CREATE DATABASE "{self.name}"')
                version = admin.execute("SHOW server_version").fetchone()[0]
            self.description = f"PostgreSQL {version.split()[0]}"

    def drop(self) -> None:
        if self.vendor == "postgresql":
            with _admin(self.admin_url) as admin:
                # FORCE: a connection some worker left open must not keep the database alive.
                admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        elif self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)


def _admin(url: str):
    import psycopg

    return psycopg.connect(url, autocommit=True, connect_timeout=3)


def _postgres(server_url: str, source: str) -> BenchDatabase:
    """A throwaway database on the server of `server_url`; raises OSError-like errors from
    psycopg when the server does not answer."""
    import psycopg

    parts = urlsplit(server_url)
    name = f"moviedraft_bench_{os.getpid()}"
    admin_url = server_url
    try:
        _admin(admin_url).close()
    except psycopg.OperationalError:
        # The URL's own database may not exist yet; the server's maintenance database does.
        admin_url = urlunsplit(parts._replace(path="/postgres"))
        _admin(admin_url).close()
    host = parts.hostname or "localhost"
    return BenchDatabase(
        url=urlunsplit(parts._replace(path=f"/{name}")),
        vendor="postgresql",
        description="PostgreSQL",
        note=f"database {name} on {host}:{parts.port or 5432} ({source}), dropped afterwards",
        admin_url=admin_url,
        name=name,
    )


def choose_database() -> BenchDatabase:
    import psycopg

    for source in ("BENCH_DATABASE_URL", "DATABASE_URL"):
        url = os.environ.get(source, "")
        if urlsplit(url).scheme in POSTGRES_SCHEMES:
            try:
                return _postgres(url, source)
            except psycopg.OperationalError as error:
                raise BenchError(f"PostgreSQL of {source} does not answer: {error}") from error
    explicit_sqlite = os.environ.get("BENCH_DATABASE_URL", "").startswith("sqlite")
    if not explicit_sqlite:
        try:
            return _postgres(DEFAULT_SERVER, "default server")
        except psycopg.OperationalError:
            pass
    folder = tempfile.mkdtemp(prefix="moviedraft-bench-")
    why = (
        "BENCH_DATABASE_URL asks for SQLite"
        if explicit_sqlite
        else "no PostgreSQL answers at 127.0.0.1:5432 and neither BENCH_DATABASE_URL nor "
        "DATABASE_URL names one"
    )
    return BenchDatabase(
        url=f"sqlite:///{folder}/bench.sqlite3",
        vendor="sqlite",
        description="SQLite",
        note=f"SQLite in {folder}: {why}. The targets are set for PostgreSQL; these ratios "
        "are not comparable with them.",
        folder=folder,
    )


# --- The processes -----------------------------------------------------------------------


def bench_environment(database: BenchDatabase, *, live: bool = False) -> dict[str, str]:
    """Production settings, as config/settings.py reads them, for the bench's processes."""
    env = dict(os.environ)
    for name in ("DEBUG", "BEHIND_TLS_PROXY", "DJANGO_SETTINGS_MODULE"):
        env.pop(name, None)
    env.update(
        DATABASE_URL=database.url,
        SECRET_KEY=secrets.token_urlsafe(50),
        HTTPS="0",
        ALLOWED_HOSTS="127.0.0.1,localhost",
        LOG_LEVEL="WARNING",
        # Nothing the bench does may try to reach a mail server.
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        # Quiet, no worker runs beside the bench (its drafts have no clock): /healthz, which the
        # bench waits on, must not answer 503 for want of one. Live, one does, and /healthz says
        # 503 when its heartbeat (every few seconds) is older than this.
        CLOCK_WORKER_STALE_SECONDS=str(WORKER_STALE_SECONDS) if live else "0",
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn with 2 workers (WORKER_CLASS), in its own session so that Ctrl-C reaches the
    bench, which stops it in order."""

    def __init__(self, name: str, app: str, env: dict[str, str], folder: str):
        self.name, self.app, self.env = name, app, env
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = Path(folder) / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.log = self.log_path.open("w")
        command = [sys.executable, "-m", "gunicorn", self.app, "--workers", str(WORKERS)]
        command += ["--worker-class", WORKER_CLASS, "--bind", f"127.0.0.1:{self.port}"]
        command += ["--log-level", "warning", "--chdir", str(ROOT)]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=self.env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log_path.read_text().splitlines()[-lines:])
        return ""

    def alive(self) -> None:
        if self.process is None or self.process.poll() is not None:
            raise BenchError(f"the {self.name} server stopped. Its log:\n{self.log_tail()}")

    def wait_ready(self, path: str, expect: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            self.alive()
            try:
                status, body, _ = fetch(self.base, path, {})
            except OSError as error:
                last = str(error)
            else:
                if status == 200 and expect in body:
                    return
                last = f"status {status}"
            time.sleep(0.2)
        raise BenchError(f"the {self.name} server did not answer in {timeout:.0f} s ({last})")

    def drain(self, path: str) -> None:
        """Wait until the requests wrk left queued have been served. wrk stops sending when its
        time is up, but a slow page leaves up to 16 requests in the listen queue, and the next
        run must not pay for them. One request per worker, at once: each is served only after
        the queue ahead of it."""
        with ThreadPoolExecutor(WORKERS) as pool:
            list(pool.map(lambda _: fetch(self.base, path, {}), range(WORKERS)))

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)  # gunicorn: graceful shutdown
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)
        self.log.close()


def fetch(base: str, url: str, headers: dict[str, str]) -> tuple[int, str, int]:
    """GET without following redirects: (status, decoded body, bytes on the wire)."""
    parts = urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
    try:
        connection.request("GET", url, headers={**CLIENT_HEADERS, **headers})
        response = connection.getresponse()
        raw = response.read()
    finally:
        connection.close()
    body = gzip.decompress(raw) if response.getheader("Content-Encoding") == "gzip" else raw
    return response.status, body.decode("utf-8", "replace"), len(raw)


# --- Reports -------------------------------------------------------------------------------


def run_header(database: BenchDatabase, moment: str) -> str:
    """When, which code (commit, and whether it differs from it) and on what, for a report:
    `moment` says when the load was read ("at the start", "at the end")."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    # Text files (this table, the README) do not change what is measured.
    dirty = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)*.md"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout.strip()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        f"{when}, commit {commit or '?'}{' with uncommitted changes' if dirty else ''}, "
        f"{database.description}, {os.cpu_count()} CPUs ({platform.machine()}, load "
        f"{load:.1f} {moment})."
    )


def clean_up(servers, database, folder, *, keep: bool = False, command: str) -> None:
    """Stop the servers, drop the throwaway database (or say where it was kept), remove the
    run's folder: after a run, a failure or Ctrl-C alike."""
    for server in servers:
        server.stop()
    if database is not None:
        with contextlib.suppress(Exception):
            from django.db import connections

            connections.close_all()
        if keep:
            say(f"Kept the database: DATABASE_URL={database.url}")
        else:
            try:
                database.drop()
            except Exception as error:  # the run's own outcome matters more; say it
                say(f"{command}: could not drop {database.name or database.url}: {error}")
    shutil.rmtree(folder, ignore_errors=True)
