"""Telling every app process that a board changed: PostgreSQL NOTIFY, sent inside the
transaction of the change, so it goes out when (and only if) the change commits.

Each app process listens (draft/stream.py) and fans the change out to the viewers connected to
it, so any number of app servers on one database keep every open board in step without a
broker. Changes of who may watch are sent the same way, so open streams follow access. On
SQLite there is no NOTIFY: boards there poll (a 204 when nothing changed).
"""

import json
import logging

from django.db import connection, connections

logger = logging.getLogger(__name__)

CHANNEL = "moviedraft"


def board_changed(draft_id: int, version: int) -> None:
    _notify({"d": draft_id, "v": version})


def chat_changed(draft_id: int, message_id: int, *, deleted: bool = False) -> None:
    _notify({"d": draft_id, "m": message_id, "x": deleted})


def access_changed(*, league_id: int, user_id: int | None = None) -> None:
    """Who may watch the league's drafts changed: the league made private or public, or (with
    `user_id`) that person joined, left, was removed or changed role. Open streams re-check."""
    _notify({"a": "league", "l": league_id, "u": user_id})


def sessions_changed(*, user_id: int) -> None:
    """Who a user's sessions sign in as changed: a log-out, a new password, an account made
    inactive. Their open streams re-check."""
    _notify({"a": "user", "u": user_id})


def _notify(payload: dict) -> None:
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_notify(%s, %s)", [CHANNEL, json.dumps(payload)])


# The listening connection's name in pg_stat_activity (an operator, or a test, can find it).
APPLICATION_NAME = "moviedraft-live"


class listening_connection:
    """A psycopg connection of its own, in autocommit, listening on the bus channel."""

    def __enter__(self):
        import psycopg

        params = connections["default"].get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        params["application_name"] = APPLICATION_NAME
        self.conn = psycopg.connect(**params, autocommit=True)
        self.conn.execute(f"LISTEN {CHANNEL}")
        return self.conn

    def __exit__(self, *exc):
        try:
            self.conn.close()
        except Exception:
            logger.debug("Closing the listening connection failed", exc_info=True)
