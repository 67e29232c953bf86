"""The reader side: blogger profiles, writeups, comments, votes and the reader settings that
commissioners control. Builds on `draft`; the draft app never imports this one."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse

from draft import rules
from draft.models import Draft, League, Pick, Seat

# Blog links are shown to every reader: only web addresses, never javascript: or data:.
http_url = URLValidator(schemes=["http", "https"])


def avatar_path(profile: "BloggerProfile", filename: str) -> str:
    # The service re-encodes every upload, so the stored name never comes from the client.
    return f"avatars/{filename}"


class BloggerProfile(models.Model):
    """What readers see of a user: the blog their picks link to."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="blogger_profile"
    )
    display_name = models.CharField(max_length=60, blank=True)
    blog_name = models.CharField(max_length=100, blank=True)
    blog_url = models.URLField(max_length=300, blank=True, validators=[http_url])
    bio = models.TextField(max_length=600, blank=True)
    avatar = models.ImageField(upload_to=avatar_path, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self):
        return self.display_name or str(self.user)

    def get_absolute_url(self):
        return reverse("reviews:blogger", args=[self.user.username])

    @property
    def name(self) -> str:
        return self.display_name or self.user.display_name

    @property
    def initials(self) -> str:
        return rules.initials(self.name)

    @property
    def hue(self) -> int:
        return rules.title_hue(self.name) % 12


class LeagueReaderSettings(models.Model):
    """A league's rules for readers' comments. Made on demand: no row means the defaults."""

    league = models.OneToOneField(
        League, on_delete=models.CASCADE, primary_key=True, related_name="reader_settings"
    )
    moderate_first_comments = models.BooleanField(
        "hold first-time commenters",
        default=False,
        help_text="A reader's first comment in this league waits until a commissioner or the "
        "writeup's author approves it; after that their comments appear at once.",
    )
    close_comments_after_days = models.PositiveSmallIntegerField(
        "close comments after (days)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Comments close this many days after a writeup is published. Empty: never.",
    )

    class Meta:
        verbose_name_plural = "league reader settings"

    def __str__(self):
        return f"Reader settings of {self.league}"


class DraftReaderSettings(models.Model):
    """A draft's writeup deadline and whether readers may vote. Made on demand."""

    draft = models.OneToOneField(
        Draft, on_delete=models.CASCADE, primary_key=True, related_name="reader_settings"
    )
    writeup_deadline = models.DateTimeField(null=True, blank=True)
    voting_open = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "draft reader settings"

    def __str__(self):
        return f"Reader settings of {self.draft}"


class Writeup(models.Model):
    """The picker's review of a pick: Markdown, and the sanitised HTML rendered once on save."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    pick = models.OneToOneField(Pick, on_delete=models.CASCADE, related_name="writeup")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="writeups"
    )
    body = models.TextField(max_length=30000)
    # Rendered by reviews.markdown on every save, never per request.
    body_html = models.TextField(editable=False)
    # The plain text of a published writeup, for search; empty while it is a draft, so search
    # can never leak an unpublished word.
    public_text = models.TextField(editable=False, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    comments_closed = models.BooleanField(default=False)
    # Goes up with every change to what the comment thread shows (a comment posted, approved,
    # deleted or edited in the admin, comments closed or opened, a commenter's new avatar):
    # the rendered thread is cached under it (reviews/threads.py).
    comments_version = models.PositiveIntegerField(default=1, editable=False)
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-published_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="reviews_writeup_published_has_time",
            ),
        ]
        indexes = [
            # Home page and feeds: the latest published writeups.
            models.Index(fields=["status", "-published_at"], name="reviews_writeup_latest_idx"),
        ]

    def __str__(self):
        return f"Writeup of {self.pick}"

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED


class Comment(models.Model):
    """A reader's comment on a writeup; a reply points at a top-level comment (one level)."""

    class Status(models.TextChoices):
        VISIBLE = "visible", "Visible"
        HELD = "held", "Awaiting moderation"
        REMOVED = "removed", "Removed"

    writeup = models.ForeignKey(Writeup, on_delete=models.CASCADE, related_name="comments")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    author_name = models.CharField(max_length=60)
    # Never shown to anyone: kept so that moderation can recognise a returning commenter.
    author_email = models.EmailField(max_length=254, blank=True)
    author_url = models.URLField(max_length=300, blank=True, validators=[http_url])
    body = models.TextField(max_length=3000)
    body_html = models.TextField(editable=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.VISIBLE)
    # A keyed hash of the poster's IP address, for the rate limit; the address is not stored.
    ip_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(parent=models.F("id")), name="reviews_comment_not_own_parent"
            ),
        ]
        indexes = [
            # Pick page: a writeup's comments in order.
            models.Index(fields=["writeup", "created_at"], name="reviews_comment_thread_idx"),
            # Rate limit: recent comments from one address.
            models.Index(fields=["ip_hash", "created_at"], name="reviews_comment_ip_idx"),
        ]

    def __str__(self):
        return f"{self.author_name} on {self.writeup_id}: {self.body[:40]}"

    @property
    def is_held(self) -> bool:
        return self.status == self.Status.HELD

    @property
    def is_removed(self) -> bool:
        return self.status == self.Status.REMOVED

    @property
    def initials(self) -> str:
        return rules.initials(self.author_name)

    @property
    def hue(self) -> int:
        return rules.title_hue(self.author_name) % 12


class Vote(models.Model):
    """One reader's answer to one question of a draft: "best pick of round N" (a pick) or
    "who won the draft" (a seat). A reader is an account ("u:<id>") or, for anonymous
    readers, a random token kept in a signed cookie ("a:<token>")."""

    DRAFT_QUESTION = "draft"

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="votes")
    # "round-2" or "draft".
    question = models.CharField(max_length=16)
    pick = models.ForeignKey(
        Pick, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    seat = models.ForeignKey(
        Seat, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    voter = models.CharField(max_length=80)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["draft", "question", "created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "question", "voter"], name="reviews_vote_once_per_question"
            ),
            models.CheckConstraint(
                condition=(Q(pick__isnull=False) & Q(seat__isnull=True))
                | (Q(pick__isnull=True) & Q(seat__isnull=False)),
                name="reviews_vote_one_choice",
            ),
        ]

    def __str__(self):
        return f"{self.voter} on {self.question} of {self.draft_id}"

    @staticmethod
    def round_question(round_number: int) -> str:
        return f"round-{round_number}"


class AddressTally(models.Model):
    """One row per (scope, address) that rate limits lock and count on, so two requests at the
    same moment cannot both slip under a limit. The address is a keyed hash (never the IP).

    Scopes: "comments" (a lock row: the comment limit counts recent comments under it) and
    "vote:<draft id>:<question>" (the number of votes cast without an account from there)."""

    scope = models.CharField(max_length=64)
    address = models.CharField(max_length=64)
    count = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "address"], name="reviews_addresstally_once_per_scope"
            ),
        ]

    def __str__(self):
        return f"{self.scope} from {self.address[:8]}…: {self.count}"
