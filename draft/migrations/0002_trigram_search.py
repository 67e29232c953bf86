"""PostgreSQL only: trigram matching for film search (typos, partial words). SQLite skips it
and search falls back to plain substring ranking."""

from django.db import migrations


def create_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    # Pick panel search: substring and similarity matches on the folded title.
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS draft_movie_search_trgm "
        "ON draft_movie USING gin (search_title gin_trgm_ops)"
    )


def drop_trigram_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS draft_movie_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("draft", "0001_initial")]

    operations = [migrations.RunPython(create_trigram_index, drop_trigram_index)]
