"""The reader search (`/search/`): the picks of the leagues a reader may see whose film,
directors, picker, category or published writeup match, in one query whatever their number;
and, when nothing matches, the closest title ("Did you mean …?")."""

import functools
import operator
import re
from dataclasses import dataclass, field

from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    TrigramWordSimilarity,
)
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Concat, Replace, StrIndex
from django.db.models.lookups import GreaterThan

from config.inputs import parse_int
from draft import rules as draft_rules
from draft.models import Pick
from reviews import selectors
from reviews.models import Writeup

# How close a title must come to a query that found nothing to be offered instead: the share of
# the query's trigrams in the title (pg_trgm's word_similarity: "godfater" has 0.78 of its
# trigrams in "the godfather", "amelei" 0.57 in "amelie"); and the shortest query offered one
# (one or two letters have too few trigrams to tell anything).
CLOSE_TITLE = 0.5
SHORTEST_CORRECTED = 4


@dataclass
class SearchHit:
    pick: Pick
    writeup: Writeup | None
    snippet: str = ""


@dataclass
class SearchResults:
    """The picks that match; or, when none does, `suggestion`: the title of a picked
    film close to what was typed ("The Godfather" for "godfater"), with the picks of the films
    closest to it in `hits`."""

    hits: list[SearchHit] = field(default_factory=list)
    suggestion: str = ""


def search(query: str, user, *, limit: int = 40) -> SearchResults:
    """Picks in leagues the reader may see, matched on the film's title and year, its
    directors, the picker's name, the category and the words of the published writeup; accents
    and case never matter. Picks whose title (and year) hold every word of the query come
    first. When nothing matches, the picks of the films whose title comes closest, and that
    title as a suggestion. One query, whatever the number of picks.

    PostgreSQL: titles, directors, names and categories are searched with `moviedraft_simple`,
    which keeps every word (the English configuration drops stop words, so "Her", "It", "Up"
    and "Once" could not be found by title) and folds accents; writeups both so and stemmed
    (`moviedraft_english`), so "lonely" also finds "loneliness". SQLite asks every word to be a
    word of the title (accents folded), a director's (accents folded, draft_movie_directors_fts),
    a word of the writeup, or part of the picker's name or the category."""
    query = " ".join(query.split())[:200]
    needle = draft_rules.normalize_title(query)
    if not needle:
        return SearchResults()
    picks = Pick.objects.filter(draft__league__in=selectors.visible_leagues(user)).select_related(
        "movie", "category", "draft__league", "seat__membership", "writeup"
    )
    if connection.vendor == "postgresql":
        picks = _matching_on_postgresql(picks, query, needle)
    else:
        picks = _matching_on_sqlite(picks, query, needle)
    found = list(picks[:limit])
    words = [w.lower() for w in query.split() if len(w) > 2]
    hits = [_hit(p, words) for p in found if p.matches]
    if hits or not found:
        return SearchResults(hits)
    closest = found[0].movie.title  # as the film is called: "Amélie", not "amelie"
    return SearchResults([_hit(p, []) for p in found], suggestion=closest)


def _hit(pick: Pick, words: list[str]) -> SearchHit:
    w = selectors.published_writeup(pick)
    return SearchHit(pick=pick, writeup=w, snippet=_snippet(w.public_text, words) if w else "")


def _matching_on_postgresql(picks, query: str, needle: str):
    simple, english = "moviedraft_simple", "moviedraft_english"
    title = SearchVector("movie__title", "movie__year", weight="A", config=simple)
    card = (
        title
        # The names as JSON text ('["Stanley Kubrick"]'): the parser keeps only the words.
        + SearchVector(Cast("movie__directors", TextField()), weight="B", config=simple)
        + SearchVector("seat__membership__display_name", weight="B", config=simple)
        # "Horror/Thriller" would be one path-like token to the parser: split it.
        + SearchVector(
            Replace(F("category__name"), Value("/"), Value(" ")), weight="B", config=simple
        )
        + SearchVector("writeup__public_text", weight="C", config=simple)
    )
    body = SearchVector("writeup__public_text", weight="C", config=english)
    every_word = SearchQuery(query, search_type="websearch", config=simple)
    stemmed = SearchQuery(query, search_type="websearch", config=english)
    return (
        picks.annotate(title_doc=title, card_doc=card, body_doc=body)
        .annotate(
            matches=ExpressionWrapper(
                Q(card_doc=every_word) | Q(body_doc=stemmed), output_field=BooleanField()
            ),
            closeness=TrigramWordSimilarity(Value(needle), "movie__search_title"),
        )
        .filter(_matching_or_close(needle))
        .annotate(
            title_first=Case(When(title_doc=every_word, then=Value(0)), default=Value(1)),
            rank=SearchRank(card, every_word) + SearchRank(body, stemmed),
        )
        .order_by("-matches", "title_first", "-rank", "-closeness", "-draft__created_at", "slot")
    )


def _matching_on_sqlite(picks, query: str, needle: str):
    # Titles word by word, as folded for the pick search: " the godfather " holds " her "
    # only if a word is "her".
    picks = picks.annotate(
        folded_title=Concat(Value(" "), "movie__search_title", Value(" ")),
        closeness=_trigram_share(needle, "movie__search_title"),
    )
    in_title, matches = Q(), Q()
    for word in query.split():
        folded = draft_rules.normalize_title(word)
        title_word = Q(folded_title__contains=f" {folded} ") if folded else Q(pk__in=[])
        year = parse_int(word, minimum=0, maximum=32767)  # the year column's range
        if year is not None:
            title_word |= Q(movie__year=year)
        in_title &= title_word
        matches &= (
            title_word
            | Q(seat__membership__display_name__icontains=word)
            | Q(category__name__icontains=word)
            # Whole words: "her" is not in "other" (Django's REGEXP is Python's re).
            | Q(writeup__public_text__iregex=rf"\b{re.escape(word)}\b")
            | (Q(_directed_by(folded)) if folded else Q(pk__in=[]))
        )
    return (
        picks.annotate(matches=ExpressionWrapper(matches, output_field=BooleanField()))
        .filter(_matching_or_close(needle))
        .annotate(title_first=Case(When(in_title, then=Value(0)), default=Value(1)))
        .order_by("-matches", "title_first", "-closeness", "-draft__created_at", "slot")
    )


def _matching_or_close(needle: str) -> Q:
    if len(needle) < SHORTEST_CORRECTED:
        return Q(matches=True)
    return Q(matches=True) | Q(closeness__gte=CLOSE_TITLE)


def _directed_by(folded: str) -> RawSQL:
    """The pick's film has a director with every word of `folded` (SQLite's FTS5 index of
    directors, accents folded: "almodovar" is Almodóvar)."""
    phrase = " ".join(f'"{w}"' for w in folded.split())
    return RawSQL(
        "EXISTS (SELECT 1 FROM draft_movie_directors_fts WHERE draft_movie_directors_fts "
        'MATCH %s AND draft_movie_directors_fts.rowid = "draft_pick"."movie_id")',
        [phrase],
        output_field=BooleanField(),
    )


def _trigram_share(needle: str, field_name: str):
    """The share of `needle`'s trigrams found in the folded text of `field_name`, each word
    padded as pg_trgm pads it: close to pg_trgm's word_similarity, for SQLite."""
    trigrams = sorted({f"  {w} "[i : i + 3] for w in needle.split() for i in range(len(w) + 1)})
    padded = Concat(Value("  "), Replace(F(field_name), Value(" "), Value("  ")), Value(" "))
    found = [
        Case(When(GreaterThan(StrIndex(padded, Value(t)), 0), then=Value(1.0)), default=Value(0.0))
        for t in trigrams
    ]
    return ExpressionWrapper(
        functools.reduce(operator.add, found) / Value(float(len(trigrams))),
        output_field=FloatField(),
    )


def _snippet(text: str, words: list[str], width: int = 220) -> str:
    lower = text.lower()
    positions = [lower.find(w) for w in words if lower.find(w) >= 0]
    if not positions:
        from reviews.markdown import excerpt

        return excerpt(text, width)
    start = max(0, min(positions) - 60)
    if start:
        start = text.find(" ", start) + 1
    piece = text[start : start + width].rsplit(" ", 1)[0]
    return ("…" if start else "") + piece + ("…" if start + width < len(text) else "")
