"""Uploaded pictures (avatars, posters) served by the app itself, so the shipped setup (gunicorn
with whitenoise, docker compose) shows them with DEBUG off. Every one was re-encoded
(config/pictures.py: an avatar as a PNG, a poster as a JPEG) and stored under a random name:
the response gives the type of its kind whatever the file holds, forbids sniffing, and may be
cached for a year (a new upload gets a new name).

With several app servers, store uploads on shared storage instead (django-storages: see the
README) and set SERVE_MEDIA=0; the files' URLs then point at that storage."""

import re

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

# What the services name a re-encoded picture: "<user or film id>-<12 hex digits>.<ext>", and
# the type each kind is served as.
SERVED = {
    re.compile(r"avatars/[0-9]+-[0-9a-f]{12}\.png"): "image/png",
    re.compile(r"posters/[0-9]+-[0-9a-f]{12}\.jpg"): "image/jpeg",
}
YEAR = 365 * 24 * 3600


@require_safe
def serve(request, path: str):
    content_type = next((kind for name, kind in SERVED.items() if name.fullmatch(path)), None)
    if content_type is None:
        raise Http404("No such file.")
    try:
        stored = default_storage.open(path, "rb")
    except (FileNotFoundError, OSError) as error:
        raise Http404("No such file.") from error
    response = FileResponse(stored, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response["Content-Disposition"] = "inline"
    # Opened on its own, the file is a picture and nothing else.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    return response
