"""IMDb's basics file (title.basics.tsv.gz): which rows are feature films, and how each batch of
them is written (draft/importers/python_plan.py or copy_plan.py, by database)."""

from collections.abc import Callable, Iterator
from contextlib import closing, nullcontext
from functools import partial
from pathlib import Path

from django.db import connection

from draft.importers.common import (
    _SMALLINT_MAX,
    BASICS_COLUMNS,
    DEFAULT_BATCH_SIZE,
    IMDB_GENRES,
    IMDB_NULL,
    ImportResult,
    Progress,
    RowNote,
    _batches,
    _clash,
    _imdb_title_id,
    _ImdbFilm,
    _MalformedRow,
    _rows,
    _title,
    _whole_number,
    _write_batch,
    _year,
)
from draft.importers.copy_plan import (
    _staging_tables,
    _write_imdb_films_in_postgres,
)
from draft.importers.directors import (
    _DirectorJoin,
    _import_directors,
)
from draft.importers.python_plan import (
    _write_imdb_films,
)


def import_imdb(
    *,
    basics: Path,
    crew: Path | None = None,
    names: Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    min_year: int | None = None,
    progress: Callable[[Progress], None] | None = None,
) -> ImportResult:
    """Upsert feature films (titleType "movie", not adult, with a year) from IMDb's
    title.basics by IMDb id; with the crew and names files too, set their directors.

    Guarantees: a second run creates nothing and writes nothing that has not changed. A catalog
    film with the same normalized title and year but no IMDb id gets the id rather than a second
    copy. A film whose title and year another film holds is skipped as a duplicate: a later film
    of the file, or one the catalog had before its batch. A title and year that a film leaves in a
    batch (IMDb renamed it) is free from the next batch on, so a film that takes it in the same
    batch is a duplicate until the next run. IMDb never erases what it does not know: a missing
    runtime, genre list or director list leaves ours in place, and genres outside IMDb's
    vocabulary ("Holiday") are kept. Memory stays flat: one batch at a time.
    """
    if (crew is None) != (names is None):
        raise ValueError("Directors need both the crew file and the names file.")
    if batch_size < 1:
        raise ValueError("The batch size must be at least 1.")
    basics = Path(basics)
    result = ImportResult()
    in_postgres = connection.vendor == "postgresql"
    write = partial(
        _write_imdb_films_in_postgres if in_postgres else _write_imdb_films,
        file=basics.name,
        with_ids=crew is not None,
    )
    with (
        _staging_tables() if in_postgres else nullcontext(),
        closing(_DirectorJoin()) if crew else nullcontext() as join,
    ):
        films = _imdb_films(basics, result, min_year, progress)
        for batch in _batches(films, batch_size):
            outcome = _write_batch(write, batch, on_clash=partial(_clash, file=basics.name))
            result.merge(outcome)
            if join:
                join.add_films(outcome.imdb_ids)
        if join:
            _import_directors(join, Path(crew), Path(names), batch_size, result, progress)
    return result


def _imdb_films(
    path: Path,
    result: ImportResult,
    min_year: int | None,
    progress: Callable[[Progress], None] | None = None,
) -> Iterator[_ImdbFilm]:
    rows = _rows(path, BASICS_COLUMNS, result, tsv=True, count="read", progress=progress)
    for line, (imdb_id, kind, primary_title, adult, start_year, minutes, imdb_genres) in rows:
        # Most of the file is episodes and shorts: turn those away before any parsing.
        if kind != "movie":
            result.skipped_not_movie += 1
            continue
        try:
            if adult == "1":
                result.skipped_adult += 1
                continue
            if adult != "0":
                raise _MalformedRow(f"isAdult is neither 0 nor 1: {adult!r}")
            if start_year == IMDB_NULL:
                result.skipped_no_year += 1
                continue
            year = _year(start_year)
            if min_year and year < min_year:
                result.skipped_before_min_year += 1
                continue
            imdb_id = _imdb_title_id(imdb_id)
            title, search_title = _title(primary_title)
            runtime = None
            if minutes != IMDB_NULL:
                runtime = _whole_number(minutes, "runtime")
                if runtime > _SMALLINT_MAX:
                    result.runtimes_dropped += 1
                    runtime = None
        except _MalformedRow as error:
            result.add_malformed(RowNote(path.name, line, str(error)))
            continue
        genres = ()
        if imdb_genres != IMDB_NULL:
            named = imdb_genres.split(",")
            genres = tuple(dict.fromkeys(IMDB_GENRES[g] for g in named if g in IMDB_GENRES))
        result.kept += 1
        yield _ImdbFilm(line, imdb_id, title, search_title, year, runtime, genres)
