import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser, OutputWrapper

from draft import importers
from draft.importers import ImportResult, Progress


class Command(BaseCommand):
    help = (
        "Import films from IMDb's public datasets (title.basics, optionally title.crew and "
        "name.basics for directors; title.ratings for ratings; gzipped or plain) and/or match "
        "a Letterboxd CSV export against the catalog. Safe to run again: it only changes what "
        "changed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--imdb-basics", type=Path, metavar="PATH", help="title.basics.tsv.gz")
        parser.add_argument("--imdb-crew", type=Path, metavar="PATH", help="title.crew.tsv.gz")
        parser.add_argument("--imdb-names", type=Path, metavar="PATH", help="name.basics.tsv.gz")
        parser.add_argument(
            "--imdb-ratings",
            type=Path,
            metavar="PATH",
            help="title.ratings.tsv.gz: the rating and votes of the catalog's films, by IMDb id "
            "(read after --imdb-basics when both are given).",
        )
        parser.add_argument(
            "--letterboxd", type=Path, metavar="PATH", help="watched.csv, ratings.csv…"
        )
        parser.add_argument(
            "--create-missing",
            action="store_true",
            help="Add the Letterboxd films that are not in the catalog (title and year only).",
        )
        parser.add_argument(
            "--batch-size", type=int, default=importers.DEFAULT_BATCH_SIZE, metavar="N"
        )
        parser.add_argument(
            "--min-year", type=int, metavar="Y", help="Skip IMDb films released before Y."
        )

    def handle(self, *args, **options):
        basics, crew, names = options["imdb_basics"], options["imdb_crew"], options["imdb_names"]
        ratings, letterboxd = options["imdb_ratings"], options["letterboxd"]
        if not (basics or ratings or letterboxd):
            raise CommandError(
                "Nothing to import: give --imdb-basics, --imdb-ratings and/or --letterboxd."
            )
        if (crew or names) and not (basics and crew and names):
            raise CommandError("Directors need --imdb-basics, --imdb-crew and --imdb-names.")
        if options["create_missing"] and not letterboxd:
            raise CommandError("--create-missing goes with --letterboxd.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")

        # A bar on a terminal only: in a log or a pipe it would be noise.
        bar = ProgressBar(self.stdout) if self.stdout.isatty() else None
        try:
            if basics:
                started = time.monotonic()
                try:
                    result = importers.import_imdb(
                        basics=basics,
                        crew=crew,
                        names=names,
                        batch_size=options["batch_size"],
                        min_year=options["min_year"],
                        progress=bar,
                    )
                finally:
                    if bar:
                        bar.clear()
                took = time.monotonic() - started
                self._report_imdb(basics, result, min_year=options["min_year"], took=took)
            if ratings:
                # After the films of the same run are written, so that new films get theirs.
                # The importer sends catalog_ratings_changing before it writes a rating.
                started = time.monotonic()
                try:
                    result = importers.import_imdb_ratings(
                        path=ratings, batch_size=options["batch_size"], progress=bar
                    )
                finally:
                    if bar:
                        bar.clear()
                self._report_ratings(ratings, result, took=time.monotonic() - started)
            if letterboxd:
                result = importers.import_letterboxd(
                    path=letterboxd,
                    create_missing=options["create_missing"],
                    batch_size=options["batch_size"],
                )
                self._report_letterboxd(letterboxd, result, options["create_missing"])
        except (OSError, importers.ImportFileError) as error:
            raise CommandError(str(error)) from error

    def _report_imdb(
        self, path: Path, result: ImportResult, *, min_year: int | None, took: float
    ) -> None:
        say = self.stdout.write
        say(self.style.SUCCESS(f"IMDb {path.name}: read {rows(result.read)}."))
        rate = result.read / max(took, 0.001)
        say(f"  Kept {films(result.kept)}; took {duration(took)} ({rate:,.0f} rows a second).")
        say(
            f"  Films: {result.created:,} created, {result.updated:,} updated, "
            f"{result.attached:,} catalog films given their IMDb id, "
            f"{result.unchanged:,} unchanged."
        )
        skipped = (
            f"  Skipped: {result.skipped_not_movie:,} not feature films, "
            f"{result.skipped_adult:,} adult, {result.skipped_no_year:,} without a year"
        )
        if min_year:
            skipped += f", {result.skipped_before_min_year:,} released before {min_year}"
        say(skipped + ".")
        if result.runtimes_dropped:
            say(f"  {result.runtimes_dropped:,} runtimes too long to store were left out.")
        if result.crew_read or result.names_read:
            say(
                f"  Directors: read {rows(result.crew_read)} of crew and "
                f"{rows(result.names_read)} of names; directors changed on "
                f"{films(result.directors_updated)}; "
                f"{result.directors_unresolved:,} director ids had no name."
            )
        self._report_problems(result)

    def _report_ratings(self, path: Path, result: ImportResult, *, took: float) -> None:
        say = self.stdout.write
        say(self.style.SUCCESS(f"IMDb {path.name}: read {rows(result.read)}."))
        rate = result.read / max(took, 0.001)
        say(f"  Took {duration(took)} ({rate:,.0f} rows a second).")
        say(
            f"  Ratings: {films(result.ratings_updated)} updated, "
            f"{result.ratings_unchanged:,} unchanged, "
            f"{result.ratings_not_in_catalog:,} for titles not in the catalog."
        )
        self._report_problems(result, duplicates_are="the same IMDb id again")

    def _report_letterboxd(self, path: Path, result: ImportResult, create_missing: bool) -> None:
        say = self.stdout.write
        say(self.style.SUCCESS(f"Letterboxd {path.name}: read {rows(result.read)}."))
        say(f"  {result.matched:,} matched a film in the catalog, {result.unmatched:,} did not.")
        if create_missing:
            say(f"  Created {films(result.created)} (title and year only).")
        if result.unmatched_films:
            listed = "; ".join(result.unmatched_films)
            say(f"  Not in the catalog{' before' if create_missing else ''}: {listed}.")
        if result.posters:
            say(f"  Posters: {films(result.posters)} given the poster address of the file.")
        if result.posters_ignored:
            self.stdout.write(
                self.style.WARNING(
                    f"  Poster addresses left out: {result.posters_ignored:,} "
                    "(the films were kept without them)."
                )
            )
            for note in result.ignored_poster_rows:
                self.stdout.write(f"    {note}")
        self._report_problems(result)

    def _report_problems(
        self,
        result: ImportResult,
        *,
        duplicates_are: str = "another film has the same title and year",
    ) -> None:
        if result.duplicates:
            self.stdout.write(
                self.style.WARNING(
                    f"  Duplicates skipped: {result.duplicates:,} ({duplicates_are})."
                )
            )
            for note in result.duplicate_rows:
                self.stdout.write(f"    {note}")
        if result.malformed:
            self.stdout.write(
                self.style.WARNING(f"  Malformed rows skipped: {result.malformed:,}.")
            )
            for note in result.malformed_rows:
                self.stdout.write(f"    {note}")
        shown = len(result.duplicate_rows) + len(result.malformed_rows)
        if result.duplicates + result.malformed > shown:
            self.stdout.write(f"    (the first {importers.MAX_SAMPLES} of each are listed)")


def rows(count: int) -> str:
    return f"{count:,} row" if count == 1 else f"{count:,} rows"


def films(count: int) -> str:
    return f"{count:,} film" if count == 1 else f"{count:,} films"


def kept(progress: Progress) -> str:
    if progress.kept_as == "films":
        return films(progress.kept)
    return f"{progress.kept:,} {progress.kept_as}"


def duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes} min {seconds:02d} s"


class ProgressBar:
    """One line on a terminal, redrawn at most five times a second: how much of the file has
    been read, its rows read, the films kept and the time taken so far."""

    WIDTH = 30

    def __init__(self, out: OutputWrapper):
        self.out = out
        self.started = time.monotonic()
        self.drawn = 0.0

    def __call__(self, progress: Progress) -> None:
        now = time.monotonic()
        if now - self.drawn < 0.2 and progress.done < 1:
            return
        self.drawn = now
        full = round(progress.done * self.WIDTH)
        elapsed = round(now - self.started)
        self.out.write(
            f"\r{progress.file} [{'#' * full}{'.' * (self.WIDTH - full)}] {progress.done:4.0%} "
            f"{rows(progress.read)} read, {kept(progress)} kept, "
            f"{elapsed // 60}:{elapsed % 60:02d}\x1b[K",
            ending="",
        )
        self.out.flush()

    def clear(self) -> None:
        self.out.write("\r\x1b[K", ending="")
        self.out.flush()
