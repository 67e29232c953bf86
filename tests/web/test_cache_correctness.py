"""Caches never show a reader yesterday's page (issue 10).

Every change a reader can see — a pick, an undo, a film retitled in the admin, a comment
posted, approved or deleted, a writeup edited, a profile renamed — shows on the next request,
although the board's shared parts (draft/live.py) and the comment threads (reviews/threads.py)
are rendered once and cached, although readers' whole pages are kept until the database
changes (config/pagecache.py), and although the browser asks with the ETag of the page it has.
And two viewers with different roles never get each other's personal parts out of a cache.

The world is tests/web/site_map.py's: a public league, a live 4 × 3 draft in which Strange
Dylan (member) picked at 1.01 and wrote it up, Rita commented; Maya Reel (on_clock) is on the
clock; Carla (commissioner) runs it.
"""

import json
import re
import threading
from datetime import timedelta

import pytest
from django.db.models import FileField
from django.test import Client
from django.urls import reverse

from draft.models import Movie
from draft.services.movies import film_changed
from draft.services.picks import undo_last
from reviews import rules as reader_rules
from reviews import services
from reviews.models import Comment, LeagueReaderSettings
from tests.draft.factories import pick_on_clock
from tests.web.conftest import HTMX, element, html_of
from worker import rounds

# Each change commits, as in production, so that readers' whole pages are kept too (on
# PostgreSQL, config/pagecache.py): every test here runs through every cache a reader meets,
# with the worker running beside it as in production (its heartbeat written on every round).
pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("readers_pages_kept", "worker_running"),
]


@pytest.fixture
def worker_running(monkeypatch):
    """`manage.py worker`'s two loops, in threads, a round every 50 ms, a heartbeat each."""
    monkeypatch.setattr(rounds, "BEAT_EVERY", timedelta(0))
    stop = threading.Event()
    loops = [
        rounds.Loop("clock", rounds.ClockRound(), interval=0.05, stop=stop),
        rounds.Loop("mail", rounds.mail_round, interval=0.05, stop=stop),
    ]
    threads = [threading.Thread(target=loop.run, daemon=True) for loop in loops]
    for thread in threads:
        thread.start()
    yield
    stop.set()
    for thread in threads:
        thread.join(timeout=10)


class Reader:
    """A browser without an account that keeps what it saw and asks with its ETag."""

    def __init__(self):
        self.client = Client()
        self.etags: dict[str, str] = {}

    def get(self, url: str, **extra):
        if url in self.etags:
            extra["HTTP_IF_NONE_MATCH"] = self.etags[url]
        response = self.client.get(url, **extra)
        if response.status_code == 200:
            self.etags[url] = response["ETag"]
        return response

    def sees(self, url: str) -> str:
        response = self.get(url)
        assert response.status_code == 200, "a change answered 304: the browser keeps a stale page"
        return html_of(response)


def post_comment(world, body: str, *, name="Lou", ip="192.0.2.9", parent=None) -> Comment:
    return services.post_comment(
        writeup=world.writeup,
        user=None,
        data=services.CommentInput(body=body, name=name, email="lou@example.com", parent_id=parent),
        ip=ip,
        settings_row=reader_rules.league_settings(world.league),
    )


# --- The board ----------------------------------------------------------------------------


def test_a_pick_and_its_undo_show_on_the_next_request(world):
    reader = Reader()
    grid = element(reader.sees(world.board_url), "board-grid")
    picked = pick_on_clock(world.setup).pick  # Maya at 1.02
    after = element(reader.sees(world.board_url), "board-grid")
    assert picked.movie.title in after and picked.movie.title not in grid
    # The open board's poll, from the version it shows, gets the new grid too.
    shown = world.draft.version
    poll = reader.client.get(world.board_url, {"v": shown}, **HTMX)
    assert poll.status_code == 200 and picked.movie.title in html_of(poll)

    undo_last(draft_id=world.draft.pk, actor=world.users["commissioner"])
    undone = element(reader.sees(world.board_url), "board-grid")
    assert picked.movie.title not in undone
    # Exactly as before the pick, but for the version it carries.
    assert re.sub(r'data-version="\d+"', "", undone) == re.sub(r'data-version="\d+"', "", grid)


def test_a_film_retitled_in_the_admin_shows_everywhere_on_the_next_request(world):
    movie = world.writeup.pick.movie
    reader = Reader()
    pages = [world.board_url, world.pick_page_url, reverse("draft:movie", args=[movie.pk])]
    pages.append(reverse("reviews:recap", args=[world.league.slug, world.draft.slug]))
    for url in pages:
        assert movie.title in reader.sees(url)
    # What the admin's save does (draft/admin.py MovieAdmin.save_model).
    Movie.objects.filter(pk=movie.pk).update(title="The Retitled Cut")
    film_changed(movie=Movie.objects.get(pk=movie.pk))
    seen = {url: reader.sees(url) for url in pages}
    for url, html in seen.items():
        assert "The Retitled Cut" in html, url
    assert movie.title not in element(seen[world.board_url], "board-grid")


def test_the_admin_retitling_a_film_bumps_the_board(world, admin_client):
    movie = world.writeup.pick.movie
    reader = Reader()
    reader.sees(world.board_url)
    data = {
        field.name: getattr(movie, field.attname)
        for field in Movie._meta.concrete_fields
        if field.editable and not field.primary_key and not isinstance(field, FileField)
    }
    data = {k: ("" if v is None else v) for k, v in data.items()}
    data["title"] = "The Admin Cut"
    for name, value in data.items():
        if isinstance(value, list | dict):
            data[name] = json.dumps(value)  # JSON fields, as the admin's form shows them
    response = admin_client.post(reverse("admin:draft_movie_change", args=[movie.pk]), data)
    assert response.status_code == 302, re.findall(
        r'<ul class="errorlist.*?</ul>', html_of(response)
    )
    assert "The Admin Cut" in element(reader.sees(world.board_url), "board-grid")


# --- The pick page ------------------------------------------------------------------------


def test_a_comment_posted_shows_on_the_next_request(world):
    reader = Reader()
    assert "Agreed." in reader.sees(world.pick_page_url)
    # Unchanged: the browser keeps its copy (the comment form's token is not in the ETag).
    assert reader.get(world.pick_page_url).status_code == 304
    post_comment(world, "Second thoughts on the ending.")
    html = reader.sees(world.pick_page_url)
    assert "Second thoughts on the ending." in html
    assert "2 comments" in html


def test_a_comment_approved_and_deleted_show_on_the_next_request(world):
    LeagueReaderSettings.objects.update_or_create(
        league=world.league, defaults={"moderate_first_comments": True}
    )
    held = post_comment(world, "Held until someone looks.")
    reader = Reader()
    assert "Held until someone looks." not in reader.sees(world.pick_page_url)
    assert reader.get(world.pick_page_url).status_code == 304  # unchanged

    carla = world.users["commissioner"]
    services.approve_comment(comment=Comment.objects.get(pk=held.pk), actor=carla)
    assert "Held until someone looks." in reader.sees(world.pick_page_url)

    services.delete_comment(comment=Comment.objects.get(pk=world.comment.pk), actor=carla)
    html = reader.sees(world.pick_page_url)
    assert "Agreed." not in html
    assert "Held until someone looks." in html


def test_comments_closed_take_the_reply_links_away(world):
    reader = Reader()
    assert "?reply=" in reader.sees(world.pick_page_url)
    services.set_comments_closed(writeup=world.writeup, actor=world.users["member"], closed=True)
    html = reader.sees(world.pick_page_url)
    assert "?reply=" not in html and "Comments are closed." in html


def test_a_writeup_edited_shows_on_the_next_request(world):
    reader = Reader()
    for url in (world.pick_page_url, reverse("home")):
        reader.sees(url)
    services.save_writeup(
        pick=world.writeup.pick, actor=world.users["member"], body="A *rewritten* take."
    )
    assert "<em>rewritten</em>" in reader.sees(world.pick_page_url)
    assert "rewritten" in reader.sees(reverse("home"))


def test_a_profile_renamed_shows_on_the_next_request(world):
    dylan = world.users["member"]
    reader = Reader()
    blogger = reverse("reviews:blogger", args=["dylan"])
    for url in (blogger, world.pick_page_url):
        reader.sees(url)
    services.update_profile(
        user=dylan,
        display_name="Dylan the Strange",
        blog_name="Strange Reels",
        blog_url="https://reels.example.com/",
        bio="",
    )
    assert "Dylan the Strange" in reader.sees(blogger)
    assert "Strange Reels" in reader.sees(world.pick_page_url)


def test_a_commenters_new_avatar_shows_in_the_cached_thread(world):
    """The thread shows a signed-in commenter's avatar: a new one renders the thread again."""
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    olaf = world.users["outsider"]
    services.post_comment(
        writeup=world.writeup,
        user=olaf,
        data=services.CommentInput(body="Olaf was here."),
        ip="192.0.2.7",
        settings_row=reader_rules.league_settings(world.league),
    )
    reader = Reader()
    assert "avatar--img" not in element(reader.sees(world.pick_page_url), "comments")
    picture = BytesIO()
    Image.new("RGB", (80, 80), "teal").save(picture, "PNG")
    services.update_profile(
        user=olaf,
        display_name="Olaf",
        blog_name="",
        blog_url="",
        bio="",
        avatar=SimpleUploadedFile("olaf.png", picture.getvalue(), content_type="image/png"),
    )
    assert "avatar--img" in element(reader.sees(world.pick_page_url), "comments")


# --- Viewers with different roles ---------------------------------------------------------


def test_the_pick_panel_of_the_member_on_the_clock_is_never_served_to_a_reader(world):
    maya = world.client("on_clock")
    mine = html_of(maya.get(world.board_url))
    assert "pick-form" in mine and "X-CSRFToken" in mine
    for html in (
        html_of(Client().get(world.board_url)),
        html_of(world.client("member").get(world.board_url)),
    ):
        assert "pick-form" not in html
        assert "Your pick:" not in html
    # And the other way round: the reader first, then the member on the clock.
    assert "pick-form" in html_of(maya.get(world.board_url))


def test_the_commissioners_tools_are_never_served_to_a_member(world):
    carla = world.client("commissioner")
    assert "Commissioner console" in html_of(carla.get(world.board_url))
    moderated = element(html_of(carla.get(world.pick_page_url)), "comments")
    assert "/delete/" in moderated and "csrfmiddlewaretoken" in moderated
    maya = world.client("on_clock")
    assert "Commissioner console" not in html_of(maya.get(world.board_url))
    for viewer in (maya, Client(), maya):  # the second time from the readers' cached thread
        thread = element(html_of(viewer.get(world.pick_page_url)), "comments")
        assert "Agreed." in thread
        assert "/delete/" not in thread and "/approve/" not in thread
    # The readers' cached thread never reaches the commissioner either: the tools stay.
    assert "/delete/" in element(html_of(carla.get(world.pick_page_url)), "comments")


def test_a_held_comment_shows_only_to_its_writer_and_the_moderators(world):
    LeagueReaderSettings.objects.update_or_create(
        league=world.league, defaults={"moderate_first_comments": True}
    )
    other = Reader()
    other.sees(world.pick_page_url)  # caches the readers' thread
    writer = Client()
    response = writer.post(
        reverse("reviews:comment_post", args=[world.league.slug, world.draft.slug, 1, 1]),
        {"body": "Mine, awaiting.", "name": "Wren", "email": "wren@example.com"},
    )
    assert response.status_code == 302
    assert "Mine, awaiting." in html_of(writer.get(world.pick_page_url))
    # Their page has not changed: they keep their copy, without it.
    assert other.get(world.pick_page_url).status_code == 304
    assert "Mine, awaiting." not in html_of(world.client("on_clock").get(world.pick_page_url))
    assert "Mine, awaiting." in html_of(world.client("commissioner").get(world.pick_page_url))
    assert "Mine, awaiting." in html_of(world.client("member").get(world.pick_page_url))  # author
    # The writer's own view never reaches the others through the cache, nor theirs the writer.
    assert "Mine, awaiting." not in html_of(Client().get(world.pick_page_url))
    assert "Mine, awaiting." in html_of(writer.get(world.pick_page_url))


def test_a_signed_in_commenters_held_comment_shows_to_them_alone(world):
    LeagueReaderSettings.objects.update_or_create(
        league=world.league, defaults={"moderate_first_comments": True}
    )
    olaf = world.users["outsider"]
    services.post_comment(
        writeup=world.writeup,
        user=olaf,
        data=services.CommentInput(body="Olaf waits."),
        ip="192.0.2.7",
        settings_row=reader_rules.league_settings(world.league),
    )
    assert "Olaf waits." not in html_of(Client().get(world.pick_page_url))  # cached for readers
    assert "Olaf waits." in html_of(world.client("outsider").get(world.pick_page_url))
    assert "Olaf waits." not in html_of(Client().get(world.pick_page_url))
