"""The draft log and the queue page, as people see them."""

import pytest
from django.test import Client

from draft.models import QueueEntry, Seat
from draft.services.picks import make_pick, skip_on_clock
from draft.services.running import pause_draft, resume_draft
from tests.draft.factories import four_by_three

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    movie = setup.free_movie(setup.categories[0])
    make_pick(draft_id=setup.draft.pk, user=member, movie_id=movie.pk, expected_slot=1)
    pause_draft(draft_id=setup.draft.pk, actor=commissioner)
    resume_draft(draft_id=setup.draft.pk, actor=commissioner)
    skip_on_clock(draft_id=setup.draft.pk, actor=commissioner)
    setup.picked = movie
    return setup


def log_url(setup):
    return f"/leagues/{setup.league.slug}/{setup.draft.slug}/log/"


def test_readers_see_picks_and_skips_but_not_pauses(client, setup):
    response = client.get(log_url(setup))
    assert response.status_code == 200
    text = response.content.decode()
    assert f"selects {setup.picked}" in text
    assert "skipped" in text
    assert "Draft paused" not in text and "Draft resumed" not in text


def test_commissioners_see_every_event_with_who_made_it(commissioner_client, setup):
    text = commissioner_client.get(log_url(setup)).content.decode()
    for summary in ["Draft paused", "Draft resumed", "skipped", "Test Draft started"]:
        assert summary in text
    assert "by Carla Commish" in text


def test_the_log_of_a_private_league_is_hidden_from_outsiders(outsider_client, setup):
    setup.league.is_public = False
    setup.league.save()
    assert outsider_client.get(log_url(setup)).status_code == 404


def test_log_query_count_does_not_grow_with_events(client, setup, django_assert_num_queries):
    for _ in range(5):
        pause_draft(draft_id=setup.draft.pk, actor=setup.commissioner)
        resume_draft(draft_id=setup.draft.pk, actor=setup.commissioner)
    # 1 draft with league, 2 events with their actors.
    with django_assert_num_queries(2):
        client.get(log_url(setup))


def queue_url(setup, action=""):
    base = f"/leagues/{setup.league.slug}/{setup.draft.slug}/queue/"
    return base + (f"{action}/" if action else "")


def test_a_member_queues_reorders_and_removes_films(other_member_client, other_member, setup):
    films = [m for m in setup.movies if m != setup.picked][:2]
    for movie in films:
        response = other_member_client.post(
            queue_url(setup, "add"), {"movie": movie.pk}, follow=True
        )
        assert f"{movie} is number" in response.content.decode()
    second = QueueEntry.objects.get(movie=films[1])
    other_member_client.post(queue_url(setup, "up"), {"entry": second.pk})
    seat = Seat.objects.get(draft=setup.draft, membership__user=other_member)
    assert list(QueueEntry.objects.filter(seat=seat).values_list("movie", flat=True)) == [
        films[1].pk,
        films[0].pk,
    ]
    page = other_member_client.get(queue_url(setup)).content.decode()
    assert page.index(films[1].title) < page.index(films[0].title)
    other_member_client.post(queue_url(setup, "remove"), {"entry": second.pk})
    assert list(QueueEntry.objects.filter(seat=seat).values_list("movie", flat=True)) == [
        films[0].pk
    ]


def test_queueing_a_taken_film_is_refused_with_a_message(other_member_client, setup):
    response = other_member_client.post(
        queue_url(setup, "add"), {"movie": setup.picked.pk}, follow=True
    )
    assert "is already taken" in response.content.decode()
    assert not QueueEntry.objects.exists()


def test_the_queue_is_private(client, outsider_client, setup, other_member):
    assert client.get(queue_url(setup)).status_code == 302  # log in first
    assert outsider_client.get(queue_url(setup)).status_code == 403
    assert outsider_client.post(queue_url(setup, "add"), {"movie": 1}).status_code == 403


def test_queue_posts_need_a_csrf_token(other_member, setup):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(other_member)
    movie = setup.movies[5]
    assert strict.post(queue_url(setup, "add"), {"movie": movie.pk}).status_code == 403
    assert not QueueEntry.objects.exists()
