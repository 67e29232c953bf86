"""Leagues, drafts and picks. The database holds the draft's invariants, not just its data.

A module per concern: `leagues` (leagues, their members and their seasons), `movies` (the catalog), `drafts`
(a draft, its categories, seats, slots, picks, skips and log), `room` (the draft room's chat,
the members' queues and their turn-mail settings), `trades` (trades of picks, and picks held
before the start).
"""

import secrets


def new_invite_token() -> str:
    return secrets.token_urlsafe(16)


from draft.models.drafts import (  # noqa: E402
    Category,
    Draft,
    DraftEvent,
    DraftSlot,
    Keeper,
    Pick,
    Seat,
    SkippedSlot,
)
from draft.models.leagues import CurrentMembers, League, Membership, Season  # noqa: E402
from draft.models.movies import Movie  # noqa: E402
from draft.models.room import ChatMessage, ChatPoster, NotificationSettings, QueueEntry  # noqa: E402
from draft.models.trades import HeldPick, Trade, TradeItem, TradeVeto  # noqa: E402

__all__ = [
    "Category", "ChatMessage", "ChatPoster", "CurrentMembers", "Draft", "DraftEvent",
    "DraftSlot", "Keeper", "League", "Membership", "Movie", "NotificationSettings", "Pick",
    "QueueEntry", "Season", "Seat", "SkippedSlot", "new_invite_token", "HeldPick", "Trade",
    "TradeItem", "TradeVeto",
]  # fmt: skip
