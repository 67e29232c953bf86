"""Password reset without telling anyone which addresses have an account.

Django's reset view looks the address up and renders a mail in the request, so a known address
answered in about twice the time of an unknown one: a timing oracle. Here the request does the
same work for every address (it records it, one INSERT, and reads no account), and the worker's
mail loop turns recorded requests into mail (worker/rounds.py), written exactly as Django's
PasswordResetForm writes it: the same accounts, templates, token and link, the link on
SITE_URL instead of the request's Host header. An unknown address gets no mail.
"""

import logging
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.db import InterfaceError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from accounts.forms import ResetMailForm
from accounts.models import PasswordResetRequest

logger = logging.getLogger(__name__)

# How long a claimed request stays with the worker that claimed it; a worker that died on it,
# or failed, leaves it to be tried again after this.
CLAIM = timedelta(minutes=5)
# A request whose mail failed to be written this many times is dropped (and logged): a bad
# request must not be retried forever.
MAX_ATTEMPTS = 5


def request_password_reset(*, email: str, now: datetime | None = None) -> None:
    """Record that someone asked for a reset link for `email`.

    Guarantees the same work, one INSERT, for an address with one account, several or none:
    nothing here reads an account, so neither the answer nor its time says whether the address
    is known. The worker mails the link (`mail_password_resets`)."""
    now = now or timezone.now()
    PasswordResetRequest.objects.create(email=email, requested_at=now, due_at=now)


def mail_password_resets(*, limit: int = 50, now: datetime | None = None) -> int:
    """Turn up to `limit` due reset requests into mail, in the outbox; how many mails it wrote.

    Each request is mailed to every active account with a usable password and that address
    (Django's `PasswordResetForm.get_users`: case-insensitive), one mail each, and then deleted;
    an address without such an account gets nothing and its request is deleted all the same.

    Safe to run in several workers at once, and again after a crash:
    - a request is claimed with a conditional UPDATE first, so two workers do not work on it
      together; the claim runs out after `CLAIM`, so a request whose worker died is not lost;
    - its mails and its deletion commit together, under a lock on the request that a worker
      whose claim ran out meanwhile waits for: a request is mailed once, or, if the
      transaction fails, not at all and again when the claim runs out (given up and logged
      after `MAX_ATTEMPTS` failures).
    """
    now = now or timezone.now()
    due = list(
        PasswordResetRequest.objects.filter(due_at__lte=now)
        .order_by("due_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    written = 0
    for pk in due:
        attempt = _claim(pk, now)
        if attempt is None:
            continue  # another worker took it
        try:
            written += _mail(pk)
        except (OperationalError, InterfaceError):
            raise  # the database itself: the worker's loop backs off; the claim runs out
        except Exception:
            _failed(pk, attempt)
    return written


def _claim(pk: int, now: datetime) -> int | None:
    """Take the request for this worker until `now + CLAIM`: which attempt this is, or None
    when another worker holds it or it is gone."""
    claimed = PasswordResetRequest.objects.filter(pk=pk, due_at__lte=now).update(
        due_at=now + CLAIM, attempts=F("attempts") + 1
    )
    if not claimed:
        return None
    return PasswordResetRequest.objects.filter(pk=pk).values_list("attempts", flat=True).first()


def _mail(pk: int) -> int:
    with transaction.atomic():
        # Whoever locks the request first mails it and deletes it, in one commit; anyone after
        # (a worker whose claim ran out while this one was slow) waits here, or on the row in
        # its claim, and then finds it gone.
        request = PasswordResetRequest.objects.select_for_update().filter(pk=pk).first()
        if request is None:
            return 0
        form = ResetMailForm({"email": request.email})
        if form.is_valid():  # checked by the request's form; an old row could be anything
            site = urlsplit(settings.SITE_URL)
            form.save(
                # The link goes to the site's own address, never to a Host header someone sent:
                # SITE_URL's host and any path the site lives under, as the turn mail does.
                domain_override=site.netloc + site.path.rstrip("/"),
                use_https=site.scheme == "https",
            )
        request.delete()
        return form.mails_written


def _failed(pk: int, attempt: int) -> None:
    give_up = attempt >= MAX_ATTEMPTS
    if give_up:
        PasswordResetRequest.objects.filter(pk=pk, attempts=attempt).delete()
    # The request stays claimed otherwise: it is tried again when the claim runs out.
    (logger.error if give_up else logger.warning)(
        "Password reset request %s failed on attempt %s%s",
        pk,
        attempt,
        ", giving up" if give_up else "",
        exc_info=True,
    )
