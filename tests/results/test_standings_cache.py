"""A reader's kept standings page (config/pagecache.py, on PostgreSQL) is never yesterday's: a
vote, a lock or a value shows on the next request, and a kept preview runs out at the results
date, when the locked answer takes its place."""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from draft.models import Pick
from results.models import ResultsSetup
from results.services import setup as results_setup
from reviews.models import Vote
from tests.draft.factories import bulk_fill_picks, four_by_three

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.postgresql,  # pages are kept on PostgreSQL only
]


@pytest.fixture
def kept(settings):
    settings.PAGE_CACHE = True


def test_a_kept_standings_page_follows_every_change(kept, commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    bulk_fill_picks(setup, 12)
    page = reverse("results:standings", args=[setup.league.slug, setup.draft.slug])
    reader = Client()
    assert "Nothing to rank on yet" in reader.get(page).content.decode()
    assert "Nothing to rank on yet" in reader.get(page).content.decode()  # kept
    Vote.objects.create(
        draft=setup.draft, question=Vote.DRAFT_QUESTION, seat=setup.seat_of(member), voter="a:1"
    )
    first = reader.get(page).content.decode()
    assert "Nothing to rank on yet" not in first and "Strange Dylan" in first
    # The results date passes with nothing written: the kept preview runs out then, and the
    # next reader gets the locked standings.
    # (Well within PAGE_CACHE_SECONDS, so only the date can end the kept page.)
    results_setup.set_results_date(draft=setup.draft, when=timezone.now() + timedelta(seconds=30))
    assert "A preview: the results lock on" in reader.get(page).content.decode()
    with time_machine.travel(timezone.now() + timedelta(seconds=45)):
        final = reader.get(page).content.decode()
    assert "Final: the results locked" in final
    assert ResultsSetup.objects.get(draft=setup.draft).is_locked
    assert Pick.objects.filter(draft=setup.draft).count() == 12
