"""Turn mail: written to the outbox with the change, delivered once per turn, never for a change
that rolled back, never to a member who opted out."""

import pytest
from django.db import transaction
from django.utils import timezone

from draft import notifications
from draft.models import NotificationSettings
from draft.services.picks import make_pick
from draft.state import DraftState
from tests.draft.factories import four_by_three
from tests.mail import delivered, delivered_to
from worker.models import OutboxMessage

pytestmark = pytest.mark.django_db


def test_start_mails_the_first_picker_and_the_one_after(commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    assert [m.subject for m in delivered_to(member)] == ["You're on the clock — Test Draft"]
    assert [m.subject for m in delivered_to(other_member)] == ["You're up next — Test Draft"]
    board = f"/leagues/{setup.league.slug}/{setup.draft.slug}/"
    assert board in delivered_to(member)[0].body
    assert "Round 1, Pick 1" in delivered_to(member)[0].body


def test_each_turn_is_mailed_once(commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    delivered()
    movie = setup.free_movie(setup.categories[0])
    make_pick(draft_id=setup.draft.pk, user=member, movie_id=movie.pk, expected_slot=1)
    assert [m.subject for m in delivered_to(other_member)] == [
        "You're up next — Test Draft",
        "You're on the clock — Test Draft",
    ]
    # The same turn announced again (a retry, a second worker) sends nothing more.
    with transaction.atomic():
        notifications.queue_turn_mail(DraftState.load(setup.refresh()), timezone.now())
    assert len(delivered_to(other_member)) == 2
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).count() == 0


def test_a_rolled_back_pick_sends_nothing(commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    before = len(delivered())
    movie = setup.free_movie(setup.categories[0])
    with pytest.raises(RuntimeError), transaction.atomic():
        make_pick(draft_id=setup.draft.pk, user=member, movie_id=movie.pk, expected_slot=1)
        raise RuntimeError("the request failed after the pick")
    assert len(delivered()) == before
    assert setup.slot_on_clock() == 1


def test_a_member_who_opted_out_gets_no_mail(commissioner, member, other_member):
    NotificationSettings.objects.create(user=member, on_clock=False, up_next=True)
    NotificationSettings.objects.create(user=other_member, on_clock=True, up_next=False)
    four_by_three(commissioner, [member, other_member])
    assert delivered_to(member) == []
    assert delivered_to(other_member) == []


def test_a_pick_does_not_wait_for_the_mail_server(commissioner, member, other_member):
    """The pick only writes outbox rows: nothing is sent inside the request."""
    setup = four_by_three(commissioner, [member, other_member])
    movie = setup.free_movie(setup.categories[0])
    queued = OutboxMessage.objects.count()
    make_pick(draft_id=setup.draft.pk, user=member, movie_id=movie.pk, expected_slot=1)
    assert OutboxMessage.objects.count() > queued
    assert OutboxMessage.objects.filter(status=OutboxMessage.Status.PENDING).exists()
