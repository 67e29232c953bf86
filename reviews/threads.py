"""A writeup's comment thread, rendered once per comments version.

Rendering a long thread through template partials is the pick page's biggest cost (200
comments took about 150 ms), so the thread's HTML is cached under (writeup id, creation time,
comments version, whether it offers "Reply" links). Every write that changes what a thread
shows bumps the writeup's comments version (`services.comments_changed`): a posted, approved or
deleted comment, comments closed or opened, a commenter's new avatar, a comment edited in the
admin. The version is read fresh with the writeup on every request, so a cached thread is
never stale; a hit reads no comment at all.

A long thread is shown a page at a time, as blogs do: THREADS_PER_PAGE top-level comments
with their replies, the newest page by default (it is where a new comment lands) and older
pages behind "Older comments" (`?comments=<n>`). A page reads only its own comments, so it
costs the same however long the thread.

Only the thread every reader sees is cached. A moderator's thread (held comments, moderation
forms with their CSRF tokens) and the thread of a reader who wrote a held comment (it shows to
them alone) are rendered for them and never stored.

The cache is Django's (`CACHES`): per process by default, shared by every app server when
CACHE_URL names a Redis server.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from reviews import selectors
from reviews.selectors import PickPage

TEMPLATE = "reviews/pick.html#comment-thread"
# A version never comes back, so an entry is only ever dropped to make room; a day bounds
# what a shared cache (Redis) keeps of threads nobody reads any more.
THREAD_SECONDS = 24 * 3600
# Top-level comments on one page of a thread (their replies come with them).
THREADS_PER_PAGE = 50


@dataclass(frozen=True)
class RenderedThread:
    html: SafeString
    count: int  # the comments the viewer sees
    held_count: int  # for moderators; 0 in a reader's thread
    # Top-level comments a reader may reply to: id → author's name ("Reply to Rita").
    reply_targets: dict[int, str]
    # Who would see this thread differently: the held comments and their signed-in authors.
    held_ids: frozenset[int] = frozenset()
    held_user_ids: frozenset[int] = frozenset()
    number: int = 1  # the page shown, 1 = the oldest comments
    pages: int = 1

    @property
    def older(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def newer(self) -> int | None:
        return self.number + 1 if self.number < self.pages else None

    def differs_for(self, *, user_id: int | None, held_ids: set[int]) -> bool:
        return bool(self.held_ids & held_ids) or (
            user_id is not None and user_id in self.held_user_ids
        )


NO_THREAD = RenderedThread(html=mark_safe(""), count=0, held_count=0, reply_targets={})


def cache_key(page: PickPage, *, replies: bool, number: int | None) -> str:
    writeup = page.writeup
    # The creation time tells apart writeups that reuse an id (a recreated database).
    return (
        f"reviews:thread:{writeup.pk}:{writeup.created_at.timestamp()}:"
        f"{writeup.comments_version}:{int(replies)}:{number or 'newest'}"
    )


def comment_thread(
    request,
    page: PickPage,
    *,
    moderator: bool,
    replies: bool,
    held_ids: set[int],
    number: int | None = None,
) -> RenderedThread:
    """One page of the thread of the pick page's writeup as this viewer sees it: page `number`
    (1 = the oldest comments), the newest when None or past the end. `replies`: the page offers
    the comment form, so top-level comments get a "Reply" link."""
    if not page.published:
        return NO_THREAD
    user = request.user
    user_id = user.pk if user.is_authenticated else None
    key = cache_key(page, replies=replies, number=number)
    if not moderator:
        cached = cache.get(key)
        if cached is not None and not cached.differs_for(user_id=user_id, held_ids=held_ids):
            return cached
    threads = selectors.comment_threads(
        page.writeup,
        user=user,
        held_ids=held_ids,
        moderator=moderator,
        number=number,
        per_page=THREADS_PER_PAGE,
    )
    shown, pages, on_page = threads.number, threads.pages, threads.threads
    context = {
        "threads": on_page,
        "pick": page.pick,
        "league": page.draft.league,
        "draft": page.draft,
        "can_moderate": moderator,
        "replies": replies,
        # A reply link keeps the reader on this page of the thread.
        "page_query": f"comments={shown}&" if pages > 1 else "",
    }
    # A moderator's thread has forms: their CSRF token comes from the request. A reader's has
    # none, so it renders without the request and can be shared.
    html = render_to_string(TEMPLATE, context, request=request if moderator else None)
    rendered = RenderedThread(
        html=mark_safe(html.strip()),
        count=threads.count,
        held_count=threads.held_count if moderator else 0,
        reply_targets={t.comment.pk: t.comment.author_name for t in on_page},
        held_ids=threads.held_ids,
        held_user_ids=threads.held_user_ids,
        number=shown,
        pages=pages,
    )
    sees_held = rendered.differs_for(user_id=user_id, held_ids=held_ids)
    if not moderator and not sees_held:
        cache.set(key, rendered, timeout=THREAD_SECONDS)
    return rendered
