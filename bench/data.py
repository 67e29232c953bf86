"""The bench's data, and the requests it times.

`prepare()` adds to a migrated database that already holds the demo league (`seed_demo`) what
the targets of issue 10 name: a 16-seat × 20-round board half drafted (160 picks), 200 comments
on the demo's *Her* pick (2.01), and two pick pages that carry the same writeup with 10 and with
1,000 comments; and, for issue 17, 50 members in the board's league (its 16 seat holders and 34
more). `bench_paths()` lists the requests, each with the status and the text its answer must
carry, so that a 404, a 500 or a page that lost its data is never timed; `bench_paths(live=True)`
lists them as live mode times them, while picks and chat lines change the board (bench/activity.py).

Only public entry points are used (the demo, the factories of tests/draft/factories.py, the
reviews services, URL reversing), so the harness survives refactors of selectors and views.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from draft.demo import DRAFT_NAME, LEAGUE_NAME
from draft.demo.last_season import LAST_SEASON_NAME
from draft.models import Draft, Movie, Pick
from draft.services.leagues import join_league
from reviews import rules as reader_rules
from reviews import services as reviews
from reviews.demo import HER_WRITEUP
from reviews.models import Comment, Writeup
from tests.draft.factories import bulk_fill_picks, make_users, sixteen_by_twenty

# Every comment the bench writes carries this word, so a check can tell its comments are shown
# without depending on which page of a long thread comes first.
COMMENT_MARK = "benchmark-comment"
# Share of the floor's req/s each kind of path must reach with nothing written meanwhile (issue
# 10; "members", issue 17, as the member's own board); "thread" is compared with the 10-comment
# pick page instead of the floor.
TARGETS = {
    "poll": 0.90,
    "partial": 0.50,
    "page": 0.40,
    "search": 0.25,
    "thread": 0.80,
    "members": 0.40,
}
# In live mode (issue 17: a pick every 2 s, a chat line every second, the worker running), every
# reader page, the 1,000-comment one included, is held to the floor.
LIVE_TARGETS = {"poll": 0.95, "partial": 0.60, "page": 0.60, "search": 0.60, "members": 0.50}
SEARCH_QUERY = "love"
# Members of the board's league signed in at once on the "50 members" path.
MEMBERS = 50

_SENTENCES = [
    "I rewatched it after reading this and the *score* did most of the work again.",
    "Fair pick for the round, though I would have taken it a round later.",
    "The scene you describe in the second paragraph is the one I always forget.",
    "Adding it to the weekend list, [the writeup](https://example.com/notes) sold me.",
    "Strong take. The ending still splits my group chat every time it comes up.",
    "Not for me, but I can see why it went this early in the draft.",
]


@dataclass
class BenchData:
    """What prepare() made: the objects the paths point at."""

    board: Draft  # the 16 × 20 draft, 160 of 320 picks made
    member_on_clock: object  # User whose seat is on the clock on that board
    her: Pick
    her_comments: int
    thread_picks: dict[int, Pick] = field(default_factory=dict)  # comment count -> pick
    # Members of the board's league: its seat holders in seat order, then members without a seat.
    members: list = field(default_factory=list)


@dataclass(frozen=True)
class BenchPath:
    """One request the bench times, and what its answer must look like before it is timed."""

    key: str
    label: str
    url: str
    target: str  # a key of TARGETS, or "" for a baseline with no target of its own
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    expect: tuple[str, ...] = ()  # text the body must contain
    absent: tuple[str, ...] = ()  # text it must not contain
    baseline: str = ""  # for target "thread": the key of the path it is compared with
    # The wrk script (in bench/) that makes its requests; report.lua sends the same one each time.
    script: str = "report.lua"
    # members.lua: each request carries the next of these `Cookie:` values (its member's session).
    cookies: tuple[str, ...] = ()
    # Live mode, where picks move the board's version while wrk runs: the `v=` of the URL is
    # taken anew at each run, the version then ("current"; follow.lua follows it from there) or
    # the one before it ("behind": a board one pick or more behind, as after a change).
    follow: str = ""


def comment_body(n: int) -> str:
    return f"Comment {n} ({COMMENT_MARK}). {_SENTENCES[n % len(_SENTENCES)]}"


def add_comments(writeup: Writeup, count: int, *, first: int = 1) -> None:
    """`count` reader comments through the comment service (so whatever it maintains, it
    maintains here too); every fourth one replies to the latest top-level comment. Each comes
    from its own address so the rate limit never refuses one."""
    settings_row = reader_rules.league_settings(writeup.pick.draft.league)
    parent_id = None
    for n in range(first, first + count):
        comment = reviews.post_comment(
            writeup=writeup,
            user=None,
            data=reviews.CommentInput(
                body=comment_body(n),
                name=f"Bench Reader {n % 37}",
                email=f"reader{n % 37}@readers.example.com",
                parent_id=parent_id if n % 4 == 0 else None,
            ),
            ip=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
            settings_row=settings_row,
        )
        if comment.parent_id is None:
            parent_id = comment.pk


def prepare(
    *, her_comments: int = 200, threads: tuple[int, int] = (10, 1000), members: int = MEMBERS
) -> BenchData:
    """Add the bench's data to a database that holds the demo league (run seed_demo first)."""
    her = Pick.objects.select_related("draft__league", "seat__membership__user").get(
        draft__league__name=LEAGUE_NAME, draft__name=DRAFT_NAME, movie__title="Her"
    )
    her_writeup = Writeup.objects.get(pick=her)
    existing = Comment.objects.filter(writeup=her_writeup).count()
    if existing < her_comments:
        add_comments(her_writeup, her_comments - existing)

    setup = sixteen_by_twenty()
    bulk_fill_picks(setup, 160)
    board = setup.refresh()

    thread_picks = {}
    picks = Pick.objects.filter(draft=board).select_related("draft__league", "seat__membership")
    for pick, count in zip(picks.order_by("slot")[: len(threads)], threads, strict=True):
        writeup = reviews.save_writeup(
            pick=pick, actor=pick.seat.user, body=HER_WRITEUP, publish=True
        )
        add_comments(writeup, count)
        thread_picks[count] = pick

    # The rest of the league joins as anyone does, with the invite: members without a seat.
    others = make_users(max(0, members - len(setup.users)), prefix="member")
    for user in others:
        join_league(user=user, league=board.league, token=board.league.invite_token)
    return BenchData(
        board=board,
        member_on_clock=setup.user_on_clock(),
        her=her,
        her_comments=Comment.objects.filter(writeup=her_writeup).count(),
        thread_picks=thread_picks,
        members=[*setup.users, *others][:members],
    )


def session_cookie(user) -> str:
    """A `Cookie:` header value that signs `user` in: a session saved in the bench database, made
    by Django's own login()."""
    request = HttpRequest()
    request.session = import_module(settings.SESSION_ENGINE).SessionStore()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.save()
    return f"{settings.SESSION_COOKIE_NAME}={request.session.session_key}"


def poll_url(board: Draft) -> tuple[str, int]:
    """The URL a reader's open board polls, read from the page itself (the panel key travels
    with the version), and the version in it. Falls back to `?v=<version>`."""
    page = Client(SERVER_NAME="localhost").get(board.get_absolute_url())
    found = re.search(r'hx-get="([^"]*[?&]v=(\d+)[^"]*)"', page.content.decode())
    if found:
        return html.unescape(found.group(1)), int(found.group(2))
    board.refresh_from_db()
    return f"{board.get_absolute_url()}?v={board.version}", board.version


def bench_paths(data: BenchData, *, live: bool = False) -> list[BenchPath]:
    """The requests the bench times. `live`: as live mode times them, while the board moves
    (picks, and undos once it is full): the poll follows the board's version, the partial is
    a pick or more behind it, and answers are recognised by the board's first pick (which the
    activity never takes back) instead of its last; every reader page has the floor as its
    measure."""
    board = data.board
    picks = Pick.objects.filter(draft=board).order_by("slot").values_list("movie__title", flat=True)
    title = picks.first() if live else picks.last()
    current, version = poll_url(board)
    stale = re.sub(r"([?&]v=)\d+", rf"\g<1>{version - 1}", current)
    htmx = {"HX-Request": "true"}
    demo = data.her.draft
    last_season = Draft.objects.get(league=demo.league, name=LAST_SEASON_NAME)
    her_film = Movie.objects.get(pk=data.her.movie_id)
    small, large = sorted(data.thread_picks)
    dylan = data.her.seat.user.username
    logout = reverse("logout")
    members = tuple(session_cookie(user) for user in data.members)
    if live:
        poll = BenchPath(
            "poll-204",
            "board poll, following the draft (204 between picks)",
            current,
            "poll",
            204,
            # follow.lua reads the version from the board a poll brings after a pick, so these
            # answers come uncompressed (wrk's Lua cannot inflate); 204s have no body anyway.
            {**htmx, "Accept-Encoding": "identity"},
            script="follow.lua",
            follow="current",
        )
    else:
        poll = BenchPath(
            "poll-204", "board poll, nothing changed (204)", current, "poll", 204, htmx
        )
    return [
        poll,
        BenchPath(
            "board-partial",
            "board partial 16 × 20 after a change",
            stale,
            "partial",
            headers=htmx,
            expect=(title,),
            absent=("<html",),
            follow="behind" if live else "",
        ),
        BenchPath(
            "board-reader",
            "full board 16 × 20, reader",
            board.get_absolute_url(),
            "page",
            expect=(title, "<html"),
            absent=(logout,),
        ),
        BenchPath(
            "board-member",
            # In live mode the turn moves on: seat 1 is on the clock now and then.
            "full board 16 × 20, a member" if live else "full board 16 × 20, member on the clock",
            board.get_absolute_url(),
            "page",
            headers={"Cookie": session_cookie(data.member_on_clock)},
            # The pick form is only there for the member on the clock, and only when signed in.
            expect=(title, logout)
            if live
            else (
                title,
                logout,
                reverse("draft:pick_submit", args=[board.league.slug, board.slug]),
            ),
        ),
        BenchPath(
            "members",
            f"{len(members)} members on one board",
            board.get_absolute_url(),
            "members",
            expect=(title, logout),
            script="members.lua",
            cookies=members,
        ),
        BenchPath("home", "home", reverse("home"), "page", expect=(DRAFT_NAME, board.name)),
        BenchPath(
            "league",
            "league page",
            demo.league.get_absolute_url(),
            "page",
            expect=(LEAGUE_NAME, DRAFT_NAME),
        ),
        BenchPath(
            "recap",
            "recap 16 × 20",
            reverse("reviews:recap", args=[board.league.slug, board.slug]),
            "page",
            expect=(title,),
        ),
        BenchPath(
            "pick-200",
            f"pick page, {data.her_comments} comments",
            data.her.get_absolute_url(),
            "page",
            expect=(her_film.title, COMMENT_MARK),
        ),
        BenchPath(
            "blogger",
            "blogger page",
            reverse("reviews:blogger", args=[dylan]),
            "page",
            expect=(her_film.title, DRAFT_NAME),
        ),
        BenchPath(
            "film",
            "film page",
            her_film.get_absolute_url(),
            "page",
            expect=(her_film.title, DRAFT_NAME),
        ),
        BenchPath(
            "standings",
            "standings 16 × 20 (a preview)",
            reverse("results:standings", args=[board.league.slug, board.slug]),
            "page",
            expect=("Standings", title),
        ),
        BenchPath(
            "stats",
            "season stats (the demo's finished season)",
            reverse("results:draft_stats", args=[demo.league.slug, last_season.slug]),
            "page",
            expect=("Members at a glance",),
        ),
        BenchPath(
            "search",
            f"search “{SEARCH_QUERY}”",
            f"{reverse('reviews:search')}?q={SEARCH_QUERY}",
            "search",
            expect=(her_film.title,),
        ),
        BenchPath(
            f"pick-{small}",
            f"pick page, {small:,} comments",
            data.thread_picks[small].get_absolute_url(),
            "page" if live else "",
            expect=(COMMENT_MARK,),
        ),
        BenchPath(
            f"pick-{large}",
            f"pick page, {large:,} comments",
            data.thread_picks[large].get_absolute_url(),
            "page" if live else "thread",
            expect=(COMMENT_MARK,),
            baseline="" if live else f"pick-{small}",
        ),
    ]


def board_version(board_id: int) -> int:
    """The board's version now (live mode reads it before each run of a path that follows it)."""
    return Draft.objects.values_list("version", flat=True).get(pk=board_id)


def url_at(path: BenchPath, version: int) -> str:
    """The path's URL for a board at `version`: as it is, unless the path follows the board."""
    if not path.follow:
        return path.url
    shown = version if path.follow == "current" else version - 1
    return re.sub(r"([?&]v=)\d+", rf"\g<1>{shown}", path.url)


def check_answer(path: BenchPath, status: int, body: str) -> str | None:
    """Why an answer to `path` would make its numbers meaningless, or None when it is right."""
    if status != path.status:
        return f"answered {status}, expected {path.status}"
    if path.status == 204 and body:
        return f"a 204 with a body of {len(body)} characters"
    missing = [text for text in path.expect if text not in body]
    if missing:
        return f"the answer lacks {', '.join(repr(t) for t in missing)}"
    present = [text for text in path.absent if text in body]
    if present:
        return f"the answer contains {', '.join(repr(t) for t in present)}"
    return None
