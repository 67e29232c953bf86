"""The pick board: the page, its poll and the live stream's fallback, the pick panel and its
search, and the pick itself (the smallest answer that brings the picker's page up to date).
"""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe
from django_htmx.http import reswap, trigger_client_event

from config import pagecache
from config.inputs import form_int, parse_int
from config.pagecache import chat_catches_up, for_readers, keep_until
from config.pages import page_meta
from draft import events, live, narration, search, selectors, stream
from draft.access import get_draft_for_viewer
from draft.models import Draft, Movie
from draft.services.picks import make_pick
from draft.state import DraftState
from draft.views.chat import chat_context
from draft.views.shared import error_text, read_poll, touch_clock


@for_readers
@chat_catches_up  # its chat asks for the lines posted since at once (static/js/live.js)
@require_safe
def board(request, league, draft):
    if "v" in request.GET and request.htmx:
        return _board_poll(request, league, draft)
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    touch_clock(draft_obj)
    return _render_board(request, draft_obj, membership)


def _board_poll(request, league_slug, draft_slug):
    """204 when the board has not changed since the version the client shows, else the board
    partial (and the viewer's pick panel, out of band, if their turn changed)."""
    poll = read_poll(request, league_slug, draft_slug)
    if request.GET.get("v") == str(poll.version) and not poll.clock_due:
        # Unchanged until a write or, for a reader's kept answer, the clock running out.
        return keep_until(HttpResponse(status=204), poll.clock_deadline)
    draft_obj, membership = get_draft_for_viewer(request, league_slug, draft_slug)
    touch_clock(draft_obj)
    return _render_board(request, draft_obj, membership, partial=True)


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
    touch_clock(draft_obj)
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
        category = state.category_to_fill(state.seat_of(membership.pk))
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
        result = make_pick(
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
    draft_obj.refresh_from_db()
    note = narration.you_picked(live.state_of(draft_obj), pick)
    if request.htmx:
        return _picked(request, draft_obj, membership, note)
    messages.success(request, note)
    return redirect(draft_obj)


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
