"""Writing a batch of IMDb films on PostgreSQL: COPY into a temporary table, a plan in three
set-based statements against the catalog, and one INSERT ... ON CONFLICT (imdb_id) DO UPDATE for
the new and changed films only."""

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from operator import attrgetter

from django.conf import settings
from django.db import DatabaseError, connection, reset_queries

from draft.importers.common import (
    _IMDB_VOCABULARY,
    _MOVIE_TABLE,
    _STAGED_COLUMNS,
    MAX_SAMPLES,
    _BatchOutcome,
    _duplicate_note,
    _first_of_each_id,
    _ImdbFilm,
    _new_film_defaults,
)

# Temporary tables: this connection's own, created by _staging_tables, emptied for each batch.
_STAGED_FILMS = "pg_temp.import_film"
_STAGED_DIRECTORS = "pg_temp.import_director"
# _IMDB_VOCABULARY as a jsonb literal (its names hold no quote; the replace is for safety).
_VOCABULARY_SQL = "'{}'::jsonb".format(json.dumps(sorted(_IMDB_VOCABULARY)).replace("'", "''"))

_CREATE_STAGING = [
    """
    CREATE TEMPORARY TABLE import_film (
        -- Keys, so that the plan's joins of the batch with itself are never quadratic.
        line bigint PRIMARY KEY,
        imdb_id text NOT NULL UNIQUE,
        title text NOT NULL,
        search_title text NOT NULL,
        year smallint NOT NULL,
        genres jsonb NOT NULL,  -- [] when IMDb names none of ours
        runtime smallint,
        -- The plan (_PLAN_STAGED_FILMS):
        holder_id bigint,  -- the catalog's film with this title and year
        cite_imdb text,  -- a duplicate's note names this film (IMDb id, title)
        cite_title text,
        target_id bigint,  -- the film an update or an attach writes to
        outcome text  -- create, update, unchanged, attach or duplicate
    )
    """,
    "CREATE TEMPORARY TABLE import_director (imdb_id text NOT NULL, directors jsonb NOT NULL)",
]


def _merged_genres(ours: str, imdb: str) -> str:
    """SQL for the genres _apply_imdb leaves: IMDb's list, then ours that IMDb has no word
    for; ours alone when IMDb names none."""
    return f"""CASE WHEN {imdb} = '[]'::jsonb THEN {ours} ELSE {imdb} || COALESCE((
        SELECT jsonb_agg(genre.value ORDER BY genre.position)
        FROM jsonb_array_elements({ours}) WITH ORDINALITY AS genre (value, position)
        WHERE NOT {_VOCABULARY_SQL} @> jsonb_build_array(genre.value)
    ), '[]'::jsonb) END"""


# What an update writes: the columns of _imdb_values and _held_values.
_IMDB_COLUMNS = "(title, search_title, year, genres, runtime)"


def _imdb_values(movie: str, film: str) -> str:
    """SQL for the values _apply_imdb gives catalog film `movie` from IMDb row `film`, in the
    order of _IMDB_COLUMNS."""
    return (
        f"({film}.title, {film}.search_title, {film}.year, "
        f"{_merged_genres(f'{movie}.genres', f'{film}.genres')}, "
        f"COALESCE({film}.runtime, {movie}.runtime))"
    )


def _held_values(movie: str) -> str:
    """SQL for the values catalog film `movie` holds, in the order of _IMDB_COLUMNS."""
    return f"({movie}.title, {movie}.search_title, {movie}.year, {movie}.genres, {movie}.runtime)"


# The plan, as _write_imdb_films decides it row by row, in three set-based steps.
_PLAN_STAGED_FILMS = [
    # What the catalog holds under each film's IMDb id and under its title and year (an index
    # lookup each, however large the catalog), and what that makes of the film.
    f"""
    UPDATE {_STAGED_FILMS} AS film
    SET (holder_id, cite_imdb, cite_title, target_id, outcome) = (
        SELECT
            by_key.id,
            by_key.imdb_id,
            by_key.title,
            CASE
                WHEN by_id.id IS NOT NULL THEN by_id.id
                WHEN by_key.imdb_id IS NULL THEN by_key.id
            END,
            CASE
                WHEN by_id.id IS NOT NULL AND by_key.id <> by_id.id THEN 'duplicate'
                WHEN by_id.id IS NOT NULL
                    AND {_held_values("by_id")} IS NOT DISTINCT FROM {_imdb_values("by_id", "film")}
                    THEN 'unchanged'
                WHEN by_id.id IS NOT NULL THEN 'update'
                WHEN by_key.id IS NULL THEN 'create'
                WHEN by_key.imdb_id IS NULL THEN 'attach'
                ELSE 'duplicate'
            END
        FROM (VALUES (1)) AS one_row (one)  -- for the two lookups to hang on
        LEFT JOIN {_MOVIE_TABLE} AS by_id ON by_id.imdb_id = film.imdb_id
        LEFT JOIN {_MOVIE_TABLE} AS by_key
            ON by_key.search_title = film.search_title AND by_key.year = film.year
    )
    """,
    # Films of the batch after one title and year that was free (new, renamed, or given an
    # id): the first in the file has it, the others are duplicates of that one.
    f"""
    UPDATE {_STAGED_FILMS} AS film
    SET outcome = 'duplicate', cite_imdb = claim.first_imdb, cite_title = claim.first_title
    FROM (
        SELECT
            line,
            row_number() OVER claimants AS place,
            first_value(imdb_id) OVER claimants AS first_imdb,
            first_value(title) OVER claimants AS first_title
        FROM {_STAGED_FILMS} WHERE outcome <> 'duplicate'
        WINDOW claimants AS (PARTITION BY search_title, year ORDER BY line)
    ) AS claim
    WHERE film.line = claim.line AND claim.place > 1
    """,
    # A duplicate's note names the catalog film in its way as the earlier rows of the batch
    # left it: renamed by its own IMDb row, or given an IMDb id. Per catalog film, at most one
    # row of the batch still updates or attaches it.
    f"""
    UPDATE {_STAGED_FILMS} AS film SET cite_imdb = holder.imdb_id, cite_title = holder.title
    FROM (
        SELECT
            line,
            outcome,
            max(imdb_id) FILTER (WHERE outcome IN ('update', 'attach')) OVER earlier AS imdb_id,
            max(title) FILTER (WHERE outcome IN ('update', 'attach')) OVER earlier AS title
        FROM {_STAGED_FILMS}
        WHERE outcome IN ('update', 'attach') OR (outcome = 'duplicate' AND holder_id IS NOT NULL)
        WINDOW earlier AS (
            PARTITION BY CASE WHEN outcome = 'duplicate' THEN holder_id ELSE target_id END
            ORDER BY line ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING
        )
    ) AS holder
    WHERE film.line = holder.line AND holder.outcome = 'duplicate' AND holder.imdb_id IS NOT NULL
    """,
]

# A catalog film without an IMDb id, given one (it already has the title and year).
_ATTACH_STAGED_FILMS = f"""
    UPDATE {_MOVIE_TABLE} AS movie
    SET imdb_id = film.imdb_id, {_IMDB_COLUMNS} = {_imdb_values("movie", "film")}
    FROM {_STAGED_FILMS} AS film
    WHERE film.outcome = 'attach' AND movie.id = film.target_id
"""

# New films inserted, changed ones updated, keyed by IMDb id; then how many of each. The plan
# has left out the films it found unchanged, so a second run of a file writes nothing; the
# WHERE keeps it so for a film another import has written since.
# "{default_columns}" are the columns IMDb does not give, with a new film's defaults.
_UPSERT_STAGED_FILMS = f"""
    WITH written AS (
        INSERT INTO {_MOVIE_TABLE} ({", ".join(_STAGED_COLUMNS)}{{default_columns}})
        SELECT {", ".join(_STAGED_COLUMNS)}{{default_values}} FROM {_STAGED_FILMS}
        WHERE outcome IN ('create', 'update')
        ORDER BY line  -- new films get their ids in the file's order
        ON CONFLICT (imdb_id) DO UPDATE
        SET {_IMDB_COLUMNS} = {_imdb_values(_MOVIE_TABLE, "EXCLUDED")}
        WHERE {_held_values(_MOVIE_TABLE)} IS DISTINCT FROM {_imdb_values(_MOVIE_TABLE, "EXCLUDED")}
        RETURNING imdb_id
    )
    SELECT
        count(*) FILTER (WHERE film.outcome = 'create'),
        count(*) FILTER (WHERE film.outcome = 'update')
    FROM written JOIN {_STAGED_FILMS} AS film ON film.imdb_id = written.imdb_id
"""

_STAGED_OUTCOMES = f"SELECT outcome, count(*) FROM {_STAGED_FILMS} GROUP BY outcome"
_STAGED_DUPLICATES = f"""
    SELECT line, cite_imdb, cite_title FROM {_STAGED_FILMS}
    WHERE outcome = 'duplicate' ORDER BY line LIMIT {MAX_SAMPLES}
"""


@contextmanager
def _staging(tables: str, creates: Iterable[str]) -> Iterator[None]:
    """This connection's temporary `tables` ("a, b"), made by `creates`, for the import's run."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {tables}")
        for statement in creates:
            cursor.execute(statement)
    try:
        yield
    finally:
        # Not in an aborted transaction: the tables end with the connection's session anyway.
        with suppress(DatabaseError), connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {tables}")
        if settings.DEBUG:
            reset_queries()


def _staging_tables():
    return _staging(f"{_STAGED_FILMS}, {_STAGED_DIRECTORS}", _CREATE_STAGING)


def _stage(cursor, table: str, columns: tuple[str, ...], rows: Iterable[tuple]) -> None:
    """Empty `table`, then stream `rows` into it with COPY."""
    cursor.execute(f"TRUNCATE {table}")
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _plan_staged_films(cursor) -> None:
    for statement in _PLAN_STAGED_FILMS:
        cursor.execute(statement)


def _write_imdb_films_in_postgres(
    films: list[_ImdbFilm], *, file: str, with_ids: bool
) -> _BatchOutcome:
    """The batch into a temporary table by COPY, planned there against the catalog, then
    written by one UPDATE for the films given an IMDb id (rare: films entered by hand) and one
    upsert for the new and changed films. A film that has not changed is not written, and a
    batch with nothing to write runs no statement on the catalog: even one that changes no row
    would fire the page cache's statement trigger (config/dataversion.py)."""
    outcome = _BatchOutcome()
    films = _first_of_each_id(films, outcome, file=file)
    rows = (
        (f.line, f.imdb_id, f.title, f.search_title, f.year, json.dumps(f.genres), f.runtime)
        for f in films
    )
    defaults = _new_film_defaults()
    upsert = _UPSERT_STAGED_FILMS.format(
        default_columns="".join(f", {column}" for column in defaults),
        default_values=", %s" * len(defaults),
    )
    with connection.cursor() as cursor:
        _stage(cursor, _STAGED_FILMS, ("line", *_STAGED_COLUMNS), rows)
        _plan_staged_films(cursor)
        cursor.execute(_STAGED_OUTCOMES)
        planned = Counter(dict(cursor.fetchall()))
        outcome.counts.update(unchanged=planned["unchanged"], duplicates=planned["duplicate"])
        if planned["attach"]:
            cursor.execute(_ATTACH_STAGED_FILMS)
            outcome.counts["attached"] += cursor.rowcount
        if planned["create"] or planned["update"]:
            cursor.execute(upsert, list(defaults.values()))
            created, updated = cursor.fetchone()
            # A film is unchanged after all if another import wrote the same since the plan.
            unchanged = planned["create"] + planned["update"] - created - updated
            outcome.counts.update(created=created, updated=updated, unchanged=unchanged)
        if planned["duplicate"]:
            cursor.execute(_STAGED_DUPLICATES)
            by_line = {film.line: film for film in films}
            outcome.duplicate_rows += [
                _duplicate_note(file, by_line[line], cite_imdb, cite_title)
                for line, cite_imdb, cite_title in cursor.fetchall()
            ]
        if with_ids:
            cursor.execute(
                f"SELECT imdb_id FROM {_STAGED_FILMS} WHERE outcome <> 'duplicate' ORDER BY line"
            )
            outcome.imdb_ids = [imdb_id for (imdb_id,) in cursor.fetchall()]
    outcome.duplicate_rows.sort(key=attrgetter("line"))
    return outcome
