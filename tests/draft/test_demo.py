"""The demo league that `make run` loads."""

import csv
import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext

from draft.demo import MOVIES_CSV, load_movies
from draft.models import Draft, Movie, Pick
from draft.signals import catalog_ratings_changing
from tests.draft.factories import make_movie

pytestmark = pytest.mark.django_db


def test_seed_demo_loads_a_partly_drafted_league_and_is_idempotent():
    call_command("seed_demo", stdout=StringIO())
    counts = (Movie.objects.count(), Pick.objects.count(), Draft.objects.count())
    call_command("seed_demo", stdout=StringIO())
    assert (Movie.objects.count(), Pick.objects.count(), Draft.objects.count()) == counts
    assert counts[0] >= 300
    draft = Draft.objects.get(name="2021 Movie Draft")
    assert draft.status == Draft.Status.LIVE
    assert draft.categories.count() == 6
    assert draft.seats.count() == 8
    assert draft.categories.filter(name="Romance/Holiday/Animation").exists()
    her = Pick.objects.get(draft=draft, round=2, pick_in_round=1)
    assert str(her.movie) == "Her (2013)"
    assert her.seat.display_name == "Strange Dylan"
    assert her.category.name == "Romance/Holiday/Animation"
    # A trade done, and one waiting for Carla's answer.
    trades = dict(draft.trades.values_list("status", "summary"))
    assert trades == {
        "completed": "Priya Raman's 4.06 for June Castellano's 3.05",
        "proposed": "Theo Lindqvist's 5.02 for Carla Vance's 6.02",
    }


def test_the_demo_catalog_has_an_imdb_rating_for_every_film():
    created, _ = load_movies()

    with MOVIES_CSV.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert created == len(rows) == Movie.objects.count()
    for row in rows:
        assert re.fullmatch(r"10\.0|[1-9]\.[0-9]", row["imdb_rating"]), row
        assert re.fullmatch(r"[1-9][0-9]*", row["imdb_votes"]), row
    assert not Movie.objects.filter(Q(imdb_rating=None) | Q(imdb_votes=None)).exists()
    her = Movie.objects.get(title="Her", year=2013)
    assert (her.imdb_rating, her.imdb_votes) == (Decimal("8.0"), 680_000)


def test_the_demo_rates_films_without_a_rating_once_and_keeps_imported_ones():
    """A catalog from before the demo had ratings gets them; a rating from IMDb's own file
    stays; the results hear of it first; a second run writes nothing."""
    make_movie("Her", 2013)
    make_movie("Casablanca", 1942, imdb_id="tt0034583", imdb_rating=Decimal("8.5"), imdb_votes=1)
    heard = []

    def receiver(sender, **kwargs):
        heard.append(Movie.objects.get(title="Her").imdb_rating)

    catalog_ratings_changing.connect(receiver)
    try:
        load_movies()
        with CaptureQueriesContext(connection) as again:
            load_movies()
    finally:
        catalog_ratings_changing.disconnect(receiver)

    assert heard == [None]
    ratings = dict(Movie.objects.values_list("title", "imdb_votes"))
    assert (ratings["Her"], ratings["Casablanca"]) == (680_000, 1)
    assert [q["sql"] for q in again if re.match(r"(INSERT|UPDATE)", q["sql"])] == []
