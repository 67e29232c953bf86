"""The pick panel's film search (draft.search.search_movies) on both databases: how results
rank (the exact title, titles that start with the query, titles with a later word that does,
corrections of a typo), accents, stop words, that the indexes keep up with every write, and (on
PostgreSQL) that each of its queries is answered by an index, never by reading the table.

The catalog is bench/search.py's, a few thousand generated films with accented titles and the
well-known films the cases name (The Godfather and its sequels, Amélie, Her, It, Up…)."""

import re

import pytest
from django.db import connection

from bench.search import KNOWN_FILMS, STOP_WORDS, keystrokes, percentile, sampled
from bench.search import catalog as generated_catalog
from draft import rules
from draft.models import Movie
from draft.search import search_movies, similar_movies

pytestmark = pytest.mark.django_db

EXACT, PREFIX, WORD, OTHER = range(4)
TRIGRAMS_ONLY = ["enable_seqscan=off", "enable_indexscan=off", "enable_indexonlyscan=off"]


@pytest.fixture
def catalog():
    """3,000 films: the known ones, then generated ones (the same every run)."""
    Movie.objects.bulk_create(
        Movie(
            title=film.title,
            year=film.year,
            directors=list(film.directors),
            genres=list(film.genres),
            runtime=film.runtime,
            # bulk_create skips Movie.save(), which normally fills this in.
            search_title=rules.normalize_title(film.title),
        )
        for film in generated_catalog(3000)
    )


def titles(movies) -> list[str]:
    return [f"{m.title} ({m.year})" for m in movies]


def tier(movie: Movie, needle: str) -> int:
    title = movie.search_title
    if title == needle:
        return EXACT
    if title.startswith(needle):
        return PREFIX
    if f" {needle}" in title:
        return WORD
    return OTHER


def test_the_exact_title_comes_first_newest_first(catalog):
    assert titles(search_movies("Her"))[0] == "Her (2013)"
    assert titles(search_movies("it"))[:2] == ["It (2017)", "It (1990)"]
    assert titles(search_movies("UP"))[0] == "Up (2009)"


@pytest.mark.parametrize(
    "query", ["her", "it", "up", "the", "a", "of", "night", "love", "t", "th", "the night", "la"]
)
def test_exact_then_prefix_then_word_then_the_rest(catalog, query):
    """The steps never interleave, whatever the query: stop words and single letters too."""
    movies = search_movies(query, limit=200)
    assert movies
    tiers = [tier(m, rules.normalize_title(query)) for m in movies]
    assert tiers == sorted(tiers), titles(movies)
    assert len({m.pk for m in movies}) == len(movies)


def test_titles_that_start_with_the_query_come_before_titles_with_the_word_later(catalog):
    movies = search_movies("night", limit=200)
    found = titles(movies)
    assert "The Night of the Hunter (1955)" in found
    assert found.index("Night of the Living Dead (1968)") < found.index(
        "The Night of the Hunter (1955)"
    )


def test_a_later_word_ranks_by_the_title_from_that_word_on(catalog):
    assert titles(search_movies("godf")) == [
        "The Godfather (1972)",
        "The Godfather Part II (1974)",
        "The Godfather Part III (1990)",
    ]
    assert titles(search_movies("space odyssey")) == ["2001: A Space Odyssey (1968)"]
    assert titles(search_movies("mood for lo")) == ["In the Mood for Love (2000)"]


def test_the_limit_holds_and_the_first_results_do_not_depend_on_it(catalog):
    for query in ["the", "love", "of"]:
        many = search_movies(query, limit=40)
        assert len(many) == 40
        assert search_movies(query, limit=12) == many[:12]


@pytest.mark.parametrize(
    "query, film",
    [
        ("amelie", "Amélie (2001)"),
        ("AMÉLIE", "Amélie (2001)"),
        ("madchen in", "Mädchen in Uniform (1931)"),
        ("y tu mama", "Y tu mamá también (2001)"),
        ("wall-e", "WALL·E (2008)"),
        ("wall e", "WALL·E (2008)"),
        ("leon the pro", "Léon: The Professional (1994)"),
        ("cleo from 5", "Cléo from 5 to 7 (1962)"),
    ],
)
def test_accents_case_and_punctuation_never_matter(catalog, query, film):
    assert film in titles(search_movies(query, limit=40))


@pytest.mark.parametrize(
    "query, first",
    [
        ("godfater", "The Godfather (1972)"),  # a letter missing
        ("the godfahter", "The Godfather (1972)"),  # two swapped
        ("teh godfather", "The Godfather (1972)"),  # in a short word that is not the last
        ("the godfathr part ii", "The Godfather Part II (1974)"),
        ("psyhco", "Psycho (1960)"),
        ("vertgo", "Vertigo (1958)"),
        ("casablamca", "Casablanca (1942)"),  # a neighbouring key
        ("spirited awya", "Spirited Away (2001)"),
    ],
)
def test_a_typo_is_forgiven(catalog, query, first):
    assert titles(search_movies(query))[0] == first


def test_a_misspelt_word_still_being_typed_is_corrected_as_it_grows(catalog):
    for typed in ["godfa", "godfat", "godfate", "godfater"]:
        assert titles(search_movies(typed))[0] == "The Godfather (1972)", typed


def test_corrections_come_after_what_matches_as_typed(catalog):
    """ "psycho" matches; a correction ("psych…") never outranks it, nor adds to a full page."""
    movies = search_movies("psycho", limit=200)
    assert titles(movies)[0] == "Psycho (1960)"
    assert all(tier(m, "psycho") != OTHER for m in movies)


@pytest.mark.parametrize("query", ["xqzvw", "zzzz zzzz", "qqq", "", "  ", "?!", "—"])
def test_nothing_matches_nothing(catalog, query):
    assert search_movies(query) == []


def test_similar_movies_offers_the_same_title_first(catalog):
    movies = similar_movies("The Godfather", 1972)
    assert titles(movies)[0] == "The Godfather (1972)"
    assert titles(similar_movies("The Godfathr", 1974))[0] == "The Godfather Part II (1974)"


def test_a_film_is_found_by_every_step_as_soon_as_it_is_written_and_no_longer_after(catalog):
    """The triggers of migration 0007 keep the word index (SQLite) and the words (both) in
    step with every write: a film added, retitled, deleted."""
    film = Movie.objects.create(title="Zorvath the Quenchless", year=2024)
    assert search_movies("zorvath") == [film]
    assert search_movies("quenchl") == [film]
    assert search_movies("quenchles") == [film]
    assert search_movies("qeunchless") == [film]  # the new word corrects a typo

    film.title = "Zorvath the Unquiet"
    film.save()
    assert search_movies("quenchl") == []
    assert search_movies("unquie") == [film]

    film.delete()
    assert search_movies("unquie") == []
    assert search_movies("zorvath") == []


def test_a_bulk_update_of_titles_is_found_too(catalog):
    film = Movie.objects.get(title="Vertigo")
    film.title, film.search_title = "Vértigo Revisited", "vertigo revisited"
    Movie.objects.bulk_update([film], ["title", "search_title"])
    assert search_movies("revisi") == [film]


# --- The bench's catalog and keystrokes (bench/search.py) ------------------------------------


def test_the_bench_catalog_is_the_same_every_run_and_never_repeats_a_title_and_year():
    films = list(generated_catalog(5000))
    assert films == list(generated_catalog(5000))
    assert [f.title for f in films[: len(KNOWN_FILMS)]] == [k[0] for k in KNOWN_FILMS]
    keys = {(rules.normalize_title(f.title), f.year) for f in films}
    assert len(keys) == len(films) == 5000
    assert sum(any(c in f.title for c in "éèáíóöüñç") for f in films) > 250  # accents, often
    assert max(len(f.title.split()) for f in films) >= 7


def test_the_bench_types_titles_typos_nonsense_and_stop_words_a_keystroke_at_a_time():
    sample = []
    for _ in sampled(generated_catalog(5000), sample, every=10):
        pass
    strokes = keystrokes(sample)
    assert {s.kind for s in strokes} == {"title", "typo", "no match", "stop word"}
    typed = [s.query for s in strokes if s.kind == "stop word"]
    assert set(STOP_WORDS) <= set(typed) and "h" in typed and "he" in typed
    assert "amelie" in [s.query for s in strokes] or "amélie" in [s.query for s in strokes]
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.5) == 3.0
    assert percentile(list(range(1, 101)), 0.95) == 95


# --- PostgreSQL: indexes, not table scans --------------------------------------------------

PLAN_QUERIES = [
    "t", "th", "the", "the n", "night", "ni", "of", "of the", "love", "her", "it", "up",
    "zz", "qq", "fgh", "nigth", "godfater", "teh godfather", "xqzvw", "word ka", "kamitu",
    "kamtiu", "kamituxx", "nigth of the rovesa", "last kami of", "amitu", "itule",
]  # fmt: skip


@pytest.fixture
def hundred_thousand_films():
    """100,000 films in one INSERT … SELECT, then ANALYZE, as after an import: titles of 2 to 6
    words, a few common ("the", "night", "of") and many made of syllables ("kamitu", "rovesa"):
    a vocabulary of tens of thousands of words, as a real catalog has."""
    word = (
        "(ARRAY['ka','ro','mi','tu','le','sa','vo','ni','de','pa','lo','ri','ba','ne'])"
        "[1 + ({n}) % 14]"
    )

    def made_up(k: str) -> str:
        return " || ".join(word.format(n=f"({k}) / {14**p}") for p in range(4))

    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            INSERT INTO draft_movie
                (title, search_title, year, genres, directors, runtime, poster_url, created_at)
            SELECT t, t, 1900 + i % 120, '[]', '[]', 90, '', now() FROM (
                SELECT i, array_to_string((ARRAY[
                    (ARRAY['the', 'a', 'night', 'love', 'last', 'word'])[1 + i % 6],
                    {made_up("i::bigint * 7919")},
                    (ARRAY['of', 'and', 'in', 'the'])[1 + i % 4],
                    {made_up("i::bigint * 104729 + 13")},
                    (i % 13)::text,
                    {made_up("i * 31 + 7")}
                ])[1 : 2 + i % 5], ' ') AS t
                FROM generate_series(1, 100000) AS i
            ) AS films
            ON CONFLICT DO NOTHING
            """
        )
        cursor.execute("ANALYZE draft_movie")
        cursor.execute("ANALYZE draft_title_word")
        cursor.execute("SELECT count(*) FROM draft_title_word")
        assert cursor.fetchone()[0] > 20_000
    assert Movie.objects.count() > 95_000


def _plans(query: str, *, generic: bool) -> list[str]:
    """The plan of every query search_movies runs for `query`. Generic: as PostgreSQL plans a
    query prepared once for any values (DATABASE_PREPARED), which cannot look at the values."""
    statements = []

    def record(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        search_movies(query)
    plans = []
    with connection.cursor() as cursor:
        if generic:
            cursor.execute("SET plan_cache_mode = force_generic_plan")
        try:
            for n, (sql, params) in enumerate(statements):
                numbered = _numbered(sql)
                cursor.execute(f"PREPARE search_{n} AS {numbered}")
                marks = ", ".join(["%s"] * len(params or ()))
                execute = f"EXPLAIN EXECUTE search_{n}" + (f"({marks})" if marks else "")
                cursor.execute(connection.ops.compose_sql(execute, params or ()))
                plans.append("\n".join(row[0] for row in cursor.fetchall()))
                cursor.execute(f"DEALLOCATE search_{n}")
        finally:
            cursor.execute("RESET plan_cache_mode")
    return plans


def _numbered(sql: str) -> str:
    """Django's SQL with PostgreSQL's placeholders: %s becomes $1, $2…, %% becomes %."""
    numbers = iter(range(1, sql.count("%s") + 1))
    return re.sub(r"%%|%s", lambda m: "%" if m[0] == "%%" else f"${next(numbers)}", sql)


@pytest.mark.postgresql
def test_every_query_of_the_search_reads_an_index_not_the_table(hundred_thousand_films):
    """As planned for their values, and as prepared once for any (DATABASE_PREPARED: PostgreSQL
    then plans without looking at the values; a LIKE pattern or a threshold it cannot see is
    how a search that reads an index in psql reads the whole table in the app)."""
    for generic in (False, True):
        used = set()
        for query in PLAN_QUERIES:
            for plan in _plans(query, generic=generic):
                # Nor the words: similarity over all of them takes 0.2 s at a million films.
                assert "Seq Scan" not in plan, f"{query!r}, {generic=}:\n{plan}"
                used |= set(re.findall(r" using (\w+)", plan, flags=re.I))
        word_indexes = {f"draft_movie_title_word{n}" for n in range(2, 7)}
        assert {"draft_movie_title_prefix", *word_indexes} <= used, used
        assert "draft_title_word_pkey" in used, used  # the corrections one edit away


@pytest.mark.postgresql
@pytest.mark.parametrize(
    "function, argument, given",
    [
        ("draft_words_like", "typed", ["kamtiu", "her", "nigth", "xqzvw"]),
        ("draft_words_holding", "part", ["amitu", "her", "itu", "xqzvw"]),
    ],
)
def test_the_words_come_from_the_trigram_index(hundred_thousand_films, function, argument, given):
    """The functions of migration 0007 that read the words run with scans of the table and of
    the btree off, leaving the trigram index: with tens of thousands of words the planner would
    rather compute every word's similarity (it counts it as cheap as an addition) or match
    every word against the pattern, and the search would take 30 ms to 0.2 s."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT proconfig, prosrc FROM pg_proc WHERE proname = %s", [function])
        settings, body = cursor.fetchone()
        assert settings == TRIGRAMS_ONLY
        query = re.sub(rf"\b{argument}\b", "$1", re.sub(r"\bhow_many\b", "$2", body))
        cursor.execute(f"PREPARE words (text, integer) AS {query}")
        try:
            for setting in TRIGRAMS_ONLY:
                cursor.execute(f"SET {setting}")
            for value in given:
                cursor.execute(f"EXPLAIN EXECUTE words('{value}', 3)")
                plan = "\n".join(row[0] for row in cursor.fetchall())
                assert "Bitmap Index Scan on draft_title_word_trgm" in plan, plan
                assert "Seq Scan" not in plan, plan
        finally:
            for setting in TRIGRAMS_ONLY:
                cursor.execute(f"RESET {setting.split('=')[0]}")
            cursor.execute("DEALLOCATE words")


@pytest.mark.postgresql
def test_a_word_is_corrected_and_found_inside_others_from_the_words(hundred_thousand_films):
    with connection.cursor() as cursor:
        cursor.execute("SELECT min(word) FROM draft_title_word WHERE word LIKE 'kamitu%%'")
        word = cursor.fetchone()[0]
        misspelt = word[:3] + word[4] + word[3] + word[5:]  # "kamtiu…"
        cursor.execute("SELECT word FROM draft_words_like(%s, 3)", [misspelt])
        assert word in [w for (w,) in cursor.fetchall()]
        cursor.execute("SELECT word FROM draft_words_holding('amitu', 3)")
        holding = [w for (w,) in cursor.fetchall()]
    assert len(holding) == 3
    assert all("amitu" in w and not w.startswith("amitu") for w in holding)
    assert [len(w) for w in holding] == sorted(len(w) for w in holding)
