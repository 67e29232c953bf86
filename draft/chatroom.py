"""Reads of the draft-room chat: its timeline of messages and log lines, a page of it (the
newest, or the one before a cursor), the lines after a cursor, and what one viewer may do
(the rules are draft/chat.py's). Two queries for any page, whatever the chat's length."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db.models import (
    OuterRef,
    Q,
    Subquery,
)

from draft import chat, rules
from draft.models import (
    ChatMessage,
    Draft,
    DraftEvent,
    Membership,
)

# Lines per page: the chat opens on the newest page; "Earlier messages" loads the one before.
CHAT_PAGE_SIZE = 40

# The timeline's order is (time, rank, id): a system line comes before a message of the same
# instant, and ids break the remaining ties. A cursor names one position in that order.
SYSTEM, MESSAGE = 0, 1
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
CURSOR = re.compile(r"([0-9]{1,18})-([em])([0-9]{1,19})")
ChatKey = tuple[datetime, int, int]


def chat_cursor(key: ChatKey) -> str:
    """A position in the timeline as text: "1718042400123456-m42" is microseconds since 1970,
    e(vent) or m(essage), and the id."""
    moment, rank, pk = key
    micros = (moment - EPOCH) // timedelta(microseconds=1)
    return f"{micros}-{'e' if rank == SYSTEM else 'm'}{pk}"


def parse_chat_cursor(text: str | None) -> ChatKey | None:
    """The position a cursor names, or None for anything that is not a cursor."""
    match = CURSOR.fullmatch(text or "")
    if match is None:
        return None
    try:
        moment = EPOCH + timedelta(microseconds=int(match.group(1)))
    except OverflowError:
        return None
    return moment, SYSTEM if match.group(2) == "e" else MESSAGE, int(match.group(3))


@dataclass(frozen=True)
class ChatLine:
    """One line of the chat: a message, or a system line that is an entry of the draft's log
    (a pick, an undo, a skip, a pause…). Messages carry `board_name`, their poster's current
    name on the board (None for a reader), from chat_messages()."""

    message: ChatMessage | None = None
    event: DraftEvent | None = None

    @property
    def is_system(self) -> bool:
        return self.event is not None

    @property
    def created_at(self) -> datetime:
        return (self.event or self.message).created_at

    @property
    def key(self) -> ChatKey:
        item = self.event or self.message
        return item.created_at, SYSTEM if self.is_system else MESSAGE, item.pk

    @property
    def cursor(self) -> str:
        return chat_cursor(self.key)

    @property
    def dom_id(self) -> str:
        """The line's element id, the same wherever it is rendered, so a line that arrives
        twice (a post's answer and the live stream) is shown once."""
        return f"chat-e{self.event.pk}" if self.is_system else f"chat-m{self.message.pk}"

    @property
    def author(self) -> str:
        if self.is_system:
            return ""
        return getattr(self.message, "board_name", None) or self.message.author_name

    @property
    def initials(self) -> str:
        return rules.initials(self.author)

    @property
    def hue(self) -> int:
        return rules.title_hue(self.author) % 12

    @property
    def by_reader(self) -> bool:
        """Posted by someone who is not (or no longer) a member of the league."""
        return not self.is_system and getattr(self.message, "board_name", None) is None


@dataclass
class ChatPage:
    lines: list[ChatLine]  # oldest first
    earlier: str  # the cursor of the page before this one; "" when this page starts the chat
    is_latest: bool  # the newest page, rather than one the reader paged back to

    @property
    def newest(self) -> str:
        """The cursor of the last line shown: a post asks for the lines after it."""
        return self.lines[-1].cursor if self.lines else ""


def chat_messages(draft: Draft):
    """The draft's visible messages, each with its poster's current board name (one query,
    however many posters)."""
    board_name = Membership.objects.filter(
        league_id=draft.league_id, user_id=OuterRef("author_id")
    ).values("display_name")[:1]
    return ChatMessage.objects.filter(draft=draft, deleted_at__isnull=True).annotate(
        board_name=Subquery(board_name)
    )


def chat_events(draft: Draft):
    return DraftEvent.objects.filter(draft=draft, kind__in=DraftEvent.CHAT_KINDS)


def _chat_before(key: ChatKey, rank: int) -> Q:
    """Rows of one rank (a table) that come before `key` in the timeline."""
    moment, cursor_rank, pk = key
    if rank < cursor_rank:
        return Q(created_at__lte=moment)
    if rank > cursor_rank:
        return Q(created_at__lt=moment)
    return Q(created_at__lt=moment) | Q(created_at=moment, id__lt=pk)


def _chat_after(key: ChatKey, rank: int) -> Q:
    moment, cursor_rank, pk = key
    if rank > cursor_rank:
        return Q(created_at__gte=moment)
    if rank < cursor_rank:
        return Q(created_at__gt=moment)
    return Q(created_at__gt=moment) | Q(created_at=moment, id__gt=pk)


def _merged(messages, events, *, newest_first: bool) -> list[ChatLine]:
    lines = [ChatLine(message=m) for m in messages] + [ChatLine(event=e) for e in events]
    return sorted(lines, key=lambda line: line.key, reverse=newest_first)


def chat_page(draft: Draft, *, before: str = "", size: int = CHAT_PAGE_SIZE) -> ChatPage:
    """A page of the chat, oldest line first: the newest `size` lines, or the `size` lines
    before the cursor `before` (a cursor that is not one gives the newest page). Messages and
    the log are each read newest first up to one line past the page: two queries, whatever
    the chat's length."""
    key = parse_chat_cursor(before)
    messages, events = chat_messages(draft), chat_events(draft)
    if key is not None:
        messages = messages.filter(_chat_before(key, MESSAGE))
        events = events.filter(_chat_before(key, SYSTEM))
    messages = messages.order_by("-created_at", "-id")[: size + 1]
    events = events.order_by("-created_at", "-id")[: size + 1]
    lines = _merged(messages, events, newest_first=True)
    page = lines[:size][::-1]
    earlier = page[0].cursor if len(lines) > size else ""
    return ChatPage(lines=page, earlier=earlier, is_latest=key is None)


def chat_lines_after(draft: Draft, *, after: str, size: int = CHAT_PAGE_SIZE):
    """The lines after the cursor `after` (every line when `after` is empty: the page showed
    none), oldest first; None when there are more than `size` of them or `after` is not a
    cursor: the reader is too far behind to catch up line by line and gets the newest page
    instead. Two queries."""
    messages, events = chat_messages(draft), chat_events(draft)
    if after:
        key = parse_chat_cursor(after)
        if key is None:
            return None
        messages = messages.filter(_chat_after(key, MESSAGE))
        events = events.filter(_chat_after(key, SYSTEM))
    lines = _merged(
        messages.order_by("created_at", "id")[: size + 1],
        events.order_by("created_at", "id")[: size + 1],
        newest_first=False,
    )
    return lines if len(lines) <= size else None


def chat_message_line(draft: Draft, message_id: int) -> ChatLine | None:
    """One message as a chat line (for the live stream), or None once it is deleted."""
    message = chat_messages(draft).filter(pk=message_id).first()
    return ChatLine(message=message) if message else None


def chat_event_line(event: DraftEvent) -> ChatLine | None:
    """The system line of an entry of the draft's log, or None for a kind the chat leaves out
    (setup changes, renames…)."""
    return ChatLine(event=event) if event.kind in DraftEvent.CHAT_KINDS else None


@dataclass
class ChatRoom:
    """What the chat partial shows one viewer: a page of lines and what the viewer may do."""

    page: ChatPage
    refusal: str  # why the viewer may not post; "" when they may
    can_delete: bool

    @property
    def can_post(self) -> bool:
        return not self.refusal


def chat_room(
    draft: Draft,
    user,
    membership: Membership | None,
    *,
    before: str = "",
    page: ChatPage | None = None,
) -> ChatRoom:
    """The chat as this viewer sees it: `page` (the newest, read once for every viewer:
    draft/live.py) or the one `before` a cursor."""
    return ChatRoom(
        page=page or chat_page(draft, before=before),
        refusal=chat.post_refusal(draft.league, user, membership),
        can_delete=chat.may_delete(membership),
    )
