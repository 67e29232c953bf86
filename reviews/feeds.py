"""Atom feeds of published writeups, with their full sanitised HTML: all public leagues, one
league, one blogger. Feed readers have no account, so private leagues never appear."""

from datetime import UTC
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.xmlutils import SimplerXMLGenerator

from config.inputs import strip_control_characters
from draft.models import League
from reviews import bloggers, selectors
from reviews.models import BloggerProfile


class ControlFreeXMLGenerator(SimplerXMLGenerator):
    """XML 1.0 has no control characters, and Django's generator raises on one (a 500 for every
    reader of the feed). Input never carries them any more (config.inputs), but rows written
    before, by the admin or by an import might: they are left out here, text and attributes."""

    def characters(self, content):
        super().characters(strip_control_characters(content) if content else content)

    def startElement(self, name, attrs):
        super().startElement(
            name, {k: strip_control_characters(str(v)) for k, v in (attrs or {}).items()}
        )


class ContentAtomFeed(Atom1Feed):
    """Atom with the whole writeup in <content type="html">, the summary kept short."""

    def write(self, outfile, encoding):
        # Atom1Feed.write, with the generator above.
        handler = ControlFreeXMLGenerator(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        if item.get("content"):
            handler.addQuickElement("content", item["content"], {"type": "html"})


def site_host() -> str:
    return (urlsplit(settings.SITE_URL).hostname or "localhost").lower()


def headline(writeup) -> str:
    pick = writeup.pick
    return (
        f"{pick.draft.name} — Round {pick.round}, Pick {pick.pick_in_round}: "
        f"{pick.seat.display_name} selects {pick.movie.title} ({pick.movie.year})"
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
        """A tag URI (RFC 4151) that belongs to this installation and never changes: the host
        of SITE_URL, the day the writeup was first published (a republished writeup keeps its
        first publication time), and the writeup's id."""
        day = item.published_at.astimezone(UTC).date().isoformat()
        return f"tag:{site_host()},{day}:writeup/{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return max(item.updated_at, item.published_at)

    def item_author_name(self, item):
        return item.pick.seat.display_name

    def item_author_link(self, item):
        # The picker's profile came with the writeup (select_related): no query per item.
        user = item.pick.seat.user
        try:
            return user.blogger_profile.blog_url or None if user else None
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
        # 404 exactly where the blogger page is 404 to a reader without an account.
        user = (
            get_user_model()
            .objects.select_related("blogger_profile")
            .filter(username=username)
            .first()
        )
        if user is None or bloggers.blogger_is_hidden(user, AnonymousUser()):
            raise Http404("No such blogger.")
        return user

    def _name(self, obj):
        try:
            return obj.blogger_profile.name
        except BloggerProfile.DoesNotExist:
            return obj.display_name

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
