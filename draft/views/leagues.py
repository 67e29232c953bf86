"""Leagues: the list, a new league, a league's page and settings, its members (roles, names,
removal), joining with an invite, and a new draft in it.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.pagecache import for_readers
from config.pages import page_meta
from draft import selectors
from draft.access import get_league_for_viewer, require_commissioner
from draft.forms import TRADE_SETTINGS, DraftCreateForm, LeagueForm, LeagueSettingsForm
from draft.models import League, Membership
from draft.services.leagues import (
    create_league,
    join_league,
    remove_member,
    rename_member,
    rotate_invite,
    set_commissioner,
    update_league,
)
from draft.services.setup import CategorySpec, create_draft
from draft.views.shared import error_text


@for_readers
@require_safe
def league_list(request):
    leagues = list(selectors.visible_leagues(request.user).order_by("name"))
    mine = set()
    if request.user.is_authenticated:
        mine = set(Membership.objects.filter(user=request.user).values_list("league_id", flat=True))
    return render(
        request,
        "draft/league_list.html",
        {
            "my_leagues": [lg for lg in leagues if lg.pk in mine],
            "other_leagues": [lg for lg in leagues if lg.pk not in mine],
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def league_new(request):
    form = LeagueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        league = create_league(
            user=request.user,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            is_public=form.cleaned_data["is_public"],
        )
        messages.success(
            request, f"{league.name} is ready. Invite your league with the link below."
        )
        return redirect(league)
    return render(request, "draft/league_new.html", {"form": form})


@for_readers
@require_safe
def league_detail(request, league):
    league, membership = get_league_for_viewer(request, league)
    drafts, members = selectors.league_page(league)
    invite_url = None
    if membership and membership.is_commissioner:
        invite_url = request.build_absolute_uri(
            reverse("draft:join", args=[league.slug, league.invite_token])
        )
    return render(
        request,
        "draft/league_detail.html",
        {
            "meta": page_meta(
                request,
                f"{league.name} — Moviedraft",
                league.description or f"{league.name}: a movie draft league on Moviedraft.",
                league.get_absolute_url(),
            ),
            "league": league,
            "membership": membership,
            "drafts": drafts,
            "members": members,
            "invite_url": invite_url,
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def league_settings(request, league):
    league, membership = get_league_for_viewer(request, league)
    require_commissioner(membership)
    form = LeagueSettingsForm(request.POST or None, instance=league)
    if request.method == "POST" and form.is_valid():
        update_league(
            league=league,
            actor=request.user,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            is_public=form.cleaned_data["is_public"],
            time_zone=form.cleaned_data["time_zone"],
            readers_may_chat=form.cleaned_data["readers_may_chat"],
            seat_new_members=form.cleaned_data["seat_new_members"],
            no_repeat_seasons=form.cleaned_data["no_repeat_seasons"],
            keepers_per_member=form.cleaned_data["keepers_per_member"],
            keepers_in_round_one=form.cleaned_data["keepers_in_round_one"],
            trade_settings={
                name: form.cleaned_data[name]
                for name in TRADE_SETTINGS
                if form.cleaned_data.get(name) is not None
            },
        )
        messages.success(request, "League settings saved.")
        return redirect(league)
    return render(request, "draft/league_settings.html", {"league": league, "form": form})


@login_required
@require_POST
def league_rotate_invite(request, league):
    league, membership = get_league_for_viewer(request, league)
    require_commissioner(membership)
    rotate_invite(league=league, actor=request.user)
    messages.success(request, "New invite link made. The old link no longer works.")
    return redirect(league)


@login_required
@require_POST
def league_member_role(request, league, member_id):
    league, membership = get_league_for_viewer(request, league)
    require_commissioner(membership)
    target = get_object_or_404(Membership, league=league, pk=member_id)
    make = request.POST.get("commissioner") == "1"
    try:
        set_commissioner(league=league, actor=request.user, membership=target, value=make)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        verb = "is now a commissioner" if make else "is no longer a commissioner"
        messages.success(request, f"{target.display_name} {verb}.")
    return redirect(league)


@login_required
@require_POST
def league_member_rename(request, league, member_id):
    league, membership = get_league_for_viewer(request, league)
    if membership is None:
        raise PermissionDenied
    target = get_object_or_404(Membership, league=league, pk=member_id)
    try:
        rename_member(
            membership=target, actor=request.user, display_name=request.POST.get("display_name", "")
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Board name changed to {target.display_name}.")
    return redirect(league)


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def league_member_remove(request, league, member_id):
    """A commissioner removes a member, or a member leaves: a page that says what it means,
    and its button. A refusal (the last commissioner) is said on the same page."""
    league, membership = get_league_for_viewer(request, league)
    if membership is None:
        raise PermissionDenied
    target = get_object_or_404(Membership, league=league, pk=member_id)
    leaving = target.pk == membership.pk
    if not leaving:
        require_commissioner(membership)
    error = ""
    if request.method == "POST":
        try:
            remove_member(league=league, actor=request.user, membership=target)
        except ValidationError as refusal:
            error = error_text(refusal)
        else:
            if leaving:
                messages.success(request, f"You have left {league.name}.")
                return redirect(league if league.is_public else "draft:leagues")
            messages.success(request, f"{target.display_name} is no longer in {league.name}.")
            return redirect(league)
    return render(
        request,
        "draft/member_remove.html",
        {
            "league": league,
            "target": target,
            "leaving": leaving,
            "started": selectors.started_drafts_with_seat(target),
            "error": error,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def league_join(request, league, token):
    league = League.objects.filter(slug=league).first()
    if league is None:
        raise Http404("No such league.")
    if token != league.invite_token:
        if not league.is_public and selectors.membership_for(league, request.user) is None:
            # A wrong token must not tell an outsider that a private league has this address.
            raise Http404("No such league.")
        return render(request, "draft/join_invalid.html", {"league": league}, status=404)
    if not request.user.is_authenticated:
        next_url = request.path
        return render(
            request,
            "draft/join.html",
            {
                "league": league,
                "signup_url": reverse("signup") + "?" + urlencode({"next": next_url}),
                "login_url": reverse("login") + "?" + urlencode({"next": next_url}),
            },
        )
    if Membership.objects.filter(league=league, user=request.user).exists():
        messages.info(request, f"You are already a member of {league.name}.")
        return redirect(league)
    if request.method == "POST":
        try:
            membership, _ = join_league(
                user=request.user, league=league, token=request.POST.get("token", "")
            )
        except ValidationError as error:
            return render(
                request,
                "draft/join_invalid.html",
                {"league": league, "error": error_text(error)},
                status=400,
            )
        messages.success(
            request, " ".join([f"Welcome to {league.name}!", *_seats_news(membership)])
        )
        return redirect(league)
    return render(request, "draft/join.html", {"league": league, "token": token})


def _seats_news(membership) -> list[str]:
    """What a newcomer hears of the drafts being set up: their seat, or who gives them out."""
    news = []
    for draft, seat in selectors.setup_seats_of(membership):
        if seat is not None:
            news.append(f"You have seat {seat.position} in {draft.name}.")
        else:
            news.append(f"{draft.name} is being set up: a commissioner gives out its seats.")
    return news


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def draft_new(request, league):
    league, membership = get_league_for_viewer(request, league)
    require_commissioner(membership)
    form = DraftCreateForm(request.POST or None, league=league)
    if request.method == "POST" and form.is_valid():
        seats = form.ordered_seats()
        try:
            draft = create_draft(
                league=league,
                actor=request.user,
                name=form.cleaned_data["name"],
                order=form.cleaned_data["order"],
                category_mode=form.cleaned_data["category_mode"],
                categories=[CategorySpec(name=n) for n in form.cleaned_data["categories"]],
                seat_memberships=seats,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            seated = f"{len(seats)} member{'s' if len(seats) != 1 else ''} seated"
            messages.success(
                request,
                f"{draft.name} created with {seated}. Set the order, the category rules and "
                "the clock, then start it.",
            )
            return redirect("draft:manage", league.slug, draft.slug)
    return render(request, "draft/draft_new.html", {"league": league, "form": form})
