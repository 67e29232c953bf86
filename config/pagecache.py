"""Whole answers, kept until the database changes.

While nothing in the database changes, a URL gives a reader the same answer, and a signed-in
member the same answer again. So the answer of a page marked `@for_readers` is kept in the cache
(`CACHES`) under a key made of the URL, the host and scheme, the htmx header, whether it was
compressed, the session cookie (none for a reader) and the database's state; the next request
with that key gets it back for one query and a cache read, without the view running. The render
caches keyed by versions (draft/live.py, reviews/threads.py) serve every render that is not
kept: the first after a change, and requests with other cookies.

The database's state, on PostgreSQL, is its data version (config/dataversion.py): a number the
database itself adds one to when a transaction that wrote anything a page can show commits: a
pick, a comment, a film retitled in the admin, a profile renamed, a row fixed by hand in psql.
So a kept answer is never stale, and no service has a version to bump or can forget to; and a
commit that no page shows (the worker's heartbeat, a session saved at someone's log-in, a failed
log-in's record, another database on the same server) leaves every kept page in place. For a
member the same query also asks whether their session still exists (a log-out deletes it). An
answer rendered while a write commits may hold the newer data under the older version's key;
every request after the commit reads the newer version, so it never sees it.

Chat lines posted are counted apart from every other write (config/dataversion.py): a page
is keyed by both numbers, but a board (`chat_catches_up`), whose script asks for the lines
posted since as soon as it runs, by the data version alone, and kept at most
PAGE_CACHE_CHAT_SECONDS. In a live draft with a chat line a second, members' boards then last
from one pick to the next.

When a page is not kept yet, one request in this process renders it and the others asking for
it wait for that render (up to `PAGE_CACHE_WAIT_SECONDS`) instead of rendering it too: after a
pick, the first of a hundred readers renders the board and ninety-nine get it.

It is off on SQLite, which has no such version, and when `PAGE_CACHE` is off (the in-process
tests, where a test's own transaction never commits).

Kept: answers to a GET (served to GET and HEAD), 200 pages and 204 polls (a board that has not
moved), for at most `PAGE_CACHE_SECONDS`, and never past the moment the view says its answer
runs out (`keep_until`): a board whose clock runs out must be rendered again then, because its
view is one of the places an expiry is noticed.

Who is given a kept answer: a request whose only cookies are the session's and the CSRF one.
The session cookie is part of the key, so a signed-in member is only ever given their own
answers (the pick panel, the queue and the chat form that the view rendered for them); a
reader without a session shares them with every other such reader. Signing in gives a new
session cookie, signing out deletes the session (the key's query sees it), a changed password
changes the user (a new version). Any other cookie (a vote, a remembered commenter, a message carried in a
cookie) means the answer is made for that request alone, and an answer that sets a cookie other
than the CSRF one is never kept.

For a member, the same query reads the access version (config/dataversion.py): who their
session is and their membership of a league are kept by it (accounts/sessions.py,
draft/access.py), so their first page after a pick does not ask again.

What differs from one request to the next on a kept page is put in anew for each: the CSRF
token (each browser gets one of its own, and the cookie for it when it has none), and the
server's time a board with a running clock carries (`page_now`) to correct the browser's clock by.
"""

from __future__ import annotations

import gzip
import hashlib
import logging
import re
import struct
import threading
import zlib
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.db import ProgrammingError, connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.middleware.gzip import GZipMiddleware as DjangoGZipMiddleware
from django.middleware.gzip import re_accepts_gzip
from django.middleware.http import ConditionalGetMiddleware as DjangoConditionalGetMiddleware
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.functional import SimpleLazyObject

logger = logging.getLogger(__name__)

KEPT_STATUSES = (200, 204)
# Where a kept page had its reader's CSRF token, and the server's time: each request it is given
# to gets its own.
TOKEN, NOW = b"\x00csrf-token\x00", b"\x00server-now\x00"
GAP = re.compile(b"(\x00csrf-token\x00|\x00server-now\x00)")
# Headers of a page with a token that its next reader gets anew (the middleware inside this one
# tags it and says who may keep it, and sets that reader's CSRF cookie).
MADE_AGAIN = {"set-cookie", "content-encoding", "content-length", "etag", "cache-control"}


def for_readers(view):
    """Mark a view whose answer may be kept for readers and for the member who got it (see the
    module)."""
    view.for_readers = True
    return view


def chat_catches_up(view):
    """Mark a kept view whose page shows the draft-room chat and whose script asks for the
    lines posted since as soon as it runs (static/js/live.js): its kept answer outlives a chat
    line posted (for at most PAGE_CACHE_CHAT_SECONDS), where any other write makes it new."""
    view.page_chat_catches_up = True
    return view


def keep_until(response, moment: datetime | None):
    """The answer shows something that changes at `moment` without a write (a clock running out):
    keep it no longer."""
    if moment is not None:
        response.page_cache_until = moment
    return response


def database_versions(session_key: str = "") -> tuple[int, int, int] | None:
    """The data, chat and access versions and, for a member, whether their session still signs
    them in, in one query (see `database_state`); None when there are none, or for a session
    that is gone."""
    if connection.vendor != "postgresql":
        return None
    try:
        return _versions(session_key)
    except ProgrammingError:  # no page_data_version: `migrate` has not run since it came
        logger.warning("Pages are not kept: run `python manage.py migrate`", exc_info=True)
        return None


def database_state(session_key: str = "", *, chat: bool = True) -> str | None:
    """What changes with every committed write of something a page can show (the data
    version, config/dataversion.py; with `chat`, the count of chat lines posted too), and for a
    member whether their session still signs them in (a log-out deletes it, which the data
    version leaves out), in one query. None where there is no such thing (SQLite), or for a
    session that is gone: that request is rendered."""
    versions = database_versions(session_key)
    if versions is None:
        return None
    return f"{versions[0]}:{versions[1]}" if chat else str(versions[0])


def _versions(session_key: str) -> tuple[int, int, int] | None:
    """The data, chat and access versions (config/dataversion.py), or None for a session that
    no longer signs anyone in."""
    with connection.cursor() as cursor:
        if not session_key:
            cursor.execute(
                "SELECT version, chat_version, access_version FROM page_data_version WHERE id = 1"
            )
            row = cursor.fetchone()
            signed_in = True
        else:
            cursor.execute(
                "SELECT version, chat_version, access_version, EXISTS (SELECT 1 FROM "
                "django_session WHERE session_key = %s AND expire_date > now()) "
                "FROM page_data_version WHERE id = 1",
                [session_key],
            )
            row = cursor.fetchone()
            signed_in = bool(row and row[3])
        if not row or not signed_in:
            return None
        return row[0], row[1], row[2]


def _viewer(request) -> str | None:
    """Whose answers a request may be given: the session cookie's value ("" for none), or None
    when the request carries any other cookie."""
    cookies = request.COOKIES
    if not cookies.keys() <= {settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME}:
        return None
    return cookies.get(settings.SESSION_COOKIE_NAME, "")


def _key(request, state: str, viewer: str) -> str:
    compressed = bool(re_accepts_gzip.search(request.headers.get("Accept-Encoding", "")))
    parts = [
        state,
        viewer,
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        request.headers.get("HX-Request", ""),
        "gzip" if compressed else "",
    ]
    return "page:" + hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _note(request, name: str, value: str) -> None:
    noted = getattr(request, name, None)
    if noted is None:
        noted = set()
        setattr(request, name, noted)
    noted.add(value)


def _with_gaps(request, content: bytes) -> bytes:
    """The page as every request for it is given it: its CSRF tokens and the server's time (as
    noted on the request) replaced by the gaps' markers."""
    for value in getattr(request, "page_cache_tokens", ()):
        content = content.replace(value.encode(), TOKEN)
    for value in getattr(request, "page_cache_moments", ()):
        content = content.replace(value.encode(), NOW)
    return content


def csrf(request):
    """The CSRF token for forms, as Django's own context processor gives it (this one takes its
    place in TEMPLATES), noted on the request: a page kept for readers, and a page's ETag, are
    made without it (`PiecesPage`, `ConditionalGetMiddleware`)."""

    def token():
        value = get_token(request)
        _note(request, "page_cache_tokens", value)
        return value

    return {"csrf_token": SimpleLazyObject(token)}


def now(request):
    """`page_now`: the server's time as the page is given, in ISO 8601, for a countdown to
    correct the browser's clock by. Noted on the request, so a kept page gets the time of each
    request it is given to, not of its render, and the page gets no ETag (a browser must never
    reuse a page whose time is past: its countdown would run late)."""

    def moment():
        value = timezone.now().isoformat()
        _note(request, "page_cache_moments", value)
        return value

    return {"page_now": SimpleLazyObject(moment)}


class PageCacheMiddleware:
    """Answer a request from the kept answer, or keep the one the view gives.

    Outside the compression, conditional GET, Cache-Control, session and CSRF middleware: it
    keeps the answer as it leaves them (compressed, with its ETag). A kept answer is given from
    process_view, after the URL is resolved (only marked views are kept), and goes back out
    through them: ConditionalGetMiddleware turns it into a 304 for a browser that has it,
    CacheControlMiddleware says who may keep it, GZipMiddleware leaves it as it is.

    A page that carries a CSRF token (a form) or the server's time is kept in the pieces
    between them (`PiecesPage`); each request it is given to gets its own token (and the
    cookie for it) and the time of the request there."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
            key = getattr(request, "page_cache_key", None)
            kept = None
            if key is not None:
                kept = self._keepable(request, response)
                if kept is not None:
                    seconds = getattr(request, "page_cache_seconds", settings.PAGE_CACHE_SECONDS)
                    until = getattr(response, "page_cache_until", None)
                    if until is not None:
                        seconds = min(seconds, (until - timezone.now()).total_seconds())
                    if seconds >= 1:
                        cache.set(key, kept, int(seconds))
            if getattr(request, "page_cache_compresses", False):
                return self._compressed(request, response, kept)
            return response
        finally:
            # Kept or not, the requests waiting for this render may go on.
            leading = getattr(request, "page_cache_leading", None)
            if leading is not None:
                renders.end(leading)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if (
            not settings.PAGE_CACHE
            or request.method not in ("GET", "HEAD")
            or not getattr(view_func, "for_readers", False)
        ):
            return None
        viewer = _viewer(request)
        if viewer is None:
            return None
        catches_up = getattr(view_func, "page_chat_catches_up", False)
        versions = database_versions(viewer)
        if versions is None:
            return None
        full = f"{versions[0]}:{versions[1]}"
        # What the page's parts shared by every viewer are kept by (draft/live.py: the chat),
        # and what who the viewer is and their role in a league are (accounts/sessions.py,
        # draft/access.py).
        request.page_data_state = full
        request.page_access_state = str(versions[2])
        state = full.split(":")[0] if catches_up else full
        if catches_up:
            request.page_cache_seconds = min(
                settings.PAGE_CACHE_SECONDS, settings.PAGE_CACHE_CHAT_SECONDS
            )
        key = _key(request, state, viewer)
        kept = cache.get(key)
        if kept is None:
            running = renders.begin(key)
            if running is None:
                request.page_cache_leading = key  # this request renders it; others wait
            else:
                # Another request is rendering this very page: wait for it, without holding a
                # connection the renderer (or anyone) may need meanwhile.
                if not connection.in_atomic_block:
                    connection.close()
                running.wait(settings.PAGE_CACHE_WAIT_SECONDS)
                kept = cache.get(key)
        if kept is None:
            if request.method == "GET":
                request.page_cache_key = key
                request.page_cache_tokens = set()
                request.page_cache_moments = set()
            return None
        status, headers, content = kept
        digest = None
        if isinstance(content, PiecesPage):
            token = get_token(request) if content.has(TOKEN) else ""
            moment = timezone.now().isoformat() if content.has(NOW) else ""
            if token:
                _note(request, "page_cache_tokens", token)
            if moment:
                _note(request, "page_cache_moments", moment)
            digest = content.digest
            content = content.filled(token=token.encode(), now=moment.encode())
        response = HttpResponse(content, status=status)
        for name, value in headers:
            response[name] = value
        if digest is not None:
            response.page_digest = digest
        return response

    @staticmethod
    def _compressed(request, response, kept):
        """The answer whose compression GZipMiddleware left to this one: this request's page
        as the kept pieces give it, compressed once for this request and the next ones; or,
        when it was not kept in pieces after all, compressed as GZipMiddleware would have."""
        page = kept[2] if kept is not None else None
        if not isinstance(page, PiecesPage) or not page.compressed:
            return DjangoGZipMiddleware(lambda request: response).process_response(
                request, response
            )
        response.content = page.filled(
            token=get_token(request).encode() if page.has(TOKEN) else b"",
            now=timezone.now().isoformat().encode() if page.has(NOW) else b"",
        )
        response["Content-Length"] = str(len(response.content))
        response["Content-Encoding"] = "gzip"
        # As GZipMiddleware does: a compressed body is not byte for byte the page.
        _weaken_etag(response)
        return response

    @staticmethod
    def _keepable(request, response):
        """What to keep of the answer, or None when it may not be given again."""
        cache_control = response.get("Cache-Control", "")
        if (
            response.status_code not in KEPT_STATUSES
            or response.streaming
            or "no-store" in cache_control
            or not set(response.cookies) <= {settings.CSRF_COOKIE_NAME}
        ):
            return None
        # Said again for each request by the middleware inside: who may keep it (which depends
        # on the request's cookies), and the CSRF cookie of a browser that had none.
        headers = [
            (name, value)
            for name, value in response.items()
            if name.lower() not in ("set-cookie", "cache-control")
        ]
        if not request.page_cache_tokens and not request.page_cache_moments:
            if response.cookies:
                return None  # a CSRF cookie with no token on the page: not ours to repeat
            return (response.status_code, headers, response.content)
        content = response.content
        compressed = response.get("Content-Encoding") == "gzip"
        if compressed:
            content = gzip.decompress(content)
        elif response.has_header("Content-Encoding"):
            return None
        compressed = compressed or getattr(request, "page_cache_compresses", False)
        content = _with_gaps(request, content)
        # Made anew with each request's own token and time.
        headers = [
            (name, value)
            for name, value in headers
            if name.lower() not in ("content-encoding", "content-length", "etag")
        ]
        if compressed:
            headers.append(("Content-Encoding", "gzip"))
        parts = GAP.split(content)
        page = PiecesPage(parts[0::2], parts[1::2], compressed, digest=page_digest(content))
        return (response.status_code, headers, page)


class GZipMiddleware(DjangoGZipMiddleware):
    """Django's, but it leaves a page to be kept in pieces (it has a CSRF token or the server's
    time) for PageCacheMiddleware to compress: that one compresses each piece once, for this
    request and for every request the kept page is given to after, instead of the whole page
    being compressed here, taken apart and compressed again there."""

    def process_response(self, request, response):
        if (
            getattr(request, "page_cache_key", None) is not None
            and (request.page_cache_tokens or request.page_cache_moments)
            and response.status_code in KEPT_STATUSES
            and not response.streaming
            and not response.has_header("Content-Encoding")
            and len(response.content) >= 200
            and re_accepts_gzip.search(request.headers.get("Accept-Encoding", ""))
        ):
            patch_vary_headers(response, ("Accept-Encoding",))
            request.page_cache_compresses = True
            return response
        return super().process_response(request, response)


def page_digest(page_with_gaps: bytes) -> str:
    return hashlib.sha256(page_with_gaps).hexdigest()


class ConditionalGetMiddleware(DjangoConditionalGetMiddleware):
    """Django's (an ETag on every page and a 304 for a browser that has it), with the ETag made
    over the page without what differs from one request to the next when nothing has changed:
    the CSRF tokens of its forms (a new mask each time). So a signed-in member's page and a
    page with a form (a pick page with its comment form, the recap with its votes) are a 304
    on a reload while nothing on them has changed, as a reader's page without forms always was.

    - A page with a form: the ETag is made with the browser's CSRF secret as well. Its tokens
      are only good with that secret; a browser given a new one (at a log-in) gets the page
      again, with tokens that go with it.
    - A page with the server's time (a board with a running clock, `page_now`): no ETag. A
      browser given a 304 would reuse a page whose time is past, and its countdown would
      correct the browser's clock by the wrong amount.
    - A kept page (`PageCacheMiddleware`) carries the digest it was kept with, so it has the
      same ETag as the page rendered."""

    def process_response(self, request, response):
        if (
            request.method == "GET"
            and response.status_code == 200
            and not response.streaming
            and not response.has_header("ETag")
            and self.needs_etag(response)
        ):
            if getattr(request, "page_cache_moments", None):
                return response
            digest = getattr(response, "page_digest", None)
            if digest is None:
                digest = page_digest(_with_gaps(request, response.content))
            if getattr(request, "page_cache_tokens", None):
                secret = request.META.get("CSRF_COOKIE", "")
                digest = page_digest(f"{digest}:{secret}".encode())
            response["ETag"] = f'"{digest[:32]}"'
            if response.has_header("Content-Encoding"):  # a kept page, given compressed
                _weaken_etag(response)
        return super().process_response(request, response)


def _weaken_etag(response) -> None:
    etag = response.get("ETag", "")
    if etag.startswith('"'):
        response["ETag"] = "W/" + etag


class Renders:
    """The renders of pages not kept yet that are under way in this process, by key: the first
    request for a key renders it, the others wait for it (single flight)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.running: dict[str, threading.Event] = {}

    def begin(self, key: str) -> threading.Event | None:
        """None when this request is to render the page (and call `end`); else the event that
        the request rendering it sets when it is done."""
        with self.lock:
            running = self.running.get(key)
            if running is None:
                self.running[key] = threading.Event()
            return running

    def end(self, key: str) -> None:
        with self.lock:
            done = self.running.pop(key, None)
        if done is not None:
            done.set()


renders = Renders()


class PiecesPage:
    """A page kept in the pieces between its gaps (its CSRF tokens, the server's time), to be
    given with each request's own.

    Compressed (for a browser that takes gzip) only the compressed pieces are kept, each on its
    own (a fresh deflate stream, ended by a full flush, so that it refers to nothing before it),
    and a request's page is put together as one gzip stream: the pieces with the gaps filled in
    between them as stored, uncompressed deflate blocks. Nothing is compressed per request, and
    a token is never compressed with the page's text (so no BREACH-style guessing of it by
    length). The stream's checksum (CRC-32) is carried over each piece without its text, so a
    kept page weighs what its compressed bytes weigh, in this process or in Redis."""

    HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # gzip, no name, no time

    def __init__(self, pieces: list[bytes], gaps: list[bytes], compressed: bool, digest: str):
        assert len(gaps) == len(pieces) - 1
        self.gaps = gaps
        self.digest = digest  # of the page with its gaps (the ETag's ground)
        self.compressed = compressed
        if not compressed:
            self.pieces = pieces
            return
        last = len(pieces) - 1
        self.deflated = [self._deflate(piece, i == last) for i, piece in enumerate(pieces)]
        self.sizes = [len(piece) for piece in pieces]
        # CRC-32 is affine: crc(a + b) = shift(crc(a), len(b)) ^ crc(b), where shift runs the
        # register over len(b) zero bytes: crc32(zeros, c) ^ crc32(zeros, 0). What does not
        # depend on what comes before a piece is folded into one number per piece.
        self.crcs = [zlib.crc32(piece) ^ zlib.crc32(bytes(len(piece))) for piece in pieces]

    def has(self, gap: bytes) -> bool:
        return gap in self.gaps

    @staticmethod
    def _deflate(data: bytes, last: bool) -> bytes:
        stream = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
        return stream.compress(data) + stream.flush(zlib.Z_FINISH if last else zlib.Z_FULL_FLUSH)

    def filled(self, *, token: bytes = b"", now: bytes = b"") -> bytes:
        values = [token if gap == TOKEN else now for gap in self.gaps]
        if not self.compressed:
            page = [self.pieces[0]]
            for value, piece in zip(values, self.pieces[1:], strict=True):
                page += [value, piece]
            return b"".join(page)
        # A stored block, not the last: a byte of header bits (the stream is byte-aligned after
        # a full flush), then the length and its complement, then the bytes themselves.
        zeros = memoryview(bytes(max(self.sizes)))
        crc = self.crcs[0] ^ zlib.crc32(zeros[: self.sizes[0]])
        size = self.sizes[0]
        body = [self.deflated[0]]
        for value, length, piece_crc, deflated in zip(
            values, self.sizes[1:], self.crcs[1:], self.deflated[1:], strict=True
        ):
            body += [
                b"\x00" + struct.pack("<HH", len(value), 0xFFFF ^ len(value)) + value,
                deflated,
            ]
            crc = zlib.crc32(zeros[:length], zlib.crc32(value, crc)) ^ piece_crc
            size += len(value) + length
        return self.HEADER + b"".join(body) + struct.pack("<II", crc, size & 0xFFFFFFFF)
