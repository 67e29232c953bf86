"""Error pages in the site's look: every one has the site header, a way home and, for a visitor
who is not logged in, a way to log in that comes back to the same address. None has an inline
style or script (the Content Security Policy would block them)."""

import re
from unittest import mock

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse

from config import errors
from tests.draft.factories import four_by_three, make_league, pick_on_clock
from tests.personas import PASSWORD
from tests.web.conftest import board_url, html_of, login_url, pick_url, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def private(commissioner, member, other_member):
    """A private league's live draft: Carla, Strange Dylan and Maya Reel."""
    league = make_league(commissioner, [member, other_member], name="Secret Club", is_public=False)
    return four_by_three(commissioner, [member, other_member], league=league)


def assert_in_site_look(response):
    html = html_of(response)
    assert 'class="site-header"' in html
    assert '<a class="brand" href="/"' in html  # the way home
    assert 'href="/static/css/app.css"' in html
    assert_no_inline_code(html)


def assert_no_inline_code(html: str):
    assert not re.search(r"<style\b", html), "inline <style>"
    assert not re.search(r"\sstyle=", html), "inline style attribute"
    assert not re.search(r"<script\b(?![^>]*\bsrc=)", html), "inline <script>"
    assert not re.search(r"\son[a-z]+=", html), "on* attribute"


def test_a_logged_out_member_lands_on_the_404_of_their_private_board_and_logs_in_to_it(
    client, private
):
    board = board_url(private)

    response = client.get(board)

    assert response.status_code == 404
    assert_in_site_look(response)
    assert "Log in to see this page" in text(response)
    login = login_url(board)
    assert f'href="{login}"' in html_of(response)

    # The link logs them in and back onto the board.
    response = client.post(login, {"username": "dylan", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == board
    assert response.status_code == 200
    assert "Your pick" in text(response)


def test_the_404_for_a_logged_in_outsider_offers_no_login(outsider_client, private):
    response = outsider_client.get(board_url(private))

    assert response.status_code == 404
    assert_in_site_look(response)
    page = text(response)
    assert "There is nothing here" in page
    assert "logged in as Olaf Outside (username olaf)" in page
    assert "Log in to see this page" not in page


def test_an_unknown_address_is_the_404_page(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert_in_site_look(response)
    assert "Home" in text(response) and "Leagues" in text(response)


def test_the_403_says_why(member_client, private):
    response = member_client.get(reverse("draft:manage", args=[private.league.slug, "test-draft"]))

    assert response.status_code == 403
    assert_in_site_look(response)
    assert "Only a commissioner of this league can do that." in text(response)
    assert "logged in as Strange Dylan (username dylan)" in text(response)


@pytest.mark.parametrize(
    ("suffix", "back"),
    [
        ("comments/", "Back to the pick"),
        ("comments/closed/", "Back to the pick"),
        ("writeup/unpublish/", "Back to the pick"),
    ],
)
def test_a_get_on_a_pick_pages_form_address_is_a_405_page_back_to_the_pick(
    client, private, member, suffix, back
):
    client.force_login(member)
    pick = pick_on_clock(private).pick
    response = client.get(pick.get_absolute_url() + suffix)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert_in_site_look(response)
    assert "This address only takes a form" in text(response)
    assert f'<a class="button" href="{pick.get_absolute_url()}">{back}</a>' in html_of(response)


def test_a_get_on_a_vote_address_is_a_405_page_back_to_the_board(client, private, member):
    client.force_login(member)
    url = reverse("reviews:vote", args=[private.league.slug, private.draft.slug, "round-1"])

    response = client.get(url)

    assert response.status_code == 405
    assert_in_site_look(response)
    assert f'href="{board_url(private)}">Back to the board</a>' in html_of(response)


def test_the_405_page_has_the_csrf_cookie_and_the_content_security_policy(member_client, private):
    response = member_client.get(reverse("draft:rotate_invite", args=[private.league.slug]))

    assert response.status_code == 405
    assert "script-src 'self'" in response["Content-Security-Policy"]
    # The page's "Log out" button posts with the token the page carries.
    assert "csrftoken" in response.cookies
    assert 'name="csrfmiddlewaretoken"' in html_of(response)


def test_reloading_the_pick_address_after_a_refused_pick_shows_the_board(member_client, private):
    """Without JavaScript a refused pick renders at …/pick/?q=…; a reload is a GET there."""
    response = member_client.get(pick_url(private) + "?q=night")

    assert response.status_code == 302
    assert response["Location"] == board_url(private) + "?q=night"
    assert member_client.get(pick_url(private)).headers["Location"] == board_url(private)


def test_the_csrf_failure_page_is_in_the_site_look_without_inline_styles(member, private):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)
    board = "http://testserver" + board_url(private)

    response = client.post(pick_url(private), {"movie": "1", "slot": "1"}, HTTP_REFERER=board)

    assert response.status_code == 403
    assert_in_site_look(response)
    assert "This form has expired" in text(response)
    assert "Nothing was changed" in text(response)
    assert f'<a class="button" href="{board}">Back to the page</a>' in html_of(response)
    assert "style-src 'self'" in response["Content-Security-Policy"]
    assert private.draft.picks.count() == 0


def test_the_csrf_failure_page_never_links_off_site(member, private):
    client = Client(enforce_csrf_checks=True)
    client.force_login(member)

    response = client.post(pick_url(private), {}, HTTP_REFERER="https://evil.example/")

    assert response.status_code == 403
    assert "evil.example" not in html_of(response)


def test_a_server_error_is_the_500_page(client, private):
    broken = Client(raise_request_exception=False)
    with mock.patch("reviews.views.selectors.live_drafts", side_effect=RuntimeError("bug")):
        response = broken.get("/")

    assert response.status_code == 500
    assert_in_site_look(response)
    assert "Something went wrong on our side" in text(response)
    assert "your picks are safe" in text(response)


def test_the_500_page_asks_the_database_nothing(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        try:
            raise RuntimeError("bug")
        except RuntimeError:
            response = errors.server_error(request)
    assert response.status_code == 500
    html = response.content.decode()
    assert 'class="site-header"' in html
    assert "Log in" not in html and "Log out" not in html  # who is logged in needs the database
    assert_no_inline_code(html)
