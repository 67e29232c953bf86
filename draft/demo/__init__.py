"""The demo league that `make run` loads: bloggers, a catalog, and a draft under way."""

from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction

DEMO_PASSWORD = "draftnight"

# username, first name, last name; the first is the league's commissioner.
BLOGGERS = [
    ("carla", "Carla", "Commish"),
    ("dylan", "Strange", "Dylan"),
    ("maya", "Maya", "Reel"),
    ("theo", "Theo", "Frames"),
    ("priya", "Priya", "Noir"),
    ("sam", "Sam", "Sprockets"),
    ("june", "June", "Matinee"),
    ("omar", "Omar", "Cutaway"),
]


@dataclass
class SeedSummary:
    headline: str
    logins: list[str] = field(default_factory=list)


@transaction.atomic
def seed_demo() -> SeedSummary:
    User = get_user_model()
    created = 0
    logins = []
    for index, (username, first, last) in enumerate(BLOGGERS):
        user, was_created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        if was_created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            created += 1
        role = "commissioner" if index == 0 else "member"
        logins.append(f"{username:<8} {first} {last} ({role})")
    headline = (
        f"Demo league ready: {created} bloggers created, {len(BLOGGERS) - created} already there."
    )
    return SeedSummary(headline=headline, logins=logins)
