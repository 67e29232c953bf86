"""Catalog imports: IMDb's public datasets and a Letterboxd CSV export.

The IMDb files hold millions of rows, so nothing here reads a whole file: rows stream from the
(gzipped or plain) file and are written in batches. Memory depends on the batch size, not on the
size of the files. Directors need a join of three files (basics -> crew -> names); that join is
done in a scratch SQLite file on disk, so it stays flat too.

How a batch of films is written depends on the database, never what it does:
- PostgreSQL: the batch is copied (COPY) into a temporary table, planned there against the
  catalog in three set-based statements, and written with one INSERT ... ON CONFLICT (imdb_id)
  DO UPDATE for the new and changed films only (_write_imdb_films_in_postgres).
- Any other database (SQLite): the batch is planned in Python against one read of the catalog
  and written with one executemany each for updates and inserts (_write_imdb_films).
Both follow the rules of import_imdb; tests/draft/test_import.py runs the same cases on both, and
on PostgreSQL runs both writers on random batches and compares what they did. A film that has
not changed is not written, and a batch with nothing to write runs no statement on the catalog.

IMDb's ratings file (title.ratings) sets the rating and votes of the catalog's films by IMDb id,
the same way: COPY and one UPDATE ... FROM per batch on PostgreSQL, one read and one executemany
on SQLite, nothing written for a film whose rating has not changed (draft/importers/ratings.py).

A bad row is counted and reported, never fatal. The database's constraints decide what a
duplicate is: a film is once per IMDb id and once per (normalized title, year).
"""

from draft.importers.common import (
    DEFAULT_BATCH_SIZE,
    MAX_SAMPLES,
    ImportFileError,
    ImportResult,
    Progress,
    RowNote,
)
from draft.importers.imdb import import_imdb
from draft.importers.letterboxd import import_letterboxd
from draft.importers.ratings import import_imdb_ratings

__all__ = [
    "DEFAULT_BATCH_SIZE",
    "MAX_SAMPLES",
    "ImportFileError",
    "ImportResult",
    "Progress",
    "RowNote",
    "import_imdb",
    "import_imdb_ratings",
    "import_letterboxd",
]
