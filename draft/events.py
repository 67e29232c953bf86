"""What the live room says: the Server-Sent Events a draft's stream sends (draft/stream.py),
each built once for every viewer of the draft, so with nothing of any one viewer's in it.

A board event carries the pieces of the board that changed since the version it follows, whose
turn it is, what happened in plain words (from the log) and the new chat lines; a chat event
one message posted or deleted. The event id is the board version.
"""

import json
import random
import time
from dataclasses import dataclass

from django.template.loader import get_template

from draft import chatroom, live, narration
from draft.models import Draft, DraftEvent

# What a browser waits before it reconnects a dropped stream.
RETRY_MS = 2000


def message(event: str, data, *, event_id: int | None = None) -> bytes:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"event: {event}")
    text = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    lines.extend(f"data: {line}" for line in text.split("\n"))
    return ("\n".join(lines) + "\n\n").encode()


def events_between(draft: Draft, after: int, upto: int) -> list[DraftEvent]:
    """The draft's log between two versions, oldest first (one query)."""
    events = DraftEvent.objects.filter(draft=draft, version__gt=after, version__lte=upto)
    return list(events.select_related("movie").order_by("id"))


def sentences(draft: Draft, events: list[DraftEvent]) -> list[str]:
    """What happened, in plain words, for the live region (draft/narration.py)."""
    return narration.sentences(events, live.state_of(draft))


def chat_line_html(draft: Draft, line) -> dict:
    """One chat line as the stream sends it: its id and its HTML, rendered once for everyone,
    so with nothing of any one viewer's in it (a commissioner's page fetches the line again
    with its delete button)."""
    html = get_template("draft/chat.html#chat-line").render(
        {"line": line, "league": draft.league, "draft": draft, "chat_tools": False}
    )
    return {"id": line.dom_id, "html": html.strip()}


@dataclass(frozen=True)
class BoardEvent:
    message: bytes
    shared: live.SharedBoard
    actors: frozenset[int]  # who made the changes it carries (the picker): they get it first


def board_event(draft: Draft, previous: live.SharedBoard | None) -> BoardEvent:
    """The event for the draft's current version, for viewers who hold `previous`: the pieces
    that changed, or (no previous, or a changed grid shape) the instruction to reload."""
    shared = live.shared_board(draft)
    changes = shared.changes_since(previous) if previous is not None else None
    events = events_between(draft, previous.version, shared.version) if previous else []
    lines = (chatroom.chat_event_line(event) for event in events)
    data = {
        "v": shared.version,
        "from": previous.version if previous is not None else None,
        "turn": shared.turn,
        "say": sentences(draft, events),
        "pieces": changes,
        "taken": sorted(live.state_of(draft).picked_movie_ids),
        # The chat shows every pick, undo, skip, pause and resume as a line of its own.
        "chat": [chat_line_html(draft, line) for line in lines if line is not None],
    }
    actors = frozenset(event.actor_id for event in events if event.actor_id is not None)
    return BoardEvent(message("board", data, event_id=shared.version), shared, actors)


def chat_event(note: dict) -> bytes:
    """A chat message posted (its line) or deleted (its id, to take it away)."""
    dom_id = f"chat-m{int(note['m'])}"
    if note.get("x"):
        return message("chat", {"id": dom_id, "deleted": True})
    draft = Draft.objects.select_related("league").get(pk=int(note["d"]))
    line = chatroom.chat_message_line(draft, int(note["m"]))
    if line is None:
        return message("chat", {"id": dom_id, "deleted": True})
    return message("chat", chat_line_html(draft, line))


def keepalive() -> bytes:
    return f": {int(time.time())}\n\n".encode()


def ready(version: int) -> bytes:
    return f"retry: {RETRY_MS}\n".encode() + message("ready", {"v": version})


def come_back() -> bytes:
    """The last words of a stream whose server is shutting down: reconnect in a moment. Spread
    over two seconds, so that a thousand browsers do not all knock at the same instant."""
    return f"retry: {random.randint(500, 2500)}\n: the server is restarting\n\n".encode()


def unavailable() -> bytes:
    """What a stream answers where it cannot stream (a WSGI server): poll instead."""
    return f"retry: {60_000}\n".encode() + message("unavailable", {})
