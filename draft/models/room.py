"""The draft room around the board: its chat, the members' queues and their turn mail."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from draft.models.drafts import Draft, Seat
from draft.models.movies import Movie


class ChatMessage(models.Model):
    """A line someone typed in a draft's chat. A commissioner's delete hides it from everyone
    and keeps it, with who deleted it and when.

    The chat's system lines (picks, skips, undos, pauses…) are not rows here: they are the
    draft's log (DraftEvent), merged with the messages by time when the chat is read."""

    # The longest message, in characters: the form, the service and the column all use it.
    MAX_LENGTH = 500

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="chat_messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The name the poster had when they posted; the chat shows a member's current board name.
    author_name = models.CharField(max_length=60)
    text = models.CharField(max_length=MAX_LENGTH)
    created_at = models.DateTimeField(default=timezone.now)
    deleted_at = models.DateTimeField(null=True, blank=True)
    deleted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="draft_chatmessage_not_empty"),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=False) | Q(deleted_by__isnull=True),
                name="draft_chatmessage_deleted_by_needs_time",
            ),
        ]
        indexes = [
            # The chat: a draft's visible messages, newest first, page by page.
            models.Index(
                fields=["draft", "-created_at", "-id"],
                condition=Q(deleted_at__isnull=True),
                name="draft_chat_timeline_idx",
            ),
            # The rate limit: one poster's recent messages in a draft.
            models.Index(fields=["draft", "author", "created_at"], name="draft_chat_poster_idx"),
        ]

    def __str__(self):
        return f"{self.author_name}: {self.text[:40]}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ChatPoster(models.Model):
    """One row per (draft, poster) for the chat's rate limit to lock: a poster's parallel posts
    queue on it, and each counts the poster's recent messages only after the one before it has
    committed (see services.post_chat_message)."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["draft", "user"], name="draft_chatposter_once"),
        ]

    def __str__(self):
        return f"Chat poster {self.user_id} in {self.draft_id}"


class QueueEntry(models.Model):
    """A member's private, ranked wish list for one draft; autopick takes from the top."""

    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="queue")
    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="+")
    rank = models.PositiveIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["seat", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["seat", "movie"], name="draft_queueentry_movie_once"),
            models.UniqueConstraint(fields=["seat", "rank"], name="draft_queueentry_one_per_rank"),
        ]

    def __str__(self):
        return f"{self.rank}. {self.movie}"


class NotificationSettings(models.Model):
    """A user's choice of draft mail; no row means all of it is on."""

    ON_CLOCK = "on_clock"
    UP_NEXT = "up_next"
    TRADES = "trades"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="draft_notifications"
    )
    on_clock = models.BooleanField("Email me when I am on the clock", default=True)
    up_next = models.BooleanField("Email me when I am up next", default=True)
    trades = models.BooleanField(
        "Email me when a trade is proposed to me, and when one of mine is answered",
        default=True,
    )

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self):
        return f"Mail settings of {self.user}"

    def wants(self, kind: str) -> bool:
        return {self.ON_CLOCK: self.on_clock, self.UP_NEXT: self.up_next}.get(kind, self.trades)
