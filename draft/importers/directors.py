"""Directors: IMDb's title.crew and name.basics, joined in a scratch SQLite file on disk so that
memory stays flat, then written to the films already in the catalog."""

import itertools
import json
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from operator import itemgetter
from pathlib import Path

from django.db import connection

from draft.importers.common import (
    _MOVIE_TABLE,
    CREW_COLUMNS,
    IMDB_NULL,
    NAMES_COLUMNS,
    ImportResult,
    Progress,
    RowNote,
    _batches,
    _BatchOutcome,
    _rows,
    _write_batch,
)
from draft.importers.copy_plan import (
    _STAGED_DIRECTORS,
    _stage,
)
from draft.models import Movie


class _DirectorJoin:
    """basics -> crew -> names, joined in a scratch SQLite file (deleted on close) instead of in
    dicts: IMDb credits hundreds of thousands of directors, and memory must not grow with that.

    film:   the IMDb ids this import put in the catalog
    credit: their directors, in IMDb's order (crew rows of other titles are not kept)
    person: names of credited directors only (the rest of name.basics is not kept)
    """

    def __init__(self):
        self._folder = tempfile.TemporaryDirectory(prefix="moviedraft-import-")
        self.db = sqlite3.connect(Path(self._folder.name) / "directors.sqlite3")
        self.db.executescript(
            """
            PRAGMA journal_mode = OFF;
            PRAGMA synchronous = OFF;
            CREATE TABLE film (tconst TEXT PRIMARY KEY) WITHOUT ROWID;
            CREATE TABLE credit (
                tconst TEXT, position INTEGER, nconst TEXT, PRIMARY KEY (tconst, position)
            ) WITHOUT ROWID;
            CREATE INDEX credit_nconst ON credit (nconst);
            CREATE TABLE person (nconst TEXT PRIMARY KEY, name TEXT) WITHOUT ROWID;
            """
        )

    def close(self) -> None:
        self.db.close()
        self._folder.cleanup()

    def add_films(self, imdb_ids: list[str]) -> None:
        self.db.executemany("INSERT OR IGNORE INTO film VALUES (?)", [(i,) for i in imdb_ids])

    def add_credits(self, credits: list[tuple[str, int, str]]) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO credit SELECT ?1, ?2, ?3 "
            "WHERE EXISTS (SELECT 1 FROM film WHERE tconst = ?1)",
            credits,
        )

    def add_names(self, people: list[tuple[str, str]]) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO person SELECT ?1, ?2 "
            "WHERE EXISTS (SELECT 1 FROM credit WHERE nconst = ?1)",
            people,
        )

    def unresolved(self) -> int:
        return self.db.execute(
            "SELECT count(DISTINCT nconst) FROM credit "
            "WHERE nconst NOT IN (SELECT nconst FROM person)"
        ).fetchone()[0]

    def directors(self) -> Iterator[tuple[str, list[str]]]:
        """(IMDb id, director names) per film, read from the cursor as it goes."""
        cursor = self.db.execute(
            "SELECT credit.tconst, person.name FROM credit JOIN person USING (nconst) "
            "ORDER BY credit.tconst, credit.position"
        )
        for tconst, rows in itertools.groupby(cursor, key=itemgetter(0)):
            yield tconst, list(dict.fromkeys(name for _, name in rows))


def _import_directors(
    join: _DirectorJoin,
    crew: Path,
    names: Path,
    batch_size: int,
    result: ImportResult,
    progress: Callable[[Progress], None] | None = None,
) -> None:
    for batch in _batches(_crew_credits(crew, result, progress), batch_size):
        join.add_credits(batch)
    join.db.commit()
    for batch in _batches(_director_names(names, result, progress), batch_size):
        join.add_names(batch)
    join.db.commit()
    result.directors_unresolved = join.unresolved()
    in_postgres = connection.vendor == "postgresql"
    write = _write_directors_in_postgres if in_postgres else _write_directors
    for batch in _batches(join.directors(), batch_size):
        # Directors are no part of any constraint, so nothing can clash.
        result.merge(_write_batch(write, batch, on_clash=lambda _: _BatchOutcome()))


def _crew_credits(
    path: Path, result: ImportResult, progress: Callable[[Progress], None] | None = None
) -> Iterator[tuple[str, int, str]]:
    rows = _rows(path, CREW_COLUMNS, result, tsv=True, count="crew_read", progress=progress)
    for _, (tconst, directors) in rows:
        if directors == IMDB_NULL:
            continue
        for position, nconst in enumerate(directors.split(",")):
            if nconst:
                yield tconst, position, nconst


def _director_names(
    path: Path, result: ImportResult, progress: Callable[[Progress], None] | None = None
) -> Iterator[tuple[str, str]]:
    rows = _rows(path, NAMES_COLUMNS, result, tsv=True, count="names_read", progress=progress)
    for line, (nconst, name) in rows:
        name = name.strip()
        if "\ufffd" in name:
            result.add_malformed(RowNote(path.name, line, "name is not valid UTF-8"))
        elif name and name != IMDB_NULL:
            yield nconst, name


def _write_directors(credits: list[tuple[str, list[str]]]) -> _BatchOutcome:
    outcome = _BatchOutcome()
    directors = dict(credits)
    changed = []
    movies = Movie.objects.filter(imdb_id__in=directors).only("id", "imdb_id", "directors")
    for movie in movies.order_by():
        if movie.directors != directors[movie.imdb_id]:
            movie.directors = directors[movie.imdb_id]
            changed.append(movie)
    Movie.objects.bulk_update(changed, ["directors"])
    outcome.counts["directors_updated"] = len(changed)
    return outcome


def _write_directors_in_postgres(credits: list[tuple[str, list[str]]]) -> _BatchOutcome:
    """_write_directors as COPY and one UPDATE that skips the films whose list is the same."""
    outcome = _BatchOutcome()
    with connection.cursor() as cursor:
        rows = ((imdb_id, json.dumps(names)) for imdb_id, names in credits)
        _stage(cursor, _STAGED_DIRECTORS, ("imdb_id", "directors"), rows)
        # The films that already have these directors first, so that a batch with nothing to
        # change runs no statement on the catalog (see _write_imdb_films_in_postgres).
        cursor.execute(
            f"""
            DELETE FROM {_STAGED_DIRECTORS} AS credit USING {_MOVIE_TABLE} AS movie
            WHERE movie.imdb_id = credit.imdb_id AND movie.directors = credit.directors
            """
        )
        if cursor.rowcount < len(credits):
            cursor.execute(
                f"""
                UPDATE {_MOVIE_TABLE} AS movie SET directors = credit.directors
                FROM {_STAGED_DIRECTORS} AS credit WHERE movie.imdb_id = credit.imdb_id
                """
            )
            outcome.counts["directors_updated"] = cursor.rowcount
    return outcome
