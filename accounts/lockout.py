"""The login lockout's two limits (django-axes' database handler, with the second added).

- LOGIN_FAILURE_LIMIT wrong passwords for one username from one address: a person mistyping,
  or one machine guessing. It pauses that pair only.
- LOGIN_ACCOUNT_FAILURE_LIMIT wrong passwords for one username from any addresses: guesses
  spread over many addresses (a botnet, or forged X-Forwarded-For before proxies were
  trusted by name) cannot go on past it. It pauses the account for everyone, its owner too,
  who can lift it with a password reset.

Both count within LOGIN_LOCKOUT_MINUTES. axes counts each of its lockout parameters
(settings.AXES_LOCKOUT_PARAMETERS: the pair, then the username) and compares the largest with
one limit; this handler puts the account's count on that same scale, so the account is locked
exactly when it reaches its own limit.
"""

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum


class LoginAttempts(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        per_address, per_account = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        return max(
            per_address,
            per_account * settings.AXES_FAILURE_LIMIT // settings.LOGIN_ACCOUNT_FAILURE_LIMIT,
        )
