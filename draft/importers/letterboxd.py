"""A Letterboxd CSV export: its films matched to the catalog by title and year (and, if asked,
the ones missing added)."""

from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

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
