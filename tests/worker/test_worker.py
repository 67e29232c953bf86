"""The worker keeps going whatever fails: database errors, a killed connection, one broken
draft. It stops cleanly on SIGTERM, and /healthz can tell when it was last seen."""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections
from django.utils import timezone

from draft.models import Draft, SkippedSlot
from draft.services.running import tick_clock
from draft.services.setup import update_clock_settings
from tests.draft.factories import make_draft
from worker import rounds
from worker.models import Heartbeat

ROOT = Path(__file__).resolve().parents[2]


def due(setup) -> None:
    """The pick on the clock runs out of time now."""
    update_clock_settings(
        draft_id=setup.draft.pk,
        actor=setup.commissioner,
        pick_seconds=60,
        expiry_action=Draft.Expiry.SKIP,
    )
    Draft.objects.filter(pk=setup.draft.pk).update(
        clock_deadline=timezone.now() - timedelta(seconds=1)
    )


def run_loop_until(loop: rounds.Loop, done, *, timeout: float = 20) -> None:
    """Run `loop` in a thread until `done()` is true, then stop it."""
    thread = threading.Thread(target=loop.run)
    thread.start()
    try:
        deadline = time.monotonic() + timeout
        while not done():
            assert time.monotonic() < deadline, "the loop never got there"
            time.sleep(0.05)
    finally:
        loop.stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


@pytest.mark.django_db
def test_a_failing_draft_is_logged_and_the_others_go_on(commissioner, member, caplog):
    broken = make_draft(commissioner, [member], seats=2, rounds=2, name="Broken")
    healthy = make_draft(commissioner, [member], seats=2, rounds=2, name="Healthy")
    due(broken)
    due(healthy)
    real = tick_clock

    def tick(*, draft_id):
        if draft_id == broken.draft.pk:
            raise ValueError("a draft whose data breaks the clock")
        return real(draft_id=draft_id)

    clock = rounds.ClockRound()
    with (
        mock.patch.object(rounds, "tick_clock", side_effect=tick),
        caplog.at_level(logging.ERROR),
    ):
        assert clock() == 1
        assert clock() == 0  # the broken draft waits before it is tried again
    assert SkippedSlot.objects.filter(draft=healthy.draft).exists()
    assert not SkippedSlot.objects.filter(draft=broken.draft).exists()
    assert f"The clock of draft {broken.draft.pk} failed (1 in a row)" in caplog.text
    assert broken.draft.pk in clock.failing


@pytest.mark.django_db(transaction=True)
def test_the_loop_rides_out_a_database_outage(commissioner, member, caplog):
    """Defect: the worker exited at the first OperationalError, so drafts nobody watched
    stopped moving. Now it logs, waits, reconnects and carries on."""
    setup = make_draft(commissioner, [member], seats=2, rounds=2)
    due(setup)
    outage = {"rounds": 3}
    clock = rounds.ClockRound()

    def work():
        if outage["rounds"]:
            outage["rounds"] -= 1
            raise OperationalError("could not connect to server: Connection refused")
        return clock()

    loop = rounds.Loop(
        rounds.CLOCK,
        work,
        interval=0.01,
        stop=threading.Event(),
        first_backoff=0.01,
        max_backoff=0.05,
    )
    with caplog.at_level(logging.WARNING):
        run_loop_until(loop, lambda: SkippedSlot.objects.filter(draft=setup.draft).exists())
    assert caplog.text.count("clock loop: database unavailable") == 3
    assert Heartbeat.objects.get(name=rounds.CLOCK).last_seen > timezone.now() - timedelta(
        seconds=10
    )


@pytest.mark.django_db(transaction=True)
def test_the_loop_survives_its_connection_being_killed(commissioner, member, caplog):
    """The worker's own database connection is cut under it (an administrator, a failover, a
    restart of PostgreSQL): the round fails, the next one opens a fresh connection and the
    clock goes on."""
    setup = make_draft(commissioner, [member], seats=2, rounds=3)
    clock = rounds.ClockRound()
    state = {"backend": None, "kill": False}

    def work():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                state["backend"] = cursor.fetchone()[0]
        elif state["kill"]:
            # SQLite has no server to kill the connection: close it under Django instead.
            state["kill"] = False
            connection.ensure_connection()
            connection.connection.close()
        return clock()

    loop = rounds.Loop(
        rounds.CLOCK,
        work,
        interval=0.02,
        stop=threading.Event(),
        first_backoff=0.02,
        max_backoff=0.05,
    )
    thread = threading.Thread(target=loop.run)
    deadline = time.monotonic() + 20
    with caplog.at_level(logging.WARNING):
        thread.start()
        try:
            if connection.vendor == "postgresql":
                while state["backend"] is None:
                    assert time.monotonic() < deadline
                    time.sleep(0.02)
                killed = state["backend"]
                with connections["default"].cursor() as cursor:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [killed])
                # The next round finds the connection dead (Django's health check, or the
                # loop's own recovery) and works on a new one.
                while state["backend"] == killed:
                    assert time.monotonic() < deadline, "the loop never reconnected"
                    time.sleep(0.02)
            else:
                state["kill"] = True
                while "clock loop: database unavailable" not in caplog.text:
                    assert time.monotonic() < deadline, "the closed connection was never noticed"
                    time.sleep(0.02)
            due(setup)  # a pick runs out after the kill: the loop must still apply it
            while not SkippedSlot.objects.filter(draft=setup.draft).exists():
                assert time.monotonic() < deadline, "the clock stopped after the connection died"
                time.sleep(0.05)
        finally:
            loop.stop.set()
            thread.join(timeout=10)
    assert not thread.is_alive()


@pytest.mark.django_db(transaction=True)
def test_sigterm_finishes_the_round_and_exits_cleanly(commissioner, member):
    """`manage.py worker` under a process manager: it beats, and on SIGTERM it stops within a
    round and exits 0."""
    db = settings.DATABASES["default"]
    if db["ENGINE"].endswith("sqlite3"):
        url = f"sqlite:///{db['NAME']}"
    else:
        url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "DEBUG": "1", "CLOCK_WORKER_STALE_SECONDS": "60"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "worker", "--interval", "0.2"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not Heartbeat.objects.filter(name=rounds.CLOCK).exists():
            assert worker.poll() is None, worker.communicate()
            assert time.monotonic() < deadline, "the worker never beat"
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=20)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, err
    assert "Worker stopped." in out
