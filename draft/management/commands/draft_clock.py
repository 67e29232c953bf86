import time

from django.core.management.base import BaseCommand
from django.db import close_old_connections
from django.utils import timezone

from draft import services
from draft.models import Draft


class Command(BaseCommand):
    help = (
        "Apply the pick clock: skip or autopick for every live draft whose pick has run out of "
        "time, so a draft nobody is watching still moves. Runs as a loop (the docker compose "
        "`worker`), or once with --once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Check once and exit.")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between checks (default 1)."
        )

    def handle(self, *args, once=False, interval=1.0, **options):
        while True:
            applied = tick_due_drafts()
            if applied:
                self.stdout.write(
                    f"{timezone.now():%H:%M:%S} applied the clock on {applied} draft(s)"
                )
            if once:
                return
            time.sleep(interval)
            # A long-running loop must not hold on to a connection the database dropped.
            close_old_connections()


def tick_due_drafts() -> int:
    """Apply every due clock once. Each draft is handled under its own lock, so a board view
    noticing the same expiry at the same moment finds nothing left to do."""
    due = Draft.objects.filter(
        status=Draft.Status.LIVE, clock_deadline__lte=timezone.now()
    ).exclude(expiry_action=Draft.Expiry.NOTHING)
    applied = 0
    for draft_id in due.values_list("pk", flat=True):
        if services.tick_clock(draft_id=draft_id):
            applied += 1
    return applied
