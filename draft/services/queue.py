"""A member's queue of films and their autopick."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from draft import selectors
from draft.models import Draft, Movie, Pick, QueueEntry, Seat
from draft.services.turns import autopick, open_running, settle
from draft.services.writing import draft_write, lock_draft, move_item, renumber, save_run


def _own_seat(draft_id: int, user) -> Seat:
    """The user's seat in the draft. Called with the draft row locked (the lock order: the
    draft first), which also makes one member's queue edits from two tabs run one after the
    other, so ranks stay 1..n without gaps or clashes."""
    seat = (
        Seat.objects.select_related("membership")
        .filter(draft_id=draft_id, membership__user=user, membership__left_at__isnull=True)
        .first()
    )
    if seat is None:
        raise ValidationError("You do not have a seat in this draft, so you have no queue.")
    return seat


@draft_write
def queue_add(*, draft_id: int, user, movie_id: int | None) -> QueueEntry:
    lock_draft(draft_id)
    seat = _own_seat(draft_id, user)
    movie = Movie.objects.filter(pk=movie_id).first() if movie_id else None
    if movie is None:
        raise ValidationError("Choose a film from the catalog.")
    taken = (
        Pick.objects.filter(draft_id=draft_id, movie=movie)
        .select_related("seat__membership")
        .first()
    )
    if taken is not None:
        raise ValidationError(
            f"{movie} is already taken: {taken.seat.display_name} picked it at {taken.label}."
        )
    if QueueEntry.objects.filter(seat=seat, movie=movie).exists():
        raise ValidationError(f"{movie} is already in your queue.")
    rank = QueueEntry.objects.filter(seat=seat).count() + 1
    return QueueEntry.objects.create(seat=seat, movie=movie, rank=rank)


@draft_write
def queue_remove(*, draft_id: int, user, entry_id: int | None) -> None:
    lock_draft(draft_id)
    seat = _own_seat(draft_id, user)
    entries = list(QueueEntry.objects.filter(seat=seat).order_by("rank"))
    doomed = next((e for e in entries if e.pk == entry_id), None)
    if doomed is None:
        raise ValidationError("That film is not in your queue any more.")
    rest = [e for e in entries if e.pk != entry_id]
    doomed.delete()
    renumber(QueueEntry, rest, field="rank")


@draft_write
def queue_move(*, draft_id: int, user, entry_id: int | None, offset: int) -> None:
    lock_draft(draft_id)
    seat = _own_seat(draft_id, user)
    entries = list(QueueEntry.objects.filter(seat=seat).order_by("rank"))
    if not any(e.pk == entry_id for e in entries):
        raise ValidationError("That film is not in your queue any more.")
    move_item(entries, entry_id, offset, "film")
    renumber(QueueEntry, entries, field="rank")


@draft_write
def set_autopick(*, draft_id: int, user, enabled: bool) -> Seat:
    """Turn autopick on or off for the user's own seat. Turned on while the member is on the
    clock, it picks from the queue at once."""
    now = timezone.now()
    state = open_running(draft_id, now)
    membership = selectors.membership_for(state.draft.league, user)
    seat = state.seat_of(membership.pk) if membership else None
    if seat is None:
        raise ValidationError("You do not have a seat in this draft, so you have no queue.")
    seat.autopick = enabled
    Seat.objects.filter(pk=seat.pk).update(autopick=enabled)
    slot = state.on_clock
    mine = slot is not None and state.seat_for_slot(slot).pk == seat.pk
    live = state.draft.status == Draft.Status.LIVE
    if enabled and live and mine and autopick(state, seat, slot, now):
        settle(state, now, before=slot)
    save_run(state)
    return seat
