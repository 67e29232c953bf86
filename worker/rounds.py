"""What the worker does each round, and the loop that keeps doing it whatever fails.

Three loops run side by side, each in its own thread with its own database connection: the
clock (apply expired pick clocks and settle due trades, every second), the mail (write the mail that password
reset requests call for, then send what the outbox holds) and the results (lock the results whose
date has passed, work out the stats and ADP that are due: results/rounds.py). A mail server that
hangs can delay mail, and a long stats round the stats, never a pick clock.
"""

import logging
import os
import socket
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import (
    DatabaseError,
    InterfaceError,
    OperationalError,
    close_old_connections,
    connection,
)
from django.utils import timezone

from accounts import services as accounts_services
from draft import selectors
from draft.services.running import tick_clock
from draft.services.trades import due_trade_draft_ids, settle_due_trades
from results.rounds import results_round
from worker import outbox
from worker.models import Heartbeat

logger = logging.getLogger(__name__)

CLOCK = "clock"
MAIL = "mail"
RESULTS = "results"
# A loop that keeps failing waits longer between tries, up to this.
MAX_BACKOFF = 30.0
# How often a loop writes its heartbeat row, at most.
BEAT_EVERY = timedelta(seconds=5)


@dataclass
class ClockRound:
    """Apply every due clock once, and settle the trades that are due. A draft whose tick fails is logged and left alone for a
    while (doubling, up to ten minutes); the other drafts go on."""

    failing: dict[int, tuple[int, float]] = field(default_factory=dict)  # id → (failures, until)

    def __call__(self) -> int:
        applied = 0
        now = timezone.now()
        due = [(d, tick_clock) for d in selectors.due_draft_ids(now)]
        # Trade proposals that lapsed, veto windows that ended.
        due += [(d, settle_due_trades) for d in due_trade_draft_ids(now)]
        for draft_id, tick in due:
            failures, until = self.failing.get(draft_id, (0, 0.0))
            if until > time.monotonic():
                continue
            try:
                if tick(draft_id=draft_id):
                    applied += 1
                self.failing.pop(draft_id, None)
            except (OperationalError, InterfaceError):
                raise  # the database itself: the loop backs off
            except Exception:
                failures += 1
                pause = min(2.0**failures, 600.0)
                self.failing[draft_id] = (failures, time.monotonic() + pause)
                logger.exception(
                    "The clock of draft %s failed (%s in a row); retrying in %.0f s",
                    draft_id,
                    failures,
                    pause,
                )
        return applied


def mail_round() -> int:
    # Reset requests first, so a reset link goes out in the round that writes it.
    accounts_services.mail_password_resets()
    result = outbox.deliver_due()
    if result.server_down:
        # Let the loop wait before it tries the server again.
        raise MailServerDown()
    return result.sent


class MailServerDown(Exception):
    pass


def stats_round() -> int:
    """Lock the results that are due, then work out the stats (and ADP) that are due: how many
    drafts' stats were written or removed."""
    return results_round()


class Loop:
    """Run `work` every `interval` seconds until `stop` is set. Database errors are logged and
    retried with a fresh connection after a growing pause; nothing the work raises ends the
    loop. Each good round writes the heartbeat (at most every few seconds)."""

    def __init__(
        self,
        name: str,
        work,
        *,
        interval: float,
        stop: threading.Event,
        first_backoff: float = 1.0,
        max_backoff: float = MAX_BACKOFF,
    ):
        self.name, self.work, self.interval, self.stop = name, work, interval, stop
        self.first_backoff, self.max_backoff = first_backoff, max_backoff
        self.last_beat = None

    def run(self) -> None:
        pause = self.interval
        while not self.stop.is_set():
            try:
                self.work()
                self.beat()
                pause = self.interval
            except DatabaseError as error:
                pause = self._longer(pause)
                logger.warning(
                    "%s loop: database unavailable (%s); retrying in %.1f s",
                    self.name,
                    error,
                    pause,
                )
                _drop_connection()
            except MailServerDown:
                pause = self._longer(pause, floor=5 * self.first_backoff)
                logger.warning("mail loop: mail server unreachable; retrying in %.1f s", pause)
            except Exception:
                pause = self._longer(pause)
                logger.exception("%s loop: round failed; retrying in %.1f s", self.name, pause)
            finally:
                close_old_connections()
            self.stop.wait(pause)
        connection.close()

    def _longer(self, pause: float, floor: float | None = None) -> float:
        return min(max(pause * 2, floor or self.first_backoff), self.max_backoff)

    def beat(self) -> None:
        now = timezone.now()
        if self.last_beat is not None and now - self.last_beat < BEAT_EVERY:
            return
        Heartbeat.objects.update_or_create(
            name=self.name,
            defaults={"last_seen": now, "pid": os.getpid(), "host": socket.gethostname()[:255]},
        )
        self.last_beat = now


def _drop_connection() -> None:
    """Forget a connection the database dropped, so the next round opens a fresh one."""
    try:
        connection.close()
    except Exception:
        logger.debug("Closing a broken connection failed", exc_info=True)


def clock_age(now=None) -> timedelta | None:
    """How long ago the clock loop last finished a round; None if it never has."""
    seen = Heartbeat.objects.filter(name=CLOCK).values_list("last_seen", flat=True).first()
    return None if seen is None else (now or timezone.now()) - seen


def tick_due_drafts() -> int:
    """One clock round on its own (tests, `worker --once`): how many drafts it changed."""
    return ClockRound()()
