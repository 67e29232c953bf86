"""App servers as production runs them, for the tests that need a real one: gunicorn with a
uvicorn worker (config/gunicorn.py), DEBUG off, each a process of its own on the test database.
The fixtures are offered to every test by tests/conftest.py."""

import http.cookiejar
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """The static files as production serves them (hashed, compressed), for app servers
    started as separate processes."""
    root = tmp_path_factory.mktemp("static")
    env = {**os.environ, "STATIC_ROOT": str(root), "SECRET_KEY": "collectstatic-only"}
    env.pop("DEBUG", None)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
    )
    return root


@dataclass
class AppServer:
    url: str
    process: subprocess.Popen

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def stop(self) -> float:
        """SIGTERM, as a deploy sends it; the seconds until the server had exited."""
        began = time.monotonic()
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        return time.monotonic() - began


@pytest.fixture
def app_servers(asgi_connections, collected_static):
    """Starts app servers as production runs them (gunicorn with a uvicorn worker, DEBUG off),
    each a process of its own on a port of its own, on the test database."""
    from django.db import connection

    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    started = []

    def start(port: int = 0, **extra_env) -> AppServer:
        if not port:
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
        env = {
            **os.environ,
            "DATABASE_URL": url,
            "SECRET_KEY": settings.SECRET_KEY,  # the sessions the tests make stay valid
            "HTTPS": "0",
            "ALLOWED_HOSTS": "127.0.0.1",
            "STATIC_ROOT": str(collected_static),
            "BOARD_POLL_SECONDS": str(settings.BOARD_POLL_SECONDS),
            "CLOCK_WORKER_STALE_SECONDS": "0",
            "WEB_CONCURRENCY": "1",
            "LOG_LEVEL": "WARNING",
            **extra_env,
        }
        env.pop("DEBUG", None)
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "config/gunicorn.py"]
            + ["--bind", f"127.0.0.1:{port}", "--access-logfile", "/dev/null"]
            + ["config.asgi:application"],
            cwd=settings.BASE_DIR,
            env=env,
        )
        started.append(process)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, "the app server exited"
            try:
                with urllib.request.urlopen(base + "/healthz", timeout=2) as answer:
                    if answer.status == 200:
                        return AppServer(base, process)
            except OSError:
                pass
            assert time.monotonic() < deadline, "the app server did not start"
            time.sleep(0.1)

    yield start
    for process in started:
        process.terminate()
    for process in started:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class PrivateCluster:
    """A PostgreSQL server of the test's own (initdb on a free port), to stop and restart."""

    data: Path
    port: int
    bin: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.data.parent} -c listen_addresses=127.0.0.1"
        command = [str(self.bin / "pg_ctl"), "-D", str(self.data), "-w", *args]
        if args[0] in ("start", "restart"):
            command += ["-o", options, "-l", str(self.data.parent / "server.log")]
        as_postgres(command)


def as_postgres(command: list[str]) -> None:
    """initdb and pg_ctl refuse to run as root: as the postgres user when this is root."""
    if os.geteuid() == 0:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, timeout=120)


@pytest.fixture
def private_postgres():
    """A private PostgreSQL cluster, removed afterwards. The tests that stop or restart a
    database use one: the shared server stays up for everyone else."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    assert found, "PostgreSQL's server programs are not installed (/usr/lib/postgresql)"
    # Not under pytest's own temporary folder, which only its owner may enter.
    folder = Path(tempfile.mkdtemp(prefix="moviedraft-postgres-"))
    os.chmod(folder, 0o777)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cluster = PrivateCluster(data=folder / "data", port=port, bin=found[-1].parent)
    as_postgres(
        [str(cluster.bin / "initdb"), "-D", str(cluster.data), "-A", "trust", "-U", "postgres"]
    )
    cluster.pg_ctl("start")
    yield cluster
    try:
        cluster.pg_ctl("stop", "-m", "immediate")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


class Browser:
    """A browser with cookies, for an app server: it posts forms with their CSRF token."""

    LOGIN = "/accounts/login/"

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def log_in_as(self, username: str, password: str, *, headers=None) -> int:
        return self.post(self.LOGIN, {"username": username, "password": password}, headers=headers)

    def post(self, path: str, data: dict, *, headers=None) -> int:
        """Post `data` to `path` as its form would, with the CSRF token of this browser (from
        the log-in page the first time); the status of the answer."""
        token = self.csrf_token()
        body = urllib.parse.urlencode({**data, "csrfmiddlewaretoken": token}).encode()
        request = urllib.request.Request(
            self.base + path,
            data=body,
            headers={"Referer": self.base + path, "X-CSRFToken": token, **(headers or {})},
        )
        try:
            with self.opener.open(request, timeout=60) as answer:
                answer.read()
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    def csrf_token(self) -> str:
        cookie = next((c.value for c in self.jar if c.name == "csrftoken"), None)
        if cookie is None:
            with self.opener.open(self.base + self.LOGIN, timeout=60) as page:
                page.read()
            cookie = next(c.value for c in self.jar if c.name == "csrftoken")
        return cookie
