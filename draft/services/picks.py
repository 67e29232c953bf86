"""Picks, skips and undo: the member's or the commissioner's pick (checked, then made), the
commissioner's skip of the seat on the clock, and the undo of the last act.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone

from draft import narration, rules, selectors, signals
from draft.models import Draft, DraftEvent, Movie, Pick, Trade
from draft.services.trade_effects import undo_trade
from draft.services.turns import PickPlan, do_pick, do_skip, open_running, settle
from draft.services.writing import draft_write, log_act, save_run
from draft.state import Act, DraftState


@dataclass
class PickResult:
    pick: Pick
    replayed: bool = False  # the same form arrived twice; the first made the pick


def _not_live_message(draft: Draft) -> str:
    return {
        Draft.Status.SETUP: "The draft has not started yet.",
        Draft.Status.PAUSED: "The draft is paused. Picks open again when a commissioner resumes it.",
        Draft.Status.COMPLETE: "The draft is over: no more picks.",
    }.get(draft.status, "The draft is not taking picks.")


def make_pick(
    *,
    draft_id: int,
    user,
    movie_id: int | None,
    expected_slot: int | None,
    category_id: int | None = None,
    for_seat_id: int | None = None,
    override_rules: bool = False,
) -> PickResult:
    """Make a pick for the user's seat, or (a commissioner) for `for_seat_id`.

    Guarantees: the pick fills the slot the form was made for (`expected_slot`) or nothing
    changes; at most one pick per slot and one per film in a draft, even under concurrent
    requests; a resubmission of the same form returns the first pick instead of an error.
    """
    try:
        return _make_pick(
            draft_id=draft_id,
            user=user,
            movie_id=movie_id,
            expected_slot=expected_slot,
            category_id=category_id,
            for_seat_id=for_seat_id,
            override_rules=override_rules,
        )
    except IntegrityError:
        # Only reachable if a check missed a race; the database refused the duplicate.
        raise ValidationError(
            "That pick clashed with another one made at the same moment. Nothing was saved: "
            "look at the board and try again."
        ) from None


@draft_write
def _make_pick(**form) -> PickResult:
    now = timezone.now()
    state = open_running(form["draft_id"], now)
    movie_id = form["movie_id"]
    movie = Movie.objects.filter(pk=movie_id).first() if movie_id else None
    plan = check_pick(state, movie=movie, **{k: v for k, v in form.items() if k != "draft_id"})
    if isinstance(plan, PickResult):
        return plan
    before = state.on_clock
    pick = do_pick(state, plan, now)
    settle(state, now, before=before)
    save_run(state)
    return PickResult(pick=pick)


def check_pick(
    state: DraftState,
    *,
    user,
    movie: Movie | None,
    movie_id: int | None,
    expected_slot: int | None,
    category_id: int | None,
    for_seat_id: int | None,
    override_rules: bool,
) -> PickPlan | PickResult:
    """Every check a pick must pass, against the state under the draft lock. Returns what to
    write, or the earlier pick when the same form arrives again; writes nothing."""
    draft = state.draft
    membership = selectors.membership_for(draft.league, user)
    if membership is None:
        raise ValidationError("Only members of this league can pick.")

    # A resubmitted form (double click, retry after a timeout) finds its own pick already made.
    earlier = state.picks.get(expected_slot) if expected_slot else None
    if earlier and earlier.movie_id == movie_id and earlier.entered_by_id == user.pk:
        return PickResult(pick=earlier, replayed=True)

    if draft.status != Draft.Status.LIVE:
        raise ValidationError(_not_live_message(draft))

    on_behalf = for_seat_id is not None
    if on_behalf:
        if not membership.is_commissioner:
            raise ValidationError("Only a commissioner can pick for another member.")
        seat = state.seat_by_id(for_seat_id)
        if seat is None:
            raise ValidationError("That seat is not in this draft.")
    else:
        seat = state.seat_of(membership.pk)
        if seat is None:
            raise ValidationError("You do not have a seat in this draft.")
    if override_rules and not membership.is_commissioner:
        raise ValidationError("Only a commissioner can approve a pick that breaks a category rule.")

    slot = state.slot_to_fill(seat)
    if expected_slot is not None and slot != expected_slot and not on_behalf:
        # A stale tab: say what became of the pick it offered, when that is known.
        happened = state.what_happened(expected_slot, seat)
        if happened:
            later = f" Your next pick is {state.label(slot)}." if slot else ""
            raise ValidationError(happened + later, code="moved_on")
    if slot is None:
        who = seat.display_name
        if state.on_clock is None:
            raise ValidationError(f"{who} has no pick to make right now.")
        holder = state.seat_on_clock.display_name
        subject = "It is not your turn" if not on_behalf else f"It is not {who}'s turn"
        raise ValidationError(f"{subject}: pick {state.label(state.on_clock)} belongs to {holder}.")
    if expected_slot is not None and slot != expected_slot:
        raise ValidationError(
            "The board has moved on since this page was loaded: "
            f"{seat.display_name}'s pick is now {state.label(slot)}. "
            "Check the board and pick again.",
            code="moved_on",
        )

    if movie is None:
        raise ValidationError("Choose a film from the catalog.")
    taken = state.pick_of_movie(movie.pk)
    if taken is not None:
        by = state.seat_by_id(taken.seat_id).display_name
        raise ValidationError(f"{movie} is already taken: {by} picked it at {taken.label}.")

    if draft.is_open_slots:
        category = next((c for c in state.categories_left(seat) if c.pk == category_id), None)
        if category is None:
            if state.category_by_id(category_id) is not None:
                raise ValidationError(f"{seat.display_name} has already filled that category.")
            raise ValidationError("Choose one of the categories still open.")
    else:
        category = state.category_of_slot(slot)

    reasons = state.pick_problems(movie, category)
    if reasons and not override_rules:
        raise ValidationError(
            f"{movie} does not fit {category.name}: {'; '.join(reasons)}. "
            "A commissioner can approve it as a ruling."
        )
    return PickPlan(
        seat=seat,
        slot=slot,
        movie=movie,
        category=category,
        entered_by=user,
        ruling=reasons,
        entered_for=membership.display_name if on_behalf else "",
    )


@draft_write
def skip_on_clock(*, draft_id: int, actor, expected_slot: int | None = None) -> rules.SlotPosition:
    """Skip the seat on the clock: the draft moves to the next slot and the skipped member
    makes up the pick when they return."""
    now = timezone.now()
    state = open_running(draft_id, now, commissioner=actor)
    if state.draft.status != Draft.Status.LIVE:
        raise ValidationError("Only a live draft can skip a pick.")
    slot = state.on_clock
    if slot is None:
        raise ValidationError("No pick is on the clock.")
    if expected_slot is not None and slot != expected_slot:
        raise ValidationError("The board has moved on: that pick is no longer on the clock.")
    do_skip(state, slot, now, actor=actor)
    settle(state, now, before=slot)
    save_run(state)
    return state.position(slot)


@draft_write
def undo_last(*, draft_id: int, actor, expected_version: int | None = None) -> Act:
    """Take back the last pick, skip or trade and put the board exactly as it was before it:
    the slot open again (on the clock, or owed again if a make-up pick is undone), its film free
    (a trade: the slots back with the seats they came from),
    the clock as it stood (see DraftState.undo). `expected_version` is the version of the act
    the commissioner saw on the confirmation page: if another act came since, nothing is
    undone."""
    now = timezone.now()
    state = open_running(draft_id, now, commissioner=actor).with_last_trade()
    if state.draft.status == Draft.Status.SETUP:
        raise ValidationError("The draft has not started.")
    act = state.last_act
    if act is None:
        raise ValidationError("There is nothing to undo.")
    if state.ended_early():
        raise ValidationError("A commissioner ended this draft early; it cannot be reopened.")
    if state.draft.status == Draft.Status.COMPLETE:
        # What is built on a finished draft may hold it finished (results, once locked).
        signals.draft_reopening.send(sender=Draft, draft=state.draft)
    if expected_version is not None and act.version != expected_version:
        # A stale confirmation page must not undo something the commissioner never saw.
        raise ValidationError(
            "The board has changed since you asked to undo. Nothing was undone: "
            "check the board and try again."
        )
    if isinstance(act, Trade):
        undo_trade(state, act, now, actor=actor)
        save_run(state)
        return act
    state.undo(now)
    name = state.seat_for_slot(act.slot).display_name
    if isinstance(act, Pick):
        movie, category = act.movie, state.category_by_id(act.category_id)
    else:
        movie = category = None
    summary = narration.undo(state.label(act.slot), name, movie)
    type(act).objects.filter(pk=act.pk).delete()
    log_act(
        state,
        DraftEvent.Kind.UNDO,
        summary,
        now=now,
        actor=actor,
        slot=act.slot,
        movie=movie,
        category=category,
    )
    save_run(state)
    return act
