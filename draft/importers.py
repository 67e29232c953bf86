"""Catalog imports: IMDb's public datasets and a Letterboxd CSV export.

The IMDb files hold millions of rows, so nothing here reads a whole file: rows stream from the
(gzipped or plain) file and are written in batches. Memory depends on the batch size, not on the
size of the files. Directors need a join of three files (basics -> crew -> names); that join is
done in a scratch SQLite file on disk, so it stays flat too.

A bad row is counted and reported, never fatal. The database's constraints decide what a
duplicate is: a film is once per IMDb id and once per (normalized title, year).
"""

import csv
import gzip
import itertools
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import closing, nullcontext
from dataclasses import dataclass, field
from functools import partial
from operator import itemgetter
from pathlib import Path
from typing import TextIO

from django.conf import settings
from django.db import IntegrityError, reset_queries, transaction
from django.db.models import Q

from draft import rules
from draft.models import Movie

DEFAULT_BATCH_SIZE = 1000
# How many problem rows a result keeps to show; the counts cover all of them.
MAX_SAMPLES = 10

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
    malformed_rows: list[RowNote] = field(default_factory=list)
    duplicate_rows: list[RowNote] = field(default_factory=list)
    unmatched_films: list[str] = field(default_factory=list)

    def add_malformed(self, note: RowNote) -> None:
        self.malformed += 1
        if len(self.malformed_rows) < MAX_SAMPLES:
            self.malformed_rows.append(note)

    def merge(self, outcome: "_BatchOutcome") -> None:
        for name, count in outcome.counts.items():
            setattr(self, name, getattr(self, name) + count)
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

    def __iadd__(self, other: "_BatchOutcome") -> "_BatchOutcome":
        self.counts += other.counts
        self.duplicate_rows += other.duplicate_rows
        self.unmatched_films += other.unmatched_films
        self.imdb_ids += other.imdb_ids
        return self


class _MalformedRow(Exception):
    pass


# --- Reading files -----------------------------------------------------------------------


def _open_text(path: Path, *, encoding: str = "utf-8") -> TextIO:
    """A text stream over a gzipped or plain file (told apart by the gzip magic number, not by
    the name). Bytes that are not UTF-8 become U+FFFD rather than stopping the import; a title
    or name holding one is reported as malformed."""
    with path.open("rb") as probe:
        is_gzip = probe.read(2) == b"\x1f\x8b"
    if is_gzip:
        return gzip.open(path, "rt", encoding=encoding, errors="replace", newline="")
    return path.open(encoding=encoding, errors="replace", newline="")


def _rows(
    path: Path, required: tuple[str, ...], result: ImportResult, *, tsv: bool, count: str
) -> Iterator[tuple[int, tuple[str, ...]]]:
    """(line number, the values of the `required` columns in that order) for each data row with
    the header's number of columns, one row at a time. Every data row adds one to
    `result.<count>`; rows with the wrong number of columns are counted as malformed."""
    with _open_text(path, encoding="utf-8" if tsv else "utf-8-sig") as handle:
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
        pick = itemgetter(*(header.index(column) for column in required))
        for row in reader:
            if not row and not tsv:
                continue  # the csv module gives blank lines of a CSV file as []
            setattr(result, count, getattr(result, count) + 1)
            if len(row) != width:
                result.add_malformed(
                    RowNote(
                        path.name,
                        reader.line_num,
                        f"wrong number of columns ({len(row)}, expected {width})",
                    )
                )
                continue
            yield reader.line_num, pick(row)


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
    time, so one clash costs one row, not a thousand. Each retry reads afresh and so sees the
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


# --- IMDb --------------------------------------------------------------------------------


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


def import_imdb(
    *,
    basics: Path,
    crew: Path | None = None,
    names: Path | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    min_year: int | None = None,
) -> ImportResult:
    """Upsert feature films (titleType "movie", not adult, with a year) from IMDb's
    title.basics by IMDb id; with the crew and names files too, set their directors.

    Guarantees: a second run creates nothing and updates only what changed. A catalog film with
    the same normalized title and year but no IMDb id gets the id rather than a second copy. A
    later IMDb film with the title and year of an earlier one is skipped as a duplicate. IMDb
    never erases what it does not know: a missing runtime, genre list or director list leaves
    ours in place, and genres outside IMDb's vocabulary ("Holiday") are kept.
    """
    if (crew is None) != (names is None):
        raise ValueError("Directors need both the crew file and the names file.")
    if batch_size < 1:
        raise ValueError("The batch size must be at least 1.")
    basics = Path(basics)
    result = ImportResult()
    write = partial(_write_imdb_films, file=basics.name)
    with closing(_DirectorJoin()) if crew else nullcontext() as join:
        for batch in _batches(_imdb_films(basics, result, min_year), batch_size):
            outcome = _write_batch(write, batch, on_clash=partial(_clash, file=basics.name))
            result.merge(outcome)
            if join:
                join.add_films(outcome.imdb_ids)
        if join:
            _import_directors(join, Path(crew), Path(names), batch_size, result)
    return result


def _imdb_films(path: Path, result: ImportResult, min_year: int | None) -> Iterator[_ImdbFilm]:
    rows = _rows(path, BASICS_COLUMNS, result, tsv=True, count="read")
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
            if not (
                imdb_id.startswith("tt")
                and imdb_id[2:].isascii()
                and imdb_id[2:].isdigit()
                and len(imdb_id) <= _IMDB_ID_MAX
            ):
                raise _MalformedRow(f"not an IMDb title id: {imdb_id!r}")
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
        yield _ImdbFilm(line, imdb_id, title, search_title, year, runtime, genres)


def _write_imdb_films(films: list[_ImdbFilm], *, file: str) -> _BatchOutcome:
    """Plan a batch against what the catalog holds now, then write it: updates, then creates."""
    outcome = _BatchOutcome()
    # One instance per film, so a change made through by_id is what by_key sees.
    by_id: dict[str, Movie] = {}
    by_key: dict[tuple[str, int], Movie] = {}
    for movie in _catalog_films(films):
        if movie.imdb_id:
            by_id[movie.imdb_id] = movie
        by_key[(movie.search_title, movie.year)] = movie

    to_update: dict[int, Movie] = {}
    to_create: list[Movie] = []
    seen: set[str] = set()
    for film in films:
        if film.imdb_id in seen:
            outcome.counts["duplicates"] += 1
            outcome.duplicate_rows.append(RowNote(file, film.line, f"{film.imdb_id} again"))
            continue
        seen.add(film.imdb_id)
        movie = by_id.get(film.imdb_id)
        holder = by_key.get(film.key)
        if movie is not None and holder is not None and holder is not movie:
            # IMDb renamed or redated a film onto another film's title and year.
            outcome.counts["duplicates"] += 1
            outcome.duplicate_rows.append(_duplicate_note(file, film, holder))
            continue
        if movie is not None:
            old_key = (movie.search_title, movie.year)
            if _apply_imdb(movie, film):
                outcome.counts["updated"] += 1
                to_update[movie.pk] = movie
                if by_key.get(old_key) is movie:
                    del by_key[old_key]
                by_key[film.key] = movie
            else:
                outcome.counts["unchanged"] += 1
        elif holder is None:
            movie = Movie(imdb_id=film.imdb_id, genres=[], directors=[])
            _apply_imdb(movie, film)
            to_create.append(movie)
            by_key[film.key] = movie
            outcome.counts["created"] += 1
        elif holder.imdb_id is None:
            # The same film entered by hand or by the demo: give it the id, not a twin.
            _apply_imdb(holder, film)
            to_update[holder.pk] = holder
            outcome.counts["attached"] += 1
        else:
            outcome.counts["duplicates"] += 1
            outcome.duplicate_rows.append(_duplicate_note(file, film, holder))
            continue
        outcome.imdb_ids.append(film.imdb_id)

    # Updates first: a film that moved to a new title frees its old one for a film created here.
    # bulk_* skip Movie.save(), which is why search_title is set by _apply_imdb.
    Movie.objects.bulk_update(to_update.values(), _IMDB_UPDATE_FIELDS)
    Movie.objects.bulk_create(to_create)
    return outcome


def _catalog_films(films: list[_ImdbFilm]) -> list[Movie]:
    """The catalog's films that a batch may touch, in one query: by IMDb id, and by title and
    year (a demo film, or an earlier IMDb film with the same title and year). The second part
    also finds a title from one row with the year of another; the caller keys by both."""
    return list(
        Movie.objects.filter(
            Q(imdb_id__in=[film.imdb_id for film in films])
            | Q(
                search_title__in={film.search_title for film in films},
                year__in={film.year for film in films},
            )
        )
        .only(*_MOVIE_FIELDS)
        .order_by()  # the catalog's ordering by title would only cost a sort
    )


def _apply_imdb(movie: Movie, film: _ImdbFilm) -> bool:
    """Copy what IMDb knows onto `movie`; True if that changed anything."""
    before = [getattr(movie, name) for name in _IMDB_UPDATE_FIELDS]
    movie.imdb_id = film.imdb_id
    movie.title = film.title
    movie.search_title = film.search_title
    movie.year = film.year
    if film.genres:
        ours = [genre for genre in movie.genres if genre not in _IMDB_VOCABULARY]
        movie.genres = [*film.genres, *ours]
    if film.runtime is not None:
        movie.runtime = film.runtime
    return [getattr(movie, name) for name in _IMDB_UPDATE_FIELDS] != before


def _duplicate_note(file: str, film: _ImdbFilm, holder: Movie) -> RowNote:
    if holder.imdb_id:
        other = f"{holder.imdb_id} “{holder.title}”"
    else:
        other = f"“{holder.title}”, already in the catalog"
    return RowNote(file, film.line, f"{film} has the same title and year as {other}")


def _clash(item, *, file: str) -> _BatchOutcome:
    outcome = _BatchOutcome()
    outcome.counts["duplicates"] += 1
    outcome.duplicate_rows.append(
        RowNote(file, item.line, f"{item} clashed with a film added at the same time")
    )
    return outcome


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
    join: _DirectorJoin, crew: Path, names: Path, batch_size: int, result: ImportResult
) -> None:
    for batch in _batches(_crew_credits(crew, result), batch_size):
        join.add_credits(batch)
    join.db.commit()
    for batch in _batches(_director_names(names, result), batch_size):
        join.add_names(batch)
    join.db.commit()
    result.directors_unresolved = join.unresolved()
    for batch in _batches(join.directors(), batch_size):
        # Directors are no part of any constraint, so nothing can clash.
        result.merge(_write_batch(_write_directors, batch, on_clash=lambda _: _BatchOutcome()))


def _crew_credits(path: Path, result: ImportResult) -> Iterator[tuple[str, int, str]]:
    for _, (tconst, directors) in _rows(path, CREW_COLUMNS, result, tsv=True, count="crew_read"):
        if directors == IMDB_NULL:
            continue
        for position, nconst in enumerate(directors.split(",")):
            if nconst:
                yield tconst, position, nconst


def _director_names(path: Path, result: ImportResult) -> Iterator[tuple[str, str]]:
    for line, (nconst, name) in _rows(path, NAMES_COLUMNS, result, tsv=True, count="names_read"):
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


# --- Letterboxd --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _LetterboxdFilm:
    line: int
    title: str
    search_title: str
    year: int

    @property
    def key(self) -> tuple[str, int]:
        return (self.search_title, self.year)

    def __str__(self):
        return f"{self.title} ({self.year})"


def import_letterboxd(
    *, path: Path, create_missing: bool = False, batch_size: int = DEFAULT_BATCH_SIZE
) -> ImportResult:
    """Match the films of a Letterboxd export (watched.csv, ratings.csv, diary.csv…) to the
    catalog by normalized title and year: "AMELIE" (2001) is "Amélie" (2001).

    Counts rows: matched (the film is in the catalog) and unmatched (it is not). With
    `create_missing`, an unmatched film is created with its title and year only; a second row
    for it (a re-watch in the diary) then counts as matched.
    """
    if batch_size < 1:
        raise ValueError("The batch size must be at least 1.")
    path = Path(path)
    result = ImportResult()
    write = partial(_write_letterboxd_films, create_missing=create_missing)
    for batch in _batches(_letterboxd_films(path, result), batch_size):
        result.merge(_write_batch(write, batch, on_clash=partial(_clash, file=path.name)))
    return result


def _letterboxd_films(path: Path, result: ImportResult) -> Iterator[_LetterboxdFilm]:
    for line, (name, year) in _rows(path, LETTERBOXD_COLUMNS, result, tsv=False, count="read"):
        try:
            title, search_title = _title(name)
            year = _year(year.strip())
        except _MalformedRow as error:
            result.add_malformed(RowNote(path.name, line, str(error)))
            continue
        yield _LetterboxdFilm(line, title, search_title, year)


def _write_letterboxd_films(films: list[_LetterboxdFilm], *, create_missing: bool) -> _BatchOutcome:
    outcome = _BatchOutcome()
    in_catalog = set(
        Movie.objects.filter(
            search_title__in={film.search_title for film in films},
            year__in={film.year for film in films},
        )
        .order_by()
        .values_list("search_title", "year")
    )
    new: dict[tuple[str, int], Movie] = {}
    for film in films:
        if film.key in in_catalog or film.key in new:
            outcome.counts["matched"] += 1
            continue
        outcome.counts["unmatched"] += 1
        outcome.unmatched_films.append(str(film))
        if create_missing:
            # bulk_create skips Movie.save(), which normally sets search_title.
            new[film.key] = Movie(title=film.title, year=film.year, search_title=film.search_title)
    Movie.objects.bulk_create(new.values())
    outcome.counts["created"] = len(new)
    return outcome
