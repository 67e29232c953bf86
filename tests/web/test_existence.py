"""No existence leaks (issue 9, finding 12): what a visitor may not see answers exactly as what
does not exist, down to the 404 page's words, and the feeds follow the pages.

The 404 page here is a test template that prints the exception's message, so two 404s that
differ in any way the page could show are told apart (Django's page_not_found hands the
message to the template)."""

import copy

import pytest
from django.urls import reverse

from draft.models import Draft
from reviews.models import BloggerProfile
from tests.draft.factories import four_by_three, make_league, play_picks

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def telling_404_page(settings):
    engine = copy.deepcopy(settings.TEMPLATES[0])
    engine["APP_DIRS"] = False
    engine["OPTIONS"]["loaders"] = [
        ("django.template.loaders.locmem.Loader", {"404.html": "404: {{ exception }}"}),
        "django.template.loaders.filesystem.Loader",
        "django.template.loaders.app_directories.Loader",
    ]
    settings.TEMPLATES = [engine]


def page(response, *secrets):
    """What a person sees, with the names that differ between the two URLs blanked out."""
    body = response.content.decode()
    for secret in secrets:
        body = body.replace(secret, "…")
    return response.status_code, body


@pytest.fixture
def private(commissioner, member, other_member):
    league = make_league(commissioner, [member, other_member], name="Secret Club", is_public=False)
    setup = four_by_three(commissioner, [member, other_member], league=league)
    play_picks(setup, 1)
    return setup


def test_a_private_leagues_pages_look_exactly_like_missing_ones(private, outsider_client, client):
    slug, draft = private.league.slug, private.draft.slug
    for viewer in (client, outsider_client):
        for hidden, missing in [
            (f"/leagues/{slug}/", "/leagues/no-such-club/"),
            (f"/leagues/{slug}/{draft}/", "/leagues/no-such-club/test-draft/"),
            (f"/leagues/{slug}/{draft}/log/", "/leagues/no-such-club/test-draft/log/"),
            (f"/leagues/{slug}/{draft}/round-1/pick-1/", "/leagues/x/test-draft/round-1/pick-1/"),
            (f"/feeds/leagues/{slug}.atom", "/feeds/leagues/no-such-club.atom"),
        ]:
            assert viewer.get(hidden).status_code == 404, hidden
            assert page(viewer.get(hidden)) == page(viewer.get(missing)), hidden


def test_a_wrong_invite_token_for_a_private_league_looks_like_a_missing_league(
    private, outsider_client, client, member_client
):
    slug = private.league.slug
    for viewer in (client, outsider_client):
        wrong = viewer.get(f"/leagues/{slug}/join/not-the-token/")
        missing = viewer.get("/leagues/no-such-club/join/not-the-token/")
        assert wrong.status_code == 404
        assert page(wrong) == page(missing)
    # The right token still invites; a member with an old link is told what happened.
    token = private.league.invite_token
    assert "Secret Club" in outsider_client.get(f"/leagues/{slug}/join/{token}/").content.decode()
    response = member_client.get(f"/leagues/{slug}/join/not-the-token/")
    assert response.status_code == 404 and "This invite link does not work" in (
        response.content.decode()
    )


def test_a_public_leagues_wrong_token_page_still_helps(commissioner, client):
    league = make_league(commissioner, [], name="Open Club")
    response = client.get(f"/leagues/{league.slug}/join/not-the-token/")
    assert response.status_code == 404
    assert "This invite link does not work" in response.content.decode()


def test_blogger_feeds_are_404_exactly_where_blogger_pages_are(
    private, commissioner, member, outsider, other_member, client
):
    """Dylan drafted only in the private league; Olaf never drafted; Maya has a profile; Carla
    drafted in a public league too."""
    BloggerProfile.objects.create(user=other_member, display_name="Maya Reel")
    public = four_by_three(commissioner, [], name="Public Draft", movies=10)
    play_picks(public, 3)  # Carla's seat is seat 1 here
    expected = {"dylan": 404, "olaf": 404, "nobody": 404, "maya": 200, "carla": 200}
    for username, status in expected.items():
        blogger = client.get(reverse("reviews:blogger", args=[username]))
        feed = client.get(reverse("reviews:blogger_feed", args=[username]))
        assert (blogger.status_code, feed.status_code) == (status, status), username
        if status == 404:
            assert page(blogger, username) == page(client.get("/bloggers/nobody/"), "nobody")
            assert page(feed, username) == page(client.get("/feeds/bloggers/nobody.atom"), "nobody")
    assert Draft.objects.filter(league__is_public=False).exists()
