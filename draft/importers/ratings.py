"""IMDb's ratings file (title.ratings.tsv.gz): each catalog film's rating and number of votes,
matched by IMDb id. How a batch is written depends on the database, never what it does:
- PostgreSQL: the batch is copied (COPY) into a temporary table, counted against the catalog in
  one query and, when a film's rating changed, written with one UPDATE ... FROM
  (_write_ratings_in_postgres).
- Any other database (SQLite): the batch's films are read in one query, compared in Python and
  the changed ones written with one executemany (_write_ratings).
"""

import re
from collections.abc import Callable, Iterator
from contextlib import nullcontext
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import partial
from pathlib import Path

from django.db import connection

from draft.importers.common import (
    _MOVIE_TABLE,
    DEFAULT_BATCH_SIZE,
    ImportResult,
    Progress,
    RowNote,
    _batches,
    _BatchOutcome,
    _first_of_each_id,
    _imdb_title_id,
    _MalformedRow,
    _rows,
    _shown,
    _write_batch,
)
from draft.importers.copy_plan import _stage, _staging
from draft.models import Movie
from draft.signals import catalog_ratings_changing

RATINGS_COLUMNS = ("tconst", "averageRating", "numVotes")
# IMDb writes every rating with one decimal, from 1.0 to 10.0.
_RATING = re.compile(r"[0-9]{1,2}\.[0-9]")
_LOWEST, _HIGHEST = Decimal("1.0"), Decimal("10.0")
_VOTES_MAX = 2_147_483_647  # PositiveIntegerField, the same on SQLite and PostgreSQL

# A temporary table of this connection's own, created by _staging_table, emptied for each batch.
_STAGED_RATINGS = "pg_temp.import_rating"
_CREATE_STAGING = """
    CREATE TEMPORARY TABLE import_rating (
        line bigint PRIMARY KEY,
        imdb_id text NOT NULL UNIQUE,
        rating numeric(3, 1) NOT NULL,
        votes integer NOT NULL
    )
"""
_RATING_DIFFERS = (
    "(movie.imdb_rating, movie.imdb_votes) IS DISTINCT FROM (rating.rating, rating.votes)"
)
# The batch's films, found by a probe of the imdb_id index each, however large the catalog. A
# plain join of the batch with the catalog is planned as a hash join over the whole catalog, 20
# times slower on 700,000 films; the planner cannot see the array's size, so it takes the index.
_IN_BATCH = f"""
    movie.imdb_id = ANY (ARRAY(SELECT imdb_id FROM {_STAGED_RATINGS}))
    AND rating.imdb_id = movie.imdb_id
"""
# How many rows of the batch are catalog films, and how many of those have another rating.
_COUNT_STAGED_RATINGS = f"""
    SELECT count(*), count(*) FILTER (WHERE {_RATING_DIFFERS})
    FROM {_MOVIE_TABLE} AS movie, {_STAGED_RATINGS} AS rating
    WHERE {_IN_BATCH}
"""
_UPDATE_STAGED_RATINGS = f"""
    UPDATE {_MOVIE_TABLE} AS movie
    SET imdb_rating = rating.rating, imdb_votes = rating.votes
    FROM {_STAGED_RATINGS} AS rating
    WHERE {_IN_BATCH} AND {_RATING_DIFFERS}
"""


@dataclass(frozen=True, slots=True)
class _ImdbRating:
    line: int
    imdb_id: str
    rating: Decimal
    votes: int

    def __str__(self):
        return f"{self.imdb_id} {self.rating} ({self.votes:,} votes)"


def import_imdb_ratings(
    *,
    path: Path,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Callable[[Progress], None] | None = None,
) -> ImportResult:
    """Set the IMDb rating and number of votes of every catalog film that IMDb's
    title.ratings file rates, matched by IMDb id.

    Guarantees: a second run of the same file writes nothing, and a batch that changes no film
    runs no statement on the catalog. A film without an IMDb id, or one the file does not rate,
    keeps what it has: IMDb never erases what it does not know. Counts, besides the rows read:
    films updated, films unchanged, and ratings of titles not in the catalog (most of IMDb's
    file: episodes, shorts, series). A malformed row is reported with its line and skipped; a
    second row for an IMDb id in the same batch is reported as a duplicate (IMDb's file has one
    row per title). `catalog_ratings_changing` is sent once, when the header has been read and
    before the first batch is written (even one that turns out to change nothing), so that the
    results decided on the ratings as they were are settled first; a file whose header is wrong
    changes nothing and sends nothing. Memory stays flat: one batch at a time.
    """
    if batch_size < 1:
        raise ValueError("The batch size must be at least 1.")
    path = Path(path)
    result = ImportResult()
    in_postgres = connection.vendor == "postgresql"
    write = partial(_write_ratings_in_postgres if in_postgres else _write_ratings, file=path.name)

    def told(where: Progress) -> None:
        progress(replace(where, kept_as="ratings"))

    announced = False
    with _staging_table() if in_postgres else nullcontext():
        ratings = _imdb_ratings(path, result, told if progress else None)
        for batch in _batches(ratings, batch_size):
            if not announced:
                catalog_ratings_changing.send(sender=None)
                announced = True
            result.merge(_write_batch(write, batch, on_clash=partial(_refused, file=path.name)))
    return result


def _imdb_ratings(
    path: Path, result: ImportResult, progress: Callable[[Progress], None] | None = None
) -> Iterator[_ImdbRating]:
    rows = _rows(path, RATINGS_COLUMNS, result, tsv=True, count="read", progress=progress)
    for line, (tconst, average, votes) in rows:
        try:
            if "\x00" in tconst or "\x00" in average or "\x00" in votes:
                raise _MalformedRow("a NUL character")
            imdb_id = _imdb_title_id(tconst)
            rating = _rating(average)
            count = _votes(votes)
        except _MalformedRow as error:
            result.add_malformed(RowNote(path.name, line, str(error)))
            continue
        result.kept += 1
        yield _ImdbRating(line, imdb_id, rating, count)


def _rating(value: str) -> Decimal:
    if not (value.isascii() and _RATING.fullmatch(value)):
        raise _MalformedRow(f"averageRating is not a rating with one decimal: {_shown(value)}")
    rating = Decimal(value)
    if not _LOWEST <= rating <= _HIGHEST:
        raise _MalformedRow(f"averageRating out of range (1.0 to 10.0): {value}")
    return rating


def _votes(value: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise _MalformedRow(f"numVotes is not a whole number of votes: {_shown(value)}")
    votes = int(value)
    if votes > _VOTES_MAX:
        raise _MalformedRow(f"numVotes too large to store: {_shown(value)}")
    return votes


def _refused(rating: _ImdbRating, *, file: str) -> _BatchOutcome:
    """A rating the database would not take even on its own: reported, and the run goes on.
    The checks above leave nothing a constraint of the catalog refuses; this is the net."""
    outcome = _BatchOutcome()
    outcome.malformed_rows.append(RowNote(file, rating.line, f"{rating} refused by the database"))
    return outcome


def _write_ratings(ratings: list[_ImdbRating], *, file: str) -> _BatchOutcome:
    """Compare a batch with what the catalog holds, read in one query, and write the changed
    ratings with one executemany (keyed by IMDb id, as the PostgreSQL writer's UPDATE is)."""
    outcome = _BatchOutcome()
    ratings = _first_of_each_id(ratings, outcome, file=file)
    held = {
        imdb_id: (rating, votes)
        for imdb_id, rating, votes in Movie.objects.filter(
            imdb_id__in=[rating.imdb_id for rating in ratings]
        )
        .order_by()  # the catalog's ordering by title would only cost a sort
        .values_list("imdb_id", "imdb_rating", "imdb_votes")
    }
    changed = []
    for rating in ratings:
        if rating.imdb_id not in held:
            outcome.counts["ratings_not_in_catalog"] += 1
        elif held[rating.imdb_id] == (rating.rating, rating.votes):
            outcome.counts["ratings_unchanged"] += 1
        else:
            changed.append(rating)
    if changed:
        field = Movie._meta.get_field("imdb_rating")
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {quote(_MOVIE_TABLE)} SET imdb_rating = %s, imdb_votes = %s "
                "WHERE imdb_id = %s",
                [
                    (field.get_db_prep_save(r.rating, connection), r.votes, r.imdb_id)
                    for r in changed
                ],
            )
        outcome.counts["ratings_updated"] += len(changed)
    return outcome


def _staging_table():
    return _staging(_STAGED_RATINGS, [_CREATE_STAGING])


def _write_ratings_in_postgres(ratings: list[_ImdbRating], *, file: str) -> _BatchOutcome:
    """The batch into a temporary table by COPY, counted against the catalog, then written by
    one UPDATE ... FROM for the films whose rating or votes changed. A batch that changes no
    film runs no statement on the catalog: even one that changes no row would fire the page
    cache's statement trigger (config/dataversion.py) and make every kept page new."""
    outcome = _BatchOutcome()
    ratings = _first_of_each_id(ratings, outcome, file=file)
    rows = ((r.line, r.imdb_id, r.rating, r.votes) for r in ratings)
    with connection.cursor() as cursor:
        _stage(cursor, _STAGED_RATINGS, ("line", "imdb_id", "rating", "votes"), rows)
        cursor.execute(_COUNT_STAGED_RATINGS)
        in_catalog, changed = cursor.fetchone()
        updated = 0
        if changed:
            cursor.execute(_UPDATE_STAGED_RATINGS)
            updated = cursor.rowcount
    # A film is unchanged after all if another import wrote the same rating since the count.
    outcome.counts.update(
        ratings_updated=updated,
        ratings_unchanged=in_catalog - updated,
        ratings_not_in_catalog=len(ratings) - in_catalog,
    )
    return outcome
