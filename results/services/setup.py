"""A commissioner sets up a draft's results: a preset, the columns (weights, how each is made
comparable, an own column's name and unit), the results date, and an own column's values, typed
in or uploaded as CSV. Every change is refused once the results are locked, and a date that has
passed locks them first (locking.lock_due_results)."""

from __future__ import annotations

import codecs
import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from config.inputs import strip_control_characters
from draft import rules
from draft.models import Draft, Pick
from results.models import ManualValue, ResultsSetup, ScoreColumn
from results.presets import KIND_NAMES, PRESETS, columns_for
from results.services.locking import lock_due_results, setup_for_update

MAX_COLUMNS = 6
MAX_VALUE = Decimal("999999999999.99")
UPLOAD_LIMIT = 1024 * 1024  # bytes: a column for a few hundred picks is a few kilobytes
LATEST_DATE = timedelta(days=5 * 366)


def _open(draft: Draft) -> ResultsSetup:
    """The set-up, locked for this transaction; refused once the results are locked."""
    lock_due_results()
    setup = setup_for_update(draft)
    if setup.is_locked:
        raise ValidationError("The results are locked: open them again before changing anything.")
    return setup


def _changed(setup: ResultsSetup, *fields: str) -> None:
    setup.version += 1
    setup.save(update_fields=["version", "updated_at", *fields])


def choose_preset(*, draft: Draft, preset: str) -> ResultsSetup:
    """Replace the columns with a preset's (and their own columns' values with them)."""
    if preset not in PRESETS:
        raise ValidationError("Choose one of the presets.")
    with transaction.atomic():
        setup = _open(draft)
        setup.columns.all().delete()
        ScoreColumn.objects.bulk_create(columns_for(setup, preset))
        setup.preset = preset
        _changed(setup, "preset")
    return setup


@dataclass(frozen=True)
class ColumnChange:
    column_id: int
    weight: int
    scale: str
    combine: str
    name: str = ""
    unit: str = ""


def _clean_text(value: str, *, limit: int, what: str) -> str:
    text = " ".join(strip_control_characters(value).split())
    if len(text) > limit:
        raise ValidationError(f"{what} is at most {limit} characters.")
    return text


def change_columns(*, draft: Draft, changes: list[ColumnChange]) -> ResultsSetup:
    """Weights (1–100), scaling, and an own column's name, unit and how its picks add up."""
    with transaction.atomic():
        setup = _open(draft)
        columns = {c.pk: c for c in setup.columns.all()}
        if {c.column_id for c in changes} - columns.keys():
            raise ValidationError("That column is not one of this draft's: reload the page.")
        for change in changes:
            column = columns[change.column_id]
            if not 1 <= change.weight <= 100:
                raise ValidationError(f"{column.name}: a weight is a whole number from 1 to 100.")
            if change.scale not in ScoreColumn.Scale.values:
                raise ValidationError(f"{column.name}: choose how its values are compared.")
            if change.combine not in ScoreColumn.Combine.values:
                raise ValidationError(f"{column.name}: choose how a member's picks add up.")
            column.weight, column.scale = change.weight, change.scale
            if column.is_manual:
                name = _clean_text(change.name, limit=60, what="A column's name")
                if not name:
                    raise ValidationError("An own column needs a name.")
                column.name = name
                column.unit = _clean_text(change.unit, limit=20, what="A unit")
                column.combine = change.combine
        if not changes:
            raise ValidationError("Nothing to save: the form had no columns in it.")
        names = [c.name.casefold() for c in columns.values()]
        if len(set(names)) < len(names):
            raise ValidationError("Two columns cannot have the same name.")
        ScoreColumn.objects.bulk_update(
            columns.values(), ["weight", "scale", "name", "unit", "combine"]
        )
        setup.preset = ResultsSetup.Preset.CUSTOM
        _changed(setup, "preset")
    return setup


def add_column(*, draft: Draft, kind: str, name: str = "", unit: str = "") -> ScoreColumn:
    if kind not in ScoreColumn.Kind.values:
        raise ValidationError("Choose what the column counts.")
    with transaction.atomic():
        setup = _open(draft)
        columns = list(setup.columns.all())
        if len(columns) >= MAX_COLUMNS:
            raise ValidationError(f"A draft's results have at most {MAX_COLUMNS} columns.")
        if kind != ScoreColumn.Kind.MANUAL and any(c.kind == kind for c in columns):
            raise ValidationError(f"The results already have the {kind_label(kind)} column.")
        default_name, default_unit = KIND_NAMES[kind]
        name = _clean_text(name, limit=60, what="A column's name") or default_name
        if not name:
            raise ValidationError("An own column needs a name (box office, awards, a panel…).")
        if any(c.name.casefold() == name.casefold() for c in columns):
            raise ValidationError(f"There is already a column called {name}.")
        column = ScoreColumn.objects.create(
            setup=setup,
            position=max((c.position for c in columns), default=0) + 1,
            kind=kind,
            name=name,
            unit=_clean_text(unit, limit=20, what="A unit") or default_unit,
            scale=ScoreColumn.Scale.SCALE if kind != ScoreColumn.Kind.VOTES else "rank",
            combine=ScoreColumn.Combine.TOTAL,
        )
        setup.preset = ResultsSetup.Preset.CUSTOM
        _changed(setup, "preset")
    return column


def kind_label(kind: str) -> str:
    return ScoreColumn.Kind(kind).label


def remove_column(*, draft: Draft, column_id: int) -> None:
    with transaction.atomic():
        setup = _open(draft)
        columns = list(setup.columns.all())
        column = next((c for c in columns if c.pk == column_id), None)
        if column is None:
            raise ValidationError("That column is not one of this draft's: reload the page.")
        if len(columns) == 1:
            raise ValidationError("The results need at least one column.")
        column.delete()
        setup.preset = ResultsSetup.Preset.CUSTOM
        _changed(setup, "preset")


def set_results_date(*, draft: Draft, when: datetime | None, now=None) -> ResultsSetup:
    """The date the results lock by themselves (None: only when a commissioner locks them)."""
    now = now or timezone.now()
    if when is not None and when <= now:
        raise ValidationError(
            "The results date has to be in the future: to lock the results now, use “Lock the "
            "results now” once the draft is over."
        )
    if when is not None and when > now + LATEST_DATE:
        raise ValidationError("The results date has to be within five years.")
    with transaction.atomic():
        setup = _open(draft)
        setup.lock_at = when
        _changed(setup, "lock_at")
    return setup


def _manual_column(setup: ResultsSetup, column_id: int) -> ScoreColumn:
    column = setup.columns.filter(pk=column_id, kind=ScoreColumn.Kind.MANUAL).first()
    if column is None:
        raise ValidationError("That column is not one of this draft's own columns.")
    return column


def parse_value(text: str, *, where: str) -> Decimal | None:
    """A number as people type it ("1,234.5", "12 %", "$3.2"): None for an empty cell."""
    cleaned = text.strip().replace(",", "").replace("$", "").replace("€", "").replace("£", "")
    cleaned = cleaned.removesuffix("%").strip()
    if not cleaned:
        return None
    not_a_number = ValidationError(f"{where}: {text.strip()[:40]!r} is not a number.")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise not_a_number from None
    if not value.is_finite():
        raise not_a_number  # NaN, Infinity
    # Compared by its exponent first: abs() of 1e999999999 overflows Decimal's context.
    if value.adjusted() >= MAX_VALUE.adjusted() + 1 or abs(value) > MAX_VALUE:
        raise ValidationError(f"{where}: the number is too large.")
    return value.quantize(Decimal("0.01"))


def set_values(
    *, draft: Draft, column_id: int, values: dict[int, Decimal | None]
) -> tuple[ScoreColumn, int]:
    """Set an own column's values by pick id (None clears one): the column, how many changed."""
    with transaction.atomic():
        setup = _open(draft)
        column = _manual_column(setup, column_id)
        picks = set(Pick.objects.filter(draft=draft).values_list("pk", flat=True))
        if set(values) - picks:
            raise ValidationError("A value names a pick that is not this draft's: reload the page.")
        current = dict(ManualValue.objects.filter(column=column).values_list("pick_id", "value"))
        changed = {pid: v for pid, v in values.items() if current.get(pid) != v}
        ManualValue.objects.filter(
            column=column, pick_id__in=[pid for pid, v in changed.items() if v is None]
        ).delete()
        ManualValue.objects.bulk_create(
            [
                ManualValue(column=column, pick_id=pid, value=v)
                for pid, v in changed.items()
                if v is not None
            ],
            update_conflicts=True,
            unique_fields=["column", "pick"],
            update_fields=["value"],
        )
        if changed:
            _changed(setup)
    return column, len(changed)


def read_values_csv(*, draft: Draft, upload) -> dict[int, Decimal | None]:
    """An own column's values from a CSV file: a "pick" column ("2.04", as on the board) and a
    "value" column; other columns (film, member) are ignored. The whole file is refused, with
    the reason and the line, when anything in it is wrong."""
    if upload.size > UPLOAD_LIMIT:
        raise ValidationError("The file is larger than 1 MB, the most a column's file may be.")
    raw = upload.read(UPLOAD_LIMIT + 1)
    not_utf8 = ValidationError("The file is not UTF-8 text: save it as CSV (UTF-8).")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise not_utf8
    if b"\x00" in raw:
        raise ValidationError("The file holds NUL bytes: it is not a CSV text file.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise not_utf8 from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        return _values(draft, reader)
    except csv.Error as error:
        # A quote left open, a cell over the csv module's 128 KB…
        raise ValidationError(
            f"Line {reader.line_num}: this is not CSV we can read ({error})."
        ) from None


def _values(draft: Draft, rows) -> dict[int, Decimal | None]:
    header = [h.strip().lower() for h in next(rows, [])]
    if "pick" not in header or "value" not in header:
        found = ", ".join(h for h in header if h)[:120] or "nothing"
        raise ValidationError(
            f"The file needs a 'pick' column (as on the board: 2.04) and a 'value' column; "
            f"it has {found}."
        )
    at_pick, at_value = header.index("pick"), header.index("value")
    labels = {
        rules.slot_label(r, p): pk
        for pk, r, p in Pick.objects.filter(draft=draft).values_list("pk", "round", "pick_in_round")
    }
    values: dict[int, Decimal | None] = {}
    seen: dict[int, int] = {}
    for line, row in enumerate(rows, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) <= max(at_pick, at_value):
            raise ValidationError(f"Line {line}: it has {len(row)} columns, the header more.")
        label = row[at_pick].strip()
        pick_id = labels.get(label)
        if pick_id is None:
            raise ValidationError(f"Line {line}: {label[:20]!r} is not a pick of this draft.")
        if pick_id in seen:
            raise ValidationError(f"Lines {seen[pick_id]} and {line} both give pick {label}.")
        seen[pick_id] = line
        values[pick_id] = parse_value(row[at_value], where=f"Line {line}")
    if not values:
        raise ValidationError("The file has no values.")
    return values
