"""Film search: the pick panel's search as a member types, over the whole catalog.

Every step is a query an index answers in the order shown, with a LIMIT; the indexes, tables
and triggers are migration 0007's (docs/architecture.md, "Film search")."""

import itertools
import json
from dataclasses import dataclass, field

from django.db import connection

from draft import rules
from draft.models import Category, Draft, Movie, Pick
from draft.repeats import as_film, drafted_in_last_seasons

#
# The pick panel searches as a member types: a search of the whole catalog (a million films and
# more) per keystroke. So every step is a query that an index answers in the order shown, with a
# LIMIT, and the steps stop as soon as `limit` films are found; none ranks every title.
#   1. Titles that start with the query, the exact title first (it sorts first): one range of
#      the byte-ordered title index (PostgreSQL: draft_movie_title_prefix; SQLite: the unique
#      (search_title, year) index, whose BINARY order is byte order).
#   2. Titles with a later word that starts with it (PostgreSQL: the word-start indexes
#      draft_movie_title_word2..8; SQLite: the FTS5 table draft_movie_fts).
#   3. Titles with a word that holds the query other than at its start ("brother" for "her"):
#      steps 1 and 2 again for the shortest such words of the catalog's titles (draft_title_word,
#      with its trigram index on PostgreSQL).
#   4. The query with its misspelt words corrected to words of the catalog's titles
#      (draft_title_word: one edit away, then trigram similarity on PostgreSQL), and steps 1
#      and 2 again, until a correction finds films.
# The indexes, tables and triggers are migration 0007's; docs/architecture.md, "Film search".

# PostgreSQL's word-start indexes (migration 0007): the folded title from its n-th word on. The
# expression must be the index's, character for character, for the planner to use the index.
# Steps 1 and 2 compare ranges of byte-ordered btrees, never a LIKE, whose plan depends on the
# pattern: a plan prepared once (DATABASE_PREPARED) is as good for every query.
_WORD_FROM = r"substring(search_title, '^(?:\S+ ){%d}(.+)$')"
_WORD_POSITIONS = range(2, 9)
# SQLite: titles with a word that starts with the query, ranked per keystroke (in catalog order
# beyond that: the FTS5 index gives no other order without reading every match).
_WORD_CANDIDATES = 500
# Corrections tried per kind (one edit away, then trigrams); words shorter than this are
# never corrected (too many words are one letter away from "it").
_CORRECTIONS = 3
_SHORTEST_CORRECTED = 3
_EDIT_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"


def search_movies(query: str, *, limit: int = 12) -> list[Movie]:
    """Films whose title matches the query, best first; accents, case and punctuation never
    matter. The exact title (newest first), then titles that start with the query, then titles
    with a later word that starts with it, then (a word of three letters or more) titles with a
    word that holds it ("her": "Brother Bear"), then titles found by correcting a misspelt word
    ("godfater"). Within a step, in alphabetical order of the title (in the second, from the
    word that matched on)."""
    needle = rules.normalize_title(query)
    if not needle:
        return []
    found: dict[int, Movie] = {}
    for step in (_matching, _inside_words, _corrected):
        if len(found) >= limit:
            break
        for movie in step(needle, limit):
            found.setdefault(movie.pk, movie)  # a title with the word twice: its first place
    return list(found.values())[:limit]


def similar_movies(title: str, year: int | None = None, *, limit: int = 5) -> list[Movie]:
    """Films that may be the one a member is about to add: same title, or a close one."""
    needle = rules.normalize_title(title)
    if not needle:
        return []
    candidates = search_movies(title, limit=limit * 2)
    if year:
        candidates.sort(key=lambda m: (abs(m.year - year) > 1, m.search_title != needle))
    return candidates[:limit]


def _after_prefix(text: str) -> str:
    """The first string in byte order after every string that starts with `text`."""
    return text[:-1] + chr(ord(text[-1]) + 1)


def _matching(needle: str, limit: int) -> list[Movie]:
    """Steps 1 and 2 for `needle`: up to `limit` titles that start with it (the exact one
    first), then titles whose 2nd or later word (up to the 8th on PostgreSQL) starts with it,
    ordered by the title from that word on ("… hunter" before "… hunter 2" before
    "… hunters of …")."""
    upper = _after_prefix(needle)
    if connection.vendor == "postgresql":
        # One query: the prefix index, then one branch per word-start index, each its first
        # `limit` rows in the index's order; together, the first `limit` of all in that order.
        # (On PostgreSQL a query costs a round trip: the word branches, a few index probes,
        # cost less than asking again when the first step falls short.)
        branches = [
            "(SELECT draft_movie.*, 1 AS step FROM draft_movie "
            'WHERE (search_title COLLATE "C") >= %s AND (search_title COLLATE "C") < %s '
            'ORDER BY (search_title COLLATE "C"), year DESC LIMIT %s)'
        ]
        for n in _WORD_POSITIONS:
            rest = _WORD_FROM % (n - 1)
            branches.append(
                f"(SELECT draft_movie.*, 2 AS step FROM draft_movie WHERE {rest} IS NOT NULL "
                f'AND ({rest} COLLATE "C") >= %s AND ({rest} COLLATE "C") < %s '
                f'ORDER BY ({rest} COLLATE "C"), (search_title COLLATE "C"), year DESC '
                "LIMIT %s)"
            )
        params = [needle, upper, limit] * len(branches)
        movies = list(Movie.objects.raw(" UNION ALL ".join(branches), params))
    else:
        movies = list(
            Movie.objects.raw(
                "SELECT draft_movie.*, 1 AS step FROM draft_movie "
                "WHERE search_title >= %s AND search_title < %s "
                "ORDER BY search_title, year DESC LIMIT %s",
                [needle, upper, limit],
            )
        )
        if len(movies) < limit:
            movies += _words_starting_on_sqlite(needle, upper, limit)
    # Python's order of strings is byte order, the indexes' order.
    return sorted(
        movies,
        key=lambda m: (
            m.step,
            _from_word(m.search_title, needle) if m.step == 2 else m.search_title,
            m.search_title,
            -m.year,
        ),
    )


def _words_starting_on_sqlite(needle: str, upper: str, limit: int) -> list[Movie]:
    """Step 2 on SQLite: a word of the title starts with the phrase (FTS5 matches its last word
    as a prefix), not the first word (those were step 1's). The first _WORD_CANDIDATES matches
    are ranked by their titles alone; only the `limit` shown are loaded whole."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT draft_movie.id, draft_movie.search_title, draft_movie.year "
            "FROM draft_movie_fts CROSS JOIN draft_movie ON draft_movie.id = draft_movie_fts.rowid "
            "WHERE draft_movie_fts MATCH %s "
            "AND NOT (draft_movie.search_title >= %s AND draft_movie.search_title < %s) LIMIT %s",
            [f'"{needle}"*', needle, upper, _WORD_CANDIDATES],
        )
        candidates = cursor.fetchall()
    candidates.sort(key=lambda row: (_from_word(row[1], needle), row[1], -row[2]))
    shown = Movie.objects.in_bulk([pk for pk, *_ in candidates[:limit]])
    movies = [shown[pk] for pk, *_ in candidates[:limit] if pk in shown]
    for movie in movies:
        movie.step = 2
    return movies


def _from_word(title: str, needle: str) -> str:
    """`title` from the first of its later words that starts with `needle` (the smallest such
    rest, when several do)."""
    rests = [title[i + 1 :] for i in range(len(title)) if title.startswith(" " + needle, i)]
    return min(rests, default=title)


def _inside_words(needle: str, limit: int) -> list[Movie]:
    """Steps 1 and 2 for the shortest words of titles that hold a one-word `needle` other than
    at their start ("brother" for "her"), found in draft_title_word, never in the titles."""
    if " " in needle or len(needle) < _SHORTEST_CORRECTED:
        return []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # From draft_title_word_trgm, always (see draft_words_holding in migration 0007).
            cursor.execute("SELECT word FROM draft_words_holding(%s, %s)", [needle, _CORRECTIONS])
        else:
            # Every word read: about 8 ms for the 130,000 of a million films.
            cursor.execute(
                "SELECT word FROM draft_title_word WHERE instr(word, %s) > 1 "
                "ORDER BY length(word), word LIMIT %s",
                [needle, _CORRECTIONS],
            )
        words = [word for (word,) in cursor.fetchall()]
    movies = []
    for word in words:
        movies += _matching(word, limit - len(movies))
        if len(movies) >= limit:
            break
    return movies


def _corrected(needle: str, limit: int) -> list[Movie]:
    """Steps 1 and 2 for the query with its misspelt words corrected: the words no title has
    (the last, still being typed: that no title's word starts with) replaced by words titles
    have, likeliest first, until a correction finds films. Words one edit away are tried first;
    on PostgreSQL, then words with enough trigrams in common."""
    words = needle.split(" ")
    known = _known_words(words)
    misspelt = [i for i, word in enumerate(words) if word not in known]
    if not misspelt or any(len(words[i]) < _SHORTEST_CORRECTED for i in misspelt):
        return []
    last = len(words) - 1
    sources = [_one_edit_words] + ([_trigram_words] if connection.vendor == "postgresql" else [])
    tried = set()
    for source in sources:
        choices = [
            list(enumerate(source(words[i], as_prefix=i == last)[:_CORRECTIONS])) for i in misspelt
        ]
        # The likeliest combinations first: the smallest sum of each word's rank.
        options = sorted(itertools.product(*choices), key=lambda o: sum(r for r, _ in o))
        for option in options[:_CORRECTIONS]:
            corrected = list(words)
            for i, (_, word) in zip(misspelt, option, strict=True):
                corrected[i] = word
            if tuple(corrected) in tried:
                continue
            tried.add(tuple(corrected))
            if movies := _matching(" ".join(corrected), limit):
                return movies
    return []


def _known_words(words: list[str]) -> set[str]:
    """Which of `words` are words of titles; the last counts when a word starts with it."""
    *complete, last = words
    sql = (
        "SELECT * FROM (SELECT word FROM draft_title_word WHERE word >= %s AND word < %s "
        "ORDER BY word LIMIT 1) AS last_word"
    )
    params = [last, _after_prefix(last)]
    if complete:
        marks = ", ".join(["%s"] * len(complete))
        sql = f"SELECT word FROM draft_title_word WHERE word IN ({marks}) UNION ALL {sql}"
        params = [*complete, *params]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = {word for (word,) in cursor.fetchall()}
    return {w for w in complete if w in found} | (
        {last} if any(w.startswith(last) for w in found) else set()
    )


def _trigram_words(word: str, *, as_prefix: bool) -> list[str]:
    """PostgreSQL: the words of titles with the most trigrams in common with `word` (pg_trgm's
    similarity ≥ 0.3: "godfahtre", two edits away, is 0.33 similar to "godfather"), always
    from draft_title_word_trgm (see draft_words_like in migration 0007)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT word FROM draft_words_like(%s, %s) ORDER BY closeness DESC, word",
            [word, _CORRECTIONS],
        )
        return [w for (w,) in cursor.fetchall()]


def _one_edit_words(word: str, *, as_prefix: bool) -> list[str]:
    """The spellings one edit away from `word` (a letter left out, two swapped, one wrong or
    one missing) that are words of titles, looked up in draft_title_word's index all at once;
    with `as_prefix` (the word being typed), those a word of a title starts with, the longest
    (the most telling) first. Then swaps first, then the most alike."""
    variants = sorted(_one_edit_away(word))
    uppers = [_after_prefix(v) for v in variants]
    if connection.vendor == "postgresql":
        # One probe of the index per spelling, whatever the table's statistics say: LIMIT keeps
        # the planner from turning the lookup into a join (`word = ANY(…)` of 400 spellings
        # was read as a scan of every word when ANALYZE's sample made them look few).
        if as_prefix:
            sql = (
                "SELECT v FROM unnest(%s::text[], %s::text[]) AS variant (v, upper) "
                "CROSS JOIN LATERAL (SELECT 1 FROM draft_title_word "
                "WHERE word >= v AND word < upper LIMIT 1) AS found"
            )
            params = [variants, uppers]
        else:
            sql = (
                "SELECT v FROM unnest(%s::text[]) AS variant (v) CROSS JOIN LATERAL "
                "(SELECT 1 FROM draft_title_word WHERE word = v LIMIT 1) AS found"
            )
            params = [variants]
    elif as_prefix:
        sql = (
            "SELECT json_extract(value, '$[0]') FROM json_each(%s) AS variant WHERE EXISTS ("
            "SELECT 1 FROM draft_title_word WHERE word >= json_extract(variant.value, '$[0]') "
            "AND word < json_extract(variant.value, '$[1]'))"
        )
        params = [json.dumps(list(zip(variants, uppers, strict=True)))]
    else:
        sql = (
            "SELECT value FROM json_each(%s) AS variant WHERE EXISTS ("
            "SELECT 1 FROM draft_title_word WHERE word = variant.value)"
        )
        params = [json.dumps(variants)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = [w for (w,) in cursor.fetchall()]
    swaps = _swapped(word)
    found.sort(
        key=lambda w: (-len(w) if as_prefix else 0, w not in swaps, -_similarity(word, w), w)
    )
    return found


def _one_edit_away(word: str) -> set[str]:
    letters = _EDIT_LETTERS + "".join(sorted(set(word) - set(_EDIT_LETTERS)))
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return (
        {a + b[1:] for a, b in splits if b}
        | _swapped(word)
        | {a + c + b[1:] for a, b in splits if b for c in letters}
        | {a + c + b for a, b in splits for c in letters}
    ) - {word, ""}


def _swapped(word: str) -> set[str]:
    return {word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(len(word) - 1)}


def _similarity(a: str, b: str) -> float:
    """pg_trgm's similarity of two words: shared trigrams over all, each word padded."""
    ta, tb = ({f"  {w} "[i : i + 3] for i in range(len(w) + 1)} for w in (a, b))
    return len(ta & tb) / len(ta | tb)


@dataclass
class SearchResult:
    movie: Movie
    taken_by: str = ""
    taken_at: str = ""
    problems: list[str] = field(default_factory=list)
    # The first film of the results that can be drafted: the panel chooses it for the member.
    chosen: bool = False

    @property
    def available(self) -> bool:
        return not self.taken_by and not self.problems

    @property
    def unavailable(self) -> bool:
        return not self.available


def search_for_pick(
    query: str, *, draft: Draft, category: Category | None, limit: int = 12
) -> list[SearchResult]:
    """Search results for the pick panel, each marked taken (and by whom) or not fitting the
    category (and why: its rules, or the league's rule against films drafted in its last
    seasons). Two queries: the films, then the draft's picks of those films; a third where the
    league has that rule (`repeats.drafted_in_last_seasons`)."""
    movies = search_movies(query, limit=limit)
    if not movies:
        return []
    taken = {
        p.movie_id: p
        for p in Pick.objects.filter(draft=draft, movie__in=movies).select_related(
            "seat__membership"
        )
    }
    earlier = drafted_in_last_seasons(draft, [movie.pk for movie in movies])
    results = []
    for movie in movies:
        result = SearchResult(movie=movie)
        pick = taken.get(movie.pk)
        if pick:
            result.taken_by = pick.seat.display_name
            result.taken_at = pick.label
        if category is not None:
            result.problems = rules.ineligibility_reasons(as_film(movie), category.rule)
        if movie.pk in earlier:
            result.problems.append(earlier[movie.pk])
        results.append(result)
    first = next((result for result in results if result.available), None)
    if first is not None:
        first.chosen = True
    return results
