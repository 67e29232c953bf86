"""The demo league that `make run` loads."""

from io import StringIO

import pytest
from django.core.management import call_command

from draft.models import Draft, Movie, Pick

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
