"""A crowd queues, never fails (issue 17, finding 4).

50 simultaneous pick POSTs on a busy machine got 503s: each sync request took its own thread and
waited for one of the pool's ten connections, and those still waiting after the pool's timeout
(10 s) were refused although nothing was wrong. Now an app process lets in as many requests as
it has connections and the others wait their turn (config/admission.py).

Against the production server (gunicorn with a uvicorn worker, DEBUG off), on the test database.
"""

import secrets
import threading
import urllib.error
import urllib.request
from collections import Counter
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from draft.models import Pick
from tests.draft.factories import four_by_three

pytestmark = pytest.mark.django_db(transaction=True)

CROWD = 200


def browser_of(user) -> tuple[str, str]:
    """A signed-in browser's cookies: its session and a CSRF secret of its own."""
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value, secrets.token_hex(16)


def test_two_hundred_picks_at_once_queue_and_none_fails(
    app_servers, commissioner, member, other_member
):
    setup = four_by_three(commissioner, [member, other_member], movies=CROWD)
    # Three connections, and a request that waits a second for one is refused: without the
    # queue in front of Django, most of the crowd would be.
    server = app_servers(DATABASE_POOL_SIZE="3", DATABASE_POOL_TIMEOUT="1")
    url = server.url + reverse("draft:pick_submit", args=[setup.league.slug, setup.draft.slug])
    # Strange Dylan is on the clock at 1.01: half the crowd is him (each with another film),
    # half is Maya, whose turn it is not.
    browsers = {user: browser_of(user) for user in (member, other_member)}
    films = [movie.pk for movie in setup.movies]
    answers = Counter()
    barrier = threading.Barrier(CROWD)

    def post(n):
        session, secret = browsers[member if n % 2 else other_member]
        request = urllib.request.Request(
            url,
            data=urlencode({"slot": 1, "movie": films[n]}).encode(),
            headers={
                "Cookie": f"sessionid={session}; csrftoken={secret}",
                "X-CSRFToken": secret,
                "HX-Request": "true",
            },
        )
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=120) as answer:
                answers[answer.status] += 1
        except urllib.error.HTTPError as error:
            answers[error.code] += 1

    threads = [threading.Thread(target=post, args=(n,)) for n in range(CROWD)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    assert answers == {200: CROWD}, answers
    assert Pick.objects.filter(draft=setup.draft).count() == 1
