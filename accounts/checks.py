"""`manage.py check --deploy`: links in mail (password resets, turn mail) are built from
SITE_URL, because the worker that writes them has no request to take a host from. Left at the
development address, every link would point at 127.0.0.1."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def site_url_is_set(app_configs, **kwargs):
    host = urlsplit(settings.SITE_URL).hostname or ""
    if host in ("", "127.0.0.1", "localhost", "::1"):
        return [
            Warning(
                f"SITE_URL is {settings.SITE_URL!r}: password reset links and turn mail would "
                "point there.",
                hint="Set SITE_URL to the site's public address, e.g. https://draft.example.com.",
                id="moviedraft.W001",
            )
        ]
    return []
