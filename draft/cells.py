"""The small fragments a draft grid is made of, rendered in Python: a film's poster (or its
placeholder), a member's avatar, a filled cell, a grid cell and a seat's head.

A 32 × 30 board has 992 cells and heads, and the live room renders them all for each version it
has not seen (draft/live.py). Through Django's template engine a cell cost about a third of a
millisecond (its includes, its variable lookups, a URL reversed per pick): 300 ms a version. Here
a cell costs a few microseconds (plain f-strings, every value escaped). These functions are the only place the fragments are written:
the templates that show a poster, an avatar or a filled cell call them through template tags
(draft/templatetags/draft_tags.py), so there is one copy of each.
"""

from __future__ import annotations

from html import escape

from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def _size(base: str, size: str) -> str:
    return f" {base}--{size}" if size else ""


def _poster(movie, size: str) -> str:
    if src := movie.poster_src:
        return (
            f'<img class="poster{_size("poster", size)}" src="{escape(src)}" '
            'alt="" loading="lazy" width="40" height="60">'
        )
    return (
        f'<span class="poster poster--blank hue-{movie.hue:d}{_size("poster", size)}" '
        f'aria-hidden="true">{escape(movie.initial)}</span>'
    )


def poster(movie, size: str = "") -> SafeString:
    """A film's poster, or (none given) a coloured placeholder with its initial."""
    return mark_safe(_poster(movie, size))


def avatar(member, size: str = "") -> SafeString:
    """A member's initials on their colour (anything with `hue` and `initials`)."""
    return mark_safe(
        f'<span class="avatar hue-{member.hue:d}{_size("avatar", size)}" '
        f'aria-hidden="true">{escape(member.initials)}</span>'
    )


def _pick_cell(pick, url: str, has_writeup: bool) -> str:
    extras = " · kept" if pick.is_keeper else ""
    extras += " · ruling" if pick.is_ruling else ""
    if has_writeup:
        extras += ' · <span class="writeup-mark">✎ writeup</span>'
    movie = pick.movie
    return (
        f'<a class="cell__link" href="{escape(url)}">{_poster(movie, "sm")}'
        f'<span class="cell__text"><span class="cell__title">{escape(movie.title)}</span>'
        f'<span class="cell__meta">{movie.year:d} · {escape(pick.label)}{extras}</span>'
        "</span></a>"
    )


def pick_cell(pick, *, url: str | None = None, has_writeup: bool = False) -> SafeString:
    """A filled cell's link (the live board and the recap): poster, title, year, pick."""
    return mark_safe(_pick_cell(pick, url or pick.get_absolute_url(), has_writeup))


class PickUrls:
    """The pick pages' addresses of one draft, reversed once: a board of 960 picks asked the URL
    resolver 960 times."""

    ROUND, PICK = 987_654_301, 987_654_302  # stand-ins no pick ever has

    def __init__(self, draft):
        self.pattern = reverse("pick", args=[draft.league.slug, draft.slug, self.ROUND, self.PICK])

    def __call__(self, pick) -> str:
        return self.pattern.replace(str(self.ROUND), str(pick.round)).replace(
            str(self.PICK), str(pick.pick_in_round)
        )


def grid_cell(cell, *, piece: str, paused: bool, urls: PickUrls) -> SafeString:
    """One cell of the live board (selectors.Cell), with its piece id."""
    pick = cell.pick
    if pick is not None:
        state = " cell--filled" + (" cell--ruling" if pick.is_ruling else "")
        inside = _pick_cell(pick, urls(pick), False)
    elif cell.on_clock:
        state = " cell--clock"
        inside = (
            f'<span class="cell__label">{escape(cell.label or "")}</span>'
            f'<span class="cell__state">{"Up next" if paused else "On the clock"}</span>'
        )
    elif cell.skipped:
        state = " cell--skipped"
        inside = (
            f'<span class="cell__label">{escape(cell.label)}</span>'
            '<span class="cell__state">Skipped</span>'
        )
    else:
        state = " cell--open" if cell.seat_on_clock else ""
        inside = f'<span class="cell__label">{escape(cell.label or "—")}</span>'
    if cell.via:  # a slot held by another seat than the column's (a trade)
        inside += f'<span class="cell__via">{escape(cell.via)}</span>'
    return mark_safe(f'<td id="{escape(piece)}" class="cell{state}">{inside}</td>')


def seat_head(seat, *, piece: str, on_clock: bool, paused: bool) -> SafeString:
    """A seat's column head on the live board."""
    clock = ""
    if on_clock:
        clock = format_html(
            '<span class="grid__clock">{}</span>', "Up next" if paused else "On the clock"
        )
    return format_html(
        '<th scope="col" id="{}" class="grid__seat{}">{}<span class="grid__name">{}</span>{}</th>',
        piece,
        " grid__seat--clock" if on_clock else "",
        avatar(seat),
        seat.display_name,
        clock,
    )
