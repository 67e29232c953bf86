"""Login throttling (issue 9, finding 8): after five wrong passwords for one username from one
address, even the right password is refused for fifteen minutes, on the site's login and on the
admin's, with a page that says so. Tests elsewhere log in with force_login, which axes leaves
alone."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.contrib.auth import SESSION_KEY
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tests.personas import PASSWORD
from worker import rounds

pytestmark = pytest.mark.django_db

LOGIN = "/accounts/login/"


def attempt(client, username, password, url=LOGIN, ip="198.51.100.7"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return SESSION_KEY in client.session


def fail(client, username, times, **kwargs):
    for _ in range(times):
        response = attempt(client, username, "wrong password", **kwargs)
        assert response.status_code in (200, 429)
    return response


def test_the_right_password_is_refused_after_five_wrong_ones(member):
    client = Client()
    fail(client, "dylan", 20)
    response = attempt(client, "dylan", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many attempts" in page and "Try again in 15 minutes." in page
    assert 'href="/accounts/password/reset/"' in page and "<main" in page  # the site's look
    assert not logged_in(client)


def test_four_wrong_passwords_still_let_the_right_one_in(member):
    client = Client()
    fail(client, "dylan", 4)
    assert attempt(client, "dylan", PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_success_starts_the_count_again(member):
    client = Client()
    fail(client, "dylan", 4)
    assert attempt(client, "dylan", PASSWORD).status_code == 302
    client.logout()
    fail(client, "dylan", 4)
    assert attempt(client, "dylan", PASSWORD).status_code == 302


def test_the_lockout_ends_after_fifteen_minutes(member):
    client = Client()
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, "dylan", 5)
        assert attempt(client, "dylan", PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=14), tick=False):
        # An attempt while locked out starts the wait again.
        assert attempt(client, "dylan", PASSWORD).status_code == 429
    with time_machine.travel(start + timedelta(minutes=14 + 16), tick=False):
        assert attempt(client, "dylan", PASSWORD).status_code == 302


def test_another_address_or_another_account_is_not_locked(member, other_member):
    fail(Client(), "dylan", 5)
    assert attempt(Client(), "dylan", PASSWORD, ip="203.0.113.99").status_code == 302
    assert attempt(Client(), "maya", PASSWORD).status_code == 302


def test_the_admin_login_is_throttled_too(django_user_model):
    django_user_model.objects.create_user(
        "root", "root@example.com", PASSWORD, is_staff=True, is_superuser=True
    )
    client = Client()
    admin_login = reverse("admin:login")
    fail(client, "root", 5, url=admin_login)
    response = attempt(client, "root", PASSWORD, url=admin_login)
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()
    assert not logged_in(client)
    assert client.get(reverse("admin:index")).status_code == 302


def test_a_password_reset_lifts_the_lockout(member, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SITE_URL = "http://testserver"
    client = Client()
    fail(client, "dylan", 5)
    client.post(reverse("password_reset"), {"email": "dylan@example.com"})
    rounds.mail_round()  # the worker writes the reset mail
    link = re.search(r"http://testserver(/accounts/password/reset/\S+/)", mail.outbox[0].body)[1]
    form_url = client.get(link)["Location"]
    new = "a brand new long password"
    response = client.post(form_url, {"new_password1": new, "new_password2": new})
    assert response.status_code == 302
    assert attempt(client, "dylan", new).status_code == 302
    assert logged_in(client)
