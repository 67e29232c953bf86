"""Writing a pick up: who may, what readers see before and after publishing, and that the HTML
is rendered once on save, never per request."""

import io
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from reviews import services
from reviews.models import Writeup

pytestmark = pytest.mark.django_db


def editor_url(pick, suffix=""):
    d = pick.draft
    return (
        reverse(
            "reviews:writeup_edit", args=[d.league.slug, d.slug, pick.round, pick.pick_in_round]
        )
        + suffix
    )


def test_the_picker_is_prompted_to_write_it_up(member_client, other_member_client, dylans_pick):
    page = member_client.get(dylans_pick.get_absolute_url())
    assert "Write it up" in page.content.decode()
    assert editor_url(dylans_pick) in page.content.decode()
    # Another member sees the pick, without the prompt.
    other = other_member_client.get(dylans_pick.get_absolute_url()).content.decode()
    assert "Write it up" not in other
    assert "has not published a writeup for this pick yet" in other


def test_a_member_saves_a_draft_then_publishes(member_client, client, dylans_pick):
    url = editor_url(dylans_pick)
    assert member_client.get(url).status_code == 200
    response = member_client.post(url, {"body": "Secret *draft* words", "action": "save"})
    assert response.status_code == 302
    writeup = Writeup.objects.get(pick=dylans_pick)
    assert writeup.status == Writeup.Status.DRAFT and writeup.published_at is None
    assert writeup.body_html == "<p>Secret <em>draft</em> words</p>"
    # Readers and other members do not see a draft, anywhere.
    reader_page = client.get(dylans_pick.get_absolute_url()).content.decode()
    assert "Secret" not in reader_page
    assert "Secret" not in client.get("/").content.decode()
    assert "Secret" not in client.get(reverse("reviews:feed")).content.decode()
    assert "Secret" not in client.get(reverse("reviews:search") + "?q=secret").content.decode()
    # The author sees that it is a draft.
    assert (
        "Your writeup is a draft"
        in member_client.get(dylans_pick.get_absolute_url()).content.decode()
    )

    response = member_client.post(url, {"body": "Public *words* now", "action": "publish"})
    assert response.status_code == 302 and response["Location"] == dylans_pick.get_absolute_url()
    writeup.refresh_from_db()
    assert writeup.is_published and writeup.published_at is not None
    reader_page = client.get(dylans_pick.get_absolute_url()).content.decode()
    assert "Public <em>words</em> now" in reader_page


def test_publishing_again_keeps_the_first_publication_time(member, dylans_pick):
    first = services.save_writeup(pick=dylans_pick, actor=member, body="one", publish=True)
    again = services.save_writeup(pick=dylans_pick, actor=member, body="two", publish=True)
    assert again.published_at == first.published_at and again.body == "two"


def test_preview_renders_markdown_for_htmx_and_without_javascript(member_client, dylans_pick):
    response = member_client.post(
        editor_url(dylans_pick, "preview/"),
        {"body": "**bold** <script>alert(1)</script>"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert '<div id="preview"' in html and "<strong>bold</strong>" in html
    assert "<script" not in html and "<html" not in html
    # The no-JavaScript Preview button re-renders the editor with the preview, saving nothing.
    response = member_client.post(editor_url(dylans_pick), {"body": "_it_", "action": "preview"})
    assert response.status_code == 200 and "<em>it</em>" in response.content.decode()
    assert not Writeup.objects.filter(pick=dylans_pick).exists()


def test_an_empty_writeup_is_refused_with_a_message(member_client, dylans_pick):
    response = member_client.post(editor_url(dylans_pick), {"body": "   ", "action": "publish"})
    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert not Writeup.objects.exists()


def test_an_oversized_writeup_is_refused(member_client, dylans_pick):
    response = member_client.post(
        editor_url(dylans_pick), {"body": "x" * 30001, "action": "publish"}
    )
    assert "The writeup is too long: 30,000 characters at most (this one has 30001)." in (
        response.content.decode()
    )
    assert not Writeup.objects.exists()


def test_an_oversized_preview_says_so_and_renders_nothing(member_client, dylans_pick):
    response = member_client.post(
        editor_url(dylans_pick, "preview/"), {"body": "**x** " * 6000}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The writeup is too long: 30,000 characters at most (this one has 35999)." in html
    assert "<strong>" not in html
    # An emptied editor shows the placeholder again, not an error.
    response = member_client.post(
        editor_url(dylans_pick, "preview/"), {"body": "  "}, HTTP_HX_REQUEST="true"
    )
    assert "appears here while you type" in response.content.decode()


def test_only_the_picker_or_a_commissioner_may_write_a_pick_up(
    other_member_client, outsider_client, client, commissioner_client, dylans_pick
):
    url = editor_url(dylans_pick)
    assert other_member_client.get(url).status_code == 403
    assert other_member_client.post(url, {"body": "x", "action": "publish"}).status_code == 403
    assert outsider_client.get(url).status_code == 403
    assert client.get(url).status_code == 302  # to the login page
    assert client.post(editor_url(dylans_pick, "preview/"), {"body": "x"}).status_code == 302
    assert not Writeup.objects.exists()
    # A commissioner may edit any writeup in their league.
    response = commissioner_client.post(url, {"body": "Fixed a typo", "action": "publish"})
    assert response.status_code == 302
    writeup = Writeup.objects.get()
    assert writeup.author.username == "dylan"  # it stays Strange Dylan's writeup
    assert writeup.last_edited_by.username == "carla"


def test_the_service_refuses_other_members_too(other_member, dylans_pick):
    with pytest.raises(ValidationError):
        services.save_writeup(pick=dylans_pick, actor=other_member, body="mine now", publish=True)


def test_unpublish_hides_the_writeup_again(member_client, client, published, dylans_pick):
    assert "A <em>fine</em> film." in client.get(dylans_pick.get_absolute_url()).content.decode()
    response = member_client.post(editor_url(dylans_pick, "unpublish/"))
    assert response.status_code == 302
    published.refresh_from_db()
    assert not published.is_published and published.public_text == ""
    assert "fine" not in client.get(dylans_pick.get_absolute_url()).content.decode()


def test_commissioner_unpublishes_but_other_members_cannot(
    commissioner_client, other_member_client, published, dylans_pick
):
    assert other_member_client.post(editor_url(dylans_pick, "unpublish/")).status_code == 403
    published.refresh_from_db()
    assert published.is_published
    assert commissioner_client.post(editor_url(dylans_pick, "unpublish/")).status_code == 302
    published.refresh_from_db()
    assert not published.is_published


def test_pages_never_render_markdown_per_request(client, published, dylans_pick):
    with (
        mock.patch("reviews.markdown.render_markdown", side_effect=AssertionError("rendered")),
        mock.patch("cmarkgfm.github_flavored_markdown_to_html", side_effect=AssertionError),
        mock.patch("cmarkgfm.markdown_to_html", side_effect=AssertionError("rendered")),
    ):
        for url in [
            dylans_pick.get_absolute_url(),
            "/",
            reverse("reviews:feed"),
            reverse("reviews:blogger", args=["dylan"]),
        ]:
            assert client.get(url).status_code == 200


def test_a_writeup_deadline_marks_late_pickers_on_the_recap(
    client, commissioner, league_setup, published
):
    from datetime import timedelta

    from django.utils import timezone

    Writeup.objects.filter(pk=published.pk).update(published_at=timezone.now() - timedelta(hours=2))
    services.update_reader_settings(
        draft=league_setup.draft,
        actor=commissioner,
        moderate_first_comments=False,
        close_comments_after_days=None,
        writeup_deadline=timezone.now() - timedelta(hours=1),
        voting_open=False,
    )
    recap = client.get(
        reverse("reviews:recap", args=[league_setup.league.slug, league_setup.draft.slug])
    ).content.decode()
    late = recap.split("Late:")[1].split("</ul>")[0]
    # Dylan published before the deadline; the three others never did.
    assert "Strange Dylan" not in late
    for name in ["Maya Reel", "Carla Commish", "Player 1"]:
        assert name in late


def test_render_writeups_applies_the_image_rules_to_stored_writeups(published, settings):
    from django.core.management import call_command

    settings.WRITEUP_IMAGE_HOSTS = []
    Writeup.objects.filter(pk=published.pk).update(
        body="![pixel](https://pixel.example/p.png)",
        body_html='<p><img src="https://pixel.example/p.png" alt="pixel"></p>',
    )
    call_command("render_writeups", stdout=io.StringIO())
    published.refresh_from_db()
    assert "<img" not in published.body_html
    assert 'href="https://pixel.example/p.png"' in published.body_html
    assert published.public_text == "pixel"


def test_render_writeups_keeps_a_stored_writeup_past_the_formatting_limit(published, settings):
    """A writeup saved before today's limits is not rendered again (its HTML stays), and the
    command goes on to the others."""
    from django.core.management import call_command

    Writeup.objects.filter(pk=published.pk).update(body="#\n" * 15_000, body_html="<p>old</p>")
    call_command("render_writeups", stdout=io.StringIO())
    published.refresh_from_db()
    assert published.body_html == "<p>old</p>"
