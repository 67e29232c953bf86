"""Mail through the outbox: no request waits on a mail server; a stuck server delays mail but
never a pick or the pick clock; a notice goes out once when the server is back."""

import contextlib
import socket
import threading
import time
from datetime import timedelta

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import services as accounts_services
from draft.models import Draft, SkippedSlot
from draft.services.setup import update_clock_settings
from tests.draft.factories import four_by_three
from worker import outbox, rounds
from worker.models import OutboxMessage

Status = OutboxMessage.Status


class SilentServer:
    """Accepts connections and never says a word, like a mail server that hangs."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        # Shut down first: a plain close leaves the accept() in the thread holding the port.
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(timeout=5)
        for conn in self.held:
            conn.close()


class Inbox:
    """What a working SMTP server (aiosmtpd) received."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((tuple(envelope.rcpt_tos), envelope.content.decode()))
        return "250 OK"


@pytest.fixture
def smtp(settings):
    def point_at(port):
        settings.OUTBOX_DELIVERY_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        settings.EMAIL_USE_TLS = False
        settings.EMAIL_TIMEOUT = 1

    return point_at


@pytest.mark.django_db(transaction=True)
def test_a_hanging_mail_server_delays_mail_but_never_a_pick(
    smtp, commissioner, member, other_member
):
    silent = SilentServer()
    smtp(silent.port)
    setup = four_by_three(commissioner, [member, other_member])
    board = reverse("draft:pick_submit", args=[setup.league.slug, setup.draft.slug])
    client = Client()
    client.force_login(member)
    film = setup.free_movie(setup.categories[0])

    started = time.monotonic()
    response = client.post(board, {"slot": 1, "movie": film.pk})
    assert response.status_code == 302
    assert time.monotonic() - started < 1.0, "the pick waited on the mail server"
    waiting = OutboxMessage.objects.filter(status=Status.PENDING).count()
    assert waiting >= 3  # the start's two notices and the pick's

    # The worker tries: the server does not answer within EMAIL_TIMEOUT; nothing is lost.
    started = time.monotonic()
    result = outbox.deliver_due()
    assert time.monotonic() - started < 5
    assert result.server_down and result.sent == 0
    assert OutboxMessage.objects.filter(status=Status.PENDING).count() == waiting
    failed = OutboxMessage.objects.filter(attempts=1).get()
    assert "timed out" in failed.last_error.lower() or "timeout" in failed.last_error.lower()
    assert failed.due_at > timezone.now()  # tried again later, not at once

    # The server comes back on the same port: each notice goes out once.
    silent.close()
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=silent.port)
    controller.start()
    try:
        later = timezone.now() + timedelta(minutes=5)
        assert outbox.deliver_due(now=later).sent == waiting
        assert outbox.deliver_due(now=later + timedelta(hours=1)).sent == 0
    finally:
        controller.stop()
    assert len(inbox.messages) == waiting
    recipients = [rcpt for rcpt, _ in inbox.messages]
    assert recipients.count((other_member.email,)) == 2  # up next, then on the clock
    assert OutboxMessage.objects.filter(status=Status.SENT).count() == waiting


@pytest.mark.django_db(transaction=True)
def test_the_clock_runs_while_the_mail_loop_is_stuck(smtp, commissioner, member, other_member):
    """Defect: the worker sent mail in its clock loop with no timeout; one stuck server held
    every deadline. Now mail has a loop of its own."""
    silent = SilentServer()
    smtp(silent.port)
    setup = four_by_three(commissioner, [member, other_member])
    update_clock_settings(
        draft_id=setup.draft.pk,
        actor=commissioner,
        pick_seconds=60,
        expiry_action=Draft.Expiry.SKIP,
    )
    stop = threading.Event()
    mail_loop = rounds.Loop(rounds.MAIL, rounds.mail_round, interval=0.05, stop=stop)
    thread = threading.Thread(target=mail_loop.run)
    thread.start()
    try:
        time.sleep(0.2)  # the mail loop is now waiting on the silent server
        Draft.objects.filter(pk=setup.draft.pk).update(
            clock_deadline=timezone.now() - timedelta(seconds=1)
        )
        started = time.monotonic()
        assert rounds.ClockRound()() == 1
        assert time.monotonic() - started < 1.0
        assert SkippedSlot.objects.filter(draft=setup.draft, slot=1).exists()
    finally:
        stop.set()
        thread.join(timeout=10)
        silent.close()


@pytest.mark.django_db
def test_two_workers_never_send_one_message_twice():
    outbox.enqueue(to=["reader@example.com"], subject="Hello", body="Body")
    message = OutboxMessage.objects.get()
    now = timezone.now()
    assert outbox._claim(message.pk, now) is not None
    assert outbox._claim(message.pk, now) is None  # the second worker finds it taken
    assert outbox.deliver_due(now=now).sent == 0


@pytest.mark.django_db
def test_every_mail_of_the_site_goes_through_the_outbox(settings, client, member):
    """Password reset too: the request records the address; the worker writes the mail to the
    outbox, then sends it."""
    settings.EMAIL_BACKEND = "worker.mail.OutboxBackend"
    response = client.post(reverse("password_reset"), {"email": member.email})
    assert response.status_code == 302
    assert mail.outbox == []
    assert not OutboxMessage.objects.exists()  # the request writes no mail
    assert accounts_services.mail_password_resets() == 1
    queued = OutboxMessage.objects.get()
    assert queued.to == [member.email] and queued.status == Status.PENDING
    assert outbox.deliver_due().sent == 1
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert "reset" in mail.outbox[0].subject.lower()


@pytest.mark.django_db
def test_a_message_that_keeps_failing_is_given_up_and_logged(settings, caplog):
    settings.OUTBOX_MAX_ATTEMPTS = 2
    outbox.enqueue(to=["x@example.com"], subject="S", body="B", key="k")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(outbox, "_send", lambda connection, message: 1 / 0)
        now = timezone.now()
        outbox.deliver_due(now=now)
        assert OutboxMessage.objects.get().status == Status.PENDING
        outbox.deliver_due(now=now + timedelta(hours=2))
    assert OutboxMessage.objects.get().status == Status.FAILED
    assert "giving up" in caplog.text


@pytest.mark.django_db
def test_a_keyed_notice_is_queued_once():
    for _ in range(3):
        outbox.enqueue(to=["x@example.com"], subject="S", body="B", key="turn:1:1:on_clock")
    assert OutboxMessage.objects.count() == 1
