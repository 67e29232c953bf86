"""The gunicorn worker production runs (config/gunicorn.py): uvicorn's, which ends the open event
streams as soon as a shutdown begins.

An event stream never finishes by itself: uvicorn's graceful shutdown stops taking new
connections and then waits for the open ones, so a deploy used to wait the whole graceful
timeout for the streams and then cancel them. Now the first thing a shutdown does is tell the
live hub (draft/stream.py) to end every stream, each asking its browser to reconnect in a
moment: the connections close at once, the worker exits in about a second, and each browser
comes back (to the next server) with the last version it saw. The timeout stays, a little
under gunicorn's, for whatever else is still running.
"""

import os
import sys

from gunicorn.arbiter import Arbiter
from uvicorn.server import Server
from uvicorn_worker import UvicornWorker


def shutdown_seconds() -> int:
    """Seconds open requests get after SIGTERM: gunicorn's graceful timeout less a margin for
    closing, at least one."""
    return max(1, int(os.environ.get("GRACEFUL_TIMEOUT", "10")) - 2)


class StreamEndingServer(Server):
    async def shutdown(self, sockets=None) -> None:
        from draft import stream

        stream.hub.end_streams()
        await super().shutdown(sockets=sockets)


class StreamingUvicornWorker(UvicornWorker):
    CONFIG_KWARGS = {**UvicornWorker.CONFIG_KWARGS, "timeout_graceful_shutdown": shutdown_seconds()}

    async def _serve(self) -> None:
        # As uvicorn_worker serves, with the server that ends the streams first.
        self.config.app = self.wsgi
        server = StreamEndingServer(config=self.config)
        self._install_sigquit_handler()
        await server.serve(sockets=self.sockets)
        if not server.started:
            sys.exit(Arbiter.WORKER_BOOT_ERROR)
