"""A league's history page (issue 20): every season's board, its champion and best picks as the
readers voted, the members' records; the same number of queries for 1 season and for 10."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from draft.models import Movie, Pick, Seat
from draft.services.running import start_draft
from draft.services.seasons import start_next_season
from results.services.locking import lock_results
from reviews import services
from reviews.history import league_history
from reviews.models import Vote
from tests.draft.factories import _setup_for, bulk_fill_picks, four_by_three, make_movies

pytestmark = pytest.mark.django_db


def vote(draft, question, *, seat=None, pick=None, voters=1, start=0):
    for n in range(start, start + voters):
        Vote.objects.create(draft=draft, question=question, seat=seat, pick=pick, voter=f"a:{n}")


def seasons(commissioner, players, count: int, movies):
    """`count` finished seasons of a 4 × 3 league, each started from the last."""
    setup = four_by_three(commissioner, players, name="2015 Draft", movies=0)
    setup.movies = movies
    bulk_fill_picks(setup, 12)
    made = [setup]
    for year in range(2016, 2015 + count):
        draft = start_next_season(league=setup.league, actor=commissioner, name=f"{year} Draft")
        start_draft(draft_id=draft.pk, actor=commissioner)
        setup = _setup_for(draft, commissioner, setup.users, movies)
        bulk_fill_picks(setup, 12)
        made.append(setup)
    return made


def history_queries(league) -> int:
    with CaptureQueriesContext(connection) as queries:
        data = league_history(league)
        # Everything the page shows, read: nothing left to load lazily.
        for season in data.seasons:
            for row in season.rows:
                _ = [row.seat.display_name, row.seat.user]
                _ = [
                    (p.movie.title, p.get_absolute_url(), p.has_writeup) for p in row.picks.values()
                ]
    return len(queries)


def test_one_season_and_ten_cost_the_same_queries(commissioner, member, other_member):
    movies = make_movies(40)
    one = seasons(commissioner, [member, other_member], 1, movies)[0].league
    from tests.draft.factories import make_user

    others = [make_user(f"ten-{n}") for n in range(3)]
    ten = seasons(others[0], others[1:], 10, movies)[0].league
    assert len(league_history(ten).seasons) == 10
    assert history_queries(one) == history_queries(ten) == 6


def test_champions_are_the_locked_standings_and_best_picks_follow_the_votes(
    commissioner, member, other_member
):
    movies = make_movies(40)
    Movie.objects.filter(pk__in=[m.pk for m in movies[:12]]).update(directors=["Agnès Varda"])
    first, second = seasons(commissioner, [member, other_member], 2, movies)
    dylan = Seat.objects.get(draft=first.draft, membership__user=member)
    maya = Seat.objects.get(draft=first.draft, membership__user=other_member)
    vote(first.draft, Vote.DRAFT_QUESTION, seat=dylan, voters=3)
    vote(first.draft, Vote.DRAFT_QUESTION, seat=maya, voters=1, start=10)
    best = Pick.objects.get(draft=first.draft, slot=2)
    vote(first.draft, Vote.round_question(1), pick=best, voters=2)
    # The second season: a tie.
    dylan2 = Seat.objects.get(draft=second.draft, membership__user=member)
    maya2 = Seat.objects.get(draft=second.draft, membership__user=other_member)
    vote(second.draft, Vote.DRAFT_QUESTION, seat=dylan2, voters=2)
    vote(second.draft, Vote.DRAFT_QUESTION, seat=maya2, voters=2, start=10)
    # Until the results lock there is no champion, whatever the votes say.
    assert [s.champions for s in league_history(first.league).seasons] == [[], []]
    # Season one: Dylan 3 + 0 votes, Maya 1 + 2 (her pick 1.02 was the best of round 1): a tie
    # on the only column, shared. Season two: a tie too.
    lock_results(draft=first.draft)
    lock_results(draft=second.draft)

    data = league_history(first.league)
    latest, earliest = data.seasons
    assert (latest.number, earliest.number) == (2, 1)
    assert {s.display_name for s in earliest.champions} == {"Strange Dylan", "Maya Reel"}
    assert {s.display_name for s in latest.champions} == {"Strange Dylan", "Maya Reel"}
    assert earliest.best_pick_ids == {best.pk}
    records = {r.name: r for r in data.records}
    assert (records["Strange Dylan"].seasons, records["Strange Dylan"].wins) == (2, 2)
    assert (records["Maya Reel"].wins, records["Maya Reel"].best_picks) == (2, 1)
    # Both seasons drafted the same twelve films, Varda's: three a season for each seat.
    assert records["Strange Dylan"].directors == [("Agnès Varda", 6)]


def test_the_page_shows_every_season_with_its_writeups(commissioner, member, other_member, client):
    movies = make_movies(40)
    first, second = seasons(commissioner, [member, other_member], 2, movies)
    pick = Pick.objects.get(draft=first.draft, slot=1)
    services.save_writeup(pick=pick, actor=member, body="Still the one.", publish=True)
    vote(first.draft, Vote.DRAFT_QUESTION, seat=pick.seat, voters=2)
    lock_results(draft=first.draft)
    page = client.get(reverse("reviews:history", args=[first.league.slug])).content.decode()
    assert page.index("2016 Draft") < page.index("2015 Draft")
    assert "Champion:</strong> Strange Dylan" in page
    assert "No champion yet: the results are not final." in page
    assert f'href="{pick.get_absolute_url()}"' in page and "✎ writeup" in page
    league_page = client.get(first.league.get_absolute_url()).content.decode()
    assert reverse("reviews:history", args=[first.league.slug]) in league_page


def test_a_private_leagues_history_is_its_members_only(commissioner, member, other_member):
    movies = make_movies(40)
    (setup,) = seasons(commissioner, [member, other_member], 1, movies)
    setup.league.__class__.objects.filter(pk=setup.league.pk).update(is_public=False)
    url = reverse("reviews:history", args=[setup.league.slug])
    assert Client().get(url).status_code == 404
    from tests.draft.factories import make_user

    outsider = Client()
    outsider.force_login(make_user("olaf"))
    assert outsider.get(url).status_code == 404
    insider = Client()
    insider.force_login(member)
    assert insider.get(url).status_code == 200


def test_a_bloggers_page_groups_their_picks_by_league_and_season(
    commissioner, member, other_member, client
):
    movies = make_movies(60)
    first, second = seasons(commissioner, [member, other_member], 2, movies)
    other = four_by_three(commissioner, [member], name="Side Draft", movies=0)
    other.league.__class__.objects.filter(pk=other.league.pk).update(name="Side League")
    other.movies = movies[30:]
    bulk_fill_picks(other, 4)
    page = client.get(reverse("reviews:blogger", args=[member.username])).content.decode()
    headings = [
        page.index(text)
        for text in (
            "Side League</a></h3>",
            "Side Draft</a>",
            "Test League</a></h3>",
            "2016 Draft</a>",
            "2015 Draft</a>",
        )  # fmt: skip
    ]
    assert headings == sorted(headings)
    assert page.count('<h4 class="blogger-season">') == 3
    assert "Season 2" in page and "Season 1" in page


def test_a_season_being_drafted_is_not_counted_as_played(commissioner, member, other_member):
    movies = make_movies(40)
    (first,) = seasons(commissioner, [member, other_member], 1, movies)
    draft = start_next_season(league=first.league, actor=commissioner, name="2016 Draft")
    start_draft(draft_id=draft.pk, actor=commissioner)
    setup = _setup_for(draft, commissioner, first.users, movies)
    bulk_fill_picks(setup, 3)
    records = {r.name: r for r in league_history(first.league).records}
    assert records["Strange Dylan"].seasons == 1


def test_a_kept_film_counts_once_in_what_a_member_drafts_most(commissioner, member, other_member):
    from draft.models import League
    from draft.services.keepers import choose_keepers, review_keeper

    movies = make_movies(40)
    (first,) = seasons(commissioner, [member, other_member], 1, movies)
    League.objects.filter(pk=first.league.pk).update(keepers_per_member=1)
    kept = Pick.objects.get(draft=first.draft, seat__membership__user=member, round=2)
    Movie.objects.filter(pk=kept.movie_id).update(directors=["Spike Jonze"])
    draft = start_next_season(league=first.league, actor=commissioner, name="2016 Draft")
    (keeper,) = choose_keepers(draft_id=draft.pk, user=member, pick_ids=[kept.pk])
    review_keeper(draft_id=draft.pk, actor=commissioner, keeper_id=keeper.pk, approve=True)
    start_draft(draft_id=draft.pk, actor=commissioner)
    records = {r.name: r for r in league_history(first.league).records}
    assert ("Spike Jonze", 2) not in records["Strange Dylan"].directors
