"""A member's own film ratings: how many they have, uploading their Letterboxd ratings.csv, and
removing them all."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.defaultfilters import filesizeformat
from django.views.decorators.http import require_http_methods

from config.uploads import refused_upload
from results.letterboxd import MAX_BYTES, ratings_summary, remove_ratings, upload_ratings

REMOVE = "remove"
CONFIRM_MISSING = "Tick the box to say you mean it: this removes every rating you uploaded."


class RatingsFileForm(forms.Form):
    ratings = forms.FileField(
        label="Your ratings.csv",
        # An empty file gets the upload's own message, which says what to choose instead.
        allow_empty_file=True,
        help_text=f"The ratings.csv file from your Letterboxd export, {filesizeformat(MAX_BYTES)} "
        "at most.",
        error_messages={"required": "Choose your ratings.csv to upload."},
        widget=forms.FileInput(attrs={"accept": ".csv,text/csv"}),
    )


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def ratings(request):
    """The page; an upload posts here and sees what it did on the answer (a refused file is an
    error on the form, at 200); a removal posts here and comes back with a message."""
    form = RatingsFileForm()
    upload = None
    remove_error = ""
    if request.method == "POST" and request.POST.get("action") == REMOVE:
        if request.POST.get("confirm") == "yes":
            removed = remove_ratings(user=request.user)
            messages.success(
                request, f"Removed your {removed} film rating{'' if removed == 1 else 's'}."
            )
            return redirect("results:ratings")
        remove_error = CONFIRM_MISSING
    elif request.method == "POST":
        posted = RatingsFileForm(request.POST, request.FILES)
        if too_large := refused_upload(request, "ratings"):
            posted.is_valid()
            posted.errors.clear()
            posted.add_error("ratings", too_large)
        elif posted.is_valid():
            try:
                upload = upload_ratings(user=request.user, file=posted.cleaned_data["ratings"])
            except ValidationError as error:
                posted.add_error("ratings", error)
        if upload is None:
            form = posted
    return render(
        request,
        "results/ratings.html",
        {
            "form": form,
            "upload": upload,
            "summary": ratings_summary(request.user),
            "remove_error": remove_error,
        },
    )
