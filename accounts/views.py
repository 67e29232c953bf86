from urllib.parse import urlsplit

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import Resolver404, resolve
from django.views.decorators.http import require_http_methods

from accounts import services
from accounts.forms import LoginForm, PasswordResetRequestForm, SignUpForm
from config.inputs import safe_next
from draft.models import League
from draft.services.leagues import join_league


@require_http_methods(["GET", "HEAD", "POST"])
def signup(request):
    next_url = safe_next(request, "")
    if request.user.is_authenticated:
        return redirect(next_url or "home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome to Moviedraft, {user.display_name}.")
        return redirect(join_from_invite(request, next_url) or next_url or "home")
    return render(request, "registration/signup.html", {"form": form, "next": next_url})


@require_http_methods(["GET", "HEAD", "POST"])
def password_reset(request):
    """Ask for a reset link. Every valid address gets the same answer (the "check your email"
    page) after the same work: the request is recorded, and the worker mails the link if the
    address has an account (services.mail_password_resets)."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.request_password_reset(email=form.cleaned_data["email"])
        return redirect("password_reset_done")
    return render(request, "registration/password_reset_form.html", {"form": form})


def locked_out(request, original_response=None, credentials=None):
    """What django-axes shows a login (the site's or the admin's) that is locked out: 429, in
    the site's look, saying for how long."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    return render(
        request,
        "accounts/lockout.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's, and a new password lifts a login lockout on the account: whoever reset it
    owns the email address, so the wrong guesses before no longer matter."""

    def form_valid(self, form):
        response = super().form_valid(form)
        axes_reset(username=form.user.get_username())
        return response


class LoginView(auth_views.LoginView):
    """Django's log-in, plus: logging in from a league's invite page joins the league."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        league_url = join_from_invite(self.request, self.get_success_url())
        return redirect(league_url) if league_url else response


def join_from_invite(request, next_url: str) -> str | None:
    """When the person signed up or logged in from an invite page ("Sign up and join"), join
    the league now, in the same POST, and return the league's address: the invite is what
    they came for, and a second button press on the same page was one step too many.
    None when `next_url` is not an invite link, or not a valid one (the invite page then says
    why)."""
    try:
        match = resolve(urlsplit(next_url).path)
    except Resolver404:
        return None
    if match.view_name != "draft:join":
        return None
    league = League.objects.filter(slug=match.kwargs["league"]).first()
    if league is None:
        return None
    try:
        _, created = join_league(user=request.user, league=league, token=match.kwargs["token"])
    except ValidationError:
        return None
    if created:
        messages.success(request, f"Welcome to {league.name}!")
    else:
        messages.info(request, f"You are already a member of {league.name}.")
    return league.get_absolute_url()
