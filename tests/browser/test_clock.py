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
