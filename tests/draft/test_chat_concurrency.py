"""The chat under parallel requests: one poster's simultaneous posts stop exactly at the rate
limit (the poster's row decides), and posting never waits for a draft writer's lock. Threads
with their own connections, committing for real (transaction=True)."""

import threading

import pytest
from django.db import connection, transaction

from draft.models import ChatMessage, Draft
from draft.services.chat import post_chat_message
from tests.draft.factories import four_by_three
from tests.threads import at_once

pytestmark = pytest.mark.django_db(transaction=True)

THREADS = 8


@pytest.fixture
def setup(commissioner, member, other_member):
    return four_by_three(commissioner, [member, other_member])


def test_parallel_posts_of_one_member_stop_at_the_limit(setup, member, other_member, settings):
    settings.CHAT_RATE_LIMIT = (5, 60)

    def say(user, n):
        return lambda: post_chat_message(draft=setup.draft, user=user, text=f"Hi {n}")

    accepted, refused = at_once([say(member, n) for n in range(THREADS)])

    assert accepted == 5
    assert ChatMessage.objects.filter(author=member).count() == 5
    assert refused == ["You're posting fast — wait a few seconds."] * (THREADS - 5)
    # Each member has a limit of their own.
    accepted, refused = at_once([say(other_member, n) for n in range(3)])
    assert accepted == 3 and not refused


def test_the_same_message_sent_at_once_from_two_tabs_is_posted_once(setup, member):
    def say():
        post_chat_message(draft=setup.draft, user=member, text="Jaws, obviously")

    accepted, _ = at_once([say, say, say])

    assert accepted == 3
    assert ChatMessage.objects.filter(text="Jaws, obviously").count() == 1


def test_posting_does_not_wait_for_a_draft_writer(setup, member):
    """A pick holds the draft row FOR NO KEY UPDATE for its whole transaction; a message's
    foreign key to the draft needs only KEY SHARE, which that lock leaves free. (SQLite has
    one writer at a time: there the post waits its turn and is saved, never refused.)"""
    locked, release = threading.Event(), threading.Event()

    def draft_writer():
        try:
            with transaction.atomic():
                Draft.objects.select_for_update(of=("self",), no_key=True).get(pk=setup.draft.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    writer = threading.Thread(target=draft_writer)
    writer.start()
    if connection.vendor != "postgresql":
        posted = threading.Event()

        def poster():
            try:
                post_chat_message(draft=setup.draft, user=member, text="While you pick")
                posted.set()
            finally:
                connection.close()

        assert locked.wait(timeout=10)
        waiting = threading.Thread(target=poster)
        waiting.start()
        assert not posted.wait(timeout=1), "SQLite let two writers in at once"
        release.set()
        writer.join(timeout=30)
        waiting.join(timeout=30)
        assert posted.is_set()
        assert ChatMessage.objects.filter(text="While you pick").exists()
        return
    try:
        assert locked.wait(timeout=10)
        with connection.cursor() as cursor:
            # Waiting for any lock for more than two seconds fails this post.
            cursor.execute("SET lock_timeout = '2s'")
        try:
            post_chat_message(draft=setup.draft, user=member, text="While you pick")
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = 0")
        assert writer.is_alive(), "the draft lock was released before the post"
    finally:
        release.set()
        writer.join(timeout=30)
    assert ChatMessage.objects.filter(text="While you pick").exists()
