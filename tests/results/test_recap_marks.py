"""The recap's grid marks a draft's reaches and steals once its stats are worked out (the
results app's template tag, from the stats the recap loads with its draft), and only while those
stats are current."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from draft.models import Draft
from results import stats
from tests.results.drafts import film, played

pytestmark = pytest.mark.django_db


def recap(setup) -> str:
    return (
        Client()
        .get(reverse("reviews:recap", args=[setup.league.slug, setup.draft.slug]))
        .content.decode()
    )


def test_the_recap_marks_reaches_and_steals(commissioner, member, other_member):
    names = ["Hit", "Sleeper", *[f"Filler {n}" for n in range(1, 15)]]
    hit, sleeper, *fillers = [film(name, 2000) for name in names]
    players = [member, other_member]
    played(commissioner, players, [hit, *fillers[0:7], sleeper], seats=3, rounds=3)
    played(commissioner, players, [hit, *fillers[7:14], sleeper], seats=3, rounds=3, name="Two")
    third = played(
        commissioner,
        players,
        [fillers[0], *fillers[1:6], sleeper, fillers[6], hit],
        seats=3,
        rounds=3,
        name="Three",
    )
    # Before the stats are worked out: no marks (and the grid kept then is not kept after).
    page = recap(third)
    assert "badge--reach" not in page and "badge--steal" not in page
    with CaptureQueriesContext(connection) as before:
        recap(third)
    assert stats.refresh_due_stats() == 3
    page = recap(third)
    assert page.count('<span class="badge badge--steal"') == 1  # Hit at 3.03
    assert page.count('<span class="badge badge--reach"') == 1  # Sleeper at 3.01
    with CaptureQueriesContext(connection) as after:
        recap(third)
    assert len(after) == len(before)
    # Stale stats (the board changed since) mark nothing.
    Draft.objects.filter(pk=third.draft.pk).update(version=third.draft.version + 5)
    page = recap(third)
    assert "badge--reach" not in page and "badge--steal" not in page


def test_the_pick_page_shows_its_mark(commissioner, member, other_member):
    names = ["Hit", *[f"Filler {n}" for n in range(1, 16)]]
    hit, *fillers = [film(name, 2000) for name in names]
    players = [member, other_member]
    played(commissioner, players, [hit, *fillers[0:8]], seats=3, rounds=3)
    third = played(commissioner, players, [*fillers[7:15], hit], seats=3, rounds=3, name="Two")
    stats.refresh_due_stats()
    page = Client().get(reverse("pick", args=[third.league.slug, third.draft.slug, 3, 3]))
    assert '<span class="badge badge--steal"' in page.content.decode()
