"""A league's history: every season with its board, its champion (the first place of its locked
standings: results/) and its best picks as the readers voted, and the members' records across
seasons. Six queries however many seasons, seats and picks (pinned by
tests/reviews/test_history.py)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef

from draft.models import Category, Draft, League, Pick, Seat
from reviews.models import Vote, Writeup


@dataclass
class SeasonRow:
    """One seat of a season's board: the seat and its picks by round."""

    seat: Seat
    picks: dict[int, Pick] = field(default_factory=dict)
    champion: bool = False
    cells: list[Pick | None] = field(default_factory=list)  # a pick or None, round by round


@dataclass
class SeasonHistory:
    draft: Draft
    rounds: list[tuple[int, str]]  # (round, its category's name in per-round mode, else "")
    rows: list[SeasonRow]
    champions: list[Seat]  # first in the locked standings (shared on a tie); none until locked
    best_pick_ids: set[int]  # the readers' best pick of each round (ties shared)

    @property
    def number(self) -> int:
        return self.draft.season.number


@dataclass
class Record:
    """A member's seasons in the league."""

    name: str
    username: str | None
    seasons: int = 0
    wins: int = 0
    best_picks: int = 0
    directors: list[tuple[str, int]] = field(default_factory=list)  # most drafted, with counts
    decades: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class History:
    league: League
    seasons: list[SeasonHistory]
    records: list[Record]


def league_history(league: League) -> History:
    """Every season of `league`, the latest first, with what the history page shows."""
    drafts = list(
        Draft.objects.filter(league=league).select_related("season").order_by("-season__number")
    )
    started = [d for d in drafts if d.status != Draft.Status.SETUP]
    seats = list(
        Seat.objects.filter(draft__in=started)
        .select_related("membership__user")
        .order_by("draft_id", "position")
    )
    categories = list(Category.objects.filter(draft__in=started).order_by("draft_id", "position"))
    published = Writeup.objects.filter(pick=OuterRef("pk"), status=Writeup.Status.PUBLISHED)
    picks = list(
        Pick.objects.filter(draft__in=started)
        .select_related("movie")
        .annotate(has_writeup=Exists(published))
        .order_by("draft_id", "slot")
    )
    tallies = (
        Vote.objects.filter(draft__in=started)
        .values("draft_id", "question", "pick_id", "seat_id")
        .annotate(n=Count("id"))
    )
    votes: dict[int, dict[str, Counter]] = defaultdict(lambda: defaultdict(Counter))
    for row in tallies:
        votes[row["draft_id"]][row["question"]][row["pick_id"] or row["seat_id"]] += row["n"]
    # The results app's Standing rows, through their reverse name (reviews never imports it).
    champions = set(
        Seat.objects.filter(draft__in=started, standings__champion=True).values_list(
            "pk", flat=True
        )
    )

    seats_of: dict[int, list[Seat]] = defaultdict(list)
    for seat in seats:
        seats_of[seat.draft_id].append(seat)
    categories_of: dict[int, list[Category]] = defaultdict(list)
    for category in categories:
        categories_of[category.draft_id].append(category)
    picks_of: dict[int, list[Pick]] = defaultdict(list)
    for pick in picks:
        picks_of[pick.draft_id].append(pick)

    seasons = []
    for draft in started:
        draft.league = league
        seasons.append(
            _season(
                draft,
                seats_of[draft.pk],
                categories_of[draft.pk],
                picks_of[draft.pk],
                votes[draft.pk],
                champions,
            )  # fmt: skip
        )
    return History(league=league, seasons=seasons, records=_records(seasons))


def _leaders(counts: Counter) -> tuple[list[int], int]:
    """The choices with the most votes (several on a tie), and that number; none without votes."""
    top = max(counts.values(), default=0)
    return ([choice for choice, n in counts.items() if n == top] if top else []), top


def _season(draft, seats, categories, picks, votes, champion_ids) -> SeasonHistory:
    by_seat = {seat.pk: SeasonRow(seat=seat) for seat in seats}
    rounds = sorted({p.round for p in picks})
    per_round = not draft.is_open_slots
    names = {n: c.name for n, c in enumerate(categories, start=1)} if per_round else {}
    for pick in picks:
        pick.draft = draft
        pick.seat = by_seat[pick.seat_id].seat
        by_seat[pick.seat_id].picks[pick.round] = pick
    champions = [row.seat for row in by_seat.values() if row.seat.pk in champion_ids]
    for seat in champions:
        by_seat[seat.pk].champion = True
    for row in by_seat.values():
        row.cells = [row.picks.get(r) for r in rounds]
    best = set()
    for r in rounds:
        best.update(_leaders(votes.get(Vote.round_question(r), Counter()))[0])
    return SeasonHistory(
        draft=draft,
        rounds=[(r, names.get(r, "")) for r in rounds],
        rows=list(by_seat.values()),
        champions=champions,
        best_pick_ids=best,
    )


def _records(seasons: list[SeasonHistory]) -> list[Record]:
    """Per member (by membership, so a renamed member is one record): seasons played (over),
    wins, best picks, and what they draft most (a kept film counted once). Bots have no
    record."""
    records: dict[int, Record] = {}
    directors: dict[int, Counter] = defaultdict(Counter)
    decades: dict[int, Counter] = defaultdict(Counter)
    for season in seasons:
        for row in season.rows:
            seat = row.seat
            if not seat.has_member:
                continue
            record = records.setdefault(
                seat.membership_id,
                Record(name=seat.display_name, username=seat.user.username if seat.user else None),
            )
            # A season counts once it is over; one still being drafted is not played yet.
            record.seasons += season.draft.status == Draft.Status.COMPLETE
            record.wins += row.champion
            for pick in row.picks.values():
                record.best_picks += pick.pk in season.best_pick_ids
                if pick.is_keeper:
                    continue  # a kept film was drafted once, in the season it came from
                directors[seat.membership_id].update(pick.movie.directors)
                decades[seat.membership_id][f"{pick.movie.year // 10 * 10}s"] += 1
    for key, record in records.items():
        record.directors = _most(directors[key])
        record.decades = _most(decades[key])
    return sorted(records.values(), key=lambda r: (-r.wins, -r.seasons, r.name.lower()))


def _most(counter: Counter, shown: int = 2) -> list[tuple[str, int]]:
    """The most common entries (at most `shown`), each drafted more than once."""
    return [(name, n) for name, n in counter.most_common(shown) if n > 1]
