"""Writeups and comments as HTML that cannot run a script, rendered in time linear in their length.

Markdown is rendered by cmark (CommonMark's reference implementation in C, through cmarkgfm),
which is built and tested to stay linear on pathological input: 30,000 "[" render in about a
millisecond, where python-Markdown took over a minute and markdown-it-py most of a second
(`make bench-markdown` times every such input at the largest size a writeup may have). Raw HTML
passes cmark and is then cleaned by nh3, which keeps only the tags and attributes listed here,
only http/https/mailto links, and gives every link rel="nofollow ugc noopener". Images load only
from the hosts in settings.WRITEUP_IMAGE_HOSTS (and the site itself), without a referrer; any
other image becomes a link to it, so a writer cannot put a tracking pixel in front of every
reader. A writeup whose HTML would hold more than MAX_MARKUP tags and character references is
refused with a message its writer can act on, before nh3 runs. The result is stored on save;
pages never render Markdown.
"""

import html
import re
from urllib.parse import urlsplit

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from django.conf import settings
from django.core.exceptions import ValidationError

from config import links

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "img",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow ugc noopener"
# Tags whose content goes too, not just the tag: nobody wants to read a script's source.
DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "template", "noscript"}

# Raw HTML reaches nh3, which decides what stays; SMART gives typographic quotes and dashes.
CMARK_OPTIONS = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_SMART | Options.CMARK_OPT_VALIDATE_UTF8


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    # Images load without a click: only from absolute web addresses, never from this site's
    # own relative URLs (a relative src would make every reader's browser request it).
    if (
        tag == "img"
        and attribute == "src"
        and not value.lower().startswith(("https://", "http://"))
    ):
        return None
    return value


def sanitize(html_text: str) -> str:
    return nh3.clean(
        html_text,
        tags=ALLOWED_TAGS,
        clean_content_tags=DROP_WITH_CONTENT,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_attribute_filter,
    )


# A web address whose host every parser reads alike: no user part, no backslash, no space.
# Anything else ("https://allowed.example\@evil.example/") is not an allowed image host.
PLAIN_WEB_URL = re.compile(r"https?://([A-Za-z0-9.-]+)(?::\d{1,5})?(?:[/?#][^\s\\]*)?", re.I)


def image_hosts() -> set[str]:
    """The hosts writeup images may load from: settings.WRITEUP_IMAGE_HOSTS and the site's own."""
    hosts = {h.lower() for h in getattr(settings, "WRITEUP_IMAGE_HOSTS", [])}
    site_host = urlsplit(getattr(settings, "SITE_URL", "")).hostname
    if site_host:
        hosts.add(site_host.lower())
    return hosts


def image_allowed(src: str, hosts: set[str]) -> bool:
    match = PLAIN_WEB_URL.fullmatch(html.unescape(src))
    return match is not None and match.group(1).lower().rstrip(".") in hosts


# These run on nh3's serialised output, where "<" and ">" appear only as tag delimiters (text and
# attribute values carry &lt; &gt;) and every attribute value is double-quoted with &quot;
# inside: there, unlike in arbitrary HTML, a regular expression finds every tag exactly
# (tests/reviews/test_markdown.py checks that nh3 keeps doing so).
TAG = re.compile(r"<(/?)(a|img)\b([^>]*)>")
ATTRIBUTE = re.compile(r'\s([a-z-]+)="([^"]*)"')


def _fix_images(html_text: str) -> str:
    """An image from an allowed host gets an alt (empty when the writer gave none: decorative)
    and referrerpolicy="no-referrer". An image from any other host becomes a link to it, named
    by its alt text (inside a link, just the alt text: links do not nest). An image whose
    address nh3 refused is dropped."""
    hosts = image_hosts()
    link_depth = 0

    def fix(match: re.Match) -> str:
        nonlocal link_depth
        closing, tag, attrs = match.groups()
        if tag == "a":
            link_depth = max(0, link_depth + (-1 if closing else 1))
            return match.group(0)
        found = dict(ATTRIBUTE.findall(attrs))
        src = found.get("src")
        if not src:
            return ""
        alt = found.get("alt", "")
        if image_allowed(src, hosts):
            title = f' title="{found["title"]}"' if "title" in found else ""
            return f'<img src="{src}" alt="{alt}"{title} referrerpolicy="no-referrer">'
        label = alt or "image"
        if link_depth > 0:
            return label
        return f'<a href="{src}" rel="{LINK_REL}">{label}</a>'

    return TAG.sub(fix, html_text)


# The HTML parser inside nh3 (html5ever) does work proportional to the depth of the open
# elements for each new one, so 6,000 nested <div> (or 30,000 Markdown ">") cost seconds. No
# writeup needs more than a few levels: tags past this depth are dropped, their text kept.
MAX_NESTING = 40
VOID_TAGS = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
    "param", "source", "track", "wbr",
}  # fmt: skip
# The HTML parser's "special" elements: an end tag never closes an element beyond one of them
# (or beyond any scope boundary, all of which are special), so the count stops there too.
SPECIAL_TAGS = {
    "address", "applet", "area", "article", "aside", "base", "basefont", "bgsound",
    "blockquote", "body", "br", "button", "caption", "center", "col", "colgroup", "dd",
    "details", "dir", "div", "dl", "dt", "embed", "fieldset", "figcaption", "figure", "footer",
    "form", "frame", "frameset", "h1", "h2", "h3", "h4", "h5", "h6", "head", "header", "hgroup",
    "hr", "html", "iframe", "img", "input", "keygen", "li", "link", "listing", "main", "marquee",
    "menu", "meta", "nav", "noembed", "noframes", "noscript", "object", "ol", "p", "param",
    "plaintext", "pre", "script", "search", "section", "select", "source", "style", "summary",
    "table", "tbody", "td", "template", "textarea", "tfoot", "th", "thead", "title", "tr",
    "track", "ul", "wbr", "xmp", "mi", "mo", "mn", "ms", "mtext", "annotation-xml",
    "foreignobject", "desc", "svg", "math",
}  # fmt: skip
ANY_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)[^>]*>")


def _close(stack: list[str], name: str) -> bool:
    """An end tag closes the nearest open element of its name, unless a special one is nearer.
    Returns whether it closed one."""
    if stack and stack[-1] == name:
        stack.pop()
        return True
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth] == name:
            del stack[depth:]
            return True
        if stack[depth] in SPECIAL_TAGS:
            return False
    return False


def _opens_past(closed: bool, name: str, stack: list[str], limit: int) -> bool:
    # A parser drops an end tag that closes nothing, except "</p>": it makes an empty p where
    # it stands, one level below the open elements (the "<p>" it was for may have been dropped).
    return not closed and name == "p" and len(stack) >= limit


def _too_deep(html_text: str, limit: int) -> bool:
    stack: list[str] = []
    for closing, name in ANY_TAG.findall(html_text):
        name = name.lower()
        if closing:
            if _opens_past(_close(stack, name), name, stack, limit):
                return True
        elif name not in VOID_TAGS:
            if len(stack) >= limit:
                return True
            stack.append(name)
    return False


def limit_nesting(html_text: str, limit: int = MAX_NESTING) -> str:
    """Drop start tags that would open an element deeper than `limit`, in linear time.

    The count errs on the deep side: every non-void start tag opens an element (even a "<p>"
    that a parser would close by itself), and an end tag closes only an element it reaches
    without passing a special one; a "</p>" that closes nothing, which a parser turns into an
    empty p, is dropped where that p would be too deep. So the tree nh3 builds is never deeper
    than the count.
    Dropping a tag only ever removes markup, and nh3 still cleans whatever is left."""
    if not _too_deep(html_text, limit):
        return html_text
    stack: list[str] = []
    kept: list[str] = []
    last = 0
    for match in ANY_TAG.finditer(html_text):
        closing, name = match.group(1, 2)
        name = name.lower()
        if closing:
            drop = _opens_past(_close(stack, name), name, stack, limit)
        elif name in VOID_TAGS:
            drop = False
        else:
            drop = len(stack) >= limit
            if not drop:
                stack.append(name)
        if drop:
            kept.append(html_text[last : match.start()])
            last = match.end()
    kept.append(html_text[last:])
    return "".join(kept)


# Each ">" at the start of a line opens a blockquote: 30,000 of them became 800 KB of HTML before
# any tag was dropped. Markers past this depth are removed while the text is still Markdown.
MAX_QUOTE_DEPTH = 16
DEEP_QUOTE = re.compile(
    rf"^((?:[ \t]{{0,3}}>){{{MAX_QUOTE_DEPTH}}})(?:[ \t]{{0,3}}>)+", re.MULTILINE
)


# cmark is linear, but what follows it pays for each tag and each character reference ("<" and
# "&" in its HTML) one by one, about a microsecond apiece between the nesting count, nh3's parser
# and the image rules; and cmark makes up to one per character of Markdown, more when a link
# reference is used again and again: 15,000 "#\n" made 30,000 tags (40 ms), 7,000 uses of a
# reference whose address holds "&" 32,000 tags and references (57 ms). The text between them
# costs next to nothing. A writeup of 30,000 characters of prose with links, headings, lists
# and emphasis makes about 1,300; a list of 4,285 one-word titles, as dense as a real writeup
# gets, 8,572.
MAX_MARKUP = 10_000


def _cmark_html(text: str) -> str:
    """cmark's HTML for `text`, not yet cleaned. Raises ValidationError (code
    "too_much_formatting") if it holds more than MAX_MARKUP tags and character references."""
    # cmark takes UTF-8; a lone surrogate (never from a form, possibly from a script) is replaced.
    text = text.encode("utf-8", "replace").decode("utf-8")
    text = DEEP_QUOTE.sub(r"\1", text)
    rendered = cmarkgfm.markdown_to_html(text, options=CMARK_OPTIONS)
    markup = rendered.count("<") + rendered.count("&")
    if markup > MAX_MARKUP:
        raise ValidationError(
            f"This writeup has too much formatting to show: it would need {markup:,} HTML tags "
            f"and escaped characters (such as &amp; for &), and {MAX_MARKUP:,} is the most. "
            "Each paragraph, heading, list item, link or emphasis takes two.",
            code="too_much_formatting",
        )
    return rendered


def check_formatting(text: str) -> None:
    """Raise the ValidationError that render_markdown(text) would raise, if any, without
    rendering: for a form, so that a preview shows the refusal. Costs one pass of cmark."""
    _cmark_html(text)


def render_markdown(text: str) -> str:
    """Markdown to safe HTML. Headings start at h2: the page's h1 is the pick's headline.

    Raises ValidationError (code "too_much_formatting") for a writeup whose HTML would hold more
    than MAX_MARKUP tags and character references, before anything but cmark has run; so no
    writeup of an allowed length holds a worker for more than a few tens of milliseconds."""
    rendered = _cmark_html(text).rstrip("\n")
    # A writeup's "# Title" would compete with the page's own h1. cmark writes these two exactly;
    # a regular expression's substitution cost 18 ms on 15,000 headings, str.replace well under 1.
    rendered = rendered.replace("<h1>", "<h2>").replace("</h1>", "</h2>")
    return _fix_images(sanitize(limit_nesting(rendered)))


def render_comment(text: str) -> str:
    """A comment is plain text: escaped, paragraphs kept, bare http(s) addresses linked as in
    the chat (config/links.py: an address stops at a quote or an angle bracket)."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip().replace("\r\n", "\n")) if p.strip()]
    parts = []
    for paragraph in paragraphs:
        linked = links.linkify(paragraph.strip())
        parts.append("<p>" + linked.replace("\n", "<br>") + "</p>")
    return sanitize("".join(parts))


def plain_text(html_text: str) -> str:
    """The words of rendered HTML, for search and excerpts."""
    text = nh3.clean(html_text, tags=set(), clean_content_tags=DROP_WITH_CONTENT)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def excerpt(text: str, limit: int = 220) -> str:
    text = text.strip()
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:—-")
    return cut + "…"
