"""Who may open or post to every results URL, in a public and in a private league, and that no
POST goes through without a CSRF token. The league has a finished 4 × 3 draft; the personas:
anonymous (no account), outsider (logged in, in no league), member (seated), commissioner."""

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from results.models import MemberRating, ResultsSetup, ScoreColumn, Standing
from results.urls import urlpatterns
from tests.draft.factories import bulk_fill_picks, four_by_three

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "outsider", "member", "commissioner"]

# "a|b": a in the public league, b in the private one. login: to the login page and back.
TABLE = """
url name      method  anonymous  outsider  member  commissioner
standings     GET     200|404    200|404   200     200
standings     POST    405        405       405     405
setup         GET     login      403|404   403     200
setup         POST    login      403|404   403     302
ratings       GET     login      200       200     200
ratings       POST    login      200       200     200
draft_stats   GET     200|404    200|404   200     200
league_stats  GET     200|404    200|404   200     200
"""


def rows(visibility):
    side = 0 if visibility == "public" else 1
    for line in TABLE.strip().splitlines()[1:]:
        name, method, *cells = line.split()
        yield (
            name,
            method,
            {
                persona: (cell.split("|")[side] if "|" in cell else cell)
                for persona, cell in zip(PERSONAS, cells, strict=True)
            },
        )


def snapshot():
    return (
        list(ResultsSetup.objects.values_list("draft_id", "version", "locked_at")),
        list(ScoreColumn.objects.values_list("pk", "weight")),
        Standing.objects.count(),
        MemberRating.objects.count(),
    )


@pytest.fixture
def world(commissioner, member, outsider):
    def build(visibility):
        setup = four_by_three(commissioner, [member])
        bulk_fill_picks(setup, 12)
        setup.league.is_public = visibility == "public"
        setup.league.save()
        clients = {persona: Client() for persona in PERSONAS}
        for persona, user in (
            ("outsider", outsider),
            ("member", member),
            ("commissioner", commissioner),
        ):
            clients[persona].force_login(user)
        return setup, clients

    return build


def url_of(name, setup):
    if name == "ratings":
        return reverse("results:ratings")
    if name == "league_stats":
        return reverse("results:league_stats", args=[setup.league.slug])
    return reverse(f"results:{name}", args=[setup.league.slug, setup.draft.slug])


@pytest.mark.parametrize("visibility", ["public", "private"])
def test_who_gets_what(world, visibility):
    setup, clients = world(visibility)
    wrong = []
    for name, method, expected in rows(visibility):
        if visibility == "private" and name == "ratings":
            continue
        url = url_of(name, setup)
        for persona, client in clients.items():
            with transaction.atomic():
                before = snapshot()
                if method == "GET":
                    response = client.get(url)
                else:
                    response = client.post(url, {"action": "lock"})
                got = str(response.status_code)
                if response.status_code == 302 and "/accounts/login/" in response["Location"]:
                    got = "login"
                if got in ("403", "404", "405", "login") and snapshot() != before:
                    got += ", but the data changed"
                transaction.set_rollback(True)
            if got != expected[persona]:
                wrong.append(
                    f"{method} {name} as {persona}: expected {expected[persona]}, got {got}"
                )
    assert not wrong, "\n".join(wrong)


def test_the_table_covers_every_url():
    assert {line.split()[0] for line in TABLE.strip().splitlines()[1:]} == {
        p.name for p in urlpatterns
    }


def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(world, commissioner, member):
    setup, _ = world("public")
    for user, name, data in (
        (commissioner, "setup", {"action": "lock"}),
        (member, "ratings", {"action": "remove", "confirm": "yes"}),
    ):
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        before = snapshot()
        assert client.post(url_of(name, setup), data).status_code == 403
        assert snapshot() == before
