"""Every read a reader page needs, in a fixed number of queries however many picks, writeups,
comments or votes it shows. Threads, tallies and grids are assembled in Python."""

from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    OuterRef,
    Q,
    Subquery,
)
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.text import slugify

from draft import live
from draft import selectors as draft_selectors
from draft.models import Category, Draft, Membership, Pick, Seat, Trade
from reviews.models import BloggerProfile, Comment, Vote, Writeup
from reviews.rules import comments_are_closed, draft_settings, league_settings, round_is_complete

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
        # With the results app's stats and set-up (by their reverse names): the recap's badges.
        Draft.objects.select_related(
            "league", "league__reader_settings", "reader_settings", "stats", "results_setup"
        )
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
            detail=f"{p.label} · {p.seat.display_name}",
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
    options = [Option(pk=s.pk, label=s.display_name) for s in seats]
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
    try:
        profile = pick.seat.user.blogger_profile if pick.seat.has_member else None
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
    """One page of a writeup's comment thread as one viewer sees it."""

    threads: list[Thread]  # the page's top-level comments, each with its replies
    count: int  # the comments the viewer sees in the whole thread, removed ones not counted
    held_count: int
    # Who sees more than a reader without an account: the held comments' ids and the ids of
    # the signed-in users who wrote them.
    held_ids: frozenset[int]
    held_user_ids: frozenset[int]
    number: int = 1  # the page shown, 1 = the oldest comments
    pages: int = 1


def comment_threads(
    writeup: Writeup,
    *,
    user,
    held_ids: set[int],
    moderator: bool,
    number: int | None = None,
    per_page: int = 50,
) -> Threads:
    """Page `number` of the thread (1 = the oldest; the newest when None or past the end):
    `per_page` top-level comments oldest first (newest threads last, as on a blog), each with
    its replies oldest first. Held comments show to moderators and to the browser that wrote
    them, and to nobody else, nor does any reply under one; a removed comment with replies
    stays as a placeholder so the replies keep their context. The count is of what the viewer
    sees in the whole thread.

    Reads the page's comments only, whatever the thread's length: the counts (1), the page's
    comments with their replies and their authors' profiles (1), and the held comments' ids
    (1, only when the writeup has some)."""
    user_id = user.pk if user.is_authenticated else None
    held, visible = Comment.Status.HELD, Comment.Status.VISIBLE
    mine = Q(pk__in=held_ids) | (Q(user_id=user_id) if user_id is not None else Q(pk__in=[]))
    mine_above = Q(parent__pk__in=held_ids) | (
        Q(parent__user_id=user_id) if user_id is not None else Q(pk__in=[])
    )
    shown = Q(status=visible) | (Q(status=held) if moderator else Q(status=held) & mine)
    shown_reply = Comment.objects.filter(parent=OuterRef("pk")).filter(shown)
    shown_top = Q(parent__isnull=True) & (
        shown | (Q(status=Comment.Status.REMOVED) & Exists(shown_reply))
    )
    # A visible comment is counted unless it replies to a held comment the viewer cannot see.
    counted = Q(status=visible) & (
        Q(parent__isnull=True) | ~Q(parent__status=held) | (Q() if moderator else mine_above)
    )
    of_writeup = Comment.objects.filter(writeup=writeup)
    totals = of_writeup.aggregate(
        tops=Count("pk", filter=shown_top),
        count=Count("pk", filter=counted),
        held=Count("pk", filter=Q(status=held)),
    )
    pages = max(1, -(-totals["tops"] // per_page))
    number = pages if number is None else min(max(number, 1), pages)
    start = (number - 1) * per_page
    page_tops = (
        of_writeup.filter(shown_top)
        .order_by("created_at", "id")
        .values("pk")[start : start + per_page]
    )
    comments = (
        Comment.objects.filter(Q(pk__in=page_tops) | Q(parent__in=page_tops))
        .select_related("user__blogger_profile")
        .order_by("created_at", "id")
    )
    threads: dict[int, Thread] = {}
    replies = []
    for c in comments:
        if c.parent_id is None:
            threads[c.pk] = Thread(comment=c)
        else:
            replies.append(c)
    for reply in replies:
        if reply.status == visible or (
            reply.status == held
            and (moderator or reply.pk in held_ids or (user_id and reply.user_id == user_id))
        ):
            threads[reply.parent_id].replies.append(reply)
    held_rows = (
        list(of_writeup.filter(status=held).values_list("pk", "user_id")) if totals["held"] else []
    )
    return Threads(
        threads=list(threads.values()),
        count=totals["count"],
        held_count=totals["held"],
        held_ids=frozenset(pk for pk, _ in held_rows),
        held_user_ids=frozenset(uid for _, uid in held_rows if uid is not None),
        number=number,
        pages=pages,
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
    trades: list[Trade]  # the trades that went through, in the order they did

    @property
    def published_count(self) -> int:
        return sum(1 for w in self.writeups.values() if w.is_published)

    @property
    def published_pick_ids(self) -> list[int]:
        return [pick_id for pick_id, w in self.writeups.items() if w.is_published]

    @property
    def votes_cast(self) -> bool:
        return any(q.total for q in self.questions)


def recap(draft: Draft, *, voter: str | None, viewer_can_see_drafts: bool = False) -> Recap:
    """The board with each pick's writeup state, every question's tally, and who is late with
    their writeup, and the trades made. Queries: the draft state (4, none when this process has
    read this version of the board already), writeup states (1), tallies (1 or 2), trades (1)."""
    board = live.board_of(draft)  # its state read once per board version, in this process
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
        trades=list(Trade.objects.filter(draft=draft, status="completed").order_by("version")),
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
            "pick__movie__poster",
            "pick__category__name",
            "pick__draft__name",
            "pick__draft__slug",
            "pick__draft__league__slug",
            "pick__draft__league__name",
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
