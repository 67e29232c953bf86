"""Members' own film ratings, from the ratings.csv of their Letterboxd export: an upload read,
checked whole and applied for one member (`upload_ratings`), removed (`remove_ratings`). The league
rating the standings read from them is results.selectors.league_ratings.

A row is matched to a catalog film by its Letterboxd address first (a LetterboxdLink learnt from
an earlier upload), then by the catalog's own rule for titles: normalized title and year
(`draft.rules.normalize_title`, the unique (search_title, year) index), as the catalog's
Letterboxd importer does. "AMELIE" (2001) is "Amélie" (2001); a film Letterboxd has since renamed
is still found by its address."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Count, Max
from django.template.defaultfilters import filesizeformat
from django.utils import timezone

from config.inputs import strip_control_characters
from draft import rules
from draft.models import Movie
from results.models import LetterboxdLink, MemberRating
from results.services.locking import lock_due_results

# A member's ratings.csv is ~50 bytes a film: 5 MB is some 100,000 rated films.
MAX_BYTES = 5 * 1024 * 1024
# Rows matched and written together: each batch costs the same few queries (one to read the
# addresses, one the titles, one the member's ratings, one to write each), whatever its size.
BATCH_SIZE = 1000
NAME_COLUMN, YEAR_COLUMN, RATING_COLUMN, URI_COLUMN = "Name", "Year", "Rating", "Letterboxd URI"
REQUIRED_COLUMNS = (NAME_COLUMN, YEAR_COLUMN, RATING_COLUMN)
# No film's name is this long (the catalog keeps 200 characters); a longer one is a broken file.
NAME_MAX = 1000
# Film addresses as a Letterboxd export writes them (https://boxd.it/2bg8); another value in the
# column is not trusted to name a film and is left out of the matching.
_FILM_ADDRESS = re.compile(r"https://(boxd\.it|letterboxd\.com)/[A-Za-z0-9/_.-]+")
_URI_MAX = LetterboxdLink._meta.get_field("uri").max_length
_SEARCH_TITLE_MAX = Movie._meta.get_field("search_title").max_length
_YEAR = re.compile(r"[1-9][0-9]{3}")
_RATING = re.compile(r"[0-9](\.[0-9]{1,2})?")
_HALF, _HIGHEST = Decimal("0.5"), Decimal("5")
WHERE_TO_FIND = (
    "Choose ratings.csv from your Letterboxd export (Settings → Data → Export your data)."
)


@dataclass(frozen=True, slots=True)
class RatingRow:
    """One film of the file, checked."""

    line: int
    name: str
    year: int | None  # None: Letterboxd gave the film no year (it can match by address only)
    rating: Decimal
    uri: str  # "" when the row has no film address we trust

    @property
    def title_key(self) -> tuple[str, int | None]:
        # What Movie.save stores in search_title, cut to the column's length the same way.
        return rules.normalize_title(self.name)[:_SEARCH_TITLE_MAX], self.year


@dataclass(frozen=True, slots=True)
class UnmatchedRow:
    line: int
    name: str
    year: int | None


@dataclass
class RatingsUpload:
    """What an upload did. `read` counts the file's rows; each matched one is new, changed or
    unchanged; the others are listed in `unmatched`, in the file's order."""

    read: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    links_learnt: int = 0
    unmatched: list[UnmatchedRow] = field(default_factory=list)

    @property
    def matched(self) -> int:
        return self.new + self.changed + self.unchanged


def _refuse(message: str, code: str) -> ValidationError:
    return ValidationError(message, code=code)


# --- Reading the file: the whole file is checked before anything is written ----------------


def read_ratings(file) -> list[RatingRow]:
    """The rows of an uploaded ratings.csv, each checked, or a ValidationError (with a code) that
    says what is wrong with the file and where. `file` is an uploaded file (its size is looked at
    before a byte is read) or any binary file object."""
    size = getattr(file, "size", None)
    if size is not None and size > MAX_BYTES:
        raise _too_large(size)
    file.seek(0)
    data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise _too_large(None)
    if data.startswith(b"PK\x03\x04"):
        raise _refuse(
            "That is the .zip file Letterboxd sends: unzip it and choose ratings.csv inside it.",
            "zip",
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _refuse(
            "This file is not UTF-8 text, as Letterboxd writes its exports. " + WHERE_TO_FIND,
            "not_text",
        ) from None
    if "\x00" in text:
        raise _refuse(
            "This file has NUL bytes: it is not a CSV text file. " + WHERE_TO_FIND, "not_text"
        )
    return list(_checked_rows(text))


def _too_large(size: int | None) -> ValidationError:
    limit = filesizeformat(MAX_BYTES)
    what = f"This file is {filesizeformat(size)}" if size is not None else "This file is larger"
    return _refuse(
        f"{what}: a ratings.csv is far smaller, and {limit} is the most we read. " + WHERE_TO_FIND,
        "too_large",
    )


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(the line a record starts on, its values), blank lines left out."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    while True:
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error:
            raise _refuse(
                f"Line {start} is not a row of a CSV file as Letterboxd writes it (a quote "
                "left open, or a value far too long). " + WHERE_TO_FIND,
                "malformed",
            ) from None
        if values:
            yield start, values
        start = reader.line_num + 1


def _checked_rows(text: str) -> Iterator[RatingRow]:
    records = _records(text)
    first = next(records, None)
    if first is None:
        raise _refuse("This file is empty. " + WHERE_TO_FIND, "empty")
    header = [name.strip() for name in first[1]]
    columns = _columns(header)
    width = len(header)
    seen: dict[object, int] = {}
    rows = 0
    for line, values in records:
        if len(values) != width:
            raise _refuse(
                f"Line {line} has {len(values)} values where the header has {width}. A name "
                "with a comma must be in quotes, as Letterboxd writes it.",
                "malformed",
            )
        row = _row(line, *(values[at] if at is not None else "" for at in columns))
        # One film once: by its address, or by its title and year when it has none.
        key = row.uri or row.title_key
        if key in seen:
            raise _duplicate(seen[key], row)
        seen[key] = line
        rows += 1
        yield row
    if not rows:
        raise _refuse(
            "This file has a header but no ratings. Rate some films on Letterboxd, then export "
            "them again and choose ratings.csv.",
            "empty",
        )


def _columns(header: list[str]) -> tuple[int, int, int, int | None]:
    """Where Name, Year, Rating and (if there) Letterboxd URI are, by name in any case."""
    folded = [name.casefold() for name in header]

    def at(name: str) -> int | None:
        return folded.index(name.casefold()) if name.casefold() in folded else None

    missing = [name for name in REQUIRED_COLUMNS if at(name) is None]
    if missing:
        shown = ", ".join(name[:40] for name in header[:12]) + (", …" if len(header) > 12 else "")
        found = f"this file's are: {shown}" if any(header) else "this file's first line is blank"
        names = " or ".join(filter(None, [", ".join(missing[:-1]), missing[-1]]))
        if at(NAME_COLUMN) is not None and at(YEAR_COLUMN) is not None:
            # watched.csv, diary.csv, watchlist.csv: the same export's other files.
            message = (
                f"This file has no {names} column: it looks like watched.csv or diary.csv, "
                "which list films without your ratings. Choose ratings.csv from the same export. "
                f"(A ratings.csv has the columns Name, Year and Rating; {found}.)"
            )
        else:
            message = (
                f"This file has no {names} column. A ratings.csv from your Letterboxd export "
                "(Settings → Data → Export your data) has the columns Name, Year and Rating; "
                f"{found}."
            )
        raise _refuse(message, "columns")
    return at(NAME_COLUMN), at(YEAR_COLUMN), at(RATING_COLUMN), at(URI_COLUMN)


def _row(line: int, name: str, year: str, rating: str, uri: str) -> RatingRow:
    if len(name) > NAME_MAX:
        raise _refuse(
            f"Line {line} is not a film: its name is {len(name):,} characters long. "
            + WHERE_TO_FIND,
            "malformed",
        )
    name = " ".join(strip_control_characters(name).split())
    if not name:
        raise _refuse(f"Line {line} has no film name.", "malformed")
    year = year.strip()
    if year and not _YEAR.fullmatch(year):
        raise _refuse(f"Line {line} ({name[:80]}): “{year[:20]}” is not a year.", "year")
    value = _rating(rating.strip())
    if value is None:
        raise _refuse(
            f"Line {line} ({name[:80]}): the rating “{rating.strip()[:20]}” is not one Letterboxd "
            "gives. A rating is from 0.5 to 5, in half stars.",
            "rating",
        )
    uri = uri.strip()
    trusted = uri if len(uri) <= _URI_MAX and _FILM_ADDRESS.fullmatch(uri) else ""
    return RatingRow(line, name, int(year) if year else None, value, trusted)


def _rating(value: str) -> Decimal | None:
    """0.5, 1, … 5 (Letterboxd writes "4" and "4.5"), or None."""
    if not _RATING.fullmatch(value):
        return None
    try:
        rating = Decimal(value)
    except InvalidOperation:
        return None
    if not _HALF <= rating <= _HIGHEST or rating % _HALF:
        return None
    return rating.quantize(Decimal("0.1"))


def _duplicate(first_line: int, row: RatingRow) -> ValidationError:
    year = f", {row.year}" if row.year else ""
    return _refuse(
        f"The same film is in the file twice: lines {first_line} and {row.line} "
        f"({row.name[:80]}{year}). A ratings.csv names each film once: upload the one from your "
        "export as it is.",
        "duplicate",
    )


# --- Applying an upload -------------------------------------------------------------------


def upload_ratings(*, user, file) -> RatingsUpload:
    """Read a member's ratings.csv and make their ratings say what it says.

    Guarantees: a file with anything wrong with it (read_ratings) changes nothing. Otherwise, in
    one transaction: each row matched to a catalog film sets the member's rating of that film
    (a film the file does not name keeps its rating); a row matched by title and year teaches
    its Letterboxd address (LetterboxdLink), so the next upload finds it by address; results
    whose date has passed are locked first, so the upload never changes a decided season. The
    queries are a fixed few per BATCH_SIZE rows, never one per row."""
    rows = read_ratings(file)
    outcome = RatingsUpload(read=len(rows))
    with transaction.atomic():
        # The member's uploads and removals take turns: a second one waits until this one has
        # committed, so each reads the ratings the other wrote and counts new/changed right,
        # and a removal cannot slip between our read of a rating and our decision to keep it.
        _lock_member(user)
        lock_due_results()
        matches: list[tuple[RatingRow, int]] = []
        links: list[tuple[str, int]] = []
        for batch in _batches(rows):
            batch_matches, batch_links = _match(batch)
            matches += batch_matches
            links += batch_links
        matched_lines = {row.line for row, _ in matches}
        outcome.unmatched = [
            UnmatchedRow(row.line, row.name, row.year)
            for row in rows
            if row.line not in matched_lines
        ]
        _refuse_two_rows_for_one_film(matches)
        for batch in _batches(links):
            outcome.links_learnt += _insert_links(batch)
        for batch in _batches(matches):
            _write_ratings(user, batch, outcome)
    return outcome


def _batches(items: list) -> Iterator[list]:
    for start in range(0, len(items), BATCH_SIZE):
        yield items[start : start + BATCH_SIZE]


def _match(rows: list[RatingRow]) -> tuple[list[tuple[RatingRow, int]], list[tuple[str, int]]]:
    """(row, film id) for the rows of the catalog, and the (address, film id) links to learn.
    Two queries: the known addresses, then the rest by title and year on the catalog's unique
    (search_title, year) index."""
    uris = {row.uri for row in rows if row.uri}
    known = (
        dict(LetterboxdLink.objects.filter(uri__in=uris).values_list("uri", "movie_id"))
        if uris
        else {}
    )
    by_title = [row for row in rows if row.uri not in known and row.year is not None]
    in_catalog: dict[tuple[str, int], int] = {}
    if by_title:
        keys = {row.title_key for row in by_title}
        # The titles and the years each as an IN list: the index finds every title's films
        # (a handful each), and the pairs that are not in the file are dropped here.
        for pk, search_title, year in (
            Movie.objects.filter(
                search_title__in={title for title, _ in keys}, year__in={y for _, y in keys}
            )
            .order_by()
            .values_list("pk", "search_title", "year")
        ):
            if (search_title, year) in keys:
                in_catalog[(search_title, year)] = pk
    matches, links = [], []
    for row in rows:
        if row.uri in known:
            matches.append((row, known[row.uri]))
        elif (movie_id := in_catalog.get(row.title_key)) is not None:
            matches.append((row, movie_id))
            if row.uri:
                links.append((row.uri, movie_id))
    return matches, links


def _refuse_two_rows_for_one_film(matches: list[tuple[RatingRow, int]]) -> None:
    """Two rows of the file that are one catalog film (two Letterboxd addresses for one title
    and year): which rating is meant cannot be told, so the file is refused."""
    first: dict[int, RatingRow] = {}
    for row, movie_id in matches:
        if movie_id in first:
            raise _duplicate(first[movie_id].line, row)
        first[movie_id] = row


# One statement for a whole batch, whatever its size: the rows travel as one JSON parameter.
# (Django's bulk_create cuts an insert into pieces of 999 parameters on SQLite, so its number
# of queries would grow with the rows.)
_JSON_ROWS = {
    "postgresql": "FROM jsonb_array_elements(%s::jsonb) AS r(value)",
    "sqlite": "FROM json_each(%s) AS r WHERE true",
}


def _json_value(index: int, cast: str) -> str:
    if connection.vendor == "postgresql":
        return f"(r.value->>{index})::{cast}"
    return f"json_extract(r.value, '$[{index}]')"


def _insert_links(links: list[tuple[str, int]]) -> int:
    """Learn these addresses; one another member's upload learnt meanwhile is kept."""
    table = LetterboxdLink._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (uri, movie_id) "
            f"SELECT {_json_value(0, 'text')}, {_json_value(1, 'bigint')} "
            f"{_JSON_ROWS[connection.vendor]} ON CONFLICT (uri) DO NOTHING",
            [json.dumps(links)],
        )
        return cursor.rowcount


def _write_ratings(user, matches: list[tuple[RatingRow, int]], outcome: RatingsUpload) -> None:
    """Count and write one batch: a rating the member did not have is new, another one changed;
    one the same as theirs is not written (its date stays)."""
    current = dict(
        MemberRating.objects.filter(
            user=user, movie_id__in=[movie_id for _, movie_id in matches]
        ).values_list("movie_id", "rating")
    )
    writes = []
    for row, movie_id in matches:
        if movie_id not in current:
            outcome.new += 1
        elif current[movie_id] != row.rating:
            outcome.changed += 1
        else:
            outcome.unchanged += 1
            continue
        writes.append((movie_id, str(row.rating)))
    if not writes:
        return
    table = MemberRating._meta.db_table
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, movie_id, rating, updated_at) "
            f"SELECT %s, {_json_value(0, 'bigint')}, {_json_value(1, 'numeric')}, %s "
            f"{_JSON_ROWS[connection.vendor]} "
            "ON CONFLICT (user_id, movie_id) "
            "DO UPDATE SET rating = excluded.rating, updated_at = excluded.updated_at",
            [user.pk, now, json.dumps(writes)],
        )


def _lock_member(user) -> None:
    get_user_model().objects.select_for_update(no_key=True).filter(pk=user.pk).exists()


def remove_ratings(*, user) -> int:
    """Remove every rating of the member; how many there were. Results whose date has passed
    are locked first, so a removal never changes a decided season."""
    with transaction.atomic():
        _lock_member(user)
        lock_due_results()
        removed, _ = MemberRating.objects.filter(user=user).delete()
    return removed


# --- Reading ratings ----------------------------------------------------------------------


@dataclass(frozen=True)
class RatingsSummary:
    count: int
    last_updated: datetime | None


def ratings_summary(user) -> RatingsSummary:
    """How many films the member has rated here and when they last changed: one query."""
    found = MemberRating.objects.filter(user=user).aggregate(
        count=Count("pk"), last=Max("updated_at")
    )
    return RatingsSummary(found["count"], found["last"])
