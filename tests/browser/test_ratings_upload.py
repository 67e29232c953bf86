"""A member uploads their Letterboxd ratings.csv from their profile, sees which films matched and
which are not in the catalog, and a file of the wrong kind is refused on the form; at a laptop's
width and a phone's, light and dark."""

from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, assert_accessible, log_in
from tests.draft.factories import make_movie

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LAPTOP = {"width": 1366, "height": 900}
SHOTS = Path("/tmp/shots")
RATINGS = (
    "Date,Name,Year,Letterboxd URI,Rating\n"
    "2024-01-05,AMELIE,2001,https://boxd.it/2bg8,4.5\n"
    "2024-01-06,Heat,1995,https://boxd.it/2aHi,4\n"
    '2024-01-07,"Jeanne Dielman, 23 quai du Commerce, 1080 Bruxelles",1975,https://boxd.it/1X1s,5\n'
    "2024-01-08,The Lost Reel,1931,https://boxd.it/zz9,3\n"
)
WATCHED = "Date,Name,Year,Letterboxd URI\n2024-01-05,Heat,1995,https://boxd.it/2aHi\n"


def fits_the_screen(page) -> bool:
    widths = page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    return widths[0] <= widths[1]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_a_member_uploads_their_ratings_and_sees_what_is_missing(
    live_server, new_page, member, tmp_path, scheme, viewport
):
    make_movie("Amélie", 2001)
    make_movie("Heat", 1995)
    ratings = tmp_path / "ratings.csv"
    ratings.write_text(RATINGS, encoding="utf-8")
    watched = tmp_path / "watched.csv"
    watched.write_text(WATCHED, encoding="utf-8")
    page = new_page(viewport=viewport, color_scheme=scheme)
    log_in(page, live_server, member)
    shot = f"ratings-{viewport['width']}-{scheme}"
    SHOTS.mkdir(exist_ok=True)

    page.goto(live_server.url + "/accounts/profile/")
    assert_accessible(page)
    page.get_by_role("link", name="My film ratings").click()
    expect(page.get_by_role("heading", name="My film ratings", level=1)).to_be_visible()
    expect(page.get_by_text("You have not rated any film here yet.")).to_be_visible()
    expect(page.get_by_text("Settings → Data → Export your data")).to_be_visible()
    assert_accessible(page)

    # The wrong file of the export: refused on the form, saying which one to choose.
    page.get_by_label("Your ratings.csv").set_input_files(str(watched))
    page.get_by_role("button", name="Upload ratings").click()
    expect(page.get_by_text("This file has no Rating column")).to_be_visible()
    assert_accessible(page)
    assert fits_the_screen(page)
    page.screenshot(path=str(SHOTS / f"{shot}-refused.png"), full_page=True)

    page.get_by_label("Your ratings.csv").set_input_files(str(ratings))
    page.get_by_role("button", name="Upload ratings").click()
    expect(page.get_by_role("heading", name="Your upload: 2 of 4 films matched")).to_be_visible()
    expect(page.get_by_text("You have rated 2 films here")).to_be_visible()
    table = page.get_by_role("region", name="These films are not in the catalog: 2")
    expect(table.get_by_role("row")).to_have_count(3)
    expect(table.get_by_role("row").nth(1)).to_contain_text(
        "4Jeanne Dielman, 23 quai du Commerce, 1080 Bruxelles1975"
    )
    expect(table.get_by_role("row").nth(2)).to_contain_text("5The Lost Reel1931")
    assert_accessible(page)
    assert fits_the_screen(page)
    page.screenshot(path=str(SHOTS / f"{shot}.png"), full_page=True)

    # Removing them: the box must be ticked.
    page.get_by_label("Yes, remove all 2 of my film ratings").check()
    page.get_by_role("button", name="Remove all my ratings").click()
    expect(page.get_by_text("Removed your 2 film ratings.")).to_be_visible()
    expect(page.get_by_text("You have not rated any film here yet.")).to_be_visible()
    assert_accessible(page)
