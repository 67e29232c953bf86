"""Who a session is signed in as: for a request, kept while nothing about who is who changes,
and for many sessions at once, what an open event stream re-checks.

Django answers this for one request (`django.contrib.auth.get_user`), with two queries (the
session, the user). A member's page kept by the page cache is given for one query; one that is
not (the first after a pick, fifty members each with their own page) asked these two again
although nothing about who they are had changed. `AuthenticationMiddleware` keeps Django's
answer per session and access version (config/dataversion.py: it goes up with any write to
users or memberships, a password changed or an account turned off included), which the page
cache reads in its one query with whether the session still exists (a log-out deletes it, an
expired one does not count). A session's key names one sign-in for good: signing in again, as
anyone, and changing one's password give it a new key.

An app process holding hundreds of streams asks for all of them every half minute, in two
queries (`signed_in_users`). The answer is the one Django would give on the session's next
request: a session that was logged out (its row is gone), has expired, belongs to an inactive
user, or was signed in before a password change (its hash no longer matches) is signed in as
nobody. tests/accounts/test_sessions.py holds the two to the same answer.
"""

import hashlib
from collections.abc import Iterable

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthentication
from django.core.cache import cache
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.functional import SimpleLazyObject
from django.utils.module_loading import import_string


def signed_in_users(session_keys: Iterable[str]) -> dict[str, int]:
    """The user id each of these sessions is signed in as now; sessions signed in as nobody
    are left out. Two queries (sessions, users), whatever the number of keys."""
    keys = {key for key in session_keys if key}
    if not keys:
        return {}
    store = import_string(settings.SESSION_ENGINE).SessionStore
    rows = store.get_model_class().objects.filter(
        session_key__in=keys, expire_date__gt=timezone.now()
    )
    User = get_user_model()
    claims: dict[str, tuple[int, str]] = {}
    for key, data in rows.values_list("session_key", "session_data"):
        session = store().decode(data)
        if (
            session.get(SESSION_KEY) is not None
            and session.get(BACKEND_SESSION_KEY) in settings.AUTHENTICATION_BACKENDS
            and session.get(HASH_SESSION_KEY)
        ):
            user_id = User._meta.pk.to_python(session[SESSION_KEY])
            claims[key] = (user_id, session[HASH_SESSION_KEY])
    # The backends every session here names (ModelBackend) let only active users in.
    users = User._default_manager.filter(
        pk__in={user_id for user_id, _ in claims.values()}, is_active=True
    ).in_bulk()
    signed_in = {}
    for key, (user_id, given) in claims.items():
        user = users.get(user_id)
        if user is not None and any(
            constant_time_compare(given, expected)
            for expected in (user.get_session_auth_hash(), *user.get_session_auth_fallback_hash())
        ):
            signed_in[key] = user_id
    return signed_in


class AuthenticationMiddleware(DjangoAuthentication):
    """Django's `request.user`, kept per session and access version where the page cache has
    read that version for this request (`page_access_state`, set before the view runs)."""

    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: signed_in_user(request))


def signed_in_user(request):
    """The user the request's session is signed in as (AnonymousUser for nobody): Django's
    answer, or the one it gave for this session at the same access version."""
    cached = getattr(request, "_cached_user", None)
    if cached is not None:
        return cached
    state = getattr(request, "page_access_state", None)
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME, "")
    if state is None or not session_key:
        request._cached_user = auth.get_user(request)
        return request._cached_user
    digest = hashlib.sha256(f"{state}\n{session_key}".encode()).hexdigest()
    key = f"signed-in:{digest}"
    user = cache.get(key)
    if user is None:
        user = auth.get_user(request)
        cache.set(key, user, settings.PAGE_CACHE_SECONDS)
    request._cached_user = user
    return user
