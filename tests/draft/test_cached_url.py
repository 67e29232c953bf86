"""`{% cached_url %}` gives what `{% url %}` gives, under the site's prefix of the moment."""

from django.template import Context, Template
from django.urls import clear_script_prefix, set_script_prefix


def render(text: str) -> str:
    return Template("{% load draft_tags %}" + text).render(Context({"a": "reel", "b": "2021"}))


def test_it_gives_what_url_gives_and_follows_the_script_prefix():
    cached = "{% cached_url 'draft:board' a b %}"
    assert render(cached) == render("{% url 'draft:board' a b %}") == "/leagues/reel/2021/"
    set_script_prefix("/moviedraft/")
    try:
        assert render(cached) == render("{% url 'draft:board' a b %}")
        assert render(cached).startswith("/moviedraft/leagues/")
    finally:
        clear_script_prefix()
    assert render(cached) == "/leagues/reel/2021/"
    assert render("{% cached_url 'login' %}") == render("{% url 'login' %}")
