"""The stats pages: what a reader sees of a season and of a league's seasons, who may see them,
what they say while stats are being worked out or a draft was reopened, their SVG charts under
the site's Content Security Policy, and their queries at two sizes."""

import json
import re
import subprocess

import pytest
from django.urls import reverse

from draft.models import Draft, League
from draft.services.picks import undo_last
from results import stats
from results.models import ResultsSetup
from tests.draft.factories import bulk_fill_picks, four_by_three, make_league, sixteen_by_twenty
from tests.results.drafts import film, played, set_times
from tests.web.conftest import html_of, text
from tests.web.test_html_validity import VNU, java

pytestmark = pytest.mark.django_db


def season_url(setup) -> str:
    return reverse("results:draft_stats", args=[setup.league.slug, setup.draft.slug])


def league_url(league) -> str:
    return reverse("results:league_stats", args=[league.slug])


@pytest.fixture
def season(commissioner, member, other_member):
    """A complete 2 × 3 public draft with its stats worked out (see test_stats.small)."""
    films = [
        film("Alien", 1979, ["Horror", "Sci-Fi"], ["Ridley Scott"], 900_000),
        film("Blade Runner", 1982, ["Sci-Fi"], ["Ridley Scott"], 800_000),
        film("Carrie", 1976, ["Horror"], ["Brian De Palma"], None),
        film("Dune", 2021, ["Sci-Fi"], ["Denis Villeneuve"], 700_000),
        film("Eraserhead", 1977, ["Horror"], ["David Lynch"], 100_000),
        film("Fargo", 1996, ["Crime", "Drama"], ["Joel Coen", "Ethan Coen"], 600_000),
    ]
    setup = played(
        commissioner, [member, other_member], films, seats=2, rounds=3, seat_commissioner=False
    )
    set_times(setup, {1: 60, 2: 180, 3: 200, 4: 500, 5: 510, 6: 1510})
    assert stats.refresh_due_stats() == 1
    return setup


def test_the_season_page_shows_each_members_stats(client, season):
    page = text(client.get(season_url(season)))
    assert "Test Draft: stats" in page
    assert "Strange Dylan" in page and "Maya Reel" in page
    assert "31.7 years" in page and "39.3 years" in page  # average film age
    assert "median 700,000 IMDb votes (1 pick without)" in page  # Maya: Carrie has none
    assert "median 1 minute, mean 2 minutes 3 seconds" in page  # Dylan: 60, 300 and 10 s
    assert "No reaches." in page and "No steals." in page
    assert "at least 15% of the draft earlier" in page  # the rule is stated


def test_reaches_and_steals_are_listed_with_their_badges(client, season):
    row = season.draft.stats
    row.data["steals"] = [
        {"pick": 1, "slot": 5, "round": 3, "pick_in_round": 1, "label": "3.01",
         "seat": season.seats[0].pk, "name": "Strange Dylan", "movie": 1, "title": "Eraserhead",
         "year": 1977, "share": 0.8, "adp": 0.3, "adp_drafts": 4},
    ]  # fmt: skip
    row.save(update_fields=["data"])
    response = client.get(season_url(season))
    assert '<span class="badge badge--steal">Steal</span>' in html_of(response)
    assert (
        "Steal 3.01 Strange Dylan: Eraserhead (1977) went 80% into the draft; usually 30% "
        "(over 4 drafts)" in text(response)
    )


def test_the_charts_are_svg_with_their_numbers_in_a_table_and_no_inline_style(client, season):
    response = client.get(season_url(season))
    html = html_of(response)
    policy = response["Content-Security-Policy"]
    assert "style-src 'self'" in policy and "unsafe-inline" not in policy
    assert not re.search(r"\sstyle=", html) and "<style" not in html
    assert "<script>" not in html
    charts = re.findall(r"<svg class=\"chart__svg\"[^>]*>", html)
    assert len(charts) == 3 * 3  # decades, genres, directors: the draft's and each member's
    assert all('role="img"' in svg and "aria-label=" in svg for svg in charts)
    assert 'aria-label="Decades drafted by Strange Dylan. 1970s: 2 films; 2020s: 1 film."' in html
    assert '<caption class="visually-hidden">Decades drafted by Strange Dylan</caption>' in html
    assert '<th scope="row">Ridley Scott</th><td>2</td>' in html  # the whole draft's directors


def test_the_league_page_adds_up_the_seasons(client, season, commissioner, member, other_member):
    later = played(
        commissioner,
        [member, other_member],
        [film(f"Later {n}", 2000 + n, ["Drama"], ["Agnès Varda"], 1000 * n) for n in range(1, 5)],
        seats=2,
        rounds=2,
        seat_commissioner=False,
        league=season.league,
        name="Season Two",
    )
    assert later.draft.status == Draft.Status.COMPLETE
    assert stats.refresh_due_stats() == 1
    page = text(client.get(league_url(season.league)))
    assert re.search(r"Counted: Season Two ?, Test Draft ?\.", page)  # the latest first
    # Dylan drafted Agnès Varda twice in the second season, the 1970s twice in the first.
    assert "Directors drafted by Strange Dylan Director Films Agnès Varda 2" in page
    assert "Decades drafted by Strange Dylan Decade Films 1970s 2 2000s 2 2020s 1" in page
    assert "Strange Dylan · 2 seasons" in page


def test_stats_are_never_shown_stale(client, season, commissioner):
    ResultsSetup.objects.create(draft=season.draft)  # a new results version: being worked out
    page = text(client.get(season_url(season)))
    assert "are being worked out" in page and "Strange Dylan" not in page
    assert "Being worked out, and not counted yet: Test Draft." in text(
        client.get(league_url(season.league))
    )

    undo_last(draft_id=season.draft.pk, actor=commissioner)
    page = text(client.get(season_url(season)))
    assert "was reopened" in page and "will be back when it completes" in page
    stats.refresh_due_stats()  # the reopened draft's row goes
    assert "will be here then" in text(client.get(season_url(season)))


def test_the_recap_and_the_history_link_to_the_stats(client, season):
    recap = html_of(
        client.get(reverse("reviews:recap", args=[season.league.slug, season.draft.slug]))
    )
    assert f'href="{season_url(season)}">Stats</a>' in recap
    history = html_of(client.get(reverse("reviews:history", args=[season.league.slug])))
    assert f'href="{league_url(season.league)}">Stats across the seasons</a>' in history


def test_the_stats_pages_and_the_film_page_are_valid_html(client, season, tmp_path):
    """Checked by the Nu HTML Checker, as tests/web/test_html_validity.py checks the others."""
    files = []
    movie = season.draft.picks.order_by("slot").first().movie
    for n, url in enumerate(
        [season_url(season), league_url(season.league), movie.get_absolute_url()]
    ):
        path = tmp_path / f"page-{n}.html"
        path.write_bytes(client.get(url).content)
        files.append(str(path))
    result = subprocess.run(
        [java(), "-jar", str(VNU), "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    assert not [f"{m.get('url')}: {m['message']}" for m in messages]


# --- Who may see them ------------------------------------------------------------------------


@pytest.fixture
def hidden(commissioner, member, other_member):
    hush = make_league(commissioner, [member, other_member], name="Hush", is_public=False)
    setup = four_by_three(commissioner, [member, other_member], league=hush)
    bulk_fill_picks(setup, 12)
    stats.refresh_due_stats()
    return setup


def test_a_private_leagues_stats_are_its_members_only(
    hidden, client, member_client, outsider_client
):
    for url in (season_url(hidden), league_url(hidden.league)):
        assert member_client.get(url).status_code == 200
        assert outsider_client.get(url).status_code == 404
        assert client.get(url).status_code == 404


def test_a_public_leagues_stats_are_anyones(season, client, outsider_client):
    for url in (season_url(season), league_url(season.league)):
        assert client.get(url).status_code == 200
        assert outsider_client.get(url).status_code == 200
    League.objects.filter(pk=season.league.pk).update(is_public=False)
    assert client.get(season_url(season)).status_code == 404


# --- What they cost --------------------------------------------------------------------------


def sized(size: str, commissioner, member, seasons: int = 1):
    """`seasons` complete drafts of one league, 4 × 3 or 12 × 8, with `member` seated."""
    league = None
    for n in range(seasons):
        if size == "4x3":
            setup = four_by_three(commissioner, [member], league=league, name=f"Draft {n}")
            bulk_fill_picks(setup, 12)
        else:
            setup = sixteen_by_twenty(commissioner, seats=12, rounds=8, movies=96)
            bulk_fill_picks(setup, 96)
            setup.league.memberships.create(user=member, display_name="Strange Dylan")
        league = league or setup.league
    assert stats.refresh_due_stats() == seasons
    return setup


@pytest.mark.parametrize("size", ["4x3", "12x8"])
def test_the_season_page_costs_the_same_queries_at_any_size(
    size, commissioner, member, client, member_client, django_assert_num_queries
):
    setup = sized(size, commissioner, member)
    url = season_url(setup)
    with django_assert_num_queries(1):  # the draft with its league, results set-up and stats
        assert "Members at a glance" in text(client.get(url))
    with django_assert_num_queries(4):  # and the session, the user, their membership
        assert member_client.get(url).status_code == 200


@pytest.mark.parametrize(("size", "seasons"), [("4x3", 1), ("12x8", 1), ("4x3", 3)])
def test_the_league_page_costs_the_same_queries_at_any_size(
    size, seasons, commissioner, member, client, django_assert_num_queries
):
    setup = sized(size, commissioner, member, seasons)
    with django_assert_num_queries(2):  # the league; its drafts with their stored stats
        page = text(client.get(league_url(setup.league)))
    assert "Members at a glance" in page
