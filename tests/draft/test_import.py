"""The catalog import: IMDb's datasets and Letterboxd exports, from small files written here.

Line numbers in the files count the header as line 1, as an editor does.
"""

import gzip
import random
import re
import time
import tracemalloc
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection, reset_queries, transaction
from django.test.utils import CaptureQueriesContext

from draft import importers, rules
from draft.importers import (
    ImportFileError,
    common,
    copy_plan,
    import_imdb,
    import_letterboxd,
    python_plan,
)
from draft.models import Movie
from tests.draft.factories import make_movie

pytestmark = pytest.mark.django_db

N = r"\N"
BASICS_HEADER = "\t".join(
    [
        "tconst", "titleType", "primaryTitle", "originalTitle", "isAdult", "startYear",
        "endYear", "runtimeMinutes", "genres",
    ]
)  # fmt: skip
CREW_HEADER = "tconst\tdirectors\twriters"
NAMES_HEADER = "nconst\tprimaryName\tbirthYear\tdeathYear\tprimaryProfession\tknownForTitles"
LETTERBOXD_HEADER = "Date,Name,Year,Letterboxd URI"


def title_row(
    tconst, title, year="1999", runtime="100", genres="Drama", kind="movie", adult="0"
) -> str:
    return "\t".join([tconst, kind, title, title, adult, year, N, runtime, genres])


def write(path: Path, header: str, lines: list[str]) -> Path:
    """The file as IMDb or Letterboxd ship it: gzipped if the name ends in .gz."""
    text = "\n".join([header, *lines]) + "\n"
    if path.name.endswith(".gz"):
        with gzip.open(path, "wt", encoding="utf-8", newline="") as handle:
            handle.write(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def counts(result, *names) -> dict[str, int]:
    return {name: getattr(result, name) for name in names}


# --- IMDb title.basics ---------------------------------------------------------------------

MIXED = [
    title_row("tt0000001", "Heat", "1995", "170", "Action,Crime,Drama"),  # line 2
    title_row("tt0000002", "Friends", "1994", N, "Comedy", kind="tvSeries"),
    title_row("tt0000003", "Not For Kids", "2001", adult="1"),
    title_row("tt0000004", "Someday", N),  # line 5: no year yet
    title_row("tt0000005", "Laura", "1944", "88", "Drama,Film-Noir,Mystery"),
    "tt0000006\tmovie\tBroken",  # line 7: three columns
    title_row("tt0000007", "Bad Year", "19x5"),
    title_row("tt0000008", "Bad Runtime", "2003", "1h30"),
    title_row("tt0000009", "", "2004"),  # line 10: no title
    title_row("tt0000010", "A Short", "2005", "9", "Short", kind="short"),
    title_row("tt0000011", 'The "Quoted" One', "2010", N, N),
    # IMDb does list a 51,420-minute film; a small integer column cannot hold it.
    title_row("tt0000012", "Logistics", "2012", "51420", "Documentary"),
]


def test_counts_skips_and_fields(tmp_path):
    result = import_imdb(basics=write(tmp_path / "title.basics.tsv.gz", BASICS_HEADER, MIXED))

    assert counts(
        result,
        "read", "created", "updated", "attached", "unchanged", "skipped_not_movie",
        "skipped_adult", "skipped_no_year", "duplicates", "malformed", "runtimes_dropped",
    ) == {
        "read": 12, "created": 4, "updated": 0, "attached": 0, "unchanged": 0,
        "skipped_not_movie": 2, "skipped_adult": 1, "skipped_no_year": 1, "duplicates": 0,
        "malformed": 4, "runtimes_dropped": 1,
    }  # fmt: skip
    assert [(note.line, note.reason) for note in result.malformed_rows] == [
        (7, "wrong number of columns (3, expected 9)"),
        (8, "year is not a number: '19x5'"),
        (9, "runtime is not a number: '1h30'"),
        (10, "no title"),
    ]
    assert str(result.malformed_rows[0]) == (
        "title.basics.tsv.gz line 7: wrong number of columns (3, expected 9)"
    )
    films = {m.imdb_id: m for m in Movie.objects.all()}
    assert sorted(films) == ["tt0000001", "tt0000005", "tt0000011", "tt0000012"]
    heat = films["tt0000001"]
    assert (heat.title, heat.year, heat.runtime, heat.genres, heat.directors) == (
        "Heat",
        1995,
        170,
        ["Action", "Crime", "Drama"],
        [],
    )
    assert heat.search_title == "heat"
    # What IMDb does not give: the model's defaults, as Movie.objects.create would set them.
    assert (heat.poster_url, heat.tmdb_id, heat.added_by_id) == ("", None, None)
    assert heat.created_at is not None
    # Film-Noir is not ours: dropped.
    assert films["tt0000005"].genres == ["Drama", "Mystery"]
    # Not quoted: a '"' is part of the title; \N is no runtime and no genres.
    quoted = films["tt0000011"]
    assert (quoted.title, quoted.runtime, quoted.genres) == ('The "Quoted" One', None, [])
    assert films["tt0000012"].runtime is None


def test_plain_tsv_and_bad_bytes(tmp_path):
    path = tmp_path / "title.basics.tsv"
    write(path, BASICS_HEADER, [title_row("tt0000001", "Heat", "1995")])
    with path.open("ab") as handle:
        handle.write(title_row("tt0000002", "Bad \xff", "1996").encode("latin-1") + b"\n")
        handle.write(title_row("tt0000003", "Ronin", "1998").encode() + b"\n")

    result = import_imdb(basics=path)

    assert counts(result, "read", "created", "malformed") == {
        "read": 3,
        "created": 2,
        "malformed": 1,
    }
    assert str(result.malformed_rows[0]) == "title.basics.tsv line 3: title is not valid UTF-8"
    assert set(Movie.objects.values_list("title", flat=True)) == {"Heat", "Ronin"}


def test_min_year(tmp_path):
    path = write(
        tmp_path / "title.basics.tsv.gz",
        BASICS_HEADER,
        [title_row("tt0000001", "Heat", "1995"), title_row("tt0000005", "Laura", "1944")],
    )

    result = import_imdb(basics=path, min_year=1950)

    assert counts(result, "created", "skipped_before_min_year") == {
        "created": 1,
        "skipped_before_min_year": 1,
    }
    assert list(Movie.objects.values_list("title", flat=True)) == ["Heat"]


def test_second_run_creates_and_changes_nothing(tmp_path):
    path = write(tmp_path / "title.basics.tsv.gz", BASICS_HEADER, MIXED)
    import_imdb(basics=path, batch_size=3)
    before = list(Movie.objects.order_by("pk").values())

    again = import_imdb(basics=path, batch_size=3)

    assert counts(again, "created", "updated", "attached", "unchanged", "duplicates") == {
        "created": 0,
        "updated": 0,
        "attached": 0,
        "unchanged": 4,
        "duplicates": 0,
    }
    assert list(Movie.objects.order_by("pk").values()) == before


def test_upsert_updates_a_changed_title_and_runtime(tmp_path):
    path = tmp_path / "title.basics.tsv.gz"
    write(
        path,
        BASICS_HEADER,
        [title_row("tt0000001", "Heat", "1995", "170"), title_row("tt0000002", "Ronin", "1998")],
    )
    import_imdb(basics=path)
    heat = Movie.objects.get(imdb_id="tt0000001")

    write(
        path,
        BASICS_HEADER,
        [
            title_row("tt0000001", "Heat: Director's Cut", "1995", "171"),
            title_row("tt0000002", "Ronin", "1998"),
        ],
    )
    result = import_imdb(basics=path)

    assert counts(result, "created", "updated", "unchanged") == {
        "created": 0,
        "updated": 1,
        "unchanged": 1,
    }
    heat.refresh_from_db()
    assert (heat.title, heat.search_title, heat.runtime) == (
        "Heat: Director's Cut",
        "heat director s cut",
        171,
    )


def test_what_imdb_does_not_know_is_kept(tmp_path):
    """No runtime or genres in IMDb leaves ours; our own genres (Holiday) survive IMDb's."""
    make_movie("Heat", 1995, genres=("Crime",), runtime=170, imdb_id="tt0000001")
    make_movie("Elf", 2003, genres=("Comedy", "Holiday"), runtime=97, imdb_id="tt0000002")
    path = write(
        tmp_path / "title.basics.tsv.gz",
        BASICS_HEADER,
        [
            title_row("tt0000001", "Heat", "1995", N, N),
            title_row("tt0000002", "Elf", "2003", "97", "Adventure,Comedy,Family"),
        ],
    )

    result = import_imdb(basics=path)

    assert counts(result, "updated", "unchanged") == {"updated": 1, "unchanged": 1}
    heat = Movie.objects.get(imdb_id="tt0000001")
    assert (heat.runtime, heat.genres) == (170, ["Crime"])
    elf = Movie.objects.get(imdb_id="tt0000002")
    assert elf.genres == ["Adventure", "Comedy", "Family", "Holiday"]


def test_a_catalog_film_without_an_imdb_id_gets_the_id(tmp_path):
    demo = make_movie("Amelie", 2001, genres=("Comedy", "Romance"), runtime=None)
    path = write(
        tmp_path / "title.basics.tsv.gz",
        BASICS_HEADER,
        [title_row("tt0211915", "Amélie", "2001", "122", "Comedy,Romance")],
    )

    result = import_imdb(basics=path)

    assert counts(result, "created", "attached", "duplicates") == {
        "created": 0,
        "attached": 1,
        "duplicates": 0,
    }
    demo.refresh_from_db()
    assert (demo.imdb_id, demo.title, demo.runtime) == ("tt0211915", "Amélie", 122)
    assert Movie.objects.count() == 1
    # From now on it is matched by its id.
    assert counts(import_imdb(basics=path), "attached", "unchanged") == {
        "attached": 0,
        "unchanged": 1,
    }


@pytest.mark.parametrize("batch_size", [1000, 1], ids=["same batch", "later batch"])
def test_imdb_films_with_the_same_title_and_year(tmp_path, batch_size):
    path = write(
        tmp_path / "title.basics.tsv.gz",
        BASICS_HEADER,
        [
            title_row("tt0000101", "Hamlet", "1990", "135"),
            title_row("tt0000102", "HAMLET!", "1990", "60"),  # line 3
            title_row("tt0000103", "Hamlet", "1996", "242"),
        ],
    )

    result = import_imdb(basics=path, batch_size=batch_size)

    assert counts(result, "created", "duplicates") == {"created": 2, "duplicates": 1}
    assert [str(note) for note in result.duplicate_rows] == [
        "title.basics.tsv.gz line 3: tt0000102 “HAMLET!” (1990) has the same title and year "
        "as tt0000101 “Hamlet”"
    ]
    assert sorted(Movie.objects.values_list("imdb_id", "runtime")) == [
        ("tt0000101", 135),
        ("tt0000103", 242),
    ]
    again = import_imdb(basics=path, batch_size=batch_size)
    assert counts(again, "created", "unchanged", "duplicates") == {
        "created": 0,
        "unchanged": 2,
        "duplicates": 1,
    }


# A statement that writes the catalog, as Django or the PostgreSQL writer words it.
WRITES_TO_CATALOG = re.compile(r'\b(INSERT INTO|UPDATE|DELETE FROM) "?draft_movie"?\s')


def row_versions() -> dict[str, str]:
    """On PostgreSQL, each film's row version (xmin changes whenever the row is written)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT imdb_id, xmin::text FROM draft_movie")
        return dict(cursor.fetchall())


def test_a_second_run_of_the_same_file_writes_nothing(tmp_path):
    path = write(tmp_path / "title.basics.tsv.gz", BASICS_HEADER, MIXED)
    import_imdb(basics=path, batch_size=3)
    versions = row_versions() if connection.vendor == "postgresql" else {}

    with CaptureQueriesContext(connection) as queries:
        again = import_imdb(basics=path, batch_size=3)

    assert counts(again, "created", "updated", "unchanged") == {
        "created": 0,
        "updated": 0,
        "unchanged": 4,
    }
    # Not even a statement that would change no row: on PostgreSQL it would still fire the
    # page cache's statement trigger and make every cached page new.
    assert [q["sql"] for q in queries if WRITES_TO_CATALOG.search(q["sql"])] == []
    if connection.vendor == "postgresql":
        assert row_versions() == versions


def test_a_run_adds_the_new_updates_the_changed_and_leaves_the_rest(tmp_path):
    path = tmp_path / "title.basics.tsv.gz"
    write(
        path,
        BASICS_HEADER,
        [
            title_row("tt0000001", "Heat", "1995", "170", "Crime"),
            title_row("tt0000002", "Ronin", "1998", "122", "Action"),
            title_row("tt0000003", "Laura", "1944", "88", "Mystery"),
        ],
    )
    import_imdb(basics=path)
    before = row_versions() if connection.vendor == "postgresql" else {}
    write(
        path,
        BASICS_HEADER,
        [
            title_row("tt0000001", "Heat", "1995", "170", "Crime"),
            title_row("tt0000002", "Ronin", "1998", "121", "Action,Thriller"),
            title_row("tt0000003", "Laura", "1944", "88", "Mystery"),
            title_row("tt0000004", "Solaris", "1972", "167", "Drama,Sci-Fi"),
        ],
    )

    result = import_imdb(basics=path, batch_size=2)

    assert counts(result, "created", "updated", "unchanged", "duplicates") == {
        "created": 1,
        "updated": 1,
        "unchanged": 2,
        "duplicates": 0,
    }
    films = {m.imdb_id: m for m in Movie.objects.all()}
    assert (films["tt0000002"].runtime, films["tt0000002"].genres) == (121, ["Action", "Thriller"])
    solaris = films["tt0000004"]
    assert (solaris.title, solaris.search_title, solaris.year, solaris.runtime) == (
        "Solaris",
        "solaris",
        1972,
        167,
    )
    assert (solaris.genres, solaris.directors) == (["Drama", "Sci-Fi"], [])
    if connection.vendor == "postgresql":
        after = row_versions()
        assert [imdb_id for imdb_id in before if after[imdb_id] != before[imdb_id]] == ["tt0000002"]


@pytest.mark.parametrize("batch_size", [1000, 1], ids=["same batch", "later batch"])
def test_a_title_a_renamed_film_leaves_is_free_from_the_next_batch(tmp_path, batch_size):
    """IMDb renames a film and lists a new film under its old title, in the same batch: the old
    title is still held in that batch (which came first is no part of a set-based plan), so
    the new film waits for the next batch, or the next run."""
    path = tmp_path / "title.basics.tsv.gz"
    write(path, BASICS_HEADER, [title_row("tt0000001", "Solaris", "1972")])
    import_imdb(basics=path)
    write(
        path,
        BASICS_HEADER,
        [
            title_row("tt0000001", "Solaris Redux", "1972"),
            title_row("tt0000002", "Solaris", "1972"),  # line 3
        ],
    )

    result = import_imdb(basics=path, batch_size=batch_size)

    if batch_size == 1:
        assert counts(result, "updated", "created", "duplicates") == {
            "updated": 1,
            "created": 1,
            "duplicates": 0,
        }
    else:
        assert counts(result, "updated", "created", "duplicates") == {
            "updated": 1,
            "created": 0,
            "duplicates": 1,
        }
        assert [str(note) for note in result.duplicate_rows] == [
            "title.basics.tsv.gz line 3: tt0000002 “Solaris” (1972) has the same title and year "
            "as tt0000001 “Solaris Redux”"
        ]
        again = import_imdb(basics=path, batch_size=batch_size)
        assert counts(again, "created", "unchanged", "duplicates") == {
            "created": 1,
            "unchanged": 1,
            "duplicates": 0,
        }
    assert sorted(Movie.objects.values_list("imdb_id", "title")) == [
        ("tt0000001", "Solaris Redux"),
        ("tt0000002", "Solaris"),
    ]


# Few titles and years, and few ids, so that a random batch collides in every way it can.
PLAN_TITLES = ["Heat", "HEAT!", "Ronin", "Amélie", "Amelie", "Her"]
PLAN_YEARS = [1995, 1996]


def random_catalog(rng: random.Random) -> None:
    keys, ids, movies = set(), set(), []
    for _ in range(rng.randint(0, 7)):
        title, year = rng.choice(PLAN_TITLES), rng.choice(PLAN_YEARS)
        imdb_id = rng.choice([None, None, *(f"tt{n:07d}" for n in range(1, 9))])
        key = (rules.normalize_title(title), year)
        if key in keys or (imdb_id and imdb_id in ids):
            continue
        keys.add(key)
        ids.add(imdb_id)
        movies.append(
            Movie(
                title=title,
                search_title=key[0],
                year=year,
                imdb_id=imdb_id,
                genres=rng.sample(["Drama", "Holiday", "Comedy"], rng.randint(0, 2)),
                runtime=rng.choice([None, 90, 100]),
            )
        )
    Movie.objects.bulk_create(movies)


def random_batch(rng: random.Random) -> list:
    films = []
    for line in range(2, rng.randint(3, 12)):
        title = rng.choice(PLAN_TITLES)
        films.append(
            common._ImdbFilm(
                line=line,
                imdb_id=f"tt{rng.randint(1, 8):07d}",
                title=title,
                search_title=rules.normalize_title(title),
                year=rng.choice(PLAN_YEARS),
                runtime=rng.choice([None, 90, 120]),
                genres=tuple(rng.sample(["Drama", "Comedy", "Crime"], rng.randint(0, 2))),
            )
        )
    return films


@pytest.mark.postgresql  # PostgreSQL's own writer (COPY and upsert)
def test_the_postgres_plan_decides_as_the_python_plan():
    """The two writers side by side on 400 random batches against random catalogs (titles
    that collide, an id twice in a batch, films renamed onto others, catalog films without an
    id): the same counts, the same notes, the same catalog afterwards."""
    writers = [python_plan._write_imdb_films, copy_plan._write_imdb_films_in_postgres]
    with copy_plan._staging_tables():
        for seed in range(400):
            seen = []
            for writer in writers:
                rng = random.Random(seed)
                with transaction.atomic():
                    random_catalog(rng)
                    outcome = writer(random_batch(rng), file="t.tsv", with_ids=True)
                    catalog = Movie.objects.values_list(
                        "imdb_id", "title", "search_title", "year", "genres", "runtime"
                    )
                    seen.append(
                        (
                            +outcome.counts,
                            [str(note) for note in outcome.duplicate_rows],
                            outcome.imdb_ids,
                            sorted(map(repr, catalog)),
                        )
                    )
                    transaction.set_rollback(True)
            assert seen[0] == seen[1], f"seed {seed}"


def test_a_film_added_between_read_and_write_is_attached_not_fatal(tmp_path, monkeypatch):
    """Another writer adds "Heat" after the batch was planned: the batch's insert hits the
    constraint, and the batch is redone row by row from a fresh read."""
    make_movie("Heat", 1995)
    calls = []
    if connection.vendor == "postgresql":
        real_plan = copy_plan._plan_staged_films

        def blind_first_time(cursor):
            cursor.execute(f"SELECT count(*) FROM {copy_plan._STAGED_FILMS}")
            calls.append(cursor.fetchone()[0])
            real_plan(cursor)
            if len(calls) == 1:
                # As if the plan had read the catalog before Heat was added: all new.
                cursor.execute(f"UPDATE {copy_plan._STAGED_FILMS} SET outcome = 'create'")

        monkeypatch.setattr(copy_plan, "_plan_staged_films", blind_first_time)
    else:
        real = python_plan._catalog_films

        def blind_first_time(films):
            calls.append(len(films))
            return [] if len(calls) == 1 else real(films)

        monkeypatch.setattr(python_plan, "_catalog_films", blind_first_time)
    path = write(
        tmp_path / "title.basics.tsv.gz",
        BASICS_HEADER,
        [title_row("tt0000001", "Ronin", "1998"), title_row("tt0000002", "Heat", "1995")],
    )

    result = import_imdb(basics=path)

    assert calls == [2, 1, 1]
    assert counts(result, "created", "attached", "duplicates") == {
        "created": 1,
        "attached": 1,
        "duplicates": 0,
    }
    assert sorted(Movie.objects.values_list("title", "imdb_id")) == [
        ("Heat", "tt0000002"),
        ("Ronin", "tt0000001"),
    ]


def test_a_file_without_the_needed_columns_is_refused(tmp_path):
    path = write(tmp_path / "title.basics.tsv", "tconst\tprimaryTitle", ["tt1\tHeat"])

    with pytest.raises(ImportFileError, match="no titleType, isAdult, startYear"):
        import_imdb(basics=path)


def test_progress_is_told_as_the_file_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr(common, "PROGRESS_EVERY", 4)
    path = write(tmp_path / "title.basics.tsv", BASICS_HEADER, MIXED)
    heard = []

    import_imdb(basics=path, progress=heard.append)

    # Told before the row is parsed: at row 4, one film (Heat) is kept. The last word comes at
    # the end of the file.
    assert [(p.file, p.read, p.kept) for p in heard] == [
        ("title.basics.tsv", 4, 1),
        ("title.basics.tsv", 8, 2),
        ("title.basics.tsv", 12, 3),
        ("title.basics.tsv", 12, 4),
    ]
    shares = [p.done for p in heard]
    assert shares == sorted(shares) and shares[-1] == 1.0


# --- Directors: title.crew + name.basics ---------------------------------------------------


def test_directors_from_crew_and_names(tmp_path):
    make_movie("Amelie", 2001, directors=["Jean-Pierre Jeunet"])
    basics = write(
        tmp_path / "title.basics.tsv.gz",
        BASICS_HEADER,
        [
            title_row("tt0000001", "Heat", "1995"),
            title_row("tt0000002", "The Matrix", "1999"),
            title_row("tt0000003", "Friends", "1994", kind="tvSeries"),
            title_row("tt0211915", "Amélie", "2001"),
            title_row("tt0000004", "Nobody Known", "2002"),
        ],
    )
    crew = write(
        tmp_path / "title.crew.tsv",  # plain, while the others are gzipped
        CREW_HEADER,
        [
            f"tt0000001\tnm0000520\t{N}",
            "tt0000002\tnm0905154,nm0905152\tnm0905152",
            "tt0000003\tnm0000001\tnm0000001",  # not imported: not a film
            f"tt0211915\t{N}\tnm0000466",  # no directors: keep ours
            "tt0000004\tnm9999999\tnm9999999",  # not in the names file
            "tt0000005\tbroken",  # line 7
        ],
    )
    names = write(
        tmp_path / "name.basics.tsv.gz",
        NAMES_HEADER,
        [
            f"nm0000001\tFred Astaire\t1899\t1987\tactor\t{N}",
            f"nm0000520\tMichael Mann\t1943\t{N}\tdirector\ttt0000001",
            f"nm0905152\tLilly Wachowski\t1967\t{N}\tdirector\ttt0000002",
            f"nm0905154\tLana Wachowski\t1965\t{N}\tdirector\ttt0000002",
        ],
    )

    result = import_imdb(basics=basics, crew=crew, names=names)

    assert counts(
        result, "crew_read", "names_read", "directors_updated", "directors_unresolved",
        "malformed",
    ) == {
        "crew_read": 6, "names_read": 4, "directors_updated": 2, "directors_unresolved": 1,
        "malformed": 1,
    }  # fmt: skip
    assert str(result.malformed_rows[0]) == (
        "title.crew.tsv line 7: wrong number of columns (2, expected 3)"
    )
    directors = dict(Movie.objects.values_list("imdb_id", "directors"))
    assert directors == {
        "tt0000001": ["Michael Mann"],
        "tt0000002": ["Lana Wachowski", "Lilly Wachowski"],  # the crew file's order
        "tt0211915": ["Jean-Pierre Jeunet"],
        "tt0000004": [],
    }
    again = import_imdb(basics=basics, crew=crew, names=names)
    assert counts(again, "created", "updated", "directors_updated") == {
        "created": 0,
        "updated": 0,
        "directors_updated": 0,
    }


def test_directors_need_both_files(tmp_path):
    basics = write(tmp_path / "title.basics.tsv", BASICS_HEADER, [])

    with pytest.raises(ValueError, match="both the crew file and the names file"):
        import_imdb(basics=basics, crew=tmp_path / "title.crew.tsv")


# --- Letterboxd ----------------------------------------------------------------------------

LETTERBOXD = [
    "2024-01-02,AMELIE,2001,https://boxd.it/1",  # line 2
    "2024-01-03,Wall-E,2008,https://boxd.it/2",
    '2024-01-04,"Monsters, Inc.",2001,https://boxd.it/3',
    "2024-01-05,Her,2014,https://boxd.it/4",  # the wrong year
    "2024-01-06,Perfect Days,2023,https://boxd.it/5",
    "2024-01-07,Someday,soon,https://boxd.it/6",  # line 7
    "2024-01-08,,2001,https://boxd.it/7",  # line 8
    "2024-01-09,Too,Many,Columns,https://boxd.it/8",  # line 9
    "",
    "2024-01-10,Perfect Days,2023,https://boxd.it/5",  # line 11: watched again
]


@pytest.fixture
def catalog():
    make_movie("Amélie", 2001)
    make_movie("WALL·E", 2008)
    make_movie("Monsters, Inc.", 2001)
    make_movie("Her", 2013)


def test_letterboxd_matches_title_and_year(tmp_path, catalog):
    path = write(tmp_path / "watched.csv", LETTERBOXD_HEADER, LETTERBOXD)

    result = import_letterboxd(path=path)

    assert counts(result, "read", "matched", "unmatched", "created", "malformed") == {
        "read": 9,
        "matched": 3,
        "unmatched": 3,
        "created": 0,
        "malformed": 3,
    }
    assert result.unmatched_films == ["Her (2014)", "Perfect Days (2023)", "Perfect Days (2023)"]
    assert [(note.line, note.reason) for note in result.malformed_rows] == [
        (7, "year is not a number: 'soon'"),
        (8, "no title"),
        (9, "wrong number of columns (5, expected 4)"),
    ]
    assert Movie.objects.count() == 4


def test_letterboxd_create_missing(tmp_path, catalog):
    path = write(tmp_path / "ratings.csv.gz", LETTERBOXD_HEADER + ",Rating", [
        line + ",4" if line else line for line in LETTERBOXD
    ])  # fmt: skip

    result = import_letterboxd(path=path, create_missing=True, batch_size=2)

    # The second "Perfect Days" finds the film the first one created.
    assert counts(result, "matched", "unmatched", "created") == {
        "matched": 4,
        "unmatched": 2,
        "created": 2,
    }
    created = Movie.objects.filter(title__in=["Her", "Perfect Days"], year__in=[2014, 2023])
    assert sorted(created.values_list("title", "year", "search_title", "imdb_id")) == [
        ("Her", 2014, "her", None),
        ("Perfect Days", 2023, "perfect days", None),
    ]
    again = import_letterboxd(path=path, create_missing=True)
    assert counts(again, "matched", "unmatched", "created") == {
        "matched": 6,
        "unmatched": 0,
        "created": 0,
    }


# --- The command ---------------------------------------------------------------------------


def test_command_reports_in_plain_words(tmp_path, catalog):
    basics = write(tmp_path / "title.basics.tsv.gz", BASICS_HEADER, MIXED)
    letterboxd = write(tmp_path / "watched.csv", LETTERBOXD_HEADER, LETTERBOXD)
    out = StringIO()

    call_command(
        "import_movies",
        "--imdb-basics", str(basics), "--letterboxd", str(letterboxd), "--batch-size", "5",
        stdout=out,
    )  # fmt: skip

    report = out.getvalue()
    assert "IMDb title.basics.tsv.gz: read 12 rows." in report
    assert "Kept 4 films; took " in report
    assert (
        "Films: 4 created, 0 updated, 0 catalog films given their IMDb id, 0 unchanged." in report
    )
    assert "Skipped: 2 not feature films, 1 adult, 1 without a year." in report
    assert "Malformed rows skipped: 4." in report
    assert "title.basics.tsv.gz line 8: year is not a number: '19x5'" in report
    assert "Letterboxd watched.csv: read 9 rows." in report
    assert "3 matched a film in the catalog, 3 did not." in report
    assert "Not in the catalog: Her (2014); Perfect Days (2023); Perfect Days (2023)." in report


class Terminal(StringIO):
    def isatty(self):
        return True


def test_command_draws_a_progress_bar_on_a_terminal_only(tmp_path):
    basics = write(tmp_path / "title.basics.tsv.gz", BASICS_HEADER, MIXED)
    terminal, log = Terminal(), StringIO()

    call_command("import_movies", "--imdb-basics", str(basics), stdout=terminal)
    Movie.objects.all().delete()
    call_command("import_movies", "--imdb-basics", str(basics), stdout=log)

    bar, _, report = terminal.getvalue().rpartition("\r\x1b[K")
    assert f"\rtitle.basics.tsv.gz [{'#' * 30}] 100% 12 rows read, 4 films kept, " in bar
    assert "\r" not in log.getvalue()

    # Once the bar is cleared, the report is the one a log gets (the time taken aside).
    def without_time(text):
        return [line for line in text.splitlines() if not line.startswith("  Kept ")]

    assert without_time(report) == without_time(log.getvalue())


def test_command_refuses_half_of_the_director_files(tmp_path):
    with pytest.raises(CommandError, match="Directors need"):
        call_command("import_movies", "--imdb-basics", "b.tsv", "--imdb-crew", "c.tsv")
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_movies", "--imdb-basics", str(tmp_path / "missing.tsv.gz"))


# --- Memory --------------------------------------------------------------------------------


def write_big_basics(path: Path, rows: int, first_id: int) -> Path:
    """`rows` rows, mostly of what IMDb's file is mostly made of: episodes, shorts, series,
    adult films, films without a year. One row in ten is a feature film to import (in IMDb's
    own file it is about one in sixteen)."""
    others = [
        ("tvEpisode", "0", "2001"), ("tvEpisode", "0", "2015"), ("short", "0", "1999"),
        ("tvSeries", "0", "2010"), ("video", "0", "2005"), ("movie", "1", "1998"),
        ("movie", "0", N), ("tvEpisode", "0", N), ("tvMovie", "0", "1987"),
    ]  # fmt: skip
    genres = ["Drama", "Comedy,Romance", "Action,Sci-Fi,Thriller", N, "Horror,Short"]
    with gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=1) as handle:
        handle.write(BASICS_HEADER + "\n")
        for n in range(first_id, first_id + rows):
            kind, adult, year = (
                others[n % 10 - 1] if n % 10 else ("movie", "0", str(1900 + n % 125))
            )
            runtime = str(60 + n % 120) if n % 7 else N
            handle.write(
                f"tt{n:08d}\t{kind}\tTitle number {n}\tTitle number {n}\t{adult}\t{year}\t"
                f"{N}\t{runtime}\t{genres[n % len(genres)]}\n"
            )
    return path


def measure(import_file) -> tuple[importers.ImportResult, float, str]:
    """The import's result, its peak of traced Python memory in MB, and how long it took."""
    tracemalloc.start()
    started, cpu_started = time.perf_counter(), time.process_time()
    try:
        result = import_file()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    took = f"{time.perf_counter() - started:.1f} s ({time.process_time() - cpu_started:.1f} s CPU)"
    return result, peak / 2**20, took


def test_memory_stays_flat_however_long_the_file(tmp_path):
    small = write_big_basics(tmp_path / "small.tsv.gz", 20_000, first_id=1)
    big = write_big_basics(tmp_path / "big.tsv.gz", 200_000, first_id=1_000_000)

    # Memory follows the batch, not the file: the same batch size for both, below the films of
    # either file.
    small_result, small_peak, small_took = measure(
        lambda: import_imdb(basics=small, batch_size=1000)
    )
    big_result, big_peak, big_took = measure(lambda: import_imdb(basics=big, batch_size=1000))

    print(
        f"\n20k rows: peak {small_peak:.2f} MB in {small_took}; "
        f"200k rows: peak {big_peak:.2f} MB in {big_took}"
    )
    assert (small_result.read, small_result.created) == (20_000, 2_000)
    assert (big_result.read, big_result.created) == (200_000, 20_000)
    assert big_peak < 30
    # Ten times the rows and the films, and not a megabyte more: memory that grew by even
    # 60 bytes a film or 6 bytes a row would cross this line.
    assert big_peak < small_peak + 1


@pytest.mark.large
def test_a_million_rows_in_the_memory_of_a_hundred_thousand(tmp_path):
    """A million rows of title.basics (100,000 films), then the same file again. A minute or
    more, so out of the default run: `pytest -m large tests/draft/test_import.py` runs it."""
    small = write_big_basics(tmp_path / "small.tsv.gz", 100_000, first_id=1)
    big = write_big_basics(tmp_path / "big.tsv.gz", 1_000_000, first_id=1_000_000)

    small_result, small_peak, small_took = measure(lambda: import_imdb(basics=small))
    big_result, big_peak, big_took = measure(lambda: import_imdb(basics=big))
    again = import_imdb(basics=big)

    print(
        f"\n100k rows: peak {small_peak:.2f} MB in {small_took}; "
        f"1M rows: peak {big_peak:.2f} MB in {big_took}"
    )
    assert (small_result.read, small_result.created) == (100_000, 10_000)
    assert (big_result.read, big_result.created) == (1_000_000, 100_000)
    assert big_peak < small_peak + 1
    assert counts(again, "created", "updated", "unchanged") == {
        "created": 0,
        "updated": 0,
        "unchanged": 100_000,
    }


def test_debug_query_log_is_cleared_batch_by_batch(tmp_path, settings):
    """With DEBUG on, Django keeps the SQL of the last 9,000 queries, about 100 KB for each
    batch insert: hundreds of MB over a full IMDb import unless the importer clears it."""
    settings.DEBUG = True
    films = [title_row(f"tt{n:07d}", f"Film {n}", "2000") for n in range(1, 6)]
    path = write(tmp_path / "title.basics.tsv.gz", BASICS_HEADER, films)
    reset_queries()

    result = import_imdb(basics=path, batch_size=1)

    assert result.created == 5
    assert connection.queries == []


# --- Poster addresses ------------------------------------------------------------------------


def test_a_csv_with_a_poster_column_gives_its_films_their_posters(tmp_path, catalog):
    path = write(tmp_path / "films.csv", "Name,Year,Poster URL", [
        "Amélie,2001,https://images.example/amelie.jpg",
        "WALL·E,2008,",  # no poster: the film keeps what it had
        "Her,2013,javascript:alert(1)",  # not an https address: the film is kept without it
        "Perfect Days,2023,https://images.example/perfect-days.jpg",
        "Monsters Inc,2001,http://images.example/monsters.jpg",  # http, on an https site
    ])  # fmt: skip
    Movie.objects.filter(title="WALL·E").update(poster_url="https://images.example/walle.jpg")

    result = import_letterboxd(path=path, create_missing=True)

    assert counts(result, "matched", "created", "posters", "posters_ignored", "malformed") == {
        "matched": 4,
        "created": 1,
        "posters": 2,
        "posters_ignored": 2,
        "malformed": 0,
    }
    assert [(note.line, note.reason) for note in result.ignored_poster_rows] == [
        (4, "poster is not an https address: 'javascript:alert(1)'"),
        (6, "poster is not an https address: 'http://images.example/monsters.jpg'"),
    ]
    assert dict(Movie.objects.values_list("title", "poster_url")) == {
        "Amélie": "https://images.example/amelie.jpg",
        "WALL·E": "https://images.example/walle.jpg",
        "Monsters, Inc.": "",
        "Her": "",
        "Perfect Days": "https://images.example/perfect-days.jpg",
    }
    # Importing the same file again changes nothing.
    assert import_letterboxd(path=path).posters == 0


def test_the_command_reports_posters_given_and_left_out(tmp_path, catalog):
    path = write(tmp_path / "films.csv", "Name,Year,poster_link", [
        "Amélie,2001,https://images.example/amelie.jpg",
        "Her,2013,ftp://images.example/her.jpg",
    ])  # fmt: skip
    out = StringIO()
    call_command("import_movies", "--letterboxd", str(path), stdout=out)
    report = out.getvalue()
    assert "Posters: 1 film given the poster address of the file." in report
    assert "Poster addresses left out: 1 (the films were kept without them)." in report
    assert "films.csv line 3: poster is not an https address: 'ftp://images.example/her.jpg'" in (
        report
    )
