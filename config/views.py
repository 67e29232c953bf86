from django.conf import settings
from django.db import DatabaseError
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from worker.rounds import clock_age


@require_safe
@never_cache
def healthz(request):
    """Answer the load balancer and uptime monitors: 200 when the database answers and the
    worker (pick clock, mail) was seen lately; 503 otherwise, saying which part is wrong."""
    try:
        age = clock_age(timezone.now())
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    body = {"status": "ok", "database": "ok"}
    if age is None:
        body["clock_worker"] = "never seen"
    else:
        seconds = max(int(age.total_seconds()), 0)
        body["clock_worker"] = f"last seen {seconds} s ago"
        body["clock_worker_age_seconds"] = seconds
    limit = settings.CLOCK_WORKER_STALE_SECONDS
    if limit and (age is None or age.total_seconds() > limit):
        body["status"] = "error"
        return JsonResponse(body, status=503)
    return JsonResponse(body)
