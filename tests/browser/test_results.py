"""A commissioner sets up a finished draft's results as a "Blog league", types and uploads the
panel's marks, and locks the results; the standings pass the accessibility check at a laptop's
width and a phone's, light and dark, and fit the phone's screen."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from draft.models import Movie, Pick
from results.models import ManualValue, ResultsSetup, Standing
from reviews.models import Vote
from tests.browser.conftest import PHONE, assert_accessible, log_in
from tests.draft.factories import bulk_fill_picks, four_by_three

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def fits(page) -> None:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1], widths


def test_a_commissioner_sets_up_uploads_and_locks_the_results(
    live_server, new_page, commissioner, member, other_member, tmp_path
):
    setup = four_by_three(commissioner, [member, other_member], name="2021 Movie Draft")
    bulk_fill_picks(setup, 12)
    picks = list(Pick.objects.filter(draft=setup.draft).order_by("slot"))
    for n, pick in enumerate(picks):
        Movie.objects.filter(pk=pick.movie_id).update(
            imdb_rating=Decimal("6.0") + n % 3, imdb_votes=100_000
        )
    Vote.objects.create(
        draft=setup.draft, question=Vote.DRAFT_QUESTION, seat=setup.seat_of(member), voter="a:1"
    )
    page = new_page()
    log_in(page, live_server, commissioner)
    page.goto(live_server.url + setup.draft.get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="Standings").click()
    expect(page.get_by_role("heading", name="Standings", exact=True)).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="Set up the results").click()
    assert_accessible(page)
    page.get_by_label("Blog league").check()
    page.get_by_role("button", name="Use this preset").click()
    expect(page.get_by_text("The results now use “Blog league”.")).to_be_visible()
    assert_accessible(page)
    # The panel's marks: one typed, the rest uploaded.
    page.get_by_label(f"Panel of {picks[0].movie.title}").fill("7.5")
    page.get_by_role("button", name="Save Panel").click()
    expect(page.get_by_text("Panel: 1 value changed.")).to_be_visible()
    marks = tmp_path / "panel.csv"
    marks.write_text(
        "pick,value\n" + "".join(f"{p.label},{p.slot % 4 + 5}\n" for p in picks[1:]),
        encoding="utf-8",
    )
    page.get_by_label("Upload a CSV file").set_input_files(str(marks))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("Panel: 11 values changed.")).to_be_visible()
    assert ManualValue.objects.filter(column__setup__draft=setup.draft).count() == 12
    # A bad file: refused with its reason, nothing changed.
    bad = tmp_path / "bad.csv"
    bad.write_text("pick,value\n1.01,3\n1.01,4\n", encoding="utf-8")
    page.get_by_label("Upload a CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("Lines 2 and 3 both give pick 1.01.")).to_be_visible()
    assert ManualValue.objects.get(
        column__setup__draft=setup.draft, pick=picks[0]
    ).value == Decimal("7.5")
    page.get_by_role("button", name="Lock the results now").click()
    expect(page.get_by_role("heading", name="The results are locked")).to_be_visible()
    assert_accessible(page)
    assert ResultsSetup.objects.get(draft=setup.draft).is_locked
    champion = Standing.objects.get(draft=setup.draft, champion=True).seat
    page.get_by_role("link", name="Standings").click()
    expect(page.get_by_text("Final: the results locked")).to_be_visible()
    expect(page.locator(".standings-champion")).to_contain_text(champion.display_name)
    assert_accessible(page)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [None, PHONE], ids=["laptop", "phone"])
def test_the_standings_read_well_on_every_screen(
    live_server, new_page, commissioner, member, other_member, scheme, viewport
):
    setup = four_by_three(commissioner, [member, other_member], name="2021 Movie Draft")
    bulk_fill_picks(setup, 12)
    Vote.objects.create(
        draft=setup.draft, question=Vote.DRAFT_QUESTION, seat=setup.seat_of(member), voter="a:1"
    )
    page = new_page(color_scheme=scheme, **({"viewport": viewport} if viewport else {}))
    log_in(page, live_server, commissioner)
    for name in ("results:standings", "results:setup"):
        from django.urls import reverse

        page.goto(live_server.url + reverse(name, args=[setup.league.slug, setup.draft.slug]))
        assert_accessible(page, context=f"{name} {scheme}")
        fits(page)
