"""A draft: its categories, seats, slots, picks, skips and log."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from draft import rules
from draft.models.leagues import Avatar, League, Membership, Season
from draft.models.movies import Movie


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
    # The season this draft is the draft of: every draft is one, a season has one draft.
    season = models.OneToOneField(Season, on_delete=models.CASCADE, related_name="draft")
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


class Seat(Avatar, models.Model):
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
    # A keeper: the film a member kept from their pick of the season before (`kept_from`),
    # placed in its slot when the draft started. Never on the clock, never undone.
    is_keeper = models.BooleanField(default=False)
    kept_from = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
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
        KEEPER = "keeper", "Keeper placed"
        TRADE = "trade", "Trade"

    # Readers see these kinds in the public log; commissioners see every kind.
    PUBLIC_KINDS = (
        Kind.PICK, Kind.AUTOPICK, Kind.RULING, Kind.SKIP, Kind.UNDO, Kind.START, Kind.COMPLETE,
        Kind.KEEPER, Kind.TRADE,
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


class Keeper(models.Model):
    """A film a member keeps for a season's draft from their pick of the season before, chosen
    before the start (and approved by a commissioner). It costs the seat a pick: `round` (the
    round it was drafted in, one earlier for each season it has been kept). At the start it
    becomes a pick in that slot (`Pick.is_keeper`)."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="keepers")
    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="keepers")
    kept_from = models.ForeignKey(Pick, on_delete=models.CASCADE, related_name="kept_as")
    movie = models.ForeignKey(Movie, on_delete=models.PROTECT, related_name="+")
    round = models.PositiveSmallIntegerField()
    # Open slots: the category the member chose for it (none if a commissioner removed it
    # since: they choose again). Per round, the round's category at the start is the one.
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # When chosen, the film broke the category's rules: it needs a commissioner's ruling (their
    # approval). The start checks the rules again, on the categories as they are then.
    needs_ruling = models.BooleanField(default=False)
    approved = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["draft", "round", "seat"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "movie"], name="draft_keeper_film_once"),
            models.UniqueConstraint(
                fields=["draft", "seat", "round"], name="draft_keeper_one_per_round"
            ),
        ]

    def __str__(self):
        return f"{self.seat.display_name} keeps {self.movie} (round {self.round})"
