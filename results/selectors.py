"""Reads for a draft's results: its set-up (or the default "Readers decide"), the values each
column takes, live while the results are open or as kept at the lock, and the standings page.
A fixed number of queries however many seats, rounds, votes and ratings (pinned by
tests/results/test_standings.py)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, Sum

from draft.models import Category, Draft, Pick, Seat
from results import scoring
from results.models import ManualValue, MemberRating, ResultsSetup, ScoreColumn
from results.presets import default_columns
from reviews.models import Vote

_CENT = Decimal("0.01")


def league_ratings(league, movie_ids) -> dict[int, tuple[Decimal, int]]:
    """film id -> (the mean rating the league's current members gave it, rounded half up to two
    places; how many of them rated it), for the films of `movie_ids` someone rated. Members
    who left the league do not count. One query."""
    movie_ids = set(movie_ids)
    if not movie_ids:
        return {}
    rows = (
        MemberRating.objects.filter(
            movie_id__in=movie_ids,
            user__memberships__league=league,
            user__memberships__left_at__isnull=True,
        )
        .values("movie_id")
        # The sum of many half stars outgrows the rating column's two digits.
        .annotate(
            total=Sum("rating", output_field=DecimalField(max_digits=12, decimal_places=1)),
            count=Count("pk"),
        )
        .order_by()
    )
    return {
        row["movie_id"]: (
            (Decimal(row["total"]) / row["count"]).quantize(_CENT, rounding=ROUND_HALF_UP),
            row["count"],
        )
        for row in rows
    }


def setup_of(draft: Draft) -> ResultsSetup:
    """The draft's set-up; an unsaved "Readers decide" one when it has none."""
    setup = ResultsSetup.objects.filter(draft=draft).first()
    return setup or ResultsSetup(draft=draft)


def columns_of(setup: ResultsSetup) -> list[ScoreColumn]:
    if setup._state.adding:
        return default_columns(setup)
    return list(setup.columns.order_by("position"))


def spec(column: ScoreColumn) -> scoring.Column:
    return scoring.Column(
        key=str(column.pk or column.position),
        kind=column.kind,
        name=column.name,
        weight=column.weight,
        scale=column.scale,
        combine=column.combine,
        unit=column.unit,
    )


@dataclass
class Values:
    """What the columns read: each pick's value per column key, each seat's "who won" votes,
    and each pick's IMDb vote count (the stats' obscurity)."""

    picks: dict[int, dict[str, Decimal | None]]
    seat_votes: dict[int, int]
    imdb_votes: dict[int, int | None]
    rated_by: dict[int, int]  # pick id → how many members rated its film (league column)

    def as_json(self) -> dict:
        return {
            "picks": {
                str(pid): {k: (None if v is None else str(v)) for k, v in vals.items()}
                for pid, vals in self.picks.items()
            },
            "seat_votes": {str(sid): n for sid, n in self.seat_votes.items()},
            "imdb_votes": {str(pid): n for pid, n in self.imdb_votes.items()},
            "rated_by": {str(pid): n for pid, n in self.rated_by.items()},
        }

    @classmethod
    def from_json(cls, data: dict) -> Values:
        return cls(
            picks={
                int(pid): {k: (None if v is None else Decimal(v)) for k, v in vals.items()}
                for pid, vals in data["picks"].items()
            },
            seat_votes={int(sid): n for sid, n in data["seat_votes"].items()},
            imdb_votes={int(pid): n for pid, n in data["imdb_votes"].items()},
            rated_by={int(pid): n for pid, n in data.get("rated_by", {}).items()},
        )


def live_values(draft: Draft, columns: list[ScoreColumn], picks: list[Pick]) -> Values:
    """The columns' values now: one query per kind of column in use."""
    specs = [spec(c) for c in columns]
    kinds = {c.kind for c in specs}
    round_votes: Counter = Counter()
    seat_votes: Counter = Counter()
    if scoring.VOTES in kinds:
        tallies = (
            Vote.objects.filter(draft=draft)
            .values("question", "pick_id", "seat_id")
            .annotate(n=Count("id"))
        )
        for row in tallies:
            if row["question"] == Vote.DRAFT_QUESTION:
                seat_votes[row["seat_id"]] += row["n"]
            elif row["pick_id"]:
                round_votes[row["pick_id"]] += row["n"]
    league = {}
    if scoring.LEAGUE in kinds:
        league = league_ratings(draft.league, [p.movie_id for p in picks])
    manual: dict[tuple[int, int], Decimal] = {}
    manual_ids = [c.pk for c in columns if c.kind == ScoreColumn.Kind.MANUAL and c.pk]
    if manual_ids:
        rows = ManualValue.objects.filter(column_id__in=manual_ids).values_list(
            "column_id", "pick_id", "value"
        )
        manual = {(col, pick): value for col, pick, value in rows}
    values: dict[int, dict[str, Decimal | None]] = {}
    for pick in picks:
        row: dict[str, Decimal | None] = {}
        for column, s in zip(columns, specs, strict=True):
            if s.kind == scoring.VOTES:
                row[s.key] = Decimal(round_votes[pick.pk])
            elif s.kind == scoring.IMDB:
                row[s.key] = scoring.weighted_rating(pick.movie.imdb_rating, pick.movie.imdb_votes)
            elif s.kind == scoring.LEAGUE:
                mean = league.get(pick.movie_id)
                row[s.key] = None if mean is None else Decimal(mean[0])
            else:
                row[s.key] = manual.get((column.pk, pick.pk))
        values[pick.pk] = row
    return Values(
        picks=values,
        seat_votes=dict(seat_votes),
        imdb_votes={p.pk: p.movie.imdb_votes for p in picks},
        rated_by={p.pk: league[p.movie_id][1] for p in picks if p.movie_id in league},
    )


@dataclass
class MemberRow:
    seat: Seat
    score: scoring.MemberScore
    # Per column: the column, the member's value, their mark, what it adds to the total.
    cells: list[tuple[ScoreColumn, Decimal | None, Decimal, Decimal]]


@dataclass
class CategoryRow:
    category: Category
    winners: list[Pick]


@dataclass
class Standings:
    draft: Draft
    setup: ResultsSetup
    columns: list[ScoreColumn]
    members: list[MemberRow]
    categories: list[CategoryRow]
    decided: bool
    # Each pick with (column, value) per column and how many members rated its film.
    picks: list[tuple[Pick, list[tuple[ScoreColumn, Decimal | None]], int | None]]

    @property
    def locked(self) -> bool:
        return self.setup.is_locked

    @property
    def champions(self) -> list[Seat]:
        return [row.seat for row in self.members if row.score.champion]

    @property
    def rules(self) -> tuple[str, ...]:
        return scoring.RULES


def draft_picks(draft: Draft) -> list[Pick]:
    """The draft's picks with what the columns read and the pages show of their films."""
    return list(
        Pick.objects.filter(draft=draft)
        .select_related("movie")
        .only(
            *("id", "draft_id", "slot", "round", "pick_in_round", "seat_id", "category_id"),
            *("movie__id", "movie__title", "movie__year", "movie__imdb_rating"),
            "movie__imdb_votes",
        )
        .order_by("slot")
    )


def standings(draft: Draft) -> Standings:
    """The draft's standings: from the values kept at the lock, or live while open."""
    setup = setup_of(draft)
    columns = columns_of(setup)
    seats = list(
        Seat.objects.filter(draft=draft).select_related("membership__user").order_by("position")
    )
    picks = draft_picks(draft)
    if setup.is_locked:
        values = Values.from_json(setup.frozen)
    else:
        values = live_values(draft, columns, picks)
    outcome = outcome_of(columns, seats, picks, values)
    by_seat = {seat.pk: seat for seat in seats}
    for pick in picks:
        pick.draft = draft
        pick.seat = by_seat[pick.seat_id]
    members = [
        MemberRow(
            seat=by_seat[score.seat_id],
            score=score,
            cells=[
                (
                    c,
                    score.values.get(spec(c).key),
                    score.marks.get(spec(c).key, Decimal(0)),
                    score.contributions.get(spec(c).key, Decimal(0)),
                )
                for c in columns
            ],
        )
        for score in outcome.members
    ]
    picks_by_id = {p.pk: p for p in picks}
    categories = [
        CategoryRow(
            category=category,
            winners=[picks_by_id[pid] for pid in outcome.categories[category.pk].winners],
        )
        for category in Category.objects.filter(draft=draft).order_by("position")
        if category.pk in outcome.categories
    ]
    return Standings(
        draft=draft,
        setup=setup,
        columns=columns,
        members=members,
        categories=categories,
        decided=outcome.decided,
        picks=[
            (
                p,
                [(c, values.picks.get(p.pk, {}).get(spec(c).key)) for c in columns],
                values.rated_by.get(p.pk),
            )
            for p in picks
        ],
    )


def outcome_of(columns, seats, picks, values: Values) -> scoring.Outcome:
    entries = [
        scoring.PickEntry(
            pick_id=p.pk,
            seat_id=p.seat_id,
            category_id=p.category_id,
            values=values.picks.get(p.pk, {}),
        )
        for p in picks
    ]
    return scoring.standings(
        [spec(c) for c in columns],
        [seat.pk for seat in seats],
        entries,
        values.seat_votes,
    )


def setup_page(draft: Draft):
    """The set-up page's reads: the set-up, its columns, and for each own column its picks
    (with their seats) and values: (column, [(pick, value or None)…])."""
    setup = setup_of(draft)
    columns = columns_of(setup)
    manual = [c for c in columns if c.is_manual and c.pk]
    if not manual:
        return setup, columns, []
    picks = draft_picks(draft)
    seats = {s.pk: s for s in Seat.objects.filter(draft=draft).select_related("membership__user")}
    for pick in picks:
        pick.seat = seats[pick.seat_id]
    values = {
        (col, pick): value
        for col, pick, value in ManualValue.objects.filter(column__in=manual).values_list(
            "column_id", "pick_id", "value"
        )
    }
    return (
        setup,
        columns,
        [
            (column, [(pick, values.get((column.pk, pick.pk))) for pick in picks])
            for column in manual
        ],
    )
