"""A commissioner starts the next season from the league page once the last draft is over, at a
laptop's width and a phone's (issue 20)."""

import pytest
from playwright.sync_api import expect

from draft.models import Draft
from tests.browser.conftest import PHONE, assert_accessible, log_in
from tests.draft.factories import four_by_three, play_picks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["laptop", "phone"])
def test_the_commissioner_starts_the_next_season_from_the_league_page(
    live_server, new_page, commissioner, member, other_member, viewport
):
    setup = four_by_three(commissioner, [member, other_member], name="2021 Movie Draft")
    play_picks(setup, 12)
    page = new_page(**({"viewport": viewport} if viewport else {}))
    log_in(page, live_server, commissioner)
    page.goto(live_server.url + setup.league.get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="Start next season").click()
    expect(page.get_by_role("heading", name="Start next season")).to_be_visible()
    assert_accessible(page)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1]
    expect(page.get_by_label("Name of the next season")).to_have_value("2022 Movie Draft")
    page.get_by_label("Randomise it").check()
    page.get_by_role("button", name="Start next season").click()
    expect(page.get_by_text("2022 Movie Draft is set up from 2021 Movie Draft")).to_be_visible()
    assert_accessible(page)
    # The league's history, one click from the league page.
    page.goto(live_server.url + setup.league.get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="History: champions and records").click()
    expect(page.get_by_role("heading", name=f"{setup.league.name}: every season")).to_be_visible()
    assert_accessible(page)
    widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1]
    draft = Draft.objects.get(league=setup.league, name="2022 Movie Draft")
    assert draft.status == Draft.Status.SETUP and draft.season.number == 2
    assert draft.seats.count() == 4
