"""Turn mail: once per turn, only after the change commits, never to a member who opted out."""

import pytest
from django.core import mail
from django.db import transaction

from draft import notifications, services
from draft.models import NotificationSettings
from tests.draft.factories import four_by_three

pytestmark = pytest.mark.django_db


def mails_to(user):
    return [m for m in mail.outbox if m.to == [user.email]]


def test_start_mails_the_first_picker_and_the_one_after(
    commissioner, member, other_member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        setup = four_by_three(commissioner, [member, other_member])
    assert [m.subject for m in mails_to(member)] == ["You're on the clock — Test Draft"]
    assert [m.subject for m in mails_to(other_member)] == ["You're up next — Test Draft"]
    board = f"/leagues/{setup.league.slug}/{setup.draft.slug}/"
    assert board in mails_to(member)[0].body
    assert "Round 1, Pick 1" in mails_to(member)[0].body


def test_each_turn_is_mailed_once(
    commissioner, member, other_member, django_capture_on_commit_callbacks
):
    setup = four_by_three(commissioner, [member, other_member])
    mail.outbox.clear()
    movie = setup.free_movie(setup.categories[0])
    with django_capture_on_commit_callbacks(execute=True):
        services.make_pick(draft_id=setup.draft.pk, user=member, movie_id=movie.pk, expected_slot=1)
    assert [m.subject for m in mails_to(other_member)] == ["You're on the clock — Test Draft"]
    # The same turn announced again (a retry, a second worker) sends nothing more.
    notifications.announce_turn(setup.draft.pk, 2)
    assert len(mails_to(other_member)) == 1


def test_a_rolled_back_pick_sends_nothing(
    commissioner, member, other_member, django_capture_on_commit_callbacks
):
    setup = four_by_three(commissioner, [member, other_member])
    mail.outbox.clear()
    movie = setup.free_movie(setup.categories[0])
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        services.make_pick(draft_id=setup.draft.pk, user=member, movie_id=movie.pk, expected_slot=1)
        raise RuntimeError("the request failed after the pick")
    assert callbacks == []
    assert mail.outbox == []
    assert setup.slot_on_clock() == 1


def test_a_member_who_opted_out_gets_no_mail(
    commissioner, member, other_member, django_capture_on_commit_callbacks
):
    NotificationSettings.objects.create(user=member, on_clock=False, up_next=True)
    NotificationSettings.objects.create(user=other_member, on_clock=True, up_next=False)
    with django_capture_on_commit_callbacks(execute=True):
        four_by_three(commissioner, [member, other_member])
    assert mails_to(member) == []
    assert mails_to(other_member) == []


def test_no_mail_for_a_turn_that_is_already_over(commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    movie = setup.free_movie(setup.categories[0])
    services.make_pick(draft_id=setup.draft.pk, user=member, movie_id=movie.pk, expected_slot=1)
    mail.outbox.clear()
    notifications.announce_turn(setup.draft.pk, 1)  # slot 1 is filled: too late
    assert mail.outbox == []


def test_the_mail_settings_page_saves_choices(member_client, member):
    response = member_client.post("/notifications/", {"up_next": "on"}, follow=True)
    assert b"Mail settings saved." in response.content
    prefs = NotificationSettings.objects.get(user=member)
    assert prefs.on_clock is False and prefs.up_next is True
