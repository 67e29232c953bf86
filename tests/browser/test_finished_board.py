"""A finished draft in a real browser: the board leads to the recap and to the writeup of each
of the member's picks."""

import re

import pytest
from playwright.sync_api import expect

from draft.models import Draft
from tests.browser.conftest import assert_accessible, log_in
from tests.draft.factories import four_by_three, play_picks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def finished(commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    setup.picks = play_picks(setup, 12)
    assert setup.refresh().status == Draft.Status.COMPLETE
    return setup


def test_the_finished_board_leads_to_the_recap_and_the_writeups(
    live_server, page, finished, member
):
    log_in(page, live_server, member)
    page.goto(live_server.url + finished.draft.get_absolute_url())
    expect(page.get_by_role("heading", name="Draft complete")).to_be_visible()
    expect(page.get_by_role("link", name="My queue")).to_have_count(0)
    assert_accessible(page, context="finished board")

    page.get_by_role("link", name="Recap: every pick and writeup").click()
    expect(page.get_by_role("heading", level=1, name="Test Draft: every pick")).to_be_visible()
    assert_accessible(page, context="recap")

    page.go_back()
    first = finished.picks[0]
    assert first.seat.user_id == member.pk
    page.get_by_role("link", name=f"Write up {first.movie.title}").click()
    expect(page.get_by_role("heading", name=re.compile("Write up"))).to_be_visible()
    assert page.url.endswith("/round-1/pick-1/writeup/")
    assert_accessible(page, context="writeup editor")
