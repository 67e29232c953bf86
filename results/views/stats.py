"""The stats pages: a season's (each member's decades, genres, directors, film ages, obscurity,
pick speed, autopicks and skips, and the reaches and steals), and a league's (each member
across its seasons). Both read the stored stats only (results/stats_pages.py), and work
without JavaScript; private leagues are 404 to outsiders (draft.access)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from config.pagecache import for_readers
from config.pages import page_meta
from draft.access import get_draft_for_viewer, get_league_for_viewer
from results import stats, stats_pages


@for_readers
@require_safe
def draft_stats(request, league, draft):
    draft, membership = get_draft_for_viewer(request, league, draft, load=stats_pages.load_draft)
    page = stats_pages.season_stats(draft)
    return render(
        request,
        "results/draft_stats.html",
        {
            "league": draft.league,
            "draft": draft,
            "membership": membership,
            "page": page,
            "rule": {
                "margin": round(stats.MARGIN * 100),
                "from_round": stats.MARK_FROM_ROUND,
                "min_drafts": stats.MIN_ADP_DRAFTS,
            },
            "meta": page_meta(
                request,
                f"{draft.name} stats — {draft.league.name}",
                f"What each member of {draft.league.name} drafted in {draft.name}, and how: "
                "decades, genres, directors, pick speed, reaches and steals.",
                reverse("results:draft_stats", args=[draft.league.slug, draft.slug]),
            ),
        },
    )


@for_readers
@require_safe
def league_stats(request, league):
    league, membership = get_league_for_viewer(request, league)
    page = stats_pages.league_stats(league)
    return render(
        request,
        "results/league_stats.html",
        {
            "league": league,
            "membership": membership,
            "page": page,
            "meta": page_meta(
                request,
                f"{league.name}: stats of every season — Moviedraft",
                f"What each member of {league.name} drafted across its seasons, and how.",
                reverse("results:league_stats", args=[league.slug]),
            ),
        },
    )
