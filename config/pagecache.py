"""Whole answers for readers, kept until the database changes.

Every reader who brings no cookie gets the same answer for one URL as long as nothing in the
database changes. So the answer of a reader page (a view marked `@for_readers`) is kept in the
cache (`CACHES`) under a key made of the URL, the host and scheme, the htmx header, whether it
was compressed, and the database's state; the next such reader gets it back for one query and a
cache read, without the view running. The render caches keyed by versions (draft/live.py,
reviews/threads.py) still serve everyone else: members, and readers with a cookie.

The database's state, on PostgreSQL, is its current snapshot (`pg_current_snapshot()`: which
transactions have finished and which are still running). Any write that commits, anywhere,
changes it: a pick, a comment, a film retitled in the admin, a profile renamed, a row fixed by
hand in psql. So a kept answer is never stale, and no service has a version to bump or can
forget to. (Transaction ids are the server's: a commit in another database on the same server
changes the snapshot too, which costs a render, never a stale page.) An answer rendered while a write commits may hold the newer data under the older
snapshot's key; every request after the commit reads the newer snapshot, so it never sees it.

It is off on SQLite, which has no such state (`PRAGMA data_version` ignores the connection's own
commits), and when `PAGE_CACHE` is off (the in-process tests, where a test's own transaction
never commits).

Kept: answers to a GET (served to GET and HEAD) without a cookie either way, 200 pages and 204
polls (a board that has not moved), for at most `PAGE_CACHE_SECONDS`, and never past the moment
the view says its answer runs out (`keep_until`): a board whose clock runs out must be rendered
again then, because its view is one of the places an expiry is noticed.
"""

from __future__ import annotations

import gzip
import hashlib
import struct
import zlib
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.middleware.gzip import re_accepts_gzip
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

KEPT_STATUSES = (200, 204)
# Where a kept page had its reader's CSRF token; each reader it is given to gets their own.
TOKEN = b"\x00csrf-token\x00"
# Headers of a page with a token that its next reader gets anew (the middleware inside this one
# tags it and says who may keep it, and sets that reader's CSRF cookie).
MADE_AGAIN = {"set-cookie", "content-encoding", "content-length", "etag", "cache-control"}


def for_readers(view):
    """Mark a view whose answer to a reader without cookies may be kept (see the module)."""
    view.for_readers = True
    return view


def keep_until(response, moment: datetime | None):
    """The answer shows something that changes at `moment` without a write (a clock running out):
    keep it no longer."""
    if moment is not None:
        response.page_cache_until = moment
    return response


def database_state() -> str | None:
    """What changes with every committed write; None where there is no such thing (SQLite)."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_current_snapshot()::text")
        return cursor.fetchone()[0]


def _key(request, state: str) -> str:
    compressed = bool(re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")))
    parts = [
        state,
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        request.headers.get("HX-Request", ""),
        "gzip" if compressed else "",
    ]
    return "page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def csrf(request):
    """The CSRF token for forms, as Django's own context processor gives it (this one takes its
    place in TEMPLATES), noted on the request when its page may be kept for readers."""

    def token():
        value = get_token(request)
        noted = getattr(request, "page_cache_tokens", None)
        if noted is not None:
            noted.add(value)
        return value

    return {"csrf_token": SimpleLazyObject(token)}


class PageCacheMiddleware:
    """Answer a reader from the kept answer, or keep the one the view gives.

    Outside the compression, conditional GET, Cache-Control, session and CSRF middleware: it
    keeps the answer as it leaves them (compressed, with its ETag, with no cookie set). A kept
    answer is given from process_view, after the URL is resolved (only marked views are kept),
    and goes back out through them: ConditionalGetMiddleware turns it into a 304 for a browser
    that has it, GZipMiddleware leaves it as it is.

    A page with a form for readers (the comment form of a pick page) carries a CSRF token, which
    belongs to the browser whose cookie holds its secret. It is kept in the pieces between the
    tokens (`TokenPage`); each reader it is given to gets a token of their own there (and the
    cookie for it), and the middleware inside tags it again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        key = getattr(request, "page_cache_key", None)
        if key is not None:
            kept = self._keepable(request, response)
            if kept is not None:
                seconds = settings.PAGE_CACHE_SECONDS
                until = getattr(response, "page_cache_until", None)
                if until is not None:
                    seconds = min(seconds, (until - timezone.now()).total_seconds())
                if seconds >= 1:
                    cache.set(key, kept, int(seconds))
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            not settings.PAGE_CACHE
            or request.method not in ("GET", "HEAD")
            or request.COOKIES
            or not getattr(view_func, "for_readers", False)
        ):
            return None
        state = database_state()
        if state is None:
            return None
        key = _key(request, state)
        kept = cache.get(key)
        if kept is None:
            if request.method == "GET":
                request.page_cache_key = key
                request.page_cache_tokens = set()
            return None
        status, headers, content = kept
        if isinstance(content, TokenPage):
            content = content.with_token(get_token(request).encode())
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        return response

    @staticmethod
    def _keepable(request, response):
        """What to keep of the answer, or None when it is not for every reader."""
        cache_control = response.get("Cache-Control", "")
        if (
            response.status_code not in KEPT_STATUSES
            or response.streaming
            or request.COOKIES
            or "no-store" in cache_control
        ):
            return None
        tokens = request.page_cache_tokens
        if not response.cookies and "private" not in cache_control:
            return (response.status_code, list(response.items()), response.content)
        # Personal only by its CSRF token, made here and nowhere else?
        if set(response.cookies) != {settings.CSRF_COOKIE_NAME} or not tokens:
            return None
        content = response.content
        compressed = response.get("Content-Encoding") == "gzip"
        if compressed:
            content = gzip.decompress(content)
        elif response.has_header("Content-Encoding"):
            return None
        for token in tokens:
            content = content.replace(token.encode(), TOKEN)
        headers = [
            (name, value) for name, value in response.items() if name.lower() not in MADE_AGAIN
        ]
        if compressed:
            headers.append(("Content-Encoding", "gzip"))
        return (response.status_code, headers, TokenPage(content.split(TOKEN), compressed))


class TokenPage:
    """A page kept in the pieces between its CSRF tokens, to be given with another token.

    Compressed (for a browser that takes gzip) the pieces are kept compressed, each on its own
    (a fresh deflate stream, ended by a full flush, so that it refers to nothing before it), and
    a reader's page is put together as one gzip stream: the pieces with the token between them
    as stored, uncompressed deflate blocks. Nothing is compressed per request, and the token is
    never compressed with the page's text (so no BREACH-style guessing of it by length)."""

    HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # gzip, no name, no time

    def __init__(self, pieces: list[bytes], compressed: bool):
        self.pieces = pieces
        self.compressed = compressed
        if compressed:
            last = len(pieces) - 1
            self.deflated = [self._deflate(piece, i == last) for i, piece in enumerate(pieces)]

    @staticmethod
    def _deflate(data: bytes, last: bool) -> bytes:
        stream = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        return stream.compress(data) + stream.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)

    def with_token(self, token: bytes) -> bytes:
        if not self.compressed:
            return token.join(self.pieces)
        # A stored block, not the last: a byte of header bits (the stream is byte-aligned after
        # a full flush), then the length and its complement, then the bytes themselves.
        stored = b"\x00" + struct.pack("<HH", len(token), 0xFFFF ^ len(token)) + token
        crc, size = 0, 0
        for i, piece in enumerate(self.pieces):
            if i:
                crc, size = zlib.crc32(token, crc), size + len(token)
            crc, size = zlib.crc32(piece, crc), size + len(piece)
        body = stored.join(self.deflated)
        return self.HEADER + body + struct.pack("<II", crc, size & 0xFFFFFFFF)
