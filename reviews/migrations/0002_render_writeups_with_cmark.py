"""Writeups saved before the switch to cmark were rendered by python-Markdown, which let images
from any host through: render them again with the current rules (idempotent)."""

from django.db import migrations


def render_again(apps, schema_editor):
    from reviews.services import rerender_writeups

    rerender_writeups(apps.get_model("reviews", "Writeup").objects.all())


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]

    operations = [migrations.RunPython(render_again, migrations.RunPython.noop)]
