"""The results presets a commissioner starts from, and the columns each one makes."""

from __future__ import annotations

from results.models import ResultsSetup, ScoreColumn

Kind, Scale, Combine = ScoreColumn.Kind, ScoreColumn.Scale, ScoreColumn.Combine
Preset = ResultsSetup.Preset

# (kind, name, unit, weight, scale, combine) per column, in order.
PRESETS: dict[str, list[tuple[str, str, str, int, str, str]]] = {
    Preset.READERS: [(Kind.VOTES, "Reader votes", "votes", 1, Scale.RANK, Combine.TOTAL)],
    Preset.BLOG: [
        (Kind.VOTES, "Reader votes", "votes", 1, Scale.RANK, Combine.TOTAL),
        (Kind.IMDB, "IMDb rating", "/10", 1, Scale.SCALE, Combine.AVERAGE),
        (Kind.MANUAL, "Panel", "marks", 1, Scale.SCALE, Combine.AVERAGE),
    ],
    Preset.CRITICS: [(Kind.IMDB, "IMDb rating", "/10", 1, Scale.SCALE, Combine.AVERAGE)],
}

DESCRIPTIONS = {
    Preset.READERS: "Reader votes only: the best pick of each round and who won the draft.",
    Preset.BLOG: "Reader votes, the films' IMDb ratings and a panel's marks you enter, "
    "weighed alike.",
    Preset.CRITICS: "The films' IMDb ratings only.",
    Preset.CUSTOM: "Your own columns and weights.",
}

# Names a new column of each kind starts with.
KIND_NAMES = {
    Kind.VOTES: ("Reader votes", "votes"),
    Kind.IMDB: ("IMDb rating", "/10"),
    Kind.LEAGUE: ("League rating", "/5"),
    Kind.MANUAL: ("", ""),
}


def columns_for(setup: ResultsSetup, preset: str) -> list[ScoreColumn]:
    """The preset's columns for `setup`, unsaved."""
    return [
        ScoreColumn(
            setup=setup,
            position=at,
            kind=kind,
            name=name,
            unit=unit,
            weight=weight,
            scale=scale,
            combine=combine,
        )
        for at, (kind, name, unit, weight, scale, combine) in enumerate(PRESETS[preset], 1)
    ]


def default_columns(setup: ResultsSetup) -> list[ScoreColumn]:
    """A draft without a set-up: "Readers decide"."""
    return columns_for(setup, Preset.READERS)
