"""The next-season and keepers pages cost the same number of queries for a small league and a
big one (issue 20): 4 seats × 3 rounds and 12 seats × 8 rounds, every pick of the season played."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from draft.models import League, Pick
from draft.services.keepers import choose_keepers
from draft.services.seasons import start_next_season
from tests.draft.factories import make_draft, make_users, open_categories, play_picks

pytestmark = pytest.mark.django_db

SIZES = [(4, 3), (12, 8)]


def played_league(seats: int, rounds: int, prefix: str):
    """A league whose first season is played to the end, two keepers a member."""
    boss, *players = make_users(seats, prefix)
    setup = make_draft(
        boss,
        players,
        seats=seats,
        categories=open_categories(rounds),
        movies=seats * rounds + 10,
        name="2021 Draft",
    )
    League.objects.filter(pk=setup.league.pk).update(keepers_per_member=2)
    play_picks(setup, seats * rounds)
    setup.league.refresh_from_db()
    return setup


def queries_for(user, url: str) -> tuple[int, bytes]:
    client = Client()
    client.force_login(user)
    client.get(url)  # sessions and caches warmed, as for anyone who already browses the site
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries), response.content


def test_the_next_season_page_costs_the_same_for_a_small_and_a_big_league():
    counts = []
    for seats, rounds in SIZES:
        setup = played_league(seats, rounds, f"next{seats}")
        url = reverse("draft:season_next", args=[setup.league.slug])
        count, page = queries_for(setup.commissioner, url)
        # The page lists every member the next season seats.
        assert all(s.display_name.encode() in page for s in setup.seats)
        counts.append(count)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("viewer", ["member", "commissioner"])
def test_the_keepers_page_costs_the_same_for_a_small_and_a_big_league(viewer):
    counts = []
    for seats, rounds in SIZES:
        setup = played_league(seats, rounds, f"keep{seats}{viewer[0]}")
        second = start_next_season(league=setup.league, actor=setup.commissioner, name="2022")
        # Every member has chosen a keeper: their pick of the last round.
        for seat in setup.seats:
            kept = Pick.objects.filter(draft=setup.draft, seat=seat).order_by("-slot").first()
            choose_keepers(
                draft_id=second.pk,
                user=seat.membership.user,
                pick_ids=[kept.pk],
                categories={},
            )
        user = setup.commissioner if viewer == "commissioner" else setup.seats[0].membership.user
        url = reverse("draft:keepers", args=[setup.league.slug, second.slug])
        count, page = queries_for(user, url)
        if viewer == "commissioner":
            assert all(s.display_name.encode() in page for s in setup.seats)
        counts.append(count)
    assert counts[0] == counts[1], counts


@pytest.mark.parametrize("viewer", ["member", "commissioner", "reader"])
def test_the_trade_page_costs_the_same_for_a_small_and_a_big_draft(viewer):
    """Issue 21: proposals, history, vetoes and each member's picks in a fixed number of
    queries, whatever the draft's size and however many trades it has seen."""
    from draft.models import League
    from draft.services.trades import answer_trade, propose_trade

    counts = []
    for seats, rounds in SIZES:
        boss, *players = make_users(seats, f"trade{seats}{viewer[0]}")
        setup = make_draft(
            boss, players, seats=seats, categories=open_categories(rounds), movies=seats * rounds
        )
        League.objects.filter(pk=setup.league.pk).update(trade_review="veto")
        play_picks(setup, seats)  # the first round
        a, b = setup.seats[0], setup.seats[1]
        for round_number in range(2, rounds + 1):
            trade = propose_trade(
                draft_id=setup.draft.pk,
                user=a.membership.user,
                to_seat_id=b.pk,
                give=[f"{round_number}:{a.pk}"],
                get=[f"{round_number}:{b.pk}"],
            )
            if round_number % 2:
                answer_trade(
                    draft_id=setup.draft.pk, trade_id=trade.pk, user=b.membership.user,
                    action="accept",
                )  # fmt: skip
        url = reverse("draft:trades", args=[setup.league.slug, setup.draft.slug])
        if viewer == "reader":
            Client().get(url)
            with CaptureQueriesContext(connection) as queries:
                page = Client().get(url)
            assert page.status_code == 200
            count = len(queries)
        else:
            user = boss if viewer == "commissioner" else a.membership.user
            count, _ = queries_for(user, url + f"?with={b.pk}")
        counts.append(count)
    assert counts[0] == counts[1], counts
