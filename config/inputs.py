"""What a request brings in, made safe in one place.

- `InputHygieneMiddleware` strips control characters from every query parameter and every form
  field before any view sees them, and answers 404 for a path that contains one: no page of
  the site has such an address. So no NUL reaches PostgreSQL (which refuses it: a 500) and no
  control character reaches an Atom feed (which XML 1.0 forbids: a 500 for every reader).
- `parse_int` is the only way a view reads a number from a request: ASCII digits in a sane
  range, or None; `form_int` reads a hidden field of our own forms the same way, and refuses
  a value that is there but is not such a number.
- `safe_next` is the only way a view follows a `next` parameter.
- `client_ip` is the reader's address, for the rate limits and the login lockout.
"""

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, QueryDict
from django.utils.http import url_has_allowed_host_and_scheme

from config import proxies

# C0 controls except tab, newline and carriage return; the two non-characters XML also forbids;
# lone surrogates (which no UTF-8 decoder produces, but a script calling a view might).
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def strip_control_characters(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


def _clean(query: QueryDict) -> QueryDict:
    """The same parameters without control characters (the same object when there were none)."""
    if not any(
        CONTROL_CHARACTERS.search(key) or any(CONTROL_CHARACTERS.search(v) for v in values)
        for key, values in query.lists()
    ):
        return query
    cleaned = QueryDict(mutable=True, encoding=query.encoding)
    for key, values in query.lists():
        cleaned.setlist(
            strip_control_characters(key), [strip_control_characters(v) for v in values]
        )
    cleaned._mutable = False
    return cleaned


class InputHygieneMiddleware:
    """Control characters never reach a view: stripped from query parameters and form fields,
    a 404 when they are in the path (before URL routing, so a username or slug converter never
    hands one to a query)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if CONTROL_CHARACTERS.search(request.path_info):
            raise Http404("No such page.")
        request.GET = _clean(request.GET)
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        # The body is read here, not in __call__, so the CSRF middleware and the view keep
        # their usual order; a body Django refuses (too big, malformed) fails as it always did.
        if request.method == "POST":
            request.POST = _clean(request.POST)
        return None


# The largest id a database column holds (bigint); anything larger cannot name a row.
MAX_ID = 2**63 - 1
ASCII_DIGITS = re.compile(r"[0-9]{1,19}")


def parse_int(value, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """An integer written in ASCII digits within [minimum, maximum], or None for anything else:
    "", "²", "٣", "-1", "1e3", " 7", a 40-digit number. Python's int() accepts several of those
    (and str.isdigit() accepts "²", which int() then refuses), which is how "?category=²"
    became a 500.

    The range starts at 1 unless the caller says otherwise: ids, slots, rounds, pick and page
    numbers all do, and "slot=0" reached the draft's arithmetic as a 500. A board version may be
    0 (`minimum=0`)."""
    if not isinstance(value, str) or not ASCII_DIGITS.fullmatch(value):
        return None
    number = int(value)
    return number if minimum <= number <= maximum else None


def form_int(data, name: str, *, minimum: int = 1, maximum: int = MAX_ID) -> int | None:
    """A number a form of ours sends in a hidden field (the slot a pick form was made for, the
    seat a commissioner picks for): None when the field is absent or empty, else the number,
    and a ValidationError when it holds anything else ("0", "-1", "٣", 40 digits). Such a value
    comes from a damaged or forged form, and reading it as absent would change what the form
    asks for (a pick at no particular slot, for no particular seat)."""
    raw = data.get(name, "")
    if raw == "":
        return None
    number = parse_int(raw, minimum=minimum, maximum=maximum)
    if number is None:
        raise ValidationError(
            "This form was changed or damaged on its way: reload the page and try again.",
            code="malformed",
        )
    return number


def safe_next(request, fallback: str) -> str:
    """Where to go after a form: the request's `next` (form field first, then query) when it is
    a path on this site ("/leagues/…") or a full address on this host, else `fallback`.

    Django's own check lets a bare word through ("welcome" is a relative URL), and redirect()
    then looks it up as a URL pattern name: a 500 after the work was done. A hand-written
    startswith("/") accepted "/\\evil.example", which browsers read as another site."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith(("/", "https://", "http://")) and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def client_ip(request) -> str:
    """The reader's address, for rate limits and the login lockout: the peer's, or behind one
    of the TRUSTED_PROXIES the address they say they saw (config/proxies.py). Under uvicorn
    the peer is already the client (it trusts the same proxies), so this changes nothing
    there; under a WSGI server it reads X-Forwarded-For the same way."""
    return proxies.client_address(
        request.META.get("REMOTE_ADDR", ""),
        request.META.get("HTTP_X_FORWARDED_FOR", ""),
        settings.TRUSTED_PROXIES,
    )
