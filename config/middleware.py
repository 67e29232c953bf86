from django.conf import settings


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
