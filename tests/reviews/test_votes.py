"""Readers' votes: best pick of the round and who won the draft; one vote per reader per
question, changeable while voting is open; results as bars after voting or after it closes."""

import pytest
from django.test import Client
from django.urls import reverse

from reviews import rules as reader_rules
from reviews.models import DraftReaderSettings, Vote

pytestmark = pytest.mark.django_db


def vote_url(setup, question):
    return reverse("reviews:vote", args=[setup.league.slug, setup.draft.slug, question])


@pytest.fixture
def voting(league_setup):
    DraftReaderSettings.objects.create(draft=league_setup.draft, voting_open=True)
    return league_setup


def test_an_anonymous_reader_votes_for_the_best_pick_of_a_round(client, voting, dylans_pick):
    page = client.get(dylans_pick.get_absolute_url()).content.decode()
    assert "Best pick of round 1" in page and 'name="choice"' in page
    assert "best-effort" in page  # the cookie note
    response = client.post(
        vote_url(voting, "round-1"),
        {"choice": dylans_pick.pk, "next": dylans_pick.get_absolute_url()},
    )
    assert response.status_code == 302
    assert response["Location"] == dylans_pick.get_absolute_url()
    vote = Vote.objects.get()
    assert vote.pick_id == dylans_pick.pk and vote.voter.startswith("a:")
    page = client.get(dylans_pick.get_absolute_url()).content.decode()
    assert "1 vote · 100%" in page and "Your vote" in page and "<progress" in page
    assert "Change my vote" in page


def test_a_reader_changes_their_vote_and_it_still_counts_once(client, voting):
    first, second = voting.picks[0], voting.picks[1]
    client.post(vote_url(voting, "round-1"), {"choice": first.pk})
    client.post(vote_url(voting, "round-1"), {"choice": second.pk})
    assert list(Vote.objects.values_list("pick_id", flat=True)) == [second.pk]


def test_signed_in_readers_vote_by_account_in_any_browser(outsider, voting):
    a, b = Client(), Client()
    a.force_login(outsider)
    b.force_login(outsider)
    a.post(vote_url(voting, "round-1"), {"choice": voting.picks[0].pk})
    b.post(vote_url(voting, "round-1"), {"choice": voting.picks[2].pk})
    vote = Vote.objects.get()
    assert vote.voter == f"u:{outsider.pk}" and vote.pick_id == voting.picks[2].pk


def test_two_browsers_without_accounts_are_two_readers(voting):
    for _ in range(2):
        Client().post(vote_url(voting, "round-1"), {"choice": voting.picks[0].pk})
    assert Vote.objects.count() == 2


def test_who_won_the_draft(client, voting):
    seat = voting.seat_of(voting.users[0])
    recap = reverse("reviews:recap", args=[voting.league.slug, voting.draft.slug])
    assert "Who won the draft?" in client.get(recap).content.decode()
    client.post(vote_url(voting, "draft"), {"choice": seat.pk})
    vote = Vote.objects.get()
    assert vote.seat_id == seat.pk and vote.question == "draft"
    page = client.get(recap).content.decode()
    assert "1 vote · 100%" in page


def test_votes_are_refused_while_voting_is_closed(client, league_setup):
    response = client.post(vote_url(league_setup, "round-1"), {"choice": league_setup.picks[0].pk})
    assert response.status_code == 302
    assert not Vote.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "Voting is closed." in page


def test_closing_voting_freezes_votes_and_shows_the_results(
    client, commissioner_client, voting, dylans_pick
):
    client.post(vote_url(voting, "round-1"), {"choice": dylans_pick.pk})
    toggle = reverse("reviews:voting_toggle", args=[voting.league.slug, voting.draft.slug])
    assert commissioner_client.post(toggle, {"open": "0"}).status_code == 302
    # Another reader, who never voted, sees the results once voting is closed.
    page = Client().get(dylans_pick.get_absolute_url()).content.decode()
    assert "1 vote · 100%" in page and "voting is closed" in page and 'name="choice"' not in page
    client.post(vote_url(voting, "round-1"), {"choice": voting.picks[1].pk})
    assert Vote.objects.get().pick_id == dylans_pick.pk


def test_only_commissioners_open_and_close_voting(
    member_client, outsider_client, client, league_setup
):
    toggle = reverse(
        "reviews:voting_toggle", args=[league_setup.league.slug, league_setup.draft.slug]
    )
    assert member_client.post(toggle, {"open": "1"}).status_code == 403
    assert outsider_client.post(toggle, {"open": "1"}).status_code == 403
    assert client.post(toggle, {"open": "1"}).status_code == 302  # to log in
    assert not reader_rules.draft_settings(league_setup.draft).voting_open


def test_a_choice_from_another_round_or_draft_is_refused(client, voting, league_setup):
    client.post(vote_url(voting, "round-2"), {"choice": voting.picks[0].pk})  # a round-1 pick
    client.post(vote_url(voting, "round-1"), {"choice": "999999"})
    client.post(vote_url(voting, "nonsense"), {"choice": voting.picks[0].pk})
    assert not Vote.objects.exists()


def test_the_vote_redirect_never_leaves_the_site(client, voting):
    response = client.post(
        vote_url(voting, "round-1"),
        {"choice": voting.picks[0].pk, "next": "https://evil.example/"},
    )
    assert response["Location"].startswith("/leagues/")
