"""Keepers: a member chooses the films they keep from the season before; a commissioner sets
the deadline and approves or drops each keeper."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from config.inputs import form_int, parse_int
from draft.access import get_draft_for_viewer, require_commissioner
from draft.forms import KeeperDeadlineForm
from draft.models import Draft, Seat
from draft.services.keepers import (
    choose_keepers,
    keeper_options,
    keepers_open,
    review_keeper,
    season_before,
    seat_keepers,
    set_keeper_deadline,
)
from draft.views.shared import error_text

DAMAGED = "This form was changed or damaged on its way: reload the page and try again."


def _keeper_draft(request, league, draft):
    draft, membership = get_draft_for_viewer(request, league, draft)
    if not draft.league.keepers_per_member:
        raise Http404("This league does not keep films from one season to the next.")
    if membership is None:
        raise PermissionDenied("Only the league's members choose keepers.")
    return draft, membership


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def keepers(request, league, draft):
    """The member's keepers (their picks of the season before, each with its cost) and, for a
    commissioner, every member's keepers to approve and the deadline."""
    draft, membership = _keeper_draft(request, league, draft)
    with timezone.override(draft.league.time_zone):
        deadline_form = KeeperDeadlineForm(initial={"deadline": draft.season.keeper_deadline})
        if request.method == "POST":
            if request.POST.get("action") == "deadline":
                require_commissioner(membership)
                deadline_form = KeeperDeadlineForm(request.POST)
                if deadline_form.is_valid():
                    try:
                        set_keeper_deadline(
                            draft_id=draft.pk,
                            actor=request.user,
                            deadline=deadline_form.cleaned_data["deadline"],
                        )
                    except ValidationError as error:
                        messages.error(request, error_text(error))
                    else:
                        messages.success(request, "Keeper deadline saved.")
                        return redirect("draft:keepers", draft.league.slug, draft.slug)
            else:
                back = reverse("draft:keepers", args=[draft.league.slug, draft.slug])
                try:
                    # A pick or seat that is not a number comes from a damaged or forged form:
                    # refused, rather than read as none (which would drop the keepers kept).
                    for_seat = form_int(request.POST, "for_seat")
                    chosen = [
                        form_int({"keep": raw}, "keep") for raw in request.POST.getlist("keep")
                    ]
                    if None in chosen:
                        raise ValidationError(DAMAGED)
                except ValidationError as error:
                    messages.error(request, error_text(error))
                    return redirect(back)
                categories = {
                    pick_id: parse_int(request.POST.get(f"category-{pick_id}", ""))
                    for pick_id in chosen
                }
                try:
                    kept = choose_keepers(
                        draft_id=draft.pk,
                        user=request.user,
                        pick_ids=chosen,
                        categories=categories,
                        for_seat_id=for_seat,
                    )
                except ValidationError as error:
                    messages.error(request, error_text(error))
                else:
                    films = f"{len(kept)} film{'s' if len(kept) != 1 else ''}"
                    if for_seat:
                        messages.success(request, f"Keepers saved and approved: {films}.")
                    elif kept:
                        messages.success(
                            request,
                            f"You keep {films}; a commissioner approves them before the start.",
                        )
                    else:
                        messages.success(request, "You keep no film.")
                return redirect(back + (f"?seat={for_seat}" if for_seat else ""))
        draft.refresh_from_db()
        # A commissioner editing a member's keepers (?seat=<seat id>).
        editing = None
        if membership.is_commissioner:
            seat_id = parse_int(request.GET.get("seat", ""))
            editing = (
                Seat.objects.filter(draft=draft, pk=seat_id, membership__isnull=False)
                .select_related("membership")
                .first()
                if seat_id
                else None
            )
        options = keeper_options(draft, editing.membership if editing else membership)
        return render(
            request,
            "draft/keepers.html",
            {
                "league": draft.league,
                "draft": draft,
                "membership": membership,
                "before": season_before(draft),
                "options": options,
                "editing": editing,
                "member_seats": (
                    Seat.objects.filter(draft=draft, membership__isnull=False)
                    .select_related("membership")
                    .order_by("position")
                    if membership.is_commissioner
                    else []
                ),
                "open": keepers_open(draft),
                "in_setup": draft.status == Draft.Status.SETUP,
                "deadline": draft.season.keeper_deadline,
                "deadline_form": deadline_form,
                "all_keepers": seat_keepers(draft) if membership.is_commissioner else {},
            },
        )


@login_required
@require_POST
def keeper_review(request, league, draft, keeper_id, action):
    draft, membership = _keeper_draft(request, league, draft)
    require_commissioner(membership)
    if action not in ("approve", "drop"):
        raise Http404("No such action.")
    try:
        review_keeper(
            draft_id=draft.pk, actor=request.user, keeper_id=keeper_id, approve=action == "approve"
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, "Keeper approved." if action == "approve" else "Keeper dropped.")
    return redirect("draft:keepers", draft.league.slug, draft.slug)
