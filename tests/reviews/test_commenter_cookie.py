"""An anonymous commenter's name and website are remembered in this browser for their next
comment (never their email), and "Forget me" clears them."""

import re

import pytest
from django.test import Client

from tests.reviews.test_comments import anon, comment_url
from tests.web.conftest import element, html_of, text

pytestmark = pytest.mark.django_db


def comment_form(client, pick) -> str:
    return element(client.get(pick.get_absolute_url()), "comment-form")


def value_of(form: str, name: str) -> str | None:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*>', form)
    if match is None:
        return None
    value = re.search(r'value="([^"]*)"', match.group(0))
    return value.group(1) if value else ""


def test_the_next_comment_form_remembers_the_name_and_website(client, published, dylans_pick):
    response = client.post(comment_url(dylans_pick), {**anon(), "remember": "on"})

    cookie = response.cookies["md_commenter"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "rita@example.com" not in cookie.value.lower()  # never the email
    form = comment_form(client, dylans_pick)
    assert value_of(form, "name") == "Rita Reader"
    assert value_of(form, "website") == "https://rita.example"
    assert value_of(form, "email") == ""
    assert "This browser remembers you as Rita Reader" in text(form)
    assert '<button type="submit" form="forget-me"' in form


def test_forget_me_clears_them(client, published, dylans_pick):
    client.post(comment_url(dylans_pick), {**anon(), "remember": "on"})
    page = html_of(client.get(dylans_pick.get_absolute_url()))
    forget = element(page, "forget-me")
    assert 'action="/comments/forget-me/"' in forget

    response = client.post("/comments/forget-me/", {"next": dylans_pick.get_absolute_url()})

    assert response.status_code == 302
    assert response["Location"] == dylans_pick.get_absolute_url()
    assert response.cookies["md_commenter"]["max-age"] == 0
    page = client.get(dylans_pick.get_absolute_url())
    assert "this browser no longer remembers your name and website" in text(page)
    form = element(page, "comment-form")
    assert value_of(form, "name") == ""
    assert "Rita Reader" not in form
    assert "forget-me" not in html_of(page)


def test_unticking_remember_keeps_nothing(client, published, dylans_pick):
    client.post(comment_url(dylans_pick), {**anon(), "remember": "on"})
    response = client.post(comment_url(dylans_pick), anon(body="Second thoughts, still great."))

    assert response.cookies["md_commenter"]["max-age"] == 0
    assert "Rita Reader" not in comment_form(client, dylans_pick)


def test_the_box_is_ticked_for_a_first_comment(client, published, dylans_pick):
    box = re.search(r'<input[^>]*name="remember"[^>]*>', comment_form(client, dylans_pick))
    assert box is not None and " checked" in box.group(0)


def test_a_cookie_that_was_tampered_with_is_ignored(published, dylans_pick):
    browser = Client()
    browser.cookies["md_commenter"] = '{"name": "Mallory", "website": "https://x"}'
    assert "Mallory" not in comment_form(browser, dylans_pick)


def test_signed_in_readers_have_nothing_to_remember(outsider_client, published, dylans_pick):
    form = comment_form(outsider_client, dylans_pick)
    assert "Commenting as" in text(form)
    assert 'name="remember"' not in form
