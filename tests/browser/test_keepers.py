"""A member chooses a keeper and the commissioner approves it, in the browser, at a laptop's
width and a phone's (issue 20)."""

import pytest
from playwright.sync_api import expect

from draft.models import Keeper, League
from draft.services.seasons import start_next_season
from tests.browser.conftest import PHONE, assert_accessible, log_in
from tests.draft.factories import four_by_three, play_picks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["laptop", "phone"])
def test_a_member_keeps_a_film_and_the_commissioner_approves_it(
    live_server, new_page, commissioner, member, other_member, viewport
):
    setup = four_by_three(commissioner, [member, other_member], name="2021 Movie Draft")
    League.objects.filter(pk=setup.league.pk).update(keepers_per_member=1)
    play_picks(setup, 12)
    draft = start_next_season(league=setup.league, actor=commissioner, name="2022 Movie Draft")
    size = {"viewport": viewport} if viewport else {}

    page = new_page(**size)
    log_in(page, live_server, member)
    page.goto(live_server.url + draft.get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="Choose the films you keep from last season").click()
    expect(page.get_by_role("heading", name="Keepers")).to_be_visible()
    assert_accessible(page)
    boxes = page.get_by_role("checkbox")
    expect(boxes.first).to_be_disabled()  # a first-round pick: not allowed
    boxes.nth(1).check()
    page.get_by_role("button", name="Save my keepers").click()
    expect(page.get_by_text("You keep 1 film")).to_be_visible()
    assert_accessible(page)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1]

    boss = new_page(**size)
    log_in(boss, live_server, commissioner)
    boss.goto(live_server.url + f"/leagues/{setup.league.slug}/{draft.slug}/keepers/")
    assert_accessible(boss)
    boss.get_by_role("button", name="Approve").click()
    expect(boss.get_by_text("Approved").first).to_be_visible()
    assert_accessible(boss)
    assert Keeper.objects.get(draft=draft).approved
