"""Writeups and comments never carry executable markup, whatever their authors type."""

import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from reviews.markdown import (
    ALLOWED_ATTRIBUTES,
    ALLOWED_TAGS,
    excerpt,
    plain_text,
    render_comment,
    render_markdown,
)

HOSTILE = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<img src="https://ok.example/a.png" onload="alert(1)">',
    "<svg/onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    '<a href="javascript:alert(1)">click</a>',
    '<a href="JaVaScRiPt:alert(1)">click</a>',
    '<a href="java\tscript:alert(1)">tab</a>',
    '<a href="&#106;avascript:alert(1)">entity</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    "[md link](javascript:alert(1))",
    "[md link](  javascript:alert(1)  )",
    "![md image](javascript:alert(1))",
    "![md image](data:image/svg+xml;base64,PHN2Zz48c2NyaXB0PmFsZXJ0KDEpPC9zY3JpcHQ+PC9zdmc+)",
    "[ref][x]\n\n[x]: javascript:alert(1)",
    '<iframe src="https://evil.example"></iframe>',
    '<object data="x.swf"></object><embed src="x.swf">',
    "<style>body{display:none}</style>",
    '<div style="background:url(javascript:alert(1))">styled</div>',
    '<p onclick="alert(1)">para</p>',
    "<b onmouseover=alert(1)>bold</b>",
    '<form action="https://evil.example"><input name=x><button>go</button></form>',
    '<meta http-equiv="refresh" content="0;url=https://evil.example">',
    '<base href="https://evil.example/">',
    "<link rel=stylesheet href=https://evil.example/x.css>",
    "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    '<a href="https://ok.example"><b><i>broken</a> nesting</b>',
    "<p><div><p>unclosed <em>tags",
    "<!-- <script>alert(1)</script> -->",
    "<![CDATA[<script>alert(1)</script>]]>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></noscript>',
    "<template><script>alert(1)</script></template>",
    "`<script>alert(1)</script>` and\n\n    <script>alert(2)</script>",
    '<a href="https://ok.example" target="_blank" rel="opener">rel</a>',
    '<img src="/accounts/logout/">',
    '<a href="//evil.example/x">protocol relative</a>',
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)>",
    "<a href='https://ok.example' onfocus='alert(1)' autofocus>focus</a>",
    '<video><source onerror="alert(1)"></video>',
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
]


class Inspector(HTMLParser):
    """Collects every tag and attribute the browser would build from the HTML."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "img":
            # Accessible too: every image that survives has an address and alt text.
            assert {"src", "alt"} <= {name for name, _ in attrs}, attrs
        for name, value in attrs:
            self.attrs.append((tag, name, value or ""))

    handle_startendtag = handle_starttag


URL_ATTRIBUTES = {"href", "src"}
# A URL's scheme as a browser reads it; no scheme means a relative (same-site) address.
SCHEME = re.compile(r"^([a-z][a-z0-9+.-]*):")


def assert_inert(html: str) -> None:
    inspector = Inspector()
    inspector.feed(html)
    inspector.close()
    for tag in inspector.tags:
        assert tag in ALLOWED_TAGS, f"tag <{tag}> survived in {html!r}"
    for tag, name, value in inspector.attrs:
        if name == "rel":
            assert tag == "a" and value == "nofollow ugc noopener", html
            continue
        assert name in ALLOWED_ATTRIBUTES.get(tag, set()), f"{tag}[{name}] survived in {html!r}"
        assert not name.startswith("on"), html
        if name in URL_ATTRIBUTES:
            # What a browser's URL parser does: trim C0 controls and spaces at both ends, drop
            # tabs and newlines anywhere. "java   script:" (inner spaces) is a relative URL.
            compact = re.sub(
                r"[\t\n\r]",
                "",
                value.strip(
                    "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f \t\n\r"
                ),
            ).lower()
            assert not compact.startswith(("javascript:", "data:", "vbscript:")), html
            scheme = SCHEME.match(compact)
            assert scheme is None or scheme.group(1) in {"http", "https", "mailto"}, html
        if tag == "img" and name == "src":
            assert value.startswith(("https://", "http://")), html
    # Words like "javascript:" may remain as visible text; markup may not.
    assert "<script" not in html.lower()


def test_every_hostile_snippet_renders_inert_as_markdown():
    for snippet in HOSTILE:
        assert_inert(render_markdown(snippet))
        assert_inert(render_markdown(f"Intro paragraph.\n\n{snippet}\n\n*after*"))


def test_every_hostile_snippet_renders_as_plain_text_in_a_comment():
    for snippet in HOSTILE:
        html = render_comment(snippet)
        assert_inert(html)
        # A comment is text: the angle brackets a commenter typed are shown, not parsed.
        if "<script" in snippet.lower():
            assert "&lt;" in html


def test_scripts_and_styles_are_dropped_with_their_content():
    html = render_markdown("before <script>alert('x')</script> <style>p{}</style> after")
    assert "alert" not in html and "p{}" not in html
    assert "before" in html and "after" in html


def test_markdown_keeps_the_formatting_a_writeup_needs():
    html = render_markdown(
        "# Title\n\nSome *em* and **strong**, a [link](https://blog.example/post).\n\n"
        "> quoted\n\n- one\n- two\n\n![poster](https://img.example/p.jpg)"
    )
    # The page's h1 is the pick's headline; a writeup's own title becomes an h2.
    assert "<h2>Title</h2>" in html and "<h1" not in html
    assert "<em>em</em>" in html and "<strong>strong</strong>" in html
    assert '<a href="https://blog.example/post" rel="nofollow ugc noopener">link</a>' in html
    assert "<blockquote>" in html and "<li>one</li>" in html
    assert '<img alt="poster" src="https://img.example/p.jpg">' in html


def test_links_get_nofollow_ugc_noopener_even_when_the_author_sets_rel():
    html = render_markdown('<a href="https://x.example" rel="me opener">x</a>')
    assert 'rel="nofollow ugc noopener"' in html and 'opener"' not in html.replace("noopener", "")


def test_comments_link_bare_web_addresses_only():
    html = render_comment("see https://blog.example/a?b=1&c=2. and javascript:alert(1)")
    assert '<a href="https://blog.example/a?b=1&amp;c=2" rel="nofollow ugc noopener">' in html
    assert "javascript:alert(1)" not in html.split("</a>")[-1] or "<a" not in html.split("</a>")[-1]
    assert html.count("<a ") == 1


def test_comment_paragraphs_and_line_breaks_are_kept():
    assert render_comment("one\ntwo\n\nthree") == "<p>one<br>two</p><p>three</p>"


def test_plain_text_and_excerpt():
    text = plain_text(render_markdown("**Bold** &amp; <script>x()</script> words"))
    assert text == "Bold & words"
    assert excerpt("word " * 100, 30).endswith("…") and len(excerpt("word " * 100, 30)) <= 31


hostile_alphabet = st.sampled_from(
    [
        "<",
        ">",
        "/",
        "=",
        '"',
        "'",
        "`",
        "&",
        "#",
        ";",
        ":",
        "(",
        ")",
        "[",
        "]",
        "!",
        "*",
        "\n",
        " ",
        "\t",
        "\x00",
        "script",
        "img",
        "a",
        "svg",
        "iframe",
        "style",
        "src",
        "href",
        "onerror",
        "onload",
        "onclick",
        "javascript",
        "data",
        "alert(1)",
        "jav&#x09;ascript",
        "<!--",
        "-->",
        "<![CDATA[",
        "]]>",
        "http://",
        "https://x.example",
        "base64,",
    ]
)


@settings(max_examples=300, deadline=None)
@given(st.lists(hostile_alphabet, max_size=40).map("".join))
def test_generated_hostile_markdown_never_yields_executable_markup(text):
    assert_inert(render_markdown(text))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=300) | st.lists(hostile_alphabet, max_size=40).map("".join))
def test_generated_comments_never_yield_executable_markup(text):
    assert_inert(render_comment(text))
