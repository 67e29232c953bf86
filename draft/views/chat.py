"""The draft-room chat: the part every board embeds (`chat_context`), its own page, posting
and a commissioner's delete.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST
from django_htmx.http import reswap, retarget

from config.inputs import safe_next
from config.pages import page_meta
from draft import chat as chat_rules
from draft import chatroom, live
from draft.access import get_draft_for_viewer
from draft.forms import ChatForm
from draft.services.chat import delete_chat_message, post_chat_message
from draft.views.shared import error_text


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
    refusal = chat_rules.post_refusal(draft.league, request.user, membership)
    if refusal:
        raise PermissionDenied(refusal)
    form = ChatForm(request.POST, auto_id="chat-%s")
    if form.is_valid():
        try:
            message = post_chat_message(
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
        chat_tools=chat_rules.may_delete(membership),
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
        "chat_tools": chat_rules.may_delete(membership),
    }
    return render(request, "draft/chat.html#chat-new-lines", context)


@login_required
@require_POST
def chat_delete(request, league, draft, message_id):
    """A commissioner deletes a message for everyone."""
    draft_obj, membership = get_draft_for_viewer(request, league, draft)
    if not chat_rules.may_delete(membership):
        raise PermissionDenied("Only a commissioner of this league can delete chat messages.")
    try:
        delete_chat_message(draft=draft_obj, actor=request.user, message_id=message_id)
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
