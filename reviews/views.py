from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from draft.models import Draft, Pick
from draft.selectors import membership_for


@require_GET
def pick_page(request, league, draft, round, pick):
    draft_obj = get_object_or_404(
        Draft.objects.select_related("league"), league__slug=league, slug=draft
    )
    membership = membership_for(draft_obj.league, request.user)
    if not draft_obj.league.is_public and membership is None:
        raise Http404("No such pick.")
    pick_obj = get_object_or_404(
        Pick.objects.select_related("movie", "category", "seat__membership__user"),
        draft=draft_obj,
        round=round,
        pick_in_round=pick,
    )
    pick_obj.draft = draft_obj
    neighbours = list(
        Pick.objects.filter(draft=draft_obj, slot__in=[pick_obj.slot - 1, pick_obj.slot + 1])
        .select_related("movie")
        .order_by("slot")
    )
    for other in neighbours:
        other.draft = draft_obj
    previous = next((p for p in neighbours if p.slot < pick_obj.slot), None)
    following = next((p for p in neighbours if p.slot > pick_obj.slot), None)
    return render(
        request,
        "reviews/pick.html",
        {
            "league": draft_obj.league,
            "draft": draft_obj,
            "pick": pick_obj,
            "previous": previous,
            "next": following,
        },
    )
