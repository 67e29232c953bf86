import functools

from django import template
from django.urls import get_script_prefix, reverse

from config import links
from draft import cells, clock

register = template.Library()


@register.simple_tag
def cached_url(viewname, *args):
    """`{% url %}`, remembered: the same name and arguments always give the same address, and
    reverse() costs about 40 µs, twenty times over on a board page that fifty members load
    after each pick."""
    return _reverse(get_script_prefix(), viewname, tuple(str(a) for a in args))


@functools.lru_cache(maxsize=4096)
def _reverse(prefix, viewname, args):
    return reverse(viewname, args=args)


@register.filter
def duration_words(value) -> str:
    """A timedelta in words: "4 minutes 30 seconds"."""
    if value is None:
        return ""
    return clock.describe_seconds(int(value.total_seconds()))


@register.filter
def seconds_words(value) -> str:
    """A number of seconds in words: "1 hour 30 minutes"."""
    return "" if value is None else clock.describe_seconds(int(value))


@register.filter
def slash_breaks(value: str):
    """Let "Romance/Holiday/Animation" wrap after a slash instead of mid-word."""
    from django.utils.html import escape
    from django.utils.safestring import mark_safe

    return mark_safe(escape(value).replace("/", "/<wbr>"))


@register.filter
def chat_links(text: str):
    """A chat message as escaped text whose http(s) addresses are links (config/links.py)."""
    return links.linkify(text)


@register.simple_tag
def poster(movie, size=""):
    return cells.poster(movie, size or "")


@register.simple_tag
def avatar(member, size=""):
    return cells.avatar(member, size or "")


@register.simple_tag
def pick_cell(pick, has_writeup=False):
    return cells.pick_cell(pick, has_writeup=bool(has_writeup))
