"""Regressions of issue 9, as an attacker found them on a production-like server: control
characters in the path, the query and the forms; numbers that str.isdigit() accepts and int()
does not. Each ran into a 500 before; none may now, on PostgreSQL or SQLite."""

import xml.etree.ElementTree as ET

import pytest
from django.test import Client
from django.urls import reverse

from draft.models import Draft, Membership
from reviews.models import BloggerProfile, Writeup
from tests.reviews.test_pages import assert_valid_atom

pytestmark = pytest.mark.django_db


def feed_urls(setup, username="dylan"):
    return [
        reverse("reviews:feed"),
        reverse("reviews:league_feed", args=[setup.league.slug]),
        reverse("reviews:blogger_feed", args=[username]),
    ]


def test_control_characters_typed_into_forms_never_reach_a_feed(
    league_setup, published, dylans_pick, member_client, commissioner_client
):
    """Finding 3: one control character in a draft name, a writeup or a profile name made all
    three Atom feeds answer 500."""
    setup = league_setup
    # A started draft's name is frozen: the name typed with a control character goes into a
    # new draft of the league, and its feed entries come from the writeup below.
    response = commissioner_client.post(
        reverse("draft:draft_new", args=[setup.league.slug]),
        {
            "name": "Next\x01 Draft",
            "order": "snake",
            "category_mode": "per_round",
            "categories": "Wildcard\x02",
        },
    )
    assert response.status_code == 302
    assert Draft.objects.filter(league=setup.league, name="Next Draft").exists()
    response = member_client.post(
        reverse(
            "reviews:writeup_edit",
            args=[setup.league.slug, setup.draft.slug, dylans_pick.round, 1],
        ),
        {"body": "Bell\x07 and\x00 escape\x1b[31m", "action": "save"},
    )
    assert response.status_code == 302
    response = member_client.post(
        reverse("profile_edit"),
        {"display_name": "Dylan\x08", "blog_name": "", "blog_url": "", "bio": "\x0bbio"},
    )
    assert response.status_code == 302

    assert Writeup.objects.get(pk=published.pk).body == "Bell and escape[31m"
    assert BloggerProfile.objects.get(user__username="dylan").display_name == "Dylan"
    for url in feed_urls(setup):
        response = member_client.get(url)
        assert response.status_code == 200, url
        root = assert_valid_atom(response.content)
        assert "Bell and escape" in ET.tostring(root, encoding="unicode")


def test_feeds_leave_out_control_characters_already_stored(league_setup, published):
    """Rows written before the input layer, by the admin or by an import still carry them."""
    Draft.objects.filter(pk=league_setup.draft.pk).update(name="Old\x01 Draft")
    Membership.objects.filter(user__username="dylan").update(display_name="Strange\x02 Dylan")
    Writeup.objects.filter(pk=published.pk).update(body_html="<p>stored\x03 bell</p>")
    BloggerProfile.objects.create(user=published.author, display_name="Dy\x04lan")
    for url in feed_urls(league_setup):
        response = Client().get(url)
        assert response.status_code == 200, url
        text = ET.tostring(assert_valid_atom(response.content), encoding="unicode")
        assert "Old Draft" in text and "Strange Dylan" in text and "stored bell" in text


@pytest.mark.parametrize(
    "url",
    [
        "/search/?q=%00",
        "/search/?q=film%00noir%01",
        "/bloggers/%00/",
        "/bloggers/dy%00lan/",
        "/feeds/bloggers/%00.atom",
        "/feeds/leagues/%00.atom",
        "/leagues/%00/",
    ],
)
def test_nul_bytes_in_the_path_or_the_query_are_never_a_500(client, league_setup, url):
    """Finding 6: PostgreSQL refuses NUL in text; every one of these was a 500 there."""
    response = client.get(url)
    if url.startswith("/search/"):
        assert response.status_code == 200
        assert "Search" in response.content.decode()
    else:
        assert response.status_code == 404


def test_a_nul_byte_in_the_board_name_form_is_dropped(league_setup, member, member_client):
    dylan = Membership.objects.get(league=league_setup.league, user=member)
    response = member_client.post(
        reverse("draft:member_rename", args=[league_setup.league.slug, dylan.pk]),
        {"display_name": "Dylan\x00 the Strange"},
    )
    assert response.status_code == 302
    dylan.refresh_from_db()
    assert dylan.display_name == "Dylan the Strange"


@pytest.mark.parametrize("category", ["²", "٣", "9" * 40, "-1", "1e3"])
def test_board_search_ignores_a_category_that_is_not_a_number(
    league_setup, member_client, category
):
    """Finding 7: "?category=²" passed str.isdigit() and failed int(): a 500."""
    url = reverse("draft:search", args=[league_setup.league.slug, league_setup.draft.slug])
    response = member_client.get(url, {"q": "film", "category": category})
    assert response.status_code == 200


@pytest.mark.parametrize("question", ["round-9223372036854775808", "round-" + "9" * 40])
def test_a_vote_on_a_question_past_any_round_is_refused_with_a_message(
    client, league_setup, question
):
    from reviews.models import DraftReaderSettings

    DraftReaderSettings.objects.create(draft=league_setup.draft, voting_open=True)
    url = reverse("reviews:vote", args=[league_setup.league.slug, league_setup.draft.slug, "x"])
    url = url.replace("/x/", f"/{question}/")
    response = client.post(url, {"choice": "²"}, follow=True)
    assert response.status_code == 200
    assert "There is no such question." in response.content.decode()


# --- Finding 4: "next" values ---------------------------------------------------------------

HOSTILE_NEXT = ["welcome", "/\\evil.example/", "//evil.example", "https://evil.example/"]


def assert_stays_on_site(response):
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location


@pytest.mark.parametrize("next_value", HOSTILE_NEXT)
def test_sign_up_with_a_strange_next_lands_at_home(client, next_value):
    response = client.post(
        reverse("signup") + "?next=" + next_value,
        {
            "username": "newbie",
            "email": "newbie@example.com",
            "password1": "a long and fine password",
            "password2": "a long and fine password",
        },
    )
    assert_stays_on_site(response)
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("next_value", HOSTILE_NEXT)
def test_votes_and_the_voting_toggle_ignore_a_strange_next(
    client, commissioner_client, league_setup, next_value
):
    from reviews.models import DraftReaderSettings, Vote

    DraftReaderSettings.objects.create(draft=league_setup.draft, voting_open=True)
    args = [league_setup.league.slug, league_setup.draft.slug]
    recap = reverse("reviews:recap", args=args)
    response = client.post(
        reverse("reviews:vote", args=[*args, "round-1"]),
        {"choice": league_setup.picks[0].pk, "next": next_value},
    )
    assert_stays_on_site(response)
    assert response["Location"] == recap and Vote.objects.count() == 1
    response = commissioner_client.post(
        reverse("reviews:voting_toggle", args=args), {"open": "0", "next": next_value}
    )
    assert_stays_on_site(response)
    assert response["Location"] == recap


@pytest.mark.parametrize("next_value", HOSTILE_NEXT)
def test_comment_moderation_ignores_a_strange_next(
    client, member_client, published, dylans_pick, next_value
):
    from reviews.models import Comment

    client.post(
        dylans_pick.get_absolute_url() + "comments/",
        {"body": "Nice pick.", "name": "Rita", "email": "rita@example.com"},
    )
    comment = Comment.objects.get()
    url = dylans_pick.get_absolute_url() + f"comments/{comment.pk}/delete/"
    response = member_client.post(url, {"next": next_value})
    assert_stays_on_site(response)
    assert response["Location"] == dylans_pick.get_absolute_url() + "#comments"


@pytest.mark.parametrize("next_value", HOSTILE_NEXT)
def test_the_queue_and_new_film_forms_ignore_a_strange_next(
    member_client, league_setup, next_value
):
    args = [league_setup.league.slug, league_setup.draft.slug]
    film = league_setup.free_movie()
    response = member_client.post(
        reverse("draft:queue_action", args=[*args, "add"]),
        {"movie": film.pk, "next": next_value},
    )
    assert_stays_on_site(response)
    assert response["Location"] == reverse("draft:queue", args=args)
    response = member_client.post(
        reverse("draft:movie_new"), {"title": "A Brand New Film", "year": 2024, "next": next_value}
    )
    assert_stays_on_site(response)
    assert response["Location"].startswith("/movies/")


@pytest.mark.parametrize("query", ["²", "her ²", "99999999999999999999999", "1975 ٣"])
def test_search_with_odd_digits_answers(client, query):
    """A word of digits may be a year; "²" passes str.isdigit() and then broke int()."""
    response = client.get("/search/", {"q": query})
    assert response.status_code == 200
