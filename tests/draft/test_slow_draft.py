"""A draft nobody babysits: the clock and autopick carry it to the end."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from draft.models import Draft, DraftEvent, Pick, SkippedSlot
from draft.services.picks import make_pick
from draft.services.queue import queue_add, set_autopick
from draft.services.setup import update_clock_settings
from tests.draft.factories import make_draft
from tests.mail import delivered
from worker.rounds import tick_due_drafts

pytestmark = pytest.mark.django_db


def test_a_poll_notices_an_expired_clock_even_when_nothing_else_changed(
    client, commissioner, member
):
    setup = make_draft(commissioner, [member], seats=3, rounds=2, movies=12)
    update_clock_settings(
        draft_id=setup.draft.pk,
        actor=commissioner,
        pick_seconds=30,
        expiry_action=Draft.Expiry.SKIP,
    )
    version = setup.refresh().version
    url = setup.draft.get_absolute_url() + f"?v={version}"
    assert client.get(url, headers={"HX-Request": "true"}).status_code == 204
    with time_machine.travel(timezone.now() + timedelta(seconds=31), tick=False):
        response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert SkippedSlot.objects.filter(draft=setup.draft, slot=1).exists()
    assert b"Skipped" in response.content


def test_three_members_thirty_second_clock_one_on_autopick_run_to_the_end(
    commissioner, member, other_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        setup = make_draft(
            commissioner,
            [member, other_member],
            seats=3,
            rounds=3,
            movies=30,
            seat_commissioner=True,
        )
        update_clock_settings(
            draft_id=setup.draft.pk,
            actor=commissioner,
            pick_seconds=30,
            expiry_action=Draft.Expiry.AUTOPICK,
        )
        # The absent member queued three films and switched autopick on before leaving.
        absent = other_member
        for movie in setup.movies[-3:]:
            queue_add(draft_id=setup.draft.pk, user=absent, movie_id=movie.pk)
        set_autopick(draft_id=setup.draft.pk, user=absent, enabled=True)

    now = timezone.now()
    for _ in range(12):
        draft = setup.refresh()
        if draft.status == Draft.Status.COMPLETE:
            break
        slot = setup.slot_on_clock()
        picker = setup.user_on_clock()
        assert picker != absent, "autopick should have picked for the absent member"
        with django_capture_on_commit_callbacks(execute=True):
            if slot % 2:  # present members pick some turns themselves…
                make_pick(
                    draft_id=draft.pk,
                    user=picker,
                    movie_id=setup.free_movie().pk,
                    expected_slot=slot,
                )
            else:  # …and let the clock run out on others, with an empty queue: skipped
                now += timedelta(seconds=31)
                with time_machine.travel(now, tick=False):
                    assert tick_due_drafts() == 1
                make_pick(
                    draft_id=draft.pk,
                    user=picker,
                    movie_id=setup.free_movie().pk,
                    expected_slot=slot,
                )

    draft = setup.refresh()
    assert draft.status == Draft.Status.COMPLETE
    assert Pick.objects.filter(draft=draft).count() == 9
    absent_picks = Pick.objects.filter(draft=draft, seat=setup.seat_of(absent))
    assert absent_picks.count() == 3 and all(p.is_autopick for p in absent_picks)
    kinds = set(DraftEvent.objects.filter(draft=draft).values_list("kind", flat=True))
    assert {"start", "pick", "autopick", "skip", "complete"} <= kinds
    # One "on the clock" mail per turn a person had to take (never for the autopicked ones
    # that happened instantly, never twice).
    on_clock = [m for m in delivered() if m.subject.startswith("You're on the clock")]
    recipients = [m.to[0] for m in on_clock]
    assert absent.email not in recipients
    assert len(on_clock) == len({(m.to[0], m.body) for m in on_clock})
    assert len(on_clock) >= 6
