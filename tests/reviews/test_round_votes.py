"""A round's "best pick" vote opens when the round is complete, not while it is drafted; the
recap says "Voting is not open" once, not on every card."""

import pytest
from django.urls import reverse

from draft.services.running import end_draft
from reviews.models import DraftReaderSettings, Vote
from tests.draft.factories import play_picks
from tests.reviews.test_votes import vote_url
from tests.web.conftest import text

pytestmark = pytest.mark.django_db


@pytest.fixture
def round_two_started(league_setup):
    """Round 1 complete (1.01–1.04), round 2 half drafted (2.01, 2.02), voting open."""
    league_setup.picks += play_picks(league_setup, 2)
    DraftReaderSettings.objects.create(draft=league_setup.draft, voting_open=True)
    return league_setup


def recap_url(setup):
    return reverse("reviews:recap", args=[setup.league.slug, setup.draft.slug])


def test_a_round_being_drafted_has_no_vote_yet(client, round_two_started):
    pick = round_two_started.picks[4]  # 2.01
    page = client.get(pick.get_absolute_url())
    card = text(page).split("Best pick of round 2", 1)[1]
    assert card.startswith(" Voting on round 2 opens when the round is complete.")
    assert 'name="choice"' not in page.content.decode()


def test_a_vote_on_a_round_being_drafted_is_refused(client, round_two_started):
    pick = round_two_started.picks[4]

    response = client.post(vote_url(round_two_started, "round-2"), {"choice": pick.pk}, follow=True)

    assert "Voting on round 2 opens when the round is complete." in text(response)
    assert not Vote.objects.exists()


def test_a_complete_round_can_be_voted_on(client, round_two_started):
    first = round_two_started.picks[0]
    page = client.get(first.get_absolute_url()).content.decode()
    assert 'name="choice"' in page
    client.post(vote_url(round_two_started, "round-1"), {"choice": first.pk})
    assert Vote.objects.get().pick_id == first.pk


def test_the_round_opens_when_its_last_pick_is_made(client, round_two_started):
    round_two_started.picks += play_picks(round_two_started, 2)  # 2.03, 2.04
    pick = round_two_started.picks[4]
    client.post(vote_url(round_two_started, "round-2"), {"choice": pick.pk})
    assert Vote.objects.get().pick_id == pick.pk


def test_a_draft_ended_early_opens_its_unfinished_round(client, round_two_started, commissioner):
    end_draft(draft_id=round_two_started.draft.pk, actor=commissioner)
    pick = round_two_started.picks[4]
    client.post(vote_url(round_two_started, "round-2"), {"choice": pick.pk})
    assert Vote.objects.get().pick_id == pick.pk


def test_the_recap_says_voting_is_not_open_once(client, league_setup):
    league_setup.picks += play_picks(league_setup, 4)  # rounds 1 and 2 complete: 3 questions
    page = text(client.get(recap_url(league_setup)))

    assert page.count("Voting is not open.") == 1
    assert "Best pick of round 1" not in page  # no empty cards


def test_the_closed_recap_shows_results_and_says_it_once(
    client, commissioner_client, round_two_started
):
    first = round_two_started.picks[0]
    client.post(vote_url(round_two_started, "round-1"), {"choice": first.pk})
    toggle = reverse(
        "reviews:voting_toggle", args=[round_two_started.league.slug, round_two_started.draft.slug]
    )
    commissioner_client.post(toggle, {"open": "0"})

    page = text(client.get(recap_url(round_two_started)))

    assert page.count("Voting is closed") == 1
    assert "Best pick of round 1" in page and "1 vote · 100%" in page
    assert "Best pick of round 2" not in page  # no votes: no card
    assert "Voting is not open" not in page


def test_the_open_recap_says_which_round_waits(client, round_two_started):
    page = text(client.get(recap_url(round_two_started)))
    assert "Voting on round 2 opens when the round is complete." in page
    assert "Voting is not open" not in page
