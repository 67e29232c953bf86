from __future__ import annotations

from dataclasses import dataclass, field

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import (
    Http404,
    HttpResponse,
    HttpResponseNotAllowed,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_htmx.http import reswap, retarget, trigger_client_event

from config import pagecache
from config.inputs import form_int, parse_int, safe_next
from config.pagecache import chat_catches_up, for_readers, keep_until
from config.pages import page_meta
from draft import chat, chatroom, clock, events, exports, live, search, selectors, services, stream
from draft.access import (
    get_draft_for_viewer,
    get_league_for_viewer,
    may_view,
    require_commissioner,
)
from draft.forms import (
    CategoryForm,
    ChatForm,
    ClockForm,
    DraftCreateForm,
    DraftSettingsForm,
    LeagueForm,
    LeagueSettingsForm,
    MovieForm,
)
from draft.models import Category, Draft, League, Membership, Movie, Pick, Seat
from draft.state import DraftState, clock_is_due


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Leagues ----------------------------------------------------------------------------


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
        services.update_league(
            league=league,
            actor=request.user,
            name=form.cleaned_data["name"],
            description=form.cleaned_data["description"],
            is_public=form.cleaned_data["is_public"],
            time_zone=form.cleaned_data["time_zone"],
            readers_may_chat=form.cleaned_data["readers_may_chat"],
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
            services.remove_member(league=league, actor=request.user, membership=target)
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
@require_http_methods(["GET", "HEAD", "POST"])
def draft_new(request, league):
    league, membership = get_league_for_viewer(request, league)
    require_commissioner(membership)
    form = DraftCreateForm(request.POST or None, league=league)
    if request.method == "POST" and form.is_valid():
        seats = form.ordered_seats()
        try:
            draft = services.create_draft(
                league=league,
                actor=request.user,
                name=form.cleaned_data["name"],
                order=form.cleaned_data["order"],
                category_mode=form.cleaned_data["category_mode"],
                categories=[services.CategorySpec(name=n) for n in form.cleaned_data["categories"]],
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


# --- The board --------------------------------------------------------------------------


def _poll_user_id(request):
    # The poll runs on every open board every two seconds: read the user id from the session
    # instead of loading the user (the full page, which does load it, re-checks everything).
    return request.session.get(SESSION_KEY)


@for_readers
@chat_catches_up  # its chat asks for the lines posted since at once (static/js/live.js)
@require_safe
def board(request, league, draft):
    if "v" in request.GET and request.htmx:
        return _board_poll(request, league, draft)
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    _touch_clock(draft_obj)
    return _render_board(request, draft_obj, membership)


def _board_poll(request, league_slug, draft_slug):
    """204 when the board has not changed since the version the client shows, else the board
    partial (and the viewer's pick panel, out of band, if their turn changed)."""
    poll = _poll(request, league_slug, draft_slug)
    if request.GET.get("v") == str(poll.version) and not poll.clock_due:
        # Unchanged until a write or, for a reader's kept answer, the clock running out.
        return keep_until(HttpResponse(status=204), poll.clock_deadline)
    draft_obj, membership = get_draft_for_viewer(request, league_slug, draft_slug)
    _touch_clock(draft_obj)
    return _render_board(request, draft_obj, membership, partial=True)


def _poll(request, league_slug, draft_slug) -> selectors.BoardPoll:
    """The one indexed query every poll and live refresh starts with: the board's version and
    whether its clock is due. 404 for a viewer who may not see the draft."""
    poll = selectors.board_version(league_slug, draft_slug, _poll_user_id(request), timezone.now())
    if poll is None or not may_view(is_public=poll.is_public, is_member=poll.is_member):
        raise Http404("No such draft.")
    return poll


def _unchanged_since_shown(request, league_slug, draft_slug) -> bool:
    """Whether the board is still at the version the page says it shows (`?v=`) with no clock
    due."""
    poll = _poll(request, league_slug, draft_slug)
    return request.GET.get("v") == str(poll.version) and not poll.clock_due


def _touch_clock(draft: Draft) -> None:
    """A board view is one of the places an expired clock is noticed (see services)."""
    if clock_is_due(draft, timezone.now()):
        services.tick_clock(draft_id=draft.pk)
        draft.refresh_from_db()


def _board_context(request, draft, membership, *, panel_error="", query=None, shared=True):
    """The board page's context: the shared parts, rendered once per version (draft/live.py),
    and this viewer's own parts (only those with `shared=False`)."""
    state = live.state_of(draft)
    panel = selectors.pick_panel(state, membership)
    query = request.GET.get("q", "") if query is None else query
    results = []
    if panel.can_pick and query.strip():
        results = search.search_for_pick(query, draft=draft, category=panel.category)
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
        "shared": live.shared_board(draft) if shared else None,
        "panel": panel,
        "queue_rows": queue_rows,
        "membership": membership,
        "is_commissioner": bool(membership and membership.is_commissioner),
        "query": query,
        "results": results,
        "panel_error": panel_error,
        "live_updates": stream.available(),
    }


def _render_board(request, draft, membership, *, partial=False, panel_error="", status=200):
    context = _board_context(request, draft, membership, panel_error=panel_error)
    if partial:
        client_panel = request.GET.get("p")
        context["panel_oob"] = client_panel != context["panel"].key
        shown = parse_int(request.GET.get("v"), minimum=0)
        if shown is not None and shown < draft.version:
            # What happened since the version the page shows, for its live region.
            happened = events.events_between(draft, shown, draft.version)
            context["flash"] = " ".join(events.sentences(draft, happened))
        response = render(request, "draft/board.html#board-update", context)
    else:
        response = _board_page(request, draft, membership, context, status)
    # The banner changes when the clock runs out, without a write until someone notices.
    return keep_until(response, draft.clock_deadline)


def _board_page(request, draft, membership, context, status):
    """The full board page. Where pages are kept (config/pagecache.py: its state of the
    database is known), put together from the page every viewer of the same kind shares and
    this viewer's own parts (live.member_page)."""
    data_state = getattr(request, "page_data_state", None)
    if data_state is None or status != 200 or context["panel_error"]:
        context.update(chat_context(request, draft, membership))
        return render(request, "draft/board.html", context, status=status)
    kind = (
        data_state,
        request.scheme,
        request.get_host(),
        request.get_full_path(),
        request.user.is_authenticated,
        membership is not None,
        context["is_commissioner"],
        context["panel"].seat is not None,
    )

    def render_shared():
        shared = {**context, **chat_context(request, draft, membership)}
        shared.update(holes=live.HOLES, csrf_token=live.TOKEN, page_now=live.NOW)
        return render_to_string("draft/board.html", shared, request)

    own = {
        name: render_to_string(template, context, request)
        for name, template in (
            ("account", "base.html#account"),
            ("messages", "base.html#messages"),
            ("panel", "draft/board.html#pick-panel"),
        )
    }
    page = live.member_page(
        draft,
        kind,
        render_shared,
        own,
        token=pagecache.csrf(request)["csrf_token"],
        now=pagecache.now(request)["page_now"],
    )
    return HttpResponse(page)


def _picked(request, draft, membership, note: str):
    """The answer to a pick made with htmx: the smallest that brings the picker's page up to
    date, so that it shows the pick as soon as every other board does (or sooner): the pieces
    of the board that changed since the version the page showed (`v`, as the live room sends
    them to everyone), the picker's own panel and the note. The whole board when the page's
    version is not at hand in this process."""
    context = _board_context(request, draft, membership, query="")
    context["panel_oob"] = True
    context["flash"] = note
    shared = context["shared"]
    shown = parse_int(request.POST.get("v"), minimum=0)
    older = live.board_at(draft, shown) if shown is not None else None
    changes = shared.changes_since(older) if older is not None else None
    if changes is None:
        return render(request, "draft/board.html#board-update", context)
    context["pieces"] = [live.out_of_band(html) for html in changes.values()]
    # Nothing but the pieces, each where it stands; the page takes the board's new version
    # and turn from the event, as from a live one (static/js/live.js).
    response = reswap(render(request, "draft/board.html#board-picked", context), "none")
    return trigger_client_event(
        response, "board:picked", {"v": shared.version, "turn": shared.turn}, after="swap"
    )


def _pick_outcome(request, league, draft):
    """What became of a pick whose answer never arrived (a 503, a dropped connection): the page
    asks once the server answers again (`?slot=&movie=`, static/js/app.js) and gets the board
    as a pick's answer brings it, saying whether the pick was saved."""
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    if membership is None:
        raise PermissionDenied("Only members of this league can pick.")
    state = live.state_of(draft_obj)
    seat = state.seat_of(membership.pk)
    slot = parse_int(request.GET.get("slot"), maximum=state.total_slots)
    movie = Movie.objects.filter(pk=parse_int(request.GET.get("movie"))).first()
    saved, said = (
        state.pick_outcome(slot, seat, movie.pk if movie else None)
        if seat and slot
        else (False, "")
    )
    if not said:
        said = f"Your pick{f' of {movie}' if movie else ''} was not saved: no answer came back."
        said += " Pick again."
    context = _board_context(request, draft_obj, membership, panel_error="" if saved else said)
    context["panel_oob"] = True
    context["flash"] = said if saved else ""
    return render(request, "draft/board.html#board-update", context)


@require_safe
def board_panel(request, league, draft):
    """This viewer's own part of the board (the pick panel, my picks, my queue), fetched by a
    live board when an event says the viewer's turn changed; with `?q=`, the search the
    member had typed, with its results as they now are."""
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    _touch_clock(draft_obj)
    context = _board_context(request, draft_obj, membership, shared=False)
    return render(request, "draft/board.html#pick-panel", context)


@require_safe
def board_search(request, league, draft):
    """Search-as-you-type for the pick panel (and the console's pick on behalf)."""
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    if membership is None:
        raise PermissionDenied("Only members can search for a pick.")
    state = DraftState.load(draft_obj)
    category_id = parse_int(request.GET.get("category"))
    if category_id is not None:
        category = state.category_by_id(category_id)
    else:
        seat = state.seat_of(membership.pk)
        slot = state.slot_to_fill(seat) if seat else None
        category = state.category_of_slot(slot) if slot else None
    query = request.GET.get("q", "")[:100]
    results = search.search_for_pick(query, draft=draft_obj, category=category)
    return render(
        request,
        "draft/board.html#search-results",
        {"results": results, "query": query, "draft": draft_obj, "league": draft_obj.league},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def board_pick(request, league, draft):
    if request.method != "POST" and request.htmx and "slot" in request.GET:
        return _pick_outcome(request, league, draft)
    if request.method != "POST":  # GET or HEAD: a refused pick's address, reloaded
        # Without JavaScript a refused pick is shown at …/pick/; reloading it asks for this
        # address: show the board (and the search) instead of an error.
        query = request.GET.get("q", "")
        board_url = reverse("draft:board", args=[league, draft])
        return redirect(board_url + ("?" + urlencode({"q": query}) if query else ""))
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    if membership is None:
        raise PermissionDenied("Only members of this league can pick.")
    try:
        result = services.make_pick(
            draft_id=draft_obj.pk,
            user=request.user,
            movie_id=parse_int(request.POST.get("movie")),
            expected_slot=form_int(request.POST, "slot"),
            category_id=parse_int(request.POST.get("category")),
        )
    except ValidationError as error:
        draft_obj.refresh_from_db()
        if request.htmx:
            # The whole board comes back with the refusal in the panel: a stale tab's banner
            # ("On the clock (you)") must not sit beside "the commissioner picked for you".
            context = _board_context(
                request,
                draft_obj,
                membership,
                panel_error=error_text(error),
                query=request.POST.get("q", ""),
            )
            context["panel_oob"] = True
            return render(request, "draft/board.html#board-update", context)
        context = _board_context(
            request,
            draft_obj,
            membership,
            panel_error=error_text(error),
            # Without JavaScript the search rides in the form's action (…/pick/?q=…).
            query=request.POST.get("q") or request.GET.get("q", ""),
        )
        context.update(chat_context(request, draft_obj, membership))
        return render(request, "draft/board.html", context)
    pick = result.pick
    note = f"You picked {pick.movie} at {pick.label}."
    if request.htmx:
        draft_obj.refresh_from_db()
        return _picked(request, draft_obj, membership, note)
    messages.success(request, note)
    return redirect(draft_obj)


# --- The draft-room chat ----------------------------------------------------------------


def chat_context(request, draft, membership, *, form=None, before: str = "") -> dict:
    """What the chat partial (draft/chat.html#chat) needs besides `league` and `draft`. A page
    that embeds the chat (the board) adds it to its context:
    `context.update(chat_context(request, draft, membership))`."""
    lines_html = ""
    page = None
    if not before:
        # The newest page and its lines' HTML are the same for every viewer but a
        # commissioner (whose lines carry a delete button): read and rendered once per
        # state of the database, for the fifty members who load the board after a change.
        page, lines_html = live.newest_chat(
            draft, getattr(request, "page_data_state", None), lambda: _newest_chat(draft)
        )
    room = chatroom.chat_room(draft, request.user, membership, before=before, page=page)
    if form is None and room.can_post:
        form = ChatForm(auto_id="chat-%s")
    return {
        "chat": room,
        "chat_form": form,
        "chat_after": room.page.newest,
        "chat_tools": room.can_delete,
        "chat_lines_html": "" if room.can_delete else lines_html,
    }


def _newest_chat(draft):
    page = chatroom.chat_page(draft)
    html = render_to_string(
        "draft/chat.html#chat-lines",
        {
            "chat": chatroom.ChatRoom(page=page, refusal="", can_delete=False),
            "league": draft.league,
            "draft": draft,
        },
    )
    return page, mark_safe(html)


@require_http_methods(["GET", "HEAD", "POST"])
def draft_chat(request, league, draft):
    """The chat as a page of its own: the newest lines and the form (a plain form and list
    without JavaScript), or an earlier page (`?before=<cursor>`; with htmx, just its lines)."""
    if request.method == "POST" and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    if request.method == "POST":
        return _chat_post(request, draft_obj, membership)
    if request.htmx and "after" in request.GET:
        return _chat_since(request, draft_obj, membership, after=request.GET["after"])
    before = request.GET.get("before", "")
    context = {"league": draft_obj.league, "draft": draft_obj}
    context.update(chat_context(request, draft_obj, membership, before=before))
    if request.htmx and before:
        return render(request, "draft/chat.html#chat-earlier", context)
    return render(request, "draft/chat.html", _chat_page_context(request, draft_obj, context))


def _chat_page_context(request, draft, context) -> dict:
    context["meta"] = page_meta(
        request,
        f"Chat — {draft.name} — {draft.league.name} — Moviedraft",
        f"The draft-room chat of {draft.league.name}'s {draft.name}.",
        reverse("draft:chat", args=[draft.league.slug, draft.slug]),
    )
    return context


def _chat_post(request, draft, membership):
    refusal = chat.post_refusal(draft.league, request.user, membership)
    if refusal:
        raise PermissionDenied(refusal)
    form = ChatForm(request.POST, auto_id="chat-%s")
    if form.is_valid():
        try:
            message = services.post_chat_message(
                draft=draft, user=request.user, text=form.cleaned_data["text"]
            )
        except ValidationError as error:
            if error.code == "forbidden":
                raise PermissionDenied(error_text(error)) from None
            form.add_error("text", error)
        else:
            if request.htmx:
                return _chat_posted(request, draft, membership, after=request.POST.get("after"))
            chat_url = reverse("draft:chat", args=[draft.league.slug, draft.slug])
            return redirect(f"{chat_url}#chat-m{message.pk}")
    # Refused: the form again, bound, with the reason beside the field (200, so htmx swaps it).
    context = {"league": draft.league, "draft": draft}
    if request.htmx:
        context.update(chat_form=form, chat_after=request.POST.get("after", ""))
        return render(request, "draft/chat.html#chat-form", context)
    context.update(chat_context(request, draft, membership, form=form))
    return render(request, "draft/chat.html", _chat_page_context(request, draft, context))


def _chat_posted(request, draft, membership, *, after):
    """The answer to a post with htmx: an empty form, and every line after the newest one the
    page showed (the new message, and whatever others said meanwhile) added to the list. A page
    too far behind gets the whole chat again instead."""
    lines = chatroom.chat_lines_after(draft, after=after)
    context = {"league": draft.league, "draft": draft}
    if lines is None:
        context.update(chat_context(request, draft, membership))
        response = render(request, "draft/chat.html#chat", context)
        return retarget(reswap(response, "outerHTML"), "#chat")
    context.update(
        chat_form=ChatForm(auto_id="chat-%s"),
        chat_lines=lines,
        chat_after=lines[-1].cursor if lines else after,
        chat_tools=chat.may_delete(membership),
    )
    return render(request, "draft/chat.html#chat-posted", context)


def _chat_since(request, draft, membership, *, after):
    """A page that cannot follow the live stream asks now and then for the lines after the
    newest one it shows (static/js/live.js): 204 when there are none; a page too far behind
    gets the newest page's lines (it adds the ones it lacks)."""
    lines = chatroom.chat_lines_after(draft, after=after)
    if lines is None:
        lines = chatroom.chat_room(draft, request.user, membership).page.lines
    if not lines:
        return HttpResponse(status=204)
    context = {
        "league": draft.league,
        "draft": draft,
        "chat_lines": lines,
        "chat_tools": chat.may_delete(membership),
    }
    return render(request, "draft/chat.html#chat-new-lines", context)


@login_required
@require_POST
def chat_delete(request, league, draft, message_id):
    """A commissioner deletes a message for everyone."""
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    if not chat.may_delete(membership):
        raise PermissionDenied("Only a commissioner of this league can delete chat messages.")
    try:
        services.delete_chat_message(draft=draft_obj, actor=request.user, message_id=message_id)
    except ValidationError as error:
        if error.code == "missing":
            raise Http404("No such message.") from None
        raise PermissionDenied(error_text(error)) from None
    if request.htmx:
        # The line's delete form targets the line: an empty answer removes it.
        return HttpResponse("")
    messages.success(request, "Message deleted.")
    chat_url = reverse("draft:chat", args=[draft_obj.league.slug, draft_obj.slug])
    return redirect(safe_next(request, chat_url))


# --- Export -----------------------------------------------------------------------------


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


# --- Commissioner console ---------------------------------------------------------------


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
    given = given or ConsoleInput()
    board = live.board_of(draft)
    state = board.state
    seated = {s.membership_id for s in state.seats}
    unseated = [
        m
        for m in Membership.objects.filter(league=draft.league).order_by("display_name")
        if m.pk not in seated
    ]
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
        for category in state.categories
    ]
    # Picking on behalf of the member on the clock: the categories their pick may go in (open
    # slots: the ones they have not filled), the chosen one first-open by default.
    behalf_seat = behalf_slot = behalf_category = None
    behalf_categories = []
    if draft.status == Draft.Status.LIVE and board.on_clock_seat is not None:
        behalf_seat = board.on_clock_seat
        behalf_slot = state.slot_to_fill(behalf_seat)
    if behalf_slot is not None:
        behalf_categories = state.categories_for(behalf_seat, behalf_slot)
        behalf_category = next(
            (c for c in behalf_categories if c.pk == given.category_id),
            behalf_categories[0] if behalf_categories else None,
        )
    context = {
        "league": draft.league,
        "draft": draft,
        "board": board,
        "membership": membership,
        "unseated": unseated,
        "clock_form": clock_form,
        "settings_form": settings_form,
        "category_forms": category_forms,
        "new_category_form": given.forms.get("new_category_form") or CategoryForm(prefix="new"),
        "behalf_seat": behalf_seat,
        "behalf_slot": behalf_slot,
        "behalf_label": state.label(behalf_slot) if behalf_slot else "",
        "behalf_categories": behalf_categories,
        "behalf_category": behalf_category,
        "behalf_movie": given.movie_id,
        "behalf_override": given.override,
        "undo": selectors.undo_offer(state) if draft.status != Draft.Status.SETUP else None,
        "clock_text": clock.describe_seconds(draft.pick_seconds),
        "query": given.query,
        "results": [],
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
            | ({"category": behalf_category.pk} if behalf_category else {})
        ),
    }
    if behalf_slot is not None and given.query.strip():
        context["results"] = search.search_for_pick(
            given.query, draft=draft, category=behalf_category
        )
    return context


@login_required
@require_safe
def manage(request, league, draft):
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    require_commissioner(membership)
    _touch_clock(draft_obj)
    context = _console_context(request, draft_obj, membership, ConsoleInput.from_get(request))
    return render(request, "draft/manage.html", context)


@login_required
@require_safe
def manage_live(request, league, draft):
    """The console's live blocks, for static/js/live.js (on a board event) and app.js's poll:
    204 when the board has not changed since the version the console shows, else every block
    that follows the board, out of band."""
    if _unchanged_since_shown(request, league, draft):
        return HttpResponse(status=204)
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    require_commissioner(membership)
    _touch_clock(draft_obj)
    context = _console_context(request, draft_obj, membership, ConsoleInput.from_get(request))
    context["oob"] = True
    return render(request, "draft/manage.html#console-live", context)


# What each console action does, for the confirmation page.
CONFIRM = {
    "start": ("Start the draft?", "The order, categories and settings freeze and the first pick goes on the clock.", "Start the draft"),
    "skip": ("Skip the pick on the clock?", "The member on the clock is passed over; they can make up the pick when they return, before their next one.", "Skip this pick"),
    "undo": ("Undo the last pick?", "The board goes back to how it was just before the pick: its film can be picked again, and the slot is back on the clock with the time it had left.", "Undo the pick"),
    "undo-skip": ("Undo the last skip?", "The board goes back to how it was just before the skip: the skipped slot is back on the clock with the time it had left.", "Undo the skip"),
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
    key = "undo-skip" if action == "undo" and undo and not undo.is_pick else action
    title, explanation, button = CONFIRM[key]
    if action == "seat-remove":
        seat = get_object_or_404(
            Seat.objects.select_related("membership"),
            draft=draft,
            pk=parse_int(request.GET.get("seat")),
        )
        name = seat.membership.display_name
        title, explanation, button = (t.format(name=name) for t in (title, explanation, button))
        context["seat"] = seat
    context.update({"action": action, "title": title, "explanation": explanation, "button": button})
    return render(request, "draft/manage_confirm.html", context)


def _action_start(request, draft, given):
    services.start_draft(draft_id=draft.pk, actor=request.user)
    return "The draft is live."


def _action_pause(request, draft, given):
    services.pause_draft(draft_id=draft.pk, actor=request.user)
    return "Draft paused. The clock is stopped until you resume."


def _action_resume(request, draft, given):
    services.resume_draft(draft_id=draft.pk, actor=request.user)
    return "Draft resumed."


def _action_skip(request, draft, given):
    skipped = services.skip_on_clock(
        draft_id=draft.pk, actor=request.user, expected_slot=form_int(request.POST, "slot")
    )
    return f"Pick {skipped.label} skipped."


def _action_undo(request, draft, given):
    act = services.undo_last(
        draft_id=draft.pk,
        actor=request.user,
        expected_version=form_int(request.POST, "act", minimum=0),
    )
    if isinstance(act, Pick):
        return f"Undone: {act.label} {act.movie}."
    return "Undone: the skip. That pick is on the clock again."


def _action_end(request, draft, given):
    services.end_draft(draft_id=draft.pk, actor=request.user)
    return "The draft is complete."


def _action_pick(request, draft, given):
    given.query = request.POST.get("q", "")[:100]
    given.category_id = parse_int(request.POST.get("category"))
    given.movie_id = parse_int(request.POST.get("movie"))
    given.override = request.POST.get("override") == "1"
    given.error_at = "behalf"
    result = services.make_pick(
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
    return f"Picked {pick.movie} at {pick.label} for {pick.seat.membership.display_name}{ruling}."


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
    services.update_draft_settings(draft_id=draft.pk, actor=request.user, **data)
    return "Draft settings saved."


def _action_clock(request, draft, given):
    d = _valid(ClockForm(request.POST), given, "clock_form")
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


def _action_category_add(request, draft, given):
    given.error_at = "categories"
    form = CategoryForm(request.POST, prefix="new")
    _valid(form, given, "new_category_form")
    category = services.add_category(draft_id=draft.pk, actor=request.user, spec=form.spec())
    return f"Category {category.name} added."


def _category_id(request, draft) -> int:
    category = get_object_or_404(Category, draft=draft, pk=parse_int(request.POST.get("category")))
    return category.pk


def _action_category_save(request, draft, given):
    given.error_at = "categories"
    category_id = _category_id(request, draft)
    form = CategoryForm(request.POST, prefix=f"cat{category_id}")
    _valid(form, given, "category_form")
    category = services.update_category(
        draft_id=draft.pk, actor=request.user, category_id=category_id, spec=form.spec()
    )
    return f"Category {category.name} saved."


def _action_category_remove(request, draft, given):
    given.error_at = "categories"
    services.remove_category(
        draft_id=draft.pk, actor=request.user, category_id=_category_id(request, draft)
    )
    return "Category removed."


def _action_category_move(request, draft, given):
    given.error_at = "categories"
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.move_category(
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
    seat = services.add_seat(draft_id=draft.pk, actor=request.user, membership=target)
    return f"{target.display_name} takes seat {seat.position}."


def _action_seat_remove(request, draft, given):
    given.error_at = "order"
    services.remove_seat(draft_id=draft.pk, actor=request.user, seat_id=_seat_id(request, draft))
    return "Seat removed."


def _action_seat_move(request, draft, given):
    given.error_at = "order"
    offset = -1 if request.POST.get("direction") == "up" else 1
    services.move_seat(
        draft_id=draft.pk, actor=request.user, seat_id=_seat_id(request, draft), offset=offset
    )
    return None


def _action_randomize(request, draft, given):
    given.error_at = "order"
    new = services.randomize_order(draft_id=draft.pk, actor=request.user)
    if new.unchanged:
        order = " then ".join(s.membership.display_name for s in new.seats)
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
    "seat-remove": _action_seat_remove,
    "seat-move": _action_seat_move,
    "randomize": _action_randomize,
}


# --- Movies -----------------------------------------------------------------------------


@for_readers
@require_safe
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
@require_http_methods(["GET", "HEAD", "POST"])
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
                suggestions = search.similar_movies(d["title"], d["year"])
        else:
            messages.success(request, f"{movie} added to the catalog.")
            back = safe_next(request, "")
            if back:
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


@login_required
@require_safe
def queue(request, league, draft):
    live_part = request.GET.get("part") == "live"
    if live_part and _unchanged_since_shown(request, league, draft):
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
            entry = services.queue_add(
                draft_id=draft_obj.pk,
                user=request.user,
                movie_id=parse_int(request.POST.get("movie")),
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
    return redirect(
        safe_next(request, reverse("draft:queue", args=[draft_obj.league.slug, draft_obj.slug]))
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
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


# --- The live stream --------------------------------------------------------------------


# It changes nothing and answers nothing but GET and HEAD: a POST is told so (405), not
# asked for a CSRF token.
@csrf_exempt
async def board_events(request, league, draft):
    """The draft's live event stream. Under ASGI (production) draft/stream.py's EventsApp
    answers this address before Django does, and hands back here everything that is not an
    open stream: a viewer who may not watch (the board's 404), a wrong method, a server without
    notifications (SQLite) or a WSGI server, which cannot hold a stream open: it says so, and
    the page polls instead. Who may ask is checked as for the board."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    await sync_to_async(get_draft_for_viewer)(request, league, draft)
    return HttpResponse(events.unavailable(), content_type="text/event-stream")
