"""The database is down: every page answers 503 with a page in the site's look that retries by
itself, htmx requests get a short 503 the page shows in its live region, nothing is half-written,
and /healthz keeps its own JSON answer."""

from contextlib import contextmanager
from unittest import mock

import pytest
from django.contrib.sessions.middleware import SessionMiddleware
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.test import Client
from django.urls import reverse

from draft.models import Pick
from tests.web.conftest import HTMX, board_url, html_of, pick_url, text

pytestmark = pytest.mark.django_db


@contextmanager
def database_down(error=OperationalError):
    """Every query of this thread's connection fails, as when the server has gone away."""

    def refuse(execute, sql, params, many, context):
        raise error("server closed the connection unexpectedly")

    with connection.execute_wrapper(refuse):
        yield


@pytest.fixture
def app():
    """A browser's view of the site: a server error is an answer, not an exception."""
    return Client(raise_request_exception=False)


def assert_unavailable_page(response):
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "no-store" in response["Cache-Control"]
    assert "script-src 'self'" in response["Content-Security-Policy"]
    html = html_of(response)
    assert 'class="site-header"' in html
    assert "Moviedraft is briefly unavailable" in text(html)
    # Who is logged in is asked of the database: the page does not show it.
    assert "Log out" not in html and "Log in" not in html


def test_with_readers_pages_kept_a_reader_gets_the_same_503(app, live, settings):
    """The kept pages' key needs the database's state: a reader's request asks for it before
    any view runs, and that failing is the same 503 page, for a page and for a poll."""
    settings.PAGE_CACHE = True
    for url in ["/", board_url(live), reverse("draft:leagues")]:
        with database_down():
            response = app.get(url)
        assert_unavailable_page(response)
    with database_down():
        poll = app.get(board_url(live), {"v": 1}, **HTMX)
    assert poll.status_code == 503 and "briefly unavailable" in text(poll)


def test_every_page_answers_503_with_a_page_that_retries(app, live):
    for url in [
        "/",
        board_url(live),
        reverse("draft:leagues"),
        reverse("reviews:search") + "?q=her",
    ]:
        with database_down():
            response = app.get(url)
        assert_unavailable_page(response)
        assert "Your picks are safe" in text(response)
        assert "tries again by itself" in text(response)
        assert "data-retry-page" in html_of(response)
        assert f'href="{url}">Try again now</a>' in html_of(response)


def test_a_signed_in_member_gets_the_same_page(member, live):
    """Loading the member from the session is the first query that fails."""
    app = Client(raise_request_exception=False)
    app.force_login(member)
    with database_down(InterfaceError):
        response = app.get(board_url(live))
    assert_unavailable_page(response)


def test_a_form_sent_while_the_database_is_down_says_it_was_not_saved(app, member, live):
    app.force_login(member)
    with database_down():
        response = app.post(pick_url(live), {"movie": live.movies[0].pk, "slot": 1})

    assert_unavailable_page(response)
    assert "not saved" in text(response)
    # A page that answers a form must not resend it by itself.
    assert "data-retry-page" not in html_of(response)
    assert not Pick.objects.exists()


@pytest.mark.parametrize("error", [OperationalError, InterfaceError])
def test_htmx_requests_get_a_short_503_the_page_shows(app, member, live, error):
    app.force_login(member)
    poll = board_url(live) + f"?v={live.draft.version}"
    requests = [
        lambda: app.get(poll, **HTMX),
        lambda: app.post(pick_url(live), {"movie": live.movies[0].pk, "slot": 1}, **HTMX),
        lambda: app.get(
            reverse("draft:search", args=[live.league.slug, live.draft.slug]) + "?q=her", **HTMX
        ),
    ]
    for send in requests:
        with database_down(error):
            response = send()
        assert response.status_code == 503
        assert response["Retry-After"] == "5"
        assert response["HX-Reswap"] == "none"
        assert response["Content-Type"] == "text/plain; charset=utf-8"
        assert response.content.decode() == "Moviedraft is briefly unavailable. Retrying…"
    assert not Pick.objects.exists()


def test_a_failure_outside_the_view_answers_503_too(app, live):
    """The session is saved by a middleware after the view: a lost connection there goes
    through the 500 handler, which answers the same 503."""
    with mock.patch.object(
        SessionMiddleware, "process_response", side_effect=OperationalError("connection lost")
    ):
        response = app.get(board_url(live))
    assert_unavailable_page(response)


def test_other_server_errors_stay_500(app, live):
    with mock.patch.object(
        SessionMiddleware, "process_response", side_effect=DatabaseError("a real bug")
    ):
        response = app.get(board_url(live))
    assert response.status_code == 500
    assert "Something went wrong on our side" in text(response)


def test_healthz_keeps_its_own_json_answer(app):
    with mock.patch("config.views.clock_age", side_effect=OperationalError("gone")):
        response = app.get("/healthz")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"status": "error", "database": "unavailable"}


def test_the_next_request_works(app, live):
    with database_down():
        assert app.get(board_url(live)).status_code == 503
    response = app.get(board_url(live))
    assert response.status_code == 200
    assert "On the clock" in text(response)
