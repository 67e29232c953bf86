from django.core.management.base import BaseCommand

from draft import notifications
from draft.demo import DEMO_PASSWORD, seed_demo
from results.demo import seed_results
from reviews.demo import seed_reviews


class Command(BaseCommand):
    help = (
        "Load the demo league, its draft, and its writeups, comments and votes "
        "(idempotent: running it again changes nothing)."
    )

    def handle(self, *args, **options):
        with notifications.muted():
            summary = seed_demo()
            reviews_summary = seed_reviews()
            results_summary = seed_results()
        self.stdout.write(self.style.SUCCESS(summary.headline))
        self.stdout.write(self.style.SUCCESS(reviews_summary))
        self.stdout.write(self.style.SUCCESS(results_summary))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for line in summary.logins:
            self.stdout.write(f"  {line}")
