"""The draft-room chat's rules, without the database: who may post and who may delete, how a
message's text is cleaned, and how its web addresses become links. The services, the selectors,
the views and the template filter all ask here, so each rule has one home."""

import re
from urllib.parse import urlsplit

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

# --- Who may do what ---------------------------------------------------------------------


def post_refusal(league, user, membership) -> str:
    """Why `user` may not post in the chats of `league`, or "" when they may. Members always
    may; signed-in readers may in a public league whose commissioners let them."""
    if membership is not None:
        return ""
    if user is None or not user.is_authenticated:
        return "Log in to post in the chat."
    if league.is_public and league.readers_may_chat:
        return ""
    return "Only members of this league can post in its chat."


def may_delete(membership) -> bool:
    """Commissioners delete chat messages (for everyone)."""
    return membership is not None and membership.is_commissioner


# --- Text ----------------------------------------------------------------------------------


def clean_text(text: str) -> str:
    """One line: runs of spaces, tabs and newlines become one space. (Control characters
    never get this far: config.inputs strips them from every form.)"""
    return " ".join(text.split())


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
