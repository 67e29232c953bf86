"""What other acts do to trades: a member leaving the league (their proposals fall through,
the picks traded to them go back), and the commissioner's undo taking a trade back."""

from datetime import datetime

from django.db.models import Q

from draft import narration
from draft.models import Draft, DraftEvent, DraftSlot, HeldPick, Seat, Trade
from draft.services.writing import log_act
from draft.state import DraftState
from draft.tradebook import PickRef, label


def member_left(draft: Draft, seat: Seat, now: datetime) -> bool:
    """A member leaves the league (the draft locked by the caller): their open proposals fall
    through, in any draft. Before the start they take nothing with them: the picks traded to
    them go back to the seats they came from (a log line each), and the picks traded away from
    them stay traded, so their seat stays in the order when there are any (True)."""
    Trade.objects.filter(draft=draft, status__in=Trade.OPEN).filter(
        Q(proposer=seat) | Q(receiver=seat)
    ).update(
        status=Trade.Status.FAILED,
        decided_at=now,
        note=f"{seat.display_name} left the league.",
    )
    if draft.status != Draft.Status.SETUP:
        return True
    state = DraftState.load(draft)
    for held in HeldPick.objects.filter(draft=draft, owner_seat=seat).order_by("round", "pk"):
        back = state.seat_by_id(held.came_from_id)
        if back is None or back.pk == seat.pk:
            back = state.seat_by_id(held.original_seat_id)
        ref = PickRef(held.round, state.seat_by_id(held.original_seat_id))
        if back.pk == held.original_seat_id:
            held.delete()
        else:
            HeldPick.objects.filter(pk=held.pk).update(owner_seat=back, came_from=None)
        summary = narration.trade_returned(label(state, ref), seat.display_name, back.display_name)
        log_act(state, DraftEvent.Kind.TRADE, summary, now=now)
    draft.save(update_fields=["version"])
    return (
        HeldPick.objects.filter(draft=draft, original_seat=seat).exclude(owner_seat=seat).exists()
    )


def undo_trade(state: DraftState, trade: Trade, now: datetime, *, actor) -> None:
    """Take back a trade that is the last act (the caller checked): the slots go back to the
    seats they came from, the clock as it stood (see DraftState.undo)."""
    state.undo(now)
    for move in trade.moves:
        original = state.seat_by_id(move.original_seat_id)
        DraftSlot.objects.filter(
            draft=state.draft, slot=state.slot_in_round(move.round, original)
        ).update(owner_seat_id=move.from_seat_id)
    Trade.objects.filter(pk=trade.pk).update(status=Trade.Status.UNDONE, decided_at=now)
    log_act(
        state, DraftEvent.Kind.UNDO, narration.trade_undone(trade.summary), now=now, actor=actor
    )
