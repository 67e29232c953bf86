"""A completed draft's stats: what each member drafted (decades, genres, directors, how old
and how well known the films were), how they drafted (time on the clock, autopicks, skips),
and the picks that went well before or after their film's average draft position. Worked out
once per version of a draft (`refresh_stats`, from the worker's results round through
`refresh_due_stats`) and kept in `DraftStats.data`; the pages only read that.

`DraftStats.data` (schema 1):

    schema      1
    public      whether the league was public when they were worked out (ADP counts those)
    year        the draft's year: its start, in the league's time zone
    slots       the draft's number of slots
    movie_ids   every film of the draft: their ADP is refreshed when it reopens
    members     one tally per seat in draft order, with key ("m<membership id>", or "b:<name>"
                for a bot), seat, position, name and username (None for a bot)
    totals      the same tally for the whole draft
    reaches     picks that went well before their film's ADP (see `mark`), earliest first
    steals      picks that went well after it

A tally: `picks`, `keepers`, `autopicks`, `skips`; `decades`, `genres`, `directors` as
[name, count] lists (decades in order, the others most first); the raw lists `ages` (draft
year − film year, one per pick), `votes` (IMDb votes of the picks that have them: the values
kept when the results locked, else the catalog's) and `seconds` (time on the clock of each
timed pick, see `time_on_clock`), so a league's seasons add up exactly; and what the pages
show of them: `age_mean`, `votes_median`, `without_votes`, `seconds_median`, `seconds_mean`.

Stale stats are never shown as current: a page shows them only while the draft is complete and
the row's `draft_version` and `results_version` are the draft's (`is_current`).
"""

from __future__ import annotations

import logging
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import InterfaceError, OperationalError, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from draft.clock import running_seconds_between
from draft.models import Draft, DraftSlot, Pick, Seat, SkippedSlot
from results.adp import refresh_adp
from results.models import DraftStats, FilmAdp, ResultsSetup

logger = logging.getLogger(__name__)

SCHEMA = 1
# A pick from this round on is a reach or a steal when its share of the draft is at least
# MARGIN away from its film's ADP, and that ADP counts at least MIN_ADP_DRAFTS drafts.
MARK_FROM_ROUND = 3
MARGIN = 0.15
MIN_ADP_DRAFTS = 2
# Float shares (0.85 − 0.70 = 0.1499999…) must not fall short of the margin by a rounding.
_EPSILON = 1e-9


# --- Pure arithmetic ----------------------------------------------------------------------


@dataclass(frozen=True)
class PickFacts:
    """What the tallies need of one pick."""

    year: int
    genres: tuple[str, ...] = ()
    directors: tuple[str, ...] = ()
    draft_year: int = 0
    votes: int | None = None
    seconds: float | None = None  # time on the clock; None for a pick never on it
    autopick: bool = False
    keeper: bool = False


def decade(year: int) -> str:
    return f"{year // 10 * 10}s"


def _counted(counter: Counter, *, in_order: bool = False) -> list[list]:
    if in_order:
        return [[name, counter[name]] for name in sorted(counter)]
    return [[name, count] for name, count in sorted(counter.items(), key=lambda i: (-i[1], i[0]))]


def tally(picks: Iterable[PickFacts], *, skips: int = 0) -> dict:
    """One member's (or a whole draft's) tally of `picks`, as stored (see the module)."""
    picks = list(picks)
    return finish(
        {
            "picks": len(picks),
            "keepers": sum(p.keeper for p in picks),
            "autopicks": sum(p.autopick for p in picks),
            "skips": skips,
            "decades": _counted(Counter(decade(p.year) for p in picks), in_order=True),
            "genres": _counted(Counter(g for p in picks for g in p.genres)),
            "directors": _counted(Counter(d for p in picks for d in p.directors)),
            "ages": [p.draft_year - p.year for p in picks],
            "votes": sorted(p.votes for p in picks if p.votes is not None),
            "seconds": [round(p.seconds) for p in picks if p.seconds is not None],
        }
    )


def finish(counts: dict) -> dict:
    """Add what the pages show to a tally's counts and raw lists."""
    ages, votes, seconds = counts["ages"], counts["votes"], counts["seconds"]
    return {
        **counts,
        "age_mean": round(statistics.fmean(ages), 1) if ages else None,
        "votes_median": statistics.median(votes) if votes else None,
        "without_votes": counts["picks"] - len(votes),
        "seconds_median": statistics.median(seconds) if seconds else None,
        "seconds_mean": round(statistics.fmean(seconds)) if seconds else None,
    }


def merge(tallies: Iterable[dict]) -> dict:
    """Several stored tallies as one (a member across a league's seasons): counts added up,
    medians and means over every pick again, not over the seasons' medians."""
    tallies = list(tallies)
    counters = {key: Counter() for key in ("decades", "genres", "directors")}
    for one in tallies:
        for key, counter in counters.items():
            counter.update(dict(one[key]))
    return finish(
        {
            **{k: sum(t[k] for t in tallies) for k in ("picks", "keepers", "autopicks", "skips")},
            "decades": _counted(counters["decades"], in_order=True),
            "genres": _counted(counters["genres"]),
            "directors": _counted(counters["directors"]),
            "ages": [a for t in tallies for a in t["ages"]],
            "votes": sorted(v for t in tallies for v in t["votes"]),
            "seconds": [s for t in tallies for s in t["seconds"]],
        }
    )


def share_of(slot: int, slots: int) -> float:
    """How far into its draft a slot is: 0 for the first, 1 for the last."""
    return (slot - 1) / (slots - 1) if slots > 1 else 0.0


def mark(*, round_number: int, share: float, adp: float | None, adp_drafts: int) -> str | None:
    """ "reach" when a pick from round 3 on went at least 0.15 of the draft earlier than its
    film's ADP, "steal" when at least 0.15 later; None otherwise, and when the ADP counts fewer
    than two drafts."""
    if round_number < MARK_FROM_ROUND or adp is None or adp_drafts < MIN_ADP_DRAFTS:
        return None
    if adp - share >= MARGIN - _EPSILON:
        return "reach"
    if share - adp >= MARGIN - _EPSILON:
        return "steal"
    return None


def pick_seconds_for(draft: Draft, round_number: int) -> int | None:
    """The clock a slot of this round is given (as `DraftState.pick_seconds_for`)."""
    if draft.pick_seconds and draft.first_round_pick_seconds and round_number == 1:
        return draft.first_round_pick_seconds
    return draft.pick_seconds


def time_on_clock(draft: Draft, pick: Pick, came_on_clock: datetime) -> float:
    """How long a pick took, quiet hours excluded. With a clock (the pick kept the time it had
    left, `clock_left`): the slot's pick time minus that time left, never below 0. Without one:
    the clock time that ran (quiet hours excluded) from the act before it (`came_on_clock`:
    the pick or skip of the slot before, or the start) to the pick; a pause counts, as nothing
    without a clock records one. An autopick is timed like any pick."""
    allotted = pick_seconds_for(draft, pick.round)
    if pick.clock_left is not None and allotted:
        return max(allotted - pick.clock_left.total_seconds(), 0.0)
    return running_seconds_between(
        came_on_clock,
        pick.created_at,
        quiet_start=draft.quiet_start,
        quiet_end=draft.quiet_end,
        time_zone=draft.league.time_zone,
    )


def pick_times(
    draft: Draft, picks: list[Pick], skipped: dict[int, datetime], slots: Iterable[int]
) -> dict[int, float]:
    """Time on the clock of each pick made when its slot was on the clock, by pick id. Not
    timed: keepers (never on the clock) and make-up picks (a skipped slot filled later, while
    another slot was on the clock). A slot came on the clock when the slot before it was
    settled (skipped, else picked; keepers' slots are passed over), the first at the start."""
    by_slot = {p.slot: p for p in picks}
    came_on = draft.started_at or draft.created_at
    start = came_on
    times = {}
    for slot in sorted(slots):
        pick = by_slot.get(slot)
        if pick is not None and pick.is_keeper:
            continue
        if pick is not None and slot not in skipped:
            times[pick.pk] = time_on_clock(draft, pick, came_on)
        settled = skipped.get(slot) or (pick.created_at if pick is not None else None)
        if settled is not None:
            came_on = max(start, settled)
    return times


# --- Working them out ---------------------------------------------------------------------


def setup_of(draft: Draft) -> ResultsSetup | None:
    """The draft's results set-up, read with it (select_related), or None."""
    try:
        return draft.results_setup
    except ResultsSetup.DoesNotExist:
        return None


def results_version_of(draft: Draft) -> int:
    setup = setup_of(draft)
    return setup.version if setup is not None else 0


def is_current(draft: Draft, stats: DraftStats | None) -> bool:
    """Whether `stats` are this draft's as it is now: complete, same board, same results."""
    return (
        stats is not None
        and draft.status == Draft.Status.COMPLETE
        and stats.draft_version == draft.version
        and stats.results_version == results_version_of(draft)
    )


def _adp_of(pick: Pick) -> FilmAdp | None:
    try:
        return pick.movie.adp
    except FilmAdp.DoesNotExist:
        return None


def _seat_key(seat: Seat) -> str:
    return f"m{seat.membership_id}" if seat.has_member else f"b:{seat.name}"


def compute(
    draft: Draft, seats: list[Seat], picks: list[Pick], skips: dict[int, datetime], slots: dict
) -> dict:
    """The stats of `draft` from its rows (`slots`: slot → owner seat id), as stored."""
    setup = setup_of(draft)
    frozen = None
    if setup is not None and setup.is_locked:
        frozen = (setup.frozen or {}).get("imdb_votes") or {}
    began = draft.started_at or draft.created_at
    draft_year = began.astimezone(ZoneInfo(draft.league.time_zone)).year
    times = pick_times(draft, picks, skips, slots)

    def facts(pick: Pick) -> PickFacts:
        movie = pick.movie
        votes = frozen.get(str(pick.pk)) if frozen is not None else movie.imdb_votes
        return PickFacts(
            year=movie.year,
            genres=tuple(movie.genres),
            directors=tuple(movie.directors),
            draft_year=draft_year,
            votes=votes,
            seconds=times.get(pick.pk),
            autopick=pick.is_autopick,
            keeper=pick.is_keeper,
        )

    every = {pick.pk: facts(pick) for pick in picks}
    skips_of = Counter(slots.get(slot) for slot in skips)
    names = {seat.pk: seat.display_name for seat in seats}
    members = []
    for seat in seats:
        members.append(
            {
                "key": _seat_key(seat),
                "seat": seat.pk,
                "position": seat.position,
                "name": seat.display_name,
                "username": seat.user.username if seat.has_member else None,
                **tally(
                    (every[p.pk] for p in picks if p.seat_id == seat.pk),
                    skips=skips_of[seat.pk],
                ),
            }
        )
    total = len(slots)
    marked = {"reach": [], "steal": []}
    for pick in picks:
        adp = _adp_of(pick)
        share = share_of(pick.slot, total)
        verdict = None
        if not pick.is_keeper and adp is not None:
            verdict = mark(
                round_number=pick.round, share=share, adp=adp.position, adp_drafts=adp.drafts
            )
        if verdict:
            marked[verdict].append(
                {
                    "pick": pick.pk,
                    "slot": pick.slot,
                    "round": pick.round,
                    "pick_in_round": pick.pick_in_round,
                    "label": pick.label,
                    "seat": pick.seat_id,
                    "name": names.get(pick.seat_id, ""),
                    "movie": pick.movie_id,
                    "title": pick.movie.title,
                    "year": pick.movie.year,
                    "share": round(share, 4),
                    "adp": round(adp.position, 4),
                    "adp_drafts": adp.drafts,
                }
            )
    return {
        "schema": SCHEMA,
        "public": draft.league.is_public,
        "year": draft_year,
        "slots": total,
        "movie_ids": sorted({p.movie_id for p in picks}),
        "members": members,
        "totals": tally(every.values(), skips=len(skips)),
        "reaches": marked["reach"],
        "steals": marked["steal"],
    }


def refresh_stats(draft: Draft) -> DraftStats | None:
    """Work out a completed draft's stats and keep them, in six queries whatever its size: the
    draft (with its league and results set-up), seats, picks (with films and their ADP), skips,
    slots, and one upsert. A draft that is not complete keeps none (its row is removed).

    The rows are read in separate statements: a change made meanwhile (an undo) bumps the
    draft's version past the one stored, so the next round works them out again."""
    draft = Draft.objects.select_related("league", "results_setup").filter(pk=draft.pk).first()
    if draft is None:
        return None
    if draft.status != Draft.Status.COMPLETE:
        DraftStats.objects.filter(draft=draft).delete()
        return None
    seats = list(
        Seat.objects.filter(draft=draft).select_related("membership__user").order_by("position")
    )
    picks = list(Pick.objects.filter(draft=draft).select_related("movie__adp").order_by("slot"))
    skips = dict(SkippedSlot.objects.filter(draft=draft).values_list("slot", "created_at"))
    slots = dict(DraftSlot.objects.filter(draft=draft).values_list("slot", "owner_seat_id"))
    stats = DraftStats(
        draft=draft,
        draft_version=draft.version,
        results_version=results_version_of(draft),
        data=compute(draft, seats, picks, skips, slots),
        computed_at=timezone.now(),
    )
    DraftStats.objects.bulk_create(
        [stats],
        update_conflicts=True,
        unique_fields=["draft"],
        update_fields=["draft_version", "results_version", "data", "computed_at"],
    )
    return stats


def due_drafts():
    """Completed drafts whose stats are missing or stale (another board version, another
    results version, or the league turned public or private since), the longest waiting
    first: one query."""
    current = DraftStats.objects.filter(
        draft=OuterRef("pk"),
        draft_version=OuterRef("version"),
        results_version=OuterRef("results_now"),
    )
    return (
        Draft.objects.filter(status=Draft.Status.COMPLETE)
        .annotate(results_now=Coalesce(F("results_setup__version"), Value(0)))
        .filter(
            Q(league__is_public=True) & ~Exists(current.filter(data__public=True))
            | Q(league__is_public=False) & ~Exists(current.filter(data__public=False))
        )
        .order_by("completed_at", "pk")
    )


def refresh_due_stats(*, limit: int = 20) -> int:
    """Work out the stats of up to `limit` drafts that are due (`due_drafts`), after the ADP of
    their films (so a draft's own picks count in the ADP its reaches are measured against);
    remove the stats of drafts reopened since (an undo), and refresh their films' ADP too.
    Returns how many drafts' stats were written or removed.

    The ADP of a film changes as other drafts complete; a draft's reaches and steals are
    measured against the ADP when its stats were worked out. A draft that fails is logged and
    the others go on (it stays due, so the next round tries it again)."""
    due = list(due_drafts().values_list("pk", flat=True)[:limit])
    # The films a stored row names: the draft as it was (an undone pick's film included).
    stored = DraftStats.objects.filter(
        Q(draft_id__in=due) | ~Q(draft__status=Draft.Status.COMPLETE)
    ).values_list("draft_id", "data__movie_ids")
    reopened, films = [], set()
    for draft_id, movie_ids in stored:
        films.update(movie_ids or ())
        if draft_id not in due:
            reopened.append(draft_id)
    if not due and not reopened:
        return 0
    if reopened:
        DraftStats.objects.filter(draft_id__in=reopened).delete()
    films.update(Pick.objects.filter(draft_id__in=due).values_list("movie_id", flat=True))
    refresh_adp(films)
    done = len(reopened)
    for draft_id in due:
        try:
            with transaction.atomic():
                refresh_stats(Draft(pk=draft_id))
            done += 1
        except (OperationalError, InterfaceError):
            raise  # the database itself: the worker's loop backs off
        except Exception:
            logger.exception("The stats of draft %s failed", draft_id)
    return done
