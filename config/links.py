"""Plain text a person typed, as HTML in which its web addresses are links: chat messages and
reader comments.

Everything is escaped, and only http and https addresses become links; an address ends at a
space, a quote, a backtick or an angle bracket (a comment's `"https://x.example"` or
`<https://x.example>` links the address, not the quote), and loses the punctuation that ends a
sentence. Nothing else a person types ever becomes markup.
"""

import re
from urllib.parse import urlsplit

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# A web address starts a word ("xhttp://" and "javascript://http://" are not one) and runs to
# the next space or quote; trailing punctuation is trimmed afterwards.
WEB_ADDRESS = re.compile(r"(?<![\w/:.@-])https?://[^\s<>\"'`]+", re.IGNORECASE)
CLOSING = {")": "(", "]": "[", "}": "{"}
TRAILING = ".,;:!?*"


def _trim(address: str) -> str:
    """Without the punctuation that ends a sentence ("see https://x.example/a."); a closing
    bracket stays when the address opened it (https://en.wikipedia.org/wiki/Her_(film))."""
    while address:
        last = address[-1]
        if last in TRAILING or (
            last in CLOSING and address.count(CLOSING[last]) < address.count(last)
        ):
            address = address[:-1]
        else:
            break
    return address


def is_web_address(address: str) -> bool:
    try:
        parts = urlsplit(address)
        host = parts.hostname
    except ValueError:  # "http://[::1", a port that is not a number
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


LINK = '<a href="{href}" rel="nofollow noopener ugc">{text}</a>'


def linkify(text: str) -> SafeString:
    """The message as HTML: escaped plain text in which every http or https address is a link
    (rel="nofollow noopener ugc"). Nothing else ever becomes markup: no other scheme, no tag a
    poster types, no attribute."""
    parts = []
    position = 0
    for match in WEB_ADDRESS.finditer(text):
        address = _trim(match.group())
        if not is_web_address(address):
            continue
        start, end = match.start(), match.start() + len(address)
        parts.append(escape(text[position:start]))
        parts.append(LINK.format(href=escape(address), text=escape(address)))
        position = end
    parts.append(escape(text[position:]))
    return mark_safe("".join(parts))
