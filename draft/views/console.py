"""The commissioner's console: the page, its live part, and every action it posts (start,
pause, skip, undo, a pick for a member, settings, categories, seats, the order), each
confirmed where it cannot be taken back.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe

from config.inputs import form_int, parse_int
from draft import clock, live, search, selectors, stream
from draft.access import get_draft_for_viewer, require_commissioner
from draft.forms import CategoryForm, ClockForm, DraftSettingsForm
from draft.models import Category, Draft, Membership, Pick, Seat, Trade
from draft.services.picks import make_pick, skip_on_clock, undo_last
from draft.services.running import end_draft, pause_draft, resume_draft, start_draft
from draft.services.setup import (
    add_category,
    add_seat,
    move_category,
    move_seat,
    randomize_order,
    remove_category,
    remove_seat,
    seat_everyone,
    update_category,
    update_clock_settings,
    update_draft_settings,
)
from draft.views.shared import error_text, touch_clock, unchanged_since_shown


@dataclass
class ConsoleInput:
    """What the commissioner typed or chose on the console, kept when an action is refused so
    the console comes back as they left it (bound forms, the search, the chosen film)."""

    query: str = ""
    category_id: int | None = None
    movie_id: int | None = None
    override: bool = False
    forms: dict = field(default_factory=dict)  # context name -> bound form
    error: str = ""  # a refusal that belongs to no form
    error_at: str = "state"  # the console section that shows it: state, behalf, order, categories

    @classmethod
    def from_get(cls, request) -> ConsoleInput:
        return cls(
            query=request.GET.get("q", "")[:100],
            category_id=parse_int(request.GET.get("category")),
        )


def _console_context(request, draft, membership, given: ConsoleInput | None = None):
    """The console page's context: what the console shows (selectors.console) and its forms,
    as given back after a refusal or filled with the draft's settings."""
    given = given or ConsoleInput()
    shown = selectors.console(live.board_of(draft), given.category_id)
    pick_time, pick_unit = ClockForm.split_seconds(draft.pick_seconds)
    first_time, first_unit = ClockForm.split_seconds(draft.first_round_pick_seconds)
    clock_form = given.forms.get("clock_form") or ClockForm(
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
    settings_form = given.forms.get("settings_form") or DraftSettingsForm(
        initial={"name": draft.name, "order": draft.order, "category_mode": draft.category_mode}
    )
    bound_category = given.forms.get("category_form")
    category_forms = [
        (
            category,
            bound_category
            if bound_category is not None and bound_category.prefix == f"cat{category.pk}"
            else CategoryForm(
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
        for category in shown.board.state.categories
    ]
    results = []
    if shown.behalf_slot is not None and given.query.strip():
        results = search.search_for_pick(given.query, draft=draft, category=shown.behalf_category)
    return {
        "league": draft.league,
        "draft": draft,
        "board": shown.board,
        "membership": membership,
        "unseated": shown.unseated,
        "clock_form": clock_form,
        "settings_form": settings_form,
        "category_forms": category_forms,
        "new_category_form": given.forms.get("new_category_form") or CategoryForm(prefix="new"),
        "behalf_seat": shown.behalf_seat,
        "behalf_slot": shown.behalf_slot,
        "behalf_label": shown.behalf_label,
        "behalf_categories": shown.behalf_categories,
        "behalf_category": shown.behalf_category,
        "behalf_movie": given.movie_id,
        "behalf_override": given.override,
        "undo": shown.undo,
        "clock_text": clock.describe_seconds(draft.pick_seconds),
        "query": given.query,
        "results": results,
        "console_error": given.error,
        "console_error_at": given.error_at,
        "live_updates": stream.available(),
        "poll_seconds": settings.BOARD_POLL_SECONDS,
        # The live blocks' address carries the version shown and the search, so a refresh
        # answers 204 when nothing changed and keeps the search (see manage_live).
        "live_base": reverse("draft:manage_live", args=[draft.league.slug, draft.slug]),
        "live_query": "?"
        + urlencode(
            {"v": draft.version, "q": given.query}
            | ({"category": shown.behalf_category.pk} if shown.behalf_category else {})
        ),
    }


@login_required
@require_safe
def manage(request, league, draft):
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    require_commissioner(membership)
    touch_clock(draft_obj)
    context = _console_context(request, draft_obj, membership, ConsoleInput.from_get(request))
    return render(request, "draft/manage.html", context)


@login_required
@require_safe
def manage_live(request, league, draft):
    """The console's live blocks, for static/js/live.js (on a board event) and app.js's poll:
    204 when the board has not changed since the version the console shows, else every block
    that follows the board, out of band."""
    if unchanged_since_shown(request, league, draft):
        return HttpResponse(status=204)
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    require_commissioner(membership)
    touch_clock(draft_obj)
    context = _console_context(request, draft_obj, membership, ConsoleInput.from_get(request))
    context["oob"] = True
    return render(request, "draft/manage.html#console-live", context)


# What each console action does, for the confirmation page.
CONFIRM = {
    "start": ("Start the draft?", "The order, categories and settings freeze and the first pick goes on the clock.", "Start the draft"),
    "skip": ("Skip the pick on the clock?", "The member on the clock is passed over; they can make up the pick when they return, before their next one.", "Skip this pick"),
    "undo": ("Undo the last pick?", "The board goes back to how it was just before the pick: its film can be picked again, and the slot is back on the clock with the time it had left.", "Undo the pick"),
    "undo-skip": ("Undo the last skip?", "The board goes back to how it was just before the skip: the skipped slot is back on the clock with the time it had left.", "Undo the skip"),
    "undo-trade": ("Undo the last trade?", "The picks it moved go back to the members they came from; if the pick on the clock changed hands, it goes back with the time it had left.", "Undo the trade"),
    "end": ("End the draft now?", "No more picks can be made, even for empty slots. This cannot be reopened.", "End the draft"),
    "seat-remove": ("Remove {name} from the draft?", "{name} loses their seat in this draft and the seats after it move up one. They stay a member of the league, and you can give them a seat again before the start.", "Remove {name}"),
}  # fmt: skip


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def manage_action(request, league, draft, action):
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    require_commissioner(membership)
    handler = ACTIONS.get(action)
    if handler is None:
        raise Http404("No such action.")
    if request.method != "POST":  # GET or HEAD: only ever ask
        if action not in CONFIRM:
            return redirect("draft:manage", draft_obj.league.slug, draft_obj.slug)
        return _confirm(request, draft_obj, membership, action)
    given = ConsoleInput()
    try:
        note = handler(request, draft_obj, given)
    except ValidationError as error:
        # Refused: the console again, at 200, with the refusal beside the form it belongs to
        # and everything the commissioner typed still in place.
        draft_obj.refresh_from_db()
        if getattr(error, "code", None) != "form":
            bound = next(iter(given.forms.values()), None)
            # Setup forms are gone from a started draft's console: say it above the section.
            shown = "clock_form" in given.forms or draft_obj.status == Draft.Status.SETUP
            if bound is not None and shown:
                bound.add_error(None, error)
            else:
                given.error = error_text(error)
        context = _console_context(request, draft_obj, membership, given)
        return render(request, "draft/manage.html", context)
    if note:
        messages.success(request, note)
    return redirect("draft:manage", draft_obj.league.slug, draft_obj.slug)


def _confirm(request, draft, membership, action):
    context = _console_context(request, draft, membership)
    undo = context["undo"]
    key = action
    if action == "undo" and undo and not undo.is_pick:
        key = "undo-trade" if undo.is_trade else "undo-skip"
    title, explanation, button = CONFIRM[key]
    if action == "seat-remove":
        seat = get_object_or_404(
            Seat.objects.select_related("membership"),
            draft=draft,
            pk=parse_int(request.GET.get("seat")),
        )
        name = seat.display_name
        title, explanation, button = (t.format(name=name) for t in (title, explanation, button))
        context["seat"] = seat
    context.update({"action": action, "title": title, "explanation": explanation, "button": button})
    return render(request, "draft/manage_confirm.html", context)


def _action_start(request, draft, given):
    start_draft(draft_id=draft.pk, actor=request.user)
    return "The draft is live."


def _action_pause(request, draft, given):
    pause_draft(draft_id=draft.pk, actor=request.user)
    return "Draft paused. The clock is stopped until you resume."


def _action_resume(request, draft, given):
    resume_draft(draft_id=draft.pk, actor=request.user)
    return "Draft resumed."


def _action_skip(request, draft, given):
    skipped = skip_on_clock(
        draft_id=draft.pk, actor=request.user, expected_slot=form_int(request.POST, "slot")
    )
    return f"Pick {skipped.label} skipped."


def _action_undo(request, draft, given):
    act = undo_last(
        draft_id=draft.pk,
        actor=request.user,
        expected_version=form_int(request.POST, "act", minimum=0),
    )
    if isinstance(act, Pick):
        return f"Undone: {act.label} {act.movie}."
    if isinstance(act, Trade):
        return f"Undone: the trade ({act.summary}). The picks are back where they came from."
    return "Undone: the skip. That pick is on the clock again."


def _action_end(request, draft, given):
    end_draft(draft_id=draft.pk, actor=request.user)
    return "The draft is complete."


def _action_pick(request, draft, given):
    given.query = request.POST.get("q", "")[:100]
    given.category_id = parse_int(request.POST.get("category"))
    given.movie_id = parse_int(request.POST.get("movie"))
    given.override = request.POST.get("override") == "1"
    given.error_at = "behalf"
    result = make_pick(
        draft_id=draft.pk,
        user=request.user,
        movie_id=given.movie_id,
        expected_slot=form_int(request.POST, "slot"),
        category_id=given.category_id,
        for_seat_id=form_int(request.POST, "seat"),
        override_rules=given.override,
    )
    pick = result.pick
    ruling = " as a ruling" if pick.is_ruling else ""
    return f"Picked {pick.movie} at {pick.label} for {pick.seat.display_name}{ruling}."


def _valid(form, given, name):
    """Keep the bound form for the console's answer; refuse (code "form") when it is invalid:
    its own errors say why."""
    given.forms[name] = form
    if not form.is_valid():
        raise ValidationError("The form has errors.", code="form")
    return form.cleaned_data


def _action_settings(request, draft, given):
    given.error_at = "categories"
    data = _valid(DraftSettingsForm(request.POST), given, "settings_form")
    update_draft_settings(draft_id=draft.pk, actor=request.user, **data)
    return "Draft settings saved."


def _action_clock(request, draft, given):
    d = _valid(ClockForm(request.POST), given, "clock_form")
    update_clock_settings(
        draft_id=draft.pk,
        actor=request.user,
        pick_seconds=d["pick_time_seconds"],
        first_round_pick_seconds=d["first_round_pick_time_seconds"],
        quiet_start=d.get("quiet_start"),
        quiet_end=d.get("quiet_end"),
        expiry_action=d["expiry_action"],
    )
    return "Clock settings saved."


def _action_category_add(request, draft, given):
    given.error_at = "categories"
    form = CategoryForm(request.POST, prefix="new")
    _valid(form, given, "new_category_form")
    category = add_category(draft_id=draft.pk, actor=request.user, spec=form.spec())
    return f"Category {category.name} added."


def _category_id(request, draft) -> int:
    category = get_object_or_404(Category, draft=draft, pk=parse_int(request.POST.get("category")))
    return category.pk


def _action_category_save(request, draft, given):
    given.error_at = "categories"
    category_id = _category_id(request, draft)
    form = CategoryForm(request.POST, prefix=f"cat{category_id}")
    _valid(form, given, "category_form")
    category = update_category(
        draft_id=draft.pk, actor=request.user, category_id=category_id, spec=form.spec()
    )
    return f"Category {category.name} saved."


def _action_category_remove(request, draft, given):
    given.error_at = "categories"
    remove_category(draft_id=draft.pk, actor=request.user, category_id=_category_id(request, draft))
    return "Category removed."


def _action_category_move(request, draft, given):
    given.error_at = "categories"
    offset = -1 if request.POST.get("direction") == "up" else 1
    move_category(
        draft_id=draft.pk,
        actor=request.user,
        category_id=_category_id(request, draft),
        offset=offset,
    )
    return None


def _seat_id(request, draft) -> int:
    seat = get_object_or_404(Seat, draft=draft, pk=parse_int(request.POST.get("seat")))
    return seat.pk


def _action_seat_add(request, draft, given):
    given.error_at = "order"
    target = get_object_or_404(
        Membership, league=draft.league, pk=parse_int(request.POST.get("membership"))
    )
    seat = add_seat(draft_id=draft.pk, actor=request.user, membership=target)
    return f"{target.display_name} takes seat {seat.position}."


def _action_seat_all(request, draft, given):
    given.error_at = "order"
    seats = seat_everyone(draft_id=draft.pk, actor=request.user)
    names = [seat.membership.display_name for seat in seats]
    who = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{who} {'takes a seat' if len(names) == 1 else 'take seats'} at the end of the order."


def _action_seat_remove(request, draft, given):
    given.error_at = "order"
    remove_seat(draft_id=draft.pk, actor=request.user, seat_id=_seat_id(request, draft))
    return "Seat removed."


def _action_seat_move(request, draft, given):
    given.error_at = "order"
    offset = -1 if request.POST.get("direction") == "up" else 1
    move_seat(
        draft_id=draft.pk, actor=request.user, seat_id=_seat_id(request, draft), offset=offset
    )
    return None


def _action_randomize(request, draft, given):
    given.error_at = "order"
    new = randomize_order(draft_id=draft.pk, actor=request.user)
    if new.unchanged:
        order = " then ".join(s.display_name for s in new.seats)
        return f"Randomised, and the order came out the same: {order}. Press again to redraw."
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
    "seat-all": _action_seat_all,
    "seat-remove": _action_seat_remove,
    "seat-move": _action_seat_move,
    "randomize": _action_randomize,
}
