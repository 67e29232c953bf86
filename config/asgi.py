"""The ASGI application production serves (gunicorn with uvicorn workers): Django, with the
live draft room's event streams answered in front of it (draft/stream.py), and as many requests
inside it at once as the process has database connections (config/admission.py)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_asgi_application()

from django.conf import settings  # noqa: E402  (after the apps are loaded)

from config.admission import Admission, limit  # noqa: E402
from draft.stream import EventsApp  # noqa: E402

application = EventsApp(
    Admission(django_application, limit=limit(), wait_seconds=settings.ADMISSION_WAIT_SECONDS)
)
