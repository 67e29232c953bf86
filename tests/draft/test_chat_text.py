"""The chat's text rules without a database: a message is escaped plain text in which only
http and https addresses become links; who may post and delete."""

from types import SimpleNamespace

import pytest

from config import links
from draft import chat

REL = 'rel="nofollow noopener ugc"'


def link(address: str, text: str | None = None) -> str:
    return f'<a href="{address}" {REL}>{text or address}</a>'


@pytest.mark.parametrize(
    ("message", "html"),
    [
        ("plain words", "plain words"),
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        (
            "<b>bold</b> & 'quotes' \"too\"",
            "&lt;b&gt;bold&lt;/b&gt; &amp; &#x27;quotes&#x27; &quot;too&quot;",
        ),
        ("see https://example.com", f"see {link('https://example.com')}"),
        ("HTTP://EXAMPLE.COM/X", link("HTTP://EXAMPLE.COM/X")),
        # Sentence punctuation after an address is not part of it.
        ("read https://example.com/a.", f"read {link('https://example.com/a')}."),
        ("(see http://example.com/x)", f"(see {link('http://example.com/x')})"),
        ("wow https://example.com/?!", f"wow {link('https://example.com/')}?!"),
        # A bracket the address opened stays in it.
        (
            "https://en.wikipedia.org/wiki/Her_(film)",
            link("https://en.wikipedia.org/wiki/Her_(film)"),
        ),
        # & in a query is escaped in the attribute and the text.
        ("https://x.example/?a=1&b=2", link("https://x.example/?a=1&amp;b=2")),
        (
            "two: http://a.example and https://b.example",
            f"two: {link('http://a.example')} and {link('https://b.example')}",
        ),
        # Quotes and angle brackets end an address: nothing can break out of the attribute.
        (
            'https://x.example/"onmouseover="alert(1)',
            f"{link('https://x.example/')}&quot;onmouseover=&quot;alert(1)",
        ),
        ("https://x.example/<script>", f"{link('https://x.example/')}&lt;script&gt;"),
    ],
)
def test_text_is_escaped_and_web_addresses_become_links(message, html):
    assert links.linkify(message) == html


@pytest.mark.parametrize(
    "message",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "javascript://http://example.com/%0aalert(1)",
        "javascript:alert(1)//https://example.com",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox",
        "ftp://example.com/file",
        "mailto:someone@example.com",
        "www.example.com",
        "example.com",
        "xhttp://example.com",
        "http://",
        "https://[::1",
        "http:example.com",
        "//example.com/path",
    ],
)
def test_nothing_but_an_http_or_https_address_is_ever_a_link(message):
    html = links.linkify(message)
    assert "<a " not in html and "href" not in html


def test_the_output_has_no_markup_but_links():
    html = links.linkify('<img src=x onerror="alert(1)"> http://ok.example <iframe>')
    tags = [tag.split()[0] for tag in html.split("<")[1:]]
    assert tags == ["a", "/a>"]


def test_a_message_is_one_line_of_text():
    assert chat.clean_text("  two\n\nlines\tand   spaces  ") == "two lines and spaces"
    assert chat.clean_text(" \n\t ") == ""


def viewer(*, signed_in=True):
    return SimpleNamespace(is_authenticated=signed_in)


def league(*, public=True, readers=False):
    return SimpleNamespace(is_public=public, readers_may_chat=readers)


MEMBER = SimpleNamespace(is_commissioner=False)
COMMISSIONER = SimpleNamespace(is_commissioner=True)


def test_members_always_post():
    for setting in (league(), league(public=False), league(readers=True)):
        assert chat.post_refusal(setting, viewer(), MEMBER) == ""


def test_signed_in_readers_post_only_in_a_public_league_that_lets_them():
    assert chat.post_refusal(league(readers=True), viewer(), None) == ""
    assert "Only members" in chat.post_refusal(league(readers=False), viewer(), None)
    # A private league's setting cannot open it to outsiders (they cannot even see it).
    assert "Only members" in chat.post_refusal(league(public=False, readers=True), viewer(), None)


def test_readers_without_an_account_never_post():
    refusal = chat.post_refusal(league(readers=True), viewer(signed_in=False), None)
    assert refusal == "Log in to post in the chat."


def test_only_commissioners_delete():
    assert chat.may_delete(COMMISSIONER)
    assert not chat.may_delete(MEMBER)
    assert not chat.may_delete(None)
