"""App servers as production runs them, for the tests that need a real one: gunicorn with a
uvicorn worker (config/gunicorn.py), DEBUG off, each a process of its own on the test database.
The fixtures are offered to every test by tests/conftest.py."""

import os
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

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
