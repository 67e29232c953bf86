"""Films: a film's page and a member adding one to the catalog."""

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
from draft import search, selectors
from draft.forms import MovieForm
from draft.models import Membership, Movie
from draft.services.movies import add_movie


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
