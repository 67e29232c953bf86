"""Drafts for the stats and ADP tests: films picked in the order given, through the services."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from draft.models import Draft, Pick
from tests.draft.factories import DraftSetup, make_draft, make_movie, pick_on_clock

# A draft that started at noon (UTC) on 1 June 2024: its year is 2024.
STARTED = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)


def film(title: str, year: int, genres=(), directors=(), votes: int | None = None, **extra):
    return make_movie(title, year, genres, directors=list(directors), imdb_votes=votes, **extra)


def played(commissioner, players, films, *, seats: int, rounds: int, **options) -> DraftSetup:
    """A `seats` × `rounds` snake draft (open categories) whose slots take `films` in slot
    order: complete when they fill it."""
    setup = make_draft(commissioner, players, seats=seats, rounds=rounds, **options)
    for movie in films:
        pick_on_clock(setup, movie)
    setup.refresh()
    return setup


def set_times(setup: DraftSetup, seconds_by_slot: dict[int, float], *, started=STARTED) -> None:
    """The draft started at `started`; the pick of each slot was made that many seconds after."""
    Draft.objects.filter(pk=setup.draft.pk).update(started_at=started)
    for slot, seconds in seconds_by_slot.items():
        Pick.objects.filter(draft=setup.draft, slot=slot).update(
            created_at=started + timedelta(seconds=seconds), clock_left=None
        )
    setup.refresh()
