"""Template tags of the stats pages: a small bar chart drawn on the server (inline SVG, no
script, no style attribute: the site's CSP allows neither; colours come from app.css classes),
and the numbers as people read them."""

from __future__ import annotations

from django import template
from django.utils.html import format_html

from draft.clock import describe_seconds
from results.stats import is_current

register = template.Library()

# The chart's geometry, in SVG user units (the chart scales to its box, keeping its ratio).
CHART_WIDTH = 270
LABEL_WIDTH = 126
BAR_SPACE = 112
ROW_HEIGHT = 22
BAR_HEIGHT = 14
LABEL_CHARS = 15
SHOWN = 8


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "…"


def _films(count: int, unit: str, units: str) -> str:
    return f"{count} {unit if count == 1 else units}"


def chart_rows(rows, limit: int = SHOWN) -> tuple[list[tuple[str, int]], int, int]:
    """The rows a chart draws (all of them up to `limit`, else one fewer), and how many rows
    follow with their films added up (0, 0 when none do)."""
    rows = [(str(name), int(count)) for name, count in rows or ()]
    if len(rows) <= limit:
        return rows, 0, 0
    rest = rows[limit - 1 :]
    return rows[: limit - 1], len(rest), sum(count for _, count in rest)


@register.inclusion_tag("results/_bar_chart.html")
def bar_chart(
    rows, *, name: str, title: str, heading: str, unit: str = "film", units: str = "films"
):
    """A horizontal bar chart of [name, count] rows under the title `name` ("Decades"), with
    the same numbers in a table beside it (caption `title`, "Decades drafted by Ana"; first
    column `heading`). The SVG is role="img" with the numbers in its aria-label. Past eight
    rows, the rest are one line of text, not a bar (several names added up would read as one
    name's count). Nothing is drawn for no rows."""
    shown, more, more_count = chart_rows(rows)
    most = max((count for _, count in shown), default=0) or 1
    bars = []
    for n, (label, count) in enumerate(shown):
        width = max(round(count / most * BAR_SPACE), 2)
        top = n * ROW_HEIGHT
        bars.append(
            {
                "label": label,
                "short": _short(label),
                "count": count,
                "bar_y": top + (ROW_HEIGHT - BAR_HEIGHT) // 2,
                "text_y": top + ROW_HEIGHT // 2 + 4,
                "width": width,
                "count_x": LABEL_WIDTH + width + 5,
            }
        )
    spoken = [f"{label}: {_films(count, unit, units)}" for label, count in shown]
    rest = f"{more} more: {_films(more_count, unit, units)}" if more else ""
    if rest:
        spoken.append(rest)
    return {
        "name": name,
        "title": title,
        "heading": heading,
        "units": units,
        "bars": bars,
        "more": more,
        "more_count": more_count,
        "rest": rest,
        "aria_label": f"{title}. {'; '.join(spoken)}." if bars else title,
        "width": CHART_WIDTH,
        "height": (len(bars) + bool(more)) * ROW_HEIGHT,
        "rest_y": len(bars) * ROW_HEIGHT + ROW_HEIGHT // 2 + 4,
        "label_width": LABEL_WIDTH,
        "bar_x": LABEL_WIDTH,
        "bar_height": BAR_HEIGHT,
    }


@register.filter
def percent(share) -> str:
    """0.3125 → "31%"."""
    if share is None or share == "":
        return ""
    return f"{round(float(share) * 100)}%"


@register.filter
def clock_time(seconds) -> str:
    """Time on the clock in words: "45 seconds", "2 minutes 5 seconds", "1 day 4 hours"."""
    if seconds is None or seconds == "":
        return "—"
    seconds = round(float(seconds))
    return describe_seconds(seconds) if seconds > 0 else "under a second"


@register.filter
def votes(count) -> str:
    """12345.5 → "12,346"."""
    if count is None or count == "":
        return "—"
    return f"{round(float(count)):,}"


@register.simple_tag
def pick_mark(draft, pick) -> str:
    """A "Reach" or "Steal" badge for a pick the draft's current stats mark so (results.stats,
    from round 3 on against the film's ADP), else "". Reads the stats and results set-up the
    draft was loaded with (select_related), never a query of its own."""
    stats = getattr(draft, "stats", None)
    if not is_current(draft, stats):
        return ""
    marks = getattr(stats, "_marks", None)
    if marks is None:
        data = stats.data
        marks = {m["pick"]: "reach" for m in data.get("reaches", ())}
        marks.update({m["pick"]: "steal" for m in data.get("steals", ())})
        stats._marks = marks
    verdict = marks.get(pick.pk)
    if verdict is None:
        return ""
    title = MARK_TITLES[verdict]
    return format_html(
        '<span class="badge badge--{}" title="{}">{}</span>', verdict, title, verdict.capitalize()
    )


MARK_TITLES = {
    "reach": "Taken well before where this film usually goes in drafts",
    "steal": "Taken well after where this film usually goes in drafts",
}
