"""No input costs a 500: every URL pattern of the site (read from the URL resolver), every form
field (read from the form classes and from the views' own request.POST/GET reads), as each
persona, with hostile text and unexpected methods (issue 9).

Two tests:

- the sweep: every URL × every persona, once with a hostile query string and once posted with
  every known field set to hostile text; nothing is left out, so a new URL or field is covered
  the day it is added;
- the fuzz: Hypothesis draws the URL, the persona, the method, hostile or plausible path
  parameters, query parameters and form fields (control characters, RTL overrides, 40,000
  characters, percent-encoded invalid UTF-8, huge and negative numbers, non-ASCII digits).

Every request runs in a savepoint that is rolled back, so each one meets the same world
(tests/web/site_map.py). The budget is fixed and the examples are the same on every run
(derandomized): FUZZ_EXAMPLES=5000 FUZZ_RANDOM=1 explores further, locally.
"""

import os
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from django import forms
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.web.site_map import PERSONAS, build_world, fill, routes

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "400"))
METHODS = ["GET", "POST", "HEAD", "PUT", "PATCH", "DELETE", "OPTIONS"]


def form_field_names() -> set[str]:
    """Every field of every form class the site defines or uses, and every parameter a view
    reads from request.POST or request.GET by hand."""
    import accounts.forms  # noqa: F401
    import draft.forms  # noqa: F401
    import reviews.forms  # noqa: F401

    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    names = set()
    for form_class in {*subclasses(forms.Form), *subclasses(forms.ModelForm)}:
        if form_class.__module__.split(".")[0] in {"accounts", "draft", "reviews", "django"}:
            names |= set(getattr(form_class, "base_fields", {}))
    # Console forms carry prefixes: "new-name" adds a category, "cat<id>-name" edits one.
    names |= {f"new-{n}" for n in draft.forms.CategoryForm.base_fields}
    view_files = [*ROOT.glob("*/views.py"), *ROOT.glob("*/*_views.py"), *ROOT.glob("*/views/*.py")]
    assert ROOT / "reviews" / "site_views.py" in view_files
    assert ROOT / "draft" / "views" / "console.py" in view_files
    for view_file in view_files:
        source = view_file.read_text()
        names |= set(re.findall(r'request\.(?:POST|GET)\.get(?:list)?\("(\w+)"', source))
    return names


FIELDS = sorted(form_field_names())

FIXED_HOSTILE = [
    "\x00",
    "a\x00b",
    "\x01\x02\x03\x07\x08\x0b\x0c\x1b[31m\x1f\x7f",
    "\u202eevil\u202c",  # right-to-left override
    "\u2066\u2067\u2068\u2069\u200f\u200e",
    "\ufeff\ufffe\uffff",
    "²",
    "٣",
    "１２",
    "-1",
    "0",
    "9" * 40,
    "9223372036854775808",
    "-9223372036854775809",
    "1e309",
    "NaN",
    "1.5",
    " 7 ",
    "",
    " ",
    "<script>alert(1)</script>",
    "'\"><img src=x onerror=alert(1)>",
    "javascript:alert(1)",
    "//evil.example/",
    "/\\evil.example/",
    "welcome",
    "../../etc/passwd",
    "%00",
    "[" * 30000,
    "![" * 15000,
    ">" * 30000,
    "<div>" * 6000,
    "x" * 100_000,
    "é" * 40_000,
    "\r\nSet-Cookie: evil=1",
]
# Percent-encoded bytes that are not UTF-8 (or are, but decode to something nasty), sent as is.
RAW_ESCAPES = ["%ff", "%c3%28", "%ed%a0%80", "%f4%90%80%80", "%c0%af", "%00", "%e2%80%ae", "%"]

hostile_text = st.one_of(
    st.sampled_from(FIXED_HOSTILE),
    st.text(max_size=40),
    st.text(alphabet=st.characters(max_codepoint=0x3F), max_size=40),  # C0 controls and digits
    st.builds(
        lambda unit, n: unit * n, st.sampled_from(["x", "[", "<a ", "\x00"]), st.integers(1, 40_000)
    ),
    st.integers(min_value=-(2**80), max_value=2**80).map(str),
)
# A value as it travels in a query string or a form body: quoted text, or raw escapes.
encoded_value = st.one_of(
    hostile_text.map(lambda text: quote(text, safe="")),
    st.lists(st.sampled_from(RAW_ESCAPES), min_size=1, max_size=4).map("".join),
)


@pytest.fixture
def world(commissioner, member, other_member, outsider):
    world = build_world(commissioner, member, other_member, outsider)
    # Each request carries only the persona's session cookie, so a request that logs out (or
    # is rolled back) never changes who the next one is.
    world.sessions = {}
    # One client per persona (building one loads every middleware), its cookies reset before
    # each request. A SuspiciousOperation (a login redirect longer than Django allows…) is a
    # 400 in production; these clients answer it instead of raising it.
    world.fuzz_clients = {p: Client(raise_request_exception=False) for p in PERSONAS}
    for persona in PERSONAS:
        if world.users[persona] is not None:
            world.sessions[persona] = (
                world.client(persona).cookies[settings.SESSION_COOKIE_NAME].value
            )
    return world


def plausible(world) -> dict[str, str]:
    """Values that name things in the world, so a fuzzed form gets past its first check."""
    setup = world.setup
    return {
        "movie": str(setup.free_movie().pk),
        "slot": "2",
        "category": str(setup.categories[1].pk),
        "seat": str(setup.seats[1].pk),
        "pick": str(world.writeup.pick_id),
        "choice": str(world.writeup.pick_id),
        "parent": str(world.comment.pk),
        "entry": str(world.queue_entry.pk),
        "membership": str(setup.seats[0].membership_id),
        "token": world.league.invite_token,
        "body": "A fine film.",
        "text": "Jaws, obviously. https://example.com",
        "name": "Fuzzy",
        "email": "fuzzy@example.com",
        "q": "film",
        "next": "/leagues/",
    }


def send(world, persona: str, method: str, url: str, body: str = ""):
    """One request as `persona`, in a savepoint rolled back afterwards. Returns the status."""
    cache.clear()
    client = world.fuzz_clients[persona]
    client.cookies.clear()
    if persona in world.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions[persona]
    with transaction.atomic():
        response = client.generic(
            method, url, data=body, content_type="application/x-www-form-urlencoded"
        )
        transaction.set_rollback(True)
    return response.status_code


def form_body(pairs) -> str:
    return "&".join(f"{quote(key, safe='')}={value}" for key, value in pairs)


def test_every_url_and_every_field_as_every_persona(world):
    """The sweep: a hostile query on every URL, and every field hostile in a POST to it."""
    # Short, so that 1,100 requests stay quick; the fuzz sends the long ones.
    nasty = quote("\x00\u202e[[![²\x1b", safe="")
    query = form_body([(name, nasty) for name in ("q", "next", "category", "v", "p", "reply")])
    body = form_body([(name, nasty) for name in FIELDS])
    wrong = []
    for route in routes():
        url = world.url(route)
        for persona in PERSONAS:
            for method, target, data in [("GET", f"{url}?{query}", ""), ("POST", url, body)]:
                status = send(world, persona, method, target, data)
                if status >= 500:
                    wrong.append(f"{method} {url} as {persona}: {status}")
    assert not wrong, "\n".join(wrong)


# Numbers no id, slot or version can be: zero, negative, past bigint, another script's digits
# (the fuzz below draws the rest: "²", "１２", 2**63…).
IMPOSSIBLE_NUMBERS = ["0", "-1", "9" * 30, "٣"]


def test_every_number_a_form_sends_with_impossible_values(world):
    """Issue 16, finding 5: "slot=0" in a pick answered 500. Every POST of every URL, as the
    member on the clock and as the commissioner (who get furthest into the views), with every
    other field plausible and one number field impossible, in turn: "0" everywhere, and each
    other kind of impossible number on every third URL (all of them everywhere took over a
    minute)."""
    known = plausible(world)
    numbers = sorted({name for name, value in known.items() if value.isdigit()} | {"act"})
    wrong = []
    for at, route in enumerate(routes()):
        url = world.url(route)
        for persona in ("on_clock", "commissioner"):
            if send(world, persona, "POST", url, form_body(known.items())) == 405:
                continue  # takes no posts
            for turn, name in enumerate(numbers):
                other = IMPOSSIBLE_NUMBERS[1 + (at + turn) % (len(IMPOSSIBLE_NUMBERS) - 1)]
                for value in ("0", other):
                    fields = {**known, name: value}
                    body = form_body((k, quote(v, safe="")) for k, v in fields.items())
                    status = send(world, persona, "POST", url, body)
                    if status >= 500:
                        wrong.append(f"POST {url} as {persona} with {name}={value!r}: {status}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("length", [255, 256, 10_000])
@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_login_usernames_past_any_column(world, url, length):
    """Issue 16, finding 4: a 256-character username was a 500 on PostgreSQL."""
    body = form_body([("username", "u" * length), ("password", "wrong")])
    assert send(world, "anonymous", "POST", url, body) < 500


def test_hostile_path_parameters_are_never_a_500(world):
    """Every parameter of every URL pattern, in turn, replaced by hostile text, as the
    commissioner (who gets furthest into the views); the fuzz below tries the other personas."""
    wrong = []
    hostile = [("GET", "%00"), ("POST", "%ff%fe"), ("GET", "\u202e²"), ("POST", "9" * 30)]
    for route in routes():
        for parameter in route.parameters:
            for method, value in hostile:
                url = fill(route, {**world.values(route), parameter: value})
                status = send(world, "commissioner", method, url)
                if status >= 500:
                    wrong.append(f"{method} {url[:120]}: {status}")
    assert not wrong, "\n".join(wrong)


ROUTES = routes()


@hypothesis_settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=not os.environ.get("FUZZ_RANDOM"),
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_fuzz_every_url_with_hostile_input(world, data):
    route = data.draw(st.sampled_from(ROUTES), label="route")
    persona = data.draw(st.sampled_from(PERSONAS), label="persona")
    method = data.draw(st.sampled_from(["GET", "POST"]) | st.sampled_from(METHODS), label="method")
    values = world.values(route)
    for parameter in route.parameters:
        if data.draw(st.booleans(), label=f"hostile {parameter}"):
            values[parameter] = data.draw(encoded_value, label=parameter)
    url = fill(route, values)
    known = plausible(world)
    query = data.draw(
        st.lists(
            st.tuples(st.sampled_from(["q", "next", "category", "v", "p", "reply"]), encoded_value),
            max_size=3,
        ),
        label="query",
    )
    fields = data.draw(st.lists(st.sampled_from(FIELDS), max_size=8, unique=True), label="fields")
    pairs = []
    for name in fields:
        if name in known and data.draw(st.booleans(), label=f"plausible {name}"):
            pairs.append((name, quote(known[name], safe="")))
        else:
            pairs.append((name, data.draw(encoded_value, label=name)))
    target = url + ("?" + form_body(query) if query else "")
    status = send(world, persona, method, target, form_body(pairs))
    assert status < 500, f"{method} {target[:200]} as {persona}: {status}"
