"""Trades of picks: a member proposes picks for picks to another member of the draft; the other
accepts, declines or counters; the proposer may withdraw; the league reviews (nobody, a
commissioner, or the other members' vetoes within a window). A completed trade is an act of the
draft like a pick: made under the draft's lock, checked again against the board as it is then,
logged, undone by the commissioner's undo while it is the last act.

Picks are named by the round and the seat they are drawn for (`tradebook.PickRef`: a board
column, read and checked there), so a
draft that has not started (next season's) trades its picks before its order is drawn: who holds
each is a `HeldPick` row until `start_draft` writes it into the slot.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import F, Q
from django.utils import timezone

from config.inputs import strip_control_characters
from draft import bus, narration, notifications, selectors
from draft.models import (
    Draft,
    DraftEvent,
    DraftSlot,
    HeldPick,
    Membership,
    Seat,
    Trade,
    TradeItem,
    TradeVeto,
)
from draft.services.turns import apply_due_clock, settle
from draft.services.writing import draft_write, lock_draft, log_act, save_run
from draft.state import DraftState
from draft.tradebook import (
    DAMAGED,
    PickRef,
    kept_rounds,
    label,
    parse_refs,
    slot_of,
    why_not_tradeable,
)

# The most proposals a seat may have waiting for answers at once.
OPEN_LIMIT = 20
# The most picks one side of a trade may offer.
ITEM_LIMIT = 30


@dataclass(frozen=True)
class Outcome:
    """What an answer to a trade did: `ok` false when it could not go through (and why)."""

    trade: Trade
    message: str
    ok: bool = True


# --- Proposing -----------------------------------------------------------------------------


def _open_draft(state: DraftState) -> None:
    draft = state.draft
    if not draft.league.trading:
        raise ValidationError("This league does not trade picks.")
    if draft.status == Draft.Status.COMPLETE:
        raise ValidationError("The draft is over: its picks can no longer be traded.")


def _seat_of_user(state: DraftState, user) -> tuple[Membership, Seat]:
    membership = selectors.membership_for(state.draft.league, user)
    seat = state.seat_of(membership.pk) if membership is not None else None
    if seat is None:
        raise ValidationError("Only members with a seat in this draft can trade its picks.")
    return membership, seat


def swept(service):
    """A trade service: the proposals and veto windows that are due are settled first, in a
    transaction of their own, so that a refusal (which changes nothing) does not take back a
    lapse that happened anyway; then the service runs as every draft write does."""
    write = draft_write(service)

    @functools.wraps(service)
    def run(*, draft_id: int, **kwargs):
        settle_due_trades(draft_id=draft_id)
        return write(draft_id=draft_id, **kwargs)

    return run


@swept
def propose_trade(
    *,
    draft_id: int,
    user,
    to_seat_id: int | None,
    give: list[str],
    get: list[str],
    message: str = "",
    replaces_id: int | None = None,
) -> Trade:
    """Propose `give` (picks the user's seat holds) for `get` (picks the other seat holds).
    With `replaces_id`, a counter to a proposal made to the user: it replaces that one."""
    now = timezone.now()
    state, swept = _open(draft_id, now)
    _open_draft(state)
    membership, seat = _seat_of_user(state, user)
    other = state.seat_by_id(to_seat_id)
    if other is None:
        raise ValidationError("Choose a member of this draft to trade with.")
    if other.pk == seat.pk:
        raise ValidationError("A trade takes two members: you cannot trade with yourself.")
    if not other.has_member or other.membership.left_at:
        raise ValidationError(f"{other.display_name} cannot answer a trade.")
    message = " ".join(strip_control_characters(str(message or "")).split())
    if len(message) > Trade.MESSAGE_LENGTH:
        raise ValidationError(
            f"The message is {len(message)} characters; the most is {Trade.MESSAGE_LENGTH}."
        )
    gives, gets = parse_refs(state, give), parse_refs(state, get)
    if not gives or not gets:
        raise ValidationError("Choose at least one pick on each side of the trade.")
    if len(gives) > ITEM_LIMIT or len(gets) > ITEM_LIMIT:
        raise ValidationError(f"A trade moves at most {ITEM_LIMIT} picks each way.")
    if {r.token for r in gives} & {r.token for r in gets}:
        raise ValidationError("The same pick is named twice.")
    _check_sides(state, seat, gives, other, gets)
    replaced = None
    if replaces_id is not None:
        replaced = Trade.objects.filter(pk=replaces_id, draft=state.draft).first()
        if replaced is None or replaced.receiver_id != seat.pk:
            raise ValidationError("You can only counter a proposal made to you.")
        if replaced.proposer_id != other.pk:
            raise ValidationError("A counter goes back to the member who proposed.")
        if replaced.status != Trade.Status.PROPOSED:
            raise ValidationError(f"That proposal is no longer open: {_ENDED[replaced.status]}.")
    waiting = Trade.objects.filter(draft=state.draft, proposer=seat, status__in=Trade.OPEN)
    terms_asked = {(r.round, r.original.pk) for r in gives + gets}
    for earlier in waiting.filter(receiver=other).prefetch_related("items"):
        if {(i.round, i.original_seat_id) for i in earlier.items.all()} == terms_asked:
            raise ValidationError(
                "You have already proposed this trade: it is waiting for an answer."
            )
    if waiting.count() >= OPEN_LIMIT:
        raise ValidationError(
            f"You have {OPEN_LIMIT} proposals waiting: withdraw some before proposing more."
        )
    terms = narration.trade_terms(
        seat.display_name,
        [label(state, r, seat) for r in gives],
        other.display_name,
        [label(state, r, other) for r in gets],
    )
    trade = Trade.objects.create(
        draft=state.draft,
        proposer=seat,
        receiver=other,
        message=message,
        summary=terms,
        replaces=replaced,
        created_at=now,
        **_lapse(state, now),
    )
    TradeItem.objects.bulk_create(
        [_item(state, trade, r, seat, other) for r in gives]
        + [_item(state, trade, r, other, seat) for r in gets]
    )
    if replaced is not None:
        Trade.objects.filter(pk=replaced.pk).update(
            status=Trade.Status.COUNTERED, decided_at=now, decided_by=user
        )
    event = "countered" if replaced is not None else "proposed"
    notifications.queue_trade_mail(trade, event, (seat, other), [other], now)
    return trade


def _item(state, trade, ref: PickRef, from_seat, to_seat) -> TradeItem:
    return TradeItem(
        trade=trade,
        round=ref.round,
        original_seat=ref.original,
        from_seat=from_seat,
        to_seat=to_seat,
        label=label(state, ref, from_seat),
    )


def _lapse(state: DraftState, now: datetime) -> dict:
    """When a new proposal lapses: after the league's hours; while the clock runs (and the
    league says so), once the pick on the clock is settled, or its time is up, if sooner."""
    league, draft = state.draft.league, state.draft
    expires_at = now + timedelta(hours=league.trade_expiry_hours)
    lapse = {"expires_at": expires_at, "lapses_after_slot": None}
    if league.trade_expires_with_pick and draft.status == Draft.Status.LIVE and state.on_clock:
        lapse["lapses_after_slot"] = state.on_clock
        if draft.clock_deadline is not None:
            lapse["expires_at"] = min(expires_at, draft.clock_deadline)
    return lapse


def _check_sides(state, seat, gives, other, gets) -> None:
    kept = kept_rounds(state)
    problems = [why_not_tradeable(state, r, seat, kept) for r in gives]
    problems += [why_not_tradeable(state, r, other, kept) for r in gets]
    problems = [p for p in problems if p]
    if problems:
        raise ValidationError(" ".join(problems))
    if state.draft.is_open_slots and len(gives) != len(gets):
        raise ValidationError(
            "Each member fills every category once here, so a trade swaps as many picks as it "
            f"takes: {len(gives)} for {len(gets)} would leave someone a category short."
        )


# --- Answering -----------------------------------------------------------------------------


def _open(draft_id: int, now: datetime) -> tuple[DraftState, set[int]]:
    """Lock the draft, load its state, apply a clock that ran out and settle the trades that
    lapsed or whose review ended since the sweep before (`swept`): every trade service sees
    the board and the proposals as they are."""
    draft = lock_draft(draft_id)
    state = DraftState.load(draft)
    if draft.status in (Draft.Status.LIVE, Draft.Status.PAUSED) and apply_due_clock(state, now):
        save_run(state)
    return state, set(settle_trades(state, now))


def _trade_for(state: DraftState, trade_id: int | None) -> Trade:
    trade = (
        Trade.objects.filter(pk=trade_id, draft=state.draft).first()
        if trade_id is not None
        else None
    )
    if trade is None:
        raise ValidationError("That trade is not one of this draft's.")
    trade.draft = state.draft
    return trade


_ENDED = {
    Trade.Status.PROPOSED: "it has not been accepted yet",
    Trade.Status.REVIEW: "it is waiting for review",
    Trade.Status.COMPLETED: "it went through",
    Trade.Status.DECLINED: "it was declined",
    Trade.Status.COUNTERED: "it was answered with a counter",
    Trade.Status.WITHDRAWN: "it was withdrawn",
    Trade.Status.EXPIRED: "it lapsed",
    Trade.Status.VETOED: "it was vetoed",
    Trade.Status.REJECTED: "a commissioner turned it down",
    Trade.Status.FAILED: "it fell through",
    Trade.Status.UNDONE: "it was undone",
}


def _closed(trade: Trade, swept: set[int]) -> Outcome:
    """The answer to a proposal that is no longer open: refused, or, when it lapsed in this
    very transaction (a pick settled the slot a moment before), an outcome that says so and
    keeps the lapse."""
    note = f" {trade.note}" if trade.note else ""
    message = f"That proposal is no longer open: {_ENDED[trade.status]}.{note}"
    if trade.pk in swept:
        return Outcome(trade, message, ok=False)
    raise ValidationError(message)


@swept
def answer_trade(*, draft_id: int, trade_id: int | None, user, action: str) -> Outcome:
    """The receiver accepts or declines; the proposer withdraws."""
    now = timezone.now()
    state, swept = _open(draft_id, now)
    trade = _trade_for(state, trade_id)
    _membership, seat = _seat_of_user(state, user)
    if action == "withdraw":
        if trade.proposer_id != seat.pk:
            raise ValidationError("Only the member who proposed a trade can withdraw it.")
        if trade.status != Trade.Status.PROPOSED:
            if trade.status == Trade.Status.REVIEW:
                raise ValidationError(
                    f"{state.seat_by_id(trade.receiver_id).display_name} has accepted it: an "
                    "accepted trade can no longer be withdrawn, only turned down in its review."
                )
            return _closed(trade, swept)
        _end(trade, Trade.Status.WITHDRAWN, now, user)
        return Outcome(trade, "Proposal withdrawn.")
    if action not in ("accept", "decline"):
        raise ValidationError(DAMAGED)
    if trade.receiver_id != seat.pk:
        raise ValidationError("Only the member a trade is proposed to can answer it.")
    if trade.status != Trade.Status.PROPOSED:
        return _closed(trade, swept)
    if action == "decline":
        _end(trade, Trade.Status.DECLINED, now, user)
        _tell(state, trade, "declined", now, proposer_only=True)
        return Outcome(trade, "Proposal declined.")
    _open_draft(state)
    problem = _still_good(state, trade)
    if problem:
        _end(trade, Trade.Status.FAILED, now, user, note=problem)
        return Outcome(trade, f"The trade cannot go through: {problem}", ok=False)
    trade.accepted_at = now
    review = state.draft.league.trade_review
    if review == "none":
        complete(state, trade, now, actor=user)
        return Outcome(trade, f"Trade done: {trade.summary}.")
    trade.status = Trade.Status.REVIEW
    note = ""
    if review == "veto":
        until = now + timedelta(hours=state.draft.league.trade_veto_hours)
        deadline = state.draft.clock_deadline
        if state.draft.status == Draft.Status.LIVE and deadline is not None and until > deadline:
            # The window would outlast the pick on the clock: a commissioner decides.
            note = "The veto window would outlast the pick on the clock: a commissioner decides."
            until = None
        trade.review_until = until
    trade.note = note
    trade.save(update_fields=["status", "accepted_at", "review_until", "note"])
    if review == "veto" and trade.review_until is not None:
        return Outcome(trade, "Accepted. The other members may veto it until the window ends.")
    return Outcome(trade, "Accepted. A commissioner approves it before the picks change hands.")


@swept
def veto_trade(*, draft_id: int, trade_id: int | None, user) -> Outcome:
    """A member other than the two sides vetoes a trade in its veto window; enough vetoes (the
    league's share of the other members) stop it."""
    now = timezone.now()
    state, swept = _open(draft_id, now)
    trade = _trade_for(state, trade_id)
    membership = selectors.membership_for(state.draft.league, user)
    if membership is None:
        raise ValidationError("Only members of this league can veto a trade.")
    sides = {state.seat_by_id(trade.proposer_id).membership_id,
             state.seat_by_id(trade.receiver_id).membership_id}  # fmt: skip
    if membership.pk in sides:
        raise ValidationError("The two sides of a trade cannot veto it.")
    if trade.status == Trade.Status.PROPOSED:
        raise ValidationError("That proposal has not been accepted yet: there is nothing to veto.")
    if trade.status != Trade.Status.REVIEW or trade.review_until is None:
        if trade.status == Trade.Status.REVIEW:
            raise ValidationError("A commissioner decides this trade: it takes no vetoes.")
        return _closed(trade, swept)
    _, created = TradeVeto.objects.get_or_create(
        trade=trade, membership=membership, defaults={"created_at": now}
    )
    if not created:
        return Outcome(trade, "You have already vetoed this trade.")
    vetoes = TradeVeto.objects.filter(trade=trade).count()
    if vetoes >= vetoes_needed(state.draft.league, sides):
        _end(
            trade,
            Trade.Status.VETOED,
            now,
            None,
            note=f"{vetoes} member{'s' if vetoes != 1 else ''} vetoed it.",
        )
        _tell(state, trade, "vetoed", now)
        return Outcome(trade, "Your veto is in, and the trade is stopped.")
    return Outcome(trade, "Your veto is in.")


def vetoes_needed(league, sides: set[int]) -> int:
    """How many vetoes stop a trade: the league's share of the members not in it (at least 1)."""
    others = Membership.objects.filter(league=league).exclude(pk__in=sides).count()
    return max(1, math.ceil(others * league.trade_veto_percent / 100))


@swept
def review_trade(*, draft_id: int, trade_id: int | None, user, approve: bool) -> Outcome:
    """A commissioner approves an accepted trade (at once, in a veto window too) or turns it
    down."""
    now = timezone.now()
    state, swept = _open(draft_id, now)
    membership = selectors.membership_for(state.draft.league, user)
    if membership is None or not membership.is_commissioner:
        raise ValidationError("Only a commissioner of this league can review a trade.")
    trade = _trade_for(state, trade_id)
    if trade.status == Trade.Status.PROPOSED:
        raise ValidationError(
            "That proposal has not been accepted yet: a commissioner reviews accepted trades."
        )
    if trade.status != Trade.Status.REVIEW:
        return _closed(trade, swept)
    if not approve:
        _end(trade, Trade.Status.REJECTED, now, user)
        _tell(state, trade, "rejected", now)
        return Outcome(trade, "Trade turned down.")
    _open_draft(state)
    problem = _still_good(state, trade)
    if problem:
        _end(trade, Trade.Status.FAILED, now, user, note=problem)
        return Outcome(trade, f"The trade cannot go through: {problem}", ok=False)
    complete(state, trade, now, actor=user)
    return Outcome(trade, f"Trade approved: {trade.summary}.")


def _end(trade: Trade, status: str, now, user, *, note: str = "") -> None:
    note = note[:1].upper() + note[1:]  # a sentence, on the page and in the history
    trade.status, trade.decided_at, trade.note = status, now, note or trade.note
    trade.decided_by = user if user is not None and user.is_authenticated else None
    trade.save(update_fields=["status", "decided_at", "decided_by", "note"])


# --- Completing ----------------------------------------------------------------------------


def _moves(state: DraftState, trade: Trade) -> list[tuple[PickRef, Seat, Seat]]:
    items = trade.items.all()
    moves = []
    for item in items:
        original = state.seat_by_id(item.original_seat_id)
        moves.append((PickRef(item.round, original), state.seat_by_id(item.from_seat_id),
                      state.seat_by_id(item.to_seat_id)))  # fmt: skip
    return moves


def _still_good(state: DraftState, trade: Trade) -> str:
    """Why the trade can no longer go through as proposed ("" when it can): every pick still
    unused and with the side offering it, the proposal not lapsed."""
    slot = trade.lapses_after_slot
    if trade.status == Trade.Status.PROPOSED and slot is not None and not state.is_open(slot):
        return f"it lapsed when {state.label(slot)} was settled."
    moves = _moves(state, trade)
    if any(seat is None for _, a, b in moves for seat in (a, b)) or any(
        ref.original is None or ref.round > state.round_count for ref, _, _ in moves
    ):
        return "the draft's seats or rounds have changed since it was proposed."
    kept = kept_rounds(state)
    problems = [why_not_tradeable(state, ref, giver, kept) for ref, giver, _ in moves]
    problems = [p for p in problems if p]
    if problems:
        return " ".join(problems)
    if state.draft.is_open_slots:
        given = {}
        for _, giver, _ in moves:
            given[giver.pk] = given.get(giver.pk, 0) + 1
        if len(set(given.values())) > 1:
            return "it would leave a member a category short."
    return ""


def complete(state: DraftState, trade: Trade, now: datetime, *, actor) -> None:
    """The act: the picks change hands (checked by the caller under the same lock). Logged,
    versioned; the pick on the clock, if it moved, goes on for its new holder with the time
    left (at least the league's minimum), their mail and their autopick; the proposals that
    named any of these picks fall through."""
    moves = _moves(state, trade)
    draft = state.draft
    terms = trade.summary
    if draft.status == Draft.Status.SETUP:
        for ref, giver, taker in moves:
            if taker.pk == ref.original.pk:
                HeldPick.objects.filter(
                    draft=draft, round=ref.round, original_seat=ref.original
                ).delete()
            else:
                HeldPick.objects.update_or_create(
                    draft=draft,
                    round=ref.round,
                    original_seat=ref.original,
                    defaults={"owner_seat": taker, "came_from": giver},
                )
        log_act(state, DraftEvent.Kind.TRADE, narration.trade(terms), now=now, actor=actor)
        draft.save(update_fields=["version"])
        bus.board_changed(draft.pk, draft.version)
        # Before the start a trade is no act an undo takes back: it has no board version.
        version = None
    else:
        holder = state.seat_on_clock
        slots = [(slot_of(state, ref), taker) for ref, _, taker in moves]
        version = log_act(
            state, DraftEvent.Kind.TRADE, narration.trade(terms), now=now, actor=actor
        )
        trade.version, trade.moves = version, list(trade.items.all())
        state.apply_trade(trade, now)
        for slot, taker in slots:
            DraftSlot.objects.filter(draft=draft, slot=slot).update(owner_seat=taker)
        if holder is not None and state.seat_on_clock.position != holder.position:
            before = state.on_clock
            settle(state, now, before=before)  # the new holder's autopick
            if state.on_clock == before and draft.status == Draft.Status.LIVE:
                notifications.queue_turn_mail(state, now)
        save_run(state)
    trade.status, trade.version, trade.decided_at = Trade.Status.COMPLETED, version, now
    if trade.decided_by_id is None and actor is not None and actor.is_authenticated:
        trade.decided_by = actor
    trade.save(
        update_fields=["status", "version", "decided_at", "decided_by", "accepted_at", "clock_left"]
    )
    _fall_through(state, trade, moves, now)
    _tell(state, trade, "completed", now)


def _tell(state: DraftState, trade: Trade, event: str, now, *, proposer_only=False) -> None:
    sides = (state.seat_by_id(trade.proposer_id), state.seat_by_id(trade.receiver_id))
    to = sides[:1] if proposer_only else sides
    notifications.queue_trade_mail(trade, event, sides, to, now)


def _fall_through(state: DraftState, done: Trade, moves, now) -> None:
    """Open proposals that named a pick this trade moved can no longer go through."""
    named = Q()
    for ref, _, _ in moves:
        named |= Q(items__round=ref.round, items__original_seat=ref.original)
    stale = (
        Trade.objects.filter(draft=state.draft, status__in=Trade.OPEN)
        .exclude(pk=done.pk)
        .filter(named)
        .distinct()
    )
    Trade.objects.filter(pk__in=list(stale.values_list("pk", flat=True))).update(
        status=Trade.Status.FAILED,
        decided_at=now,
        note=f"Some of its picks changed hands in another trade ({done.summary}).",
    )


def settle_trades(state: DraftState, now: datetime) -> list[int]:
    """With the draft locked: proposals that lapsed expire, veto windows that ended complete
    (or fall through when a pick was used meanwhile). Returns the trades it settled."""
    draft = state.draft
    due = list(Trade.objects.filter(draft=draft, status__in=Trade.OPEN).filter(_due_q(now, draft)))
    for trade in due:
        trade.draft = draft
        if trade.status == Trade.Status.PROPOSED:
            slot = trade.lapses_after_slot
            if draft.status == Draft.Status.COMPLETE:
                note = "The draft ended before it was answered."
            elif slot is not None and not state.is_open(slot):
                note = f"It lapsed when {state.label(slot)} was settled."
            else:
                note = "Nobody answered it in time."
            _end(trade, Trade.Status.EXPIRED, now, None, note=note)
            continue
        problem = (
            "the draft ended before the review did."
            if draft.status == Draft.Status.COMPLETE
            else _still_good(state, trade)
        )
        if problem:
            _end(trade, Trade.Status.FAILED, now, None, note=problem)
        else:
            complete(state, trade, now, actor=None)
    return [trade.pk for trade in due]


def _due_q(now: datetime, draft: Draft | None = None) -> Q:
    lapsed = Q(status=Trade.Status.PROPOSED) & (
        Q(expires_at__lte=now) | Q(lapses_after_slot__lt=F("draft__clock_slot"))
    )
    window_over = Q(status=Trade.Status.REVIEW, review_until__lte=now)
    if draft is not None and draft.status == Draft.Status.COMPLETE:
        return Q(status__in=Trade.OPEN)
    return lapsed | window_over


def due_trade_draft_ids(now: datetime) -> list[int]:
    """Drafts with a proposal that lapsed or a veto window that ended: the worker's round."""
    due = _due_q(now) | Q(status__in=Trade.OPEN, draft__status=Draft.Status.COMPLETE)
    return list(
        Trade.objects.filter(status__in=Trade.OPEN)
        .filter(due)
        .values_list("draft_id", flat=True)
        .distinct()
    )


@draft_write
def settle_due_trades(*, draft_id: int) -> bool:
    """One draft's due trades (the worker)."""
    now = timezone.now()
    state = DraftState.load(lock_draft(draft_id))
    return bool(settle_trades(state, now))
