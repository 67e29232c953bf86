"""Leagues, drafts and picks. The database holds the draft's invariants, not just its data."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from draft import rules


def new_invite_token() -> str:
    return secrets.token_urlsafe(16)


class League(models.Model):
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80, unique=True)
    description = models.TextField(blank=True, max_length=2000)
    is_public = models.BooleanField(
        "public",
        default=True,
        help_text="Anyone may watch the drafts and read the picks. Private leagues are members only.",
    )
    invite_token = models.CharField(max_length=40, default=new_invite_token, unique=True)
    time_zone = models.CharField(max_length=64, default="UTC")
    readers_may_chat = models.BooleanField(
        "readers may chat",
        default=False,
        help_text="Signed-in readers of a public league may post in the draft-room chat. "
        "Members always can.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("draft:league", args=[self.slug])


class CurrentMembers(models.Manager):
    """Memberships of people who have not left their league. Every question of access and
    every list of members asks this manager (it is `Membership.objects`), so a member who left
    or was removed is an outsider everywhere at once. Their seats and picks still name them:
    a seat reaches its membership through the base manager, which keeps every row."""

    def get_queryset(self):
        return super().get_queryset().filter(left_at__isnull=True)


class Membership(models.Model):
    """A user in a league, with the name the board shows for them.

    A member who leaves (or is removed) keeps the row, with `left_at` set: the boards of drafts
    they took part in still show their name on their picks."""

    league = models.ForeignKey(League, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    display_name = models.CharField(max_length=60)
    is_commissioner = models.BooleanField(default=False)
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)

    # Current and former members alike: for rejoining.
    everyone = models.Manager()
    objects = CurrentMembers()

    class Meta:
        default_manager_name = "objects"
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["league", "user"], name="draft_membership_once_per_league"
            ),
        ]

    def __str__(self):
        return f"{self.display_name} in {self.league}"

    @property
    def initials(self) -> str:
        return rules.initials(self.display_name)

    @property
    def hue(self) -> int:
        """One of twelve avatar colours (CSS classes hue-0..hue-11), stable per name."""
        return rules.name_hue(self.display_name)


class Movie(models.Model):
    title = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField()
    genres = models.JSONField(default=list, blank=True)
    directors = models.JSONField(default=list, blank=True)
    runtime = models.PositiveSmallIntegerField(null=True, blank=True, help_text="Minutes")
    imdb_id = models.CharField(max_length=12, null=True, blank=True, unique=True)
    tmdb_id = models.PositiveIntegerField(null=True, blank=True, unique=True)
    poster_url = models.URLField(blank=True, max_length=500)
    # Lower case, accents and punctuation removed: what search and duplicate checks compare.
    # Its indexes: the unique (search_title, year) below for lookups by title; for the pick
    # panel's search, the prefix, word-start and trigram indexes of migrations 0002 and 0007
    # (PostgreSQL) or the FTS5 table of 0007 (SQLite), which Django cannot declare here.
    search_title = models.CharField(max_length=200, editable=False)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title", "year"]
        constraints = [
            models.UniqueConstraint(
                fields=["search_title", "year"], name="draft_movie_once_per_title_and_year"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({self.year})"

    def save(self, *args, **kwargs):
        # Spelling out accents, ligatures and "&" can make the search form longer than the
        # title; the column holds as much as the title's.
        limit = self._meta.get_field("search_title").max_length
        self.search_title = rules.normalize_title(self.title)[:limit]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("draft:movie", args=[self.pk])

    @property
    def directors_display(self) -> str:
        return ", ".join(self.directors)

    @property
    def genres_display(self) -> str:
        return ", ".join(self.genres)

    @property
    def hue(self) -> int:
        """One of twelve placeholder colours for a film without a poster (hue-0..hue-11)."""
        return rules.title_hue(self.title) % 12

    @property
    def initial(self) -> str:
        letters = [c for c in self.title if c.isalnum()]
        return letters[0].upper() if letters else "?"


class Draft(models.Model):
    class Status(models.TextChoices):
        SETUP = "setup", "Setting up"
        LIVE = "live", "Live"
        PAUSED = "paused", "Paused"
        COMPLETE = "complete", "Complete"

    class Order(models.TextChoices):
        SNAKE = "snake", "Snake (order reverses every round)"
        LINEAR = "linear", "Linear (same order every round)"

    class CategoryMode(models.TextChoices):
        PER_ROUND = "per_round", "One category per round"
        OPEN_SLOTS = "open_slots", "Open slots (each member fills every category once)"

    class Expiry(models.TextChoices):
        NOTHING = "nothing", "Nothing: show the pick as overdue"
        SKIP = "skip", "Skip the member (they pick later)"
        AUTOPICK = "autopick", "Autopick from the member's queue (skip if it is empty)"

    league = models.ForeignKey(League, on_delete=models.CASCADE, related_name="drafts")
    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SETUP)
    order = models.CharField(max_length=10, choices=Order.choices, default=Order.SNAKE)
    category_mode = models.CharField(
        max_length=12, choices=CategoryMode.choices, default=CategoryMode.PER_ROUND
    )
    # Goes up by one with every change to what the board shows; polls compare it.
    version = models.PositiveIntegerField(default=1)
    # The pick clock. No pick time means no clock.
    pick_seconds = models.PositiveIntegerField(null=True, blank=True)
    first_round_pick_seconds = models.PositiveIntegerField(null=True, blank=True)
    quiet_start = models.TimeField(null=True, blank=True)
    quiet_end = models.TimeField(null=True, blank=True)
    expiry_action = models.CharField(max_length=10, choices=Expiry.choices, default=Expiry.NOTHING)
    clock_slot = models.PositiveIntegerField(null=True, blank=True)
    clock_deadline = models.DateTimeField(null=True, blank=True)
    clock_remaining = models.DurationField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["league", "slug"], name="draft_draft_slug_per_league"),
            models.CheckConstraint(
                condition=Q(version__gte=1), name="draft_draft_version_positive"
            ),
        ]
        indexes = [
            # The worker: drafts whose deadline has passed.
            models.Index(fields=["clock_deadline"], name="draft_draft_deadline_idx"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("draft:board", args=[self.league.slug, self.slug])

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.LIVE

    @property
    def grid_cache_key(self) -> str:
        """Names one rendering of the board grid. The version changes with every change to the
        board, and creation time tells apart drafts that reuse an id (a recreated database)."""
        return f"{self.pk}:{self.version}:{self.created_at.timestamp()}"

    @property
    def is_open_slots(self) -> bool:
        return self.category_mode == self.CategoryMode.OPEN_SLOTS

    @property
    def is_snake(self) -> bool:
        return self.order == self.Order.SNAKE


class Category(models.Model):
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="categories")
    # In per-round mode the category at position r is round r's category.
    position = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    genres = models.JSONField(
        default=list, blank=True, help_text="Any one of these genres qualifies a film."
    )
    year_min = models.PositiveSmallIntegerField(null=True, blank=True)
    year_max = models.PositiveSmallIntegerField(null=True, blank=True)
    max_runtime = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["draft", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "position"], name="draft_category_one_per_position"
            ),
            models.CheckConstraint(
                condition=Q(year_min__isnull=True)
                | Q(year_max__isnull=True)
                | Q(year_min__lte=F("year_max")),
                name="draft_category_year_range_ordered",
            ),
        ]
        verbose_name_plural = "categories"

    def __str__(self):
        return self.name

    @property
    def rule(self) -> rules.CategoryRule:
        return rules.CategoryRule(
            genres=tuple(self.genres),
            year_min=self.year_min,
            year_max=self.year_max,
            max_runtime=self.max_runtime,
        )

    @property
    def rules_text(self) -> str:
        return self.rule.describe()


class Seat(models.Model):
    """A place in a draft's order: a league member's, or (a mock draft's bot) one with only a
    name. Read a seat's name, initials and user through the seat, never through its member."""

    class Kind(models.TextChoices):
        MEMBER = "member", "League member"
        BOT = "bot", "Bot"

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="seats")
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.MEMBER)
    membership = models.ForeignKey(
        Membership, null=True, blank=True, on_delete=models.CASCADE, related_name="seats"
    )
    # The board name of a seat without a member.
    name = models.CharField(max_length=60, blank=True)
    position = models.PositiveSmallIntegerField()
    autopick = models.BooleanField(
        default=False, help_text="Pick from my queue as soon as I come on the clock."
    )

    class Meta:
        ordering = ["draft", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "position"], name="draft_seat_one_per_position"
            ),
            models.UniqueConstraint(
                fields=["draft", "membership"], name="draft_seat_one_per_member"
            ),
            models.CheckConstraint(
                condition=Q(kind="member", membership__isnull=False)
                | Q(kind="bot", membership__isnull=True) & ~Q(name=""),
                name="draft_seat_member_or_named_bot",
            ),
        ]

    def __str__(self):
        return f"{self.display_name} (seat {self.position})"

    @property
    def has_member(self) -> bool:
        return self.membership_id is not None

    @property
    def display_name(self) -> str:
        return self.membership.display_name if self.has_member else self.name

    @property
    def user_id(self) -> int | None:
        """The member's user id; None for a seat without a member."""
        return self.membership.user_id if self.has_member else None

    @property
    def user(self):
        return self.membership.user if self.has_member else None

    @property
    def initials(self) -> str:
        return rules.initials(self.display_name)

    @property
    def hue(self) -> int:
        """The seat's avatar colour: its member's, or its own name's."""
        return rules.name_hue(self.display_name)


class DraftSlot(models.Model):
    """One slot of a started draft and the seat that holds it. Written when the draft starts,
    from the default order (`rules.slot_position`); the original seat never changes, the
    holder (`owner_seat`) is whoever picks there. Every turn question reads the holder."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="slots")
    slot = models.PositiveIntegerField()
    round = models.PositiveSmallIntegerField()
    pick_in_round = models.PositiveSmallIntegerField()
    original_seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="+")
    owner_seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="held_slots")

    class Meta:
        ordering = ["draft", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "slot"], name="draft_draftslot_once"),
            models.UniqueConstraint(
                fields=["draft", "round", "original_seat"], name="draft_draftslot_one_per_round"
            ),
            models.CheckConstraint(condition=Q(slot__gte=1), name="draft_draftslot_positive"),
        ]

    def __str__(self):
        return f"{rules.slot_label(self.round, self.pick_in_round)} of {self.draft}"

    @property
    def label(self) -> str:
        return rules.slot_label(self.round, self.pick_in_round)

    @property
    def is_traded(self) -> bool:
        return self.owner_seat_id != self.original_seat_id


class Pick(models.Model):
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="picks")
    # The overall pick number: slot n of the draft.
    slot = models.PositiveIntegerField()
    round = models.PositiveSmallIntegerField()
    pick_in_round = models.PositiveSmallIntegerField()
    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="picks")
    movie = models.ForeignKey(Movie, on_delete=models.PROTECT, related_name="picks")
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="picks")
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_autopick = models.BooleanField(default=False)
    # The member chose the category (open-slot mode): a seat fills each such category once.
    # In per-round mode the slot's round decides it, and a seat holding two slots of a round
    # picks twice in its category.
    category_chosen = models.BooleanField(default=False)
    # A commissioner approved this pick although it breaks the category's rules.
    is_ruling = models.BooleanField(default=False)
    # The board version this pick made: picks and skips undo in reverse order of it.
    version = models.PositiveIntegerField(default=0)
    # Clock time the slot on the clock had left when this pick was made: what an undo gives
    # back. Null when no clock was running.
    clock_left = models.DurationField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["draft", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "slot"], name="draft_pick_one_per_slot"),
            models.UniqueConstraint(fields=["draft", "movie"], name="draft_pick_movie_once"),
            # Open slots: each seat fills each category once.
            models.UniqueConstraint(
                fields=["seat", "category"],
                condition=Q(category_chosen=True),
                name="draft_pick_category_once",
            ),
            models.CheckConstraint(condition=Q(slot__gte=1), name="draft_pick_slot_positive"),
        ]
        indexes = [
            # Movie page: every draft a film was picked in.
            models.Index(fields=["movie"], name="draft_pick_movie_idx"),
        ]

    def __str__(self):
        return f"{self.label}: {self.movie}"

    def get_absolute_url(self):
        return reverse(
            "pick",
            args=[self.draft.league.slug, self.draft.slug, self.round, self.pick_in_round],
        )

    @property
    def label(self) -> str:
        return rules.slot_label(self.round, self.pick_in_round)


class SkippedSlot(models.Model):
    """A slot whose seat was skipped. Its member may still fill it; a Pick then shares the slot."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="skipped_slots")
    slot = models.PositiveIntegerField()
    # As on Pick: the board version the skip made, and the clock time the slot had left.
    version = models.PositiveIntegerField(default=0)
    clock_left = models.DurationField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["draft", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "slot"], name="draft_skippedslot_once"),
        ]

    def __str__(self):
        return f"Skipped slot {self.slot} of {self.draft}"


class DraftEvent(models.Model):
    """The audit log: every change to a draft, who made it and when."""

    class Kind(models.TextChoices):
        CREATE = "create", "Draft created"
        SETUP = "setup", "Setup changed"
        ORDER = "order", "Order changed"
        START = "start", "Draft started"
        PICK = "pick", "Pick"
        AUTOPICK = "autopick", "Autopick"
        RULING = "ruling", "Ruling"
        SKIP = "skip", "Skip"
        UNDO = "undo", "Undone"
        PAUSE = "pause", "Paused"
        RESUME = "resume", "Resumed"
        COMPLETE = "complete", "Draft complete"
        NAME = "name", "Name on the board changed"

    # Readers see these kinds in the public log; commissioners see every kind.
    PUBLIC_KINDS = (
        Kind.PICK, Kind.AUTOPICK, Kind.RULING, Kind.SKIP, Kind.UNDO, Kind.START, Kind.COMPLETE,
    )  # fmt: skip
    # The kinds that put a pick on the board: the film and category say which.
    PICK_KINDS = (Kind.PICK, Kind.AUTOPICK, Kind.RULING)
    # The kinds the draft-room chat shows as system lines, between the messages.
    CHAT_KINDS = (*PUBLIC_KINDS, Kind.PAUSE, Kind.RESUME)

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    slot = models.PositiveIntegerField(null=True, blank=True)
    # For picks: what was picked, so the log alone can rebuild the board.
    movie = models.ForeignKey(
        Movie, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Unbounded: a summary names films and rules, and no title may make a log line fail.
    summary = models.TextField()
    version = models.PositiveIntegerField()
    # Set by the service to the instant it worked with, so the log replays the clock exactly.
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-id"]
        indexes = [
            # Draft log page, newest first.
            models.Index(fields=["draft", "-id"], name="draft_event_log_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.summary}"

    @property
    def is_public(self) -> bool:
        return self.kind in self.PUBLIC_KINDS


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
    """A user's choice of draft mail; no row means both are on."""

    ON_CLOCK = "on_clock"
    UP_NEXT = "up_next"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="draft_notifications"
    )
    on_clock = models.BooleanField("Email me when I am on the clock", default=True)
    up_next = models.BooleanField("Email me when I am up next", default=True)

    class Meta:
        verbose_name_plural = "notification settings"

    def __str__(self):
        return f"Mail settings of {self.user}"

    def wants(self, kind: str) -> bool:
        return self.on_clock if kind == self.ON_CLOCK else self.up_next
