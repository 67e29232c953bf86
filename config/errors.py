"""Error pages in the site's look: the 500 handler, the CSRF failure view, the 405 page and the
"briefly unavailable" answer when the database cannot be reached.

The 404, 403 and 400 pages are Django's own handlers with our templates (404.html, 403.html,
400.html): they render with the request, so they can offer a log-in link. The 500 and 503 pages
render without the request: nothing on them may touch the database (the request's user and
the messages are read from it), because that may be exactly what failed.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.urls import Resolver404, resolve
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger("moviedraft.errors")

# What a lost or unusable database connection raises (PostgreSQL down or restarting, a killed
# backend, SQLite locked past its timeout). Every one of them is worth a retry in a moment.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

# How long a client should wait before it asks again (the Retry-After header, and the first
# retry of the 503 page's script).
RETRY_AFTER_SECONDS = 5

# Pages the 405 page can send a person back to: the nearest one above the address they opened.
PAGES_TO_GO_BACK_TO = {
    "pick": "Back to the pick",
    "draft:board": "Back to the board",
    "draft:manage": "Back to the commissioner console",
    "draft:queue": "Back to my queue",
    "draft:chat": "Back to the chat",
    "draft:league": "Back to the league",
    "reviews:recap": "Back to the recap",
}


def is_database_unavailable(error: BaseException | None) -> bool:
    return isinstance(error, DATABASE_UNAVAILABLE)


def database_unavailable(request) -> HttpResponse:
    """503 with a page that retries by itself, or for htmx a short answer the page shows in its
    live region ("Connection lost, retrying…"). Rendered without the request: no database."""
    method = getattr(request, "method", "GET")
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(
            "Moviedraft is briefly unavailable. Retrying…",
            status=503,
            content_type="text/plain; charset=utf-8",
        )
        # htmx swaps no 5xx by default; say so explicitly for any element that opts in.
        response["HX-Reswap"] = "none"
    else:
        body = loader.render_to_string(
            "503.html",
            {
                "sent_a_form": method not in ("GET", "HEAD"),
                "retry_seconds": RETRY_AFTER_SECONDS,
                "path": request.get_full_path(),
            },
        )
        response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    add_never_cache_headers(response)
    return response


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """The 500 handler. Django calls it while it handles the exception, so `sys.exc_info()`
    is that exception: a lost database connection anywhere in the request (a middleware saving
    the session included) answers 503 instead, like the views' errors do (see
    config.middleware.ErrorPagesMiddleware)."""
    # Django logs the exception itself (with the status this returns).
    if is_database_unavailable(sys.exc_info()[1]):
        return database_unavailable(request)
    return HttpResponseServerError(loader.render_to_string(template_name))


def csrf_failure(request, reason=""):
    """A form sent without a valid CSRF token: usually a page opened before the person logged
    in or out in another tab. Say what happened and how to send it again."""
    back = request.META.get("HTTP_REFERER", "")
    if not url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        back = ""
    response = render(request, "403_csrf.html", {"back_url": back}, status=403)
    add_never_cache_headers(response)
    return response


def method_not_allowed(request, response) -> HttpResponse:
    """The page for a GET (or any method) on an address that takes only form posts: say so and
    link to the page the address belongs to. Keeps the `Allow` header of the original."""
    back_url, back_label = _page_above(request.path)
    page = render(
        request,
        "405.html",
        {"back_url": back_url, "back_label": back_label, "allowed": response.get("Allow", "")},
        status=405,
    )
    if response.has_header("Allow"):
        page["Allow"] = response["Allow"]
    # require_http_methods has logged the refusal already: once is enough.
    page._has_been_logged = getattr(response, "_has_been_logged", False)
    return page


def _page_above(path: str) -> tuple[str, str]:
    """The nearest address above `path` that is one of the pages a person reads, or ("", "")."""
    parts = [p for p in path.split("/") if p]
    while parts:
        parts.pop()
        candidate = "/" + "/".join(parts) + ("/" if parts else "")
        try:
            match = resolve(candidate)
        except Resolver404:
            continue
        label = PAGES_TO_GO_BACK_TO.get(match.view_name)
        if label:
            return candidate, label
    return "", ""
