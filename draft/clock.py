"""Pick-clock arithmetic: deadlines that stop during a league's quiet hours. Pure functions."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

MIN_PICK_SECONDS = 30
MAX_PICK_SECONDS = 14 * 24 * 3600
# An undone pick or skip gives the slot back the time it had left, but at least this much
# (never more than a full pick time): an undone expiry must not run out again at once.
UNDO_MIN_SECONDS = 60


def _quiet_windows(start: datetime, quiet_start: time, quiet_end: time, tz: ZoneInfo):
    """Yield the quiet windows (aware datetimes in UTC) that end after `start`, in order.

    In UTC because Python subtracts and adds two datetimes of one ZoneInfo on the wall clock:
    across a daylight-saving change that would put an hour too many or too few on the clock."""
    local = start.astimezone(tz)
    day = local.date() - timedelta(days=1)
    while True:
        window_start = datetime.combine(day, quiet_start, tzinfo=tz)
        end_day = day if quiet_end > quiet_start else day + timedelta(days=1)
        window_end = datetime.combine(end_day, quiet_end, tzinfo=tz)
        if window_end > start:
            yield window_start.astimezone(UTC), window_end.astimezone(UTC)
        day += timedelta(days=1)


def deadline_after(
    start: datetime,
    seconds: float,
    *,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
    time_zone: str = "UTC",
) -> datetime:
    """When a clock with `seconds` to run, started at `start`, runs out. The clock does not run
    inside the daily quiet window [quiet_start, quiet_end) of the league's time zone."""
    remaining = timedelta(seconds=seconds)
    if quiet_start is None or quiet_end is None or quiet_start == quiet_end:
        return start + remaining
    tz = ZoneInfo(time_zone)
    now = start.astimezone(UTC)
    for window_start, window_end in _quiet_windows(start, quiet_start, quiet_end, tz):
        if window_start <= now:  # inside a quiet window: the clock waits for its end
            now = max(now, window_end)
            continue
        running = window_start - now
        if remaining <= running:
            return now + remaining
        remaining -= running
        now = window_end
    raise AssertionError("unreachable")  # pragma: no cover


def running_seconds_between(
    start: datetime,
    end: datetime,
    *,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
    time_zone: str = "UTC",
) -> float:
    """How much clock time runs from `start` to `end` (quiet hours excluded)."""
    if end <= start:
        return 0.0
    total = (end - start).total_seconds()
    if quiet_start is None or quiet_end is None or quiet_start == quiet_end:
        return total
    tz = ZoneInfo(time_zone)
    quiet = 0.0
    for window_start, window_end in _quiet_windows(start, quiet_start, quiet_end, tz):
        if window_start >= end:
            break
        overlap = (min(window_end, end) - max(window_start, start)).total_seconds()
        quiet += max(overlap, 0.0)
    return total - quiet


def first_quiet_window(
    start: datetime,
    end: datetime,
    *,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
    time_zone: str = "UTC",
) -> tuple[datetime, datetime] | None:
    """The first quiet window (UTC) that overlaps [start, end): the clock stops in it. None
    without quiet hours, or when none falls before `end`."""
    if end <= start or quiet_start is None or quiet_end is None or quiet_start == quiet_end:
        return None
    for window_start, window_end in _quiet_windows(
        start, quiet_start, quiet_end, ZoneInfo(time_zone)
    ):
        return (window_start, window_end) if window_start < end else None
    return None  # pragma: no cover


def describe_seconds(seconds: int | None) -> str:
    """A pick time in words: "45 seconds", "2 minutes", "1 day 4 hours" (the two largest
    units)."""
    if not seconds:
        return "no clock"
    parts = []
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60), ("second", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count} {unit}{'' if count == 1 else 's'}")
    return " ".join(parts[:2])
