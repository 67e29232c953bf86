"""A draft's picks as data (the CSV and JSON downloads): one row per pick in slot order, with
who entered it, whether it was an autopick, a commissioner's ruling or a keeper, and (a slot
held by another seat than the one it was drawn for) whose slot it was."""

import csv
import io

from draft import selectors
from draft.models import Draft, Membership

FIELDS = [
    "overall", "round", "pick_in_round", "member", "category", "movie_title", "movie_year",
    "picked_at", "entered_by", "autopick", "ruling", "via", "kept",
]  # fmt: skip


def rows(draft: Draft) -> list[dict]:
    """The export's rows (2 queries: the picks with what they show, the league's names).
    `entered_by` is the board name of the member who entered the pick (the picker, or a
    commissioner on their behalf), None when the clock autopicked it."""
    names = dict(
        Membership.objects.filter(league_id=draft.league_id).values_list("user_id", "display_name")
    )
    return [
        {
            "overall": pick.slot,
            "round": pick.round,
            "pick_in_round": pick.pick_in_round,
            "member": pick.seat.display_name,
            "category": pick.category.name,
            "movie_title": pick.movie.title,
            "movie_year": pick.movie.year,
            "picked_at": pick.created_at.isoformat(),
            "entered_by": names.get(pick.entered_by_id) if pick.entered_by_id else None,
            "autopick": pick.is_autopick,
            "ruling": pick.is_ruling,
            # The seat the slot was drawn for, when the member picked in another's slot.
            "via": pick.via,
            # A keeper, placed at the start from the member's pick of the season before.
            "kept": pick.is_keeper,
        }
        for pick in selectors.picks_for_export(draft)
    ]


def as_csv(draft: Draft) -> str:
    """Booleans as yes/no and a pick the clock made with an empty `entered_by`, as a
    spreadsheet reads them best."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FIELDS)
    writer.writeheader()
    for row in rows(draft):
        row = {**row, **{key: _yes_no(row[key]) for key in ("autopick", "ruling", "kept")}}
        writer.writerow({key: spreadsheet_safe(value) for key, value in row.items()})
    return out.getvalue()


def as_json(draft: Draft) -> dict:
    return {
        "league": draft.league.name,
        "draft": draft.name,
        "status": draft.status,
        "picks": rows(draft),
    }


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def spreadsheet_safe(value):
    """A cell a spreadsheet would read as a formula (a title such as "=HYPERLINK(…)") is
    written with a leading apostrophe, so opening the export never runs it."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value
