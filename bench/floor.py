"""The floor that `make bench` measures every page against: the smallest Django project there is
with Moviedraft's settings (so the same middleware stack, database and connection reuse, security
headers) and one view that runs `SELECT 1`. A page of ours can come close to it, never beat it.

Settings, URLconf, view and the WSGI and ASGI applications in one module:

    DJANGO_SETTINGS_MODULE=bench.floor gunicorn bench.floor:application
    DJANGO_SETTINGS_MODULE=bench.floor gunicorn -k uvicorn_worker.UvicornWorker \
        bench.floor:asgi_application
"""

import os

from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from django.db import connection
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.http import require_GET

# Everything Moviedraft's settings say (MIDDLEWARE above all): a middleware added there is paid
# by the floor too, so the ratio keeps measuring our pages and not the stack they share.
from config.settings import *  # noqa: E402, F403

ROOT_URLCONF = __name__
WSGI_APPLICATION = f"{__name__}.application"


@require_GET
def floor(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (one,) = cursor.fetchone()
    return HttpResponse(f"floor {one}\n", content_type="text/plain; charset=utf-8")


urlpatterns = [path("", floor, name="floor")]

os.environ.setdefault("DJANGO_SETTINGS_MODULE", __name__)
application = get_wsgi_application()
asgi_application = get_asgi_application()
