"""Trades of picks between the seats of a draft: proposals, counters, reviews and vetoes; and
who holds a pick of a draft that has not started yet (its slots are not drawn)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from draft.models.drafts import Draft, Seat
from draft.models.leagues import Membership


class Trade(models.Model):
    """A proposal from one seat to another: picks for picks. Accepted (and, as the league says,
    approved or not vetoed) it completes under the draft's lock: the picks change hands, an act
    of the draft like a pick (`version`), which an undo takes back while it is the last one."""

    class Status(models.TextChoices):
        PROPOSED = "proposed", "Waiting for an answer"
        REVIEW = "review", "Accepted, waiting for review"
        COMPLETED = "completed", "Completed"
        DECLINED = "declined", "Declined"
        COUNTERED = "countered", "Countered"
        WITHDRAWN = "withdrawn", "Withdrawn"
        EXPIRED = "expired", "Expired"
        VETOED = "vetoed", "Vetoed"
        REJECTED = "rejected", "Turned down by a commissioner"
        FAILED = "failed", "Fell through"
        UNDONE = "undone", "Undone"

    # A proposal still to be answered or reviewed.
    OPEN = (Status.PROPOSED, Status.REVIEW)
    # The longest message a proposal carries, in characters.
    MESSAGE_LENGTH = 280

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="trades")
    # The two sides. A seat removed before the start (its member left) leaves the trade in the
    # history, under the names its summary gives.
    proposer = models.ForeignKey(Seat, null=True, on_delete=models.SET_NULL, related_name="+")
    receiver = models.ForeignKey(Seat, null=True, on_delete=models.SET_NULL, related_name="+")
    message = models.CharField(max_length=MESSAGE_LENGTH, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    # The proposal this one answers with other terms (a counter replaces it).
    replaces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the trade swaps, in words, as it was proposed ("Ana's 2.04 for Bob's 3.01").
    summary = models.TextField()
    created_at = models.DateTimeField()
    # Unanswered by then, the proposal lapses. None: it waits as long as the draft does.
    expires_at = models.DateTimeField(null=True, blank=True)
    # Made while the clock ran (and the league says so): it lapses once this slot is settled.
    lapses_after_slot = models.PositiveIntegerField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    # Review by veto: the trade completes at this instant unless enough members veto it.
    review_until = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why it ended as it did, when that needs saying ("2.04 was used before the review ended").
    note = models.TextField(blank=True)
    # A completed trade of a started draft: the board version it made (acts undo in reverse
    # order of it) and the clock time the slot on the clock had left then.
    version = models.PositiveIntegerField(null=True, blank=True)
    clock_left = models.DurationField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(proposer=models.F("receiver")), name="draft_trade_two_sides"
            ),
        ]
        indexes = [models.Index(fields=["draft", "status"], name="draft_trade_open_idx")]

    def __str__(self):
        return f"{self.summary} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN


class TradeItem(models.Model):
    """One pick a trade moves: a draft's pick of `round` drawn for `original_seat` (its board
    column), from the seat offering it to the other side. In a started draft that is one slot."""

    trade = models.ForeignKey(Trade, on_delete=models.CASCADE, related_name="items")
    round = models.PositiveSmallIntegerField()
    # Null once the seat is removed (before the start): the label still says which pick it was.
    original_seat = models.ForeignKey(Seat, null=True, on_delete=models.SET_NULL, related_name="+")
    from_seat = models.ForeignKey(Seat, null=True, on_delete=models.SET_NULL, related_name="+")
    to_seat = models.ForeignKey(Seat, null=True, on_delete=models.SET_NULL, related_name="+")
    # The slot as the proposal saw it ("2.04"; "Round 2 (Ana's)" before the order is drawn).
    label = models.CharField(max_length=80)

    class Meta:
        ordering = ["trade", "round", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trade", "round", "original_seat"], name="draft_tradeitem_once"
            ),
        ]

    def __str__(self):
        return self.label


class TradeVeto(models.Model):
    """A member's veto of a trade waiting in the league's veto window: who and when."""

    trade = models.ForeignKey(Trade, on_delete=models.CASCADE, related_name="vetoes")
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["trade", "membership"], name="draft_tradeveto_once"),
        ]

    def __str__(self):
        return f"Veto of trade {self.trade_id}"


class HeldPick(models.Model):
    """A pick of a draft not started yet, held by another seat than the one it is drawn for (a
    trade made before the start: next season's picks). Its slot is not known until the order
    is drawn; `start_draft` writes it into the slot's row (`DraftSlot.owner_seat`)."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="held_picks")
    round = models.PositiveSmallIntegerField()
    original_seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="+")
    owner_seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="+")
    # The seat it came from in its last trade: where it goes back if its holder leaves.
    came_from = models.ForeignKey(
        Seat, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["draft", "round", "original_seat"]
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "round", "original_seat"], name="draft_heldpick_once"
            ),
        ]

    def __str__(self):
        return f"Round {self.round} of seat {self.original_seat_id}, held by {self.owner_seat_id}"
