"""What every catalog import shares: its limits, its result and report, reading the files, the
film a row of IMDb's basics file becomes, and writing a batch in one transaction."""

import csv
import gzip
import io
import itertools
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.db import IntegrityError, connection, reset_queries, transaction

from draft import rules
from draft.models import Movie

DEFAULT_BATCH_SIZE = 5000
# How many problem rows a result keeps to show; the counts cover all of them.
MAX_SAMPLES = 10
# How often (in rows read) an import tells its progress callback where it is.
PROGRESS_EVERY = 50_000

IMDB_NULL = "\\N"
# IMDb genre -> ours. IMDb genres missing here (Adult, Film-Noir, Game-Show, News, Reality-TV,
# Short, Talk-Show) are dropped.
IMDB_GENRES = {
    name: name
    for name in (
        "Action", "Adventure", "Animation", "Biography", "Comedy", "Crime", "Documentary",
        "Drama", "Family", "Fantasy", "History", "Horror", "Music", "Musical", "Mystery",
        "Romance", "Sci-Fi", "Sport", "Thriller", "War", "Western",
    )
}  # fmt: skip
# Genres IMDb can speak for. Any other genre on a film ("Holiday") was set by us and survives
# an import, or the demo draft's Holiday category would lose its films.
_IMDB_VOCABULARY = frozenset(IMDB_GENRES.values())

BASICS_COLUMNS = (
    "tconst", "titleType", "primaryTitle", "isAdult", "startYear", "runtimeMinutes", "genres",
)  # fmt: skip
CREW_COLUMNS = ("tconst", "directors")
NAMES_COLUMNS = ("nconst", "primaryName")
LETTERBOXD_COLUMNS = ("Name", "Year")

_TITLE_MAX = Movie._meta.get_field("title").max_length
_IMDB_ID_MAX = Movie._meta.get_field("imdb_id").max_length
_SMALLINT_MAX = 32767  # PositiveSmallIntegerField, the same on SQLite and PostgreSQL
_MOVIE_FIELDS = ("id", "imdb_id", "title", "search_title", "year", "genres", "runtime")
_IMDB_UPDATE_FIELDS = ["title", "search_title", "year", "genres", "runtime", "imdb_id"]


class ImportFileError(ValueError):
    """The file as a whole cannot be read: empty, or a header without the columns we need."""


@dataclass(frozen=True)
class RowNote:
    """One row worth showing in the report: where it is and what was wrong with it."""

    file: str
    line: int
    reason: str

    def __str__(self):
        return f"{self.file} line {self.line}: {self.reason}"


@dataclass
class ImportResult:
    """What an import did, in counts. Rows are data rows (the header is not counted)."""

    read: int = 0
    kept: int = 0  # feature films that passed every check, to be written (duplicates included)
    created: int = 0
    updated: int = 0  # an IMDb film already in the catalog, with something changed
    attached: int = 0  # a catalog film without an IMDb id that now has one
    unchanged: int = 0
    skipped_not_movie: int = 0
    skipped_adult: int = 0
    skipped_no_year: int = 0
    skipped_before_min_year: int = 0
    duplicates: int = 0
    malformed: int = 0
    runtimes_dropped: int = 0  # out of the database's range (IMDb has a 51,420-minute film)
    crew_read: int = 0
    names_read: int = 0
    directors_updated: int = 0
    directors_unresolved: int = 0  # director ids with no name in the names file
    matched: int = 0
    unmatched: int = 0
    posters: int = 0  # films given the poster address a row of a CSV file named
    posters_ignored: int = 0  # poster addresses that are not https addresses (the film is kept)
    ratings_updated: int = 0  # catalog films given a new IMDb rating or number of votes
    ratings_unchanged: int = 0  # catalog films whose rating and votes were already these
    ratings_not_in_catalog: int = 0  # ratings of titles the catalog has no film for
    malformed_rows: list[RowNote] = field(default_factory=list)
    ignored_poster_rows: list[RowNote] = field(default_factory=list)
    duplicate_rows: list[RowNote] = field(default_factory=list)
    unmatched_films: list[str] = field(default_factory=list)

    def add_malformed(self, note: RowNote) -> None:
        self.malformed += 1
        if len(self.malformed_rows) < MAX_SAMPLES:
            self.malformed_rows.append(note)

    def add_ignored_poster(self, note: RowNote) -> None:
        self.posters_ignored += 1
        if len(self.ignored_poster_rows) < MAX_SAMPLES:
            self.ignored_poster_rows.append(note)

    def merge(self, outcome: "_BatchOutcome") -> None:
        for name, count in outcome.counts.items():
            setattr(self, name, getattr(self, name) + count)
        for note in outcome.malformed_rows:
            self.add_malformed(note)
        room = MAX_SAMPLES - len(self.duplicate_rows)
        self.duplicate_rows.extend(outcome.duplicate_rows[: max(room, 0)])
        room = MAX_SAMPLES - len(self.unmatched_films)
        self.unmatched_films.extend(outcome.unmatched_films[: max(room, 0)])


@dataclass
class _BatchOutcome:
    """What one batch did. Merged into the result only once its transaction has committed, so
    a batch that is rolled back and redone is not counted twice."""

    counts: Counter = field(default_factory=Counter)
    duplicate_rows: list[RowNote] = field(default_factory=list)
    unmatched_films: list[str] = field(default_factory=list)
    imdb_ids: list[str] = field(default_factory=list)  # films now in the catalog
    malformed_rows: list[RowNote] = field(default_factory=list)  # rows the database refused

    def __iadd__(self, other: "_BatchOutcome") -> "_BatchOutcome":
        self.counts += other.counts
        self.duplicate_rows += other.duplicate_rows
        self.unmatched_films += other.unmatched_films
        self.imdb_ids += other.imdb_ids
        self.malformed_rows += other.malformed_rows
        return self


@dataclass(frozen=True)
class Progress:
    """How far an import is through one of its files, for a progress bar."""

    file: str
    read: int  # data rows of this file read so far
    kept: int  # feature films kept so far (of a ratings file: ratings that can be used)
    done: float  # the share of the file's bytes read, 0 to 1
    kept_as: str = "films"  # what the kept rows are, for a progress bar


class _MalformedRow(Exception):
    pass


# --- Reading files -----------------------------------------------------------------------


@contextmanager
def _open_text(path: Path, *, encoding: str = "utf-8") -> Iterator[tuple[TextIO, Callable]]:
    """A text stream over a gzipped or plain file (told apart by the gzip magic number, not by
    the name), and a function that says what share of the file's bytes has been read. Bytes that
    are not UTF-8 become U+FFFD rather than stopping the import; a title or name holding one is
    reported as malformed."""
    with path.open("rb") as raw:
        is_gzip = raw.read(2) == b"\x1f\x8b"
        raw.seek(0)
        size = os.fstat(raw.fileno()).st_size or 1
        binary = gzip.GzipFile(fileobj=raw, mode="rb") if is_gzip else raw
        with io.TextIOWrapper(binary, encoding=encoding, errors="replace", newline="") as text:
            yield text, lambda: min(raw.tell() / size, 1.0)


def _rows(
    path: Path,
    required: tuple[str, ...],
    result: ImportResult,
    *,
    tsv: bool,
    count: str,
    progress: Callable[[Progress], None] | None = None,
    optional: Callable[[list[str]], int | None] | None = None,
) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(line number, the values of the `required` columns (two or more) in that order) for each data row with
    the header's number of columns, one row at a time. Every data row adds one to
    `result.<count>`; rows with the wrong number of columns are counted as malformed.
    `progress` hears every PROGRESS_EVERY rows, and at the end of the file. With `optional`
    (a function of the header that gives a column's index or None), each row's value of that
    column ("" without one) comes after the required ones."""
    with _open_text(path, encoding="utf-8" if tsv else "utf-8-sig") as (handle, share_read):
        if tsv:
            # IMDb's files are not quoted: a '"' in a title is just a character.
            reader = csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        else:
            reader = csv.reader(handle)
        header = next(reader, None)
        if not header:
            raise ImportFileError(f"{path.name} is empty.")
        missing = [column for column in required if column not in header]
        if missing:
            raise ImportFileError(
                f"{path.name} has no {', '.join(missing)} column "
                f"(its header is: {', '.join(header)})."
            )
        width = len(header)
        indexes = [header.index(column) for column in required]
        extra = optional(header) if optional else None
        if extra is not None:
            indexes.append(extra)
        pick = itemgetter(*indexes)
        padding = ("",) if optional and extra is None else ()
        for row in _each_row(reader):
            if not row and not tsv:
                continue  # the csv module gives blank lines of a CSV file as []
            read = getattr(result, count) + 1
            setattr(result, count, read)
            if progress and read % PROGRESS_EVERY == 0:
                progress(Progress(path.name, read, result.kept, share_read()))
            if isinstance(row, csv.Error):
                result.add_malformed(RowNote(path.name, reader.line_num, f"unreadable: {row}"))
                continue
            if len(row) != width:
                result.add_malformed(
                    RowNote(
                        path.name,
                        reader.line_num,
                        f"wrong number of columns ({len(row)}, expected {width})",
                    )
                )
                continue
            yield reader.line_num, (pick(row) + padding) if padding else pick(row)
        if progress:
            progress(Progress(path.name, getattr(result, count), result.kept, 1.0))


def _each_row(reader: Iterator[list[str]]) -> Iterator[list[str] | csv.Error]:
    """The reader's rows. A row the csv module refuses (a field over its limit of 128 KB) comes
    as its error, and reading goes on at the next line: one bad line must not end an import."""
    while True:
        try:
            yield next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield error


def _imdb_title_id(value: str) -> str:
    """An IMDb title id ("tt" and digits, as long as the catalog stores), or the reason not."""
    if not (
        value.startswith("tt")
        and value[2:].isascii()
        and value[2:].isdigit()
        and len(value) <= _IMDB_ID_MAX
    ):
        raise _MalformedRow(f"not an IMDb title id: {_shown(value)}")
    return value


def _shown(value: str, limit: int = 40) -> str:
    """A value as a report quotes it: its repr, cut short, since a bad line can be 100 KB."""
    if len(value) > limit:
        return f"{value[:limit]!r}… ({len(value):,} characters)"
    return repr(value)


def _batches(items: Iterable, size: int) -> Iterator[list]:
    iterator = iter(items)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _whole_number(value: str, what: str) -> int:
    if not (value.isascii() and value.isdigit()):
        raise _MalformedRow(f"{what} is not a number: {value!r}")
    return int(value)


def _title(value: str) -> tuple[str, str]:
    """The title as stored and its normalized form, or a reason the row cannot be stored."""
    title = value.strip()
    if not title or title == IMDB_NULL:
        raise _MalformedRow("no title")
    if "\ufffd" in title:
        raise _MalformedRow("title is not valid UTF-8")
    if "\x00" in title:
        raise _MalformedRow("a NUL character in the title")
    search_title = rules.normalize_title(title)
    # "&" becomes " and ", so the normalized form can be the longer one.
    if len(title) > _TITLE_MAX or len(search_title) > _TITLE_MAX:
        raise _MalformedRow(f"title longer than {_TITLE_MAX} characters")
    return title, search_title


def _year(value: str) -> int:
    if not value:
        raise _MalformedRow("no year")
    year = _whole_number(value, "year")
    if not 1 <= year <= 9999:
        raise _MalformedRow(f"year out of range: {year}")
    return year


def _write_batch(
    write: Callable[[list], _BatchOutcome],
    items: list,
    on_clash: Callable[[object], _BatchOutcome],
) -> _BatchOutcome:
    """Run `write` on a batch in one transaction. No lock is taken: the unique constraints are
    the guard. If one stops the batch (another writer added the same film between our read and
    our write: the site's add-a-film form, a second import), the batch is redone one row at a
    time, so one clash costs one row, not the batch. Each retry reads afresh and so sees the
    other writer's film (and attaches to it, or counts a duplicate); a row that still clashes
    is what `on_clash` says it is."""
    try:
        with transaction.atomic():
            return write(items)
    except IntegrityError:
        outcome = _BatchOutcome()
        for item in items:
            try:
                with transaction.atomic():
                    outcome += write([item])
            except IntegrityError:
                outcome += on_clash(item)
        return outcome
    finally:
        if settings.DEBUG:
            # With DEBUG on, Django keeps the SQL of the last 9,000 queries; at ~100 KB for a
            # batch insert, that grows to hundreds of MB over a full IMDb import.
            reset_queries()


@dataclass(frozen=True, slots=True)
class _ImdbFilm:
    line: int
    imdb_id: str
    title: str
    search_title: str
    year: int
    runtime: int | None
    genres: tuple[str, ...]

    @property
    def key(self) -> tuple[str, int]:
        return (self.search_title, self.year)

    def __str__(self):
        return f"{self.imdb_id} “{self.title}” ({self.year})"


# --- Writing films ------------------------------------------------------------------------

_MOVIE_TABLE = Movie._meta.db_table
# What IMDb gives a film; every other column of a new film gets the model's default.
_STAGED_COLUMNS = ("imdb_id", "title", "search_title", "year", "genres", "runtime")


def _new_film_defaults() -> dict[str, object]:
    """Column -> value for what IMDb does not give a new film (directors, created_at, poster…):
    the model's defaults, prepared as bulk_create would, so a field added to Movie later gets
    its default here too. Columns the database fills itself are left to it."""
    template = Movie()
    defaults = {}
    for model_field in Movie._meta.get_fields():
        if (
            not model_field.concrete
            or model_field.primary_key
            or model_field.generated
            or model_field.has_db_default()
            or model_field.column in _STAGED_COLUMNS
        ):
            continue
        value = model_field.pre_save(template, add=True)  # auto_now_add: now
        defaults[model_field.column] = model_field.get_db_prep_save(value, connection)
    return defaults


def _first_of_each_id(
    films: list[_ImdbFilm], outcome: "_BatchOutcome", *, file: str
) -> list[_ImdbFilm]:
    """The batch without a second row for an IMDb id (counted as a duplicate)."""
    seen: set[str] = set()
    first = []
    for film in films:
        if film.imdb_id in seen:
            outcome.counts["duplicates"] += 1
            outcome.duplicate_rows.append(RowNote(file, film.line, f"{film.imdb_id} again"))
        else:
            seen.add(film.imdb_id)
            first.append(film)
    return first


def _duplicate_note(
    file: str, film: _ImdbFilm, holder_imdb_id: str | None, holder_title: str
) -> RowNote:
    if holder_imdb_id:
        other = f"{holder_imdb_id} “{holder_title}”"
    else:
        other = f"“{holder_title}”, already in the catalog"
    return RowNote(file, film.line, f"{film} has the same title and year as {other}")


def _clash(item, *, file: str) -> _BatchOutcome:
    outcome = _BatchOutcome()
    outcome.counts["duplicates"] += 1
    outcome.duplicate_rows.append(
        RowNote(file, item.line, f"{item} clashed with a film added at the same time")
    )
    return outcome
