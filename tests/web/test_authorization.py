"""Who may open or post to every URL of the draft, in a public and in a private league, and that
no POST goes through without a CSRF token.

The league has a live 4 × 3 draft in which Strange Dylan picked at 1.01, so Maya Reel is on the
clock at 1.02. The personas:

    anonymous     a reader with no account
    outsider      Olaf, logged in, in no league at all
    member        Strange Dylan, seated, not on the clock
    on_clock      Maya Reel, seated, on the clock
    commissioner  Carla, seated at 3
"""

from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from draft.models import ChatMessage, Draft, League, Membership, Movie, Pick, QueueEntry
from draft.services.chat import post_chat_message
from draft.urls import urlpatterns
from draft.views.console import ACTIONS
from tests.draft.factories import four_by_three, make_league, pick_on_clock
from tests.web.conftest import action_url, board_url, login_url, pick_url, search_url

pytestmark = pytest.mark.django_db

PERSONAS = ["anonymous", "outsider", "member", "on_clock", "commissioner"]

# Expected answer per persona. "a|b": a in the public league, b in the private one.
# login: a redirect to the login page that comes back to this URL.
# A 200 on pick_submit for a member who is not on the clock is the refusal page ("It is not
# your turn"); member_rename by Maya renames nobody (she may only rename herself) and says so.
# member_remove is about Strange Dylan: he may leave, only a commissioner may remove him.
TABLE = """
url name         method  anonymous  outsider  member   on_clock  commissioner
leagues          GET     200        200       200      200       200
league_new       GET     login      200       200      200       200
league_new       POST    login      302       302      302       302
league           GET     200|404    200|404   200      200       200
league_settings  GET     login      403|404   403      403       200
league_settings  POST    login      403|404   403      403       302
rotate_invite    POST    login      403|404   403      403       302
member_role      POST    login      403|404   403      403       302
member_rename    POST    login      403|404   302      302       302
member_remove    GET     login      403|404   200      403       200
member_remove    POST    login      403|404   302      403       302
join             GET     200        200       302      302       302
join             POST    200        302       302      302       302
draft_new        GET     login      403|404   403      403       200
draft_new        POST    login      403|404   403      403       302
season_next      GET     login      403|404   403      403       200
season_next      POST    login      403|404   403      403       200
board            GET     200|404    200|404   200      200       200
board_panel      GET     200|404    200|404   200      200       200
events           GET     200|404    200|404   200      200       200
pick_submit      POST    login      403|404   200      302       200
search           GET     403|404    403|404   200      200       200
manage           GET     login      403|404   403      403       200
manage_live      GET     login      403|404   403      403       200
manage_action    GET     login      403|404   403      403       200
manage_action    POST    login      403|404   403      403       302
export_csv       GET     200|404    200|404   200      200       200
export_json      GET     200|404    200|404   200      200       200
log              GET     200|404    200|404   200      200       200
chat             GET     200|404    200|404   200      200       200
chat             POST    login      403|404   302      302       302
chat_delete      POST    login      403|404   403      403       302
keepers          GET     login      403|404   200      200       200
keepers          POST    login      403|404   302      302       302
keeper_review    POST    login      403|404   403      403       302
trades           GET     200|404    200|404   200      200       200
trades           POST    login|404  403|404   302      302       302
trade_answer     POST    login      403|404   302      302       302
queue            GET     login      403|404   200      200       200
queue_action     POST    login      403|404   302      302       302
notifications    GET     login      200       200      200       200
notifications    POST    login      302       302      302       302
movie_new        GET     login      403       200      200       200
movie_new        POST    login      403       302      302       302
movie            GET     200        200       200      200       200
movie_poster     GET     login      403       200      403       200
movie_poster     POST    login      403       200      403       200
pick             GET     200|404    200|404   200      200       200
"""


# Pages that do not belong to a league: the private run leaves them out.
LEAGUE_FREE = {"leagues", "league_new", "notifications", "movie"}


def parse_table(visibility: str) -> list[tuple[str, str, dict]]:
    """(url name, method, {persona: expected answer}) for each row, in one visibility."""
    side = 0 if visibility == "public" else 1
    rows = []
    for line in TABLE.strip().splitlines()[1:]:
        name, method, *cells = line.split()
        expected = {}
        for persona, cell in zip(PERSONAS, cells, strict=True):
            value = cell.split("|")[side] if "|" in cell else cell
            expected[persona] = value if value == "login" else int(value)
        rows.append((name, method, expected))
    return rows


@dataclass
class World:
    setup: object
    users: dict

    @property
    def league(self):
        return self.setup.league

    @property
    def draft(self):
        return self.setup.draft


@pytest.fixture
def world_for(commissioner, member, other_member, outsider, films):
    def build(visibility: str) -> World:
        league = make_league(
            commissioner,
            [member, other_member],
            name="Film Club",
            is_public=visibility == "public",
        )
        League.objects.filter(pk=league.pk).update(keepers_per_member=2)
        league.refresh_from_db()
        setup = four_by_three(commissioner, [member, other_member], league=league, movies=0)
        setup.movies = list(films.values())
        pick_on_clock(setup, films["psycho"])  # Strange Dylan at 1.01; Maya is on the clock
        post_chat_message(draft=setup.draft, user=member, text="Good luck!")
        users = {
            "anonymous": None,
            "outsider": outsider,
            "member": member,
            "on_clock": other_member,
            "commissioner": commissioner,
        }
        return World(setup=setup, users=users)

    return build


def request_for(world: World, name: str, method: str) -> tuple[str, dict]:
    """The URL and the data a person would send: valid data, so a 302 means it worked."""
    league, draft = world.league.slug, world.draft.slug
    dylan = Membership.objects.get(league=world.league, user=world.users["member"])
    film = Movie.objects.get(title="Halloween")
    token = world.league.invite_token
    requests = {
        "leagues": (reverse("draft:leagues"), {}),
        "league_new": (
            reverse("draft:league_new"),
            {"name": "Fresh League", "description": "New.", "is_public": "on"},
        ),
        "league": (reverse("draft:league", args=[league]), {}),
        "league_settings": (
            reverse("draft:league_settings", args=[league]),
            {"name": "Renamed Club", "description": "", "time_zone": "Europe/Paris"},
        ),
        "rotate_invite": (reverse("draft:rotate_invite", args=[league]), {}),
        "member_role": (
            reverse("draft:member_role", args=[league, dylan.pk]),
            {"commissioner": "1"},
        ),
        "member_rename": (
            reverse("draft:member_rename", args=[league, dylan.pk]),
            {"display_name": "Dylan the Strange"},
        ),
        "member_remove": (reverse("draft:member_remove", args=[league, dylan.pk]), {}),
        "join": (reverse("draft:join", args=[league, token]), {"token": token}),
        "draft_new": (
            reverse("draft:draft_new", args=[league]),
            {
                "name": "Second Draft",
                "order": "snake",
                "category_mode": "per_round",
                "categories": "Wildcard\nComedy",
            },
        ),
        # The world's draft is live: the commissioner's 200 is the page saying it is not
        # over yet (tests/draft/test_seasons.py starts a season).
        "season_next": (
            reverse("draft:season_next", args=[league]),
            {"name": "Next Season", "order": "keep"},
        ),
        "board": (board_url(world.setup), {}),
        "board_panel": (reverse("draft:board_panel", args=[league, draft]), {}),
        "events": (reverse("draft:events", args=[league, draft]), {}),
        "pick_submit": (pick_url(world.setup), {"slot": 2, "movie": film.pk}),
        "search": (search_url(world.setup), {"q": "night"}),
        "manage": (reverse("draft:manage", args=[league, draft]), {}),
        "manage_live": (reverse("draft:manage_live", args=[league, draft]), {}),
        # GET: the confirmation page of a destructive action; POST: pause the draft.
        "manage_action": (action_url(world.setup, "end" if method == "GET" else "pause"), {}),
        "export_csv": (reverse("draft:export_csv", args=[league, draft]), {}),
        "export_json": (reverse("draft:export_json", args=[league, draft]), {}),
        "log": (reverse("draft:log", args=[league, draft]), {}),
        "chat": (reverse("draft:chat", args=[league, draft]), {"text": "Hello"}),
        "chat_delete": (
            reverse(
                "draft:chat_delete",
                args=[league, draft, ChatMessage.objects.get(draft=world.draft).pk],
            ),
            {},
        ),
        # The league keeps films (world_for): the draft is live, so a choice or a review is
        # refused with a message on the keepers page (302 back to it).
        "keepers": (reverse("draft:keepers", args=[league, draft]), {"keep": "1"}),
        "keeper_review": (
            reverse("draft:keeper_review", args=[league, draft, 1, "approve"]),
            {},
        ),
        # Nothing chosen, no such trade: refused with a message on the trade page.
        "trades": (reverse("draft:trades", args=[league, draft]), {"to_seat": "1"}),
        "trade_answer": (reverse("draft:trade_answer", args=[league, draft, 1, "accept"]), {}),
        "queue": (reverse("draft:queue", args=[league, draft]), {}),
        "queue_action": (
            reverse("draft:queue_action", args=[league, draft, "add"]),
            {"movie": film.pk},
        ),
        "notifications": (reverse("draft:notifications"), {"on_clock": "on"}),
        "movie_new": (reverse("draft:movie_new"), {"title": "Brand New Film", "year": 2024}),
        "movie": (reverse("draft:movie", args=[film.pk]), {}),
        # Strange Dylan drafted it. The film has no uploaded poster: the 200 for those who may
        # is the message that there is none to remove.
        "movie_poster": (
            reverse("draft:movie_poster", args=[Movie.objects.get(title="Psycho").pk]),
            {"remove": "on"},
        ),
        "pick": (reverse("pick", args=[league, draft, 1, 1]), {}),
    }
    url, data = requests[name]
    return url, (data if method == "POST" or name == "search" else {})


def snapshot():
    """Everything a refused request must leave alone."""
    return (
        list(League.objects.order_by("pk").values_list("name", "is_public", "invite_token")),
        list(
            Membership.objects.order_by("pk").values_list(
                "user_id", "display_name", "is_commissioner"
            )
        ),
        list(Draft.objects.order_by("pk").values_list("name", "status", "version")),
        list(Pick.objects.order_by("pk").values_list("slot", "movie_id")),
        list(Movie.objects.order_by("pk").values_list("title", "poster")),
        QueueEntry.objects.count(),
        list(ChatMessage.objects.order_by("pk").values_list("text", "deleted_at")),
    )


def answer(response, url: str):
    if response.status_code == 302 and response["Location"] == login_url(url):
        return "login"
    return response.status_code


@pytest.mark.parametrize("visibility", ["public", "private"])
def test_who_gets_what(visibility, world_for):
    world = world_for(visibility)
    clients = {persona: Client() for persona in PERSONAS}
    for persona, client in clients.items():
        if world.users[persona] is not None:
            client.force_login(world.users[persona])
    wrong = []
    for name, method, expected in parse_table(visibility):
        if visibility == "private" and name in LEAGUE_FREE:
            continue
        url, data = request_for(world, name, method)
        for persona, client in clients.items():
            # Each request finds the world as it was: it runs in a savepoint that is rolled
            # back afterwards.
            with transaction.atomic():
                if method == "GET":
                    got = answer(client.get(url, data), url)
                else:
                    before = snapshot()
                    got = answer(client.post(url, data), url)
                    if got in (403, 404, "login") and snapshot() != before:
                        got = f"{got}, but the data changed"
                transaction.set_rollback(True)
            if got != expected[persona]:
                wrong.append(
                    f"{method} {name} as {persona}: expected {expected[persona]}, got {got}"
                )
    assert not wrong, "\n".join(wrong)


def test_the_table_covers_every_url():
    names = {pattern.name for pattern in urlpatterns} | {"pick"}
    in_table = {line.split()[0] for line in TABLE.strip().splitlines()[1:]}
    assert in_table == names


def test_an_unknown_console_action_is_404(world_for, commissioner_client):
    world = world_for("public")
    assert commissioner_client.post(action_url(world.setup, "explode")).status_code == 404


# --- CSRF ----------------------------------------------------------------------------------

# Every POST URL, posted by the persona for whom it would work.
POSTS = [
    ("league_new", "commissioner"),
    ("league_settings", "commissioner"),
    ("rotate_invite", "commissioner"),
    ("member_role", "commissioner"),
    ("member_rename", "member"),
    ("join", "outsider"),
    ("draft_new", "commissioner"),
    ("season_next", "commissioner"),
    ("pick_submit", "on_clock"),
    ("queue_action", "member"),
    ("keepers", "member"),
    ("keeper_review", "commissioner"),
    ("trades", "member"),
    ("trade_answer", "member"),
    ("notifications", "member"),
    ("movie_new", "member"),
    ("movie_poster", "member"),
    ("chat", "member"),
    ("chat_delete", "commissioner"),
    *(("manage_action", action) for action in ACTIONS),
    *(("queue_action", action) for action in ("remove", "up", "down", "autopick")),
]


def test_a_post_without_a_csrf_token_is_refused_and_changes_nothing(world_for):
    world = world_for("public")
    strict = {persona: Client(enforce_csrf_checks=True) for persona in PERSONAS[1:]}
    for persona, client in strict.items():
        client.force_login(world.users[persona])
    before = snapshot()
    wrong = []
    for name, who in POSTS:
        if name == "manage_action":
            url, data, persona = action_url(world.setup, who), {"slot": 2}, "commissioner"
        elif name == "queue_action" and who != "member":
            url = reverse("draft:queue_action", args=[world.league.slug, world.draft.slug, who])
            data, persona = {"enabled": "1"}, "member"
        else:
            (url, data), persona = request_for(world, name, "POST"), who

        response = strict[persona].post(url, data)

        if response.status_code != 403 or b"This form has expired" not in response.content:
            wrong.append(f"{url} as {persona}: {response.status_code}")
    assert not wrong, "\n".join(wrong)
    assert snapshot() == before
