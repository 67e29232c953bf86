from django.core.management.base import BaseCommand

from reviews.services import rerender_writeups


class Command(BaseCommand):
    help = (
        "Render every writeup's stored HTML again with the current rules. Run it after changing "
        "WRITEUP_IMAGE_HOSTS or SITE_URL, so stored writeups follow the new image hosts."
    )

    def handle(self, *args, **options):
        changed = rerender_writeups()
        self.stdout.write(f"{changed} writeup(s) rendered again.")
