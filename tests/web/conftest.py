"""Fixtures for the web-layer tests: a live 4 × 3 board, named films, URL helpers.

The board most tests use (tests/draft/factories.py `four_by_three`), snake, one category a round:

    seat 1 Strange Dylan (member)        round 1 Horror/Thriller   slots 1.01 2.04 3.01
    seat 2 Maya Reel (other_member)      round 2 Before 1980       slots 1.02 2.03 3.02
    seat 3 Carla Commish (commissioner)  round 3 Wildcard          slots 1.03 2.02 3.03
    seat 4 Player 1                                                slots 1.04 2.01 3.04
"""

import re
from datetime import datetime
from html import unescape

import pytest
from django.urls import reverse

from tests.draft.factories import four_by_three, make_league, make_movie

# What htmx sends with every request it makes.
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world(commissioner, member, other_member, outsider):
    """tests/web/site_map.py's world: a public league, a live 4 × 3 draft, a written-up pick
    with a comment, a queue entry, a chat message."""
    from tests.web.site_map import build_world

    return build_world(commissioner, member, other_member, outsider)


@pytest.fixture
def readers_pages_kept(settings):
    """Readers' whole pages kept, as in production (config/pagecache.py; on PostgreSQL). Only
    for tests whose writes commit (transaction=True): a test's own transaction never changes the
    database's snapshot, so a kept page would outlive the test's changes."""
    settings.PAGE_CACHE = True


@pytest.fixture
def films():
    return {
        "halloween": make_movie("Halloween", 1978, ["Horror"], 91),
        "psycho": make_movie("Psycho", 1960, ["Horror", "Thriller"], 109),
        "her": make_movie("Her", 2013, ["Romance", "Drama", "Sci-Fi"], 126),
        "living_dead": make_movie("Night of the Living Dead", 1968, ["Horror"], 96),
        "opera": make_movie("A Night at the Opera", 1935, ["Comedy", "Music"], 96),
        "hunter": make_movie("The Night of the Hunter", 1955, ["Thriller", "Drama"], 92),
    }


@pytest.fixture
def live(commissioner, member, other_member, films):
    """The 4 × 3 board above, live, nobody has picked: Strange Dylan is on the clock at 1.01."""
    setup = four_by_three(commissioner, [member, other_member], movies=12)
    setup.movies = [*films.values(), *setup.movies]
    return setup


def board_url(setup) -> str:
    return reverse("draft:board", args=[setup.league.slug, setup.draft.slug])


def pick_url(setup) -> str:
    return reverse("draft:pick_submit", args=[setup.league.slug, setup.draft.slug])


def search_url(setup) -> str:
    return reverse("draft:search", args=[setup.league.slug, setup.draft.slug])


def manage_url(setup) -> str:
    return reverse("draft:manage", args=[setup.league.slug, setup.draft.slug])


def action_url(setup, action: str) -> str:
    return reverse("draft:manage_action", args=[setup.league.slug, setup.draft.slug, action])


def login_url(next_path: str) -> str:
    """Where login_required sends an anonymous visitor of `next_path`."""
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    query["next"] = next_path
    return reverse("login") + "?" + query.urlencode(safe="/")


def html_of(response) -> str:
    return response.content.decode()


def server_now(html) -> datetime:
    """The server's time a board page says it was given at (`data-now` on the room), which the
    countdown corrects the browser's clock by."""
    if not isinstance(html, str):
        html = html_of(html)
    return datetime.fromisoformat(re.search(r'id="board-room"[^>]*\bdata-now="([^"]+)"', html)[1])


def element(html, element_id: str) -> str:
    """The outer HTML of the element with `element_id` (the first one, nesting respected), or ""
    when the page has no such element. `html` may be a response."""
    if not isinstance(html, str):
        html = html_of(html)
    match = re.search(rf'<(\w+)\b[^>]*\bid="{re.escape(element_id)}"', html)
    if match is None:
        return ""
    tag, depth = match.group(1), 0
    for tag_match in re.finditer(rf"<(/?){tag}\b[^>]*>", html[match.start() :]):
        depth += -1 if tag_match.group(1) else 1
        if depth == 0:
            return html[match.start() : match.start() + tag_match.end()]
    return html[match.start() :]


def board_of(html) -> str:
    """The board every viewer shares: the banner, the grid and the recent picks (the pieces a
    page, a poll and the live stream carry), joined. `html` may be a response."""
    return "\n".join(element(html, part) for part in ("board-banner", "board-grid", "board-recent"))


def text(html) -> str:
    """What a person reads: the text without tags, whitespace collapsed. `html` may be a
    response."""
    if not isinstance(html, str):
        html = html_of(html)
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def sized_draft(size: str, commissioner, member, other_member, *, owners_moved=False):
    """A live draft of `size` ("4x3" or "16x20") with half of its slots picked, and a seated
    member whose queue holds a film someone else took plus one free film per round. With
    `owners_moved`, every third slot was traded to the next seat before the picks.

    Returns (setup, the queued member). Query-count tests compare the two sizes: what a page
    costs must not grow with seats, rounds, picks, traded slots or queue length."""
    from draft.models import Pick, QueueEntry
    from tests.draft.factories import bulk_fill_picks, move_owners, sixteen_by_twenty

    if size == "4x3":
        setup, drafter = four_by_three(commissioner, [member, other_member]), member
    else:
        setup = sixteen_by_twenty(commissioner)
        drafter = setup.users[1]
    if owners_moved:
        move_owners(setup)
    bulk_fill_picks(setup, len(setup.seats) * len(setup.categories) // 2)
    seat = setup.seat_of(drafter)
    picks = Pick.objects.filter(draft=setup.draft)
    sniped = picks.exclude(seat=seat).first().movie
    picked = set(picks.values_list("movie_id", flat=True))
    free = [m for m in setup.movies if m.pk not in picked][: len(setup.categories)]
    QueueEntry.objects.bulk_create(
        QueueEntry(seat=seat, movie=movie, rank=rank)
        for rank, movie in enumerate([sniped, *free], start=1)
    )
    setup.refresh()
    return setup, drafter


# The event stream tests' two drafts (tests/web/test_stream*.py).
@pytest.fixture
def public(commissioner, member, other_member):
    """A live 4 × 3 draft of a public league: Strange Dylan on the clock at 1.01."""
    return four_by_three(commissioner, [member, other_member], movies=12)


@pytest.fixture
def private(commissioner, member, other_member):
    """The same draft in a private league, "Secret Club"."""
    league = make_league(commissioner, [member, other_member], name="Secret Club", is_public=False)
    return four_by_three(commissioner, [member, other_member], league=league, movies=12)
