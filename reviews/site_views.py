"""Reader pages beyond one draft: a blogger's page and their profile form, and the search
of every pick and writeup a reader may see. Every page works without JavaScript."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_safe

from config.pagecache import for_readers
from config.pages import page_meta
from config.uploads import refused_upload
from draft.access import get_league_for_viewer
from reviews import bloggers, history, markdown, services
from reviews import search as reader_search
from reviews.forms import ProfileForm
from reviews.models import BloggerProfile

# --- Bloggers ---------------------------------------------------------------------------


@for_readers
@require_safe
def blogger(request, username):
    user = (
        get_user_model().objects.select_related("blogger_profile").filter(username=username).first()
    )
    data = bloggers.blogger_page(user, request.user) if user is not None else None
    if user is None or bloggers.blogger_is_hidden(user, request.user, data):
        raise Http404("No such blogger.")  # the same for a hidden and a missing blogger
    # Without a saved profile the page still shows a name and initials.
    profile = data.profile or BloggerProfile(user=user, display_name=data.name)
    description = (profile.bio if profile and profile.bio else "") or (
        f"{data.name}'s picks and writeups on Moviedraft."
    )
    return render(
        request,
        "reviews/blogger.html",
        {
            "blogger": user,
            "data": data,
            "profile": profile,
            "is_me": request.user == user,
            "meta": page_meta(
                request,
                f"{data.name} — blogger on Moviedraft",
                markdown.excerpt(description, 200),
                reverse("reviews:blogger", args=[user.username]),
                kind="profile",
            ),
        },
    )


@for_readers
@require_safe
def league_history(request, league):
    """Every season of a league: its board, champion and best picks, and the members' records."""
    league, _ = get_league_for_viewer(request, league)
    data = history.league_history(league)
    return render(
        request,
        "reviews/history.html",
        {
            "league": league,
            "history": data,
            "meta": page_meta(
                request,
                f"{league.name}: every season — Moviedraft",
                f"{league.name}: every season's board, champion and best picks, and the "
                "members' records.",
                reverse("reviews:history", args=[league.slug]),
            ),
        },
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_edit(request):
    profile = BloggerProfile.objects.filter(user=request.user).first() or BloggerProfile(
        user=request.user,
        display_name=request.user.display_name,
    )
    form = ProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and (too_large := refused_upload(request, "avatar_upload")):
        form.is_valid()
        form.add_error("avatar_upload", too_large)
    elif request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            services.update_profile(
                user=request.user,
                display_name=d["display_name"],
                blog_name=d["blog_name"],
                blog_url=d["blog_url"],
                bio=d["bio"],
                avatar=d.get("avatar_upload"),
                remove_avatar=d.get("remove_avatar", False),
            )
        except ValidationError as exc:
            about_avatar = any(error.code == "avatar" for error in exc.error_list)
            form.add_error("avatar_upload" if about_avatar else None, exc)
        else:
            messages.success(request, "Profile saved.")
            return redirect("reviews:blogger", request.user.username)
    return render(request, "reviews/profile_edit.html", {"form": form, "profile": profile})


# --- Search -----------------------------------------------------------------------------


@for_readers
@require_safe
def search(request):
    query = request.GET.get("q", "").strip()[:200]
    results = reader_search.search(query, request.user) if query else reader_search.SearchResults()
    return render(
        request,
        "reviews/search.html",
        {
            "query": query,
            "hits": results.hits,
            "suggestion": results.suggestion,
            "meta": page_meta(
                request,
                f"“{query}” — Search" if query else "Search writeups and picks",
                "Search every public pick and writeup by film, director, blogger, category or "
                "words.",
                reverse("reviews:search"),
            ),
        },
    )
