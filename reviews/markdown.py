"""Writeups and comments as HTML that cannot run a script.

Markdown (which lets raw HTML through) is rendered first, then nh3 keeps only the tags and
attributes listed here, only http/https/mailto links, and gives every link
rel="nofollow ugc noopener". The result is stored on save; pages never render Markdown.
"""

import html
import re

import markdown as md
import nh3

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


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    # Images load without a click: only from absolute web addresses, never from this site's
    # own URLs (a relative src would make every reader's browser request it).
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


IMG_TAG = re.compile(r"<img\b([^>]*)>")


def _fix_images(html_text: str) -> str:
    """An image whose address was refused is dropped; one without alt text gets an empty alt
    (decorative), so screen readers do not read out a file name. Runs on nh3's normalised
    output, where every attribute is double-quoted."""

    def fix(match: re.Match) -> str:
        attrs = match.group(1)
        if " src=" not in attrs:
            return ""
        if " alt=" not in attrs:
            attrs = ' alt=""' + attrs
        return f"<img{attrs}>"

    return IMG_TAG.sub(fix, html_text)


def render_markdown(text: str) -> str:
    """Markdown to safe HTML. Headings start at h2: the page's h1 is the pick's headline."""
    rendered = md.markdown(
        text,
        extensions=["sane_lists", "smarty"],
        output_format="html",
    )
    # A writeup's "# Title" would compete with the page's own h1.
    rendered = re.sub(r"<(/?)h1>", r"<\1h2>", rendered)
    return _fix_images(sanitize(rendered))


URL_RE = re.compile(r"(https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]])", re.IGNORECASE)


def render_comment(text: str) -> str:
    """A comment is plain text: escaped, paragraphs kept, bare http(s) addresses linked."""
    paragraphs = [p for p in re.split(r"\n\s*\n", text.strip().replace("\r\n", "\n")) if p.strip()]
    parts = []
    for paragraph in paragraphs:
        escaped = html.escape(paragraph.strip(), quote=True)
        linked = URL_RE.sub(r'<a href="\1">\1</a>', escaped)
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
