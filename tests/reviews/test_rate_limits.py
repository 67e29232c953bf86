"""Rate limits that hold under parallel requests (issue 9, finding 9): the comment limit per
address, and the cap on votes without an account per address and question. Threads with their
own connections post at the same moment; the database row each limit locks decides.
These tests commit for real (transaction=True), on PostgreSQL and SQLite alike."""

import pytest
from django.test import Client
from django.urls import reverse

from reviews import rules as reader_rules
from reviews import services
from reviews.models import Comment, DraftReaderSettings, Vote
from tests.threads import at_once

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


def test_parallel_comments_from_one_address_stop_at_the_limit(published, settings):
    settings.COMMENT_RATE_LIMIT = (5, 600)
    league_settings = reader_rules.league_settings(published.pick.draft.league)

    def comment(n):
        return lambda: services.post_comment(
            writeup=published,
            user=None,
            data=services.CommentInput(body=f"Comment {n}", name="Flood", email="f@example.com"),
            ip="203.0.113.5",
            settings_row=league_settings,
        )

    accepted, refused = at_once([comment(n) for n in range(THREADS)])
    assert accepted == 5 and Comment.objects.count() == 5
    assert all("Please wait a little" in message for message in refused)


def test_parallel_votes_without_an_account_stop_at_the_cap(league_setup, settings):
    settings.ANONYMOUS_VOTES_PER_ADDRESS = 3
    DraftReaderSettings.objects.create(draft=league_setup.draft, voting_open=True)
    pick = league_setup.picks[0]

    def vote(n):
        return lambda: services.cast_vote(
            draft=league_setup.draft,
            question="round-1",
            choice_id=pick.pk,
            voter=f"a:token-{n}",
            ip="203.0.113.5",
        )

    accepted, refused = at_once([vote(n) for n in range(THREADS)])
    assert accepted == 3 and Vote.objects.count() == 3
    assert all("Log in to vote with your account" in message for message in refused)


def test_a_reader_who_drops_the_cookie_cannot_vote_again_and_again(league_setup, settings):
    """15 posts without the cookie made 15 votes; now the address's cap stops them, with a
    message that says why and what to do."""
    settings.ANONYMOUS_VOTES_PER_ADDRESS = 5
    DraftReaderSettings.objects.create(draft=league_setup.draft, voting_open=True)
    url = reverse(
        "reviews:vote", args=[league_setup.league.slug, league_setup.draft.slug, "round-1"]
    )
    browsers = [Client() for _ in range(15)]
    for browser in browsers:
        last = browser.post(url, {"choice": league_setup.picks[0].pk}, follow=True)
    assert Vote.objects.count() == 5
    assert "Log in to vote with your account" in last.content.decode()
    # Changing a vote is free, another question has its own cap, and accounts have none.
    browsers[0].post(url, {"choice": league_setup.picks[1].pk})
    assert Vote.objects.count() == 5
    assert Vote.objects.filter(pick=league_setup.picks[1]).count() == 1
    draft_question = url.replace("round-1", "draft")
    seat = league_setup.seats[0]
    assert Client().post(draft_question, {"choice": seat.pk}).status_code == 302
    assert Vote.objects.filter(question="draft").count() == 1
    signed_in = Client()
    signed_in.force_login(league_setup.users[0])
    signed_in.post(url, {"choice": league_setup.picks[0].pk})
    assert Vote.objects.filter(question="round-1").count() == 6


def test_the_vote_form_says_voting_without_an_account_is_best_effort(league_setup, client):
    DraftReaderSettings.objects.create(draft=league_setup.draft, voting_open=True)
    page = client.get(league_setup.picks[0].get_absolute_url()).content.decode()
    assert "best-effort" in page and "Log in" in page
