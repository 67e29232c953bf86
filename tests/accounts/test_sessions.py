"""Who a session is signed in as, for many at once (accounts/sessions.py): the answer Django's own
`get_user` gives on the session's next request, in every case an open stream meets."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.utils import timezone

from accounts.sessions import signed_in_users

pytestmark = pytest.mark.django_db


def session_of(user):
    client = Client()
    client.force_login(user)
    return client, client.session.session_key


def django_says(session_key):
    """Django's answer for a request carrying this session cookie."""
    from importlib import import_module

    from django.conf import settings

    request = RequestFactory().get("/")
    request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    user = get_user(request)
    return user.pk if user.is_authenticated else None


def test_the_same_answer_as_djangos_in_every_case(member, other_member, outsider, commissioner):
    signed_in, kept = session_of(member)
    logged_out_client, logged_out = session_of(other_member)
    logged_out_client.logout()
    _, old_password = session_of(outsider)
    outsider.set_password("a new and longer password")
    outsider.save()
    _, inactive = session_of(commissioner)
    commissioner.is_active = False
    commissioner.save()
    _, expired = session_of(member)
    Session.objects.filter(session_key=expired).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    anonymous = Client()
    anonymous.get("/")  # no session at all
    cases = {
        "signed in": kept,
        "logged out": logged_out,
        "password changed since": old_password,
        "account made inactive": inactive,
        "expired": expired,
        "never existed": "x" * 32,
    }
    answer = signed_in_users(cases.values())
    assert answer == {kept: member.pk}
    for case, key in cases.items():
        assert answer.get(key) == django_says(key), case


def test_a_key_from_before_a_secret_key_rotation_still_counts(member, settings):
    """SECRET_KEY_FALLBACKS: Django still accepts the session; so does the stream."""
    _, key = session_of(member)
    old = settings.SECRET_KEY
    settings.SECRET_KEY = "a-new-secret-key-" + "q" * 40
    settings.SECRET_KEY_FALLBACKS = [old]
    assert signed_in_users([key]) == {key: member.pk}
    assert django_says(key) == member.pk


def test_many_sessions_cost_two_queries(member, other_member, django_assert_num_queries):
    keys = [session_of(member)[1] for _ in range(5)] + [session_of(other_member)[1]]
    with django_assert_num_queries(2):  # the sessions, then their users
        assert len(signed_in_users(keys)) == 6
