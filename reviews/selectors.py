"""Every read a reader page needs, in a fixed number of queries however many picks, writeups,
comments or votes it shows. Threads, tallies and grids are assembled in Python."""

import functools
import operator
import re
from collections import defaultdict
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
    Count,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce, Concat, Replace, StrIndex, Substr
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.text import slugify

from config.inputs import parse_int
from draft import rules as draft_rules
from draft import selectors as draft_selectors
from draft.models import Category, Draft, Membership, Pick, Seat
from reviews.models import BloggerProfile, Comment, Vote, Writeup
from reviews.services import (
    comments_are_closed,
    draft_settings,
    league_settings,
    round_is_complete,
)

PUBLISHED = Writeup.Status.PUBLISHED


def visible_leagues(user):
    return draft_selectors.visible_leagues(user)


def load_draft(league_slug: str, draft_slug: str) -> Draft | None:
    """The draft with its league, both reader settings rows and its number of seats (which
    says when a round is complete), in one query."""
    seats = (
        Seat.objects.filter(draft=OuterRef("pk"))
        .order_by()
        .values("draft")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Draft.objects.select_related("league", "league__reader_settings", "reader_settings")
        .annotate(seat_total=Coalesce(Subquery(seats), 0))
        .filter(league__slug=league_slug, slug=draft_slug)
        .first()
    )


def category_slug(category: Category) -> str:
    """ "Romance/Holiday/Animation" → "romance-holiday-animation", for the category page's URL."""
    return slugify(category.name.replace("/", " ")) or f"category-{category.position}"


# --- Votes ------------------------------------------------------------------------------


@dataclass
class Option:
    pk: int
    label: str
    detail: str = ""
    count: int = 0
    percent: int = 0
    chosen: bool = False


@dataclass
class Question:
    key: str
    title: str
    options: list[Option]
    open: bool
    voted: bool = False
    # Voting is open, but not yet for this question (a round still being drafted): why.
    waiting: str = ""

    @property
    def total(self) -> int:
        return sum(o.count for o in self.options)

    @property
    def show_results(self) -> bool:
        """Results after the reader has voted, or once voting is closed."""
        return self.voted or not self.open

    @property
    def leader(self) -> Option | None:
        best = max(self.options, key=lambda o: o.count, default=None)
        return best if best and best.count else None


def _tallies(draft: Draft, questions: list[str], voter: str | None):
    """Counts per (question, choice) and the voter's own choices: one query, two when the
    reader has a voter key."""
    counts: dict[tuple[str, int], int] = {}
    rows = (
        Vote.objects.filter(draft=draft, question__in=questions)
        .values("question", "pick_id", "seat_id")
        .annotate(n=Count("id"))
    )
    for row in rows:
        counts[(row["question"], row["pick_id"] or row["seat_id"])] = row["n"]
    mine: dict[str, int] = {}
    if voter:
        for q, pick_id, seat_id in Vote.objects.filter(
            draft=draft, question__in=questions, voter=voter
        ).values_list("question", "pick_id", "seat_id"):
            mine[q] = pick_id or seat_id
    return counts, mine


def _question(key, title, options, counts, mine, is_open) -> Question:
    for option in options:
        option.count = counts.get((key, option.pk), 0)
        option.chosen = mine.get(key) == option.pk
    total = sum(o.count for o in options)
    for option in options:
        option.percent = round(100 * option.count / total) if total else 0
    return Question(key=key, title=title, options=options, open=is_open, voted=key in mine)


def round_question(draft, round_number, picks, counts, mine, is_open, *, seats: int) -> Question:
    """The round's "best pick" question: open while the commissioners keep voting open, once
    the round is complete (its best pick is not known before)."""
    complete = round_is_complete(draft, picks_in_round=len(picks), seats=seats)
    options = [
        Option(
            pk=p.pk,
            label=f"{p.movie.title} ({p.movie.year})",
            detail=f"{p.label} · {p.seat.membership.display_name}",
        )
        for p in picks
    ]
    question = _question(
        Vote.round_question(round_number),
        f"Best pick of round {round_number}",
        options,
        counts,
        mine,
        is_open and complete,
    )
    if is_open and not complete:
        question.waiting = f"Voting on round {round_number} opens when the round is complete."
    return question


def draft_question(draft, seats: list[Seat], counts, mine, is_open) -> Question:
    options = [Option(pk=s.pk, label=s.membership.display_name) for s in seats]
    return _question(Vote.DRAFT_QUESTION, "Who won the draft?", options, counts, mine, is_open)


def _seat_total(draft: Draft) -> int:
    """The draft's number of seats: annotated by load_draft, else counted."""
    total = getattr(draft, "seat_total", None)
    return total if total is not None else Seat.objects.filter(draft=draft).count()


# --- The pick page ----------------------------------------------------------------------


@dataclass
class Thread:
    comment: Comment
    replies: list[Comment] = field(default_factory=list)


@dataclass
class PickPage:
    draft: Draft
    pick: Pick
    writeup: Writeup | None
    previous: Pick | None
    next: Pick | None
    profile: BloggerProfile | None
    comments_closed: bool
    vote: Question | None

    @property
    def published(self) -> bool:
        return self.writeup is not None and self.writeup.is_published


def pick_page(
    draft: Draft,
    round_number: int,
    pick_in_round: int,
    *,
    voter: str | None,
) -> PickPage | None:
    """The pick, its neighbours and its round, the writeup with the picker's profile and the
    round's vote; the comment threads are read apart (`comment_threads`), only when the
    rendered thread is not cached (reviews/threads.py). Queries: the round with the previous
    and next picks (1), the pick's writeup and profile (1), the vote tally (1) and the
    reader's own vote (1, only when they have a voter key)."""
    candidates = list(
        Pick.objects.filter(draft=draft)
        .filter(Q(round=round_number) | Q(round=round_number - 1) | Q(round=round_number + 1))
        .select_related("movie", "category", "seat__membership__user__blogger_profile")
        .order_by("slot")
    )
    # The previous and next picks can sit in the neighbouring rounds; a draft round is
    # never more than one round away from the pick next to it.
    pick = next(
        (p for p in candidates if p.round == round_number and p.pick_in_round == pick_in_round),
        None,
    )
    if pick is None:
        return None
    for p in candidates:
        p.draft = draft
    previous = max(
        (p for p in candidates if p.slot < pick.slot), key=lambda p: p.slot, default=None
    )
    following = min(
        (p for p in candidates if p.slot > pick.slot), key=lambda p: p.slot, default=None
    )
    writeup = Writeup.objects.filter(pick=pick).first()
    if writeup is not None:
        writeup.pick = pick
    user_obj = pick.seat.membership.user
    try:
        profile = user_obj.blogger_profile
    except BloggerProfile.DoesNotExist:
        profile = None

    closed = False
    if writeup is not None and writeup.is_published:
        closed = comments_are_closed(writeup, league_settings(draft.league))

    vote = None
    round_picks = [p for p in candidates if p.round == round_number]
    is_open = draft_settings(draft).voting_open
    if len(round_picks) > 1:
        counts, mine = _tallies(draft, [Vote.round_question(round_number)], voter)
        vote = round_question(
            draft, round_number, round_picks, counts, mine, is_open, seats=_seat_total(draft)
        )
    return PickPage(
        draft=draft,
        pick=pick,
        writeup=writeup,
        previous=previous,
        next=following,
        profile=profile,
        comments_closed=closed,
        vote=vote,
    )


@dataclass
class Threads:
    threads: list[Thread]
    count: int  # the comments the viewer sees, removed ones not counted
    held_count: int
    # Who sees more than a reader without an account: the held comments' ids and the ids of
    # the signed-in users who wrote them.
    held_ids: frozenset[int]
    held_user_ids: frozenset[int]


def comment_threads(writeup: Writeup, *, user, held_ids: set[int], moderator: bool) -> Threads:
    """Top-level comments oldest first (newest threads last, as on a blog), each with its
    replies oldest first. Held comments show to moderators and to the browser that wrote them,
    and to nobody else, nor does any reply under one; a removed comment with replies stays as
    a placeholder so the replies keep their context. The count is of what the viewer sees."""
    comments = list(
        Comment.objects.filter(writeup=writeup)
        .select_related("user__blogger_profile")
        .order_by("created_at", "id")
    )
    user_id = user.pk if user.is_authenticated else None

    def shown(c: Comment) -> bool:
        if c.status == Comment.Status.VISIBLE:
            return True
        if c.status == Comment.Status.HELD:
            return moderator or c.pk in held_ids or (user_id is not None and c.user_id == user_id)
        return False

    by_parent: dict[int, list[Comment]] = defaultdict(list)
    tops: list[Comment] = []
    for c in comments:
        if c.parent_id is None:
            tops.append(c)
        else:
            by_parent[c.parent_id].append(c)
    threads = []
    count = 0
    for top in tops:
        if top.status == Comment.Status.HELD and not shown(top):
            # Sealed: nothing of a held comment shows to anyone else, whatever sits under it.
            continue
        replies = [r for r in by_parent.get(top.pk, []) if shown(r)]
        if top.status == Comment.Status.REMOVED and not replies:
            continue
        threads.append(Thread(comment=top, replies=replies))
        count += sum(c.status == Comment.Status.VISIBLE for c in [top, *replies])
    held = [c for c in comments if c.status == Comment.Status.HELD]
    return Threads(
        threads=threads,
        count=count,
        held_count=len(held),
        held_ids=frozenset(c.pk for c in held),
        held_user_ids=frozenset(c.user_id for c in held if c.user_id is not None),
    )


# --- The recap and category pages --------------------------------------------------------


@dataclass
class Recap:
    board: draft_selectors.Board
    writeups: dict[int, Writeup]
    questions: list[Question]
    late: list[Pick]
    deadline: object
    categories: list[Category]

    @property
    def published_count(self) -> int:
        return sum(1 for w in self.writeups.values() if w.is_published)

    @property
    def votes_cast(self) -> bool:
        return any(q.total for q in self.questions)


def recap(draft: Draft, *, voter: str | None, viewer_can_see_drafts: bool = False) -> Recap:
    """The board with each pick's writeup state, every question's tally, and who is late with
    their writeup. Queries: the draft state (4), writeup states (1), tallies (1 or 2)."""
    board = draft_selectors.build_board(draft)
    state = board.state
    writeups = {
        w.pick_id: w
        for w in Writeup.objects.filter(pick__draft=draft).only(
            "id", "pick_id", "status", "published_at", "author_id"
        )
    }
    settings_row = draft_settings(draft)
    rounds = sorted({p.round for p in state.picks.values()})
    keys = [Vote.round_question(r) for r in rounds] + [Vote.DRAFT_QUESTION]
    counts, mine = _tallies(draft, keys, voter)
    questions = []
    if state.picks:
        questions.append(draft_question(draft, state.seats, counts, mine, settings_row.voting_open))
    for r in rounds:
        picks = sorted((p for p in state.picks.values() if p.round == r), key=lambda p: p.slot)
        if len(picks) > 1:
            questions.append(
                round_question(
                    draft, r, picks, counts, mine, settings_row.voting_open, seats=len(state.seats)
                )
            )
    deadline = settings_row.writeup_deadline
    late = []
    if deadline is not None:
        now = timezone.now()
        for p in sorted(state.picks.values(), key=lambda p: p.slot):
            w = writeups.get(p.pk)
            if w is None or not w.is_published:
                if now > deadline:
                    late.append(p)
            elif w.published_at > deadline:
                late.append(p)
    return Recap(
        board=board,
        writeups=writeups,
        questions=questions,
        late=late,
        deadline=deadline,
        categories=state.categories,
    )


def category_picks(draft: Draft, category: Category) -> list[Pick]:
    """Every pick in one category of a draft, with published writeups attached (1 query)."""
    picks = list(
        Pick.objects.filter(draft=draft, category=category)
        .select_related("movie", "seat__membership__user__blogger_profile", "writeup")
        .order_by("slot")
    )
    for p in picks:
        p.draft = draft
        p.category = category
    return picks


def published_writeup(pick: Pick) -> Writeup | None:
    """The pick's writeup if it is published, from what select_related loaded."""
    try:
        w = pick.writeup
    except Writeup.DoesNotExist:
        return None
    return w if w.is_published else None


# --- Lists of writeups: home, feeds, bloggers ----------------------------------------------


def _published_writeups():
    return (
        Writeup.objects.filter(status=PUBLISHED)
        .select_related(
            "pick__movie",
            "pick__category",
            "pick__draft__league",
            "pick__seat__membership__user__blogger_profile",
        )
        .order_by("-published_at", "-id")
    )


# How much of a writeup's text the home page reads for its excerpt (32 words), instead of the
# whole text of every writeup in the list.
EXCERPT_CHARS = 600


def latest_writeups(user, *, limit: int = 6) -> list[Writeup]:
    """The home page's tiles, in one query narrowed to what a tile shows: eight tables (no
    user or profile row: the tile names the member by their board name), only the columns the
    tile prints, and the start of the writeup's text (`excerpt`), never the whole of it. Who may
    read a league is asked of the league row the query joins anyway, not of a subquery."""
    visible = Q(pick__draft__league__is_public=True)
    if user.is_authenticated:
        visible |= Exists(
            Membership.objects.filter(league=OuterRef("pick__draft__league"), user=user)
        )
    return list(
        Writeup.objects.filter(visible, status=PUBLISHED)
        .select_related(
            "pick__movie", "pick__category", "pick__draft__league", "pick__seat__membership"
        )
        .only(
            "published_at",
            "pick__round",
            "pick__pick_in_round",
            "pick__movie__title",
            "pick__movie__year",
            "pick__movie__poster_url",
            "pick__category__name",
            "pick__draft__name",
            "pick__draft__slug",
            "pick__draft__league__slug",
            "pick__seat__membership__display_name",
        )
        .annotate(excerpt=Substr("public_text", 1, EXCERPT_CHARS))
        .order_by("-published_at", "-id")[:limit]
    )


def live_drafts(user, *, limit: int = 6) -> list[Draft]:
    return list(
        Draft.objects.filter(
            league__in=visible_leagues(user),
            status__in=[Draft.Status.LIVE, Draft.Status.PAUSED],
        )
        .select_related("league")
        .order_by("-started_at")[:limit]
    )


def feed_writeups(*, league=None, user=None, limit: int = 30) -> list[Writeup]:
    """Feeds are read without an account: public leagues only, always."""
    writeups = _published_writeups().filter(pick__draft__league__is_public=True)
    if league is not None:
        writeups = writeups.filter(pick__draft__league=league)
    if user is not None:
        writeups = writeups.filter(author=user)
    return list(writeups[:limit])


@dataclass
class BloggerPage:
    blogger: object
    profile: BloggerProfile | None
    picks: list[Pick]
    leagues: list

    @property
    def name(self) -> str:
        if self.profile and self.profile.display_name:
            return self.profile.display_name
        if self.picks:
            return self.picks[0].seat.membership.display_name
        return self.blogger.get_full_name() or self.blogger.username


def blogger_page(blogger, viewer) -> BloggerPage:
    """Every pick of a blogger in drafts the viewer may see, with its writeup state (1 query)."""
    try:
        profile = blogger.blogger_profile
    except BloggerProfile.DoesNotExist:
        profile = None
    picks = list(
        Pick.objects.filter(
            seat__membership__user=blogger, draft__league__in=visible_leagues(viewer)
        )
        .select_related("movie", "category", "draft__league", "seat__membership", "writeup")
        .order_by("-draft__created_at", "slot")
    )
    leagues = []
    for p in picks:
        if p.draft.league not in leagues:
            leagues.append(p.draft.league)
    return BloggerPage(blogger=blogger, profile=profile, picks=picks, leagues=leagues)


def blogger_is_hidden(blogger, viewer, page: BloggerPage | None = None) -> bool:
    """A user who never drafted in a league the viewer can see and has no profile has no page
    and no feed: either would only confirm that the account exists. The blogger page passes
    the page it built; the feed asks with one query. Either way the same rule, so the feed is
    404 exactly where the page is."""
    if viewer.is_authenticated and viewer.pk == blogger.pk:
        return False
    profile = page.profile if page is not None else getattr(blogger, "blogger_profile", None)
    if profile is not None:
        return False
    if page is not None:
        return not page.picks
    return not Pick.objects.filter(
        seat__membership__user=blogger, draft__league__in=visible_leagues(viewer)
    ).exists()


# --- Search -----------------------------------------------------------------------------

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
    """The picks that match; or, when none does, `suggestion`: the folded title of a picked
    film close to what was typed ("the godfather" for "godfater"), with the picks of the films
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
    picks = Pick.objects.filter(draft__league__in=visible_leagues(user)).select_related(
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
    closest = found[0].movie.search_title
    return SearchResults([_hit(p, []) for p in found], suggestion=closest)


def _hit(pick: Pick, words: list[str]) -> SearchHit:
    w = published_writeup(pick)
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


# --- Moderation ------------------------------------------------------------------------------


def held_comments(draft: Draft, *, limit: int = 100) -> list[Comment]:
    """Comments waiting for approval in a draft, oldest first (1 query)."""
    comments = list(
        Comment.objects.filter(writeup__pick__draft=draft, status=Comment.Status.HELD)
        .select_related("writeup__pick__movie")
        .order_by("created_at")[:limit]
    )
    for c in comments:
        c.writeup.pick.draft = draft  # the pick's URL needs the draft and league we have
    return comments
