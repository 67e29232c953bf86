"""The ASGI application production serves (gunicorn with uvicorn workers): Django, with the
live draft room's event streams answered in front of it (draft/stream.py)."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_application = get_asgi_application()

from draft.stream import EventsApp  # noqa: E402  (needs the apps loaded above)

application = EventsApp(django_application)
