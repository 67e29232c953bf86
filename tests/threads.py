"""Racing calls in threads, as parallel requests race on a real server."""

import threading

from django.core.exceptions import ValidationError
from django.db import connection


def race(calls) -> list:
    """Run every call in its own thread, released together: what each returned, or the
    exception it raised, in the order of the calls. Each thread gives its connection back."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            results[index] = call()
        except BaseException as error:  # handed back to the caller
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(t.is_alive() for t in threads), "a request never finished"
    return results


def at_once(calls) -> tuple[int, list[str]]:
    """Run every call in its own thread, released together: (successes, refusals). Anything
    raised but a refusal fails the test."""
    results = race(calls)
    errors = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, ValidationError)
    ]
    assert not errors, f"exceptions escaped: {errors!r}"
    refusals = [" ".join(r.messages) for r in results if isinstance(r, ValidationError)]
    return len(results) - len(refusals), refusals
