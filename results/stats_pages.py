"""What the stats pages show, read only from the stored `DraftStats` rows (results.stats works
them out when a draft completes): a season's members, totals, reaches and steals; and a
league's members across the seasons whose stats are current. Never a pick is read here."""

from __future__ import annotations

from dataclasses import dataclass, field

from draft.models import Draft, League
from results.models import DraftStats
from results.stats import is_current, merge


def stats_of(draft: Draft) -> DraftStats | None:
    """The draft's stored stats, read with it (select_related), or None."""
    try:
        return draft.stats
    except DraftStats.DoesNotExist:
        return None


def load_draft(league_slug: str, draft_slug: str) -> Draft | None:
    """The draft with its league, results set-up and stored stats: one query (for
    draft.access.get_draft_for_viewer)."""
    return (
        Draft.objects.select_related("league", "results_setup", "stats")
        .filter(league__slug=league_slug, slug=draft_slug)
        .first()
    )


def _with_marks(members: list[dict], reaches: list[dict], steals: list[dict]) -> list[dict]:
    """Each member's tally with how many of their picks were reaches and steals."""
    return [
        {
            **member,
            "reach_count": sum(1 for r in reaches if r["seat"] == member["seat"]),
            "steal_count": sum(1 for s in steals if s["seat"] == member["seat"]),
        }
        for member in members
    ]


@dataclass
class SeasonStats:
    draft: Draft
    # Why there is nothing to show: "open" (not complete: stats come when it completes),
    # "reopened" (complete before, reopened by an undo: they come back when it completes) or
    # "working" (complete, stats being worked out); "" when they are shown.
    waiting: str = ""
    members: list[dict] = field(default_factory=list)
    totals: dict | None = None
    reaches: list[dict] = field(default_factory=list)
    steals: list[dict] = field(default_factory=list)
    computed_at: object = None


def season_stats(draft: Draft) -> SeasonStats:
    """A season's stats page, from the draft loaded by `load_draft`: no query."""
    stats = stats_of(draft)
    if draft.status != Draft.Status.COMPLETE:
        # Stats still stored for it: an undo reopened it since (the worker removes them).
        return SeasonStats(draft=draft, waiting="reopened" if stats is not None else "open")
    if not is_current(draft, stats):
        return SeasonStats(draft=draft, waiting="working")
    data = stats.data
    return SeasonStats(
        draft=draft,
        members=_with_marks(data["members"], data["reaches"], data["steals"]),
        totals=data["totals"],
        reaches=data["reaches"],
        steals=data["steals"],
        computed_at=stats.computed_at,
    )


@dataclass
class LeagueStats:
    league: League
    seasons: list[Draft]  # the seasons counted, latest first
    working: list[Draft]  # complete, stats being worked out (not counted yet)
    members: list[dict]  # a merged tally per member, with name, username and seasons


def league_stats(league: League) -> LeagueStats:
    """Each member across the league's seasons whose stats are current: counts added up,
    medians and means over all their picks (`results.stats.merge`). One query: the league's
    drafts with their stored stats."""
    drafts = list(
        Draft.objects.filter(league=league)
        .select_related("season", "results_setup", "stats")
        .order_by("-season__number")
    )
    seasons = [d for d in drafts if is_current(d, stats_of(d))]
    working = [d for d in drafts if d.status == Draft.Status.COMPLETE and d not in seasons]
    by_key: dict[str, dict] = {}
    for draft in seasons:  # latest first: a member's latest name wins
        data = draft.stats.data
        for member in _with_marks(data["members"], data["reaches"], data["steals"]):
            entry = by_key.setdefault(
                member["key"],
                {
                    "key": member["key"],
                    "name": member["name"],
                    "username": member["username"],
                    "tallies": [],
                    "reach_count": 0,
                    "steal_count": 0,
                },
            )
            entry["tallies"].append(member)
            entry["reach_count"] += member["reach_count"]
            entry["steal_count"] += member["steal_count"]
    members = []
    for entry in by_key.values():
        tallies = entry.pop("tallies")
        members.append({**merge(tallies), **entry, "seasons": len(tallies)})
    members.sort(key=lambda m: (-m["seasons"], m["name"].casefold()))
    return LeagueStats(league=league, seasons=seasons, working=working, members=members)
