"""What machines read on the reader pages: Atom entry ids that belong to this installation, the
league's feed linked from its page, valid <time datetime> values, comments named by headings."""

import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime

import pytest
import time_machine
from django.urls import reverse

from reviews import services
from tests.draft.factories import make_league
from tests.reviews.test_comments import anon, comment_url
from tests.web.conftest import element, html_of

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
PUBLISHED = datetime(2024, 5, 1, 23, 30, 15, 123456, tzinfo=UTC)


@pytest.fixture
def published_then(dylans_pick, member):
    with time_machine.travel(PUBLISHED, tick=False):
        return services.save_writeup(pick=dylans_pick, actor=member, body="Fine.", publish=True)


def entry_ids(client, url):
    root = ET.fromstring(client.get(url).content)
    return [entry.find(f"{ATOM}id").text for entry in root.findall(f"{ATOM}entry")]


def test_atom_entry_ids_are_tag_uris_of_this_site_and_the_publication_day(
    client, settings, league_setup, published_then
):
    settings.SITE_URL = "https://Draft.Example.com:8443/"
    expected = f"tag:draft.example.com,2024-05-01:writeup/{published_then.pk}"
    for url in [
        reverse("reviews:feed"),
        reverse("reviews:league_feed", args=[league_setup.league.slug]),
        reverse("reviews:blogger_feed", args=["dylan"]),
    ]:
        assert entry_ids(client, url) == [expected]

    settings.SITE_URL = "https://other.example"
    assert entry_ids(client, reverse("reviews:feed")) == [
        f"tag:other.example,2024-05-01:writeup/{published_then.pk}"
    ]


def test_an_entry_id_survives_unpublishing_and_republishing(
    client, league_setup, published_then, member
):
    before = entry_ids(client, reverse("reviews:feed"))
    services.unpublish_writeup(writeup=published_then, actor=member)
    services.save_writeup(pick=published_then.pick, actor=member, body="Finer.", publish=True)
    assert entry_ids(client, reverse("reviews:feed")) == before


def test_the_league_page_links_its_feed(client, league_setup):
    feed = reverse("reviews:league_feed", args=[league_setup.league.slug])
    page = html_of(client.get(league_setup.league.get_absolute_url()))
    head = page.split("</head>")[0]
    assert (
        f'<link rel="alternate" type="application/atom+xml" title="Test League — writeups" '
        f'href="{feed}">' in head
    )
    assert f'<a href="{feed}">Atom feed</a>' in page


def test_a_private_league_page_links_no_feed(commissioner, member, member_client):
    league = make_league(commissioner, [member], name="Hush", is_public=False)
    page = html_of(member_client.get(league.get_absolute_url()))
    assert "application/atom+xml" not in page and "Atom feed" not in page


VALID_DATETIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4}$")


def test_time_elements_carry_valid_datetimes(client, league_setup, published_then, dylans_pick):
    client.post(comment_url(dylans_pick), anon())
    pages = [
        "/",
        dylans_pick.get_absolute_url(),
        reverse("draft:log", args=[league_setup.league.slug, league_setup.draft.slug]),
    ]
    for url in pages:
        values = re.findall(r'<time datetime="([^"]*)"', html_of(client.get(url)))
        assert values, url
        for value in values:
            assert VALID_DATETIME.match(value), (url, value)
    page = html_of(client.get(dylans_pick.get_absolute_url()))
    assert '<time datetime="2024-05-01T23:30:15+0000">1 May 2024</time>' in page


def test_comments_are_articles_named_by_their_authors_heading(client, published, dylans_pick):
    client.post(comment_url(dylans_pick), anon())
    top = dylans_pick.writeup.comments.get()
    client.post(comment_url(dylans_pick), anon(name="Ray Reply", body="Seconded.", parent=top.pk))
    reply = dylans_pick.writeup.comments.exclude(pk=top.pk).get()

    page = html_of(client.get(dylans_pick.get_absolute_url()))

    for comment, level in [(top, "h3"), (reply, "h4")]:
        article = element(page, f"comment-{comment.pk}")
        assert article.startswith(
            f'<article class="comment" id="comment-{comment.pk}" '
            f'aria-labelledby="comment-{comment.pk}-by">'
        )
        heading = re.search(
            rf'<{level} class="comment__heading" id="comment-{comment.pk}-by">', article
        )
        assert heading, article
        assert comment.author_name in element(article, f"comment-{comment.pk}-by")
