import pytest
from playwright.sync_api import expect

from draft.services.leagues import create_league
from tests.browser.conftest import PHONE, assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_newcomer_signs_up_logs_out_and_logs_back_in(live_server, page):
    page.goto(live_server.url + "/")
    assert_accessible(page)
    page.get_by_role("link", name="Sign up").click()
    assert_accessible(page)
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Email").fill("newcomer@example.com")
    page.get_by_label("Password", exact=True).fill("a-fine-long-passphrase")
    page.get_by_label("Password confirmation").fill("a-fine-long-passphrase")
    page.get_by_role("button", name="Sign up").click()
    expect(page.get_by_text("Welcome to Moviedraft, newcomer")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Log out").click()
    nav = page.get_by_role("navigation", name="Site")
    expect(nav.get_by_role("link", name="Log in")).to_be_visible()
    assert_accessible(page)
    nav.get_by_role("link", name="Log in").click()
    assert_accessible(page)
    page.get_by_label("Username").fill("newcomer")
    page.get_by_label("Password").fill("wrong-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Please enter a correct username and password")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("Password").fill("a-fine-long-passphrase")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    assert_accessible(page)


def test_home_and_login_fit_a_phone(live_server, new_page):
    page = new_page(viewport=PHONE)
    for path in ["/", "/accounts/login/", "/accounts/signup/"]:
        page.goto(live_server.url + path)
        assert_accessible(page, context="phone")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} scrolls sideways on a phone ({width}px)"


def test_a_newcomer_signs_up_from_the_invite_link_and_is_in_the_league(
    live_server, page, commissioner
):
    league = create_league(user=commissioner, name="Film Club", is_public=False)
    page.goto(live_server.url + f"/leagues/{league.slug}/join/{league.invite_token}/")
    expect(page.get_by_role("heading", name="Join Film Club")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Sign up and join").click()
    assert_accessible(page)
    page.get_by_label("Username").fill("nora")
    page.get_by_label("Your name").fill("Nora Newbie")
    page.get_by_label("Email").fill("nora@example.com")
    page.get_by_label("Password", exact=True).fill("a-fine-long-passphrase")
    page.get_by_label("Password confirmation").fill("a-fine-long-passphrase")
    page.get_by_role("button", name="Sign up").click()

    # On the league's page, a member, without pressing "Join" again.
    expect(page.get_by_role("heading", level=1, name="Film Club")).to_be_visible()
    expect(page.get_by_text("Welcome to Film Club!")).to_be_visible()
    expect(page.get_by_text("Nora Newbie (you)")).to_be_visible()
    assert_accessible(page)
