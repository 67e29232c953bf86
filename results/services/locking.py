"""Locking a draft's results: the values every column reads are kept (ResultsSetup.frozen) and
the standings written (Standing), so that nothing later (an import, a vote, an upload) changes a
decided season. A commissioner locks and opens again; the results date locks by itself: every
writer of a column's values calls lock_due_results() first, and so does the worker's round."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from draft.models import Draft, Seat
from results import selectors
from results.models import ResultsSetup, ScoreColumn, Standing
from results.presets import default_columns


def setup_for_update(draft: Draft) -> ResultsSetup:
    """The draft's set-up, made with the default columns if it has none, locked for this
    transaction."""
    ResultsSetup.objects.get_or_create(draft=draft)
    setup = (
        ResultsSetup.objects.select_for_update().select_related("draft__league").get(draft=draft)
    )
    if not setup.columns.exists():
        ScoreColumn.objects.bulk_create(default_columns(setup))
    return setup


def lock(setup: ResultsSetup, now=None) -> None:
    """Keep the values and write the standings. The caller holds the set-up's row lock."""
    draft = setup.draft
    if draft.status != Draft.Status.COMPLETE:
        raise ValidationError("The results lock once the draft is over.")
    columns = selectors.columns_of(setup)
    picks = selectors.draft_picks(draft)
    values = selectors.live_values(draft, columns, picks)
    seats = list(Seat.objects.filter(draft=draft).order_by("position"))
    outcome = selectors.outcome_of(columns, seats, picks, values)
    Standing.objects.filter(draft=draft).delete()
    Standing.objects.bulk_create(
        Standing(
            draft=draft,
            seat_id=score.seat_id,
            rank=score.rank,
            total=score.total,
            champion=score.champion,
        )
        for score in outcome.members
    )
    setup.frozen = values.as_json()
    setup.locked_at = now or timezone.now()
    setup.version += 1
    setup.save(update_fields=["frozen", "locked_at", "version", "updated_at"])


def lock_results(*, draft: Draft, now=None) -> ResultsSetup:
    """A commissioner locks the results now (the caller checked the role)."""
    with transaction.atomic():
        setup = setup_for_update(draft)
        if setup.is_locked:
            raise ValidationError("The results are already locked.")
        lock(setup, now)
    return setup


def reopen_results(*, draft: Draft) -> ResultsSetup:
    """Open locked results again: the kept values and the standings go, and so does the results
    date (it has passed: the commissioner sets a new one)."""
    with transaction.atomic():
        setup = setup_for_update(draft)
        if not setup.is_locked:
            raise ValidationError("The results are not locked.")
        Standing.objects.filter(draft=draft).delete()
        setup.frozen, setup.locked_at, setup.lock_at = None, None, None
        setup.version += 1
        setup.save(update_fields=["frozen", "locked_at", "lock_at", "version", "updated_at"])
    return setup


def lock_due_results(now=None) -> int:
    """Lock every completed draft's results whose date has passed; how many were locked. Each in
    its own transaction; one already locked by someone else is passed over."""
    now = now or timezone.now()
    due = list(
        ResultsSetup.objects.filter(
            locked_at__isnull=True, lock_at__lte=now, draft__status=Draft.Status.COMPLETE
        ).values_list("draft_id", flat=True)
    )
    locked = 0
    for draft_id in due:
        with transaction.atomic():
            setup = (
                ResultsSetup.objects.select_for_update()
                .select_related("draft__league")
                .get(draft_id=draft_id)
            )
            if setup.is_due(now) and setup.draft.status == Draft.Status.COMPLETE:
                lock(setup, now)
                locked += 1
    return locked


def refuse_reopening_while_locked(sender=None, *, draft, **kwargs) -> None:
    """draft.signals.draft_reopening: locked results keep their draft finished."""
    if ResultsSetup.objects.filter(draft=draft, locked_at__isnull=False).exists():
        raise ValidationError(
            "This draft's results are locked, so it stays finished: open the results again "
            "(Standings, then Set up the results) before undoing its last pick."
        )


def lock_due_on_signal(sender=None, **kwargs) -> None:
    """draft.signals.catalog_ratings_changing: lock what is due before the ratings move."""
    lock_due_results()
