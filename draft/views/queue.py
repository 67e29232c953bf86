"""A member's queue page and its actions (add, remove, move, autopick)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from config.inputs import parse_int, safe_next
from draft import live, search, selectors, stream
from draft.access import get_draft_for_viewer
from draft.models import Seat
from draft.services.queue import queue_add, queue_move, queue_remove, set_autopick
from draft.views.shared import error_text, unchanged_since_shown


@login_required
@require_safe
def queue(request, league, draft):
    live_part = request.GET.get("part") == "live"
    if live_part and unchanged_since_shown(request, league, draft):
        return HttpResponse(status=204)  # the live part's poll: nothing changed
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    seat = Seat.objects.filter(draft=draft_obj, membership__user=request.user).first()
    if membership is None or seat is None:
        raise PermissionDenied("Only members with a seat in this draft have a queue.")
    entries = selectors.queue_entries(seat)
    context = {
        "league": draft_obj.league,
        "draft": draft_obj,
        "seat": seat,
        "entries": entries,
        "panel": selectors.pick_panel(live.state_of(draft_obj), membership),
        "poll_seconds": settings.BOARD_POLL_SECONDS,
    }
    if live_part:
        # The page's live part, fetched again after each change to the board.
        return render(request, "draft/queue.html#queue-live", context)
    query = request.GET.get("q", "")[:100]
    context.update(
        queued={entry.movie.pk for entry in entries},
        query=query,
        results=search.search_for_pick(query, draft=draft_obj, category=None) if query else [],
        live_updates=stream.available(),
    )
    return render(request, "draft/queue.html", context)


@login_required
@require_POST
def queue_action(request, league, draft, action):
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    if membership is None:
        raise PermissionDenied("Only members of this league have a queue.")
    entry_id = parse_int(request.POST.get("entry"))
    try:
        if action == "add":
            entry = queue_add(
                draft_id=draft_obj.pk,
                user=request.user,
                movie_id=parse_int(request.POST.get("movie")),
            )
            messages.success(request, f"{entry.movie} is number {entry.rank} in your queue.")
        elif action == "remove":
            queue_remove(draft_id=draft_obj.pk, user=request.user, entry_id=entry_id)
            messages.success(request, "Removed from your queue.")
        elif action in ("up", "down"):
            queue_move(
                draft_id=draft_obj.pk,
                user=request.user,
                entry_id=entry_id,
                offset=-1 if action == "up" else 1,
            )
        elif action == "autopick":
            enabled = request.POST.get("enabled") == "1"
            set_autopick(draft_id=draft_obj.pk, user=request.user, enabled=enabled)
            messages.success(
                request,
                "Autopick is on: your top available queued film is picked the moment you are "
                "on the clock."
                if enabled
                else "Autopick is off.",
            )
        else:
            raise Http404("No such queue action.")
    except ValidationError as error:
        messages.error(request, error_text(error))
    return redirect(
        safe_next(request, reverse("draft:queue", args=[draft_obj.league.slug, draft_obj.slug]))
    )
