import logging
import signal
import threading

from django.core.management.base import BaseCommand

from worker import rounds

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = (
        "Run the background worker: apply the pick clock (skip or autopick when a pick runs out "
        "of time, so a draft nobody is watching still moves), send the mail in the outbox, and "
        "lock due results and work out the stats of completed drafts. "
        "Runs until SIGTERM or Ctrl-C, which finish the current round first; --once runs one "
        "round of each and exits."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="One round of each, then exit.")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between rounds (default 1)."
        )

    def handle(self, *args, once=False, interval=1.0, **options):
        clock = rounds.ClockRound()
        if once:
            applied = clock()
            try:
                # The loop's own round: password reset requests become mail, then mail goes.
                sent = rounds.mail_round()
            except rounds.MailServerDown:
                sent = 0
                self.stderr.write("The mail server did not answer: the mail waits for a round.")
            stats = rounds.stats_round()
            self.stdout.write(
                f"Applied the clock on {applied} draft(s); sent {sent} mail(s); "
                f"worked out the stats of {stats} draft(s)."
            )
            return
        stop = threading.Event()

        def finish(signum, frame):
            logger.info("Worker: signal %s, finishing the current round", signum)
            stop.set()

        signal.signal(signal.SIGTERM, finish)
        signal.signal(signal.SIGINT, finish)
        mail = threading.Thread(
            target=rounds.Loop(rounds.MAIL, rounds.mail_round, interval=interval, stop=stop).run,
            name="mail",
            daemon=True,
        )
        mail.start()
        results = threading.Thread(
            target=rounds.Loop(
                rounds.RESULTS, rounds.stats_round, interval=interval, stop=stop
            ).run,
            name="results",
            daemon=True,
        )
        results.start()
        self.stdout.write("Worker running: pick clock, mail and results. Ctrl-C stops it.")
        rounds.Loop(rounds.CLOCK, clock, interval=interval, stop=stop).run()
        mail.join(timeout=30)
        results.join(timeout=30)
        self.stdout.write("Worker stopped.")
