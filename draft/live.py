"""What every viewer of a board shares, rendered once per board version.

A board page is two kinds of parts:

- shared: the banner (who is on the clock, the clock), the recent picks and the grid. They are
  the same for every viewer of one version of the draft, so they are rendered once per version
  (per process) and cached under (draft id, version, creation time). The version is read fresh
  from the database on every request, so a cached part is never stale: every service that
  changes what the board shows bumps the version (films retitled in the admin included).
- personal: the pick panel, my picks, my queue: rendered for each viewer.

The shared parts are kept as pieces with element ids (the banner, the recent picks, every seat
head and every cell of the grid), so the live stream can send a viewer only the pieces that
changed between two versions (`SharedBoard.changes_since`).

The DraftState of a version is cached the same way, for reading only: services always load
their own under the draft lock.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from django.conf import settings
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from draft import cells, selectors
from draft.models import Draft
from draft.state import DraftState

TEMPLATE = "draft/board.html"


class _VersionCache:
    """A small LRU of values per board version, shared by the threads of one process."""

    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()
        self.making: dict = {}  # key -> the lock held while that key's value is made

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value):
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self):
        with self.lock:
            self.items.clear()

    def get_or_make(self, key, make):
        """The value for `key`, made once: threads that ask for a key being made wait for it
        instead of making it again (a new version is asked for by the pick's own answer, the
        stream and every poll at the same moment)."""
        value = self.get(key)
        if value is not None:
            return value
        with self.lock:
            making = self.making.setdefault(key, threading.Lock())
        with making:
            value = self.get(key)
            if value is None:
                value = make()
                self.put(key, value)
        with self.lock:
            self.making.pop(key, None)
        return value


_states = _VersionCache(64)
_boards = _VersionCache(64)
_chats = _VersionCache(16)
_skeletons = _VersionCache(32)

# A board page all viewers of one kind share (`member_page`): where each viewer's own parts go,
# and where their CSRF token and the server's time do. NUL never reaches a page's text (the
# database's text cannot hold it, config/inputs.py strips it from every request).
HOLES = {name: mark_safe(f"\x00own:{name}\x00") for name in ("account", "messages", "panel")}
TOKEN = mark_safe("\x00own:token\x00")
NOW = mark_safe("\x00own:now\x00")
_HOLE = re.compile("\x00own:(\\w+)\x00")


def newest_chat(draft: Draft, data_state: str | None, make):
    """The newest page of a draft's chat as every viewer but a commissioner sees it (its lines,
    and their HTML), made by `make()` once per state of the database (`data_state`, the page
    cache's data and chat versions: config/pagecache.py) in this process. Without a state (no
    page cache: SQLite) it is made for each request."""
    if not data_state:
        return make()
    return _chats.get_or_make(("chat", *version_key(draft), data_state), make)


def member_page(draft: Draft, kind: tuple, render_shared, own: dict, *, token, now) -> str:
    """A board page made of what every viewer of one `kind` shares and the viewer's own parts.

    After a pick fifty members load the board, each with their own session: each used to be
    rendered whole. Now the page with the viewer's own parts left out (`HOLES`: the account
    links, the messages, the pick panel) and placeholders for the CSRF token and the server's
    time is rendered once per board version, state of the database and kind of viewer
    (`render_shared()`, given `HOLES`, `TOKEN` and `NOW` for `holes`, `csrf_token` and
    `page_now`), and each viewer's page is it with their own parts (`own`: the hole's name to
    its HTML) and their own token and time put in. `kind` must name everything the shared page
    shows that differs between two viewers (their role, whether they hold a seat, the host)."""
    pieces = _skeletons.get_or_make(
        ("member-page", *version_key(draft), *kind), lambda: _HOLE.split(render_shared())
    )
    # The token and the time are asked for only where the page has them: asking for a token
    # sets the CSRF cookie, which a reader's page without a form must not.
    values = {**own, "token": token, "now": now}
    page = [pieces[0]]
    for i in range(1, len(pieces), 2):
        page += [str(values[pieces[i]]), pieces[i + 1]]
    return "".join(page)


def version_key(draft: Draft) -> tuple:
    # The creation time tells apart drafts that reuse an id (a recreated database).
    return (draft.pk, draft.version, draft.created_at.timestamp())


def state_of(draft: Draft) -> DraftState:
    """The draft's state at its current version, for reading. Never change it: it is shared."""

    def load() -> DraftState:
        state = DraftState.load(draft)
        state.draft = draft
        selectors.link_picks(state)  # pages follow pick.seat and pick.category
        return state

    state = _states.get_or_make(version_key(draft), load)
    state.draft = draft  # the caller's row: the same version, and its league is loaded
    return state


def board_of(draft: Draft) -> selectors.Board:
    return selectors.build_board(draft, state_of(draft))


@dataclass(frozen=True)
class SharedBoard:
    version: int
    banner: SafeString
    recent: SafeString
    grid: SafeString
    # Piece id → HTML, in page order: the banner, the recent picks, each seat head and cell.
    pieces: dict[str, str] = field(default_factory=dict)
    turn: dict = field(default_factory=dict)

    @property
    def banner_oob(self) -> SafeString:
        return out_of_band(self.banner)

    @property
    def recent_oob(self) -> SafeString:
        return out_of_band(self.recent)

    def changes_since(self, older: SharedBoard) -> dict[str, str] | None:
        """The pieces that differ from an older version's; None when the grid's shape changed
        (seats or categories added, moved or removed in setup): then only a full reload will
        do."""
        if older.pieces.keys() != self.pieces.keys():
            return None
        return {key: html for key, html in self.pieces.items() if older.pieces[key] != html}


def out_of_band(html: str) -> SafeString:
    # The first tag of a piece gets hx-swap-oob, so htmx swaps it where it stands.
    head, rest = html.split(">", 1)
    return mark_safe(f'{head} hx-swap-oob="true">{rest}')


def shared_board(draft: Draft) -> SharedBoard:
    """The shared parts of the board at the draft's current version, rendered once."""
    return _boards.get_or_make(version_key(draft), lambda: _render(draft))


def previous_board(draft: Draft) -> SharedBoard | None:
    """The shared parts of the version before the current one, if this process still has them
    (it rendered them for a page or a stream that opened then)."""
    return board_at(draft, draft.version - 1)


def board_at(draft: Draft, version: int) -> SharedBoard | None:
    """The shared parts of an earlier version of the draft, if this process still has them."""
    key = version_key(draft)
    return _boards.get((key[0], version, key[2]))


def _render(draft: Draft) -> SharedBoard:
    board = board_of(draft)
    state = board.state
    turn = turn_of(board)
    context = {
        "draft": draft,
        "league": draft.league,
        "board": board,
        "turn_json": json.dumps(turn, separators=(",", ":")),
        "on_clock_seat": board.on_clock_seat,
        "poll_seconds": settings.BOARD_POLL_SECONDS,
    }
    paused = draft.status == Draft.Status.PAUSED
    urls = cells.PickUrls(draft)
    pieces: dict[str, str] = {}
    banner = get_template(f"{TEMPLATE}#board-banner").render(context).strip()
    recent = get_template(f"{TEMPLATE}#board-recent").render(context).strip()
    pieces["board-banner"] = banner
    pieces["board-recent"] = recent
    clock_seat = board.on_clock_seat.pk if board.on_clock_seat else None
    heads = []
    for seat in state.seats:
        piece = f"seat-{seat.pk}"
        html = cells.seat_head(seat, piece=piece, on_clock=seat.pk == clock_seat, paused=paused)
        pieces[piece] = html
        heads.append(html)
    rows = []
    for row in board.rows:
        row_cells = []
        for cell in row.cells:
            piece = f"cell-{cell.key}"
            html = cells.grid_cell(cell, piece=piece, paused=paused, urls=urls)
            pieces[piece] = html
            row_cells.append(html)
        rows.append((row, row_cells))
    grid = get_template(f"{TEMPLATE}#board-grid").render({**context, "heads": heads, "rows": rows})
    return SharedBoard(
        version=draft.version,
        banner=mark_safe(banner),
        recent=mark_safe(recent),
        grid=mark_safe(grid.strip()),
        pieces=pieces,
        turn=turn,
    )


def turn_of(board: selectors.Board) -> dict:
    """Whose turn it is, for clients deciding whether their own part of the page changed."""
    state, draft = board.state, board.draft
    on_clock = board.on_clock_seat
    following = state.up_next() if draft.status == Draft.Status.LIVE else None
    position = board.on_clock_position
    return {
        "status": draft.status,
        "on_clock": on_clock.membership_id if on_clock else None,
        # The slot on the clock: a seat holder's page counts its picks away from it.
        "slot": state.on_clock if draft.status == Draft.Status.LIVE else None,
        "name": on_clock.display_name if on_clock else "",
        "label": board.on_clock_label,
        "round": position.round if position else None,
        "pick": position.pick_in_round if position else None,
        "category": board.on_clock_category.name if board.on_clock_category else "",
        "up_next": following[0].membership_id if following else None,
        "owed": sorted({seat.membership_id for _, seat in board.owed if seat.has_member}),
    }


def forget() -> None:
    """Drop every cached version (tests; a process never needs to: versions only grow)."""
    _chats.clear()
    _skeletons.clear()
    _states.clear()
    _boards.clear()
