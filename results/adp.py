"""Average draft position (ADP): how far into a draft a film usually goes, across every
completed draft of a public league. A pick's share of its draft is (slot − 1) / (slots − 1):
0 for the first pick, 1 for the last; a film's ADP is the mean of its shares, with the number
of drafts it counts (`FilmAdp`). Keepers are not drafted at a position of their own choosing,
so they do not count.

When it is refreshed: for the films of a draft whose stats are worked out (it completed, or
its board changed since) and of a draft reopened by an undo, by the worker's results round
(`results.stats.refresh_due_stats`). A league turning public or private makes its drafts'
stats due again (they note whether the league was public), which refreshes their films too.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Avg, Count, F, FloatField, OuterRef, Subquery
from django.db.models.functions import Cast
from django.utils import timezone

from draft.models import Draft, DraftSlot, Pick
from results.models import FilmAdp


def adp_rows(movie_ids: Iterable[int]) -> dict[int, tuple[float, int]]:
    """film id → (ADP share, drafts) for the films of `movie_ids` in any completed public
    draft: one aggregate query."""
    slots = (
        DraftSlot.objects.filter(draft=OuterRef("draft"))
        .order_by()
        .values("draft")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = (
        Pick.objects.filter(
            movie_id__in=movie_ids,
            is_keeper=False,
            draft__status=Draft.Status.COMPLETE,
            draft__league__is_public=True,
        )
        .annotate(slots=Subquery(slots))
        .filter(slots__gt=1)
        .values("movie_id")
        .annotate(
            position=Avg(Cast(F("slot") - 1, FloatField()) / Cast(F("slots") - 1, FloatField())),
            drafts=Count("draft_id", distinct=True),
        )
        .order_by()
    )
    return {row["movie_id"]: (row["position"], row["drafts"]) for row in rows}


def refresh_adp(movie_ids: Iterable[int]) -> int:
    """Work out the ADP of these films again and keep it: one aggregate query, one upsert, and
    a delete of the rows of films no longer in any completed public draft. Returns how many
    films have an ADP now."""
    ids = set(movie_ids)
    if not ids:
        return 0
    rows = adp_rows(ids)
    now = timezone.now()
    with transaction.atomic():
        gone = ids - rows.keys()
        if gone:
            FilmAdp.objects.filter(movie_id__in=gone).delete()
        if rows:
            FilmAdp.objects.bulk_create(
                [
                    FilmAdp(
                        movie_id=movie_id,
                        position=min(max(position, 0.0), 1.0),
                        drafts=drafts,
                        computed_at=now,
                    )
                    for movie_id, (position, drafts) in sorted(rows.items())
                ],
                update_conflicts=True,
                unique_fields=["movie"],
                update_fields=["position", "drafts", "computed_at"],
            )
    return len(rows)
