"""Board benchmark: how long the pages of a big live draft take, in process (no network).

    make bench                                  # SQLite, a fresh file in /tmp
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/moviedraft_bench make bench

Builds a 16-seat x 20-round draft with half its picks made, then times each request many times
and prints the median, the 95th percentile and the queries each one ran.
"""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["DATABASE_URL"] = os.environ.get(
    "BENCH_DATABASE_URL", "sqlite:////tmp/moviedraft-bench.sqlite3"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("SECRET_KEY", "benchmark-only")
os.environ.setdefault("HTTPS", "0")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "200"))


def fresh_database():
    if connection.vendor == "sqlite":
        name = Path(settings.DATABASES["default"]["NAME"])
        connection.close()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{name}{suffix}").unlink(missing_ok=True)
    else:
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)


def timed(client, url, headers=None, expect=200):
    samples, queries = [], 0
    for _ in range(ROUNDS):
        reset_queries()
        start = time.perf_counter()
        response = client.get(url, headers=headers or {})
        samples.append((time.perf_counter() - start) * 1000)
        queries = len(connection.queries)
        assert response.status_code == expect, (url, response.status_code)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1], queries


def main():
    setup_test_environment()
    settings.DEBUG = True  # record queries; templates stay cached by the partials loader
    fresh_database()
    from tests.draft.factories import bulk_fill_picks, sixteen_by_twenty

    setup = sixteen_by_twenty()
    bulk_fill_picks(setup, 160)
    draft = setup.refresh()
    member = setup.seats[0].membership.user
    board = draft.get_absolute_url()
    pick = setup.draft.picks.order_by("slot").first()
    pick.draft = draft

    reader = Client()
    signed_in = Client()
    signed_in.force_login(member)
    htmx = {"HX-Request": "true"}
    rows = [
        ("poll, nothing changed (204), reader", reader, f"{board}?v={draft.version}", htmx, 204),
        ("poll, nothing changed (204), member", signed_in, f"{board}?v={draft.version}", htmx, 204),
        ("poll, board changed (partial)", signed_in, f"{board}?v=0", htmx, 200),
        ("board, full page, reader", reader, board, None, 200),
        ("board, full page, member", signed_in, board, None, 200),
        ("pick search (htmx)", signed_in, f"{board}search/?q=big+film+1", htmx, 200),
        ("pick page", reader, pick.get_absolute_url(), None, 200),
    ]
    print(f"{connection.vendor}: 16 seats x 20 rounds, 160 of 320 picks made, {ROUNDS} runs each\n")
    print(f"{'request':<40} {'median ms':>10} {'p95 ms':>8} {'queries':>8}")
    for label, client, url, headers, status in rows:
        median, p95, queries = timed(client, url, headers, status)
        print(f"{label:<40} {median:>10.2f} {p95:>8.2f} {queries:>8}")


if __name__ == "__main__":
    main()
