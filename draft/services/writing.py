"""How every write to a draft is framed. A draft service is a check-then-do around the draft's
state (`draft/state.py`, the one owner of the turn):

    with transaction.atomic():                       # @draft_write
        draft = the draft row, locked                # every writer, first thing
        state = DraftState.load(draft)
        apply an expired clock                       # the clock before anything else
        plan = check_…(state, …)                     # refuses with a ValidationError, writes nothing
        do it: write the rows, let the state apply the change, log one event per act
        settle: autopicks, completion, the next turn's mail (outbox rows, same transaction)
        save the draft's run fields (update_fields)

Lock order, everywhere (the worker's included): the draft row first, then anything else
(seats, queue entries, picks). The draft row is locked FOR NO KEY UPDATE: writers queue on it,
while inserts elsewhere whose foreign keys only need a KEY SHARE lock on it (an event, a
vote) are not held up. Two members, a double click, a queue edit, the commissioner and the
clock worker therefore never interleave their checks and writes, and cannot deadlock: nobody
holds a seat or queue row while waiting for a draft. A deadlock or serialization failure that
still happens is retried once, then refused with "The board was busy, please try again." The
unique constraints on Pick are the last guard; a violation that slips past the checks becomes
a clear message, never a 500.

Here: the frame's parts every service module shares (`draft_write`, the locks, `log_act`
and `save_run`, the commissioner check, the setup log, slugs).
"""

import functools
import logging
import secrets
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils.text import slugify

from draft import bus, selectors
from draft.models import Category, Draft, DraftEvent, League, Membership, Movie
from draft.state import DraftState

logger = logging.getLogger(__name__)


BUSY = "The board was busy, please try again."


# The draft fields a running draft changes; services save only these (and what they set).
RUN_FIELDS = [
    "status", "started_at", "completed_at", "clock_slot", "clock_deadline", "clock_remaining",
    "version",
]  # fmt: skip


# PostgreSQL's deadlock_detected, serialization_failure and lock_not_available.
_RETRYABLE_STATES = {"40P01", "40001", "55P03"}


def _is_contention(error: OperationalError) -> bool:
    """A deadlock or serialization failure (PostgreSQL), or a busy database (SQLite): the
    transaction lost a race and may be run again. A lost connection is not one of these."""
    state = getattr(error.__cause__, "sqlstate", None)
    if state is not None:
        return state in _RETRYABLE_STATES
    text = str(error).lower()
    return "database is locked" in text or "database table is locked" in text


def draft_write(service):
    """Run `service` in one transaction. If it loses a race in the database (a deadlock, a
    serialization failure, a busy SQLite file), run it once more from the start; a second loss
    is refused with a clear message. Inside an outer transaction there is nothing to retry."""

    @functools.wraps(service)
    def run(*args, **kwargs):
        attempts = 1 if connection.in_atomic_block else 2
        for attempt in range(1, attempts + 1):
            try:
                with transaction.atomic():
                    return service(*args, **kwargs)
            except OperationalError as error:
                if not _is_contention(error):
                    raise
                logger.warning("%s lost a race (attempt %s): %s", service.__name__, attempt, error)
        raise ValidationError(BUSY, code="busy")

    return run


def lock_draft(draft_id: int) -> Draft:
    # Every draft writer takes this row lock first; see the module docstring.
    return (
        Draft.objects.select_for_update(of=("self",), no_key=True)
        .select_related("league")
        .get(pk=draft_id)
    )


def log_act(
    state: DraftState,
    kind: str,
    summary: str,
    *,
    now: datetime,
    actor=None,
    slot: int | None = None,
    movie: Movie | None = None,
    category: Category | None = None,
) -> int:
    """Bump the board's version and log the change; once per act. Returns the new version."""
    draft = state.draft
    draft.version += 1
    DraftEvent.objects.create(
        draft=draft,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        slot=slot,
        movie=movie,
        category=category,
        summary=summary,
        version=draft.version,
        created_at=now,
    )
    return draft.version


def save_run(state: DraftState, *fields: str) -> None:
    state.draft.save(update_fields=[*RUN_FIELDS, *fields])
    bus.board_changed(state.draft.pk, state.draft.version)


def require_commissioner(league: League, user) -> Membership:
    membership = selectors.membership_for(league, user)
    if membership is None or not membership.is_commissioner:
        raise ValidationError("Only a commissioner of this league can do that.")
    return membership


def slug_candidates(name: str, fallback: str, reserved: set[str], *, secret: bool):
    """Slugs to try, in order. A secret slug ends in random letters, so no one can guess it or
    learn that it exists by making a league of the same name."""
    base = slugify(name)[:60].strip("-") or fallback
    if secret:
        while True:
            yield f"{base}-{secrets.token_hex(3)}"
    if base not in reserved:
        yield base
    n = 2
    while True:
        yield f"{base}-{n}"
        n += 1


def insert_with_unique_slug(create, candidates, exists, *, tries: int = 50):
    """Insert with the first free slug. Checking first and inserting after would race a second
    insert of the same name; instead each candidate is inserted in a savepoint and the next one
    tried when the slug turns out taken (by a row that now exists)."""
    for slug in candidates:
        if tries == 0:
            break
        tries -= 1
        if exists(slug):
            continue
        try:
            with transaction.atomic():
                return create(slug)
        except IntegrityError:
            if not exists(slug):
                raise  # another constraint: not ours to paper over
    raise ValidationError("Could not find a free web address for that name; try another name.")


def lock_for_setup(draft_id: int, actor) -> Draft:
    draft = lock_draft(draft_id)
    require_commissioner(draft.league, actor)
    if draft.status != Draft.Status.SETUP:
        raise ValidationError(
            "The draft has started: its order, categories and settings are frozen."
        )
    return draft


def record_change(draft: Draft, kind: str, summary: str, *, actor, fields=()) -> None:
    """Log a change made in setup, bump the version and save it with the fields it changed."""
    draft.version += 1
    draft.save(update_fields=["version", *fields])
    DraftEvent.objects.create(
        draft=draft, kind=kind, actor=actor, summary=summary, version=draft.version
    )
    bus.board_changed(draft.pk, draft.version)


def move_item(items: list, item_id: int, offset: int, noun: str) -> None:
    index = next((i for i, item in enumerate(items) if item.pk == item_id), None)
    if index is None:
        raise ValidationError(f"That {noun} is not in this draft.")
    target = min(max(index + offset, 0), len(items) - 1)
    items.insert(target, items.pop(index))


def renumber(model, items: list, field: str = "position") -> None:
    """Give items positions 1..n in list order without ever holding two at one position (the
    unique constraints would refuse it): park them past the end first, then set the final ones."""
    if not items:
        return
    offset = max(getattr(item, field) for item in items) + len(items) + 1
    for i, item in enumerate(items):
        model.objects.filter(pk=item.pk).update(**{field: offset + i})
    for i, item in enumerate(items, start=1):
        model.objects.filter(pk=item.pk).update(**{field: i})
        setattr(item, field, i)
