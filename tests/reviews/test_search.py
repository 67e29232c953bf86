"""Reader search on both databases: titles made only of stop words ("Her", "It", "Up", "Once")
are found, a year narrows a title, title matches come before writeups that mention the word,
writeups are still searched by their words; films are found by their directors, accents never
matter, a typo gets a "did you mean", and the page is one query whatever it finds."""

import pytest
from django.urls import reverse

from reviews import search, services
from tests.draft.factories import four_by_three, make_movie, open_categories, pick_on_clock

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafted(commissioner, member, other_member):
    """Round 1 of a 4 × 3 draft with any film allowed: Her (2013), It, Up, Once; and Her
    Smell's cousin, a 1999 film also called Her. Strange Dylan wrote up Up, and his writeup
    talks about her."""
    setup = four_by_three(commissioner, [member, other_member], categories=open_categories(3))
    films = [
        make_movie("Her", 2013, ["Romance", "Drama"]),
        make_movie("It", 2017, ["Horror"]),
        make_movie("Up", 2009, ["Animation"]),
        make_movie("Once", 2007, ["Music", "Romance"]),
        make_movie("Her", 1999, ["Drama"]),
    ]
    setup.picks = {
        movie.title + str(movie.year): pick_on_clock(setup, movie).pick for movie in films
    }
    services.save_writeup(
        pick=setup.picks["It2017"],
        actor=other_member,
        body="She said her balloon was red; a story of loneliness in a small town.",
        publish=True,
    )
    return setup


@pytest.fixture
def classics(drafted):
    """Four more picks of round 2 and 3, with their directors: 2001 (Kubrick), Amélie
    (Jeunet), The Godfather (Coppola), Todo sobre mi madre (Almodóvar)."""
    films = [
        make_movie("2001: A Space Odyssey", 1968, ["Sci-Fi"], directors=["Stanley Kubrick"]),
        make_movie("Amélie", 2001, ["Comedy"], directors=["Jean-Pierre Jeunet"]),
        make_movie("The Godfather", 1972, ["Crime"], directors=["Francis Ford Coppola"]),
        make_movie("Todo sobre mi madre", 1999, ["Drama"], directors=["Pedro Almodóvar"]),
    ]
    for movie in films:
        drafted.picks[movie.title] = pick_on_clock(drafted, movie).pick
    return drafted


def titles(results):
    return [f"{hit.pick.movie.title} ({hit.pick.movie.year})" for hit in results.hits]


@pytest.mark.parametrize("word", ["Her", "her", "It", "it", "Up", "up", "Once", "once"])
def test_a_title_of_stop_words_is_found(drafted, word):
    hits = search.search(word, _anonymous())
    assert titles(hits)[0].split(" (")[0] == word.capitalize()


def test_a_year_narrows_a_title(drafted):
    assert titles(search.search("her 2013", _anonymous())) == ["Her (2013)"]
    assert titles(search.search("her 1999", _anonymous())) == ["Her (1999)"]


def test_title_matches_come_before_writeups_that_mention_the_word(drafted):
    found = titles(search.search("her", _anonymous()))
    assert set(found[:2]) == {"Her (2013)", "Her (1999)"}
    assert "It (2017)" in found[2:]  # its writeup says "her"


def test_writeups_are_searched_by_their_words(drafted):
    assert titles(search.search("balloon", _anonymous())) == ["It (2017)"]
    assert titles(search.search("small town loneliness", _anonymous())) == ["It (2017)"]


def test_the_search_page_finds_her_and_lists_her_first(client, drafted):
    response = client.get(reverse("reviews:search"), {"q": "her"})
    page = response.content.decode()
    assert "results for “her”" in page
    her = drafted.picks["Her2013"].get_absolute_url()
    it = drafted.picks["It2017"].get_absolute_url()
    assert page.index(her) < page.index(it)


@pytest.mark.parametrize("query", ["Kubrick", "kubrick", "Stanley Kubrick", "STANLEY"])
def test_a_film_is_found_by_its_director(classics, query):
    assert titles(search.search(query, _anonymous())) == ["2001: A Space Odyssey (1968)"]


@pytest.mark.parametrize(
    "query, film",
    [
        ("amelie", "Amélie (2001)"),
        ("AMÉLIE", "Amélie (2001)"),
        ("Amélie", "Amélie (2001)"),
        ("almodovar", "Todo sobre mi madre (1999)"),
        ("Almodóvar", "Todo sobre mi madre (1999)"),
        ("jean-pierre jeunet", "Amélie (2001)"),
    ],
)
def test_accents_never_matter(classics, query, film):
    results = search.search(query, _anonymous())
    assert titles(results) == [film]
    assert results.suggestion == ""


def test_her_is_a_word_not_part_of_godfather(classics):
    found = titles(search.search("her", _anonymous()))
    assert set(found[:2]) == {"Her (2013)", "Her (1999)"}
    assert "The Godfather (1972)" not in found


def test_a_typo_gets_a_did_you_mean_and_the_picks_it_would_find(classics):
    results = search.search("godfater", _anonymous())
    assert results.suggestion == "The Godfather"
    assert titles(results) == ["The Godfather (1972)"]
    assert search.search("the godfater", _anonymous()).suggestion == "The Godfather"
    assert search.search("amelei", _anonymous()).suggestion == "Amélie"


def test_what_matches_gets_no_suggestion_and_nothing_close_gets_none(classics):
    assert search.search("godfather", _anonymous()).suggestion == ""
    nothing = search.search("zebra", _anonymous())
    assert (nothing.hits, nothing.suggestion) == ([], "")


def test_the_page_says_nothing_was_found_and_offers_the_correction(client, classics):
    response = client.get(reverse("reviews:search"), {"q": "godfater"})
    page = response.content.decode()
    assert "Nothing found for “godfater”" in page
    assert 'Did you mean <a href="/search/?q=The%20Godfather">The Godfather</a>?' in page
    assert classics.picks["The Godfather"].get_absolute_url() in page
    followed = client.get(reverse("reviews:search"), {"q": "The Godfather"}).content.decode()
    assert "1 result for “The Godfather”" in followed and "Did you mean" not in followed


@pytest.mark.parametrize("query", ["kubrick", "amelie", "godfater", "zebra", "her 2013"])
def test_the_search_page_is_one_query_whatever_it_finds(
    client, classics, django_assert_num_queries, query
):
    # 1 the matching (or, for a typo, the closest) picks with everything a result shows.
    with django_assert_num_queries(1):
        response = client.get(reverse("reviews:search"), {"q": query})
    assert response.status_code == 200


@pytest.mark.postgresql
def test_writeups_fold_accents_on_postgresql(classics):
    pick = classics.picks["Amélie"]
    services.save_writeup(
        pick=pick,
        actor=pick.seat.user,
        body="A café in Montmartre, and a gnome that travels.",
        publish=True,
    )
    assert titles(search.search("cafe montmartre", _anonymous())) == ["Amélie (2001)"]


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()
