"""Members' own ratings from their Letterboxd ratings.csv: matched by address, then by title and
year; applied as an upsert; a broken file refused whole with a message on the page; the league
rating the standings read."""

import csv
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from draft.models import Membership
from draft.services.leagues import join_league, remove_member
from results.letterboxd import (
    MAX_BYTES,
    read_ratings,
    upload_ratings,
)
from results.models import LetterboxdLink, MemberRating
from results.selectors import league_ratings
from tests.draft.factories import make_league, make_movie, make_movies, make_user

pytestmark = pytest.mark.django_db

HEADER = ["Date", "Name", "Year", "Letterboxd URI", "Rating"]
PAGE = "/ratings/"


def ratings_csv(rows, *, header=HEADER, bom=False) -> bytes:
    """A ratings.csv as Letterboxd writes it: rows are (name, year, uri, rating)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for name, year, uri, rating in rows:
        writer.writerow(["2024-01-05", name, year, uri, rating])
    return ("\ufeff" if bom else "").encode() + out.getvalue().encode()


def upload(content: bytes, name: str = "ratings.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="text/csv")


def ratings_of(user) -> dict[str, Decimal]:
    return dict(MemberRating.objects.filter(user=user).values_list("movie__title", "rating"))


@pytest.fixture
def films():
    return {
        "amelie": make_movie("Amélie", 2001),
        "heat": make_movie("Heat", 1995),
        "her": make_movie("Her", 2013),
        "alien": make_movie("Alien", 1979),
    }


# --- Matching ---------------------------------------------------------------------------------


def test_a_row_matches_by_normalized_title_and_year_and_its_address_is_learnt(member, films):
    content = ratings_csv([("AMELIE", "2001", "https://boxd.it/2bg8", "4.5")])
    outcome = upload_ratings(user=member, file=upload(content))
    assert (outcome.read, outcome.new, outcome.matched, outcome.unmatched) == (1, 1, 1, [])
    assert ratings_of(member) == {"Amélie": Decimal("4.5")}
    assert LetterboxdLink.objects.get(uri="https://boxd.it/2bg8").movie == films["amelie"]
    assert outcome.links_learnt == 1


def test_the_same_title_in_another_year_is_not_the_film(member, films):
    outcome = upload_ratings(user=member, file=upload(ratings_csv([("Heat", "1986", "", "3")])))
    assert outcome.matched == 0
    assert [(r.line, r.name, r.year) for r in outcome.unmatched] == [(2, "Heat", 1986)]


def test_a_renamed_film_is_found_by_its_address(member, other_member, films):
    first = ratings_csv([("Heat", "1995", "https://boxd.it/2aHi", "4")])
    upload_ratings(user=member, file=upload(first))
    # Letterboxd renames the film; its address stays. No catalog film has the new title.
    renamed = ratings_csv(
        [("Heat: Director's Definitive Edition", "1996", "https://boxd.it/2aHi", "5")]
    )
    outcome = upload_ratings(user=other_member, file=upload(renamed))
    assert (outcome.new, outcome.unmatched) == (1, [])
    assert ratings_of(other_member) == {"Heat": Decimal("5.0")}
    assert LetterboxdLink.objects.count() == 1


def test_the_address_wins_over_the_title(member, films):
    LetterboxdLink.objects.create(uri="https://boxd.it/abc", movie=films["her"])
    upload_ratings(
        user=member, file=upload(ratings_csv([("Alien", "1979", "https://boxd.it/abc", "2")]))
    )
    assert ratings_of(member) == {"Her": Decimal("2.0")}


def test_unmatched_rows_are_listed_with_their_line_name_and_year(member, films):
    content = ratings_csv(
        [
            ("Heat", "1995", "https://boxd.it/1", "4"),
            ("Not A Film We Have", "2020", "https://boxd.it/2", "3"),
            ("Alien", "1979", "https://boxd.it/3", "5"),
            (
                "Jeanne Dielman, 23 quai du Commerce, 1080 Bruxelles",
                "1975",
                "https://boxd.it/4",
                "5",
            ),
            ("A film without a year", "", "https://boxd.it/5", "1"),
        ]
    )
    outcome = upload_ratings(user=member, file=upload(content))
    assert (outcome.read, outcome.matched) == (5, 2)
    assert [(r.line, r.name, r.year) for r in outcome.unmatched] == [
        (3, "Not A Film We Have", 2020),
        (5, "Jeanne Dielman, 23 quai du Commerce, 1080 Bruxelles", 1975),
        (6, "A film without a year", None),
    ]
    # Only matched rows teach an address.
    assert set(LetterboxdLink.objects.values_list("uri", flat=True)) == {
        "https://boxd.it/1",
        "https://boxd.it/3",
    }


def test_control_characters_in_names_are_stripped(member, films):
    content = ratings_csv([("Am\x07\x1bélie", "2001", "", "4"), ("Lost\x08 Film", "1999", "", "3")])
    outcome = upload_ratings(user=member, file=upload(content))
    assert ratings_of(member) == {"Amélie": Decimal("4.0")}
    assert [r.name for r in outcome.unmatched] == ["Lost Film"]


def test_a_byte_order_mark_is_accepted(member, films):
    content = ratings_csv([("Her", "2013", "https://boxd.it/her", "5")], bom=True)
    assert content.startswith(b"\xef\xbb\xbf")
    outcome = upload_ratings(user=member, file=upload(content))
    assert outcome.new == 1


# --- Applying ---------------------------------------------------------------------------------


def test_an_upload_replaces_the_films_it_names_and_keeps_the_others(member, films):
    upload_ratings(
        user=member,
        file=upload(ratings_csv([("Heat", "1995", "", "3"), ("Alien", "1979", "", "4")])),
    )
    outcome = upload_ratings(
        user=member,
        file=upload(ratings_csv([("Heat", "1995", "", "4.5"), ("Her", "2013", "", "2")])),
    )
    assert (outcome.new, outcome.changed, outcome.unchanged) == (1, 1, 0)
    assert ratings_of(member) == {
        "Heat": Decimal("4.5"),
        "Alien": Decimal("4.0"),
        "Her": Decimal("2.0"),
    }


def test_a_second_identical_upload_changes_nothing(member, films):
    content = ratings_csv(
        [("Heat", "1995", "https://boxd.it/h", "3"), ("Alien", "1979", "https://boxd.it/a", "5")]
    )
    upload_ratings(user=member, file=upload(content))
    before = list(MemberRating.objects.order_by("pk").values_list("pk", "rating", "updated_at"))
    links = list(LetterboxdLink.objects.order_by("pk").values_list("pk", "uri", "movie_id"))
    outcome = upload_ratings(user=member, file=upload(content))
    assert (outcome.new, outcome.changed, outcome.unchanged, outcome.links_learnt) == (0, 0, 2, 0)
    assert (
        list(MemberRating.objects.order_by("pk").values_list("pk", "rating", "updated_at"))
        == before
    )
    assert list(LetterboxdLink.objects.order_by("pk").values_list("pk", "uri", "movie_id")) == links


def test_the_members_ratings_are_their_own(member, other_member, films):
    upload_ratings(user=member, file=upload(ratings_csv([("Heat", "1995", "", "3")])))
    upload_ratings(user=other_member, file=upload(ratings_csv([("Heat", "1995", "", "1")])))
    assert ratings_of(member) == {"Heat": Decimal("3.0")}
    assert ratings_of(other_member) == {"Heat": Decimal("1.0")}


def _queries_of_an_upload(user, rows) -> int:
    with CaptureQueriesContext(connection) as queries:
        outcome = upload_ratings(user=user, file=upload(ratings_csv(rows)))
    assert outcome.new == len([r for r in rows if not r[0].startswith("Missing")])
    return len(queries)


def test_the_queries_of_an_upload_do_not_grow_with_its_rows(member, other_member):
    catalog = make_movies(500)

    def rows(count, prefix):
        # Each film by title and year (its address learnt), and one row in ten not in the catalog.
        found = [
            (m.title.upper(), str(m.year), f"https://boxd.it/{prefix}{m.pk}", "3.5")
            for m in catalog[:count]
        ]
        missing = [(f"Missing {n}", "2001", "", "2") for n in range(count // 10)]
        return found + missing

    small = _queries_of_an_upload(member, rows(50, "a"))
    large = _queries_of_an_upload(other_member, rows(500, "b"))
    # The member's lock, the due results, the addresses, the titles, the new addresses, the
    # member's ratings, the ratings written (and the savepoint around them).
    assert small == large
    assert large <= 10


# --- Refusals ---------------------------------------------------------------------------------

GOOD_ROW = ("Heat", "1995", "https://boxd.it/h", "4")
WATCHED = "Date,Name,Year,Letterboxd URI\n2024-01-01,Heat,1995,https://boxd.it/h\n"
REFUSED = {
    "watched.csv": (WATCHED.encode(), "no Rating column", "watched.csv"),
    "other columns": (b"Title,Stars\nHeat,4\n", "no Name, Year or Rating column", "Title, Stars"),
    "NUL bytes": (ratings_csv([GOOD_ROW]).replace(b"Heat", b"He\x00at"), "NUL bytes", ""),
    "Latin-1": (
        ratings_csv([("Amélie", "2001", "", "4")]).decode().encode("latin-1"),
        "not UTF-8",
        "",
    ),
    "UTF-16": (ratings_csv([GOOD_ROW]).decode().encode("utf-16"), "not UTF-8", ""),
    "the zip": (b"PK\x03\x04" + b"\x00" * 40, ".zip file", "unzip it"),
    "empty": (b"", "This file is empty", "ratings.csv"),
    "header only": (ratings_csv([]), "no ratings", ""),
    "the same film twice": (
        ratings_csv([GOOD_ROW, ("Alien", "1979", "", "3"), GOOD_ROW]),
        "twice: lines 2 and 4",
        "Heat, 1995",
    ),
    "the same title and year twice, no address": (
        ratings_csv([("Alien", "1979", "", "3"), ("ALIEN", "1979", "", "4")]),
        "twice: lines 2 and 3",
        "",
    ),
    "two addresses that are one film": (
        ratings_csv(
            [
                ("Alien", "1979", "https://boxd.it/x", "3"),
                ("Alien", "1979", "https://boxd.it/y", "4"),
            ]
        ),
        "twice: lines 2 and 3",
        "",
    ),
    "rating over 5": (
        ratings_csv([GOOD_ROW, ("Her", "2013", "", "6")]),
        "Line 3 (Her)",
        "0.5 to 5",
    ),
    "a quarter star": (ratings_csv([("Her", "2013", "", "4.25")]), "Line 2", "“4.25”"),
    "rating 0": (ratings_csv([("Her", "2013", "", "0")]), "Line 2", "half stars"),
    "no rating": (ratings_csv([("Her", "2013", "", "")]), "Line 2", "half stars"),
    "a word": (ratings_csv([("Her", "2013", "", "NaN")]), "Line 2", "“NaN”"),
    "a year that is not": (
        ratings_csv([GOOD_ROW, ("Her", "2O13", "", "4")]),
        "Line 3 (Her)",
        "“2O13” is not a year",
    ),
    "a negative year": (ratings_csv([("Her", "-13", "", "4")]), "Line 2", "is not a year"),
    "a 100 KB name": (
        ratings_csv([GOOD_ROW, ("x" * 100_000, "2001", "", "4")]),
        "Line 3 is not a film",
        "100,000 characters",
    ),
    "a 200 KB name": (
        ratings_csv([GOOD_ROW, ("x" * 200_000, "2001", "", "4")]),
        "Line 3 is not a row",
        "",
    ),
    "no name": (ratings_csv([("\x07 ", "2001", "", "4")]), "Line 2 has no film name", ""),
    "a comma outside quotes": (
        (",".join(HEADER) + "\n2024-01-01,Crouching Tiger, Hidden Dragon,2000,,4\n").encode(),
        "Line 2 has 6 values where the header has 5",
        "in quotes",
    ),
}


@pytest.fixture
def rated_before(member, films):
    """The member's ratings before the refused upload: a refusal must leave them as they are."""
    upload_ratings(
        user=member, file=upload(ratings_csv([("Alien", "1979", "https://boxd.it/a", "2")]))
    )
    return ratings_of(member), set(LetterboxdLink.objects.values_list("uri", "movie_id"))


@pytest.mark.parametrize("case", REFUSED)
def test_a_broken_file_is_refused_whole_with_a_message(case, member, rated_before):
    content, *words = REFUSED[case]
    with pytest.raises(ValidationError) as refused:
        upload_ratings(user=member, file=upload(content))
    message = " ".join(refused.value.messages)
    for word in filter(None, words):
        assert word in message
    assert (
        ratings_of(member),
        set(LetterboxdLink.objects.values_list("uri", "movie_id")),
    ) == rated_before


@pytest.mark.parametrize("case", REFUSED)
def test_the_refusal_is_on_the_page_and_changes_nothing(case, member, member_client, rated_before):
    content, *words = REFUSED[case]
    response = member_client.post(PAGE, {"ratings": upload(content)})
    assert response.status_code == 200
    text = response.content.decode()
    for word in filter(None, words):
        assert word in text or word.replace("“", "&ldquo;") in text, word
    assert "Your upload" not in text
    assert (
        ratings_of(member),
        set(LetterboxdLink.objects.values_list("uri", "movie_id")),
    ) == rated_before


class FiftyMegabytes:
    """An upload of 50 MB that fails the test if more than a few bytes of it are read."""

    size = 50 * 1024 * 1024

    def seek(self, offset):
        pass

    def read(self, count=-1):
        raise AssertionError("a file over the limit was read")


def test_a_50_mb_file_is_refused_before_it_is_read(member):
    with pytest.raises(ValidationError) as refused:
        read_ratings(FiftyMegabytes())
    assert refused.value.messages[0].startswith("This file is 50.0\xa0MB")


def test_a_file_without_a_size_is_read_no_further_than_the_limit():
    stream = io.BytesIO(b"x" * (MAX_BYTES + 10))
    with pytest.raises(ValidationError) as refused:
        read_ratings(stream)
    assert refused.value.messages[0].startswith("This file is larger")
    assert stream.tell() == MAX_BYTES + 1


def test_a_50_mb_upload_to_the_page_is_dropped_as_it_arrives(member, member_client, rated_before):
    # config/uploads.py drops the file past 10 MB, before any more of it is kept.
    big = upload(b"Date,Name,Year,Letterboxd URI,Rating\n" + b"x" * (50 * 1024 * 1024))
    response = member_client.post(PAGE, {"ratings": big})
    assert "The file is over 10.0\xa0MB" in response.content.decode()
    assert ratings_of(member) == rated_before[0]


# --- The league rating ------------------------------------------------------------------------


def test_league_ratings_is_the_mean_of_current_members_and_how_many(
    django_assert_num_queries, commissioner, member, other_member, outsider
):
    fourth, leaver = make_user("fourth"), make_user("leaver")
    league = make_league(commissioner, [member, other_member, fourth, leaver])
    make_league(outsider, name="Another League")
    a, b, c, d, e, unrated, not_asked = make_movies(7)

    def rate(user, movie, value):
        MemberRating.objects.create(user=user, movie=movie, rating=Decimal(value))

    for user, value in [(member, "4"), (other_member, "4.5"), (commissioner, "5")]:
        rate(user, a, value)  # 13.5 / 3 = 4.5
    rate(member, b, "3.5")  # rated by one member
    for user, value in [
        (member, "1.5"),
        (other_member, "1.5"),
        (commissioner, "1.5"),
        (fourth, "2"),
    ]:
        rate(user, c, value)  # 6.5 / 4 = 1.625: half up to 1.63
    for user, value in [(member, "2"), (other_member, "2.5"), (fourth, "2.5")]:
        rate(user, d, value)  # 7 / 3 = 2.333…
    rate(leaver, d, "0.5")  # left the league: not counted
    rate(outsider, d, "5")  # never a member of it: not counted
    rate(leaver, e, "5")  # rated only by the member who left
    rate(member, not_asked, "5")
    remove_member(
        league=league, actor=leaver, membership=Membership.objects.get(league=league, user=leaver)
    )

    with django_assert_num_queries(1):
        found = league_ratings(league, [a.pk, b.pk, c.pk, d.pk, e.pk, unrated.pk])
    assert found == {
        a.pk: (Decimal("4.50"), 3),
        b.pk: (Decimal("3.50"), 1),
        c.pk: (Decimal("1.63"), 4),
        d.pk: (Decimal("2.33"), 3),
    }
    assert str(found[b.pk][0]) == "3.50"


def test_league_ratings_of_no_films_asks_nothing(django_assert_num_queries, commissioner):
    league = make_league(commissioner)
    with django_assert_num_queries(0):
        assert league_ratings(league, []) == {}


def test_a_member_who_comes_back_counts_again(commissioner, member):
    league = make_league(commissioner, [member])
    (film,) = make_movies(1)
    MemberRating.objects.create(user=member, movie=film, rating=Decimal("3"))
    remove_member(
        league=league, actor=member, membership=Membership.objects.get(league=league, user=member)
    )
    assert league_ratings(league, [film.pk]) == {}
    join_league(user=member, league=league, token=league.invite_token)
    assert league_ratings(league, [film.pk]) == {film.pk: (Decimal("3.00"), 1)}


# --- The page ---------------------------------------------------------------------------------


def test_an_anonymous_reader_is_sent_to_log_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/ratings/"


def test_a_member_sees_how_many_films_they_rated(member, member_client, films):
    response = member_client.get(PAGE)
    assert "You have not rated any film here yet." in response.content.decode()
    assert "Settings → Data → Export your data" in response.content.decode()
    for film in ("heat", "alien"):
        MemberRating.objects.create(user=member, movie=films[film], rating=Decimal("3"))
    response = member_client.get(PAGE)
    assert response.status_code == 200
    assert "You have rated <strong>2</strong> films here" in response.content.decode()
    assert 'for="id_ratings">Your ratings.csv</label>' in response.content.decode()


def test_the_page_costs_a_fixed_few_queries(member_client, django_assert_num_queries):
    # The session, the user, the member's count of ratings and their last change.
    with django_assert_num_queries(3):
        assert member_client.get(PAGE).status_code == 200


def test_an_upload_shows_what_it_did_on_the_answer(member, member_client, films):
    content = ratings_csv(
        [
            ("Heat", "1995", "https://boxd.it/h", "4"),
            ("The Lost Reel", "1931", "https://boxd.it/l", "3"),
        ]
    )
    response = member_client.post(PAGE, {"ratings": upload(content)})
    assert response.status_code == 200
    text = response.content.decode()
    assert "Your upload: 1 of 2 films matched" in text
    assert "These films are not in the catalog: 1" in text
    assert "<td>3</td><td>The Lost Reel</td><td>1931</td>" in text
    assert "A commissioner can add a film" in text
    assert "You have rated <strong>1</strong> film here" in text


def test_a_hostile_film_name_is_escaped(member, member_client):
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    response = member_client.post(
        PAGE, {"ratings": upload(ratings_csv([(hostile, "2001", "", "4")]))}
    )
    text = response.content.decode()
    assert "<script>alert" not in text and "<img src=x" not in text
    assert (
        "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"
        in text
    )


def test_no_file_chosen_is_a_message_on_the_form(member_client):
    response = member_client.post(PAGE, {})
    assert response.status_code == 200
    assert "Choose your ratings.csv to upload." in response.content.decode()


def test_a_post_without_the_csrf_token_is_refused(member, films):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(member)
    response = browser.post(PAGE, {"ratings": upload(ratings_csv([GOOD_ROW]))})
    assert response.status_code == 403
    response = browser.post(PAGE, {"action": "remove", "confirm": "yes"})
    assert response.status_code == 403
    assert MemberRating.objects.count() == 0


def test_other_methods_are_405(member_client):
    assert member_client.put(PAGE).status_code == 405
    assert member_client.delete(PAGE).status_code == 405
    assert member_client.head(PAGE).status_code == 200


def test_removing_all_ratings_asks_for_the_box_to_be_ticked(
    member, member_client, other_member, films
):
    for user in (member, other_member):
        upload_ratings(user=user, file=upload(ratings_csv([GOOD_ROW, ("Her", "2013", "", "3")])))
    page = member_client.get(PAGE).content.decode()
    assert "Yes, remove all 2 of my film ratings" in page
    response = member_client.post(PAGE, {"action": "remove"})
    assert response.status_code == 200
    assert "Tick the box to say you mean it" in response.content.decode()
    assert len(ratings_of(member)) == 2

    response = member_client.post(PAGE, {"action": "remove", "confirm": "yes"}, follow=True)
    assert response.redirect_chain == [(PAGE, 302)]
    assert "Removed your 2 film ratings." in response.content.decode()
    assert "You have not rated any film here yet." in response.content.decode()
    assert ratings_of(member) == {}
    assert len(ratings_of(other_member)) == 2
    # The addresses learnt are the catalog's, not the member's: they stay.
    assert LetterboxdLink.objects.filter(uri="https://boxd.it/h").exists()
