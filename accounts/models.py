from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone


class User(AbstractUser):
    """A person with an account: a member of one or more leagues, and a blogger."""

    class Meta(AbstractUser.Meta):
        swappable = "AUTH_USER_MODEL"
        ordering = ["username"]

    def __str__(self):
        return self.display_name

    @property
    def display_name(self) -> str:
        """The person's name as the site shows it outside a league (a league shows its own
        name for them, `Membership.display_name`): their full name, or the username when they
        gave none."""
        return (self.get_full_name() or self.username)[:60]


class PasswordResetRequest(models.Model):
    """Someone asked for a password reset link for this address, and the worker has not mailed
    it yet (accounts/services.py).

    The request writes only this row, whether or not the address has an account, so neither
    its answer nor its time tells anyone which addresses are known. The worker looks the
    address up, writes the mail (none for an unknown address) and deletes the row.
    """

    # As typed (Django's EmailField strips the spaces): the worker matches it to accounts by
    # Django's own rules, case-insensitively.
    email = models.CharField(max_length=254)
    requested_at = models.DateTimeField(default=timezone.now)
    # Waiting: not before this. Claimed: the claim runs out then (a worker that died or failed
    # on it leaves the request to be tried again).
    due_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The worker's scan: requests due to be mailed.
            models.Index(fields=["due_at"], name="accounts_reset_due_idx"),
        ]

    def __str__(self):
        return f"Password reset for {self.email} ({self.requested_at:%Y-%m-%d %H:%M})"
