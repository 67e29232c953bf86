"""Who a session is signed in as, for many sessions at once: what an open event stream re-checks.

Django answers this for one request (`django.contrib.auth.get_user`); an app process holding
hundreds of streams asks it for all of them every half minute, in two queries. The answer is
the one Django would give on the session's next request: a session that was logged out (its
row is gone), has expired, belongs to an inactive user, or was signed in before a password
change (its hash no longer matches) is signed in as nobody. tests/accounts/test_sessions.py
holds the two to the same answer.
"""

from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.utils import timezone
from django.utils.crypto import constant_time_compare
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
