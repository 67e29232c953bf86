"""Setting up a draft before it starts: the draft itself, its settings and clock, its
categories and seats, the order.
"""

import random
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from draft import clock, narration
from draft.models import Category, Draft, DraftEvent, League, Membership, Season, Seat
from draft.services.turns import open_running
from draft.services.writing import (
    draft_write,
    insert_with_unique_slug,
    lock_for_setup,
    log_act,
    move_item,
    record_change,
    renumber,
    require_commissioner,
    save_run,
    slug_candidates,
)

# The league's own pages under /leagues/<league>/: a draft may not take their addresses.
RESERVED_DRAFT_SLUGS = {
    "join",
    "settings",
    "new-draft",
    "members",
    "next-season",
    "history",
    "stats",
}


@dataclass(frozen=True)
class CategorySpec:
    name: str
    description: str = ""
    genres: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    max_runtime: int | None = None


def _check_category(spec: CategorySpec) -> None:
    if not spec.name.strip():
        raise ValidationError("Every category needs a name.")
    if spec.year_min and spec.year_max and spec.year_min > spec.year_max:
        raise ValidationError(
            f"{spec.name}: the earliest year ({spec.year_min}) is after the latest ({spec.year_max})."
        )


@transaction.atomic
def create_draft(
    *,
    league: League,
    actor,
    name: str,
    order: str = Draft.Order.SNAKE,
    category_mode: str = Draft.CategoryMode.PER_ROUND,
    categories: list[CategorySpec] = (),
    seat_memberships: list[Membership] | None = None,
) -> Draft:
    """Create a draft in setup. Seats default to every member of the league, in join order."""
    require_commissioner(league, actor)
    name = name.strip()
    if not visible(name):
        raise ValidationError("The draft needs a name.")
    for spec in categories:
        _check_category(spec)
    if seat_memberships is None:
        seat_memberships = list(
            Membership.objects.filter(league=league).order_by("joined_at", "pk")
        )
    if any(m.league_id != league.pk for m in seat_memberships):
        raise ValidationError("Only members of this league can have a seat.")
    season = open_season(league)
    draft = insert_with_unique_slug(
        lambda slug: Draft.objects.create(
            league=league,
            season=season,
            name=name,
            slug=slug,
            order=order,
            category_mode=category_mode,
        ),
        slug_candidates(name, "draft", RESERVED_DRAFT_SLUGS, secret=False),
        lambda slug: Draft.objects.filter(league=league, slug=slug).exists(),
    )
    Category.objects.bulk_create(
        Category(draft=draft, position=position, **_category_fields(spec))
        for position, spec in enumerate(categories, start=1)
    )
    Seat.objects.bulk_create(
        Seat(draft=draft, membership=membership, position=position)
        for position, membership in enumerate(seat_memberships, start=1)
    )
    DraftEvent.objects.create(
        draft=draft,
        kind=DraftEvent.Kind.CREATE,
        actor=actor,
        summary=narration.created(name),
        version=draft.version,
    )
    return draft


def visible(text: str) -> bool:
    """Whether `text` shows anything: a name of spaces, zero-width spaces or control characters
    alone would be an invisible heading and link."""
    return any(not unicodedata.category(ch).startswith(("C", "Z")) for ch in text)


@transaction.atomic
def open_season(league: League) -> Season:
    """The league's next season (numbered one after its latest). The league's row is locked
    first (until the caller's transaction ends), so two drafts created at once get one number
    each."""
    League.objects.select_for_update(no_key=True).filter(pk=league.pk).first()
    latest = Season.objects.filter(league=league).aggregate(latest=Max("number"))["latest"]
    return Season.objects.create(league=league, number=(latest or 0) + 1)


def _category_fields(spec: CategorySpec) -> dict:
    return {
        "name": spec.name.strip(),
        "description": spec.description.strip(),
        "genres": list(spec.genres),
        "year_min": spec.year_min,
        "year_max": spec.year_max,
        "max_runtime": spec.max_runtime,
    }


@draft_write
def update_draft_settings(
    *, draft_id: int, actor, name: str, order: str, category_mode: str
) -> Draft:
    draft = lock_for_setup(draft_id, actor)
    if not visible(name.strip()):
        raise ValidationError("The draft needs a name.")
    draft.name, draft.order, draft.category_mode = name.strip(), order, category_mode
    record_change(
        draft,
        DraftEvent.Kind.SETUP,
        narration.SETTINGS_CHANGED,
        actor=actor,
        fields=["name", "order", "category_mode"],
    )
    return draft


@draft_write
def update_clock_settings(
    *,
    draft_id: int,
    actor,
    pick_seconds: int | None,
    first_round_pick_seconds: int | None = None,
    quiet_start=None,
    quiet_end=None,
    expiry_action: str = Draft.Expiry.NOTHING,
) -> Draft:
    """Clock settings can change at any time: the slot on the clock starts again with the new
    time (paused, it gets the new time at the resume)."""
    now = timezone.now()
    state = open_running(draft_id, now, commissioner=actor)
    for seconds in (pick_seconds, first_round_pick_seconds):
        if seconds is not None and not (
            clock.MIN_PICK_SECONDS <= seconds <= clock.MAX_PICK_SECONDS
        ):
            raise ValidationError("A pick time runs from 30 seconds to 14 days.")
    if (quiet_start is None) != (quiet_end is None) or (quiet_start and quiet_start == quiet_end):
        raise ValidationError("Quiet hours need a start and a different end, or neither.")
    draft = state.draft
    draft.pick_seconds = pick_seconds
    draft.first_round_pick_seconds = first_round_pick_seconds if pick_seconds else None
    draft.quiet_start, draft.quiet_end = quiet_start, quiet_end
    draft.expiry_action = expiry_action
    state.restart_clock(now)
    log_act(state, DraftEvent.Kind.SETUP, narration.CLOCK_CHANGED, now=now, actor=actor)
    save_run(state, *CLOCK_SETTING_FIELDS)
    return draft


CLOCK_SETTING_FIELDS = [
    "pick_seconds", "first_round_pick_seconds", "quiet_start", "quiet_end", "expiry_action",
]  # fmt: skip


@draft_write
def add_category(*, draft_id: int, actor, spec: CategorySpec) -> Category:
    draft = lock_for_setup(draft_id, actor)
    _check_category(spec)
    position = Category.objects.filter(draft=draft).count() + 1
    category = Category.objects.create(draft=draft, position=position, **_category_fields(spec))
    record_change(
        draft, DraftEvent.Kind.SETUP, narration.category_added(category.name), actor=actor
    )
    return category


@draft_write
def update_category(*, draft_id: int, actor, category_id: int, spec: CategorySpec) -> Category:
    draft = lock_for_setup(draft_id, actor)
    _check_category(spec)
    category = Category.objects.filter(draft=draft, pk=category_id).first()
    if category is None:
        raise ValidationError("That category is not in this draft.")
    fields = _category_fields(spec)
    for key, value in fields.items():
        setattr(category, key, value)
    category.save(update_fields=list(fields))
    record_change(
        draft, DraftEvent.Kind.SETUP, narration.category_changed(category.name), actor=actor
    )
    return category


@draft_write
def remove_category(*, draft_id: int, actor, category_id: int) -> None:
    draft = lock_for_setup(draft_id, actor)
    categories = list(Category.objects.filter(draft=draft).order_by("position"))
    doomed = next((c for c in categories if c.pk == category_id), None)
    if doomed is None:
        raise ValidationError("That category is not in this draft.")
    # The rest first: delete() sets doomed.pk to None, so filtering afterwards would keep it.
    rest = [c for c in categories if c.pk != category_id]
    doomed.delete()
    renumber(Category, rest)
    record_change(
        draft, DraftEvent.Kind.SETUP, narration.category_removed(doomed.name), actor=actor
    )


@draft_write
def move_category(*, draft_id: int, actor, category_id: int, offset: int) -> None:
    draft = lock_for_setup(draft_id, actor)
    categories = list(Category.objects.filter(draft=draft).order_by("position"))
    move_item(categories, category_id, offset, "category")
    renumber(Category, categories)
    record_change(draft, DraftEvent.Kind.SETUP, narration.CATEGORIES_REORDERED, actor=actor)


def seat_member(draft: Draft, membership: Membership, *, actor) -> Seat | None:
    """Give a member the next seat of a draft being set up (its row locked by the caller);
    None when they have one already."""
    if Seat.objects.filter(draft=draft, membership=membership).exists():
        return None
    position = Seat.objects.filter(draft=draft).count() + 1
    seat = Seat.objects.create(draft=draft, membership=membership, position=position)
    record_change(
        draft,
        DraftEvent.Kind.ORDER,
        narration.seat_given(membership.display_name, position),
        actor=actor,
    )
    return seat


@draft_write
def add_seat(*, draft_id: int, actor, membership: Membership) -> Seat:
    draft = lock_for_setup(draft_id, actor)
    if membership.league_id != draft.league_id:
        raise ValidationError("Only members of this league can have a seat.")
    seat = seat_member(draft, membership, actor=actor)
    if seat is None:
        raise ValidationError(f"{membership.display_name} already has a seat.")
    return seat


@draft_write
def seat_everyone(*, draft_id: int, actor) -> list[Seat]:
    """Seat every member of the league without a seat, by name, after the seats there are."""
    draft = lock_for_setup(draft_id, actor)
    unseated = (
        Membership.objects.filter(league_id=draft.league_id)
        .exclude(seats__draft=draft)
        .order_by("display_name", "pk")
    )
    seats = [seat_member(draft, membership, actor=actor) for membership in unseated]
    if not seats:
        raise ValidationError("Every member of the league has a seat already.")
    return seats


@draft_write
def remove_seat(*, draft_id: int, actor, seat_id: int) -> None:
    draft = lock_for_setup(draft_id, actor)
    seats = list(Seat.objects.filter(draft=draft).select_related("membership").order_by("position"))
    doomed = next((s for s in seats if s.pk == seat_id), None)
    if doomed is None:
        raise ValidationError("That seat is not in this draft.")
    # The rest first: delete() sets doomed.pk to None, so filtering afterwards would keep it.
    rest = [s for s in seats if s.pk != seat_id]
    doomed.delete()
    renumber(Seat, rest)
    record_change(
        draft,
        DraftEvent.Kind.ORDER,
        narration.seat_removed(doomed.display_name),
        actor=actor,
    )


@draft_write
def move_seat(*, draft_id: int, actor, seat_id: int, offset: int) -> None:
    draft = lock_for_setup(draft_id, actor)
    seats = list(Seat.objects.filter(draft=draft).select_related("membership").order_by("position"))
    move_item(seats, seat_id, offset, "seat")
    renumber(Seat, seats)
    order = ", ".join(s.display_name for s in seats)
    record_change(draft, DraftEvent.Kind.ORDER, narration.order_set(order), actor=actor)


@dataclass(frozen=True)
class NewOrder:
    seats: list[Seat]
    unchanged: bool  # two seats can come out as they were: the console says so


@draft_write
def randomize_order(*, draft_id: int, actor, rng: random.Random | None = None) -> NewOrder:
    """Shuffle the seats. With three or more seats the new order always differs from the old
    one (a commissioner who presses "Randomise" expects a change); with two it is a coin toss,
    and `unchanged` says when it came out the same."""
    draft = lock_for_setup(draft_id, actor)
    seats = list(Seat.objects.filter(draft=draft).select_related("membership").order_by("position"))
    before = [s.pk for s in seats]
    rng = rng or random.SystemRandom()
    rng.shuffle(seats)
    while len(seats) >= 3 and [s.pk for s in seats] == before:
        rng.shuffle(seats)
    renumber(Seat, seats)
    order = ", ".join(s.display_name for s in seats)
    record_change(draft, DraftEvent.Kind.ORDER, narration.order_randomised(order), actor=actor)
    return NewOrder(seats=seats, unchanged=[s.pk for s in seats] == before)
