"""The one place request input is made safe: control characters and integers."""

import pytest
from django.http import QueryDict
from django.test import RequestFactory

from config.inputs import InputHygieneMiddleware, parse_int, strip_control_characters


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("0", None),  # every id, slot and page number starts at 1: "slot=0" was a 500
        ("7", 7),
        ("0042", 42),
        ("9223372036854775807", 2**63 - 1),
        ("9223372036854775808", None),  # past bigint: it cannot name a row
        ("9" * 40, None),
        ("²", None),  # str.isdigit() says yes, int() says no: the old 500
        ("٣", None),  # int() reads Arabic-Indic digits; no form of ours sends them
        ("１２", None),  # fullwidth
        ("-1", None),
        ("+1", None),
        (" 7", None),
        ("7\n", None),
        ("1_000", None),
        ("1e3", None),
        ("", None),
        (None, None),
        (7, None),  # only text comes from a request
    ],
)
def test_parse_int_reads_ascii_digits_in_range_only(raw, expected):
    assert parse_int(raw) == expected


def test_parse_int_range():
    assert parse_int("5", minimum=1, maximum=5) == 5
    assert parse_int("0") is None
    assert parse_int("0", minimum=0) == 0  # a board version
    assert parse_int("6", maximum=5) is None


def test_control_characters_go_and_tabs_newlines_stay():
    assert strip_control_characters("a\x00b\x01c\x1fd\x7fe") == "abcd\x7fe"
    assert strip_control_characters("tab\there\nnew\r\nline") == "tab\there\nnew\r\nline"
    assert strip_control_characters("\ufffe\uffffok\ud800") == "ok"
    assert strip_control_characters("\u202eRTL stays: it is text") == "\u202eRTL stays: it is text"


def run(request):
    seen = {}

    def view(req):
        seen["GET"], seen["POST"] = req.GET, req.POST
        return "response"

    middleware = InputHygieneMiddleware(
        lambda req: middleware.process_view(req, view, (), {}) or view(req)
    )
    assert middleware(request) == "response"
    return seen


def test_the_middleware_cleans_query_parameters_and_form_fields():
    factory = RequestFactory()
    seen = run(factory.get("/search/", {"q": "film\x00noir", "x\x01": ["a\x02", "b"]}))
    assert seen["GET"]["q"] == "filmnoir" and seen["GET"].getlist("x") == ["a", "b"]
    seen = run(factory.post("/x/", {"name": "Dy\x00lan\x1b", "body": "line\nline"}))
    assert seen["POST"]["name"] == "Dylan" and seen["POST"]["body"] == "line\nline"
    assert not seen["POST"]._mutable


def test_clean_input_is_passed_through_untouched():
    request = RequestFactory().get("/search/", {"q": "plain"})
    original = request.GET
    assert run(request)["GET"] is original
    assert isinstance(original, QueryDict)


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [
        ("/leagues/film-club/", "/leagues/film-club/"),
        ("/leagues/film-club/?q=her#picks", "/leagues/film-club/?q=her#picks"),
        ("http://testserver/leagues/", "http://testserver/leagues/"),
        ("welcome", "/fallback/"),  # a bare word: redirect() would look it up as a URL name
        ("../admin/", "/fallback/"),
        ("//evil.example/", "/fallback/"),
        ("/\\evil.example/", "/fallback/"),  # browsers read "/\" as "//"
        ("\\\\evil.example", "/fallback/"),
        ("https://evil.example/", "/fallback/"),
        ("http://testserver.evil.example/", "/fallback/"),
        ("javascript:alert(1)", "/fallback/"),
        ("", "/fallback/"),
    ],
)
def test_safe_next_follows_only_paths_and_addresses_of_this_site(next_value, expected):
    from config.inputs import safe_next

    factory = RequestFactory()
    assert safe_next(factory.get("/x/", {"next": next_value}), "/fallback/") == expected
    assert safe_next(factory.post("/x/", {"next": next_value}), "/fallback/") == expected
