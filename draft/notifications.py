"""Mail to the member who comes on the clock, and "you're up next" to the one after; and mail
about trades (`queue_trade_mail`): a proposal to its receiver, an answer to its proposer, a
trade done to both sides.

Written to the outbox in the transaction of the change that put the member on the clock, so a
pick that rolls back sends nothing and a slow mail server never holds up a pick; the worker
delivers it. Each turn's mail has a key (draft, slot, kind, seat): announcing a turn twice sends
one mail, and a member a trade gives the pick on the clock is told too.
"""

from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.urls import reverse

from draft.models import NotificationSettings
from draft.state import DraftState
from worker import outbox

_muted = ContextVar("turn_mail_muted", default=False)


@contextmanager
def muted():
    """No turn mail inside this block (loading the demo league makes picks nobody is waiting
    on)."""
    token = _muted.set(True)
    try:
        yield
    finally:
        _muted.reset(token)


def queue_turn_mail(state: DraftState, now) -> None:
    """Queue the mail for the turn on the clock: the member on the clock, and the next other
    member to pick. One query for their preferences, one insert per mail."""
    slot = state.on_clock
    if _muted.get() or slot is None:
        return
    draft = state.draft
    seat = state.seat_on_clock
    following = state.up_next()
    users = [s.user for s in (seat, following[0] if following else None) if s and s.has_member]
    prefs = {p.user_id: p for p in NotificationSettings.objects.filter(user__in=users)}
    board_url = settings.SITE_URL.rstrip("/") + reverse(
        "draft:board", args=[draft.league.slug, draft.slug]
    )
    position = state.position(slot)
    _queue(
        prefs,
        f"turn:{draft.pk}:{slot}:{NotificationSettings.ON_CLOCK}",
        NotificationSettings.ON_CLOCK,
        seat,
        now,
        subject=f"You're on the clock — {draft.name}",
        body=(
            f"Hi {seat.display_name},\n\n"
            f"It's your pick in {draft.name} ({draft.league.name}): "
            f"Round {position.round}, Pick {position.pick_in_round}.\n\n"
            f"Make your pick on the board: {board_url}\n"
        ),
    )
    if following is not None:
        next_seat, next_slot = following
        later = state.position(next_slot)
        _queue(
            prefs,
            f"turn:{draft.pk}:{next_slot}:{NotificationSettings.UP_NEXT}",
            NotificationSettings.UP_NEXT,
            next_seat,
            now,
            subject=f"You're up next — {draft.name}",
            body=(
                f"Hi {next_seat.display_name},\n\n"
                f"{seat.display_name} is picking now; your pick "
                f"(Round {later.round}, Pick {later.pick_in_round}) comes next.\n\n"
                f"Follow along and line up your queue: {board_url}\n"
            ),
        )


def _queue(prefs, key, kind, seat, now, *, subject, body) -> None:
    if not seat.has_member:
        return  # a bot's seat: nobody to tell
    membership, user = seat.membership, seat.user
    choice = prefs.get(user.pk)
    # A member who left the league keeps their seat on the board, but hears nothing more.
    if (choice is not None and not choice.wants(kind)) or not user.email or membership.left_at:
        return
    outbox.enqueue(
        key=f"{key}:{seat.pk}",
        to=[user.email],
        subject=subject,
        body=body,
        now=now,
    )


# What a trade's mail says, per event: (subject, the sentence of the body).
TRADE_MAIL = {
    "proposed": ("{proposer} proposes a trade", "{proposer} proposes {terms}."),
    "countered": ("{proposer} answers with a counter", "{proposer} counters with {terms}."),
    "completed": ("Trade done", "The trade went through: {terms}."),
    "declined": ("Trade declined", "{receiver} declined {terms}."),
    "vetoed": ("Trade vetoed", "The league vetoed {terms}."),
    "rejected": ("Trade turned down", "A commissioner turned down {terms}."),
}


def queue_trade_mail(trade, event: str, sides, to, now) -> None:
    """Tell `to` (seats of the trade's two `sides`: its proposer's and its receiver's) what
    became of `trade`, in the transaction that did it: one mail per seat and event, for members
    who want trade mail."""
    if _muted.get():
        return
    draft = trade.draft
    members = [s for s in to if s is not None and s.has_member]
    prefs = {
        p.user_id: p
        for p in NotificationSettings.objects.filter(user__in=[s.user for s in members])
    }
    url = settings.SITE_URL.rstrip("/") + reverse(
        "draft:trades", args=[draft.league.slug, draft.slug]
    )
    subject, sentence = TRADE_MAIL[event]
    names = {
        "proposer": sides[0].display_name,
        "receiver": sides[1].display_name,
        "terms": trade.summary,
    }
    for seat in members:
        _queue(
            prefs,
            f"trade:{trade.pk}:{event}",
            NotificationSettings.TRADES,
            seat,
            now,
            subject=f"{subject.format(**names)} — {draft.name}",
            body=(
                f"Hi {seat.display_name},\n\n{sentence.format(**names)}"
                + (
                    f'\n\n"{trade.message}"'
                    if event in ("proposed", "countered") and trade.message
                    else ""
                )
                + f"\n\nSee the trades of {draft.name}: {url}\n"
            ),
        )
