"""The gunicorn worker production runs (config/gunicorn.py): uvicorn's, told to end what is
still open a little before gunicorn's graceful timeout runs out.

An event stream never finishes by itself, so without this a deploy would wait the whole
timeout and then kill the worker mid-write. With it, uvicorn cancels the open streams in time:
each one lets go of its place in the hub (draft/stream.py), the connection closes, and the
browser reconnects (to a new worker) with the last version it saw.
"""

import os

from uvicorn_worker import UvicornWorker


def shutdown_seconds() -> int:
    """Seconds open requests (event streams) get after SIGTERM: gunicorn's graceful timeout
    less a margin for closing, at least one."""
    return max(1, int(os.environ.get("GRACEFUL_TIMEOUT", "10")) - 2)


class StreamingUvicornWorker(UvicornWorker):
    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "timeout_graceful_shutdown": shutdown_seconds()}
