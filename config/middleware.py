from django.conf import settings
from django.utils.cache import patch_cache_control

from config import errors


class ContentSecurityPolicyMiddleware:
    """Send a strict Content Security Policy: scripts and styles only from our own files, so a
    script that slipped into user text could not run even if escaping ever failed."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(
            [
                "default-src 'self'",
                "script-src 'self'",
                "style-src 'self'",
                f"img-src 'self' data: {settings.CSP_IMG_SOURCES}".strip(),
                "connect-src 'self'",
                "form-action 'self'",
                "frame-ancestors 'none'",
                "base-uri 'self'",
                "object-src 'none'",
            ]
        )

    def __call__(self, request):
        response = self.get_response(request)
        if settings.DEBUG and response.status_code >= 500:
            return response  # Django's debug page relies on inline styles and scripts
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response


class ErrorPagesMiddleware:
    """Error answers a person can use.

    - A lost database connection in a view (PostgreSQL down, a killed backend, SQLite locked)
      answers 503 "briefly unavailable" (a page that retries, or for htmx a short answer the
      page shows) instead of a bare 500. Transactions roll back, so nothing is half-written.
      Failures outside the view (a middleware saving the session) reach the 500 handler,
      config.errors.server_error, which answers the same.
    - A wrong method (a GET on a form's address) gets the 405 page instead of an empty body.

    Innermost in MIDDLEWARE, so the pages it renders still get the session's Vary, the CSRF
    cookie and the Content Security Policy from the middleware around it. Responses a view
    built itself (/healthz's JSON 503) pass untouched.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 405 and not response.streaming and not response.content:
            return errors.method_not_allowed(request, response)
        return response

    def process_exception(self, request, exception):
        if errors.is_database_unavailable(exception):
            errors.logger.warning(
                "Database unavailable (%s %s): %s", request.method, request.path, exception
            )
            return errors.database_unavailable(request)
        return None


class CacheControlMiddleware:
    """Say who may keep a page: every page is revalidated before reuse (`no-cache`; the ETag
    that ConditionalGetMiddleware puts on it makes the revalidation a 304 with no body), and
    only a page that nothing personal went into may sit in a shared cache (`public`).

    A page is personal when the request carried a cookie (a session, a vote, a remembered
    commenter, the CSRF cookie that a form's token belongs to) or the response sets one. An
    anonymous reader's page without a form has neither. A view that chose its own
    Cache-Control keeps it.

    Outside the session and CSRF middleware, so it sees the cookies they set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (
            request.method in ("GET", "HEAD")
            and response.status_code == 200
            and not response.streaming
            and not response.has_header("Cache-Control")
        ):
            personal = bool(request.COOKIES) or bool(response.cookies)
            if personal:
                patch_cache_control(response, no_cache=True, private=True)
            else:
                patch_cache_control(response, no_cache=True, public=True)
        return response
