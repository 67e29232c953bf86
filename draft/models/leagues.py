"""Leagues, their members and their seasons."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from draft import rules
from draft.models import new_invite_token


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
    seat_new_members = models.BooleanField(
        "seat new members",
        default=True,
        help_text="A member who joins while a draft is being set up gets the next seat in its "
        "order. Off: a commissioner gives out the seats in the draft's console.",
    )
    no_repeat_seasons = models.PositiveSmallIntegerField(
        "seasons before a film may be drafted again",
        default=0,
        validators=[MaxValueValidator(50)],
        help_text="A film drafted in this league in its last N seasons cannot be drafted (a "
        "commissioner's ruling can still allow it). 0: no such rule.",
    )
    keepers_per_member = models.PositiveSmallIntegerField(
        "keepers per member",
        default=0,
        validators=[MaxValueValidator(10)],
        help_text="Each member may keep up to this many films from their picks of the season "
        "before, each costing a pick of the new season: the round it was drafted in, one round "
        "earlier for each season it is kept again. 0: no keepers.",
    )
    keepers_in_round_one = models.BooleanField(
        "a keeper may cost a first-round pick",
        default=False,
        help_text="Off: a film whose cost would be the first round cannot be kept.",
    )

    # The settings of trading, as the league's settings form shows them.
    TRADE_SETTINGS = [
        "trading", "trade_review", "trade_veto_percent", "trade_veto_hours",
        "trade_expiry_hours", "trade_expires_with_pick", "trade_min_clock_seconds",
    ]  # fmt: skip

    class TradeReview(models.TextChoices):
        NONE = "none", "None: an accepted trade is done"
        COMMISSIONER = "commissioner", "A commissioner approves each trade"
        VETO = "veto", "Members may veto it within a window"

    trading = models.BooleanField(
        "members may trade picks",
        default=True,
        help_text="Members propose trades of their unused picks to each other, before and "
        "during a draft.",
    )
    trade_review = models.CharField(
        "trade review", max_length=12, choices=TradeReview.choices, default=TradeReview.NONE
    )
    trade_veto_percent = models.PositiveSmallIntegerField(
        "share of the other members whose vetoes stop a trade (%)",
        default=50,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    trade_veto_hours = models.PositiveSmallIntegerField(
        "veto window (hours)",
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(168)],
        help_text="During a live draft, a review that would outlast the pick on the clock "
        "falls to a commissioner.",
    )
    trade_expiry_hours = models.PositiveSmallIntegerField(
        "a proposal lapses after (hours)",
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(720)],
    )
    trade_expires_with_pick = models.BooleanField(
        "during a live draft, a proposal lapses with the pick on the clock",
        default=True,
        help_text="A proposal made while the clock runs lapses once that pick is made or skipped.",
    )
    trade_min_clock_seconds = models.PositiveIntegerField(
        "clock time at least left to a member given the pick on the clock (seconds)",
        default=120,
        validators=[MaxValueValidator(3600)],
    )
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


class Avatar:
    """What an avatar shows (draft/cells.avatar): initials on one of twelve colours (CSS classes
    hue-0..hue-11), both from `display_name` and stable per name."""

    @property
    def initials(self) -> str:
        return rules.initials(self.display_name)

    @property
    def hue(self) -> int:
        return rules.name_hue(self.display_name)


class Membership(Avatar, models.Model):
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


class Season(models.Model):
    """One year of a league ("2022 Movie Draft"): its draft (draft.models.Draft.season), and its
    place in the league's succession of seasons, which "Start next season" continues and the
    history walks. A season's name is its draft's."""

    league = models.ForeignKey(League, on_delete=models.CASCADE, related_name="seasons")
    # 1 for a league's first season, one more for each after it.
    number = models.PositiveSmallIntegerField()
    # Until when members choose their keepers for this season (none: until the draft starts).
    keeper_deadline = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["league", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["league", "number"], name="draft_season_number_per_league"
            ),
        ]

    def __str__(self):
        return f"Season {self.number} of {self.league}"
