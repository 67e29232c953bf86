"""A draft's standings (everyone who may read the draft) and their set-up (its commissioners):
presets, columns, the results date, locking, and an own column's values typed or uploaded."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_safe

from config.inputs import form_int, parse_int
from config.pagecache import for_readers, keep_until
from config.uploads import refused_upload
from draft.access import get_draft_for_viewer, require_commissioner
from draft.views.shared import error_text
from results import selectors
from results.models import ResultsSetup, ScoreColumn
from results.presets import DESCRIPTIONS, PRESETS
from results.services import locking
from results.services import setup as results_setup

DATE_FORMAT = "%Y-%m-%dT%H:%M"


@for_readers
@require_safe
def standings(request, league, draft):
    draft, membership = get_draft_for_viewer(request, league, draft)
    locking.lock_due_results()
    table = selectors.standings(draft)
    # A kept preview runs out at the results date: the answer after it is the locked one.
    response = render(
        request,
        "results/standings.html",
        {
            "league": draft.league,
            "draft": draft,
            "membership": membership,
            "table": table,
            "can_set_up": bool(membership and membership.is_commissioner),
        },
    )
    return keep_until(response, None if table.locked else table.setup.lock_at)


def _local(value: datetime | None, tz: str) -> str:
    return timezone.localtime(value, ZoneInfo(tz)).strftime(DATE_FORMAT) if value else ""


def _parse_date(text: str, tz: str) -> datetime | None:
    text = text.strip()
    if not text:
        return None
    try:
        # As a datetime-local field sends it, with seconds or without; nothing after them.
        naive = datetime.strptime(text, DATE_FORMAT if len(text) <= 16 else DATE_FORMAT + ":%S")
    except ValueError:
        raise ValidationError("Give the results date as a date and a time.") from None
    return timezone.make_aware(naive, ZoneInfo(tz))


def _act(request, draft, action: str) -> str:
    """Carry out one set-up action; the message to show."""
    post = request.POST
    if action == "preset":
        preset = post.get("preset", "")
        results_setup.choose_preset(draft=draft, preset=preset)
        return f"The results now use “{dict(PRESETS_LABELS)[preset]}”."
    if action == "columns":
        changes = []
        for name in post:
            if not name.startswith("weight-"):
                continue
            column_id = parse_int(name.removeprefix("weight-"))
            weight = parse_int(post[name].strip(), minimum=1, maximum=100)
            if column_id is None:
                raise ValidationError("That column is not one of this draft's: reload the page.")
            if weight is None:
                raise ValidationError("A weight is a whole number from 1 to 100.")
            changes.append(
                results_setup.ColumnChange(
                    column_id=column_id,
                    weight=weight,
                    scale=post.get(f"scale-{column_id}", ""),
                    combine=post.get(f"combine-{column_id}", ScoreColumn.Combine.TOTAL),
                    name=post.get(f"name-{column_id}", ""),
                    unit=post.get(f"unit-{column_id}", ""),
                )
            )
        results_setup.change_columns(draft=draft, changes=changes)
        return "Columns saved."
    if action == "add":
        column = results_setup.add_column(
            draft=draft,
            kind=post.get("kind", ""),
            name=post.get("name", ""),
            unit=post.get("unit", ""),
        )
        return f"Column “{column.name}” added."
    if action == "remove":
        results_setup.remove_column(draft=draft, column_id=form_int(post, "column") or 0)
        return "Column removed."
    if action == "date":
        when = _parse_date(post.get("lock_at", ""), draft.league.time_zone)
        results_setup.set_results_date(draft=draft, when=when)
        return "Results date saved." if when else "Results date cleared."
    if action == "lock":
        locking.lock_results(draft=draft)
        return "The results are locked: the standings are final."
    if action == "reopen":
        locking.reopen_results(draft=draft)
        return "The results are open again; set a new results date when you are ready."
    if action in {"values", "upload"}:
        column_id = form_int(post, "column") or 0
        if action == "values":
            values = {
                pick.pk: results_setup.parse_value(post[name], where=f"Pick {pick.label}")
                for pick in selectors.draft_picks(draft)
                if (name := f"value-{column_id}-{pick.pk}") in post
            }
        else:
            upload = request.FILES.get("file")
            if too_large := refused_upload(request, "file"):
                raise ValidationError(too_large)
            if upload is None:
                raise ValidationError("Choose a CSV file to upload.")
            values = results_setup.read_values_csv(draft=draft, upload=upload)
        column, changed = results_setup.set_values(draft=draft, column_id=column_id, values=values)
        return f"{column.name}: {changed} value{'s' if changed != 1 else ''} changed."
    raise ValidationError("Unknown action.")


PRESETS_LABELS = ResultsSetup.Preset.choices


@require_http_methods(["GET", "HEAD", "POST"])
def setup(request, league, draft):
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    draft, membership = get_draft_for_viewer(request, league, draft)
    require_commissioner(membership)
    here = reverse("results:setup", args=[draft.league.slug, draft.slug])
    if request.method == "POST":
        try:
            messages.success(request, _act(request, draft, request.POST.get("action", "")))
        except ValidationError as error:
            messages.error(request, error_text(error))
        return redirect(here)
    locking.lock_due_results()
    setup, columns, tables = selectors.setup_page(draft)
    return render(
        request,
        "results/setup.html",
        {
            "league": draft.league,
            "draft": draft,
            "membership": membership,
            "setup": setup,
            "saved": not setup._state.adding,
            "columns": columns,
            "tables": tables,
            "presets": [
                (key, label, DESCRIPTIONS[key]) for key, label in PRESETS_LABELS if key in PRESETS
            ],
            "kinds": ScoreColumn.Kind.choices,
            "scales": ScoreColumn.Scale.choices,
            "combines": ScoreColumn.Combine.choices,
            "lock_at": _local(setup.lock_at, draft.league.time_zone),
            "upload_limit": results_setup.UPLOAD_LIMIT,
        },
    )
