"""The pick clock on expiry, queues and autopick, and the worker's clock round."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from draft.models import Draft, DraftEvent, Pick, QueueEntry, SkippedSlot
from draft.services.picks import make_pick
from draft.services.queue import queue_add, queue_move, set_autopick
from draft.services.running import pause_draft, resume_draft, tick_clock
from draft.services.setup import update_clock_settings
from tests.draft.factories import four_by_three
from tests.threads import race
from worker.rounds import tick_due_drafts

pytestmark = pytest.mark.django_db


def clocked(setup, *, seconds=60, action=Draft.Expiry.SKIP):
    update_clock_settings(
        draft_id=setup.draft.pk,
        actor=setup.commissioner,
        pick_seconds=seconds,
        expiry_action=action,
    )
    return setup.refresh()


def test_a_clocked_pick_gets_a_stored_deadline(commissioner, member):
    setup = four_by_three(commissioner, [member])
    before = timezone.now()
    draft = clocked(setup, seconds=90)
    assert draft.clock_slot == 1
    assert (
        before + timedelta(seconds=89)
        < draft.clock_deadline
        <= timezone.now() + timedelta(seconds=90)
    )


def test_expiry_skips_the_seat_once_and_the_member_makes_it_up_later(commissioner, member):
    setup = four_by_three(commissioner, [member])
    clocked(setup, seconds=60, action=Draft.Expiry.SKIP)
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        assert tick_due_drafts() == 1
        assert tick_due_drafts() == 0  # nothing left to do: no second skip
    draft = setup.refresh()
    assert list(SkippedSlot.objects.filter(draft=draft).values_list("slot", flat=True)) == [1]
    assert setup.slot_on_clock() == 2
    assert DraftEvent.objects.filter(draft=draft, kind=DraftEvent.Kind.SKIP).count() == 1
    # The skipped member comes back and fills the slot they missed.
    movie = setup.free_movie(setup.categories[0])
    result = make_pick(draft_id=draft.pk, user=member, movie_id=movie.pk, expected_slot=1)
    assert result.pick.slot == 1 and result.pick.seat == setup.seat_of(member)


def test_expiry_with_nothing_to_do_leaves_the_pick_overdue(commissioner, member):
    setup = four_by_three(commissioner, [member])
    clocked(setup, seconds=60, action=Draft.Expiry.NOTHING)
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        assert tick_due_drafts() == 0
    assert setup.slot_on_clock() == 1
    assert not SkippedSlot.objects.exists()


def test_pause_keeps_the_time_left_and_resume_gives_it_back(commissioner, member):
    setup = four_by_three(commissioner, [member])
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        clocked(setup, seconds=120)
    with time_machine.travel(start + timedelta(seconds=50), tick=False):
        pause_draft(draft_id=setup.draft.pk, actor=commissioner)
    draft = setup.refresh()
    assert draft.clock_deadline is None
    assert draft.clock_remaining == timedelta(seconds=70)
    # A long pause does not eat into the pick.
    resumed_at = start + timedelta(hours=3)
    with time_machine.travel(resumed_at, tick=False):
        resume_draft(draft_id=setup.draft.pk, actor=commissioner)
        assert tick_due_drafts() == 0
    assert setup.refresh().clock_deadline == resumed_at + timedelta(seconds=70)


def test_autopick_on_expiry_takes_the_top_free_eligible_queued_film(commissioner, member):
    setup = four_by_three(commissioner, [member])
    clocked(setup, seconds=60, action=Draft.Expiry.AUTOPICK)
    horror = setup.categories[0]
    fits = [m for m in setup.movies if {"Horror", "Thriller"} & set(m.genres)]
    misfit = next(m for m in setup.movies if not {"Horror", "Thriller"} & set(m.genres))
    for movie in [misfit, fits[0], fits[1]]:
        queue_add(draft_id=setup.draft.pk, user=member, movie_id=movie.pk)
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        assert tick_due_drafts() == 1
    pick = Pick.objects.get(draft=setup.draft, slot=1)
    assert pick.movie == fits[0] and pick.is_autopick and pick.category == horror
    assert DraftEvent.objects.filter(kind=DraftEvent.Kind.AUTOPICK, slot=1).exists()
    assert setup.slot_on_clock() == 2


def test_autopick_on_expiry_with_an_empty_queue_skips(commissioner, member):
    setup = four_by_three(commissioner, [member])
    clocked(setup, seconds=60, action=Draft.Expiry.AUTOPICK)
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        tick_due_drafts()
    assert not Pick.objects.exists()
    assert SkippedSlot.objects.filter(slot=1).exists()


def test_queue_keeps_its_order_and_marks_sniped_films(commissioner, member, other_member):
    from draft.selectors import queue_entries

    setup = four_by_three(commissioner, [member, other_member])
    films = setup.movies[:3]
    for movie in films:
        queue_add(draft_id=setup.draft.pk, user=other_member, movie_id=movie.pk)
    entries = QueueEntry.objects.filter(seat=setup.seat_of(other_member)).order_by("rank")
    queue_move(draft_id=setup.draft.pk, user=other_member, entry_id=entries[2].pk, offset=-2)
    seat = setup.seat_of(other_member)
    assert [r.movie for r in queue_entries(seat)] == [films[2], films[0], films[1]]
    # The seat on the clock (picked by the commissioner on its behalf) takes the film at the
    # top of the other member's queue.
    make_pick(
        draft_id=setup.draft.pk,
        user=commissioner,
        movie_id=films[2].pk,
        expected_slot=1,
        for_seat_id=setup.seat_of(member).pk,
        override_rules=True,
    )
    rows = queue_entries(seat)
    assert rows[0].sniped_by == setup.seat_of(member).membership.display_name
    assert rows[0].sniped_at == "1.01"
    assert not rows[1].sniped_by
    with pytest.raises(ValidationError, match="already taken"):
        queue_add(draft_id=setup.draft.pk, user=commissioner, movie_id=films[2].pk)
    with pytest.raises(ValidationError, match="already in your queue"):
        queue_add(draft_id=setup.draft.pk, user=other_member, movie_id=films[0].pk)


def test_turning_autopick_on_while_on_the_clock_picks_at_once(commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    movie = setup.free_movie(setup.categories[0])
    queue_add(draft_id=setup.draft.pk, user=member, movie_id=movie.pk)
    version = setup.refresh().version
    set_autopick(draft_id=setup.draft.pk, user=member, enabled=True)
    pick = Pick.objects.get(slot=1)
    assert pick.movie == movie and pick.is_autopick
    assert setup.refresh().version > version
    assert setup.slot_on_clock() == 2


def test_a_member_with_autopick_picks_the_moment_their_turn_comes(
    commissioner, member, other_member
):
    setup = four_by_three(commissioner, [member, other_member])
    wanted = setup.free_movie(setup.categories[0])
    queue_add(draft_id=setup.draft.pk, user=other_member, movie_id=wanted.pk)
    set_autopick(draft_id=setup.draft.pk, user=other_member, enabled=True)
    assert not Pick.objects.exists()  # not their turn yet
    first = next(m for m in setup.movies if m != wanted and {"Horror", "Thriller"} & set(m.genres))
    make_pick(draft_id=setup.draft.pk, user=member, movie_id=first.pk, expected_slot=1)
    picks = list(Pick.objects.order_by("slot"))
    assert [p.slot for p in picks] == [1, 2]
    assert picks[1].movie == wanted and picks[1].is_autopick
    assert setup.slot_on_clock() == 3


def test_worker_command_once(commissioner, member):
    setup = four_by_three(commissioner, [member])
    clocked(setup, seconds=30, action=Draft.Expiry.SKIP)
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        call_command("worker", "--once")
    assert setup.slot_on_clock() == 2


@pytest.mark.django_db(transaction=True)
def test_expiry_applies_once_when_requests_and_the_worker_notice_it_together(commissioner, member):
    setup = four_by_three(commissioner, [member])
    clocked(setup, seconds=30, action=Draft.Expiry.SKIP)
    draft_id = setup.draft.pk
    later = timezone.now() + timedelta(seconds=31)
    with time_machine.travel(later, tick=False):
        results = race(
            [
                tick_due_drafts,
                tick_due_drafts,
                lambda: tick_clock(draft_id=draft_id),
                lambda: tick_clock(draft_id=draft_id),
            ]
        )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert SkippedSlot.objects.filter(draft_id=draft_id).count() == 1
    assert DraftEvent.objects.filter(draft_id=draft_id, kind=DraftEvent.Kind.SKIP).count() == 1
    assert setup.slot_on_clock() == 2


@pytest.mark.django_db(transaction=True)
def test_a_manual_pick_racing_the_expiry_yields_one_pick(commissioner, member):
    setup = four_by_three(commissioner, [member])
    clocked(setup, seconds=30, action=Draft.Expiry.SKIP)
    draft_id = setup.draft.pk
    movie = setup.free_movie(setup.categories[0])
    later = timezone.now() + timedelta(seconds=31)
    with time_machine.travel(later, tick=False):
        results = race(
            [
                lambda: make_pick(
                    draft_id=draft_id, user=member, movie_id=movie.pk, expected_slot=1
                ),
                tick_due_drafts,
            ]
        )
    errors = [r for r in results if isinstance(r, Exception)]
    assert all(isinstance(e, ValidationError) for e in errors), errors
    # Whichever came first, slot 1 holds at most one pick and the film is in the draft once.
    assert Pick.objects.filter(draft_id=draft_id, slot=1).count() <= 1
    assert Pick.objects.filter(draft_id=draft_id, movie=movie).count() <= 1
    assert DraftEvent.objects.filter(draft_id=draft_id, kind=DraftEvent.Kind.SKIP).count() <= 1
    # The member's pick landed in their own slot: on time, or as the make-up of the skip.
    assert Pick.objects.get(draft_id=draft_id, movie=movie).slot == 1


def test_a_commissioner_action_applies_an_expired_clock_first(commissioner, member):
    setup = four_by_three(commissioner, [member])
    clocked(setup, seconds=60, action=Draft.Expiry.SKIP)
    with time_machine.travel(timezone.now() + timedelta(seconds=61), tick=False):
        pause_draft(draft_id=setup.draft.pk, actor=commissioner)
    draft = setup.refresh()
    assert draft.status == Draft.Status.PAUSED
    assert SkippedSlot.objects.filter(draft=draft, slot=1).exists()
    assert setup.slot_on_clock() == 2
