"""The people every test talks about: a commissioner, two members, an outsider, a reader.

Leagues and drafts are built on top of these in the fixtures of each test module.
"""

import pytest

PASSWORD = "correct-horse-battery-staple"


def make_user(django_user_model, username: str, **extra):
    return django_user_model.objects.create_user(
        username=username, email=f"{username}@example.com", password=PASSWORD, **extra
    )


@pytest.fixture
def commissioner(django_user_model):
    return make_user(django_user_model, "carla", first_name="Carla", last_name="Commish")


@pytest.fixture
def member(django_user_model):
    return make_user(django_user_model, "dylan", first_name="Strange", last_name="Dylan")


@pytest.fixture
def other_member(django_user_model):
    return make_user(django_user_model, "maya", first_name="Maya", last_name="Reel")


@pytest.fixture
def outsider(django_user_model):
    return make_user(django_user_model, "olaf", first_name="Olaf", last_name="Outside")


def client_for(client_class, user=None):
    client = client_class()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def reader_client(client):
    """A reader with no account."""
    return client


@pytest.fixture
def commissioner_client(commissioner):
    from django.test import Client

    return client_for(Client, commissioner)


@pytest.fixture
def member_client(member):
    from django.test import Client

    return client_for(Client, member)


@pytest.fixture
def other_member_client(other_member):
    from django.test import Client

    return client_for(Client, other_member)


@pytest.fixture
def outsider_client(outsider):
    from django.test import Client

    return client_for(Client, outsider)
