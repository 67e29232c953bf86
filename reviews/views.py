"""Reader pages of a draft: the pick page with its writeup, comments and vote; the recap and
category pages; the home page; and the writes behind them (writeups, comments, votes,
moderation, reader settings). Bloggers, profiles and search: reviews/site_views.py. Every page
works without JavaScript."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from config.inputs import client_ip, parse_int, safe_next
from config.pagecache import for_readers
from config.pages import page_meta
from draft.access import get_draft_for_viewer
from draft.models import Membership
from reviews import markdown, selectors, services, threads
from reviews import rules as reader_rules
from reviews.forms import CommentForm, ReaderSettingsForm, WriteupForm
from reviews.models import Comment
from reviews.recap_grid import recap_grid

VOTER_COOKIE = "md_voter"
HELD_COOKIE = "md_held"
# An anonymous commenter's name and website, for their next comment ("Forget me" clears it).
COMMENTER_COOKIE = "md_commenter"
COOKIE_AGE = 365 * 24 * 3600
# The HTTP status of a comment refused for a reason a browser or a client may act on, by the
# refusal's code; any other refusal is a 400 with its message.
REFUSAL_STATUS = {"closed": 403, "rate_limited": 429}

# --- Scoped loading: outsiders of a private league get 404, the wrong role 403 ----------


def get_draft_for_reader(request, league_slug: str, draft_slug: str):
    """The draft (with its league and reader settings) and the viewer's membership, if any:
    draft/access.py's rule, with the reader pages' load."""
    return get_draft_for_viewer(request, league_slug, draft_slug, load=selectors.load_draft)


def _is_commissioner(membership: Membership | None) -> bool:
    return bool(membership and membership.is_commissioner)


def _load_pick_page(request, league, draft, round_number, pick_in_round, membership_draft=None):
    draft_obj, membership = membership_draft or get_draft_for_reader(request, league, draft)
    page = selectors.pick_page(draft_obj, round_number, pick_in_round, voter=_voter(request))
    if page is None:
        raise Http404("No such pick.")
    return draft_obj, membership, page


def _voter(request) -> str | None:
    token = request.get_signed_cookie(VOTER_COOKIE, default=None, salt="reviews.voter")
    return services.voter_key(request.user, token)


def _held_ids(request) -> set[int]:
    raw = request.get_signed_cookie(HELD_COOKIE, default="", salt="reviews.held")
    return {n for n in map(parse_int, raw.split(",")) if n is not None}


def _remembered_commenter(request) -> dict:
    """{"name": …, "website": …} from the commenter cookie, or {} when there is none."""
    raw = request.get_signed_cookie(COMMENTER_COOKIE, default="", salt="reviews.commenter")
    try:
        data = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    if not isinstance(data, dict):
        return {}
    return {key: str(data.get(key, ""))[:300] for key in ("name", "website") if data.get(key)}


def _remember_commenter(request, response, *, name: str, website: str) -> None:
    response.set_signed_cookie(
        COMMENTER_COOKIE,
        json.dumps({"name": name, "website": website}),
        salt="reviews.commenter",
        max_age=COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


# --- Home -------------------------------------------------------------------------------


@for_readers
@require_safe
def home(request):
    """Live drafts and the latest writeups from leagues the visitor may read (2 queries)."""
    return render(
        request,
        "home.html",
        {
            "live_drafts": selectors.live_drafts(request.user),
            "latest": selectors.latest_writeups(request.user),
            "meta": page_meta(
                request,
                "Moviedraft — your league's movie draft, live",
                "Bloggers draft films into categories on a live board; every pick becomes a "
                "writeup that readers comment on and vote for.",
                reverse("home"),
            ),
        },
    )


# --- The pick page ----------------------------------------------------------------------


def _pick_context(request, draft, membership, page, *, comment_form=None, comment_error=""):
    pick = page.pick
    writeup = page.writeup
    can_edit = services.can_edit_writeup(pick, request.user, membership)
    can_moderate = services.can_moderate(writeup, request.user, membership)
    published = page.published
    description = f"{pick.seat.display_name} selects {pick.movie.title} ({pick.movie.year}) in {pick.category.name}."
    if published and writeup.public_text:
        description = markdown.excerpt(writeup.public_text, 200)
    signed_in = request.user.is_authenticated
    offers_form = published and not page.comments_closed
    thread = threads.comment_thread(
        request,
        page,
        moderator=can_moderate,
        replies=offers_form,
        held_ids=_held_ids(request),
        number=parse_int(request.GET.get("comments")),
    )
    reply_id = parse_int(request.GET.get("reply"))
    if comment_form is not None and comment_form.is_bound:
        reply_id = parse_int(comment_form.data.get("parent"))
    reply_to = None
    if reply_id in thread.reply_targets:
        reply_to = {"pk": reply_id, "author_name": thread.reply_targets[reply_id]}
    remembered = {} if signed_in else _remembered_commenter(request)
    if comment_form is None and offers_form:
        comment_form = CommentForm(
            signed_in=signed_in,
            auto_id="comment-%s",
            initial={"parent": reply_to["pk"] if reply_to else None, **remembered},
        )
    return {
        "league": draft.league,
        "draft": draft,
        "membership": membership,
        "page": page,
        "thread": thread,
        "pick": pick,
        "writeup": writeup,
        "profile": page.profile,
        "can_edit": can_edit,
        "can_moderate": can_moderate,
        "is_commissioner": _is_commissioner(membership),
        "comment_form": comment_form,
        "comment_error": comment_error,
        "remembered": remembered,
        "reply_to": reply_to,
        "reader_settings": reader_rules.draft_settings(draft),
        "vote": page.vote,
        "meta": page_meta(
            request,
            f"{pick.movie.title} — {draft.name}, Round {pick.round}, Pick {pick.pick_in_round}",
            description,
            pick.get_absolute_url(),
            kind="article" if published else "website",
            image=pick.movie.poster_src,
        ),
    }


@for_readers
@require_safe
def pick_page(request, league, draft, round, pick):
    draft_obj, membership, page = _load_pick_page(request, league, draft, round, pick)
    return render(request, "reviews/pick.html", _pick_context(request, draft_obj, membership, page))


def _pick_redirect(pick, anchor=""):
    return redirect(pick.get_absolute_url() + (f"#{anchor}" if anchor else ""))


@require_POST
def comment_post(request, league, draft, round, pick):
    draft_obj, membership, page = _load_pick_page(request, league, draft, round, pick)
    writeup = page.writeup
    if not page.published:
        raise Http404("This pick has no published writeup to comment on.")
    signed_in = request.user.is_authenticated
    form = CommentForm(request.POST, signed_in=signed_in, auto_id="comment-%s")
    if form.is_spam:
        # Say nothing a bot could learn from: it looks like any other post.
        return _pick_redirect(page.pick, "comments")
    status = 400
    error = ""
    if form.is_valid():
        d = form.cleaned_data
        try:
            comment = services.post_comment(
                writeup=writeup,
                user=request.user,
                data=services.CommentInput(
                    body=d["body"],
                    name=d.get("name", ""),
                    email=d.get("email", ""),
                    url=d.get("website", ""),
                    parent_id=d.get("parent"),
                ),
                ip=client_ip(request),
                settings_row=reader_rules.league_settings(draft_obj.league),
            )
        except ValidationError as exc:
            error = error_text(exc)
            status = REFUSAL_STATUS.get(exc.code, status)
        else:
            response = _pick_redirect(page.pick, f"comment-{comment.pk}")
            if not signed_in:
                if d.get("remember"):
                    _remember_commenter(
                        request, response, name=d["name"], website=d.get("website", "")
                    )
                else:
                    response.delete_cookie(COMMENTER_COOKIE, samesite="Lax")
            if comment.is_held:
                messages.info(
                    request,
                    "Thanks! Your comment is awaiting moderation: it appears for everyone once "
                    "a commissioner or the writeup's author approves it.",
                )
                held = sorted(_held_ids(request) | {comment.pk})[-30:]
                response.set_signed_cookie(
                    HELD_COOKIE,
                    ",".join(map(str, held)),
                    salt="reviews.held",
                    max_age=30 * 24 * 3600,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
            else:
                messages.success(request, "Your comment is posted.")
            return response
    context = _pick_context(
        request, draft_obj, membership, page, comment_form=form, comment_error=error
    )
    if status == 403:
        context["comment_form"] = None
    return render(request, "reviews/pick.html", context, status=status)


@require_POST
def forget_commenter(request):
    """Forget the name and website remembered for this browser's comments."""
    fallback = reverse("home")
    response = redirect(safe_next(request, fallback))
    response.delete_cookie(COMMENTER_COOKIE, samesite="Lax")
    messages.success(request, "Forgotten: this browser no longer remembers your name and website.")
    return response


@require_POST
def comment_moderate(request, league, draft, round, pick, comment_id, action):
    draft_obj, membership, page = _load_pick_page(request, league, draft, round, pick)
    if page.writeup is None or not request.user.is_authenticated:
        raise PermissionDenied
    comment = get_object_or_404(Comment, writeup=page.writeup, pk=comment_id)
    comment.writeup = page.writeup
    if not services.can_moderate(page.writeup, request.user, membership):
        raise PermissionDenied("Only the writeup's author or a commissioner can moderate comments.")
    try:
        if action == "approve":
            services.approve_comment(comment=comment, actor=request.user)
            messages.success(request, f"{comment.author_name}'s comment is approved.")
        elif action == "delete":
            services.delete_comment(comment=comment, actor=request.user)
            messages.success(request, f"{comment.author_name}'s comment is deleted.")
        else:
            raise Http404("No such action.")
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect(safe_next(request, page.pick.get_absolute_url() + "#comments"))


@login_required
@require_POST
def comments_toggle(request, league, draft, round, pick):
    draft_obj, membership, page = _load_pick_page(request, league, draft, round, pick)
    if page.writeup is None:
        raise Http404("No writeup.")
    if not services.can_moderate(page.writeup, request.user, membership):
        raise PermissionDenied("Only the writeup's author or a commissioner can do that.")
    close = request.POST.get("closed") == "1"
    services.set_comments_closed(writeup=page.writeup, actor=request.user, closed=close)
    messages.success(request, "Comments are closed." if close else "Comments are open again.")
    return _pick_redirect(page.pick, "comments")


# --- Writeups ---------------------------------------------------------------------------


def _editable_pick(request, league, draft, round_number, pick_in_round):
    draft_obj, membership, page = _load_pick_page(
        request, league, draft, round_number, pick_in_round
    )
    if not services.can_edit_writeup(page.pick, request.user, membership):
        raise PermissionDenied("Only the picker or a commissioner can write this pick up.")
    return draft_obj, membership, page


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def writeup_edit(request, league, draft, round, pick):
    draft_obj, membership, page = _editable_pick(request, league, draft, round, pick)
    writeup = page.writeup
    preview_html = writeup.body_html if writeup else ""
    if request.method == "POST":
        form = WriteupForm(request.POST)
        action = request.POST.get("action", "save")
        if form.is_valid():
            body = form.cleaned_data["body"]
            if action == "preview":
                preview_html = markdown.render_markdown(body)
            else:
                try:
                    writeup = services.save_writeup(
                        pick=page.pick, actor=request.user, body=body, publish=action == "publish"
                    )
                except ValidationError as exc:
                    form.add_error(None, exc)
                else:
                    if action == "publish" and writeup.is_published:
                        messages.success(request, "Published. Readers can see your writeup now.")
                        return redirect(page.pick.get_absolute_url())
                    messages.success(
                        request,
                        "Saved."
                        if writeup.is_published
                        else "Draft saved. Only you and the "
                        "league's commissioners can see it until you publish.",
                    )
                    return redirect(
                        reverse(
                            "reviews:writeup_edit",
                            args=[draft_obj.league.slug, draft_obj.slug, round, pick],
                        )
                    )
    else:
        form = WriteupForm(initial={"body": writeup.body if writeup else ""})
    return render(
        request,
        "reviews/writeup_edit.html",
        {
            "league": draft_obj.league,
            "draft": draft_obj,
            "pick": page.pick,
            "writeup": writeup,
            "form": form,
            "preview_html": preview_html,
            "is_author": page.pick.seat.user_id == request.user.pk,
            "reader_settings": reader_rules.draft_settings(draft_obj),
        },
    )


@login_required
@require_POST
def writeup_preview(request, league, draft, round, pick):
    """The editor's live preview (htmx): the Markdown rendered exactly as it will be saved."""
    _editable_pick(request, league, draft, round, pick)
    form = WriteupForm(request.POST)
    context = {}
    if form.is_valid():
        context["preview_html"] = markdown.render_markdown(form.cleaned_data["body"])
    elif form.data.get("body", "").strip():
        # Too long: say so in the preview, before anything is rendered.
        context["preview_error"] = " ".join(form.errors.get("body", []))
    return render(request, "reviews/writeup_edit.html#preview", context)


@login_required
@require_POST
def writeup_unpublish(request, league, draft, round, pick):
    draft_obj, membership, page = _editable_pick(request, league, draft, round, pick)
    if page.writeup is None or not page.writeup.is_published:
        messages.info(request, "The writeup is not published.")
    else:
        services.unpublish_writeup(writeup=page.writeup, actor=request.user)
        messages.success(request, "Unpublished. Readers no longer see the writeup.")
    return redirect(page.pick.get_absolute_url())


# --- Votes ------------------------------------------------------------------------------


@require_POST
def vote(request, league, draft, question):
    draft_obj, membership = get_draft_for_reader(request, league, draft)
    token = request.get_signed_cookie(VOTER_COOKIE, default=None, salt="reviews.voter")
    new_token = None
    if not request.user.is_authenticated and not token:
        token = new_token = services.new_voter_token()
    voter = services.voter_key(request.user, token)
    fallback = reverse("reviews:recap", args=[draft_obj.league.slug, draft_obj.slug])
    choice = parse_int(request.POST.get("choice"))
    try:
        services.cast_vote(
            draft=draft_obj,
            question=question,
            choice_id=choice,
            voter=voter,
            user=request.user,
            ip=client_ip(request),
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, "Thanks, your vote is counted.")
    response = redirect(safe_next(request, fallback))
    if new_token:
        response.set_signed_cookie(
            VOTER_COOKIE,
            new_token,
            salt="reviews.voter",
            max_age=COOKIE_AGE,
            httponly=True,
            samesite="Lax",
            secure=request.is_secure(),
        )
    return response


# --- Recap, category, reader settings ---------------------------------------------------


@for_readers
@require_safe
def recap(request, league, draft):
    draft_obj, membership = get_draft_for_reader(request, league, draft)
    data = selectors.recap(draft_obj, voter=_voter(request))
    return render(
        request,
        "reviews/recap.html",
        {
            "league": draft_obj.league,
            "draft": draft_obj,
            "membership": membership,
            "is_commissioner": _is_commissioner(membership),
            "recap": data,
            "board": data.board,
            "grid": recap_grid(draft_obj, data),
            "reader_settings": reader_rules.draft_settings(draft_obj),
            "meta": page_meta(
                request,
                f"{draft_obj.name} recap — {draft_obj.league.name}",
                f"Every pick of {draft_obj.league.name}'s {draft_obj.name}: "
                f"{data.board.pick_count} picks, {data.published_count} writeups.",
                reverse("reviews:recap", args=[draft_obj.league.slug, draft_obj.slug]),
            ),
        },
    )


@for_readers
@require_safe
def category_page(request, league, draft, category):
    draft_obj, membership = get_draft_for_reader(request, league, draft)
    categories = list(draft_obj.categories.order_by("position"))
    chosen = next((c for c in categories if selectors.category_slug(c) == category), None)
    if chosen is None:
        raise Http404("No such category.")
    picks = selectors.category_picks(draft_obj, chosen)
    return render(
        request,
        "reviews/category.html",
        {
            "league": draft_obj.league,
            "draft": draft_obj,
            "category": chosen,
            "categories": [(c, selectors.category_slug(c)) for c in categories],
            "picks": [(p, selectors.published_writeup(p)) for p in picks],
            "meta": page_meta(
                request,
                f"{chosen.name} — {draft_obj.name}",
                f"Every {chosen.name} pick of {draft_obj.league.name}'s {draft_obj.name}.",
                reverse("reviews:category", args=[draft_obj.league.slug, draft_obj.slug, category]),
            ),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def reader_settings(request, league, draft):
    draft_obj, membership = get_draft_for_reader(request, league, draft)
    if not _is_commissioner(membership):
        raise PermissionDenied("Only a commissioner of this league can change reader settings.")
    league_row = reader_rules.league_settings(draft_obj.league)
    draft_row = reader_rules.draft_settings(draft_obj)
    initial = {
        "moderate_first_comments": league_row.moderate_first_comments,
        "close_comments_after_days": league_row.close_comments_after_days,
        "writeup_deadline": draft_row.writeup_deadline,
        "voting_open": draft_row.voting_open,
    }
    form = ReaderSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_reader_settings(
                draft=draft_obj, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, "Reader settings saved.")
            return redirect("reviews:reader_settings", draft_obj.league.slug, draft_obj.slug)
    return render(
        request,
        "reviews/reader_settings.html",
        {
            "league": draft_obj.league,
            "draft": draft_obj,
            "form": form,
            "held": selectors.held_comments(draft_obj),
        },
    )


@login_required
@require_POST
def voting_toggle(request, league, draft):
    draft_obj, membership = get_draft_for_reader(request, league, draft)
    if not _is_commissioner(membership):
        raise PermissionDenied("Only a commissioner of this league can open or close voting.")
    value = request.POST.get("open") == "1"
    services.set_voting_open(draft=draft_obj, actor=request.user, value=value)
    messages.success(request, "Voting is open." if value else "Voting is closed.")
    return redirect(
        safe_next(request, reverse("reviews:recap", args=[draft_obj.league.slug, draft_obj.slug]))
    )
