"""Real faults, through the production request handler (Django's WSGIHandler, as gunicorn runs
it, with its persistent connection and the close-old-connections signals that the test client
leaves out): the database goes away in the middle of a request.

- PostgreSQL: a second connection kills the app's own backend (`pg_terminate_backend`), after
  the pick's row was inserted but before its transaction committed, or in the middle of a
  board's queries.
- SQLite has no server to lose: another process holds the write lock past the busy timeout
  (a pick), or the database file is gone (a volume that went away: a board).

Either way the person gets the 503 page, nothing is half-written, and the next request works.
These tests commit for real (transaction=True).
"""

import os
import shutil
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.db import connection
from django.test import Client, RequestFactory

from draft.models import Draft, DraftEvent, Pick
from tests.draft.factories import four_by_three, make_movie
from tests.web.conftest import HTMX, board_url, pick_url, text

pytestmark = pytest.mark.django_db(transaction=True)

CSRF_TOKEN = "f" * 32


@dataclass
class Answer:
    status: int
    headers: dict
    body: str


class Browser:
    """One person's browser, talking to the app through the production WSGI handler."""

    def __init__(self, user=None):
        self.handler = WSGIHandler()
        self.cookies = SimpleCookie()
        self.cookies["csrftoken"] = CSRF_TOKEN
        if user is not None:
            client = Client()
            client.force_login(user)
            self.cookies["sessionid"] = client.cookies["sessionid"].value

    def get(self, path, **extra) -> Answer:
        return self._send(RequestFactory().get(path, **extra))

    def post(self, path, data, **extra) -> Answer:
        return self._send(RequestFactory().post(path, data, HTTP_X_CSRFTOKEN=CSRF_TOKEN, **extra))

    def _send(self, request) -> Answer:
        environ = dict(request.environ)
        environ["HTTP_COOKIE"] = self.cookies.output(header="", sep=";").strip()
        started = {}

        def start_response(status, headers, exc_info=None):
            started["status"] = int(status.split()[0])
            started["headers"] = dict(headers)

        response = self.handler(environ, start_response)
        try:
            body = b"".join(response).decode()
        finally:
            response.close()  # request_finished: what a WSGI server does after every response
        return Answer(started["status"], started["headers"], body)


@pytest.fixture
def setup(commissioner, member, other_member):
    """A live 4 × 3 board: Strange Dylan on the clock at 1.01."""
    setup = four_by_three(commissioner, [member, other_member], movies=0)
    setup.film = make_movie("Halloween", 1978, ["Horror"], 91)
    return setup


def kill_own_backend(connection_wrapper):
    """From a second connection, end the app's backend, and wait until it is gone."""
    import psycopg

    pid = connection_wrapper.connection.info.backend_pid
    params = connection_wrapper.settings_dict
    with psycopg.connect(
        dbname=params["NAME"],
        user=params["USER"],
        password=params["PASSWORD"] or None,
        host=params["HOST"],
        port=params["PORT"] or None,
        autocommit=True,
    ) as other:
        ended = other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0]
    assert ended


@contextmanager
def pick_cut_off():
    """The database goes away while a pick is being saved."""
    if connection.vendor == "postgresql":

        def after_the_pick_row(execute, sql, params, many, context):
            result = execute(sql, params, many, context)
            if sql.startswith('INSERT INTO "draft_pick"'):
                kill_own_backend(context["connection"])
            return result

        with connection.execute_wrapper(after_the_pick_row):
            yield
    else:
        with sqlite_write_lock_held_elsewhere():
            yield


@contextmanager
def board_cut_off():
    """The database goes away while the board is being read."""
    if connection.vendor == "postgresql":

        def at_the_draft(execute, sql, params, many, context):
            if sql.startswith("SELECT") and 'FROM "draft_draft"' in sql:
                kill_own_backend(context["connection"])
            return execute(sql, params, many, context)

        with connection.execute_wrapper(at_the_draft):
            yield
    else:
        with sqlite_file_gone():
            yield


@contextmanager
def sqlite_write_lock_held_elsewhere():
    """Another process writes and does not let go, for longer than the app waits."""
    options = connection.settings_dict["OPTIONS"]
    timeout = options.get("timeout")
    options["timeout"] = 0.2  # connections open per request on SQLite: the next one uses it
    connection.close()
    other = sqlite3.connect(connection.settings_dict["NAME"], isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()
        options["timeout"] = timeout


@contextmanager
def sqlite_file_gone():
    """The database file (and its write-ahead log) is not there any more."""
    connection.close()
    name = connection.settings_dict["NAME"]
    moved = []
    for path in (name, name + "-wal", name + "-shm"):
        if os.path.exists(path):
            shutil.move(path, path + ".away")
            moved.append(path)
    try:
        yield
    finally:
        connection.close()
        for path in (name, name + "-wal", name + "-shm"):
            if os.path.exists(path):
                os.remove(path)  # the empty database the request created
        for path in moved:
            shutil.move(path + ".away", path)


def board_state(draft: Draft):
    draft.refresh_from_db()
    return (Pick.objects.filter(draft=draft).count(), draft.version, DraftEvent.objects.count())


@pytest.mark.parametrize("htmx", [False, True], ids=["form", "htmx"])
def test_a_pick_cut_off_by_the_database_saves_nothing_and_the_next_pick_works(setup, member, htmx):
    dylan = Browser(member)
    before = board_state(setup.draft)
    pick = {"movie": setup.film.pk, "slot": 1}
    extra = HTMX if htmx else {}

    with pick_cut_off():
        answer = dylan.post(pick_url(setup), pick, **extra)

    if connection.vendor == "postgresql":
        # The connection is gone: the 503 page, which retries by itself.
        assert answer.status == 503
        assert answer.headers["Retry-After"] == "5"
        if htmx:
            assert answer.body == "Moviedraft is briefly unavailable. Retrying…"
        else:
            assert "Moviedraft is briefly unavailable" in text(answer.body)
            assert "What you just sent was not saved" in text(answer.body)
    else:
        # SQLite's write lock held past the wait is contention, not an outage: the pick was
        # tried twice and then refused with a message in the panel.
        assert answer.status == 200
        assert "The board was busy, please try again." in text(answer.body)
    assert board_state(setup.draft) == before  # nothing half-written

    # The database is back: the board answers, and the same pick goes through.
    board = dylan.get(board_url(setup))
    assert board.status == 200
    assert "Your pick: 1.01" in text(board.body)
    answer = dylan.post(pick_url(setup), pick, **extra)
    assert answer.status == (200 if htmx else 302)
    assert Pick.objects.get(draft=setup.draft, slot=1).movie == setup.film
    assert "Halloween" in text(dylan.get(board_url(setup)).body)


def test_a_board_cut_off_by_the_database_answers_503_and_the_next_load_works(setup, member):
    dylan = Browser(member)
    assert dylan.get(board_url(setup)).status == 200  # the connection is open and persists

    with board_cut_off():
        answer = dylan.get(board_url(setup))

    assert answer.status == 503
    assert "Your picks are safe" in text(answer.body)
    assert "data-retry-page" in answer.body

    answer = dylan.get(board_url(setup))
    assert answer.status == 200
    assert "Your pick: 1.01" in text(answer.body)


def test_a_persistent_connection_killed_between_requests_is_replaced(setup, member):
    """PostgreSQL restarted while the app was idle: the health check finds the dead connection
    before the next request uses it. On SQLite each request opens its own connection."""
    dylan = Browser(member)
    assert dylan.get(board_url(setup)).status == 200
    if connection.vendor == "postgresql":
        kill_own_backend(connection)

    answer = dylan.get(board_url(setup))

    assert answer.status == 200
    assert "Your pick: 1.01" in text(answer.body)
