import csv

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import retarget

from config.pages import page_meta
from draft import clock, selectors, services
from draft.forms import (
    CategoryForm,
    ClockForm,
    DraftCreateForm,
    DraftSettingsForm,
    LeagueForm,
    LeagueSettingsForm,
    MovieForm,
)
from draft.models import Category, Draft, League, Membership, Movie, Seat

# --- Scoped loading: outsiders of a private league get 404, the wrong role 403 ----------


def get_league_for_viewer(request, league_slug: str) -> tuple[League, Membership | None]:
    league = get_object_or_404(League, slug=league_slug)
    membership = selectors.membership_for(league, request.user)
    if not league.is_public and membership is None:
        raise Http404("No such league.")
    return league, membership


def get_draft_for_viewer(request, league_slug: str, draft_slug: str):
    draft = get_object_or_404(
        Draft.objects.select_related("league"), league__slug=league_slug, slug=draft_slug
    )
    membership = selectors.membership_for(draft.league, request.user)
    if not draft.league.is_public and membership is None:
        raise Http404("No such draft.")
    return draft, membership


def require_commissioner(membership: Membership | None) -> Membership:
    if membership is None or not membership.is_commissioner:
        raise PermissionDenied("Only a commissioner of this league can do that.")
    return membership


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Leagues ----------------------------------------------------------------------------


@require_GET
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
@require_http_methods(["GET", "POST"])
def league_new(request):
    form = LeagueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        league = services.create_league(
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


@require_GET
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
@require_http_methods(["GET", "POST"])
def league_settings(request, league):
    league, membership = get_league_for_viewer(request, league)
    require_commissioner(membership)
    form = LeagueSettingsForm(request.POST or None, instance=league)
    if request.method == "POST" and form.is_valid():
        services.update_league(
            league=league,
            actor=request.user,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            is_public=form.cleaned_data["is_public"],
            time_zone=form.cleaned_data["time_zone"],
        )
        messages.success(request, "League settings saved.")
        return redirect(league)
    return render(request, "draft/league_settings.html", {"league": league, "form": form})


@login_required
@require_POST
def league_rotate_invite(request, league):
    league, membership = get_league_for_viewer(request, league)
    require_commissioner(membership)
    services.rotate_invite(league=league, actor=request.user)
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
        services.set_commissioner(league=league, actor=request.user, membership=target, value=make)
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
        services.rename_member(
            membership=target, actor=request.user, display_name=request.POST.get("display_name", "")
        )
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, f"Board name changed to {target.display_name}.")
    return redirect(league)


@require_http_methods(["GET", "POST"])
def league_join(request, league, token):
    league = get_object_or_404(League, slug=league)
    if token != league.invite_token:
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
            services.join_league(
                user=request.user, league=league, token=request.POST.get("token", "")
            )
        except ValidationError as error:
            return render(
                request,
                "draft/join_invalid.html",
                {"league": league, "error": error_text(error)},
                status=400,
            )
        messages.success(request, f"Welcome to {league.name}!")
        return redirect(league)
    return render(request, "draft/join.html", {"league": league, "token": token})


# --- Drafts: setup ----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def draft_new(request, league):
    league, membership = get_league_for_viewer(request, league)
    require_commissioner(membership)
    form = DraftCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = services.create_draft(
                league=league,
                actor=request.user,
                name=form.cleaned_data["name"],
                order=form.cleaned_data["order"],
                category_mode=form.cleaned_data["category_mode"],
                categories=[services.CategorySpec(name=n) for n in form.cleaned_data["categories"]],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                f"{draft.name} created with every league member seated. Set the order, the "
                "category rules and the clock, then start it.",
            )
            return redirect("draft:manage", league.slug, draft.slug)
    return render(request, "draft/draft_new.html", {"league": league, "form": form})


# --- The board --------------------------------------------------------------------------


def _poll_user_id(request):
    # The poll runs on every open board every two seconds: read the user id from the session
    # instead of loading the user (the full page, which does load it, re-checks everything).
    return request.session.get(SESSION_KEY)


@require_GET
def board(request, league, draft):
    if "v" in request.GET and request.htmx:
        return _board_poll(request, league, draft)
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    _touch_clock(draft_obj)
    return _render_board(request, draft_obj, membership)


def _board_poll(request, league_slug, draft_slug):
    """204 when the board has not changed since the version the client shows, else the board
    partial (and the viewer's pick panel, out of band, if their turn changed)."""
    from django.utils import timezone

    poll = selectors.board_version(league_slug, draft_slug, _poll_user_id(request), timezone.now())
    if poll is None or not (poll.is_public or poll.is_member):
        raise Http404("No such draft.")
    if request.GET.get("v") == str(poll.version) and not poll.clock_due:
        return HttpResponse(status=204)
    draft_obj, membership = get_draft_for_viewer(request, league_slug, draft_slug)
    _touch_clock(draft_obj)
    return _render_board(request, draft_obj, membership, partial=True)


def _touch_clock(draft: Draft) -> None:
    """A board view is one of the places an expired clock is noticed (see services)."""
    from django.utils import timezone

    if services.clock_is_due(draft, timezone.now()):
        services.tick_clock(draft_id=draft.pk)
        draft.refresh_from_db()


def _board_context(request, draft, membership, *, board=None, panel_error="", query=None):
    board = board or selectors.build_board(draft)
    panel = selectors.pick_panel(board, membership)
    query = request.GET.get("q", "") if query is None else query
    results = []
    if panel.can_pick and query.strip():
        results = selectors.search_for_pick(query, draft=draft, category=panel.category)
    queue_rows = []
    if panel.seat is not None and draft.status != Draft.Status.COMPLETE:
        queue_rows = selectors.queue_entries(panel.seat)
    return {
        "meta": page_meta(
            request,
            f"{draft.name} — {draft.league.name} — Moviedraft",
            f"The pick board of {draft.league.name}'s {draft.name}.",
            draft.get_absolute_url(),
        ),
        "league": draft.league,
        "draft": draft,
        "board": board,
        "panel": panel,
        "queue_rows": queue_rows,
        "membership": membership,
        "is_commissioner": bool(membership and membership.is_commissioner),
        "query": query,
        "results": results,
        "panel_error": panel_error,
        "poll_seconds": settings.BOARD_POLL_SECONDS,
        "clock_text": clock.describe_seconds(draft.pick_seconds),
    }


def _render_board(request, draft, membership, *, partial=False, panel_error="", status=200):
    context = _board_context(request, draft, membership, panel_error=panel_error)
    if partial:
        client_panel = request.GET.get("p")
        context["panel_oob"] = client_panel != context["panel"].key
        return render(request, "draft/board.html#board-update", context)
    return render(request, "draft/board.html", context, status=status)


@require_GET
def board_search(request, league, draft):
    """Search-as-you-type for the pick panel (and the console's pick on behalf)."""
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    if membership is None:
        raise PermissionDenied("Only members can search for a pick.")
    category = None
    category_id = request.GET.get("category")
    state = selectors.load_state(draft_obj)
    if category_id and category_id.isdigit():
        category = next((c for c in state.categories if c.pk == int(category_id)), None)
    elif not draft_obj.is_open_slots:
        seat = state.seat_of(membership.pk)
        slot = state.slot_to_fill(seat) if seat else None
        if slot:
            category = state.category_for_round(state.position(slot).round)
    query = request.GET.get("q", "")[:100]
    results = selectors.search_for_pick(query, draft=draft_obj, category=category)
    return render(
        request,
        "draft/board.html#search-results",
        {"results": results, "query": query, "draft": draft_obj, "league": draft_obj.league},
    )


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@login_required
@require_POST
def board_pick(request, league, draft):
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    if membership is None:
        raise PermissionDenied("Only members of this league can pick.")
    try:
        result = services.make_pick(
            draft_id=draft_obj.pk,
            user=request.user,
            movie_id=_int_or_none(request.POST.get("movie")),
            expected_slot=_int_or_none(request.POST.get("slot")),
            category_id=_int_or_none(request.POST.get("category")),
        )
    except ValidationError as error:
        draft_obj.refresh_from_db()
        if request.htmx:
            context = _board_context(
                request,
                draft_obj,
                membership,
                panel_error=error_text(error),
                query=request.POST.get("q", ""),
            )
            context["panel_oob"] = False
            # The form targets the board (for a pick); the error belongs in the panel instead.
            return retarget(render(request, "draft/board.html#pick-panel", context), "#pick-panel")
        context = _board_context(
            request,
            draft_obj,
            membership,
            panel_error=error_text(error),
            # Without JavaScript the search rides in the form's action (…/pick/?q=…).
            query=request.POST.get("q") or request.GET.get("q", ""),
        )
        return render(request, "draft/board.html", context)
    pick = result.pick
    note = f"You picked {pick.movie} at {pick.label}."
    if request.htmx:
        draft_obj.refresh_from_db()
        context = _board_context(request, draft_obj, membership, query="")
        context["panel_oob"] = True
        context["flash"] = note
        return render(request, "draft/board.html#board-update", context)
    messages.success(request, note)
    return redirect(draft_obj)


# --- Export -----------------------------------------------------------------------------

EXPORT_FIELDS = [
    "overall", "round", "pick_in_round", "member", "category", "movie_title", "movie_year", "picked_at",
]  # fmt: skip


def _export_rows(draft):
    for pick in selectors.picks_for_export(draft):
        yield {
            "overall": pick.slot,
            "round": pick.round,
            "pick_in_round": pick.pick_in_round,
            "member": pick.seat.membership.display_name,
            "category": pick.category.name,
            "movie_title": pick.movie.title,
            "movie_year": pick.movie.year,
            "picked_at": pick.created_at.isoformat(),
        }


@require_GET
def export_csv(request, league, draft):
    draft_obj, _ = get_draft_for_viewer(request, league, draft)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{draft_obj.slug}.csv"'
    writer = csv.DictWriter(response, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for row in _export_rows(draft_obj):
        writer.writerow({key: _spreadsheet_safe(value) for key, value in row.items()})
    return response


def _spreadsheet_safe(value):
    """A cell a spreadsheet would read as a formula (a title such as "=HYPERLINK(…)") is
    written with a leading apostrophe, so opening the export never runs it."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


@require_GET
def export_json(request, league, draft):
    draft_obj, _ = get_draft_for_viewer(request, league, draft)
    data = {
        "league": draft_obj.league.name,
        "draft": draft_obj.name,
        "status": draft_obj.status,
        "picks": list(_export_rows(draft_obj)),
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    response["Content-Disposition"] = f'inline; filename="{draft_obj.slug}.json"'
    return response


# --- Commissioner console ---------------------------------------------------------------


def _console_context(request, draft, membership, **extra):
    board = selectors.build_board(draft)
    state = board.state
    seated = {s.membership_id for s in state.seats}
    unseated = [
        m
        for m in Membership.objects.filter(league=draft.league).order_by("display_name")
        if m.pk not in seated
    ]
    pick_time, pick_unit = ClockForm.split_seconds(draft.pick_seconds)
    first_time, first_unit = ClockForm.split_seconds(draft.first_round_pick_seconds)
    clock_form = extra.pop("clock_form", None) or ClockForm(
        initial={
            "pick_time": pick_time,
            "pick_time_unit": pick_unit,
            "first_round_pick_time": first_time,
            "first_round_unit": first_unit,
            "quiet_start": draft.quiet_start,
            "quiet_end": draft.quiet_end,
            "expiry_action": draft.expiry_action,
        }
    )
    settings_form = extra.pop("settings_form", None) or DraftSettingsForm(
        initial={"name": draft.name, "order": draft.order, "category_mode": draft.category_mode}
    )
    category_forms = [
        (
            category,
            CategoryForm(
                prefix=f"cat{category.pk}",
                initial={
                    "name": category.name,
                    "description": category.description,
                    "genres": category.genres,
                    "year_min": category.year_min,
                    "year_max": category.year_max,
                    "max_runtime": category.max_runtime,
                },
            ),
        )
        for category in state.categories
    ]
    behalf_seat = None
    behalf_slot = None
    if draft.status == Draft.Status.LIVE and board.on_clock_seat is not None:
        behalf_seat = board.on_clock_seat
        behalf_slot = state.slot_to_fill(behalf_seat)
    last_pick = max(state.picks.values(), key=lambda p: p.pk, default=None)
    context = {
        "league": draft.league,
        "draft": draft,
        "board": board,
        "membership": membership,
        "unseated": unseated,
        "clock_form": clock_form,
        "settings_form": settings_form,
        "category_forms": category_forms,
        "new_category_form": extra.pop("new_category_form", None) or CategoryForm(prefix="new"),
        "behalf_seat": behalf_seat,
        "behalf_slot": behalf_slot,
        "last_pick": last_pick,
        "clock_text": clock.describe_seconds(draft.pick_seconds),
        "query": request.GET.get("q", ""),
    }
    if behalf_seat and context["query"].strip():
        category = None if draft.is_open_slots else board.on_clock_category
        context["results"] = selectors.search_for_pick(
            context["query"], draft=draft, category=category
        )
    context.update(extra)
    return context


@login_required
@require_GET
def manage(request, league, draft):
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    require_commissioner(membership)
    _touch_clock(draft_obj)
    return render(request, "draft/manage.html", _console_context(request, draft_obj, membership))


# What each console action does, for the confirmation page.
CONFIRM = {
    "start": ("Start the draft?", "The order, categories and settings freeze and the first pick goes on the clock.", "Start the draft"),
    "skip": ("Skip the pick on the clock?", "The member on the clock is passed over; they can make up the pick when they return, before their next one.", "Skip this pick"),
    "undo": ("Undo the last pick?", "The pick is removed, its film can be picked again and the clock goes back to that seat.", "Undo the pick"),
    "end": ("End the draft now?", "No more picks can be made, even for empty slots. This cannot be reopened.", "End the draft"),
}  # fmt: skip


@login_required
@require_http_methods(["GET", "POST"])
def manage_action(request, league, draft, action):
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    require_commissioner(membership)
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404("No such action.")
    if request.method == "GET":
        if action not in CONFIRM:
            return redirect("draft:manage", draft_obj.league.slug, draft_obj.slug)
        title, explanation, button = CONFIRM[action]
        context = _console_context(request, draft_obj, membership)
        context.update(
            {"action": action, "title": title, "explanation": explanation, "button": button}
        )
        return render(request, "draft/manage_confirm.html", context)
    try:
        note = handler(request, draft_obj)
    except ValidationError as error:
        messages.error(request, error_text(error))
    else:
        if note:
            messages.success(request, note)
    return redirect("draft:manage", draft_obj.league.slug, draft_obj.slug)


def _action_start(request, draft):
    services.start_draft(draft_id=draft.pk, actor=request.user)
    return "The draft is live."


def _action_pause(request, draft):
    services.pause_draft(draft_id=draft.pk, actor=request.user)
    return "Draft paused. The clock is stopped until you resume."


def _action_resume(request, draft):
    services.resume_draft(draft_id=draft.pk, actor=request.user)
    return "Draft resumed."


def _action_skip(request, draft):
    slot = services.skip_on_clock(
        draft_id=draft.pk, actor=request.user, expected_slot=_int_or_none(request.POST.get("slot"))
    )
    return f"Pick {selectors.load_state(draft).position(slot).label} skipped."


def _action_undo(request, draft):
    pick = services.undo_last_pick(
        draft_id=draft.pk,
        actor=request.user,
        expected_pick_id=_int_or_none(request.POST.get("pick")),
    )
    return f"Undone: {pick.label} {pick.movie}."


def _action_end(request, draft):
    services.end_draft(draft_id=draft.pk, actor=request.user)
    return "The draft is complete."


def _action_pick(request, draft):
    result = services.make_pick(
        draft_id=draft.pk,
        user=request.user,
        movie_id=_int_or_none(request.POST.get("movie")),
        expected_slot=_int_or_none(request.POST.get("slot")),
        category_id=_int_or_none(request.POST.get("category")),
        for_seat_id=_int_or_none(request.POST.get("seat")),
        override_rules=request.POST.get("override") == "1",
    )
    pick = result.pick
    ruling = " as a ruling" if pick.is_ruling else ""
    return f"Picked {pick.movie} at {pick.label} for {pick.seat.membership.display_name}{ruling}."


def _action_settings(request, draft):
    form = DraftSettingsForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_form_errors(form))
    services.update_draft_settings(draft_id=draft.pk, actor=request.user, **form.cleaned_data)
    return "Draft settings saved."


def _action_clock(request, draft):
    form = ClockForm(request.POST)
    if not form.is_valid():
        raise ValidationError(_form_errors(form))
    d = form.cleaned_data
    services.update_clock_settings(
        draft_id=draft.pk,
        actor=request.user,
        pick_seconds=d["pick_time_seconds"],
        first_round_pick_seconds=d["first_round_pick_time_seconds"],
        quiet_start=d.get("quiet_start"),
        quiet_end=d.get("quiet_end"),
        expiry_action=d["expiry_action"],
    )
    return "Clock settings saved."


def _form_errors(form) -> str:
    parts = []
    for field, errors in form.errors.items():
        label = form.fields[field].label if field in form.fields else ""
        label = label or (field.replace("_", " ").capitalize() if field != "__all__" else "")
        parts.append(f"{label}: {' '.join(errors)}" if label else " ".join(errors))
    return " ".join(parts)


def _action_category_add(request, draft):
    form = CategoryForm(request.POST, prefix="new")
    if not form.is_valid():
        raise ValidationError(_form_errors(form))
    category = services.add_category(draft_id=draft.pk, actor=request.user, spec=form.spec())
    return f"Category {category.name} added."


def _category_id(request, draft) -> int:
    category = get_object_or_404(
        Category, draft=draft, pk=_int_or_none(request.POST.get("category"))
    )
    return category.pk


def _action_category_save(request, draft):
    category_id = _category_id(request, draft)
    form = CategoryForm(request.POST, prefix=f"cat{category_id}")
    if not form.is_valid():
        raise ValidationError(_form_errors(form))
    category = services.update_category(
        draft_id=draft.pk, actor=request.user, category_id=category_id, spec=form.spec()
    )
    return f"Category {category.name} saved."


def _action_category_remove(request, draft):
    services.remove_category(
        draft_id=draft.pk, actor=request.user, category_id=_category_id(request, draft)
    )
    return "Category removed."


def _action_category_move(request, draft):
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.move_category(
        draft_id=draft.pk,
        actor=request.user,
        category_id=_category_id(request, draft),
        offset=offset,
    )
    return None


def _seat_id(request, draft) -> int:
    seat = get_object_or_404(Seat, draft=draft, pk=_int_or_none(request.POST.get("seat")))
    return seat.pk


def _action_seat_add(request, draft):
    target = get_object_or_404(
        Membership, league=draft.league, pk=_int_or_none(request.POST.get("membership"))
    )
    seat = services.add_seat(draft_id=draft.pk, actor=request.user, membership=target)
    return f"{target.display_name} takes seat {seat.position}."


def _action_seat_remove(request, draft):
    services.remove_seat(draft_id=draft.pk, actor=request.user, seat_id=_seat_id(request, draft))
    return "Seat removed."


def _action_seat_move(request, draft):
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.move_seat(
        draft_id=draft.pk, actor=request.user, seat_id=_seat_id(request, draft), offset=offset
    )
    return None


def _action_randomize(request, draft):
    services.randomize_order(draft_id=draft.pk, actor=request.user)
    return "Order randomised."


ACTIONS = {
    "start": _action_start,
    "pause": _action_pause,
    "resume": _action_resume,
    "skip": _action_skip,
    "undo": _action_undo,
    "end": _action_end,
    "pick": _action_pick,
    "settings": _action_settings,
    "clock": _action_clock,
    "category-add": _action_category_add,
    "category-save": _action_category_save,
    "category-remove": _action_category_remove,
    "category-move": _action_category_move,
    "seat-add": _action_seat_add,
    "seat-remove": _action_seat_remove,
    "seat-move": _action_seat_move,
    "randomize": _action_randomize,
}


# --- Movies -----------------------------------------------------------------------------


@require_GET
def movie_detail(request, movie_id):
    movie = get_object_or_404(Movie, pk=movie_id)
    picks = selectors.movie_picks(movie, request.user)
    meta = page_meta(
        request,
        f"{movie} — Moviedraft",
        f"{movie}: every movie draft it was picked in.",
        movie.get_absolute_url(),
        kind="video.movie",
        image=movie.poster_url,
    )
    return render(
        request, "draft/movie_detail.html", {"movie": movie, "picks": picks, "meta": meta}
    )


@login_required
@require_http_methods(["GET", "POST"])
def movie_new(request):
    if not Membership.objects.filter(user=request.user).exists():
        raise PermissionDenied("Only league members can add films.")
    form = MovieForm(request.POST or None)
    suggestions = []
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            movie = services.add_movie(
                user=request.user,
                title=d["title"],
                year=d["year"],
                directors=d["directors"].split(","),
                genres=d["genres"],
                runtime=d["runtime"],
                confirmed_new=d["confirmed_new"],
            )
        except ValidationError as error:
            form.add_error(None, error)
            if any(e.code == "did_you_mean" for e in error.error_list):
                suggestions = selectors.similar_movies(d["title"], d["year"])
        else:
            messages.success(request, f"{movie} added to the catalog.")
            back = request.POST.get("next", "")
            if back.startswith("/") and not back.startswith("//"):
                return redirect(
                    back + ("&" if "?" in back else "?") + urlencode({"q": movie.title})
                )
            return redirect(movie)
    return render(
        request,
        "draft/movie_new.html",
        {
            "form": form,
            "suggestions": suggestions,
            "next": request.GET.get("next") or request.POST.get("next", ""),
        },
    )


# --- Draft log, queue, mail settings -----------------------------------------------------


@require_GET
def draft_log(request, league, draft):
    """Every change to the draft; readers and members see the public part."""
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    is_commissioner = bool(membership and membership.is_commissioner)
    events = selectors.draft_events(draft_obj, public_only=not is_commissioner)
    return render(
        request,
        "draft/log.html",
        {
            "league": draft_obj.league,
            "draft": draft_obj,
            "events": events,
            "is_commissioner": is_commissioner,
        },
    )


@login_required
@require_GET
def queue(request, league, draft):
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    seat = Seat.objects.filter(draft=draft_obj, membership__user=request.user).first()
    if membership is None or seat is None:
        raise PermissionDenied("Only members with a seat in this draft have a queue.")
    query = request.GET.get("q", "")[:100]
    results = selectors.search_for_pick(query, draft=draft_obj, category=None) if query else []
    entries = selectors.queue_entries(seat)
    queued = {entry.movie.pk for entry in entries}
    return render(
        request,
        "draft/queue.html",
        {
            "league": draft_obj.league,
            "draft": draft_obj,
            "seat": seat,
            "entries": entries,
            "queued": queued,
            "query": query,
            "results": results,
        },
    )


@login_required
@require_POST
def queue_action(request, league, draft, action):
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    if membership is None:
        raise PermissionDenied("Only members of this league have a queue.")
    entry_id = _int_or_none(request.POST.get("entry"))
    try:
        if action == "add":
            entry = services.queue_add(
                draft_id=draft_obj.pk,
                user=request.user,
                movie_id=_int_or_none(request.POST.get("movie")),
            )
            messages.success(request, f"{entry.movie} is number {entry.rank} in your queue.")
        elif action == "remove":
            services.queue_remove(draft_id=draft_obj.pk, user=request.user, entry_id=entry_id)
            messages.success(request, "Removed from your queue.")
        elif action in ("up", "down"):
            services.queue_move(
                draft_id=draft_obj.pk,
                user=request.user,
                entry_id=entry_id,
                offset=-1 if action == "up" else 1,
            )
        elif action == "autopick":
            enabled = request.POST.get("enabled") == "1"
            services.set_autopick(draft_id=draft_obj.pk, user=request.user, enabled=enabled)
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
    back = request.POST.get("next", "")
    if back.startswith("/") and not back.startswith("//"):
        return redirect(back)
    return redirect("draft:queue", draft_obj.league.slug, draft_obj.slug)


@login_required
@require_http_methods(["GET", "POST"])
def notification_settings(request):
    from draft.forms import NotificationSettingsForm
    from draft.models import NotificationSettings

    current = NotificationSettings.objects.filter(user=request.user).first()
    current = current or NotificationSettings(user=request.user)
    form = NotificationSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Mail settings saved.")
        return redirect("draft:notifications")
    return render(request, "draft/notifications.html", {"form": form})
