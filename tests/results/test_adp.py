"""Average draft position (results/adp.py): over the completed drafts of public leagues only,
kept up by the worker's round as drafts complete and reopen; and the film page that shows it
with the film's IMDb rating, in the same queries as before."""

import pytest
from django.urls import reverse

from draft.models import Draft, Pick
from draft.services.picks import undo_last
from results import adp, stats
from results.models import FilmAdp
from tests.draft.factories import four_by_three, make_league, pick_on_clock
from tests.results.drafts import film, played
from tests.web.conftest import text

pytestmark = pytest.mark.django_db


def fillers(prefix: str, count: int = 3):
    return [film(f"{prefix} {n}", 1990 + n) for n in range(1, count + 1)]


@pytest.fixture
def jaws():
    return film("Jaws", 1975, ["Thriller"], ["Steven Spielberg"], 650_000)


def two_by_two(commissioner, players, films, **options):
    """2 seats × 2 rounds: shares 0, 1/3, 2/3 and 1."""
    return played(
        commissioner, players, films, seats=2, rounds=2, seat_commissioner=False, **options
    )


def test_adp_counts_completed_public_drafts_only(commissioner, member, other_member, jaws):
    """Jaws goes first (0) in one public draft, last (1) in another, second (1/3) in a third;
    third (2/3) in a private league's draft, which does not count; and first in a public draft
    an undo reopened, which counts while complete and no longer once reopened."""
    players = [member, other_member]
    a, b, c, d = (fillers(name) for name in "ABCD")
    two_by_two(commissioner, players, [jaws, *a])
    two_by_two(commissioner, players, [*b, jaws])
    two_by_two(commissioner, players, [c[0], jaws, *c[1:]])
    hush = make_league(commissioner, players, name="Hush", is_public=False)
    two_by_two(commissioner, players, [*d[:2], jaws, d[2]], league=hush)
    orphan = film("Orphan", 2009)
    reopened = two_by_two(commissioner, players, [jaws, *fillers("E", 2), orphan])

    assert stats.refresh_due_stats() == 5
    jaws_adp = FilmAdp.objects.get(movie=jaws)
    assert jaws_adp.drafts == 4  # the private league's draft left out
    assert jaws_adp.position == pytest.approx((0 + 1 + 1 / 3 + 0) / 4)
    assert FilmAdp.objects.get(movie=orphan).drafts == 1

    undo_last(draft_id=reopened.draft.pk, actor=commissioner)  # Orphan taken back
    assert reopened.refresh().status == Draft.Status.LIVE
    assert stats.refresh_due_stats() == 1
    jaws_adp.refresh_from_db()
    assert jaws_adp.drafts == 3
    assert jaws_adp.position == pytest.approx((0 + 1 + 1 / 3) / 3)
    assert not FilmAdp.objects.filter(movie=orphan).exists()  # in no completed draft now


def test_a_film_in_no_public_draft_has_no_adp(commissioner, member, other_member, jaws):
    hush = make_league(commissioner, [member, other_member], name="Hush", is_public=False)
    two_by_two(commissioner, [member, other_member], [jaws, *fillers("A")], league=hush)
    FilmAdp.objects.create(movie=jaws, position=0.5, drafts=9)  # left from before
    assert adp.refresh_adp([jaws.pk]) == 0
    assert not FilmAdp.objects.filter(movie=jaws).exists()
    assert adp.refresh_adp([]) == 0


@pytest.mark.parametrize("films", [16, 48])
def test_refreshing_the_adp_of_a_batch_costs_the_same_queries_at_any_size(
    films, commissioner, django_assert_num_queries
):
    setup = four_by_three(commissioner, movies=films)
    for _ in range(12):
        pick_on_clock(setup)
    ids = [m.pk for m in setup.movies]
    # The aggregate; in a savepoint: the delete of the films in no draft, the upsert.
    with django_assert_num_queries(5):
        assert adp.refresh_adp(ids) == 12
    assert FilmAdp.objects.count() == 12


# --- The film page ---------------------------------------------------------------------------


def test_the_film_page_shows_the_adp_and_the_imdb_rating(client, jaws):
    jaws.imdb_rating = "7.9"
    jaws.save(update_fields=["imdb_rating"])
    FilmAdp.objects.create(movie=jaws, position=0.3125, drafts=4)
    page = text(client.get(jaws.get_absolute_url()))
    assert "IMDb 7.9/10 from 650,000 votes" in page
    assert "Draft position Usually goes 31% of the way into a draft, across 4 public drafts" in page


def test_a_film_without_adp_or_rating_says_neither(client):
    unknown = film("Nobody Knows", 2020)
    page = text(client.get(unknown.get_absolute_url()))
    assert "Draft position" not in page and "IMDb" not in page


@pytest.mark.parametrize("drafts", [1, 4])
def test_the_film_pages_queries_do_not_grow_with_its_drafts(
    drafts, commissioner, member, other_member, client, member_client, django_assert_num_queries
):
    """The ADP comes with the film, in its one query."""
    jaws = film("Jaws", 1975, ["Thriller"], ["Steven Spielberg"], 650_000)
    for _ in range(drafts):
        setup = four_by_three(commissioner, [member, other_member], movies=0)
        pick_on_clock(setup, jaws)
    FilmAdp.objects.create(movie=jaws, position=0.25, drafts=drafts)
    url = reverse("draft:movie", args=[jaws.pk])
    # The film with its ADP; its picks in the leagues the viewer may see (drafts, leagues,
    # seats, categories joined).
    with django_assert_num_queries(2):
        assert client.get(url).status_code == 200
    # A member: also their session and user, and whether they drafted it (the poster check).
    with django_assert_num_queries(5):
        page = text(member_client.get(url))
    assert page.count("Round 1, Pick 1") == drafts
    assert Pick.objects.filter(movie=jaws).count() == drafts
