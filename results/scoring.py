"""The arithmetic of a draft's standings, on plain values (no database): each column's value for
each member, the marks (0–100) that make the columns comparable, the weighted total, the ranks
with their tie rule, and each category's winner. results.selectors gathers the values;
results/services/locking.py keeps them when the results lock. Every rule here is the one the
standings page states (RULES)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from statistics import fmean

# A film's IMDb rating counts in proportion to its votes against this many votes at this
# rating (a Bayesian average, as IMDb's own charts do): a film few people rated cannot swing a
# result. 6.0 is about the mean rating of IMDb's feature films.
PRIOR_VOTES = 2500
PRIOR_RATING = Decimal("6.0")

VOTES, IMDB, LEAGUE, MANUAL = "votes", "imdb", "league", "manual"
RANK, SCALE = "rank", "scale"
TOTAL, AVERAGE = "total", "average"

TWO_PLACES = Decimal("0.01")


def weighted_rating(rating: Decimal | None, votes: int | None) -> Decimal | None:
    """IMDb's rating pulled towards PRIOR_RATING by PRIOR_VOTES votes; None without a rating."""
    if rating is None:
        return None
    votes = max(votes or 0, 0)
    value = (Decimal(votes) * Decimal(rating) + PRIOR_VOTES * PRIOR_RATING) / (votes + PRIOR_VOTES)
    return value.quantize(Decimal("0.001"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Column:
    key: str  # str(ScoreColumn id): how values are filed
    kind: str
    name: str
    weight: int
    scale: str = RANK
    combine: str = TOTAL
    unit: str = ""


@dataclass(frozen=True)
class PickEntry:
    pick_id: int
    seat_id: int
    category_id: int | None
    values: dict[str, Decimal | None]  # column key → the pick's value (None: none)


@dataclass
class MemberScore:
    seat_id: int
    values: dict[str, Decimal | None] = field(default_factory=dict)  # raw, per column
    marks: dict[str, Decimal] = field(default_factory=dict)  # 0–100, per column
    contributions: dict[str, Decimal] = field(default_factory=dict)  # weighted, per column
    total: Decimal = Decimal(0)
    rank: int = 0
    champion: bool = False


@dataclass
class CategoryResult:
    category_id: int
    winners: list[int]  # pick ids: several on a tie, none without any value
    marks: dict[int, Decimal]  # pick id → its weighted mark within the category


@dataclass
class Outcome:
    members: list[MemberScore]  # by rank, then seat order
    categories: dict[int, CategoryResult]
    decided: bool  # some column holds a value: there is something to rank on


def member_value(column: Column, picks: Iterable[PickEntry], seat_votes: int) -> Decimal | None:
    """One member's value in one column, from their picks: reader votes add up (with the votes
    for them as the draft's winner); ratings average over the picks that have one; an own
    column adds up or averages as set. None: no pick of theirs has a value."""
    values = [p.values.get(column.key) for p in picks]
    present = [v for v in values if v is not None]
    if column.kind == VOTES:
        return Decimal(sum(present, Decimal(0)) + seat_votes)
    if not present:
        return None
    if column.kind == MANUAL and column.combine == TOTAL:
        return sum(present, Decimal(0))
    return Decimal(str(fmean(present))).quantize(Decimal("0.001"), ROUND_HALF_UP)


def marks(values: dict[int, Decimal | None], scale: str) -> dict[int, Decimal]:
    """Each entry's mark out of 100 in one column. Without a value: 0.
    Rank: the share of the others it beats, a tie counting half (all equal: 50 each; alone: 100).
    Scaled: (value − lowest) / (highest − lowest) × 100 among those with a value (all equal:
    100 each)."""
    present = {k: v for k, v in values.items() if v is not None}
    out = {k: Decimal(0) for k in values}
    if not present:
        return out
    if scale == SCALE:
        low, high = min(present.values()), max(present.values())
        for k, v in present.items():
            mark = Decimal(100) if high == low else (v - low) * 100 / (high - low)
            out[k] = mark.quantize(TWO_PLACES, ROUND_HALF_UP)
        return out
    others = len(values) - 1
    if others == 0:
        return {k: Decimal(100) for k in present}
    for k, v in present.items():
        below = sum(1 for j, w in values.items() if j != k and (w is None or w < v))
        equal = sum(1 for j, w in present.items() if j != k and w == v)
        mark = (Decimal(below) + Decimal(equal) / 2) * 100 / others
        out[k] = mark.quantize(TWO_PLACES, ROUND_HALF_UP)
    return out


def weigh(columns: Sequence[Column], marks_of: dict[str, Decimal]) -> tuple[dict, Decimal]:
    """Each column's contribution (weight × mark ÷ the weights' sum) and their total (0–100)."""
    weights = sum(c.weight for c in columns) or 1
    contributions = {
        c.key: (c.weight * marks_of.get(c.key, Decimal(0)) / weights).quantize(
            TWO_PLACES, ROUND_HALF_UP
        )
        for c in columns
    }
    total = sum((c.weight * marks_of.get(c.key, Decimal(0)) for c in columns), Decimal(0))
    return contributions, (total / weights).quantize(TWO_PLACES, ROUND_HALF_UP)


def _order_key(columns: Sequence[Column], marks_of: dict[str, Decimal], total: Decimal):
    # Higher total first; on a tie, the higher mark in the first column, then the next…
    return (total, *(marks_of.get(c.key, Decimal(0)) for c in columns))


def standings(
    columns: Sequence[Column],
    seat_ids: Sequence[int],
    picks: Sequence[PickEntry],
    seat_votes: dict[int, int],
) -> Outcome:
    """The members' marks, totals and ranks, and each category's winner. `seat_ids` in the
    draft's order (the order a shared place is listed in)."""
    picks_of: dict[int, list[PickEntry]] = {s: [] for s in seat_ids}
    for pick in picks:
        picks_of.setdefault(pick.seat_id, []).append(pick)
    members = {s: MemberScore(seat_id=s) for s in seat_ids}
    any_votes = any(seat_votes.values()) or any(
        p.values.get(c.key) for c in columns if c.kind == VOTES for p in picks
    )
    decided = False
    for column in columns:
        values = {s: member_value(column, picks_of[s], seat_votes.get(s, 0)) for s in seat_ids}
        if column.kind == VOTES and not any_votes:
            values = dict.fromkeys(seat_ids)  # no reader has voted: nothing to rank on
        decided |= any(v is not None for v in values.values())
        for s, mark in marks(values, column.scale).items():
            members[s].values[column.key] = values[s]
            members[s].marks[column.key] = mark
    for member in members.values():
        member.contributions, member.total = weigh(columns, member.marks)
    ordered = sorted(
        members.values(),
        key=lambda m: _order_key(columns, m.marks, m.total),
        reverse=True,
    )
    # Python's sort is stable and seat_ids are in draft order: a shared place lists in it.
    previous, rank = None, 0
    for at, member in enumerate(ordered, start=1):
        key = _order_key(columns, member.marks, member.total)
        if key != previous:
            rank, previous = at, key
        member.rank = rank
        member.champion = decided and rank == 1
    return Outcome(members=ordered, categories=_categories(columns, picks), decided=decided)


def _categories(columns: Sequence[Column], picks: Sequence[PickEntry]) -> dict:
    """Each category's best pick: its picks marked against each other column by column (a
    pick's reader votes are those it got as the best pick of its round), weighed like the
    standings; ties shared; no winner where no pick has a value."""
    by_category: dict[int, list[PickEntry]] = {}
    for pick in picks:
        if pick.category_id is not None:
            by_category.setdefault(pick.category_id, []).append(pick)
    results = {}
    for category_id, entries in by_category.items():
        marks_of: dict[int, dict[str, Decimal]] = {p.pick_id: {} for p in entries}
        decided = False
        for column in columns:
            values = {p.pick_id: p.values.get(column.key) for p in entries}
            if column.kind == VOTES and not any(values.values()):
                values = dict.fromkeys(values)
            decided |= any(v is not None for v in values.values())
            for pick_id, mark in marks(values, column.scale).items():
                marks_of[pick_id][column.key] = mark
        totals = {pid: weigh(columns, m)[1] for pid, m in marks_of.items()}
        keys = {pid: _order_key(columns, marks_of[pid], totals[pid]) for pid in totals}
        best = max(keys.values())
        winners = [pid for pid, key in keys.items() if key == best] if decided else []
        results[category_id] = CategoryResult(category_id, winners, totals)
    return results


RULES = (
    "Each column gives every member a mark out of 100. Ranked columns: the share of the other "
    "members they beat, a tie counting half. Scaled columns: (their value − the lowest) ÷ "
    "(the highest − the lowest) × 100; 100 each when all are equal. A member with no value in "
    "a column gets 0 there. The total is the marks weighed by the columns' weights.",
    "Reader votes add up: the votes each pick got as the best pick of its round, and the votes "
    "for the member as the draft's winner. Ratings average over the picks that have one. "
    f"IMDb ratings are weighed by their votes against {PRIOR_VOTES:,} votes at {PRIOR_RATING}, "
    "so a film few people rated cannot swing the result.",
    "Ties: the higher mark in the first column decides, then the next column; members still "
    "level share the place.",
)
