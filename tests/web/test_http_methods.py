"""HEAD answers wherever GET does (uptime monitors and link checkers use it), and the feeds
answer nothing but GET and HEAD. Every URL pattern of the site, found through the resolver."""

import pytest

from tests.web.site_map import routes

pytestmark = pytest.mark.django_db

# /healthz answers 503 while no worker has been seen (none runs here): its HEAD is tested apart,
# with the worker's check off (test_healthz_answers_head).
CHECKED_APART = {"healthz"}


def test_head_answers_like_get_on_every_url(world):
    """Issue 9, finding 10: HEAD was 405 on every page."""
    wrong = []
    for route in routes():
        if route.name in CHECKED_APART:
            continue
        url = world.url(route)
        for persona in ("anonymous", "on_clock", "commissioner"):
            client = world.client(persona)
            got = client.get(url).status_code
            head = client.head(url)
            if head.status_code != got or head.content:
                wrong.append(f"{url} as {persona}: GET {got}, HEAD {head.status_code}")
    assert not wrong, "\n".join(wrong)


def test_pages_readers_watch_answer_head_with_200(world):
    board = world.url(next(r for r in routes() if r.name == "draft:board"))
    for url in ["/", board, "/feeds/writeups.atom", "/leagues/", "/search/"]:
        assert world.client("anonymous").head(url).status_code == 200, url


def test_healthz_answers_head(client, settings):
    # Uptime monitors ask with HEAD; the answer is the same as GET's, without the body.
    settings.CLOCK_WORKER_STALE_SECONDS = 0
    response = client.head("/healthz")
    assert response.status_code == 200 and response.content == b""


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_feeds_answer_only_get_and_head(world, method):
    for url in ["/feeds/writeups.atom", f"/feeds/leagues/{world.league.slug}.atom"]:
        response = getattr(world.client("anonymous"), method)(url)
        assert response.status_code == 405, (method, url)
        assert sorted(response["Allow"].split(", ")) == ["GET", "HEAD"]


@pytest.mark.parametrize("action", ["pause", "end", "skip", "undo"])
def test_head_on_a_console_action_only_asks(world, action):
    """HEAD skips the CSRF check like GET: it must never carry out an action."""
    from django.urls import reverse

    from draft.models import Pick

    world.draft.refresh_from_db()
    before = (world.draft.status, world.draft.version, Pick.objects.count())
    url = reverse("draft:manage_action", args=[world.league.slug, world.draft.slug, action])
    assert world.client("commissioner").head(url).status_code in (200, 302)
    world.draft.refresh_from_db()
    assert (world.draft.status, world.draft.version, Pick.objects.count()) == before
