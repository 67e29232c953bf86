"""gunicorn's settings for production: `gunicorn -c config/gunicorn.py config.asgi:application`.

ASGI, with uvicorn workers: ordinary pages run as before (Django runs them in a thread), and the
live draft room's event streams wait on the event loop without holding a thread each. Every
setting can be changed from the environment (WEB_CONCURRENCY, PORT, …), as gunicorn reads
GUNICORN_CMD_ARGS too.
"""

import os
import sys
from pathlib import Path

# gunicorn reads this file before the app: the project folder must be importable from here.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import proxies  # noqa: E402

# Every interface, so a proxy or load balancer on another machine reaches it. Behind a proxy
# on the same machine, bind the loopback only: BIND=127.0.0.1.
bind = f"{os.environ.get('BIND', '0.0.0.0')}:{os.environ.get('PORT', '8000')}"
worker_class = "config.workers.StreamingUvicornWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# A deploy or restart: open event streams are closed after this many seconds; browsers
# reconnect by themselves (with the last event they saw) and miss nothing.
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "10"))
timeout = 60
keepalive = 5
accesslog = "-"
# X-Forwarded-For and -Proto are taken only from TRUSTED_PROXIES (config/proxies.py), the
# setting the app's own client address and login lockout read too: none by default, so a
# client cannot pick its own address. (gunicorn's and uvicorn's own default trusts 127.0.0.1,
# where a proxy on the same machine would make every client look alike, or forgeable.)
forwarded_allow_ips = ",".join(str(network) for network in proxies.from_environment())
# gunicorn's control socket sits at one path per user: two servers on one machine (a deploy
# beside the old one, two app servers) would take it from each other. Nothing here uses it.
control_socket_disable = True
