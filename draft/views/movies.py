"""Films: a film's page, its poster, and a member adding one to the catalog."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_safe

from config.inputs import safe_next
from config.pagecache import for_readers
from config.pages import page_meta
from config.uploads import refused_upload
from draft import access, search, selectors
from draft.forms import MovieForm, PosterForm
from draft.models import Membership, Movie
from draft.services.movies import add_movie, change_poster


@for_readers
@require_safe
def movie_detail(request, movie_id):
    # Its average draft position (results' FilmAdp, reached through the relation: draft never
    # imports results) comes in the same query.
    movie = get_object_or_404(Movie.objects.select_related("adp"), pk=movie_id)
    picks = selectors.movie_picks(movie, request.user)
    meta = page_meta(
        request,
        f"{movie} — Moviedraft",
        f"{movie}: every movie draft it was picked in.",
        movie.get_absolute_url(),
        kind="video.movie",
        image=movie.poster_src,
    )
    may_change_poster = access.may_change_poster(request.user, movie)
    return render(
        request,
        "draft/movie_detail.html",
        {"movie": movie, "picks": picks, "meta": meta, "may_change_poster": may_change_poster},
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def movie_poster(request, movie_id):
    """Upload a film's poster, or remove the one uploaded (`change_poster` says who may)."""
    movie = get_object_or_404(Movie, pk=movie_id)
    if not access.may_change_poster(request.user, movie):
        raise PermissionDenied(
            "Only a member who drafted this film or a commissioner of a league that drafted "
            "it can change its poster."
        )
    posted = request.method == "POST"
    form = PosterForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and (too_large := refused_upload(request, "poster")):
        form.is_valid()
        form.add_error("poster", too_large)
    elif posted and form.is_valid():
        d = form.cleaned_data
        try:
            change_poster(user=request.user, movie=movie, upload=d["poster"], remove=d["remove"])
        except ValidationError as error:
            form.add_error("poster", error)
        else:
            messages.success(
                request,
                f"Poster removed from {movie}." if d["remove"] else f"New poster for {movie}.",
            )
            return redirect(movie)
    return render(request, "draft/movie_poster.html", {"movie": movie, "form": form})


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
            movie = add_movie(
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
