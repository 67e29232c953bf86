"""The pick clock in the browser: a countdown from the stored deadline, the tab title on your
turn, and an autopick made by the worker showing up on a board nobody touches."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from draft.models import Draft, Pick
from draft.services.queue import queue_add
from draft.services.setup import update_clock_settings
from tests.browser.conftest import assert_accessible
from tests.draft.factories import four_by_three
from worker.rounds import tick_due_drafts

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page, base_url, user):
    page.goto(base_url + "/accounts/login/")
    assert_accessible(page)
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill("correct-horse-battery-staple")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert_accessible(page)


def test_the_member_on_the_clock_sees_a_countdown_and_a_your_pick_title(
    live_server, page, commissioner, member, settings
):
    settings.BOARD_POLL_SECONDS = 0.5
    setup = four_by_three(commissioner, [member])
    update_clock_settings(
        draft_id=setup.draft.pk,
        actor=commissioner,
        pick_seconds=600,
        expiry_action=Draft.Expiry.SKIP,
    )
    log_in(page, live_server.url, member)
    page.goto(live_server.url + setup.draft.get_absolute_url())
    assert_accessible(page)
    expect(page.locator(".countdown")).to_have_text(re.compile(r"^(10:00|9:[0-5]\d) left$"))
    expect(page).to_have_title(re.compile(r"^Your pick! — Test Draft"))


def test_an_autopick_by_the_worker_appears_on_an_open_board(
    live_server, page, commissioner, member, settings
):
    settings.BOARD_POLL_SECONDS = 0.5
    setup = four_by_three(commissioner, [member])
    update_clock_settings(
        draft_id=setup.draft.pk,
        actor=commissioner,
        pick_seconds=30,
        expiry_action=Draft.Expiry.AUTOPICK,
    )
    wanted = setup.free_movie(setup.categories[0])
    queue_add(draft_id=setup.draft.pk, user=member, movie_id=wanted.pk)

    page.goto(live_server.url + setup.draft.get_absolute_url())  # a reader, watching
    assert_accessible(page)
    expect(page.locator(".cell--clock")).to_contain_text("1.01")

    # Thirty seconds pass with nobody at the keyboard; the worker notices the expiry.
    Draft.objects.filter(pk=setup.draft.pk).update(
        clock_deadline=timezone.now() - timedelta(seconds=1)
    )
    assert tick_due_drafts() == 1
    assert Pick.objects.get(slot=1).is_autopick

    expect(page.locator(".grid").get_by_text(wanted.title)).to_be_visible(timeout=5000)
    expect(page.locator(".cell--clock")).to_contain_text("1.02")


def test_quiet_hours_are_given_in_the_league_time_and_in_the_viewers_own(
    live_server, page, commissioner, member
):
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from draft.models import League

    setup = four_by_three(commissioner, [member])
    League.objects.filter(pk=setup.league.pk).update(time_zone="Asia/Tokyo")
    tokyo, new_york = ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")
    soon = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(hours=1)
    start = soon.astimezone(tokyo)
    end = start + timedelta(hours=1)
    update_clock_settings(
        draft_id=setup.draft.pk,
        actor=commissioner,
        pick_seconds=3 * 3600,
        quiet_start=start.time(),
        quiet_end=end.time(),
        expiry_action=Draft.Expiry.SKIP,
    )
    viewer = page.context.browser.new_context(timezone_id="America/New_York")
    try:
        there = viewer.new_page()
        there.goto(live_server.url + setup.draft.get_absolute_url())
        quiet = there.locator(".banner__quiet")
        league_hours = f"{start:%H:%M}–{end:%H:%M}"
        own = f"{start.astimezone(new_york):%H:%M}–{end.astimezone(new_york):%H:%M}"
        expect(quiet).to_have_text(
            f"Quiet hours {league_hours} (league time, Asia/Tokyo): the clock stops, and "
            f"resumes at {end:%H:%M}. Your time: {own}."
        )
        assert_accessible(there)
    finally:
        viewer.close()
