"""A league's seasons: starting the next one from the last."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from draft.access import get_league_for_viewer, require_commissioner
from draft.forms import NextSeasonForm
from draft.services.seasons import renewal, start_next_season


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def season_next(request, league):
    """What the next season copies from the last, and the button that starts it."""
    league, membership = get_league_for_viewer(request, league)
    require_commissioner(membership)
    plan = renewal(league)
    if plan is None:
        raise Http404("This league has no season yet.")
    posted = request.method == "POST"
    form = NextSeasonForm(request.POST if posted else None, initial={"name": plan.name})
    if posted and form.is_valid():
        try:
            draft = start_next_season(
                league=league,
                actor=request.user,
                name=form.cleaned_data["name"],
                order=form.cleaned_data["order"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{draft.name} is set up from {plan.last.name}. Check the order, the categories "
                "and the clock, then start it.",
            )
            return redirect("draft:manage", league.slug, draft.slug)
    return render(
        request,
        "draft/season_next.html",
        {"league": league, "plan": plan, "form": form, "ready": plan.last.status == "complete"},
    )
