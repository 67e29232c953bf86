"""Who won: a draft's results set-up (score columns with weights), the values a commissioner
enters by hand, members' own film ratings (a Letterboxd export), the standings kept when the
results lock, and the stats and average draft positions worked out when a draft completes.
Builds on `draft` and `reviews` (reader votes); neither imports this one."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from draft.models import Draft, Movie, Pick, Seat


class ResultsSetup(models.Model):
    """How a draft's results are worked out. Made on demand: no row means "Readers decide",
    open. Locked at `lock_at` (the results date) or when a commissioner locks them: the values
    used are then kept in `frozen`, so a later import or vote never changes a decided season."""

    class Preset(models.TextChoices):
        READERS = "readers", "Readers decide"
        BLOG = "blog", "Blog league"
        CRITICS = "critics", "Critics"
        CUSTOM = "custom", "Own columns"

    draft = models.OneToOneField(
        Draft, on_delete=models.CASCADE, primary_key=True, related_name="results_setup"
    )
    preset = models.CharField(max_length=10, choices=Preset.choices, default=Preset.READERS)
    lock_at = models.DateTimeField("results date", null=True, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # At the lock: every column's value for every pick and seat, as results.scoring read them.
    frozen = models.JSONField(null=True, blank=True, editable=False)
    # Goes up with every change to the set-up or its values.
    version = models.PositiveIntegerField(default=1, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(locked_at__isnull=True) | Q(frozen__isnull=False),
                name="results_setup_locked_has_values",
            ),
        ]

    def __str__(self):
        return f"Results of {self.draft}"

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None

    def is_due(self, now=None) -> bool:
        """The results date has passed and the results are not locked yet."""
        now = now or timezone.now()
        return not self.is_locked and self.lock_at is not None and self.lock_at <= now


class ScoreColumn(models.Model):
    """One column of a draft's standings: where its values come from, its weight, and how its
    values are made comparable between members."""

    class Kind(models.TextChoices):
        VOTES = "votes", "Reader votes"
        IMDB = "imdb", "IMDb rating"
        LEAGUE = "league", "League rating"
        MANUAL = "manual", "Own column"

    class Scale(models.TextChoices):
        RANK = "rank", "Rank within the draft"
        SCALE = "scale", "Scaled 0–100"

    class Combine(models.TextChoices):
        TOTAL = "total", "Total of the member's picks"
        AVERAGE = "average", "Average of the member's picks"

    setup = models.ForeignKey(ResultsSetup, on_delete=models.CASCADE, related_name="columns")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(max_length=60)
    unit = models.CharField(max_length=20, blank=True)
    weight = models.PositiveSmallIntegerField(
        default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    scale = models.CharField(max_length=8, choices=Scale.choices, default=Scale.RANK)
    # How a member's picks add up in an own column (ratings average, votes add up).
    combine = models.CharField(max_length=8, choices=Combine.choices, default=Combine.TOTAL)

    class Meta:
        ordering = ["setup", "position"]
        constraints = [
            models.UniqueConstraint(fields=["setup", "position"], name="results_column_once"),
            models.CheckConstraint(
                condition=Q(weight__gte=1) & Q(weight__lte=100), name="results_column_weight"
            ),
        ]

    def __str__(self):
        return f"{self.name} ({self.weight}×)"

    @property
    def is_manual(self) -> bool:
        return self.kind == self.Kind.MANUAL


class ManualValue(models.Model):
    """A pick's value in an own column, entered in the browser or uploaded as CSV."""

    column = models.ForeignKey(ScoreColumn, on_delete=models.CASCADE, related_name="values")
    pick = models.ForeignKey(Pick, on_delete=models.CASCADE, related_name="+")
    value = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["column", "pick"], name="results_value_once"),
        ]

    def __str__(self):
        return f"{self.column}: {self.pick_id} = {self.value}"


class MemberRating(models.Model):
    """A member's own rating of a film, from their Letterboxd export (ratings.csv): half stars
    from 0.5 to 5. A new upload replaces the rating of every film it names."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="film_ratings"
    )
    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="member_ratings")
    rating = models.DecimalField(
        max_digits=2,
        decimal_places=1,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("5"))],
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "movie"], name="results_rating_once"),
            models.CheckConstraint(
                condition=Q(rating__gte=Decimal("0.5")) & Q(rating__lte=Decimal("5")),
                name="results_rating_range",
            ),
        ]
        indexes = [models.Index(fields=["movie"], name="results_rating_movie_idx")]

    def __str__(self):
        return f"{self.user_id} rates {self.movie_id}: {self.rating}"


class LetterboxdLink(models.Model):
    """Which catalog film a Letterboxd address (the "Letterboxd URI" of an export,
    https://boxd.it/…) is: learnt when a member's row matched by title and year, so the next
    upload naming it matches by address first, whatever its title says."""

    uri = models.CharField(max_length=200, unique=True)
    movie = models.ForeignKey(Movie, on_delete=models.CASCADE, related_name="+")

    def __str__(self):
        return f"{self.uri} is {self.movie_id}"


class Standing(models.Model):
    """A seat's place in a draft's locked results: what the history and blogger pages show.
    Written whole when the results lock, removed when a commissioner opens them again."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="standings")
    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="standings")
    rank = models.PositiveSmallIntegerField()
    total = models.DecimalField(max_digits=6, decimal_places=2)
    champion = models.BooleanField(default=False)

    class Meta:
        ordering = ["draft", "rank", "seat__position"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "seat"], name="results_standing_once"),
        ]
        indexes = [models.Index(fields=["draft", "champion"], name="results_standing_champion_idx")]

    def __str__(self):
        return f"{self.seat} #{self.rank} in {self.draft}"


class DraftStats(models.Model):
    """What a completed draft's members drafted and how (results.stats), worked out once when
    the draft completes or its results lock, never per request. Stale when the draft's version
    or its lock moved on (an undo reopened it, a commissioner locked the results)."""

    draft = models.OneToOneField(
        Draft, on_delete=models.CASCADE, primary_key=True, related_name="stats"
    )
    draft_version = models.PositiveIntegerField()
    results_version = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "draft stats"

    def __str__(self):
        return f"Stats of {self.draft}"


class FilmAdp(models.Model):
    """A film's average draft position across every completed public draft: its slot as a share
    of its draft's length (0 first, 1 last), and in how many drafts."""

    movie = models.OneToOneField(
        Movie, on_delete=models.CASCADE, primary_key=True, related_name="adp"
    )
    position = models.FloatField()
    drafts = models.PositiveIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(position__gte=0) & Q(position__lte=1), name="results_adp_share"
            ),
        ]

    def __str__(self):
        return f"ADP of {self.movie_id}: {self.position:.3f} over {self.drafts}"
