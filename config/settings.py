"""Moviedraft settings: one module, driven by environment variables.

Every variable is listed in the README. Development (`make run`) sets DEBUG=1; anything else
is treated as production and must say where its secret key comes from.
"""

import hashlib
import os
import sys
import tempfile
from datetime import timedelta
from pathlib import Path

import dj_database_url

from config import proxies

BASE_DIR = Path(__file__).resolve().parent.parent

# pytest imports itself before Django loads settings; tests get safe defaults for the
# variables that production must set, and plain static storage (no collectstatic manifest).
TESTING = "pytest" in sys.modules


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if DEBUG or TESTING:
        SECRET_KEY = "insecure-development-key-never-use-in-production"
    else:
        sys.exit(
            "Moviedraft: SECRET_KEY is not set. Set SECRET_KEY to a long random string "
            "(or DEBUG=1 for local development)."
        )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "accounts",
    "draft",
    "reviews",
    "results",
    "worker",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "django_htmx",
    "template_partials",
    "axes",
]

# The first handler drops any file past config/uploads.MAX_UPLOAD_BYTES before it is kept.
FILE_UPLOAD_HANDLERS = [
    "config.uploads.UploadLimitHandler",
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A reader's page kept whole until the database changes (config/pagecache.py): outside the
    # compression and the conditional GET, so it keeps the answer as they leave it.
    "config.pagecache.PageCacheMiddleware",
    # HTML compressed (static files are compressed ahead of time by whitenoise, .br and .gz).
    # Django's gzip pads every response with random bytes against BREACH, and turns the ETag
    # below into a weak one (W/"…"), as a compressed body is not byte-for-byte the same.
    # (A page the page cache keeps in pieces is compressed by it, once: config/pagecache.py.)
    "config.pagecache.GZipMiddleware",
    # A strong ETag on every page (a hash of the page as built, so it can never outlive a
    # change: a pick, a comment, a vote, a chat line, a message all change it) and a 304 with
    # no body when the browser already has it. Made without the forms' per-request CSRF
    # tokens, so pages with forms and signed-in pages revalidate too (config/pagecache.py).
    # The work a page costs is saved by the render caches keyed by versions (draft/live.py,
    # reviews/comment threads).
    "config.pagecache.ConditionalGetMiddleware",
    # Outside everything that can fail, so every page has the policy, error pages included.
    "config.middleware.ContentSecurityPolicyMiddleware",
    # Outside the session and CSRF middleware: it sees the cookies they set.
    "config.middleware.CacheControlMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    # Django's, with who a session is kept per access version (accounts/sessions.py).
    "accounts.sessions.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "config.middleware.ErrorPagesMiddleware",
    # Inside the error pages: every other middleware wraps the 404 it gives a path with a
    # control character.
    "config.inputs.InputHygieneMiddleware",
    # Turns a locked-out login (site or admin) into the lockout page.
    "axes.middleware.AxesMiddleware",
]

# The CSRF failure page in the site's look (Django's own needs inline styles, which our CSP blocks).
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                # In place of Django's own: notes the token of a page that may be kept.
                "config.pagecache.csrf",
                # `page_now`: the server's time, put anew into a kept page for each request.
                "config.pagecache.now",
            ],
            "builtins": [
                "django_htmx.templatetags.django_htmx",
                "template_partials.templatetags.partials",
            ],
        },
    },
]

# The most database connections one app process holds (the pool's size, on PostgreSQL), and
# so the most requests it lets into Django at once (config/admission.py): the others wait their
# turn, at most ADMISSION_WAIT_SECONDS.
DATABASE_POOL_SIZE = int(os.environ.get("DATABASE_POOL_SIZE", "10"))
ADMISSION_WAIT_SECONDS = float(os.environ.get("ADMISSION_WAIT_SECONDS", "30"))

# Database: SQLite in the project folder unless DATABASE_URL says otherwise. An empty
# DATABASE_URL (`DATABASE_URL= make run`) counts as unset; one that names no database the app
# can use stops the start with a line that says so.
DATABASE_URL = os.environ.get("DATABASE_URL", "").strip() or f"sqlite:///{BASE_DIR / 'db.sqlite3'}"
try:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            # Persistent connections: opening one costs far more than a board poll.
            conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
            conn_health_checks=True,
        )
    }
except ValueError as error:
    sys.exit(f"Moviedraft: DATABASE_URL is not a database address this app can use ({error}).")
if DATABASES["default"].get("ENGINE") not in (
    "django.db.backends.sqlite3",
    "django.db.backends.postgresql",
):
    sys.exit(
        "Moviedraft: DATABASE_URL must be a postgres:// or sqlite:// address "
        f"(it names {DATABASES['default'].get('ENGINE') or 'no database engine'})."
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers (board polls) run while a pick is written; IMMEDIATE takes the write
    # lock when a transaction starts, so two writers queue instead of failing mid-way.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # SQLite connections are cheap and are not shared between threads.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = False
    if TESTING:
        # A file, not Django's in-memory test database: threads sharing an in-memory database
        # lock whole tables and fail at once ("database table is locked") instead of waiting,
        # so the concurrent-pick tests could not run. One file per test process, so two runs
        # in one checkout never delete each other's database; Django removes it afterwards.
        DATABASES["default"]["TEST"] = {
            "NAME": os.path.join(tempfile.gettempdir(), f"moviedraft-test-{os.getpid()}.sqlite3")
        }
elif TESTING:
    # One test database per test process, so two runs against one PostgreSQL server (two
    # checkouts, or CI beside a developer) never create or drop each other's database.
    DATABASES["default"]["TEST"] = {"NAME": f"test_moviedraft_{os.getpid()}"}
elif env_bool("DATABASE_POOL", True):
    # Under ASGI each request runs in a thread of its own, so connections cannot persist per
    # thread: they come from psycopg's pool. With health checks on, Django has the pool check
    # a connection before lending it, so one the database dropped is replaced, not failed.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 2,
        "max_size": DATABASE_POOL_SIZE,
        # A request let in (config/admission.py) finds a connection free; this is the most it
        # waits when it does not (the database slow to answer, or down).
        "timeout": float(os.environ.get("DATABASE_POOL_TIMEOUT", "10")),
    }
    # After PostgreSQL restarts, the pool replaces its dead connections, but a replacement that
    # failed while the server was away is tried again only after a pause that doubles each time
    # (1, 2, 4… s): a restart of under two seconds refused picks for seconds after the server was
    # back. Every half second instead, however long the wait (a refused connection is cheap).
    # tests/web/test_database_restart.py fails if psycopg_pool stops reading these.
    from psycopg_pool.base import AttemptWithBackoff

    AttemptWithBackoff.INITIAL_DELAY = 0.5
    AttemptWithBackoff.DELAY_BACKOFF = 1.0


def _release() -> str:
    """Names this release of the code and templates: what a cached fragment was rendered by. A
    shared cache (Redis) outlives a deploy; the fragments of the release before must not be
    served by the next one."""
    digest = hashlib.sha256()
    for folder in ("templates", "config", "draft", "reviews", "accounts"):
        for path in sorted((BASE_DIR / folder).rglob("*")):
            if path.suffix in (".html", ".py", ".txt") and "migrations" not in path.parts:
                digest.update(path.relative_to(BASE_DIR).as_posix().encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


# Rendered fragments (readers' comment threads, reviews/threads.py) and readers' whole pages
# (config/pagecache.py) are cached per process. CACHE_URL=redis://host:6379/0 shares them
# between app servers with Django's built-in Redis backend (install the `redis` package). Keys
# carry the versions or the database state that built a fragment, so nothing ever needs to be
# invalidated; their prefix names the release, so a deploy starts afresh.
CACHE_URL = os.environ.get("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "OPTIONS": {"MAX_ENTRIES": 2000},
        }
    )
}
CACHES["default"]["KEY_PREFIX"] = _release()

# Readers' pages kept whole until the database changes (config/pagecache.py): PostgreSQL only.
PAGE_CACHE = env_bool("PAGE_CACHE", True)
PAGE_CACHE_SECONDS = int(os.environ.get("PAGE_CACHE_SECONDS", "300"))
# A kept board outlives chat lines posted since for at most this long (its script asks for
# them at once; a browser without JavaScript sees them at its next reload after this).
PAGE_CACHE_CHAT_SECONDS = int(os.environ.get("PAGE_CACHE_CHAT_SECONDS", "15"))
# A request for a page another request is rendering waits for that render this long at most.
PAGE_CACHE_WAIT_SECONDS = float(os.environ.get("PAGE_CACHE_WAIT_SECONDS", "5"))

# A query is prepared on its connection once it has run this many times (psycopg's count).
PREPARE_AFTER = 3
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool(
    "DATABASE_PREPARED", True
):
    # Server-side parameter binding: psycopg prepares a query a connection has run a few times,
    # and PostgreSQL plans it once instead of on every request. The home page's latest writeups
    # spent 13-16 ms in the planner to run in 0.5 ms; prepared, the whole query takes 0.5 ms.
    # Connections persist (CONN_MAX_AGE, or the pool), so the prepared statements are reused.
    # DATABASE_PREPARED=0 turns it off (PgBouncer in transaction mode cannot keep them).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=PREPARE_AFTER
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
if TESTING:
    # Hashing at full strength would dominate the suite's run time.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Login throttling (django-axes), for the site's login and the admin's: after
# LOGIN_FAILURE_LIMIT wrong passwords for one username from one address, or
# LOGIN_ACCOUNT_FAILURE_LIMIT from any addresses, logging in to it is paused for
# LOGIN_LOCKOUT_MINUTES (counted again from each attempt made while paused), with a page that
# says so. Attempts live in the database, so every app server sees them.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15")))
# A second, slower limit per account, whatever the addresses the guesses come from
# (accounts/lockout.py): a spread of addresses cannot guess one account's password.
LOGIN_ACCOUNT_FAILURE_LIMIT = int(os.environ.get("LOGIN_ACCOUNT_FAILURE_LIMIT", "20"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "username"]
AXES_HANDLER = "accounts.lockout.LoginAttempts"
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "config.inputs.client_ip"
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
AXES_VERBOSE = False

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Static files: whitenoise serves hashed, compressed files in production.
STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# Tests serve the files where they are (whitenoise finds them), without a collectstatic.
WHITENOISE_USE_FINDERS = DEBUG or TESTING
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# The app serves uploaded avatars and posters itself (config/media.py). Turn it off when uploads live on
# shared storage (django-storages) that serves them.
SERVE_MEDIA = env_bool("SERVE_MEDIA", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Email. Every mail the site sends is written to the outbox (worker.mail.OutboxBackend) in the
# transaction that causes it; the worker delivers it with OUTBOX_DELIVERY_BACKEND, the backend
# the EMAIL_BACKEND variable names: the console in development, SMTP in production.
EMAIL_BACKEND = "worker.mail.OutboxBackend"
OUTBOX_DELIVERY_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.locmem.EmailBackend"
    if TESTING
    else "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
# Seconds the worker waits on the mail server before it gives up on a message (for now).
EMAIL_TIMEOUT = float(os.environ.get("EMAIL_TIMEOUT", "10"))
# A message that failed this many times is given up (about 8 hours of retries).
OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", "12"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Moviedraft <draft@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# HTTPS: on by default in production; HTTPS=0 turns it off (tests, a plain-HTTP compose run).
HTTPS = env_bool("HTTPS", default=not (DEBUG or TESTING))
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
if env_bool("BEHIND_TLS_PROXY"):
    # Only when a proxy that strips and sets this header stands in front of the app.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # django-axes logs every login at INFO; its lockouts (WARNING) are the lines worth reading.
    "loggers": {"axes": {"level": "WARNING"}},
}

# /healthz answers 503 when the worker (pick clock, mail) has not been seen for this many
# seconds; 0 leaves the worker out of the answer's status.
CLOCK_WORKER_STALE_SECONDS = int(
    # Tests run no worker; the tests of /healthz set it themselves.
    os.environ.get("CLOCK_WORKER_STALE_SECONDS", "0" if TESTING else "60")
)

# How often (seconds) an open board asks whether anything changed.
BOARD_POLL_SECONDS = float(os.environ.get("BOARD_POLL_SECONDS", "2"))
# How often (seconds) every open event stream checks again that its viewer may still watch,
# besides the check every change of access triggers at once (draft/stream.py).
STREAM_RECHECK_SECONDS = float(os.environ.get("STREAM_RECHECK_SECONDS", "30"))

FORM_RENDERER = "config.forms.FormRenderer"

# Absolute links in mail (the board link in "you're on the clock").
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")

# Reader comments: at most this many comments from one address in this many seconds.
COMMENT_RATE_LIMIT = (
    int(os.environ.get("COMMENT_RATE_COUNT", "5")),
    int(os.environ.get("COMMENT_RATE_SECONDS", "600")),
)
# The draft-room chat: a poster sends at most this many messages in this many seconds.
CHAT_RATE_LIMIT = (
    int(os.environ.get("CHAT_RATE_COUNT", "5")),
    int(os.environ.get("CHAT_RATE_SECONDS", "10")),
)
# Votes without an account are a cookie: an address may cast this many per question (changing
# a vote is free). Signed-in readers vote by account, without a cap.
ANONYMOUS_VOTES_PER_ADDRESS = int(os.environ.get("ANONYMOUS_VOTES_PER_ADDRESS", "5"))
# The proxies trusted to say who the client is (config/proxies.py): uvicorn, the login
# lockout and every rate limit read X-Forwarded-For only from these. None by default.
if os.environ.get("CLIENT_IP_HEADER"):
    sys.exit(
        "Moviedraft: CLIENT_IP_HEADER is no longer read. Set TRUSTED_PROXIES to the address of "
        "the proxy in front of the app (e.g. TRUSTED_PROXIES=127.0.0.1) instead."
    )
try:
    TRUSTED_PROXIES = proxies.from_environment()
except ValueError as error:
    sys.exit(f"Moviedraft: TRUSTED_PROXIES: {error}.")

# Posters may come from other sites (a film's poster URL); everything else is same-origin only.
CSP_IMG_SOURCES = os.environ.get("CSP_IMG_SOURCES", "https:")
# Hosts that writeup images may load from, besides the site itself (SITE_URL's host). An image
# from any other host is shown as a link, so no writer can track readers with a pixel.
WRITEUP_IMAGE_HOSTS = [host.lower() for host in env_list("WRITEUP_IMAGE_HOSTS")]
