"""The demo's finished season: decided on reader votes and IMDb ratings, locked, with a champion
on the history page, members' stats and the films' ADP."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from draft.models import Draft, Movie, Pick
from results.models import DraftStats, FilmAdp, ResultsSetup, Standing

pytestmark = pytest.mark.django_db


def test_the_demo_season_has_standings_a_champion_stats_and_adp():
    call_command("seed_demo", stdout=StringIO())
    before = (
        Standing.objects.count(),
        DraftStats.objects.count(),
        FilmAdp.objects.count(),
        list(ResultsSetup.objects.values_list("version", flat=True)),
    )
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "Results demo ready: 2020 Movie Draft won by" in out.getvalue()
    assert (
        Standing.objects.count(),
        DraftStats.objects.count(),
        FilmAdp.objects.count(),
        list(ResultsSetup.objects.values_list("version", flat=True)),
    ) == before

    last = Draft.objects.get(name="2020 Movie Draft")
    assert last.status == Draft.Status.COMPLETE and last.season.number == 1
    assert Draft.objects.get(name="2021 Movie Draft").season.number == 2
    setup = ResultsSetup.objects.get(draft=last)
    assert setup.is_locked
    assert [c.kind for c in setup.columns.order_by("position")] == ["votes", "imdb"]
    # Every film the season drafted has an IMDb rating in the demo catalog.
    assert not Pick.objects.filter(draft=last, movie__imdb_rating__isnull=True).exists()
    champion = Standing.objects.get(draft=last, champion=True)
    assert champion.rank == 1

    client = Client()
    league = last.league
    standings = client.get(reverse("results:standings", args=[league.slug, last.slug]))
    assert standings.status_code == 200
    page = standings.content.decode()
    assert "Champion" in page and champion.seat.display_name in page
    history = client.get(reverse("reviews:history", args=[league.slug])).content.decode()
    assert f"Champion:</strong> {champion.seat.display_name}" in history
    assert DraftStats.objects.filter(draft=last).exists()
    movie = Movie.objects.get(pk=Pick.objects.get(draft=last, slot=1).movie_id)
    assert FilmAdp.objects.filter(movie=movie, drafts=1).exists()
    film = client.get(movie.get_absolute_url()).content.decode()
    assert "Went 0% of the way into its one public draft" in film
    assert f"{movie.imdb_rating}/10" in film
