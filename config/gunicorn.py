"""gunicorn's settings for production: `gunicorn -c config/gunicorn.py config.asgi:application`.

ASGI, with uvicorn workers: ordinary pages run as before (Django runs them in a thread), and the
live draft room's event streams wait on the event loop without holding a thread each. Every
setting can be changed from the environment (WEB_CONCURRENCY, PORT, …), as gunicorn reads
GUNICORN_CMD_ARGS too.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
worker_class = "config.workers.StreamingUvicornWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A deploy or restart: open event streams are closed after this many seconds; browsers
# reconnect by themselves (with the last event they saw) and miss nothing.
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "10"))
timeout = 60
keepalive = 5
accesslog = "-"
# Behind a proxy that sets X-Forwarded-For / X-Forwarded-Proto (see BEHIND_TLS_PROXY).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# gunicorn's control socket sits at one path per user: two servers on one machine (a deploy
# beside the old one, two app servers) would take it from each other. Nothing here uses it.
control_socket_disable = True
