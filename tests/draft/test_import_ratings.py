"""IMDb's ratings in the catalog: title.ratings, from small files written here.

Line numbers in the files count the header as line 1, as an editor does.
"""

import gzip
import random
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext

from draft import rules
from draft.importers import ImportFileError, common, import_imdb_ratings, ratings
from draft.models import Movie
from draft.signals import catalog_ratings_changing
from tests.draft.factories import make_movie
from tests.draft.test_import import (
    BASICS_HEADER,
    WRITES_TO_CATALOG,
    Terminal,
    counts,
    measure,
    row_versions,
    title_row,
    write,
)

pytestmark = pytest.mark.django_db

RATINGS_HEADER = "tconst\taverageRating\tnumVotes"
RATING_COUNTS = (
    "read", "kept", "ratings_updated", "ratings_unchanged", "ratings_not_in_catalog",
    "duplicates", "malformed",
)  # fmt: skip


def rating_row(tconst: str, rating: str, votes: str) -> str:
    return f"{tconst}\t{rating}\t{votes}"


def catalog_ratings() -> dict[str, tuple[Decimal | None, int | None]]:
    return {
        title: (rating, votes)
        for title, rating, votes in Movie.objects.values_list("title", "imdb_rating", "imdb_votes")
    }


@pytest.fixture
def catalog():
    make_movie("Heat", 1995, imdb_id="tt0113277")
    make_movie("Ronin", 1998, imdb_id="tt0122690")
    # Rated by an earlier import.
    make_movie("Laura", 1944, imdb_id="tt0037008", imdb_rating=Decimal("8.0"), imdb_votes=50_000)
    # Entered by hand (or by the demo) with a rating, and no IMDb id: no IMDb row is its.
    make_movie("Her", 2013, imdb_rating=Decimal("8.0"), imdb_votes=700_000)
    # Not in the file: keeps no rating.
    make_movie("Perfect Days", 2023, imdb_id="tt27503384")


RATED = [
    rating_row("tt0000001", "5.7", "2100"),  # line 2: a short, not in the catalog
    rating_row("tt0113277", "8.3", "720000"),  # Heat
    rating_row("tt0122690", "7.2", "240000"),  # Ronin
    rating_row("tt0037008", "8.0", "50000"),  # line 5: Laura, as it was
    rating_row("tt9999999", "10.0", "5"),  # an episode, not in the catalog
]
AFTER_RATED = {
    "Heat": (Decimal("8.3"), 720_000),
    "Ronin": (Decimal("7.2"), 240_000),
    "Laura": (Decimal("8.0"), 50_000),
    "Her": (Decimal("8.0"), 700_000),
    "Perfect Days": (None, None),
}


@pytest.mark.parametrize("name", ["title.ratings.tsv.gz", "title.ratings.tsv"])
def test_counts_and_fields(tmp_path, catalog, name):
    result = import_imdb_ratings(path=write(tmp_path / name, RATINGS_HEADER, RATED))

    assert counts(result, *RATING_COUNTS) == {
        "read": 5, "kept": 5, "ratings_updated": 2, "ratings_unchanged": 1,
        "ratings_not_in_catalog": 2, "duplicates": 0, "malformed": 0,
    }  # fmt: skip
    # A film without an IMDb id keeps its rating; a film the file does not rate keeps none.
    assert catalog_ratings() == AFTER_RATED
    # The other imports' counts are left at nothing.
    assert counts(result, "created", "updated", "unchanged", "matched") == {
        "created": 0,
        "updated": 0,
        "unchanged": 0,
        "matched": 0,
    }


def test_a_second_run_of_the_same_file_writes_nothing(tmp_path, catalog):
    path = write(tmp_path / "title.ratings.tsv.gz", RATINGS_HEADER, RATED)
    import_imdb_ratings(path=path, batch_size=2)
    versions = row_versions() if connection.vendor == "postgresql" else {}

    with CaptureQueriesContext(connection) as queries:
        again = import_imdb_ratings(path=path, batch_size=2)

    assert counts(again, "ratings_updated", "ratings_unchanged", "ratings_not_in_catalog") == {
        "ratings_updated": 0,
        "ratings_unchanged": 3,
        "ratings_not_in_catalog": 2,
    }
    # Not even a statement that would change no row: on PostgreSQL it would still fire the
    # page cache's statement trigger and make every kept page new.
    assert [q["sql"] for q in queries if WRITES_TO_CATALOG.search(q["sql"])] == []
    if connection.vendor == "postgresql":
        assert row_versions() == versions
    assert catalog_ratings() == AFTER_RATED


def test_a_changed_rating_or_vote_count_updates_that_film_only(tmp_path, catalog):
    path = write(tmp_path / "title.ratings.tsv.gz", RATINGS_HEADER, RATED)
    import_imdb_ratings(path=path)
    before = row_versions() if connection.vendor == "postgresql" else {}
    write(
        path,
        RATINGS_HEADER,
        [
            rating_row("tt0113277", "8.3", "720001"),  # Heat: one more vote
            rating_row("tt0122690", "7.2", "240000"),
            rating_row("tt0037008", "7.9", "50000"),  # Laura: a new average
            rating_row("tt27503384", "7.9", "60000"),  # Perfect Days: rated at last
        ],
    )

    result = import_imdb_ratings(path=path, batch_size=3)

    assert counts(result, "ratings_updated", "ratings_unchanged", "ratings_not_in_catalog") == {
        "ratings_updated": 3,
        "ratings_unchanged": 1,
        "ratings_not_in_catalog": 0,
    }
    assert catalog_ratings() == {
        **AFTER_RATED,
        "Heat": (Decimal("8.3"), 720_001),
        "Laura": (Decimal("7.9"), 50_000),
        "Perfect Days": (Decimal("7.9"), 60_000),
    }
    if connection.vendor == "postgresql":
        after = row_versions()
        changed = sorted(imdb_id for imdb_id in after if after[imdb_id] != before[imdb_id])
        assert changed == ["tt0037008", "tt0113277", "tt27503384"]


def test_an_id_twice_in_a_batch_is_reported_and_the_first_kept(tmp_path, catalog):
    path = write(
        tmp_path / "title.ratings.tsv",
        RATINGS_HEADER,
        [rating_row("tt0113277", "8.3", "720000"), rating_row("tt0113277", "1.0", "1")],
    )

    result = import_imdb_ratings(path=path)

    assert counts(result, "ratings_updated", "duplicates") == {
        "ratings_updated": 1,
        "duplicates": 1,
    }
    assert [str(note) for note in result.duplicate_rows] == [
        "title.ratings.tsv line 3: tt0113277 again"
    ]
    assert catalog_ratings()["Heat"] == (Decimal("8.3"), 720_000)


# --- Bad rows ------------------------------------------------------------------------------

MALFORMED = [
    rating_row("tt0113277", "8.3", "720000"),  # line 2: Heat, good
    "tt0000002\t7.2",
    "tt0000002\t7.2\t10\textra",
    rating_row("nm0000001", "7.0", "10"),  # line 5
    rating_row("tt", "7.0", "10"),
    rating_row("tt12a4", "7.0", "10"),
    rating_row("tt1234567890123", "7.0", "10"),  # longer than the catalog stores
    rating_row("tt0000002", "0.9", "10"),  # line 9
    rating_row("tt0000002", "10.1", "10"),
    rating_row("tt0000002", "7", "10"),
    rating_row("tt0000002", "7.25", "10"),
    rating_row("tt0000002", "seven", "10"),  # line 13
    rating_row("tt0000002", r"\N", "10"),
    rating_row("tt0000002", "٧.٥", "10"),  # digits, but not ASCII ones
    rating_row("tt0000002", "7.0", "-5"),
    rating_row("tt0000002", "7.0", "1.5"),  # line 17
    rating_row("tt0000002", "7.0", ""),
    rating_row("tt0000002", "7.0", "99999999999"),
    rating_row("tt0122690", "7.2", "240000"),  # line 20: Ronin, good
]


def test_malformed_rows_are_reported_with_their_line_and_the_rest_imported(
    tmp_path, catalog, monkeypatch
):
    monkeypatch.setattr(common, "MAX_SAMPLES", 100)
    path = write(tmp_path / "title.ratings.tsv.gz", RATINGS_HEADER, MALFORMED)

    result = import_imdb_ratings(path=path, batch_size=2)

    assert counts(result, "read", "kept", "ratings_updated", "malformed") == {
        "read": 19,
        "kept": 2,
        "ratings_updated": 2,
        "malformed": 17,
    }
    assert [(note.line, note.reason) for note in result.malformed_rows] == [
        (3, "wrong number of columns (2, expected 3)"),
        (4, "wrong number of columns (4, expected 3)"),
        (5, "not an IMDb title id: 'nm0000001'"),
        (6, "not an IMDb title id: 'tt'"),
        (7, "not an IMDb title id: 'tt12a4'"),
        (8, "not an IMDb title id: 'tt1234567890123'"),
        (9, "averageRating out of range (1.0 to 10.0): 0.9"),
        (10, "averageRating out of range (1.0 to 10.0): 10.1"),
        (11, "averageRating is not a rating with one decimal: '7'"),
        (12, "averageRating is not a rating with one decimal: '7.25'"),
        (13, "averageRating is not a rating with one decimal: 'seven'"),
        (14, r"averageRating is not a rating with one decimal: '\\N'"),
        (15, "averageRating is not a rating with one decimal: '٧.٥'"),
        (16, "numVotes is not a whole number of votes: '-5'"),
        (17, "numVotes is not a whole number of votes: '1.5'"),
        (18, "numVotes is not a whole number of votes: ''"),
        (19, "numVotes too large to store: '99999999999'"),
    ]
    assert str(result.malformed_rows[0]) == (
        "title.ratings.tsv.gz line 3: wrong number of columns (2, expected 3)"
    )
    assert catalog_ratings()["Heat"] == (Decimal("8.3"), 720_000)
    assert catalog_ratings()["Ronin"] == (Decimal("7.2"), 240_000)
    # The report keeps the first ten; the count covers them all.
    monkeypatch.undo()
    again = import_imdb_ratings(path=path)
    assert (again.malformed, len(again.malformed_rows)) == (17, 10)


def test_nul_bytes_control_characters_and_long_lines(tmp_path, catalog):
    path = tmp_path / "title.ratings.tsv"
    lines = [
        RATINGS_HEADER.encode(),
        b"tt0113277\x00\t8.3\t720000",  # line 2
        b"tt0113277\t8.3\x00\t720000",
        b"tt01\x0122690\t7.2\t240000",
        b"tt0122690\t7.2\x1b\t240000",  # line 5
        b"tt0037008\t8.1\t5\x0b0",
        b"\xff\xfett0037008\t8.1\t50000",  # not UTF-8
        b"tt0000010\t" + b"9" * 100_000 + b"\t10",  # line 8: a 100 KB line
        b"tt0000011\t1.0\t" + b"1" * 300_000,  # a field longer than the csv module reads
        b"tt0000012\t5.0\r10",  # a carriage return alone ends a line: lines 10 and 11
        b"tt0113277\t8.3\t720000",  # line 12: Heat, good
        b"tt0122690\t7.2\t240000",  # Ronin, good
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")

    result = import_imdb_ratings(path=path)

    assert counts(result, "read", "kept", "ratings_updated", "malformed") == {
        "read": 12,
        "kept": 2,
        "ratings_updated": 2,
        "malformed": 10,
    }
    assert [(note.line, note.reason) for note in result.malformed_rows] == [
        (2, "a NUL character"),
        (3, "a NUL character"),
        (4, r"not an IMDb title id: 'tt01\x0122690'"),
        (5, r"averageRating is not a rating with one decimal: '7.2\x1b'"),
        (6, r"numVotes is not a whole number of votes: '5\x0b0'"),
        (7, "not an IMDb title id: '\ufffd\ufffdtt0037008'"),
        (
            8,
            f"averageRating is not a rating with one decimal: '{'9' * 40}'… (100,000 characters)",
        ),
        (9, "unreadable: field larger than field limit (131072)"),
        (10, "wrong number of columns (2, expected 3)"),
        (11, "wrong number of columns (1, expected 3)"),
    ]
    assert catalog_ratings() == {
        **AFTER_RATED,
        "Laura": (Decimal("8.0"), 50_000),  # its bad rows changed nothing
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "title.ratings.tsv is empty."),
        (
            "tt0113277\t8.3\t720000\n",
            "title.ratings.tsv has no tconst, averageRating, numVotes column "
            "(its header is: tt0113277, 8.3, 720000).",
        ),
        (
            BASICS_HEADER + "\n" + title_row("tt0113277", "Heat", "1995") + "\n",
            "title.ratings.tsv has no averageRating, numVotes column (its header is: tconst, ",
        ),
        (
            "tconst\trating\tnumVotes\ntt0113277\t8.3\t720000\n",
            "title.ratings.tsv has no averageRating column "
            "(its header is: tconst, rating, numVotes).",
        ),
    ],
    ids=["empty", "no header", "the basics file", "a column renamed"],
)
def test_a_file_without_the_header_is_refused_and_changes_nothing(
    tmp_path, catalog, content, message
):
    path = tmp_path / "title.ratings.tsv"
    path.write_text(content, encoding="utf-8")
    before = catalog_ratings()
    heard = []
    catalog_ratings_changing.connect(heard.append)
    try:
        with pytest.raises(ImportFileError) as refused:
            import_imdb_ratings(path=path)
    finally:
        catalog_ratings_changing.disconnect(heard.append)

    assert str(refused.value).startswith(message)
    assert catalog_ratings() == before
    assert heard == []  # nothing will change: the results are not told it will


def test_the_results_hear_of_the_change_before_any_rating_is_written(tmp_path, catalog):
    """Receivers of catalog_ratings_changing (results: lock what its date has decided) see the
    ratings as they were, once, however many batches the file takes."""
    path = write(tmp_path / "title.ratings.tsv.gz", RATINGS_HEADER, RATED)
    before = catalog_ratings()
    heard = []

    def receiver(sender, **kwargs):
        heard.append((sender, catalog_ratings()))

    catalog_ratings_changing.connect(receiver)
    try:
        import_imdb_ratings(path=path, batch_size=1)
    finally:
        catalog_ratings_changing.disconnect(receiver)

    assert heard == [(None, before)]
    assert catalog_ratings() == AFTER_RATED


def test_progress_is_told_as_the_file_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "PROGRESS_EVERY", 2)
    path = write(tmp_path / "title.ratings.tsv", RATINGS_HEADER, [*RATED, "broken"])
    heard = []

    import_imdb_ratings(path=path, progress=heard.append)

    assert [(p.file, p.read, p.kept, p.kept_as) for p in heard] == [
        ("title.ratings.tsv", 2, 1, "ratings"),
        ("title.ratings.tsv", 4, 3, "ratings"),
        ("title.ratings.tsv", 6, 5, "ratings"),
        ("title.ratings.tsv", 6, 5, "ratings"),
    ]
    assert heard[-1].done == 1.0


def test_debug_query_log_is_cleared_batch_by_batch(tmp_path, catalog, settings):
    settings.DEBUG = True
    path = write(tmp_path / "title.ratings.tsv.gz", RATINGS_HEADER, RATED)
    reset_queries()

    result = import_imdb_ratings(path=path, batch_size=1)

    assert result.ratings_updated == 2
    assert connection.queries == []


# --- PostgreSQL's writer --------------------------------------------------------------------


def random_catalog(rng: random.Random) -> None:
    """Films tt0000001 to tt0000030, some of them left out, rated or not."""
    films = []
    for n in range(1, 31):
        if rng.random() < 0.3:
            continue
        rated = rng.random() < 0.6
        films.append(
            Movie(
                title=f"Film {n}",
                search_title=rules.normalize_title(f"Film {n}"),
                year=2000,
                imdb_id=f"tt{n:07d}",
                imdb_rating=Decimal(rng.choice(["6.0", "7.5", "8.1"])) if rated else None,
                imdb_votes=rng.choice([10, 2000]) if rated else None,
            )
        )
    Movie.objects.bulk_create(films)


def random_batch(rng: random.Random) -> list[ratings._ImdbRating]:
    """Ratings for ids 1 to 40 (the catalog has at most 30), sometimes one twice."""
    return [
        ratings._ImdbRating(
            line=line,
            imdb_id=f"tt{rng.randint(1, 40):07d}",
            rating=Decimal(rng.choice(["6.0", "7.5", "8.1"])),
            votes=rng.choice([10, 2000]),
        )
        for line in range(2, 2 + rng.randint(1, 25))
    ]


@pytest.mark.postgresql  # PostgreSQL's own writer (COPY and UPDATE ... FROM)
def test_the_postgres_writer_does_as_the_python_writer():
    writers = [ratings._write_ratings, ratings._write_ratings_in_postgres]
    with ratings._staging_table():
        for seed in range(300):
            seen = []
            for writer in writers:
                rng = random.Random(seed)
                with transaction.atomic():
                    random_catalog(rng)
                    outcome = writer(random_batch(rng), file="t.tsv")
                    catalog = Movie.objects.values_list("imdb_id", "imdb_rating", "imdb_votes")
                    seen.append(
                        (
                            +outcome.counts,
                            [str(note) for note in outcome.duplicate_rows],
                            sorted(catalog),
                        )
                    )
                    transaction.set_rollback(True)
            assert seen[0] == seen[1], f"seed {seed}"


# --- The command ---------------------------------------------------------------------------


def test_command_reports_in_plain_words(tmp_path, catalog):
    path = write(
        tmp_path / "title.ratings.tsv.gz",
        RATINGS_HEADER,
        [*RATED, "tt0000002\t7.2", rating_row("tt0113277", "1.0", "1")],
    )
    out = StringIO()

    call_command("import_movies", "--imdb-ratings", str(path), stdout=out)

    report = out.getvalue()
    assert "IMDb title.ratings.tsv.gz: read 7 rows." in report
    assert "  Took " in report
    assert "Ratings: 2 films updated, 1 unchanged, 2 for titles not in the catalog." in report
    assert "Duplicates skipped: 1 (the same IMDb id again)." in report
    assert "title.ratings.tsv.gz line 8: tt0113277 again" in report
    assert "Malformed rows skipped: 1." in report
    assert "title.ratings.tsv.gz line 7: wrong number of columns (2, expected 3)" in report
    assert catalog_ratings() == AFTER_RATED


def test_command_reads_the_ratings_after_the_films_of_the_same_run(tmp_path):
    basics = write(
        tmp_path / "title.basics.tsv.gz",
        BASICS_HEADER,
        [title_row("tt0113277", "Heat", "1995"), title_row("tt0122690", "Ronin", "1998")],
    )
    ratings_file = write(tmp_path / "title.ratings.tsv.gz", RATINGS_HEADER, RATED)
    out = StringIO()

    call_command(
        "import_movies", "--imdb-ratings", str(ratings_file), "--imdb-basics", str(basics),
        stdout=out,
    )  # fmt: skip

    report = out.getvalue()
    assert report.index("title.basics.tsv.gz: read 2 rows.") < report.index(
        "title.ratings.tsv.gz: read 5 rows."
    )
    assert "Films: 2 created" in report
    assert "Ratings: 2 films updated, 0 unchanged, 3 for titles not in the catalog." in report
    assert catalog_ratings() == {
        "Heat": (Decimal("8.3"), 720_000),
        "Ronin": (Decimal("7.2"), 240_000),
    }


def test_command_refuses_what_it_cannot_read(tmp_path):
    with pytest.raises(CommandError, match="give --imdb-basics, --imdb-ratings and/or"):
        call_command("import_movies")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_movies", "--imdb-ratings", str(tmp_path / "missing.tsv.gz"))
    wrong = write(tmp_path / "title.ratings.tsv", "tconst\trating", [])
    with pytest.raises(CommandError, match="has no averageRating, numVotes column"):
        call_command("import_movies", "--imdb-ratings", str(wrong))


def test_command_draws_a_progress_bar_on_a_terminal(tmp_path, catalog):
    path = write(tmp_path / "title.ratings.tsv.gz", RATINGS_HEADER, RATED)
    terminal = Terminal()

    call_command("import_movies", "--imdb-ratings", str(path), stdout=terminal)

    bar, _, report = terminal.getvalue().rpartition("\r\x1b[K")
    assert f"\rtitle.ratings.tsv.gz [{'#' * 30}] 100% 5 rows read, 5 ratings kept, " in bar
    assert "Ratings: 2 films updated" in report


# --- Memory --------------------------------------------------------------------------------


def write_big_ratings(path: Path, rows: int, first_id: int) -> Path:
    """`rows` rows of title.ratings, as IMDb ships it: sorted by id, one decimal, votes."""
    with gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=1) as handle:
        handle.write(RATINGS_HEADER + "\n")
        for n in range(first_id, first_id + rows):
            handle.write(f"tt{n:08d}\t{1 + n % 91 / 10:.1f}\t{5 + n % 99_991}\n")
    return path


def make_catalog_for(first_id: int, rows: int, every: int = 20) -> int:
    """One film of the catalog for every `every` rows of a ratings file: the rest of IMDb's
    file is episodes, shorts and series. Returns how many films."""
    films = [
        Movie(
            title=f"Film {n}",
            search_title=f"film {n}",
            year=2000,
            imdb_id=f"tt{n:08d}",
        )
        for n in range(first_id, first_id + rows, every)
    ]
    Movie.objects.bulk_create(films, batch_size=5000)
    return len(films)


def test_memory_stays_flat_however_long_the_file(tmp_path):
    small = write_big_ratings(tmp_path / "small.tsv.gz", 10_000, first_id=1)
    big = write_big_ratings(tmp_path / "big.tsv.gz", 100_000, first_id=1_000_000)
    small_films = make_catalog_for(1, 10_000)
    big_films = make_catalog_for(1_000_000, 100_000)

    # The same small batch for both: memory follows the batch, not the file.
    small_result, small_peak, small_took = measure(
        lambda: import_imdb_ratings(path=small, batch_size=500)
    )
    big_result, big_peak, big_took = measure(lambda: import_imdb_ratings(path=big, batch_size=500))

    print(
        f"\n10k rows: peak {small_peak:.2f} MB in {small_took}; "
        f"100k rows: peak {big_peak:.2f} MB in {big_took}"
    )
    assert (small_result.read, small_result.ratings_updated) == (10_000, small_films)
    assert (big_result.read, big_result.ratings_updated) == (100_000, big_films)
    assert big_result.ratings_not_in_catalog == 100_000 - big_films
    assert big_peak < 30
    # Ten times the rows and the films, and not a megabyte more.
    assert big_peak < small_peak + 1


@pytest.mark.large
def test_a_million_rows_in_the_memory_of_a_hundred_thousand(tmp_path):
    """A million rows of title.ratings (50,000 of them catalog films), then the same file
    again. Out of the default run: `pytest -m large tests/draft/test_import_ratings.py`."""
    small = write_big_ratings(tmp_path / "small.tsv.gz", 100_000, first_id=1)
    big = write_big_ratings(tmp_path / "big.tsv.gz", 1_000_000, first_id=1_000_000)
    small_films = make_catalog_for(1, 100_000)
    big_films = make_catalog_for(1_000_000, 1_000_000)

    small_result, small_peak, small_took = measure(lambda: import_imdb_ratings(path=small))
    big_result, big_peak, big_took = measure(lambda: import_imdb_ratings(path=big))
    again = import_imdb_ratings(path=big)

    print(
        f"\n100k rows: peak {small_peak:.2f} MB in {small_took}; "
        f"1M rows: peak {big_peak:.2f} MB in {big_took}"
    )
    assert (small_result.read, small_result.ratings_updated) == (100_000, small_films)
    assert (big_result.read, big_result.ratings_updated) == (1_000_000, big_films)
    assert big_peak < small_peak + 1
    assert counts(again, "ratings_updated", "ratings_unchanged", "ratings_not_in_catalog") == {
        "ratings_updated": 0,
        "ratings_unchanged": big_films,
        "ratings_not_in_catalog": 1_000_000 - big_films,
    }
