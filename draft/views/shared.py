"""What several of the draft's views use: a refusal's words, the board's version as the polls read
it (404 for a viewer who may not see the draft), and a clock noticed by a page.
"""

from __future__ import annotations

from django.contrib.auth import SESSION_KEY
from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils import timezone

from draft import selectors
from draft.access import may_view
from draft.models import Draft
from draft.services.running import tick_clock
from draft.state import clock_is_due


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def poll_user_id(request):
    # The poll runs on every open board every two seconds: read the user id from the session
    # instead of loading the user (the full page, which does load it, re-checks everything).
    return request.session.get(SESSION_KEY)


def read_poll(request, league_slug, draft_slug) -> selectors.BoardPoll:
    """The one indexed query every poll and live refresh starts with: the board's version and
    whether its clock is due. 404 for a viewer who may not see the draft."""
    poll = selectors.board_version(league_slug, draft_slug, poll_user_id(request), timezone.now())
    if poll is None or not may_view(is_public=poll.is_public, is_member=poll.is_member):
        raise Http404("No such draft.")
    return poll


def unchanged_since_shown(request, league_slug, draft_slug) -> bool:
    """Whether the board is still at the version the page says it shows (`?v=`) with no clock
    due."""
    poll = read_poll(request, league_slug, draft_slug)
    return request.GET.get("v") == str(poll.version) and not poll.clock_due


def touch_clock(draft: Draft) -> None:
    """A board view is one of the places an expired clock is noticed (see services)."""
    if clock_is_due(draft, timezone.now()):
        tick_clock(draft_id=draft.pk)
        draft.refresh_from_db()
