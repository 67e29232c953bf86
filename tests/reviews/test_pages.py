"""The public reader pages: what they show, who may see them, their metadata, and a query count
that does not grow with what they show."""

import re
import xml.etree.ElementTree as ET
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from reviews import rules as reader_rules
from reviews import services
from reviews.models import BloggerProfile, Comment, DraftReaderSettings, Vote, Writeup
from tests.draft.factories import bulk_fill_picks, four_by_three, play_picks, sixteen_by_twenty
from tests.web.conftest import text

pytestmark = pytest.mark.django_db


def recap_url(setup):
    return reverse("reviews:recap", args=[setup.league.slug, setup.draft.slug])


def category_url(setup, slug):
    return reverse("reviews:category", args=[setup.league.slug, setup.draft.slug, slug])


# --- What the pages show ------------------------------------------------------------------


def test_pick_page_headline_film_blogger_and_neighbours(client, member, league_setup, published):
    BloggerProfile.objects.create(
        user=member, blog_name="Strange Frames", blog_url="https://frames.example"
    )
    pick = league_setup.picks[0]
    # (<wbr> lets "Horror/Thriller" wrap after its slash on a phone.)
    page = client.get(pick.get_absolute_url()).content.decode().replace("<wbr>", "")
    assert "Test Draft — Round 1, Pick 1</h1>" in page
    assert (
        f"Strange Dylan selects <cite>{pick.movie.title}</cite> ({pick.movie.year}) in Horror/Thriller"
        in page
    )
    assert '<a href="https://frames.example" rel="noopener">Strange Frames</a>' in page
    assert 'rel="next"' in page and league_setup.picks[1].get_absolute_url() in page
    assert 'rel="prev"' not in page  # 1.01 has no previous pick
    assert 'class="poster poster--blank' in page  # the generated placeholder
    # Sharing metadata.
    assert f'<link rel="canonical" href="http://testserver{pick.get_absolute_url()}">' in page
    assert '<meta property="og:type" content="article">' in page
    assert (
        f'<meta property="og:title" content="{pick.movie.title} — Test Draft, Round 1, Pick 1">'
        in page
    )
    assert '<meta property="og:description" content="A fine film. Second paragraph.">' in page


def test_unknown_picks_and_drafts_are_404(client, league_setup):
    base = f"/leagues/{league_setup.league.slug}/{league_setup.draft.slug}"
    assert client.get(f"{base}/round-3/pick-4/").status_code == 404  # not picked yet
    assert client.get(f"{base}/round-9/pick-1/").status_code == 404
    assert (
        client.get(f"/leagues/{league_setup.league.slug}/nope/round-1/pick-1/").status_code == 404
    )
    assert client.get(category_url(league_setup, "no-such-category")).status_code == 404


def test_recap_links_every_pick_and_marks_writeups(client, league_setup, published):
    page = client.get(recap_url(league_setup)).content.decode()
    for pick in league_setup.picks:
        assert pick.get_absolute_url() in page
    assert page.count("✎ writeup") == 1
    assert category_url(league_setup, "horror-thriller") in page
    assert '<link rel="canonical"' in page and "og:title" in page


def test_the_recap_grid_is_kept_until_a_pick_or_a_writeup_changes_it(
    client, league_setup, published, member, other_member
):
    """Issue 17: the recap's grid is rendered once per board version and set of published
    writeups; every change the grid shows still shows at once."""
    from unittest import mock

    from reviews import recap_grid

    def recap():
        with mock.patch.object(
            recap_grid, "render_to_string", wraps=recap_grid.render_to_string
        ) as r:
            page = client.get(recap_url(league_setup)).content.decode()
        return page, r.call_count

    page, renders = recap()
    assert page.count("✎ writeup") == 1 and renders == 1
    # Nothing the grid shows changed (a vote, a comment): the kept grid.
    DraftReaderSettings.objects.create(draft=league_setup.draft, voting_open=True)
    services.cast_vote(
        draft=league_setup.draft,
        question=Vote.DRAFT_QUESTION,
        choice_id=league_setup.picks[0].seat_id,
        voter="reader-1",
    )
    Comment.objects.create(writeup=published, author_name="Rita", body="Yes", body_html="Yes")
    page, renders = recap()
    assert page.count("✎ writeup") == 1 and renders == 0
    # A writeup published: its pen mark at once.
    services.save_writeup(pick=league_setup.picks[1], actor=other_member, body="Yes.", publish=True)
    page, renders = recap()
    assert page.count("✎ writeup") == 2 and renders == 1
    # Taken back: gone at once.
    services.unpublish_writeup(writeup=published, actor=member)
    page, renders = recap()
    assert page.count("✎ writeup") == 1 and renders == 1
    # A new pick: in the grid at once.
    pick = play_picks(league_setup, 1)[0]
    page, renders = recap()
    assert pick.get_absolute_url() in page and renders == 1


def test_category_page_lists_the_categorys_picks(client, league_setup, published):
    page = client.get(category_url(league_setup, "horror-thriller")).content.decode()
    assert page.count('class="entry card"') == 4  # round 1 is Horror/Thriller
    assert "A fine film." in page
    assert "<title>Horror/Thriller — Test Draft — Moviedraft</title>" in page


def test_blogger_page_shows_profile_and_every_pick(client, member, league_setup, published):
    BloggerProfile.objects.create(
        user=member, display_name="Strange Dylan", blog_url="https://frames.example", bio="Hi."
    )
    page = client.get(reverse("reviews:blogger", args=["dylan"])).content.decode()
    assert "<h1>Strange Dylan</h1>" in page and "https://frames.example" in page
    assert league_setup.picks[0].get_absolute_url() in page
    assert reverse("reviews:blogger_feed", args=["dylan"]) in page


def test_blogger_without_picks_or_profile_is_404(client, outsider):
    assert client.get(reverse("reviews:blogger", args=["olaf"])).status_code == 404
    assert client.get(reverse("reviews:blogger", args=["nobody"])).status_code == 404


def test_home_lists_latest_writeups_and_live_drafts(client, league_setup, published):
    page = client.get("/").content.decode()
    assert "Latest writeups" in page and league_setup.picks[0].get_absolute_url() in page
    assert "Drafting now" in page and recap_url(league_setup) in page
    # A tile names its league and draft: two leagues' "Round 1, Pick 1" are told apart.
    pick = league_setup.picks[0]
    kicker = f"{pick.draft.league.name} · {pick.draft.name} · Round {pick.round}, Pick {pick.pick_in_round}"
    assert kicker in text(client.get("/"))


def test_search_finds_by_film_blogger_category_and_words(client, league_setup, published):
    pick = league_setup.picks[0]
    for query in [pick.movie.title, "Strange Dylan", "Horror", "fine film"]:
        page = client.get(reverse("reviews:search"), {"q": query}).content.decode()
        assert pick.get_absolute_url() in page, query
    page = client.get(reverse("reviews:search"), {"q": "zebra"}).content.decode()
    assert "Nothing found" in page


def test_profile_edit(member_client, member):
    url = reverse("profile_edit")
    assert member_client.get(url).status_code == 200
    response = member_client.post(
        url,
        {
            "display_name": "Strange Dylan",
            "blog_name": "Strange Frames",
            "blog_url": "https://frames.example",
            "bio": "Writes about films.",
        },
    )
    assert response.status_code == 302
    profile = BloggerProfile.objects.get(user=member)
    assert profile.blog_url == "https://frames.example"


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.example", "data:text/html,x"])
def test_blog_addresses_must_be_http_or_https(member_client, member, url):
    response = member_client.post(
        reverse("profile_edit"), {"display_name": "D", "blog_name": "", "blog_url": url, "bio": ""}
    )
    assert response.status_code == 200
    assert "Enter a valid URL." in response.content.decode()
    assert not BloggerProfile.objects.exists()


def test_a_bio_over_600_characters_is_refused_with_a_message(member_client, member):
    response = member_client.post(
        reverse("profile_edit"),
        {"display_name": "D", "blog_name": "", "blog_url": "", "bio": "word " * 121},
    )
    assert response.status_code == 200
    assert "The bio is too long: 600 characters at most (this one has 604)." in (
        response.content.decode()
    )
    assert not BloggerProfile.objects.exists()


def png_bytes(size=(300, 200)):
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(out, format="PNG")
    return out.getvalue()


def test_avatar_upload_is_checked_and_reencoded(member_client, member, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    data = {"display_name": "D", "blog_name": "", "blog_url": "", "bio": ""}
    upload = SimpleUploadedFile("me.png", png_bytes(), content_type="image/png")
    response = member_client.post(reverse("profile_edit"), {**data, "avatar_upload": upload})
    assert response.status_code == 302
    profile = BloggerProfile.objects.get(user=member)
    from PIL import Image

    with Image.open(profile.avatar.path) as image:
        assert image.size == (256, 256) and image.format == "PNG"
    # Not a picture: an HTML file named .png.
    fake = SimpleUploadedFile("x.png", b"<script>alert(1)</script>", content_type="image/png")
    response = member_client.post(reverse("profile_edit"), {**data, "avatar_upload": fake})
    assert response.status_code == 200 and "Upload a valid image" in response.content.decode()
    # Too large.
    big = SimpleUploadedFile(
        "big.png", png_bytes() + b"\0" * (2 * 1024 * 1024), content_type="image/png"
    )
    response = member_client.post(reverse("profile_edit"), {**data, "avatar_upload": big})
    assert "too large" in response.content.decode()


def test_profile_edit_needs_an_account(client):
    response = client.get(reverse("profile_edit"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Feeds --------------------------------------------------------------------------------

ATOM = "{http://www.w3.org/2005/Atom}"


def assert_valid_atom(body: bytes) -> ET.Element:
    """The MUSTs of RFC 4287 that a feed validator checks: a feed with id, title, updated and a
    self link; entries with id, title, updated, an alternate link, an author and content."""
    root = ET.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None, name
    assert any(link.get("rel") == "self" for link in root.findall(f"{ATOM}link"))
    datetime.fromisoformat(root.find(f"{ATOM}updated").text)
    entries = root.findall(f"{ATOM}entry")
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(ids) == len(set(ids))
    for entry in entries:
        for name in ("id", "title", "updated", "author", "content"):
            assert entry.find(f"{ATOM}{name}") is not None, name
        assert entry.find(f"{ATOM}author/{ATOM}name").text
        datetime.fromisoformat(entry.find(f"{ATOM}updated").text)
        link = entry.find(f"{ATOM}link")
        assert link.get("rel") == "alternate" and link.get("href").startswith("http")
        assert entry.find(f"{ATOM}content").get("type") == "html"
    return root


def test_feeds_are_atom_with_full_sanitised_content(client, league_setup, published):
    for url in [
        reverse("reviews:feed"),
        reverse("reviews:league_feed", args=[league_setup.league.slug]),
        reverse("reviews:blogger_feed", args=["dylan"]),
    ]:
        response = client.get(url)
        assert response.status_code == 200
        assert response["Content-Type"].startswith("application/atom+xml")
        root = assert_valid_atom(response.content)
        entries = root.findall(f"{ATOM}entry")
        assert len(entries) == 1
        content = entries[0].find(f"{ATOM}content").text
        assert content == "<p>A <em>fine</em> film.</p>\n<p>Second paragraph.</p>"
        assert "Strange Dylan selects" in entries[0].find(f"{ATOM}title").text


def test_feeds_never_show_private_leagues_or_drafts(
    client, commissioner, member, league_setup, published
):
    other = league_setup.picks[1]
    services.save_writeup(pick=other, actor=other.seat.user, body="draft words")
    assert b"draft words" not in client.get(reverse("reviews:feed")).content
    league_setup.league.is_public = False
    league_setup.league.save()
    assert b"fine" not in client.get(reverse("reviews:feed")).content
    assert b"fine" not in client.get(reverse("reviews:blogger_feed", args=["dylan"])).content
    assert (
        client.get(reverse("reviews:league_feed", args=[league_setup.league.slug])).status_code
        == 404
    )


# --- Private leagues: outsiders see nothing -----------------------------------------------


@pytest.fixture
def private(league_setup, published):
    league_setup.league.is_public = False
    league_setup.league.save()
    DraftReaderSettings.objects.create(draft=league_setup.draft, voting_open=True)
    return league_setup


def reader_urls(setup):
    pick = setup.picks[0]
    d = setup.draft
    args = [setup.league.slug, d.slug, pick.round, pick.pick_in_round]
    return {
        "get": [
            pick.get_absolute_url(),
            recap_url(setup),
            category_url(setup, "horror-thriller"),
        ],
        "post": [
            reverse("reviews:comment_post", args=args),
            reverse("reviews:vote", args=[setup.league.slug, d.slug, "round-1"]),
        ],
    }


def test_private_leagues_are_404_to_outsiders_and_readers(outsider_client, client, private):
    urls = reader_urls(private)
    for c in (outsider_client, client):
        for url in urls["get"]:
            assert c.get(url).status_code == 404, url
        for url in urls["post"]:
            assert (
                c.post(url, {"body": "x", "name": "n", "email": "n@e.x", "choice": "1"}).status_code
                == 404
            ), url
        assert private.picks[0].get_absolute_url() not in c.get("/").content.decode()
        found = c.get(
            reverse("reviews:search"), {"q": private.picks[0].movie.title}
        ).content.decode()
        assert private.picks[0].get_absolute_url() not in found
        blogger = c.get(reverse("reviews:blogger", args=["maya"]))
        assert blogger.status_code == 404
    assert not Comment.objects.exists() and not Vote.objects.exists()


def test_private_league_members_read_everything(other_member_client, private):
    for url in reader_urls(private)["get"]:
        assert other_member_client.get(url).status_code == 200
    found = other_member_client.get(
        reverse("reviews:search"), {"q": private.picks[0].movie.title}
    ).content.decode()
    assert private.picks[0].get_absolute_url() in found


def test_reader_settings_are_for_commissioners(
    commissioner_client, member_client, outsider_client, client, league_setup
):
    url = reverse(
        "reviews:reader_settings", args=[league_setup.league.slug, league_setup.draft.slug]
    )
    assert member_client.get(url).status_code == 403
    assert outsider_client.get(url).status_code == 403
    assert client.get(url).status_code == 302
    assert member_client.post(url, {"voting_open": "on"}).status_code == 403
    assert commissioner_client.get(url).status_code == 200
    response = commissioner_client.post(
        url,
        {
            "moderate_first_comments": "on",
            "close_comments_after_days": "14",
            "writeup_deadline": "2030-01-31T20:00",
            "voting_open": "on",
        },
    )
    assert response.status_code == 302
    league_row = reader_rules.league_settings(league_setup.league)
    draft_row = reader_rules.draft_settings(league_setup.draft)
    assert league_row.moderate_first_comments and league_row.close_comments_after_days == 14
    assert draft_row.voting_open and draft_row.writeup_deadline.year == 2030


# --- CSRF on every POST -------------------------------------------------------------------


def test_every_post_of_the_reader_side_needs_a_csrf_token(commissioner, league_setup, published):
    pick = league_setup.picks[0]
    d = league_setup.draft
    args = [league_setup.league.slug, d.slug, pick.round, pick.pick_in_round]
    comment = Comment.objects.create(
        writeup=published, author_name="R", body="b", body_html="<p>b</p>"
    )
    urls = [
        reverse("reviews:writeup_edit", args=args),
        reverse("reviews:writeup_preview", args=args),
        reverse("reviews:writeup_unpublish", args=args),
        reverse("reviews:comment_post", args=args),
        reverse("reviews:comments_toggle", args=args),
        reverse("reviews:comment_moderate", args=[*args, comment.pk, "delete"]),
        reverse("reviews:comment_moderate", args=[*args, comment.pk, "approve"]),
        reverse("reviews:reader_settings", args=[league_setup.league.slug, d.slug]),
        reverse("reviews:voting_toggle", args=[league_setup.league.slug, d.slug]),
        reverse("reviews:vote", args=[league_setup.league.slug, d.slug, "round-1"]),
        reverse("profile_edit"),
    ]
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(commissioner)
    anonymous = Client(enforce_csrf_checks=True)
    for url in urls:
        assert signed_in.post(url, {"body": "x", "closed": "1"}).status_code == 403, url
    for url in [
        reverse("reviews:comment_post", args=args),
        reverse("reviews:vote", args=[league_setup.league.slug, d.slug, "round-1"]),
    ]:
        assert anonymous.post(url, {"body": "x"}).status_code == 403, url
    published.refresh_from_db()
    comment.refresh_from_db()
    assert published.is_published and not published.comments_closed
    assert comment.status == Comment.Status.VISIBLE and Comment.objects.count() == 1


# --- Query counts -------------------------------------------------------------------------


def add_comments(writeup, count):
    tops = Comment.objects.bulk_create(
        [
            Comment(
                writeup=writeup, author_name=f"Reader {n}", body="Nice", body_html="<p>Nice</p>"
            )
            for n in range((count + 1) // 2)
        ]
    )
    Comment.objects.bulk_create(
        [
            Comment(
                writeup=writeup,
                parent=top,
                author_name="Replier",
                body="Yes",
                body_html="<p>Yes</p>",
            )
            for top in tops[: count - len(tops)]
        ]
    )
    # Written past the services, so bump the comments version as they do.
    services.comments_changed(writeup_ids=[writeup.pk])


def test_pick_page_queries_do_not_grow_with_comments(
    client, league_setup, published, django_assert_num_queries
):
    DraftReaderSettings.objects.create(draft=league_setup.draft, voting_open=True)
    pick = league_setup.picks[0]
    add_comments(published, 1)
    # 1 draft with league and reader settings, 2 the pick's rounds with films, categories,
    # seats, members, users and profiles, 3 the writeup, 4 the round's vote tally, and on a
    # miss of the rendered thread 5 its counts and 6 its page's comments with their users'
    # profiles. (An anonymous reader with no cookie has no session.)
    with django_assert_num_queries(6):
        response = client.get(pick.get_absolute_url())
    assert response.content.decode().count('class="comment"') == 1
    add_comments(published, 199)  # 101 threads: pages of 50, 50 and 1
    with django_assert_num_queries(6):
        response = client.get(pick.get_absolute_url())
    html = response.content.decode()
    assert "200 comments" in html and "Older comments" in html
    with django_assert_num_queries(6):
        response = client.get(pick.get_absolute_url(), {"comments": 1})
    # The first comment, then 49 of the later threads with a reply each.
    assert response.content.decode().count('class="comment"') == 99
    # A hit: that page of this comments version is rendered already; no comment is read.
    with django_assert_num_queries(4):
        again = client.get(pick.get_absolute_url(), {"comments": 1})

    def thread_of(page):
        html = page.content.decode()
        return html[html.index('<ol class="comment-list">') : html.index('id="comment-form"')]

    assert thread_of(again) == thread_of(response)


def test_pick_page_queries_for_a_signed_in_voter(
    member_client, league_setup, published, django_assert_num_queries
):
    DraftReaderSettings.objects.create(draft=league_setup.draft, voting_open=True)
    add_comments(published, 200)
    # The six above, plus 1 session, 2 user, 3 membership, 4 the reader's own vote.
    with django_assert_num_queries(10):
        member_client.get(league_setup.picks[0].get_absolute_url())


def fill_writeups(setup, picks):
    now = timezone.now()
    Writeup.objects.bulk_create(
        [
            Writeup(
                pick=p,
                author_id=p.seat.user_id,
                body="Words",
                body_html="<p>Words</p>",
                public_text="Words",
                status=Writeup.Status.PUBLISHED,
                published_at=now,
            )
            for p in picks
        ]
    )


@pytest.fixture
def big(db):
    setup = sixteen_by_twenty()
    picks = bulk_fill_picks(setup, 320)
    picks = list(
        type(picks[0]).objects.filter(draft=setup.draft).select_related("seat__membership")
    )
    fill_writeups(setup, picks)
    DraftReaderSettings.objects.create(draft=setup.draft, voting_open=True)
    Vote.objects.bulk_create(
        [
            Vote(draft=setup.draft, question=f"round-{p.round}", pick=p, voter=f"a:{p.pk}")
            for p in picks
        ]
    )
    return setup


@pytest.fixture
def small(commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    picks = play_picks(setup, 12)
    picks = list(
        type(picks[0]).objects.filter(draft=setup.draft).select_related("seat__membership")
    )
    fill_writeups(setup, picks)
    DraftReaderSettings.objects.create(draft=setup.draft, voting_open=True)
    return setup


RECAP_QUERIES = 9  # 1 draft with league and settings; 2-6 seats, categories, picks with
# films, skipped slots, slot holders; 7 writeup states; 8 the vote tallies of every question;
# 9 the trades made.


def test_recap_queries_are_the_same_for_4x3_and_16x20(
    client, small, big, django_assert_num_queries
):
    with django_assert_num_queries(RECAP_QUERIES):
        response = client.get(recap_url(small))
    assert response.content.decode().count("✎ writeup") == 12
    with django_assert_num_queries(RECAP_QUERIES):
        response = client.get(recap_url(big))
    assert response.content.decode().count("✎ writeup") == 320


def test_category_page_queries_are_constant(client, small, big, django_assert_num_queries):
    # 1 draft, 2 categories, 3 the category's picks with films, members, profiles, writeups.
    with django_assert_num_queries(3):
        client.get(category_url(small, "horror-thriller"))
    with django_assert_num_queries(3):
        response = client.get(category_url(big, "category-1"))
    assert response.content.decode().count('class="entry card"') == 16


def test_a_page_of_a_long_thread_loads_only_the_comments_it_shows(client, league_setup, published):
    """Issue 17: a thread's cold render grew with the comments not shown (26 / 60 / 254 ms at
    10 / 1,000 / 10,000 comments). A page loads its own threads and their replies, nothing
    more, and still counts the whole thread."""
    from django.db.models.signals import post_init

    add_comments(published, 2000)  # 1,000 threads of a comment and a reply
    loaded = []

    def count(sender, instance, **kwargs):
        loaded.append(instance)

    post_init.connect(count, sender=Comment)
    try:
        html = client.get(league_setup.picks[0].get_absolute_url()).content.decode()
    finally:
        post_init.disconnect(count, sender=Comment)
    assert "2,000 comments" in html or "2000 comments" in html
    assert html.count('class="comment"') == 100  # the newest 50 threads, a reply each
    assert len(loaded) == 100


def test_big_pick_page_queries_are_constant(client, big, django_assert_num_queries):
    url = big.draft.picks.select_related("draft__league").get(slot=170).get_absolute_url()
    # 1 draft, 2 rounds, 3 writeup, 4 the thread's counts, 5 its page's comments, 6 tally.
    with django_assert_num_queries(6):
        response = client.get(url)
    assert response.content.decode().count('class="vote-option"') == 16


def test_feed_queries_are_constant(client, small, request, django_assert_num_queries):
    def measure():
        # 1 the latest writeups with picks, films, categories, drafts, leagues, members,
        # profiles.
        with django_assert_num_queries(1):
            client.get(reverse("reviews:feed"))
        # 1 the league, 2 its writeups.
        with django_assert_num_queries(2):
            client.get(reverse("reviews:league_feed", args=[small.league.slug]))
        # 1 the blogger with profile, 2 (they have no profile) whether they drafted in a public
        # league: without either the feed is 404, like their page; 3 their writeups.
        with django_assert_num_queries(3):
            client.get(reverse("reviews:blogger_feed", args=["dylan"]))

    measure()
    big = request.getfixturevalue("big")  # 320 more published writeups
    measure()
    with django_assert_num_queries(2):
        response = client.get(reverse("reviews:league_feed", args=[big.league.slug]))
    assert response.content.decode().count("<entry>") == 30


def test_the_home_pages_latest_writeups_read_only_what_a_tile_shows(
    client, small, member_client, django_assert_num_queries
):
    """Issue 10: the query was a ten-table join, every writeup's whole text in the list, and
    PostgreSQL spent longer planning it than running it."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for viewer in (client, member_client):
        with CaptureQueriesContext(connection) as queries:
            response = viewer.get("/")
        latest = next(q["sql"] for q in queries if 'FROM "reviews_writeup"' in q["sql"])
        assert latest.count(" JOIN ") == 7  # pick, film, category, draft, league, seat, member
        assert "blogger_profile" not in latest and '"accounts_user"' not in latest
        assert '"body' not in latest  # neither the Markdown nor its HTML
        # The text only through the excerpt's SUBSTR (SQLite) or SUBSTRING (PostgreSQL).
        assert latest.count('"reviews_writeup"."public_text"') == 1
        assert re.search(r'SUBSTR\w*\("reviews_writeup"\."public_text"', latest, re.I)
        html = response.content.decode()
        assert html.count('class="entry card"') == 6
        assert "Strange Dylan selects" in html or "Maya Reel selects" in html


def test_home_blogger_and_search_queries_are_constant(
    client, small, request, django_assert_num_queries
):
    def measure(results):
        # 1 live drafts with leagues, 2 latest writeups with everything they show.
        with django_assert_num_queries(2):
            client.get("/")
        # 1 the blogger with profile, 2 their picks with drafts, leagues, films, writeups.
        with django_assert_num_queries(2):
            client.get(reverse("reviews:blogger", args=["dylan"]))
        # 1 the matching picks with everything a result shows.
        with django_assert_num_queries(1):
            response = client.get(reverse("reviews:search"), {"q": "film"})
        assert response.content.decode().count('class="entry card"') == results

    measure(12)
    request.getfixturevalue("big")
    measure(40)  # the first 40 of 332


def test_reader_settings_queries_do_not_grow_with_held_comments(
    commissioner_client, small, django_assert_num_queries
):
    writeup = Writeup.objects.filter(pick__draft=small.draft).first()
    url = reverse("reviews:reader_settings", args=[small.league.slug, small.draft.slug])

    def hold(n):
        Comment.objects.bulk_create(
            [
                Comment(
                    writeup=writeup,
                    author_name="New",
                    body="hi",
                    body_html="<p>hi</p>",
                    status=Comment.Status.HELD,
                )
                for _ in range(n)
            ]
        )

    hold(1)
    # 1 session, 2 user, 3 draft, 4 membership, 5 held comments with their picks' films.
    with django_assert_num_queries(5):
        commissioner_client.get(url)
    hold(60)
    with django_assert_num_queries(5):
        response = commissioner_client.get(url)
    assert response.content.decode().count("<li><strong>New</strong>") == 61


def test_a_long_thread_shows_a_page_at_a_time_newest_page_last(
    client, league_setup, published, django_assert_num_queries
):
    """Issue 10: a 1,000-comment pick page cost a hundred times the 10-comment one. Threads
    come 50 to a page, oldest first; the page shows the newest page, as blogs do."""
    from reviews.threads import THREADS_PER_PAGE

    Comment.objects.bulk_create(
        [
            Comment(
                writeup=published, author_name=f"Reader {n}", body="x", body_html=f"<p>#{n}#</p>"
            )
            for n in range(1, 2 * THREADS_PER_PAGE + 21)  # 120 threads: pages of 50, 50, 20
        ]
    )
    services.comments_changed(writeup_ids=[published.pk])
    url = league_setup.picks[0].get_absolute_url()

    def shown(params=None):
        html = client.get(url, params or {}).content.decode()
        return [int(n) for n in re.findall(r"<p>#(\d+)#</p>", html)], html

    numbers, html = shown()
    assert numbers == list(range(101, 121))
    assert "120 comments" in html
    assert '<a href="?comments=2#comments" rel="prev">' in html and "Newer comments" not in html
    assert "?comments=3&amp;reply=" in html  # a reply stays on its page
    numbers, html = shown({"comments": 1})
    assert numbers == list(range(1, 51))
    assert 'href="?comments=2#comments" rel="next"' in html and "Older comments" not in html
    assert shown({"comments": 2})[0] == list(range(51, 101))
    assert shown({"comments": 99})[0] == list(range(101, 121))  # past the end: the newest
    assert shown({"comments": "x"})[0] == list(range(101, 121))
    # The reply form names a comment of an older page.
    reply = client.get(
        url, {"comments": 1, "reply": published.comments.get(author_name="Reader 7").pk}
    )
    assert "Reply to Reader 7" in reply.content.decode()
    # A page read again is a cache hit: draft, rounds, writeup, tally; no comment.
    with django_assert_num_queries(4):
        client.get(url, {"comments": 2})
