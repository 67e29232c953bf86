"""Mail to the member who comes on the clock, and "you're up next" to the one after.

Called only from `transaction.on_commit`, so a pick that rolled back never sends anything; a
`TurnNotice` row per (draft, slot, kind) makes a second call for the same turn send nothing.
"""

import logging
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from draft.models import Draft, NotificationSettings, TurnNotice

logger = logging.getLogger(__name__)

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


def announce_turn(draft_id: int, slot: int) -> None:
    from draft.selectors import load_state

    if _muted.get():
        return
    draft = Draft.objects.select_related("league").filter(pk=draft_id).first()
    if draft is None or draft.status != Draft.Status.LIVE:
        return
    state = load_state(draft)
    if state.on_clock != slot:
        return  # the board moved on before this ran: that turn is over
    seat = state.seat_for_slot(slot)
    board_url = settings.SITE_URL.rstrip("/") + reverse(
        "draft:board", args=[draft.league.slug, draft.slug]
    )
    label = state.position(slot)
    _send_once(
        draft,
        slot,
        TurnNotice.Kind.ON_CLOCK,
        seat.membership.user,
        subject=f"You're on the clock — {draft.name}",
        body=(
            f"Hi {seat.membership.display_name},\n\n"
            f"It's your pick in {draft.name} ({draft.league.name}): "
            f"Round {label.round}, Pick {label.pick_in_round}.\n\n"
            f"Make your pick on the board: {board_url}\n"
        ),
    )
    following = _next_other_seat(state, slot, seat)
    if following is not None:
        next_seat, next_slot = following
        next_label = state.position(next_slot)
        _send_once(
            draft,
            next_slot,
            TurnNotice.Kind.UP_NEXT,
            next_seat.membership.user,
            subject=f"You're up next — {draft.name}",
            body=(
                f"Hi {next_seat.membership.display_name},\n\n"
                f"{seat.membership.display_name} is picking now; your pick "
                f"(Round {next_label.round}, Pick {next_label.pick_in_round}) comes next.\n\n"
                f"Follow along and line up your queue: {board_url}\n"
            ),
        )


def _next_other_seat(state, slot: int, seat):
    for later in range(slot + 1, state.total_slots + 1):
        if later in state.picks or later in state.skipped:
            continue
        candidate = state.seat_for_slot(later)
        return (candidate, later) if candidate.pk != seat.pk else None
    return None


def _send_once(draft, slot, kind, user, *, subject, body) -> None:
    prefs = NotificationSettings.objects.filter(user=user).first()
    wants = prefs.wants(kind) if prefs else True
    if not wants or not user.email:
        return
    try:
        with transaction.atomic():
            TurnNotice.objects.create(draft=draft, slot=slot, kind=kind, user=user)
    except IntegrityError:
        return  # already sent for this turn
    try:
        send_mail(subject, body, None, [user.email])
    except Exception:  # a mail server outage must not break the draft
        logger.exception("Could not send %s mail for %s slot %s", kind, draft, slot)
