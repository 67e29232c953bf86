"""The film catalog: adding a film (members only), duplicates and near-duplicates, search
ranking, and the film page."""

import re
from html import unescape

import pytest
from django.urls import reverse

from draft.models import Movie
from draft.services.picks import make_pick
from tests.draft.factories import four_by_three, make_league, make_movie
from tests.web.conftest import board_url, html_of, login_url, search_url, text

pytestmark = pytest.mark.django_db

NEW_FILM = reverse("draft:movie_new")


@pytest.fixture
def league(commissioner, member, other_member):
    return make_league(commissioner, [member, other_member])


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def test_a_member_adds_a_film(league, member, member_client):
    response = member_client.post(
        NEW_FILM,
        {
            "title": "  Her ",
            "year": "2013",
            "directors": "Spike Jonze",
            "genres": ["Romance", "Drama", "Sci-Fi"],
            "runtime": "126",
        },
        follow=True,
    )

    her = Movie.objects.get()
    assert response.redirect_chain == [(her.get_absolute_url(), 302)]
    assert messages_of(response) == ["Her (2013) added to the catalog."]
    page = text(response)
    assert "Her (2013)" in page
    assert "Directed by Spike Jonze Genres Romance, Drama, Sci-Fi Runtime 126 minutes" in page
    assert her.added_by == member


def test_a_film_added_from_the_board_goes_back_to_the_search(live, member_client):
    response = member_client.post(
        NEW_FILM, {"title": "Get Out", "year": "2017", "next": board_url(live)}
    )
    assert response.status_code == 302
    assert response["Location"] == board_url(live) + "?q=Get+Out"


def test_only_league_members_add_films(outsider_client, client):
    for response in (
        outsider_client.get(NEW_FILM),
        outsider_client.post(NEW_FILM, {"title": "Her", "year": "2013"}),
    ):
        assert response.status_code == 403
    anonymous = client.post(NEW_FILM, {"title": "Her", "year": "2013"})
    assert anonymous.status_code == 302
    assert anonymous["Location"] == login_url(NEW_FILM)
    assert not Movie.objects.exists()


def test_the_same_film_twice_is_refused_whatever_the_accents_and_case(league, member_client):
    make_movie("Amélie", 2001, ["Comedy", "Romance"])

    response = member_client.post(NEW_FILM, {"title": "AMELIE", "year": "2001"})

    assert response.status_code == 200
    assert "Amélie (2001) is already in the catalog." in text(response)
    assert Movie.objects.count() == 1


def test_a_near_duplicate_asks_did_you_mean_then_adds_once_confirmed(league, member_client):
    matrix = make_movie("The Matrix", 1999, ["Action", "Sci-Fi"])
    data = {"title": "Matrix", "year": "1999"}

    response = member_client.post(NEW_FILM, data)

    assert response.status_code == 200
    page = text(response)
    assert (
        "Did you mean The Matrix (1999)? If yours is a different film, confirm and add it." in page
    )
    assert "Already in the catalog The Matrix (1999)" in page
    assert f'href="{matrix.get_absolute_url()}"' in html_of(response)
    assert "Yes, this is a different film from the ones suggested" in page  # the confirmation box
    assert Movie.objects.count() == 1

    response = member_client.post(NEW_FILM, {**data, "confirmed_new": "on"}, follow=True)

    assert messages_of(response) == ["Matrix (1999) added to the catalog."]
    assert sorted(Movie.objects.values_list("title", flat=True)) == ["Matrix", "The Matrix"]


def result_titles(response) -> list[str]:
    return [
        unescape(title)
        for title in re.findall(r'<span class="result__title">([^<]+?) <', html_of(response))
    ]


def test_search_puts_the_exact_title_first_then_titles_that_start_with_it(
    commissioner, member, other_member, member_client
):
    setup = four_by_three(commissioner, [member, other_member], movies=0)
    for title, year in [
        ("Brother Bear", 2003),
        ("Big Hero 6", 2014),
        ("Hereditary", 2018),
        ("Her", 2013),
        ("Alien", 1979),
    ]:
        make_movie(title, year)

    response = member_client.get(search_url(setup), {"q": "her"})

    # Exact, then the start of the title, then the start of a word, then anywhere.
    assert result_titles(response) == ["Her", "Hereditary", "Big Hero 6", "Brother Bear"]


def test_search_ignores_accents_and_case(commissioner, member, other_member, member_client):
    setup = four_by_three(commissioner, [member, other_member], movies=0)
    make_movie("Amélie", 2001, ["Comedy", "Romance"])
    make_movie("Amores perros", 2000, ["Drama", "Thriller"])

    for query in ("amelie", "AMÉLIE", "Amelie"):
        response = member_client.get(search_url(setup), {"q": query})
        assert result_titles(response) == ["Amélie"], query


def test_the_film_page_lists_its_picks_only_where_the_viewer_may_look(
    commissioner, member, other_member, films, member_client, outsider_client
):
    hush = make_league(commissioner, [member, other_member], name="Hush", is_public=False)
    setup = four_by_three(commissioner, [member, other_member], league=hush, movies=0)
    make_pick(draft_id=setup.draft.pk, user=member, movie_id=films["psycho"].pk, expected_slot=1)
    url = films["psycho"].get_absolute_url()

    drafted = text(member_client.get(url))
    assert "Drafted in Test Draft — Round 1, Pick 1" in drafted
    assert "Strange Dylan in Horror/Thriller (Hush)" in drafted

    hidden = text(outsider_client.get(url))
    assert "Psycho (1960)" in hidden
    assert "Nobody has drafted this film yet." in hidden
    assert "Hush" not in hidden
