"""A league's seasons: "Start next season" makes the next season's draft from the last one."""

import random
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from draft import narration, signals
from draft.models import Category, Draft, DraftEvent, League, Membership, Season, Seat
from draft.services.setup import CategorySpec, create_draft
from draft.services.writing import record_change, require_commissioner

# What the next season's draft copies from the last one, besides its categories and seats.
COPIED_SETTINGS = [
    "order", "category_mode", "pick_seconds", "first_round_pick_seconds", "quiet_start",
    "quiet_end", "expiry_action",
]  # fmt: skip


class NextOrder:
    """How the seats of the next season are ordered."""

    KEEP = "keep"
    RANDOM = "random"
    CHOICES = [
        (KEEP, "Keep last season's order"),
        (RANDOM, "Randomise it"),
    ]


@dataclass(frozen=True)
class Renewal:
    """What "Start next season" would do, for the page that asks."""

    last: Draft
    name: str  # the suggested name: last season's with its year moved on ("2022 Movie Draft")
    seated: list[Membership]  # members of last season still in the league, in its order
    left: list[str]  # seats of last season that are not carried over (members who left, bots)
    newcomers: list[Membership]  # members who had no seat last season


def latest_season(league: League) -> Season | None:
    return Season.objects.filter(league=league).select_related("draft").first()


def next_name(name: str) -> str:
    """Last season's name with its year moved on by one ("2021 Movie Draft" -> "2022 Movie
    Draft"); without a year, the name and "(next season)"."""
    years = list(re.finditer(r"(?<!\d)(19|20)\d\d(?!\d)", name))
    if not years:
        return f"{name} (next season)"[:80]
    last = years[-1]
    return name[: last.start()] + str(int(last.group()) + 1) + name[last.end() :]


def renewal(league: League) -> Renewal | None:
    """What the next season would copy, or None when the league has no season yet."""
    season = latest_season(league)
    if season is None:
        return None
    last = season.draft
    seats = list(
        Seat.objects.filter(draft=last).select_related("membership__user").order_by("position")
    )
    current = {m.pk: m for m in Membership.objects.filter(league=league).select_related("user")}
    seated = [current[s.membership_id] for s in seats if s.membership_id in current]
    left = [s.display_name for s in seats if s.membership_id not in current]
    had_seat = {m.pk for m in seated}
    newcomers = [m for m in current.values() if m.pk not in had_seat]
    newcomers.sort(key=lambda m: (m.joined_at, m.pk))
    return Renewal(last=last, name=next_name(last.name), seated=seated, left=left,
                   newcomers=newcomers)  # fmt: skip


@transaction.atomic
def start_next_season(*, league: League, actor, name: str, order: str = NextOrder.KEEP) -> Draft:
    """The league's next season and its draft, in setup: the last season's categories with
    their rules, its order type, category mode, clock, quiet hours, what happens when the time
    runs out, and whether readers may vote; its seats, in its order (or shuffled), for the
    members still in the league. Members who left are not seated, nor bot seats; members who
    had no seat are seated after the others when the league seats new members. Nothing of the
    last season changes. Only once the last season's draft is over."""
    require_commissioner(league, actor)
    if order not in (NextOrder.KEEP, NextOrder.RANDOM):
        raise ValidationError("Choose how to order the seats.")
    # Locked (the league's row, as creating any draft does) before anything is read, so two
    # commissioners starting the next season at once make one.
    League.objects.select_for_update(no_key=True).filter(pk=league.pk).first()
    plan = renewal(league)
    if plan is None:
        raise ValidationError("This league has no season yet: set up its first draft.")
    last = plan.last
    if last.status != Draft.Status.COMPLETE:
        raise ValidationError(
            f"{last.name} is not over yet: the next season starts once its last pick is in."
        )
    seats = list(plan.seated)
    if order == NextOrder.RANDOM:
        random.SystemRandom().shuffle(seats)
    if league.seat_new_members:
        seats += plan.newcomers
    categories = [
        CategorySpec(
            name=c.name,
            description=c.description,
            genres=tuple(c.genres),
            year_min=c.year_min,
            year_max=c.year_max,
            max_runtime=c.max_runtime,
        )
        for c in Category.objects.filter(draft=last).order_by("position")
    ]
    draft = create_draft(
        league=league,
        actor=actor,
        name=name,
        categories=categories,
        seat_memberships=seats,
        **{field: getattr(last, field) for field in ("order", "category_mode")},
    )
    for field in COPIED_SETTINGS:
        setattr(draft, field, getattr(last, field))
    record_change(
        draft,
        DraftEvent.Kind.SETUP,
        narration.season_renewed(last.name),
        actor=actor,
        fields=COPIED_SETTINGS,
    )
    # What the apps built on drafts keep per draft is theirs to carry over (reviews: voting).
    signals.next_season_started.send(sender=Draft, last=last, draft=draft)
    return draft
