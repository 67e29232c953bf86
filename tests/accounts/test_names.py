"""People are shown by their names: the league's name for them inside a league, their own full
name elsewhere. A username appears only where it identifies an account."""

import pytest
from django.urls import reverse

from draft.models import Membership
from tests.draft.factories import four_by_three
from tests.web.conftest import board_url, text

pytestmark = pytest.mark.django_db


def test_the_header_names_a_member_as_their_league_does_and_by_full_name_elsewhere(
    commissioner, member, other_member, member_client
):
    setup = four_by_three(commissioner, [member, other_member])
    Membership.objects.filter(league=setup.league, user=member).update(display_name="Doc Dylan")

    board = member_client.get(board_url(setup)).content.decode()
    leagues = member_client.get(reverse("draft:leagues")).content.decode()

    account = reverse("password_change")
    assert 'title="Your account (dylan)">Doc Dylan</a>' in board
    assert f'href="{account}" title="Your account (dylan)">Strange Dylan</a>' in leagues
    assert ">dylan</a>" not in board + leagues


def test_a_newcomer_is_welcomed_and_shown_by_their_name(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "priya",
            "name": "Priya Raman",
            "email": "priya@example.com",
            "password1": "a long enough password 1",
            "password2": "a long enough password 1",
        },
        follow=True,
    )
    page = text(response)
    assert "Welcome to Moviedraft, Priya Raman." in page
    assert "Priya Raman" in page and ">priya<" not in response.content.decode()
