"""The draft's record as a reader takes it away: the log, and the CSV and JSON exports."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from config.pagecache import for_readers
from draft import exports, selectors
from draft.access import get_draft_for_viewer


@for_readers
@require_safe
def export_csv(request, league, draft):
    draft_obj, _ = get_draft_for_viewer(request, league, draft)
    response = HttpResponse(exports.as_csv(draft_obj), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{draft_obj.slug}.csv"'
    return response


@for_readers
@require_safe
def export_json(request, league, draft):
    draft_obj, _ = get_draft_for_viewer(request, league, draft)
    response = JsonResponse(
        exports.as_json(draft_obj), json_dumps_params={"ensure_ascii": False, "indent": 2}
    )
    # A download beside the CSV one, not a page that opens in the tab.
    response["Content-Disposition"] = f'attachment; filename="{draft_obj.slug}.json"'
    return response


@for_readers
@require_safe
def draft_log(request, league, draft):
    """Every change to the draft; readers and members see the public part."""
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    is_commissioner = bool(membership and membership.is_commissioner)
    entries = selectors.draft_events(draft_obj, public_only=not is_commissioner)
    return render(
        request,
        "draft/log.html",
        {
            "league": draft_obj.league,
            "draft": draft_obj,
            "events": entries,
            "is_commissioner": is_commissioner,
        },
    )
