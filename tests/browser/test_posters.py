"""A poster attached from the pick page, as the member who drafted the film does it, and seen
on the film page, the pick page and the board, at a laptop's width and a phone's, light and
dark (issue 19, finding 9)."""

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, assert_accessible, log_in
from tests.draft.factories import four_by_three, play_picks

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def a_poster(path) -> str:
    image = Image.new("RGB", (600, 900), (30, 40, 90))
    draw = ImageDraw.Draw(image)
    for y in range(0, 900, 40):
        draw.rectangle((0, y, 600, y + 18), fill=(200, 120, 60))
    image.save(path, format="PNG")
    return str(path)


def loaded(page, selector: str) -> bool:
    """Whether the picture at `selector` was fetched and decoded (the server sent an image)."""
    return page.locator(selector).first.evaluate("img => img.complete && img.naturalWidth > 0")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_the_picker_attaches_a_poster_every_page_shows(
    live_server, new_page, commissioner, member, other_member, settings, tmp_path, scheme
):
    settings.MEDIA_ROOT = tmp_path / "media"
    setup = four_by_three(commissioner, [member, other_member])
    (pick,) = play_picks(setup, 1)
    film = pick.movie.title
    page = new_page(color_scheme=scheme)
    log_in(page, live_server, member)

    page.goto(live_server.url + pick.get_absolute_url())
    assert_accessible(page)
    page.get_by_role("link", name="Upload a poster").click()
    expect(page.get_by_role("heading", name=f"Poster for {film}")).to_be_visible()
    assert_accessible(page)
    # Nothing chosen: a message, on the form.
    page.get_by_role("button", name="Save the poster").click()
    expect(page.get_by_text("Choose a picture to upload.")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("New poster").set_input_files(a_poster(tmp_path / "poster.png"))
    page.get_by_role("button", name="Save the poster").click()
    expect(page.get_by_text(f"New poster for {film}")).to_be_visible()
    assert_accessible(page)
    assert loaded(page, ".film-card img.poster")

    page.goto(live_server.url + pick.get_absolute_url())
    assert_accessible(page)
    assert loaded(page, ".pick-film img.poster")
    page.goto(live_server.url + setup.draft.get_absolute_url())
    assert_accessible(page)
    cell = page.locator("#board-grid .cell", has_text=film)
    expect(cell.locator("img.poster")).to_be_visible()
    assert loaded(page, "#board-grid .cell img.poster")

    # On a phone the poster page fits the screen.
    phone = new_page(viewport=PHONE, color_scheme=scheme)
    log_in(phone, live_server, member)
    phone.goto(live_server.url + f"/movies/{pick.movie_id}/poster/")
    assert_accessible(phone)
    widths = phone.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert widths[0] <= widths[1]
    assert loaded(phone, "img.poster")


def test_a_file_that_is_not_a_picture_is_a_message_on_the_form(
    live_server, page, commissioner, member, other_member, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    setup = four_by_three(commissioner, [member, other_member])
    (pick,) = play_picks(setup, 1)
    log_in(page, live_server, member)
    page.goto(live_server.url + f"/movies/{pick.movie_id}/poster/")
    assert_accessible(page)
    fake = tmp_path / "poster.png"
    fake.write_bytes(b"<script>alert(1)</script>" + b"x" * 100)
    page.get_by_label("New poster").set_input_files(str(fake))
    page.get_by_role("button", name="Save the poster").click()
    expect(page.get_by_text("Upload a valid image.", exact=False)).to_be_visible()
    assert_accessible(page)
    expect(page.locator(".film-card img.poster, form img.poster")).to_have_count(0)
