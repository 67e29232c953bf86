import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from unittest import mock

import pytest
from django.core import mail
from django.db import DatabaseError
from django.urls import reverse
from django.utils import timezone

from accounts.services import mail_password_resets
from draft.services.leagues import create_league, join_league
from worker.models import Heartbeat

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


def test_home_says_what_moviedraft_is(client, django_assert_num_queries):
    # A reader with no session: 1 live drafts, 2 latest writeups (the home page is reviews').
    with django_assert_num_queries(2):
        response = client.get("/")
    assert response.status_code == 200
    assert b"movie draft" in response.content
    assert b'href="#main"' in response.content  # skip link
    assert b"<main" in response.content and b"<nav" in response.content


def test_home_for_a_signed_in_user_costs_four_queries(member_client, django_assert_num_queries):
    # 1 session, 2 user, 3 live drafts, 4 latest writeups (leagues they may read).
    with django_assert_num_queries(4):
        response = member_client.get("/")
    assert b"Log out" in response.content


def worker_seen(seconds_ago: float) -> None:
    Heartbeat.objects.update_or_create(
        name="clock", defaults={"last_seen": timezone.now() - timedelta(seconds=seconds_ago)}
    )


def test_healthz_reports_the_database_and_the_worker(client):
    worker_seen(3)
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"]) == ("ok", "ok")
    assert body["clock_worker"] == "last seen 3 s ago"


def test_healthz_is_503_when_the_worker_was_not_seen_lately(client, settings):
    settings.CLOCK_WORKER_STALE_SECONDS = 60
    worker_seen(61)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["clock_worker"] == "last seen 61 s ago"
    Heartbeat.objects.all().delete()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["clock_worker"] == "never seen"


def test_healthz_can_leave_the_worker_out(client, settings):
    settings.CLOCK_WORKER_STALE_SECONDS = 0
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["clock_worker"] == "never seen"


def test_healthz_is_503_when_the_database_does_not_answer(client):
    with mock.patch("config.views.clock_age", side_effect=DatabaseError("gone")):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["database"] == "unavailable"


def run_manage(*args, env_overrides):
    unset = {"DEBUG", "SECRET_KEY", "HTTPS", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    env = {k: v for k, v in os.environ.items() if k not in unset}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-long-random-production-secret-" + "x7Qp2Lm9" * 6,
    "ALLOWED_HOSTS": "moviedraft.example",
    "HTTPS": "1",
    "SITE_URL": "https://moviedraft.example",
}


def deploy_check(**env):
    return run_manage("check", "--deploy", "--fail-level", "WARNING", env_overrides=env)


def test_production_settings_pass_the_deploy_check():
    result = deploy_check(**PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_check_asks_for_the_sites_address():
    """Reset links and turn mail are written by the worker, from SITE_URL."""
    result = deploy_check(**{**PRODUCTION, "SITE_URL": "http://127.0.0.1:8000"})
    assert result.returncode != 0
    assert "moviedraft.W001" in result.stderr and "SITE_URL" in result.stderr


def test_production_without_a_secret_key_fails_with_one_clear_line():
    result = run_manage("check", env_overrides={"DEBUG": "0"})
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "SECRET_KEY" in lines[0] and "Set SECRET_KEY" in lines[0]


def test_an_empty_database_url_means_the_default_database():
    """Issue 16, finding 6: `DATABASE_URL= make run` crashed the settings (KeyError: 'ENGINE')."""
    for empty in ("", "  "):
        result = run_manage(
            "shell", "-c", "from django.db import connection; print(connection.vendor)",
            env_overrides={"DEBUG": "1", "DATABASE_URL": empty},
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip().splitlines()[-1] == "sqlite"


def test_a_database_url_the_app_cannot_use_is_refused_with_one_line_naming_it():
    for wrong in ("nonsense", "mysql://user@host/db", "postgres://u:p@host:port/db"):
        result = run_manage("check", env_overrides={"DEBUG": "1", "DATABASE_URL": wrong})
        assert result.returncode != 0, wrong
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and "DATABASE_URL" in lines[0], result.stderr


def test_sign_up_logs_the_new_member_in(client, django_user_model):
    response = client.post(
        reverse("signup"),
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": "a-fine-long-passphrase",
            "password2": "a-fine-long-passphrase",
        },
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/"
    assert b"Welcome to Moviedraft, newbie" in response.content
    assert django_user_model.objects.filter(username="newbie").exists()
    assert b"Log out" in response.content


def test_sign_up_asks_for_a_name_that_leagues_show_on_the_board(
    client, commissioner, django_user_model
):
    page = client.get(reverse("signup")).content.decode()
    assert '<label for="id_name">Your name</label>' in page
    client.post(
        reverse("signup"),
        {
            "username": "sdylan",
            "name": "Strange Dylan",
            "email": "sd@example.com",
            "password1": "a-fine-long-passphrase",
            "password2": "a-fine-long-passphrase",
        },
    )
    user = django_user_model.objects.get(username="sdylan")
    assert user.get_full_name() == "Strange Dylan"
    league = create_league(user=commissioner, name="Film Club")
    membership, _ = join_league(user=user, league=league, token=league.invite_token)
    assert membership.display_name == "Strange Dylan"


def test_without_a_name_the_board_shows_the_username(client, commissioner, django_user_model):
    response = client.post(
        reverse("signup"),
        {
            "username": "quiet",
            "email": "quiet@example.com",
            "password1": "a-fine-long-passphrase",
            "password2": "a-fine-long-passphrase",
        },
    )
    assert response.status_code == 302
    user = django_user_model.objects.get(username="quiet")
    league = create_league(user=commissioner, name="Film Club")
    membership, _ = join_league(user=user, league=league, token=league.invite_token)
    assert membership.display_name == "quiet"


def test_sign_up_refuses_a_taken_email_and_keeps_nothing(client, member, django_user_model):
    response = client.post(
        reverse("signup"),
        {
            "username": "second",
            "email": member.email.upper(),
            "password1": "a-fine-long-passphrase",
            "password2": "a-fine-long-passphrase",
        },
    )
    assert response.status_code == 200
    assert b"An account with this email already exists" in response.content
    assert not django_user_model.objects.filter(username="second").exists()


def test_sign_up_ignores_an_offsite_next(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": "a-fine-long-passphrase",
            "password2": "a-fine-long-passphrase",
            "next": "https://evil.example/",
        },
    )
    assert response["Location"] == "/"


def test_log_in_and_out(client, member):
    from tests.personas import PASSWORD

    response = client.post(reverse("login"), {"username": "dylan", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == member
    client.post(reverse("logout"))
    assert not client.get("/").context["user"].is_authenticated


def test_log_in_with_a_wrong_password_says_so(client, member):
    response = client.post(reverse("login"), {"username": "dylan", "password": "nope"})
    assert response.status_code == 200
    assert b"Please enter a correct username and password" in response.content


def test_password_reset_mail_carries_a_working_link(client, member):
    response = client.post(reverse("password_reset"), {"email": member.email})
    assert response.status_code == 302
    mail_password_resets()  # the worker writes the mail (tests send it at once: locmem)
    assert len(mail.outbox) == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].subject == "Reset your Moviedraft password"
    link = next(line for line in body.splitlines() if "/accounts/password/reset/" in line)
    confirm = client.get(link.strip(), follow=True)
    assert b"Choose a new password" in confirm.content
    done = client.post(
        confirm.redirect_chain[-1][0],
        {"new_password1": "another-long-passphrase", "new_password2": "another-long-passphrase"},
    )
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.check_password("another-long-passphrase")


def test_password_change_needs_a_login(client):
    response = client.get(reverse("password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_every_post_needs_a_csrf_token(member):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(reverse("signup"), {"username": "x"})
    assert response.status_code == 403


def test_pages_carry_a_strict_content_security_policy(client):
    policy = client.get("/healthz")["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
