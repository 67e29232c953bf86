"""The worker's results round (worker/rounds.py runs it in a loop of its own): lock the results
whose date has passed, then work out the stats that are due, with their films' ADP. Locking
first, so that a draft locked in this round has its stats worked out on the locked values."""

from results.services.locking import lock_due_results
from results.stats import refresh_due_stats


def results_round() -> int:
    """One round: how many drafts' stats were written or removed."""
    lock_due_results()
    return refresh_due_stats()
