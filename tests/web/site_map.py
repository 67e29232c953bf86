"""Every URL pattern of the site, read from the URL resolver, and a small world to aim them at.

`routes()` walks the resolver, so a URL added to any URL conf is covered by the tests that use
it (HEAD on every page, the fuzz test) without anyone listing it. `World.url(route)` fills a
pattern's parameters with values that exist in the world (the league's slug, the comment's id…);
`fill(route, values)` with any values at all.

The world: a public league "Film Club" with a live 4 × 3 draft in which Strange Dylan picked at
1.01 and wrote it up (published, one comment, voting open), so Maya Reel is on the clock;
Strange Dylan said something in the chat. The
personas, as in tests/web/test_authorization.py:

    anonymous     a reader with no account
    outsider      Olaf, logged in, in no league at all
    member        Strange Dylan, seated, not on the clock
    on_clock      Maya Reel, seated, on the clock
    commissioner  Carla, seated at 3
"""

import re
from dataclasses import dataclass, field
from urllib.parse import quote

from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.urls.resolvers import RegexPattern

PERSONAS = ["anonymous", "outsider", "member", "on_clock", "commissioner"]


@dataclass(frozen=True)
class Route:
    pattern: str  # "leagues/<slug:league>/…" or a regular expression for re_path
    name: str  # "draft:board"; "" for an unnamed pattern
    is_regex: bool

    @property
    def parameters(self) -> list[str]:
        if self.is_regex:
            return re.findall(r"\(\?P<(\w+)>", self.pattern)
        return [m.group("name") for m in PARAMETER.finditer(self.pattern)]

    def __str__(self):
        return self.name or self.pattern


PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>[^>]+)>")
REGEX_GROUP = re.compile(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)")


def routes() -> list[Route]:
    """Every URL pattern in the URL confs, in resolution order."""

    def walk(patterns, prefix="", namespace="", regex=False):
        for entry in patterns:
            is_regex = regex or isinstance(entry.pattern, RegexPattern)
            if isinstance(entry, URLResolver):
                inner = ":".join(n for n in (namespace, entry.namespace or "") if n)
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), inner, is_regex)
            else:
                name = f"{namespace}:{entry.name}" if namespace and entry.name else entry.name
                yield Route(prefix + str(entry.pattern), name or "", is_regex)

    return list(walk(get_resolver().url_patterns))


def fill(route: Route, values: dict[str, str]) -> str:
    """The path of `route` with each parameter replaced by its value, percent-encoded as a
    client would send it (a value may itself hold %-escapes, which are sent as they are)."""

    def encoded(name):
        return quote(str(values[name]), safe="%")

    if route.is_regex:
        path = REGEX_GROUP.sub(lambda m: encoded(m.group(1)), route.pattern)
        path = path.replace("^", "").replace("$", "")
    else:
        path = PARAMETER.sub(lambda m: encoded(m.group("name")), route.pattern)
    return "/" + path


@dataclass
class World:
    setup: object
    users: dict
    writeup: object
    comment: object
    queue_entry: object
    chat_message: object
    clients: dict = field(default_factory=dict)

    @property
    def league(self):
        return self.setup.league

    @property
    def draft(self):
        return self.setup.draft

    @property
    def board_url(self) -> str:
        return reverse("draft:board", args=[self.league.slug, self.draft.slug])

    @property
    def pick_page_url(self) -> str:
        """Strange Dylan's pick at 1.01, written up, with Rita's comment."""
        return reverse("pick", args=[self.league.slug, self.draft.slug, 1, 1])

    def reader_pages(self) -> dict[str, str]:
        """The HTML pages a reader reads, by name."""
        league, draft = self.league.slug, self.draft.slug
        movie = self.writeup.pick.movie
        return {
            "home": reverse("home"),
            "leagues": reverse("draft:leagues"),
            "league": reverse("draft:league", args=[league]),
            "board": self.board_url,
            "recap": reverse("reviews:recap", args=[league, draft]),
            "pick": self.pick_page_url,
            "blogger": reverse("reviews:blogger", args=["dylan"]),
            "film": reverse("draft:movie", args=[movie.pk]),
            "search": reverse("reviews:search") + "?q=" + movie.title.split()[0],
        }

    def values(self, route: Route) -> dict[str, str]:
        """Parameters that name things in this world, for `route`."""
        from draft.models import Membership
        from reviews.selectors import category_slug

        dylan = Membership.objects.get(league=self.league, user=self.users["member"])
        action = {
            "draft:manage_action": "end",
            "draft:queue_action": "add",
            "draft:keeper_review": "approve",
            "draft:trade_answer": "accept",
            "reviews:comment_moderate": "approve",
        }.get(route.name, "")
        return {
            "league": self.league.slug,
            "draft": self.draft.slug,
            "round": "1",
            "pick": "1",
            "comment_id": str(self.comment.pk),
            "message_id": str(self.chat_message.pk),
            "keeper_id": "1",
            "trade_id": "1",
            "action": action,
            "member_id": str(dylan.pk),
            "token": self.league.invite_token if route.name == "draft:join" else "set-password",
            "uidb64": "MQ",
            "category": category_slug(self.setup.categories[0]),
            "question": "round-1",
            "username": "dylan",
            "movie_id": str(self.writeup.pick.movie_id),
            "object_id": "1",
            "content_type_id": "1",
            "id": "1",
            "app_label": "reviews",
            "url": "no-such-page/",
            "path": "avatars/1-0123456789ab.png",
        }

    def url(self, route: Route) -> str:
        return fill(route, self.values(route))

    def client(self, persona: str) -> Client:
        if persona not in self.clients:
            client = Client()
            if self.users[persona] is not None:
                client.force_login(self.users[persona])
            self.clients[persona] = client
        return self.clients[persona]


def build_world(commissioner, member, other_member, outsider) -> World:
    from draft.models import QueueEntry
    from draft.services.chat import post_chat_message
    from reviews import rules as reader_rules
    from reviews import services
    from reviews.models import BloggerProfile, DraftReaderSettings
    from tests.draft.factories import four_by_three, make_league, pick_on_clock

    league = make_league(commissioner, [member, other_member], name="Film Club")
    setup = four_by_three(commissioner, [member, other_member], league=league, movies=12)
    pick = pick_on_clock(setup).pick  # Strange Dylan at 1.01: Maya is on the clock
    writeup = services.save_writeup(pick=pick, actor=member, body="A *fine* film.", publish=True)
    comment = services.post_comment(
        writeup=writeup,
        user=None,
        data=services.CommentInput(body="Agreed.", name="Rita", email="rita@example.com"),
        ip="192.0.2.1",
        settings_row=reader_rules.league_settings(league),
    )
    DraftReaderSettings.objects.create(draft=setup.draft, voting_open=True)
    BloggerProfile.objects.create(user=member, display_name="Strange Dylan")
    entry = QueueEntry.objects.create(seat=setup.seat_of(member), movie=setup.free_movie(), rank=1)
    message = post_chat_message(draft=setup.draft, user=member, text="See https://example.com")
    users = {
        "anonymous": None,
        "outsider": outsider,
        "member": member,
        "on_clock": other_member,
        "commissioner": commissioner,
    }
    return World(
        setup=setup,
        users=users,
        writeup=writeup,
        comment=comment,
        queue_entry=entry,
        chat_message=message,
    )
