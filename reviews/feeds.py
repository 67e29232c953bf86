"""Atom feeds of published writeups, with their full sanitised HTML: all public leagues, one
league, one blogger. Feed readers have no account, so private leagues never appear."""

from django.contrib.auth import get_user_model
from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from draft.models import League
from reviews import selectors
from reviews.models import BloggerProfile


class ContentAtomFeed(Atom1Feed):
    """Atom with the whole writeup in <content type="html">, the summary kept short."""

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})


def headline(writeup) -> str:
    pick = writeup.pick
    return (
        f"{pick.draft.name} — Round {pick.round}, Pick {pick.pick_in_round}: "
        f"{pick.seat.membership.display_name} selects {pick.movie.title} ({pick.movie.year})"
    )


class WriteupFeed(Feed):
    feed_type = ContentAtomFeed
    title = "Moviedraft — latest writeups"
    subtitle = "Every published pick writeup from public Moviedraft leagues."

    def link(self):
        return reverse("home")

    def feed_url(self):
        return reverse("reviews:feed")

    def items(self):
        return selectors.feed_writeups()

    def item_title(self, item):
        return headline(item)

    def item_description(self, item):
        from reviews.markdown import excerpt

        return excerpt(item.public_text, 300)

    def item_extra_kwargs(self, item):
        return {"content": item.body_html}

    def item_link(self, item):
        pick = item.pick
        return reverse(
            "pick", args=[pick.draft.league.slug, pick.draft.slug, pick.round, pick.pick_in_round]
        )

    def item_guid(self, item):
        return f"tag:moviedraft,2021:writeup/{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return max(item.updated_at, item.published_at)

    def item_author_name(self, item):
        return item.pick.seat.membership.display_name

    def item_author_link(self, item):
        # The picker's profile came with the writeup (select_related): no query per item.
        user = item.pick.seat.membership.user
        try:
            return user.blogger_profile.blog_url or None
        except BloggerProfile.DoesNotExist:
            return None

    def item_categories(self, item):
        return [item.pick.category.name]


class LeagueFeed(WriteupFeed):
    def get_object(self, request, league):
        return get_object_or_404(League, slug=league, is_public=True)

    def title(self, obj):
        return f"{obj.name} — writeups on Moviedraft"

    def subtitle(self, obj):
        return obj.description or f"Every published writeup of {obj.name}."

    def link(self, obj):
        return obj.get_absolute_url()

    def feed_url(self, obj):
        return reverse("reviews:league_feed", args=[obj.slug])

    def items(self, obj):
        return selectors.feed_writeups(league=obj)


class BloggerFeed(WriteupFeed):
    def get_object(self, request, username):
        return get_object_or_404(
            get_user_model().objects.select_related("blogger_profile"), username=username
        )

    def _name(self, obj):
        try:
            return obj.blogger_profile.name
        except BloggerProfile.DoesNotExist:
            return obj.get_full_name() or obj.username

    def title(self, obj):
        return f"{self._name(obj)} — writeups on Moviedraft"

    def subtitle(self, obj):
        return f"{self._name(obj)}'s published pick writeups in public leagues."

    def link(self, obj):
        return reverse("reviews:blogger", args=[obj.username])

    def feed_url(self, obj):
        return reverse("reviews:blogger_feed", args=[obj.username])

    def items(self, obj):
        return selectors.feed_writeups(user=obj)
