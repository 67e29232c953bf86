"""Film search that holds at a million films (issue 17): the indexes and tables that
`draft.search.search_movies` asks, one step at a time, each with a LIMIT.

Both databases:
- `draft_title_word`: every word of every folded title (`Movie.search_title`), kept by triggers
  on draft_movie, so that a code path that writes films (the admin, the importers' bulk writes,
  COPY) cannot forget it. A misspelt word of a search is corrected to one of these. Words of
  films deleted or retitled stay: a correction to a word no film has any more finds nothing.
- `search_title` loses its two single-column indexes: the unique (search_title, year) index
  answers the lookups by title, and the prefix index below the searches.

PostgreSQL:
- `draft_movie_title_prefix`: the folded title in byte order ("C" collation, whatever the
  database's), then year: a title that starts with the query, in the order shown.
- `draft_movie_title_word2..8`: the folded title from its 2nd, 3rd… 8th word on, in byte
  order: a later word that starts with the query, however common the word. Partial: a title
  is in the indexes of the words it has (the 5th word on: about one title in thirty).
- `draft_title_word_trgm`: trigrams of the words, for the corrections and the words that hold
  the query (pg_trgm), read through the functions `draft_words_like` and `draft_words_holding`.
- The trigram index of titles (0002's `draft_movie_search_trgm`) goes: no search reads it any
  more, and it was the dearest index to keep up as films are written.
- `moviedraft_simple` and `moviedraft_english`: text search configurations that fold accents
  (unaccent), for the reader search's titles, directors and writeups.
SQLite (where none of the above is possible):
- `draft_movie_fts`: an FTS5 index of the folded titles (external content: draft_movie), kept by
  triggers: a word that starts with the query.
- `draft_movie_directors_fts`: an FTS5 index of the directors' names, accents folded
  (contentless: the names are in a JSON column), kept by triggers: the reader search.
- The prefix search uses the unique index, whose BINARY order is byte order already.
"""

from django.db import migrations, models

# The folded title from its n-th word on (NULL with fewer words). The search must use the
# very same expression for PostgreSQL to use the index (draft/selectors.py, _WORD_FROM).
WORD_FROM = r"substring(search_title, '^(?:\S+ ){%d}(.+)$')"
WORD_POSITIONS = range(2, 9)
TRIGRAMS_ONLY = "SET enable_seqscan = off SET enable_indexscan = off SET enable_indexonlyscan = off"

POSTGRESQL = [
    "DROP INDEX IF EXISTS draft_movie_search_trgm",
    # Reader search (reviews.search.search): words with their accents folded, as kept
    # ("moviedraft_simple") and stemmed ("moviedraft_english"): "amelie" finds "Amélie".
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE TEXT SEARCH CONFIGURATION moviedraft_simple (COPY = simple)",
    "ALTER TEXT SEARCH CONFIGURATION moviedraft_simple ALTER MAPPING FOR "
    "asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, simple",
    "CREATE TEXT SEARCH CONFIGURATION moviedraft_english (COPY = english)",
    "ALTER TEXT SEARCH CONFIGURATION moviedraft_english ALTER MAPPING FOR "
    "asciiword, asciihword, hword_asciipart, word, hword, hword_part WITH unaccent, english_stem",
    'CREATE TABLE draft_title_word (word text COLLATE "C" PRIMARY KEY)',
    "INSERT INTO draft_title_word (word) SELECT DISTINCT w FROM draft_movie, "
    "regexp_split_to_table(search_title, ' ') AS w WHERE w <> '' ON CONFLICT DO NOTHING",
    "CREATE INDEX draft_title_word_trgm ON draft_title_word USING gin (word gin_trgm_ops)",
    # The words most like a misspelt one, from the trigram index and never by computing the
    # similarity of every word: the planner counts similarity() as cheap as an addition, and
    # for a vocabulary of tens of thousands of words it would choose to (30 ms to 0.2 s, where
    # the index takes a millisecond). With scans of the table and of the btree off, only a
    # bitmap scan is left, and only the trigram index can give one. The SETs apply inside the
    # function only.
    f"""
    CREATE FUNCTION draft_words_like(typed text, how_many integer)
    RETURNS TABLE (word text, closeness real) LANGUAGE sql STABLE {TRIGRAMS_ONLY}
    AS $$
        SELECT word, similarity(word, typed) FROM draft_title_word WHERE word % typed
        ORDER BY 2 DESC, 1 LIMIT how_many
    $$
    """,
    # Words are inserted in order, so that two transactions adding the same new words wait for
    # each other instead of deadlocking.
    """
    CREATE FUNCTION draft_title_words_added() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO draft_title_word (word)
        SELECT DISTINCT w FROM added, regexp_split_to_table(added.search_title, ' ') AS w
        WHERE w <> '' ORDER BY w
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION draft_title_words_retitled() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO draft_title_word (word)
        SELECT DISTINCT w FROM regexp_split_to_table(NEW.search_title, ' ') AS w
        WHERE w <> '' ORDER BY w
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$
    """,
    # Once per statement for inserts (a COPY or a bulk_create of thousands of films is one
    # INSERT of their words); per row for the rare retitle, and only when the title changed.
    "CREATE TRIGGER draft_title_words_on_insert AFTER INSERT ON draft_movie "
    "REFERENCING NEW TABLE AS added FOR EACH STATEMENT EXECUTE FUNCTION draft_title_words_added()",
    "CREATE TRIGGER draft_title_words_on_retitle AFTER UPDATE OF search_title ON draft_movie "
    "FOR EACH ROW WHEN (OLD.search_title IS DISTINCT FROM NEW.search_title) "
    "EXECUTE FUNCTION draft_title_words_retitled()",
    # The shortest words that hold a part other than at their start ("brother" for "her"), from
    # the trigram index for the same reason.
    f"""
    CREATE FUNCTION draft_words_holding(part text, how_many integer)
    RETURNS TABLE (word text) LANGUAGE sql STABLE {TRIGRAMS_ONLY}
    AS $$
        SELECT word FROM draft_title_word
        WHERE word LIKE '%' || part || '%' AND word NOT LIKE part || '%'
        ORDER BY length(word), word LIMIT how_many
    $$
    """,
    # Pick panel search, exact and prefix step.
    'CREATE INDEX draft_movie_title_prefix ON draft_movie ((search_title COLLATE "C"), year DESC)',
    # Pick panel search, word step: one index per word position.
    *(
        f"CREATE INDEX draft_movie_title_word{n} ON draft_movie "
        f'(({WORD_FROM % (n - 1)} COLLATE "C"), (search_title COLLATE "C"), year DESC) '
        f"WHERE {WORD_FROM % (n - 1)} IS NOT NULL"
        for n in WORD_POSITIONS
    ),
]
POSTGRESQL_REVERSE = [
    "CREATE INDEX IF NOT EXISTS draft_movie_search_trgm "
    "ON draft_movie USING gin (search_title gin_trgm_ops)",
    *(f"DROP INDEX IF EXISTS draft_movie_title_word{n}" for n in WORD_POSITIONS),
    "DROP INDEX IF EXISTS draft_movie_title_prefix",
    "DROP FUNCTION IF EXISTS draft_words_holding(text, integer)",
    "DROP FUNCTION IF EXISTS draft_words_like(text, integer)",
    "DROP TRIGGER IF EXISTS draft_title_words_on_retitle ON draft_movie",
    "DROP TRIGGER IF EXISTS draft_title_words_on_insert ON draft_movie",
    "DROP FUNCTION IF EXISTS draft_title_words_retitled()",
    "DROP FUNCTION IF EXISTS draft_title_words_added()",
    "DROP TABLE IF EXISTS draft_title_word",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS moviedraft_english",
    "DROP TEXT SEARCH CONFIGURATION IF EXISTS moviedraft_simple",
]

# A title's words as a JSON array, for json_each: folded titles hold only letters, digits and
# single spaces, never a quote or a backslash.
_SQLITE_WORDS = """INSERT OR IGNORE INTO draft_title_word (word)
    SELECT value FROM json_each('["' || replace(new.search_title, ' ', '","') || '"]')
    WHERE value <> ''"""


def _sqlite_directors(row: str) -> str:
    """A film's directors as one text ("Stanley Kubrick Agnès Varda"): the JSON column holds
    them with their accents escaped. The same for a row inserted and deleted, as the delete of
    a contentless FTS5 row must repeat what was indexed."""
    return (
        f"CASE WHEN json_valid({row}.directors) THEN "
        f"(SELECT group_concat(value, ' ') FROM json_each({row}.directors)) ELSE '' END"
    )


SQLITE = [
    "CREATE TABLE draft_title_word (word text PRIMARY KEY) WITHOUT ROWID",
    "INSERT OR IGNORE INTO draft_title_word (word) SELECT value FROM draft_movie, "
    """json_each('["' || replace(search_title, ' ', '","') || '"]') WHERE value <> ''""",
    # Pick panel search, word step. Prefix indexes of 1 to 3 letters: a word that starts with
    # a letter or three is looked up without merging every word that does.
    "CREATE VIRTUAL TABLE draft_movie_fts USING fts5(search_title, content='draft_movie', "
    "content_rowid='id', tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')",
    "INSERT INTO draft_movie_fts (draft_movie_fts) VALUES ('rebuild')",
    # Reader search: films by their directors' names, accents folded ("almodovar").
    "CREATE VIRTUAL TABLE draft_movie_directors_fts USING fts5(directors, content='', "
    "tokenize='unicode61 remove_diacritics 2')",
    "INSERT INTO draft_movie_directors_fts (rowid, directors) "
    f"SELECT id, {_sqlite_directors('draft_movie')} FROM draft_movie",
    f"""CREATE TRIGGER draft_movie_fts_insert AFTER INSERT ON draft_movie BEGIN
        INSERT INTO draft_movie_fts (rowid, search_title) VALUES (new.id, new.search_title);
        INSERT INTO draft_movie_directors_fts (rowid, directors)
        VALUES (new.id, {_sqlite_directors("new")});
        {_SQLITE_WORDS};
    END""",
    f"""CREATE TRIGGER draft_movie_fts_delete AFTER DELETE ON draft_movie BEGIN
        INSERT INTO draft_movie_fts (draft_movie_fts, rowid, search_title)
        VALUES ('delete', old.id, old.search_title);
        INSERT INTO draft_movie_directors_fts (draft_movie_directors_fts, rowid, directors)
        VALUES ('delete', old.id, {_sqlite_directors("old")});
    END""",
    f"""CREATE TRIGGER draft_movie_fts_retitle AFTER UPDATE OF search_title ON draft_movie BEGIN
        INSERT INTO draft_movie_fts (draft_movie_fts, rowid, search_title)
        VALUES ('delete', old.id, old.search_title);
        INSERT INTO draft_movie_fts (rowid, search_title) VALUES (new.id, new.search_title);
        {_SQLITE_WORDS};
    END""",
    f"""CREATE TRIGGER draft_movie_fts_directors AFTER UPDATE OF directors ON draft_movie BEGIN
        INSERT INTO draft_movie_directors_fts (draft_movie_directors_fts, rowid, directors)
        VALUES ('delete', old.id, {_sqlite_directors("old")});
        INSERT INTO draft_movie_directors_fts (rowid, directors)
        VALUES (new.id, {_sqlite_directors("new")});
    END""",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS draft_movie_fts_directors",
    "DROP TRIGGER IF EXISTS draft_movie_fts_retitle",
    "DROP TRIGGER IF EXISTS draft_movie_fts_delete",
    "DROP TRIGGER IF EXISTS draft_movie_fts_insert",
    "DROP TABLE IF EXISTS draft_movie_directors_fts",
    "DROP TABLE IF EXISTS draft_movie_fts",
    "DROP TABLE IF EXISTS draft_title_word",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement, params=None)

    return run


class Migration(migrations.Migration):
    dependencies = [("draft", "0006_membership_left_at")]

    operations = [
        migrations.AlterField(
            model_name="movie",
            name="search_title",
            field=models.CharField(editable=False, max_length=200),
        ),
        migrations.RunPython(
            _run({"postgresql": POSTGRESQL, "sqlite": SQLITE}),
            _run({"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE}),
        ),
    ]
