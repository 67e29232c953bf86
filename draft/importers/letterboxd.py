"""A Letterboxd CSV export: its films matched to the catalog by title and year (and, if asked,
the ones missing added). A CSV file of the same shape with a poster column (a list of films
made from another dataset) gives its films their poster's address."""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from draft.importers.common import (
    DEFAULT_BATCH_SIZE,
    LETTERBOXD_COLUMNS,
    ImportResult,
    RowNote,
    _batches,
    _BatchOutcome,
    _clash,
    _MalformedRow,
    _rows,
    _title,
    _write_batch,
    _year,
)
from draft.models import Movie

# A column holding a film's poster address, by any of these names (case, spaces and
# underscores aside): "Poster", "Poster URL", "poster_link"…
POSTER_COLUMNS = {"poster", "posterurl", "posterlink"}
_POSTER_MAX = Movie._meta.get_field("poster_url").max_length
# Pages show a poster address in an <img>, under a Content-Security-Policy that allows https.
_https_address = URLValidator(schemes=["https"])


@dataclass(frozen=True, slots=True)
class _LetterboxdFilm:
    line: int
    title: str
    search_title: str
    year: int
    poster_url: str = ""

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
    `create_missing`, an unmatched film is created with its title and year (and poster) only; a
    second row for it (a re-watch in the diary) then counts as matched.

    A row's poster address (POSTER_COLUMNS), if it is an https address, becomes its film's
    `poster_url`, matched or created; one that is not is reported and left out, the film kept.
    A row without one leaves the film's as it was. A poster a member uploaded is shown before
    either (Movie.poster_src).
    """
    if batch_size < 1:
        raise ValueError("The batch size must be at least 1.")
    path = Path(path)
    result = ImportResult()
    write = partial(_write_letterboxd_films, create_missing=create_missing)
    for batch in _batches(_letterboxd_films(path, result), batch_size):
        result.merge(_write_batch(write, batch, on_clash=partial(_clash, file=path.name)))
    return result


def _poster_column(header: list[str]) -> int | None:
    names = [column.lower().replace(" ", "").replace("_", "") for column in header]
    return next((at for at, name in enumerate(names) if name in POSTER_COLUMNS), None)


def _poster(value: str) -> str:
    """The poster address of a row, or "" for none; a reason when it cannot be used."""
    address = value.strip()
    if not address:
        return ""
    if len(address) > _POSTER_MAX:
        raise _MalformedRow(f"poster address longer than {_POSTER_MAX} characters")
    try:
        _https_address(address)
    except ValidationError:
        raise _MalformedRow(f"poster is not an https address: {address[:80]!r}") from None
    return address


def _letterboxd_films(path: Path, result: ImportResult) -> Iterator[_LetterboxdFilm]:
    rows = _rows(path, LETTERBOXD_COLUMNS, result, tsv=False, count="read", optional=_poster_column)
    for line, (name, year, poster) in rows:
        try:
            title, search_title = _title(name)
            year = _year(year.strip())
        except _MalformedRow as error:
            result.add_malformed(RowNote(path.name, line, str(error)))
            continue
        try:
            poster_url = _poster(poster)
        except _MalformedRow as error:
            result.add_ignored_poster(RowNote(path.name, line, str(error)))
            poster_url = ""
        yield _LetterboxdFilm(line, title, search_title, year, poster_url)


def _write_letterboxd_films(films: list[_LetterboxdFilm], *, create_missing: bool) -> _BatchOutcome:
    outcome = _BatchOutcome()
    in_catalog = {
        (search_title, year): Movie(pk=pk, poster_url=poster_url)
        for pk, search_title, year, poster_url in Movie.objects.filter(
            search_title__in={film.search_title for film in films},
            year__in={film.year for film in films},
        )
        .order_by()
        .values_list("pk", "search_title", "year", "poster_url")
    }
    new: dict[tuple[str, int], Movie] = {}
    posters: dict[int, Movie] = {}
    for film in films:
        known = in_catalog.get(film.key) or new.get(film.key)
        if known is not None:
            outcome.counts["matched"] += 1
            if film.poster_url and known.poster_url != film.poster_url:
                known.poster_url = film.poster_url
                if known.pk is not None:
                    posters[known.pk] = known
            continue
        outcome.counts["unmatched"] += 1
        outcome.unmatched_films.append(str(film))
        if create_missing:
            # bulk_create skips Movie.save(), which normally sets search_title.
            new[film.key] = Movie(
                title=film.title,
                year=film.year,
                search_title=film.search_title,
                poster_url=film.poster_url,
            )
    Movie.objects.bulk_create(new.values())
    Movie.objects.bulk_update(posters.values(), ["poster_url"])
    outcome.counts["created"] = len(new)
    outcome.counts["posters"] = len(posters) + sum(1 for m in new.values() if m.poster_url)
    return outcome
