"""The acts that move the turn, shared by every service that can make one happen: a pick
(`do_pick`), a skip (`do_skip`), an autopick from a seat's queue (`autopick`), an expired clock
(`apply_due_clock`), and what follows each (`settle`: autopicks, completion, the next turn's
mail). `open_running` is how a service on a running draft starts: the lock, the role, the
state, the clock. The turn itself is answered by the state (`draft/state.py`).
"""

from dataclasses import dataclass, field
from datetime import datetime

from draft import narration, notifications
from draft.models import Category, Draft, DraftEvent, Movie, Pick, QueueEntry, Seat, SkippedSlot
from draft.repeats import drafted_in_last_seasons
from draft.services.writing import lock_draft, log_act, require_commissioner
from draft.state import DraftState


def open_running(draft_id: int, now: datetime, *, commissioner=None) -> DraftState:
    """The start of every service on a running draft: lock the draft, check the role if the
    action is a commissioner's, load the state and apply a clock that ran out, so the action
    sees the board as it really is (its expected slot then tells whether the board moved)."""
    draft = lock_draft(draft_id)
    if commissioner is not None:
        require_commissioner(draft.league, commissioner)
    state = DraftState.load(draft)
    apply_due_clock(state, now)
    return state


def settle(state: DraftState, now: datetime, *, before: int | None) -> None:
    """After the board moved: members with autopick on pick from their queue the moment they
    come on the clock; then the draft completes, or the member now on the clock (and the one
    up next) get their mail, written to the outbox in this transaction."""
    if state.draft.status != Draft.Status.LIVE:
        return
    while state.on_clock is not None:
        seat = state.seat_on_clock
        if not (seat.autopick and autopick(state, seat, state.on_clock, now)):
            break
    if state.is_settled:
        state.complete(now)
        log_act(state, DraftEvent.Kind.COMPLETE, narration.COMPLETE, now=now)
    elif state.on_clock is not None and state.on_clock != before:
        notifications.queue_turn_mail(state, now)


def apply_due_clock(state: DraftState, now: datetime) -> bool:
    """Apply the draft's expiry action if the pick on the clock has run out of time.

    Runs with the draft row locked (every service does, first thing). The action runs once:
    afterwards the expired slot is no longer on the clock (with "nothing", the draft is left
    as it is and the pick shows as overdue), so a second caller finds nothing to do. Returns
    whether anything changed; the caller saves."""
    if not state.clock_is_due(now):
        return False
    draft, slot = state.draft, state.on_clock
    if slot is None or slot != draft.clock_slot:
        # The deadline belonged to a slot settled some other way: time the right one.
        state.restart_clock(now)
        return True
    seat = state.seat_for_slot(slot)
    picked = draft.expiry_action == Draft.Expiry.AUTOPICK and autopick(
        state, seat, slot, now, reason=narration.TIME_RAN_OUT
    )
    if not picked:
        do_skip(state, slot, now, actor=None, reason=narration.TIME_RAN_OUT)
    settle(state, now, before=slot)
    return True


def autopick(state: DraftState, seat: Seat, slot: int, now: datetime, *, reason="") -> bool:
    """Pick the seat's highest queued film that is still free and fits a category it may
    fill; False (and nothing changes) when there is none."""
    categories = state.categories_for(seat, slot)
    entries = list(QueueEntry.objects.filter(seat=seat).select_related("movie").order_by("rank"))
    earlier = drafted_in_last_seasons(state.draft, [e.movie_id for e in entries])
    for entry in entries:
        movie = entry.movie
        if movie.pk in state.picked_movie_ids:
            continue  # sniped
        category = next((c for c in categories if not state.pick_problems(movie, c, earlier)), None)
        if category is None:
            continue
        why = narration.autopick_note(reason)
        do_pick(state, PickPlan(seat, slot, movie, category, autopick=True), now, note=why)
        return True
    return False


@dataclass
class PickPlan:
    """A pick that passed every check: what `do_pick` writes."""

    seat: Seat
    slot: int
    movie: Movie
    category: Category
    entered_by: object = None  # the user; None for the clock's autopick
    autopick: bool = False
    # Why the film breaks the category's rules, when a commissioner approved it anyway.
    ruling: list[str] = field(default_factory=list)
    entered_for: str = ""  # the commissioner's name, when they picked for someone


def do_pick(state: DraftState, plan: PickPlan, now: datetime, *, note: str = "") -> Pick:
    """Write a checked pick, log it and let the state apply it."""
    position = state.position(plan.slot)
    summary = narration.pick(
        position.label,
        narration.picker(state, plan.slot, plan.seat),
        plan.movie,
        plan.category.name,
        note=note,
        entered_for=plan.entered_for,
        ruling=plan.ruling,
    )
    kind = DraftEvent.Kind.PICK
    if plan.autopick:
        kind = DraftEvent.Kind.AUTOPICK
    elif plan.ruling:
        kind = DraftEvent.Kind.RULING
    version = log_act(
        state,
        kind,
        summary,
        now=now,
        actor=plan.entered_by,
        slot=plan.slot,
        movie=plan.movie,
        category=plan.category,
    )
    pick = Pick(
        draft=state.draft,
        slot=plan.slot,
        round=position.round,
        pick_in_round=position.pick_in_round,
        seat=plan.seat,
        movie=plan.movie,
        category=plan.category,
        category_chosen=state.draft.is_open_slots,
        entered_by=plan.entered_by,
        is_autopick=plan.autopick,
        is_ruling=bool(plan.ruling),
        version=version,
    )
    state.apply_pick(pick, now)
    pick.save(force_insert=True)
    return pick


def do_skip(state: DraftState, slot: int, now: datetime, *, actor, reason: str = "") -> None:
    seat = state.seat_for_slot(slot)
    summary = narration.skip(state.label(slot), narration.picker(state, slot, seat), reason)
    version = log_act(state, DraftEvent.Kind.SKIP, summary, now=now, actor=actor, slot=slot)
    skip = SkippedSlot(draft=state.draft, slot=slot, version=version)
    state.apply_skip(skip, now)
    skip.save(force_insert=True)
