"""A draft's trades: the page (proposals, history, each member's picks), proposing and
countering, and the answers (accept, decline, withdraw, veto, a commissioner's review)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from config.inputs import form_int, parse_int
from draft.access import get_draft_for_viewer
from draft.services.trades import (
    answer_trade,
    propose_trade,
    review_trade,
    veto_trade,
)
from draft.state import DraftState
from draft.tradebook import trade_page
from draft.views.shared import error_text

ANSWERS = {"accept", "decline", "withdraw", "veto", "approve", "reject"}


@require_http_methods(["GET", "HEAD", "POST"])
def trades(request, league, draft):
    """The trade page; a member's proposal posts here."""
    draft, membership = get_draft_for_viewer(request, league, draft)
    back = reverse("draft:trades", args=[draft.league.slug, draft.slug])
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if membership is None:
            raise PermissionDenied("Only the league's members trade.")
        try:
            to_seat = form_int(request.POST, "to_seat")
            replaces = form_int(request.POST, "replaces")
            trade = propose_trade(
                draft_id=draft.pk,
                user=request.user,
                to_seat_id=to_seat,
                give=request.POST.getlist("give"),
                get=request.POST.getlist("get"),
                message=request.POST.get("message", ""),
                replaces_id=replaces,
            )
        except ValidationError as error:
            messages.error(request, error_text(error))
            partner = parse_int(request.POST.get("to_seat", ""))
            return redirect(back + (f"?with={partner}" if partner else ""))
        word = "Counter" if trade.replaces_id else "Proposal"
        messages.success(request, f"{word} sent: {trade.summary}.")
        return redirect(back)
    state = DraftState.load(draft)
    page = trade_page(
        state,
        membership,
        partner_id=parse_int(request.GET.get("with", "")),
        counter_id=parse_int(request.GET.get("counter", "")),
    )
    with timezone.override(draft.league.time_zone):
        return render(
            request,
            "draft/trades.html",
            {"league": draft.league, "draft": draft, "membership": membership, "page": page},
        )


@login_required
@require_POST
def trade_answer(request, league, draft, trade_id, action):
    draft, membership = get_draft_for_viewer(request, league, draft)
    if membership is None:
        raise PermissionDenied("Only the league's members trade.")
    if action not in ANSWERS:
        raise Http404("No such trade action.")
    common = {"draft_id": draft.pk, "trade_id": trade_id, "user": request.user}
    try:
        if action == "veto":
            outcome = veto_trade(**common)
        elif action in ("approve", "reject"):
            outcome = review_trade(**common, approve=action == "approve")
        else:
            outcome = answer_trade(**common, action=action)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        (messages.success if outcome.ok else messages.error)(request, outcome.message)
    return redirect("draft:trades", draft.league.slug, draft.slug)
