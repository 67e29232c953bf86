"""The finished board is not a dead end: it leads to the recap, asks each drafter to write up
their picks, and no longer offers the queue."""

import pytest
from django.urls import reverse

from draft.models import Draft
from tests.draft.factories import play_picks
from tests.web.conftest import board_of, board_url, element, html_of, text

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(live):
    live.picks = play_picks(live, 12)
    assert live.refresh().status == Draft.Status.COMPLETE
    return live


def recap_url(setup):
    return reverse("reviews:recap", args=[setup.league.slug, setup.draft.slug])


def test_the_finished_board_links_to_the_recap(client, finished):
    response = client.get(board_url(finished))

    assert response.status_code == 200
    assert "Draft complete" in text(board_of(response))
    assert f'href="{recap_url(finished)}"' in board_of(response)
    assert "Recap: every pick and writeup" in text(response)


def test_a_drafter_is_asked_to_write_up_each_of_their_picks(member_client, member, finished):
    response = member_client.get(board_url(finished))

    panel = element(response, "pick-panel")
    assert "Write up your picks" in text(panel)
    mine = [p for p in finished.picks if p.seat.user_id == member.pk]
    assert len(mine) == 3
    for pick in mine:
        editor = reverse(
            "reviews:writeup_edit",
            args=[finished.league.slug, finished.draft.slug, pick.round, pick.pick_in_round],
        )
        assert f'href="{editor}">Write up <cite>{pick.movie.title}</cite></a>' in panel
    others = [p for p in finished.picks if p.seat.user_id != member.pk]
    assert all(f"<cite>{p.movie.title}</cite>" not in panel for p in others)


def test_the_finished_board_offers_no_queue(member_client, finished):
    response = member_client.get(board_url(finished))

    html = html_of(response)
    assert "My queue" not in text(response)
    assert reverse("draft:queue", args=[finished.league.slug, finished.draft.slug]) not in html


def test_a_live_board_still_offers_the_queue_and_no_writeup_prompt(member_client, live):
    response = member_client.get(board_url(live))

    assert "My queue" in text(response)
    assert "Write up your picks" not in text(response)
