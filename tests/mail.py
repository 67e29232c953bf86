"""Mail in tests: the site writes mail to the outbox; `delivered()` runs one worker round and
returns what reached the (in-memory) mail server so far."""

from datetime import timedelta

from django.core import mail
from django.utils import timezone

from worker import outbox


def delivered() -> list:
    # Mail queued while a test travelled in time is due then; deliver whatever is queued.
    outbox.deliver_due(now=timezone.now() + timedelta(days=365))
    return list(mail.outbox)


def delivered_to(user) -> list:
    return [m for m in delivered() if m.to == [user.email]]
