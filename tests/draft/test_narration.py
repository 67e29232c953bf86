"""Every act in words from one place (draft/narration.py): the log line stored with the act,
and the live region's sentence made from the event's fields, never from the log line's words."""

from datetime import timedelta

import pytest
from django.utils import timezone

from draft import events
from draft.models import Draft, DraftEvent, Membership
from draft.services.leagues import rename_member
from draft.services.picks import skip_on_clock
from draft.services.running import pause_draft, tick_clock
from draft.services.setup import update_clock_settings
from tests.draft.factories import four_by_three, pick_on_clock

pytestmark = pytest.mark.django_db


def said(setup, since: int) -> list[str]:
    draft = Draft.objects.get(pk=setup.draft.pk)
    return events.sentences(draft, events.events_between(draft, since, draft.version))


def test_a_commissioners_skip_is_not_told_as_the_clocks_whatever_the_members_name(
    commissioner, member
):
    """The live region told a skip's lateness by looking for "time ran out" in the log line,
    which holds the member's name: a member named so was said to have run out of time when a
    commissioner skipped them."""
    setup = four_by_three(commissioner, [member])
    dylan = Membership.objects.get(league=setup.league, user=member)
    rename_member(membership=dylan, actor=member, display_name="Dylan (time ran out)")
    before = Draft.objects.get(pk=setup.draft.pk).version
    skip_on_clock(draft_id=setup.draft.pk, actor=commissioner, expected_slot=1)
    assert said(setup, before) == ["Dylan (time ran out) was skipped at 1.01."]


def test_a_skip_the_clock_made_says_time_ran_out(commissioner, member):
    setup = four_by_three(commissioner, [member])
    update_clock_settings(
        draft_id=setup.draft.pk, actor=commissioner, pick_seconds=60, expiry_action="skip"
    )
    Draft.objects.filter(pk=setup.draft.pk).update(
        clock_deadline=timezone.now() - timedelta(seconds=1)
    )
    before = Draft.objects.get(pk=setup.draft.pk).version
    assert tick_clock(draft_id=setup.draft.pk)
    name = Membership.objects.get(league=setup.league, user=member).display_name
    assert said(setup, before) == [f"{name} was skipped at 1.01 because time ran out."]
    skip = DraftEvent.objects.get(draft=setup.draft, kind=DraftEvent.Kind.SKIP)
    assert skip.summary == f"1.01 {name} skipped (time ran out)"


def test_the_log_and_the_live_region_tell_a_pick_and_a_pause(commissioner, member):
    setup = four_by_three(commissioner, [member])
    before = Draft.objects.get(pk=setup.draft.pk).version
    picked = pick_on_clock(setup).pick
    pause_draft(draft_id=setup.draft.pk, actor=commissioner)
    name = picked.seat.display_name
    assert said(setup, before) == [
        f"{name} picked {picked.movie} at 1.01.",
        "The draft is paused.",
    ]
    log = list(DraftEvent.objects.filter(draft=setup.draft, version__gt=before).order_by("version"))
    assert [e.summary for e in log] == [
        f"1.01 {name} selects {picked.movie} in {picked.category.name}",
        "Draft paused",
    ]
