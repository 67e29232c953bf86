"""Posters (issue 19, finding 9): the member who drafted a film or a commissioner of the league
that drafted it attaches a poster; it is re-encoded like an avatar, served as media, and shown in
the board's cell, on the pick page, on the film page and in the share card; nobody else can
change it; a bad file changes nothing."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from draft.models import DraftEvent, Movie
from tests.draft.factories import four_by_three, play_picks
from tests.personas import client_for

pytestmark = pytest.mark.django_db


def picture(size=(900, 1200), kind="PNG", colour=(200, 80, 40)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=kind)
    return out.getvalue()


def upload(data: bytes, name="poster.png"):
    return SimpleUploadedFile(name, data, content_type="image/png")


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def drafted(commissioner, member, other_member):
    """A live 4 × 3 draft where `member` (seat 1) has drafted a film."""
    setup = four_by_three(commissioner, [member, other_member])
    (pick,) = play_picks(setup, 1)
    return setup, pick


def poster_url(movie) -> str:
    return reverse("draft:movie_poster", args=[movie.pk])


def test_the_picker_uploads_a_poster_every_page_shows(drafted, member_client, client, media):
    setup, pick = drafted
    movie = pick.movie
    form = member_client.get(poster_url(movie))
    assert form.status_code == 200
    assert "Poster for " + movie.title in form.content.decode()

    response = member_client.post(poster_url(movie), {"poster": upload(picture())})
    assert response.status_code == 302 and response["Location"] == movie.get_absolute_url()
    movie.refresh_from_db()
    assert movie.poster.name.startswith(f"posters/{movie.pk}-")
    with Image.open(movie.poster.path) as stored:
        assert (stored.format, stored.size) == ("JPEG", (400, 600))

    src = f'src="{movie.poster.url}"'
    board = client.get(setup.draft.get_absolute_url()).content.decode()
    assert src in board
    pick_page = client.get(pick.get_absolute_url()).content.decode()
    assert src in pick_page
    assert f'<meta property="og:image" content="http://testserver{movie.poster.url}">' in (
        pick_page
    )
    assert src in client.get(movie.get_absolute_url()).content.decode()
    # The log says what happened to the draft's board.
    assert DraftEvent.objects.filter(draft=setup.draft, summary=f"New poster: {movie}").exists()

    served = client.get(movie.poster.url)
    assert served.status_code == 200
    assert served["Content-Type"] == "image/jpeg"
    assert served["X-Content-Type-Options"] == "nosniff"
    assert b"".join(served.streaming_content).startswith(b"\xff\xd8")


def test_a_new_poster_replaces_the_old_file_and_removing_shows_the_datasets_again(
    drafted, member_client, client, media
):
    _, pick = drafted
    movie = pick.movie
    Movie.objects.filter(pk=movie.pk).update(poster_url="https://images.example/her.jpg")
    member_client.post(poster_url(movie), {"poster": upload(picture())})
    movie.refresh_from_db()
    first = movie.poster.name
    member_client.post(poster_url(movie), {"poster": upload(picture(colour=(0, 0, 90)))})
    movie.refresh_from_db()
    assert movie.poster.name != first
    assert [p.name for p in (media / "posters").iterdir()] == [movie.poster.name.split("/")[1]]

    response = member_client.post(poster_url(movie), {"remove": "on"})
    assert response.status_code == 302
    movie.refresh_from_db()
    assert not movie.poster
    assert not list((media / "posters").iterdir())
    page = client.get(movie.get_absolute_url()).content.decode()
    assert 'src="https://images.example/her.jpg"' in page


def test_a_commissioner_of_the_league_that_drafted_it_may_change_it(drafted, commissioner, media):
    _, pick = drafted
    response = client_for(Client, commissioner).post(
        poster_url(pick.movie), {"poster": upload(picture())}
    )
    assert response.status_code == 302
    assert Movie.objects.get(pk=pick.movie.pk).poster


def test_who_may_not_change_a_poster(drafted, other_member, outsider, django_user_model, media):
    from tests.draft.factories import make_league

    _, pick = drafted
    movie = pick.movie
    # A member of the league who did not draft it, an outsider, and the commissioner of
    # another league (anyone can start one): 403, the film page offers them nothing.
    rival = make_league(outsider, name="Rival League")
    assert rival.memberships.get(user=outsider).is_commissioner
    for user in (other_member, outsider):
        browser = client_for(Client, user)
        assert browser.get(poster_url(movie)).status_code == 403
        assert browser.post(poster_url(movie), {"poster": upload(picture())}).status_code == 403
        assert "Upload a poster" not in browser.get(movie.get_absolute_url()).content.decode()
    # A reader is asked to sign in.
    anonymous = client_for(Client)
    response = anonymous.post(poster_url(movie), {"poster": upload(picture())})
    assert response.status_code == 302 and "/login/" in response["Location"]
    assert not Movie.objects.get(pk=movie.pk).poster
    assert not (media / "posters").exists()


def test_the_picker_who_left_the_league_may_no_longer(drafted, member, media):
    from django.utils import timezone

    _, pick = drafted
    pick.seat.membership.__class__.objects.filter(user=member).update(left_at=timezone.now())
    response = client_for(Client, member).post(
        poster_url(pick.movie), {"poster": upload(picture())}
    )
    assert response.status_code == 403


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><script>alert(1)</script></html>", "Upload a valid image"),
        (picture(size=(5000, 5000)), "too many pixels: 4096 × 4096 at most"),
        (picture(kind="BMP", size=(40, 60)), "Use a PNG, JPEG, GIF or WebP picture."),
        (b"", "The submitted file is empty."),
    ],
    ids=["not-a-picture", "too-many-pixels", "bmp", "empty"],
)
def test_a_bad_file_is_a_clear_message_and_changes_nothing(
    drafted, member_client, media, data, message
):
    _, pick = drafted
    response = member_client.post(poster_url(pick.movie), {"poster": upload(data)})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Movie.objects.get(pk=pick.movie.pk).poster
    assert not (media / "posters").exists()


def test_too_large_a_file_is_refused_before_it_is_decoded(drafted, member_client, media):
    _, pick = drafted
    # 6 MB of a PNG's noise-free pixels would compress; a JPEG of random bytes does not.
    big = picture(size=(100, 150)) + bytes(6 * 1024 * 1024)
    response = member_client.post(poster_url(pick.movie), {"poster": upload(big)})
    assert "The picture is too large: 5 MB at most." in response.content.decode()
    assert not Movie.objects.get(pk=pick.movie.pk).poster


def test_nothing_chosen_or_both_chosen_is_a_message(drafted, member_client, media):
    _, pick = drafted
    nothing = member_client.post(poster_url(pick.movie), {})
    assert "Choose a picture to upload." in nothing.content.decode()
    both = member_client.post(poster_url(pick.movie), {"poster": upload(picture()), "remove": "on"})
    assert "Upload a new poster or remove the one there, not both." in both.content.decode()
    none_there = member_client.post(poster_url(pick.movie), {"remove": "on"})
    assert "This film has no uploaded poster to remove." in none_there.content.decode()
    assert not DraftEvent.objects.filter(summary__startswith="Poster removed").exists()
    assert not Movie.objects.get(pk=pick.movie.pk).poster


def test_the_pick_page_offers_the_picker_the_poster_form(drafted, member_client, other_member):
    _, pick = drafted
    link = f'href="{poster_url(pick.movie)}"'
    assert link in member_client.get(pick.get_absolute_url()).content.decode()
    other = client_for(Client, other_member).get(pick.get_absolute_url()).content.decode()
    assert link not in other


@pytest.mark.parametrize(
    "path",
    ["/media/posters/1-0123456789ab.png", "/media/posters/evil.jpg", "/media/posters/x.html"],
)
def test_nothing_but_stored_posters_is_served(client, media, path):
    (media / "posters").mkdir()
    (media / "posters" / "evil.jpg").write_bytes(b"<script>")
    (media / "posters" / "1-0123456789ab.png").write_bytes(b"\x89PNG")
    assert client.get(path).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_uploads_racing_for_one_film_leave_one_file_the_film_shows(
    commissioner, member, other_member, settings, tmp_path
):
    """The picker and the commissioner upload at the same instant: each upload lands in turn
    (the film's row is locked), the last one stays, and the file it replaced is deleted."""
    from draft.services.movies import change_poster
    from tests.threads import race

    settings.MEDIA_ROOT = tmp_path
    setup = four_by_three(commissioner, [member, other_member])
    (pick,) = play_picks(setup, 1)
    movie = Movie.objects.get(pk=pick.movie_id)
    results = race(
        [
            lambda user=user, colour=colour: change_poster(
                user=user, movie=movie, upload=upload(picture(colour=colour))
            )
            for user, colour in [(member, (10, 10, 10)), (commissioner, (250, 250, 250))] * 2
        ]
    )
    assert all(isinstance(result, Movie) for result in results), results
    movie.refresh_from_db()
    assert [p.name for p in (tmp_path / "posters").iterdir()] == [movie.poster.name.split("/")[1]]
    assert DraftEvent.objects.filter(draft=setup.draft, summary=f"New poster: {movie}").count() == 4


def test_the_admin_shows_the_poster_but_uploads_go_through_the_poster_page(
    drafted, admin_client, media
):
    """An upload in the admin would be stored as sent, under a name media does not serve."""
    _, pick = drafted
    page = admin_client.get(reverse("admin:draft_movie_change", args=[pick.movie.pk]))
    assert page.status_code == 200
    assert 'type="file"' not in page.content.decode()
    assert admin_client.get(poster_url(pick.movie)).status_code == 200  # staff may
