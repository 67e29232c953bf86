"""Mail goes out through the outbox: written in the transaction of the change that causes it,
sent later by the worker.

A request only inserts rows, so a slow or dead mail server can delay mail but never a pick.
The worker claims due rows one at a time with a conditional UPDATE (two workers never send
the same row), sends each with `EMAIL_TIMEOUT`, and marks it sent. A failure puts the row back
with a growing delay; after `OUTBOX_MAX_ATTEMPTS` it is given up and logged. The one window in
which a mail can go out twice is a worker dying between the server accepting it and the
"sent" mark being written; the claim then expires and another round sends it again.
"""

import logging
import smtplib
import socket
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import F
from django.utils import timezone

from worker.models import OutboxMessage

logger = logging.getLogger(__name__)

Status = OutboxMessage.Status

# How long a claimed row stays with the worker that claimed it.
CLAIM = timedelta(minutes=5)
# Errors that say the mail server itself is unreachable or stuck: the round stops there
# instead of spending a timeout on every waiting message.
SERVER_DOWN = (socket.timeout, TimeoutError, ConnectionError, smtplib.SMTPServerDisconnected)


def enqueue(*, to: list[str], subject: str, body: str, key: str = "", now=None) -> None:
    """Put a mail in the outbox, in the caller's transaction. With a `key`, a mail already
    queued under that key wins and this one is dropped."""
    message = OutboxMessage(
        key=key, to=list(to), subject=subject, body=body, due_at=now or timezone.now()
    )
    # ON CONFLICT DO NOTHING (INSERT OR IGNORE on SQLite): no savepoint, no error to catch.
    OutboxMessage.objects.bulk_create([message], ignore_conflicts=bool(key))


def retry_delay(attempts: int) -> timedelta:
    """30 s after the first failure, doubling up to an hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


@dataclass
class Round:
    sent: int = 0
    failed: int = 0
    server_down: bool = False


def deliver_due(*, limit: int = 50, now=None) -> Round:
    """Send up to `limit` due messages. Safe to run in several workers at once."""
    now = now or timezone.now()
    result = Round()
    due = list(
        OutboxMessage.objects.filter(status__in=[Status.PENDING, Status.SENDING], due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    if not due:
        return result
    connection = get_connection(
        settings.OUTBOX_DELIVERY_BACKEND, fail_silently=False, timeout=settings.EMAIL_TIMEOUT
    )
    try:
        for pk in due:
            message = _claim(pk, now)
            if message is None:
                continue  # another worker took it
            try:
                _send(connection, message)
            except Exception as error:
                result.failed += 1
                _failed(message, error, now)
                if isinstance(error, SERVER_DOWN) or isinstance(error.__cause__, SERVER_DOWN):
                    result.server_down = True
                    break
            else:
                result.sent += 1
                OutboxMessage.objects.filter(pk=message.pk).update(
                    status=Status.SENT, sent_at=timezone.now(), last_error=""
                )
    finally:
        try:
            connection.close()
        except Exception:  # closing a connection to a dead server
            logger.debug("Could not close the mail connection", exc_info=True)
    return result


def _claim(pk: int, now) -> OutboxMessage | None:
    claimed = OutboxMessage.objects.filter(
        pk=pk, status__in=[Status.PENDING, Status.SENDING], due_at__lte=now
    ).update(status=Status.SENDING, due_at=now + CLAIM, attempts=F("attempts") + 1)
    return OutboxMessage.objects.get(pk=pk) if claimed else None


def _send(connection, message: OutboxMessage) -> None:
    mail = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body,
        from_email=message.from_email or None,
        to=message.to,
        cc=message.cc,
        bcc=message.bcc,
        connection=connection,
    )
    if message.html_body:
        mail.attach_alternative(message.html_body, "text/html")
    mail.send()


def _failed(message: OutboxMessage, error: Exception, now) -> None:
    give_up = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
    OutboxMessage.objects.filter(pk=message.pk).update(
        status=Status.FAILED if give_up else Status.PENDING,
        due_at=now + retry_delay(message.attempts),
        last_error=f"{type(error).__name__}: {error}"[:2000],
    )
    log = logger.error if give_up else logger.warning
    log(
        "Mail %s (%s) failed on attempt %s%s: %s",
        message.pk,
        message.subject,
        message.attempts,
        ", giving up" if give_up else "",
        error,
    )
