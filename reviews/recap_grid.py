"""The recap's grid, rendered once per board version and set of published writeups.

The grid is the recap's biggest cost (a 16 × 20 board: about 20 ms of template work), and
every reader sees the same one: it shows the picks, whose writeups are published, the seats and
the categories. So its HTML is kept in Django's cache (`CACHES`) under the board's version
(`Draft.grid_cache_key`: every change to what a board shows bumps it) and the picks with a
published writeup, both read fresh on every request: a kept grid is never stale. A chat line, a
vote or a comment leaves it in place; what they change on the recap is rendered per request.
"""

from __future__ import annotations

import hashlib

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from draft.models import Draft
from reviews.selectors import Recap

TEMPLATE = "reviews/recap.html#grid"
# A version never comes back, so an entry is only ever dropped to make room.
GRID_SECONDS = 24 * 3600


def cache_key(draft: Draft, recap: Recap) -> str:
    published = ",".join(str(pick_id) for pick_id in sorted(recap.published_pick_ids))
    digest = hashlib.blake2b(published.encode(), digest_size=12).hexdigest()
    # The results app's stats, worked out after the draft completes, mark reaches and steals.
    stats = getattr(draft, "stats", None)
    marked = f"{stats.draft_version}.{stats.computed_at.timestamp()}" if stats else "-"
    return f"reviews:recap-grid:{draft.grid_cache_key}:{digest}:{marked}"


def recap_grid(draft: Draft, recap: Recap) -> SafeString:
    key = cache_key(draft, recap)
    html = cache.get(key)
    if html is None:
        html = render_to_string(TEMPLATE, {"draft": draft, "board": recap.board, "recap": recap})
        cache.set(key, html, timeout=GRID_SECONDS)
    return mark_safe(html)
