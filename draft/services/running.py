"""Running a draft: start, pause, resume, end, and the clock's tick (the worker's, and a board
view's when it notices an expired clock).
"""

from django.core.exceptions import ValidationError
from django.utils import timezone

from draft import narration
from draft.models import Draft, DraftEvent, DraftSlot
from draft.services.keepers import place_keepers
from draft.services.turns import apply_due_clock, open_running, settle
from draft.services.writing import draft_write, lock_draft, lock_for_setup, log_act, save_run
from draft.state import DraftState


@draft_write
def start_draft(*, draft_id: int, actor) -> Draft:
    now = timezone.now()
    draft = lock_for_setup(draft_id, actor)
    state = DraftState.load(draft)
    if state.seat_count < 2:
        raise ValidationError("A draft needs at least two seats to start.")
    if state.round_count < 1:
        raise ValidationError("A draft needs at least one category to start.")
    DraftSlot.objects.bulk_create(state.slot_rows)
    place_keepers(state, now)
    state.start(now)
    log_act(state, DraftEvent.Kind.START, narration.started(draft.name), now=now, actor=actor)
    settle(state, now, before=None)
    save_run(state)
    return draft


@draft_write
def pause_draft(*, draft_id: int, actor) -> Draft:
    now = timezone.now()
    state = open_running(draft_id, now, commissioner=actor)
    if state.draft.status != Draft.Status.LIVE:
        raise ValidationError("Only a live draft can be paused.")
    state.pause(now)
    log_act(state, DraftEvent.Kind.PAUSE, narration.PAUSED, now=now, actor=actor)
    save_run(state)
    return state.draft


@draft_write
def resume_draft(*, draft_id: int, actor) -> Draft:
    now = timezone.now()
    state = open_running(draft_id, now, commissioner=actor)
    if state.draft.status != Draft.Status.PAUSED:
        raise ValidationError("Only a paused draft can be resumed.")
    state.resume(now)
    log_act(state, DraftEvent.Kind.RESUME, narration.RESUMED, now=now, actor=actor)
    save_run(state)
    return state.draft


@draft_write
def end_draft(*, draft_id: int, actor) -> Draft:
    now = timezone.now()
    state = open_running(draft_id, now, commissioner=actor)
    if state.draft.status == Draft.Status.COMPLETE:
        raise ValidationError("The draft is already complete.")
    if state.draft.status == Draft.Status.SETUP:
        raise ValidationError("The draft has not started.")
    state.complete(now)
    log_act(state, DraftEvent.Kind.COMPLETE, narration.ENDED, now=now, actor=actor)
    save_run(state)
    return state.draft


@draft_write
def tick_clock(*, draft_id: int) -> bool:
    """Apply an expired clock on one draft (a board view, or the worker). Returns whether it
    changed anything."""
    state = DraftState.load(lock_draft(draft_id))
    changed = apply_due_clock(state, timezone.now())
    if changed:
        save_run(state)
    return changed
