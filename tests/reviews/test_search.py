"""Reader search on both databases: titles made only of stop words ("Her", "It", "Up", "Once")
are found, a year narrows a title, title matches come before writeups that mention the word,
and writeups are still searched by their words."""

import pytest
from django.urls import reverse

from reviews import selectors, services
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


def titles(hits):
    return [f"{hit.pick.movie.title} ({hit.pick.movie.year})" for hit in hits]


@pytest.mark.parametrize("word", ["Her", "her", "It", "it", "Up", "up", "Once", "once"])
def test_a_title_of_stop_words_is_found(drafted, word):
    hits = selectors.search(word, _anonymous())
    assert titles(hits)[0].split(" (")[0] == word.capitalize()


def test_a_year_narrows_a_title(drafted):
    assert titles(selectors.search("her 2013", _anonymous())) == ["Her (2013)"]
    assert titles(selectors.search("her 1999", _anonymous())) == ["Her (1999)"]


def test_title_matches_come_before_writeups_that_mention_the_word(drafted):
    found = titles(selectors.search("her", _anonymous()))
    assert set(found[:2]) == {"Her (2013)", "Her (1999)"}
    assert "It (2017)" in found[2:]  # its writeup says "her"


def test_writeups_are_searched_by_their_words(drafted):
    assert titles(selectors.search("balloon", _anonymous())) == ["It (2017)"]
    assert titles(selectors.search("small town loneliness", _anonymous())) == ["It (2017)"]


def test_the_search_page_finds_her_and_lists_her_first(client, drafted):
    response = client.get(reverse("reviews:search"), {"q": "her"})
    page = response.content.decode()
    assert "results for “her”" in page
    her = drafted.picks["Her2013"].get_absolute_url()
    it = drafted.picks["It2017"].get_absolute_url()
    assert page.index(her) < page.index(it)


def _anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()
