"""The demo league's results: its finished season is decided on reader votes and IMDb ratings
(the demo catalog ships its films' ratings), locked, with its stats and the films' ADP worked out,
so the standings, history, blogger, stats and film pages have something to show."""

from __future__ import annotations

from django.db import transaction

from draft.demo import LEAGUE_NAME
from draft.demo.last_season import LAST_SEASON_NAME
from draft.models import Draft
from results.models import ResultsSetup, ScoreColumn
from results.rounds import results_round
from results.services.locking import lock, setup_for_update


def seed_results() -> str:
    draft = Draft.objects.filter(
        league__name=LEAGUE_NAME, name=LAST_SEASON_NAME, status=Draft.Status.COMPLETE
    ).first()
    if draft is None:
        return "No finished demo season: results demo skipped."
    if not ResultsSetup.objects.filter(draft=draft).exists():
        with transaction.atomic():
            setup = setup_for_update(draft)  # "Readers decide": reader votes, ranked
            ScoreColumn.objects.create(
                setup=setup,
                position=2,
                kind=ScoreColumn.Kind.IMDB,
                name="IMDb rating",
                unit="/10",
                scale=ScoreColumn.Scale.SCALE,
            )
            setup.preset = ResultsSetup.Preset.CUSTOM
            setup.save(update_fields=["preset"])
            lock(setup)
    results_round()
    champions = ", ".join(
        s.seat.display_name for s in draft.standings.filter(champion=True).select_related("seat")
    )
    return f"Results demo ready: {draft.name} won by {champions or 'nobody yet'}."
