from django import template
from django.urls import reverse

register = template.Library()


@register.filter
def category_url(category, draft) -> str:
    """The reader's page of a draft's category: /leagues/<league>/<draft>/category/<slug>/."""
    from reviews.selectors import category_slug

    return reverse(
        "reviews:category", args=[draft.league.slug, draft.slug, category_slug(category)]
    )


@register.simple_tag
def vote_url(draft, question) -> str:
    return reverse("reviews:vote", args=[draft.league.slug, draft.slug, question])


@register.filter
def writeup_of(writeups: dict, pick):
    """The writeup of a pick from a {pick id: writeup} dict (the recap loads them at once)."""
    return writeups.get(pick.pk) if writeups and pick else None
