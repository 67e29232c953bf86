"""What the background worker keeps in the database: mail waiting to go out, and when the
worker last showed it was alive."""

from django.db import models
from django.utils import timezone


class OutboxMessage(models.Model):
    """One mail, written in the transaction of the change that causes it and sent by the worker.

    A request never waits on a mail server: it only inserts this row. The worker claims a due
    row, sends it with a timeout, and marks it sent; a failure is retried later with backoff.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting to be sent"
        SENDING = "sending", "Being sent"
        SENT = "sent", "Sent"
        FAILED = "failed", "Gave up"

    # Names the notice ("turn:12:7:on_clock"): a second notice with the same key is dropped,
    # so a turn is mailed once however many times it is announced. Empty for plain mail.
    key = models.CharField(max_length=200, blank=True)
    to = models.JSONField(default=list)
    cc = models.JSONField(default=list, blank=True)
    bcc = models.JSONField(default=list, blank=True)
    subject = models.TextField()
    body = models.TextField()
    html_body = models.TextField(blank=True)
    from_email = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    # Pending: not before this. Sending: the claim runs out then (a worker that died mid-send
    # leaves the row to be claimed again).
    due_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"], condition=~models.Q(key=""), name="worker_outbox_key_once"
            ),
        ]
        indexes = [
            # The worker's scan: due rows that are not sent yet.
            models.Index(
                fields=["due_at"],
                condition=models.Q(status__in=["pending", "sending"]),
                name="worker_outbox_due_idx",
            ),
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)} ({self.get_status_display()})"


class Heartbeat(models.Model):
    """The last time a worker loop finished a round. /healthz reads it."""

    name = models.CharField(max_length=40, unique=True)
    last_seen = models.DateTimeField()
    pid = models.PositiveIntegerField(null=True, blank=True)
    host = models.CharField(max_length=255, blank=True)

    def __str__(self):
        return f"{self.name} last seen {self.last_seen:%Y-%m-%d %H:%M:%S}"
