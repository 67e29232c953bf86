"""Every write to a league or a draft.

A draft service is a check-then-do around the draft's state (`draft/state.py`, the one owner
of the turn):

    with transaction.atomic():                       # @draft_write
        draft = the draft row, locked                # every writer, first thing
        state = DraftState.load(draft)
        apply an expired clock                       # the clock before anything else
        plan = check_…(state, …)                     # refuses with a ValidationError, writes nothing
        do it: write the rows, let the state apply the change, log one event per act
        settle: autopicks, completion, the next turn's mail (outbox rows, same transaction)
        save the draft's run fields (update_fields)

Lock order, everywhere (the worker's included): the draft row first, then anything else
(seats, queue entries, picks). The draft row is locked FOR NO KEY UPDATE: writers queue on it,
while inserts elsewhere whose foreign keys only need a KEY SHARE lock on it (an event, a
vote) are not held up. Two members, a double click, a queue edit, the commissioner and the
clock worker therefore never interleave their checks and writes, and cannot deadlock: nobody
holds a seat or queue row while waiting for a draft. A deadlock or serialization failure that
still happens is retried once, then refused with "The board was busy, please try again." The
unique constraints on Pick are the last guard; a violation that slips past the checks becomes
a clear message, never a 500.
"""

import functools
import logging
import random
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, connection, transaction
from django.utils import timezone
from django.utils.text import slugify

from draft import bus, chat, clock, notifications, rules
from draft.models import (
    Category,
    ChatMessage,
    ChatPoster,
    Draft,
    DraftEvent,
    League,
    Membership,
    Movie,
    Pick,
    QueueEntry,
    Seat,
    SkippedSlot,
    new_invite_token,
)
from draft.search import similar_movies
from draft.state import DraftState

logger = logging.getLogger(__name__)

RESERVED_LEAGUE_SLUGS = {"new"}
RESERVED_DRAFT_SLUGS = {"join", "settings", "new-draft", "members"}
BUSY = "The board was busy, please try again."

# The draft fields a running draft changes; services save only these (and what they set).
RUN_FIELDS = [
    "status", "started_at", "completed_at", "clock_slot", "clock_deadline", "clock_remaining",
    "version",
]  # fmt: skip

# PostgreSQL's deadlock_detected, serialization_failure and lock_not_available.
_RETRYABLE_STATES = {"40P01", "40001", "55P03"}


def _is_contention(error: OperationalError) -> bool:
    """A deadlock or serialization failure (PostgreSQL), or a busy database (SQLite): the
    transaction lost a race and may be run again. A lost connection is not one of these."""
    state = getattr(error.__cause__, "sqlstate", None)
    if state is not None:
        return state in _RETRYABLE_STATES
    text = str(error).lower()
    return "database is locked" in text or "database table is locked" in text


def draft_write(service):
    """Run `service` in one transaction. If it loses a race in the database (a deadlock, a
    serialization failure, a busy SQLite file), run it once more from the start; a second loss
    is refused with a clear message. Inside an outer transaction there is nothing to retry."""

    @functools.wraps(service)
    def run(*args, **kwargs):
        attempts = 1 if connection.in_atomic_block else 2
        for attempt in range(1, attempts + 1):
            try:
                with transaction.atomic():
                    return service(*args, **kwargs)
            except OperationalError as error:
                if not _is_contention(error):
                    raise
                logger.warning("%s lost a race (attempt %s): %s", service.__name__, attempt, error)
        raise ValidationError(BUSY, code="busy")

    return run


def _lock_draft(draft_id: int) -> Draft:
    # Every draft writer takes this row lock first; see the module docstring.
    return (
        Draft.objects.select_for_update(of=("self",), no_key=True)
        .select_related("league")
        .get(pk=draft_id)
    )


def _log(
    state: DraftState,
    kind: str,
    summary: str,
    *,
    now: datetime,
    actor=None,
    slot: int | None = None,
    movie: Movie | None = None,
    category: Category | None = None,
) -> int:
    """Bump the board's version and log the change; once per act. Returns the new version."""
    draft = state.draft
    draft.version += 1
    DraftEvent.objects.create(
        draft=draft,
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        slot=slot,
        movie=movie,
        category=category,
        summary=summary,
        version=draft.version,
        created_at=now,
    )
    return draft.version


def _save(state: DraftState, *fields: str) -> None:
    state.draft.save(update_fields=[*RUN_FIELDS, *fields])
    bus.board_changed(state.draft.pk, state.draft.version)


def _membership(league: League, user) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(league=league, user=user).first()


def _require_commissioner(league: League, user) -> Membership:
    membership = _membership(league, user)
    if membership is None or not membership.is_commissioner:
        raise ValidationError("Only a commissioner of this league can do that.")
    return membership


def _open(draft_id: int, now: datetime, *, commissioner=None) -> DraftState:
    """The start of every service on a running draft: lock the draft, check the role if the
    action is a commissioner's, load the state and apply a clock that ran out, so the action
    sees the board as it really is (its expected slot then tells whether the board moved)."""
    draft = _lock_draft(draft_id)
    if commissioner is not None:
        _require_commissioner(draft.league, commissioner)
    state = DraftState.load(draft)
    _apply_due_clock(state, now)
    return state


def _slug_candidates(name: str, fallback: str, reserved: set[str], *, secret: bool):
    """Slugs to try, in order. A secret slug ends in random letters, so no one can guess it or
    learn that it exists by making a league of the same name."""
    base = slugify(name)[:60].strip("-") or fallback
    if secret:
        while True:
            yield f"{base}-{secrets.token_hex(3)}"
    if base not in reserved:
        yield base
    n = 2
    while True:
        yield f"{base}-{n}"
        n += 1


def _insert_with_unique_slug(create, candidates, exists, *, tries: int = 50):
    """Insert with the first free slug. Checking first and inserting after would race a second
    insert of the same name; instead each candidate is inserted in a savepoint and the next one
    tried when the slug turns out taken (by a row that now exists)."""
    for slug in candidates:
        if tries == 0:
            break
        tries -= 1
        if exists(slug):
            continue
        try:
            with transaction.atomic():
                return create(slug)
        except IntegrityError:
            if not exists(slug):
                raise  # another constraint: not ours to paper over
    raise ValidationError("Could not find a free web address for that name; try another name.")


# --- Leagues ----------------------------------------------------------------------------


def default_display_name(user) -> str:
    return (user.get_full_name() or user.username)[:60]


@transaction.atomic
def create_league(*, user, name: str, description: str = "", is_public: bool = True) -> League:
    """Create a league with `user` as its first member and commissioner. Two leagues of the
    same name created at the same moment both succeed, with different slugs."""
    name = name.strip()

    def create(slug):
        league = League.objects.create(
            name=name, slug=slug, description=description.strip(), is_public=is_public
        )
        Membership.objects.create(
            league=league, user=user, display_name=default_display_name(user), is_commissioner=True
        )
        return league

    return _insert_with_unique_slug(
        create,
        _slug_candidates(name, "league", RESERVED_LEAGUE_SLUGS, secret=not is_public),
        lambda slug: League.objects.filter(slug=slug).exists(),
    )


@transaction.atomic
def update_league(
    *,
    league: League,
    actor,
    name: str,
    description: str,
    is_public: bool,
    time_zone: str,
    readers_may_chat: bool | None = None,
) -> League:
    """Save the settings form. Only its fields are written, so a concurrent invite rotation
    (or any other change) survives; `readers_may_chat` left out (None) stays as it is."""
    _require_commissioner(league, actor)
    changes = {
        "name": name.strip(),
        "description": description.strip(),
        "is_public": is_public,
        "time_zone": time_zone,
    }
    if readers_may_chat is not None:
        changes["readers_may_chat"] = readers_may_chat
    # Whether it was public is read under a lock on the league: two saves at once must both
    # see the flip they make, or an open stream could miss the one that made it private.
    was_public = (
        League.objects.select_for_update(no_key=True)
        .values_list("is_public", flat=True)
        .get(pk=league.pk)
    )
    League.objects.filter(pk=league.pk).update(**changes)
    for key, value in changes.items():
        setattr(league, key, value)
    if was_public != is_public:
        bus.access_changed(league_id=league.pk)
    return league


def join_league(*, user, league: League, token: str) -> tuple[Membership, bool]:
    """Join with the league's current invite token. Returns (membership, created); joining
    twice is harmless. A member who left comes back under the name they had."""
    if token != league.invite_token:
        raise ValidationError(
            "This invite link is no longer valid. Ask a commissioner for the current one."
        )
    with transaction.atomic():
        returning = Membership.everyone.filter(league=league, user=user, left_at__isnull=False)
        if returning.update(left_at=None):
            bus.access_changed(league_id=league.pk, user_id=user.pk)
            return Membership.objects.get(league=league, user=user), True
    try:
        with transaction.atomic():
            membership, created = Membership.objects.get_or_create(
                league=league, user=user, defaults={"display_name": default_display_name(user)}
            )
            if created:
                bus.access_changed(league_id=league.pk, user_id=user.pk)
    except IntegrityError:  # the same user joining from two tabs at once
        membership, created = Membership.objects.get(league=league, user=user), False
    return membership, created


@transaction.atomic
def remove_member(*, league: League, actor, membership: Membership) -> None:
    """A commissioner removes a member, or a member leaves. From the commit on they are an
    outsider: a private league's pages are 404 to them and their open streams close.

    Their seats in drafts that have not started go (each such draft's order closes up); in a
    draft that has started, their seat and picks stay on the board under their name, and a
    commissioner picks for them if their turn comes. A league keeps at least one commissioner."""
    # The league's drafts first (lock order), in id order, then its commissioners: two
    # commissioners leaving at once must not each see the other stay.
    drafts = list(Draft.objects.select_for_update(no_key=True).filter(league=league).order_by("pk"))
    list(Membership.objects.select_for_update().filter(league=league, is_commissioner=True))
    if membership.league_id != league.pk:
        raise ValidationError("That person is not in this league.")
    leaving = membership.user_id == actor.pk
    if not leaving:
        _require_commissioner(league, actor)
    current = Membership.objects.filter(pk=membership.pk).values_list("is_commissioner", flat=True)
    if not current.exists():
        raise ValidationError(f"{membership.display_name} is no longer in this league.")
    if current.get() and not (
        Membership.objects.filter(league=league, is_commissioner=True)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError(
            "A league needs at least one commissioner: make someone else a commissioner first."
        )
    now = timezone.now()
    name = membership.display_name
    for draft in drafts:
        if draft.status != Draft.Status.SETUP:
            continue
        seats = list(Seat.objects.filter(draft=draft).order_by("position"))
        if not any(seat.membership_id == membership.pk for seat in seats):
            continue
        Seat.objects.filter(draft=draft, membership=membership).delete()
        _renumber(Seat, [seat for seat in seats if seat.membership_id != membership.pk])
        _record(
            draft,
            DraftEvent.Kind.ORDER,
            f"{name} {'left the league' if leaving else 'removed from the league'}",
            actor=actor,
        )
    Membership.objects.filter(pk=membership.pk).update(left_at=now, is_commissioner=False)
    membership.left_at, membership.is_commissioner = now, False
    bus.access_changed(league_id=league.pk, user_id=membership.user_id)


@transaction.atomic
def rotate_invite(*, league: League, actor) -> str:
    """Replace the invite token: the old link stops working at once."""
    _require_commissioner(league, actor)
    league.invite_token = new_invite_token()
    League.objects.filter(pk=league.pk).update(invite_token=league.invite_token)
    return league.invite_token


@transaction.atomic
def set_commissioner(*, league: League, actor, membership: Membership, value: bool) -> None:
    # Lock the league's commissioners first: two of them stepping down at the same moment
    # must not each see the other stay, and leave the league with none.
    list(Membership.objects.select_for_update().filter(league=league, is_commissioner=True))
    _require_commissioner(league, actor)
    if membership.league_id != league.pk:
        raise ValidationError("That person is not in this league.")
    if not value:
        others = (
            Membership.objects.filter(league=league, is_commissioner=True)
            .exclude(pk=membership.pk)
            .exists()
        )
        if not others:
            raise ValidationError("A league needs at least one commissioner.")
    membership.is_commissioner = value
    Membership.objects.filter(pk=membership.pk).update(is_commissioner=value)
    bus.access_changed(league_id=league.pk, user_id=membership.user_id)


@draft_write
def rename_member(*, membership: Membership, actor, display_name: str) -> None:
    """A member renames themselves; a commissioner may rename anyone in the league. Every board
    of the league shows the name, so each draft's version goes up (their polls refresh)."""
    now = timezone.now()
    # The drafts first (lock order), in id order so two renames in one league queue up.
    drafts = list(
        Draft.objects.select_for_update(no_key=True)
        .filter(league=membership.league_id)
        .order_by("pk")
    )
    if membership.user_id != actor.pk:
        _require_commissioner(membership.league, actor)
    name = display_name.strip()
    if not name:
        raise ValidationError("The name on the board cannot be empty.")
    longest = Membership._meta.get_field("display_name").max_length
    if len(name) > longest:
        raise ValidationError(f"A name on the board is at most {longest} characters.")
    old, membership.display_name = membership.display_name, name
    Membership.objects.filter(pk=membership.pk).update(display_name=name)
    for draft in drafts:
        draft.version += 1
        draft.save(update_fields=["version"])
        DraftEvent.objects.create(
            draft=draft,
            kind=DraftEvent.Kind.NAME,
            actor=actor,
            summary=f"{old} now shows as {name}",
            version=draft.version,
            created_at=now,
        )
        bus.board_changed(draft.pk, draft.version)


# --- Setting up a draft -----------------------------------------------------------------


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
    _require_commissioner(league, actor)
    name = name.strip()
    if not name:
        raise ValidationError("The draft needs a name.")
    for spec in categories:
        _check_category(spec)
    if seat_memberships is None:
        seat_memberships = list(
            Membership.objects.filter(league=league).order_by("joined_at", "pk")
        )
    if any(m.league_id != league.pk for m in seat_memberships):
        raise ValidationError("Only members of this league can have a seat.")
    draft = _insert_with_unique_slug(
        lambda slug: Draft.objects.create(
            league=league, name=name, slug=slug, order=order, category_mode=category_mode
        ),
        _slug_candidates(name, "draft", RESERVED_DRAFT_SLUGS, secret=False),
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
        summary=f"{name} created",
        version=draft.version,
    )
    return draft


def _category_fields(spec: CategorySpec) -> dict:
    return {
        "name": spec.name.strip(),
        "description": spec.description.strip(),
        "genres": list(spec.genres),
        "year_min": spec.year_min,
        "year_max": spec.year_max,
        "max_runtime": spec.max_runtime,
    }


def _lock_for_setup(draft_id: int, actor) -> Draft:
    draft = _lock_draft(draft_id)
    _require_commissioner(draft.league, actor)
    if draft.status != Draft.Status.SETUP:
        raise ValidationError(
            "The draft has started: its order, categories and settings are frozen."
        )
    return draft


def _record(draft: Draft, kind: str, summary: str, *, actor, fields=()) -> None:
    """Log a change made in setup, bump the version and save it with the fields it changed."""
    draft.version += 1
    draft.save(update_fields=["version", *fields])
    DraftEvent.objects.create(
        draft=draft, kind=kind, actor=actor, summary=summary, version=draft.version
    )
    bus.board_changed(draft.pk, draft.version)


@draft_write
def update_draft_settings(
    *, draft_id: int, actor, name: str, order: str, category_mode: str
) -> Draft:
    draft = _lock_for_setup(draft_id, actor)
    if not name.strip():
        raise ValidationError("The draft needs a name.")
    draft.name, draft.order, draft.category_mode = name.strip(), order, category_mode
    _record(
        draft,
        DraftEvent.Kind.SETUP,
        "Settings changed",
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
    state = _open(draft_id, now, commissioner=actor)
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
    _log(state, DraftEvent.Kind.SETUP, "Pick clock changed", now=now, actor=actor)
    _save(state, *CLOCK_SETTING_FIELDS)
    return draft


CLOCK_SETTING_FIELDS = [
    "pick_seconds", "first_round_pick_seconds", "quiet_start", "quiet_end", "expiry_action",
]  # fmt: skip


@draft_write
def add_category(*, draft_id: int, actor, spec: CategorySpec) -> Category:
    draft = _lock_for_setup(draft_id, actor)
    _check_category(spec)
    position = Category.objects.filter(draft=draft).count() + 1
    category = Category.objects.create(draft=draft, position=position, **_category_fields(spec))
    _record(draft, DraftEvent.Kind.SETUP, f"Category {category.name} added", actor=actor)
    return category


@draft_write
def update_category(*, draft_id: int, actor, category_id: int, spec: CategorySpec) -> Category:
    draft = _lock_for_setup(draft_id, actor)
    _check_category(spec)
    category = Category.objects.filter(draft=draft, pk=category_id).first()
    if category is None:
        raise ValidationError("That category is not in this draft.")
    fields = _category_fields(spec)
    for key, value in fields.items():
        setattr(category, key, value)
    category.save(update_fields=list(fields))
    _record(draft, DraftEvent.Kind.SETUP, f"Category {category.name} changed", actor=actor)
    return category


@draft_write
def remove_category(*, draft_id: int, actor, category_id: int) -> None:
    draft = _lock_for_setup(draft_id, actor)
    categories = list(Category.objects.filter(draft=draft).order_by("position"))
    doomed = next((c for c in categories if c.pk == category_id), None)
    if doomed is None:
        raise ValidationError("That category is not in this draft.")
    # The rest first: delete() sets doomed.pk to None, so filtering afterwards would keep it.
    rest = [c for c in categories if c.pk != category_id]
    doomed.delete()
    _renumber(Category, rest)
    _record(draft, DraftEvent.Kind.SETUP, f"Category {doomed.name} removed", actor=actor)


@draft_write
def move_category(*, draft_id: int, actor, category_id: int, offset: int) -> None:
    draft = _lock_for_setup(draft_id, actor)
    categories = list(Category.objects.filter(draft=draft).order_by("position"))
    _move(categories, category_id, offset, "category")
    _renumber(Category, categories)
    _record(draft, DraftEvent.Kind.SETUP, "Categories reordered", actor=actor)


def _move(items: list, item_id: int, offset: int, noun: str) -> None:
    index = next((i for i, item in enumerate(items) if item.pk == item_id), None)
    if index is None:
        raise ValidationError(f"That {noun} is not in this draft.")
    target = min(max(index + offset, 0), len(items) - 1)
    items.insert(target, items.pop(index))


def _renumber(model, items: list, field: str = "position") -> None:
    """Give items positions 1..n in list order without ever holding two at one position (the
    unique constraints would refuse it): park them past the end first, then set the final ones."""
    if not items:
        return
    offset = max(getattr(item, field) for item in items) + len(items) + 1
    for i, item in enumerate(items):
        model.objects.filter(pk=item.pk).update(**{field: offset + i})
    for i, item in enumerate(items, start=1):
        model.objects.filter(pk=item.pk).update(**{field: i})
        setattr(item, field, i)


@draft_write
def add_seat(*, draft_id: int, actor, membership: Membership) -> Seat:
    draft = _lock_for_setup(draft_id, actor)
    if membership.league_id != draft.league_id:
        raise ValidationError("Only members of this league can have a seat.")
    if Seat.objects.filter(draft=draft, membership=membership).exists():
        raise ValidationError(f"{membership.display_name} already has a seat.")
    position = Seat.objects.filter(draft=draft).count() + 1
    seat = Seat.objects.create(draft=draft, membership=membership, position=position)
    _record(
        draft,
        DraftEvent.Kind.ORDER,
        f"{membership.display_name} given seat {position}",
        actor=actor,
    )
    return seat


@draft_write
def remove_seat(*, draft_id: int, actor, seat_id: int) -> None:
    draft = _lock_for_setup(draft_id, actor)
    seats = list(Seat.objects.filter(draft=draft).select_related("membership").order_by("position"))
    doomed = next((s for s in seats if s.pk == seat_id), None)
    if doomed is None:
        raise ValidationError("That seat is not in this draft.")
    # The rest first: delete() sets doomed.pk to None, so filtering afterwards would keep it.
    rest = [s for s in seats if s.pk != seat_id]
    doomed.delete()
    _renumber(Seat, rest)
    _record(
        draft,
        DraftEvent.Kind.ORDER,
        f"{doomed.membership.display_name} removed from the order",
        actor=actor,
    )


@draft_write
def move_seat(*, draft_id: int, actor, seat_id: int, offset: int) -> None:
    draft = _lock_for_setup(draft_id, actor)
    seats = list(Seat.objects.filter(draft=draft).select_related("membership").order_by("position"))
    _move(seats, seat_id, offset, "seat")
    _renumber(Seat, seats)
    order = ", ".join(s.membership.display_name for s in seats)
    _record(draft, DraftEvent.Kind.ORDER, f"Order set: {order}", actor=actor)


@dataclass(frozen=True)
class NewOrder:
    seats: list[Seat]
    unchanged: bool  # two seats can come out as they were: the console says so


@draft_write
def randomize_order(*, draft_id: int, actor, rng: random.Random | None = None) -> NewOrder:
    """Shuffle the seats. With three or more seats the new order always differs from the old
    one (a commissioner who presses "Randomise" expects a change); with two it is a coin toss,
    and `unchanged` says when it came out the same."""
    draft = _lock_for_setup(draft_id, actor)
    seats = list(Seat.objects.filter(draft=draft).select_related("membership").order_by("position"))
    before = [s.pk for s in seats]
    rng = rng or random.SystemRandom()
    rng.shuffle(seats)
    while len(seats) >= 3 and [s.pk for s in seats] == before:
        rng.shuffle(seats)
    _renumber(Seat, seats)
    order = ", ".join(s.membership.display_name for s in seats)
    _record(draft, DraftEvent.Kind.ORDER, f"Order randomised: {order}", actor=actor)
    return NewOrder(seats=seats, unchanged=[s.pk for s in seats] == before)


# --- Running a draft --------------------------------------------------------------------


@draft_write
def start_draft(*, draft_id: int, actor) -> Draft:
    now = timezone.now()
    draft = _lock_for_setup(draft_id, actor)
    state = DraftState.load(draft)
    if state.seat_count < 2:
        raise ValidationError("A draft needs at least two seats to start.")
    if state.round_count < 1:
        raise ValidationError("A draft needs at least one category to start.")
    state.start(now)
    _log(state, DraftEvent.Kind.START, f"{draft.name} started", now=now, actor=actor)
    _settle(state, now, before=None)
    _save(state)
    return draft


@draft_write
def pause_draft(*, draft_id: int, actor) -> Draft:
    now = timezone.now()
    state = _open(draft_id, now, commissioner=actor)
    if state.draft.status != Draft.Status.LIVE:
        raise ValidationError("Only a live draft can be paused.")
    state.pause(now)
    _log(state, DraftEvent.Kind.PAUSE, "Draft paused", now=now, actor=actor)
    _save(state)
    return state.draft


@draft_write
def resume_draft(*, draft_id: int, actor) -> Draft:
    now = timezone.now()
    state = _open(draft_id, now, commissioner=actor)
    if state.draft.status != Draft.Status.PAUSED:
        raise ValidationError("Only a paused draft can be resumed.")
    state.resume(now)
    _log(state, DraftEvent.Kind.RESUME, "Draft resumed", now=now, actor=actor)
    _save(state)
    return state.draft


@draft_write
def end_draft(*, draft_id: int, actor) -> Draft:
    now = timezone.now()
    state = _open(draft_id, now, commissioner=actor)
    if state.draft.status == Draft.Status.COMPLETE:
        raise ValidationError("The draft is already complete.")
    if state.draft.status == Draft.Status.SETUP:
        raise ValidationError("The draft has not started.")
    state.complete(now)
    _log(state, DraftEvent.Kind.COMPLETE, "Draft ended by a commissioner", now=now, actor=actor)
    _save(state)
    return state.draft


def _settle(state: DraftState, now: datetime, *, before: int | None) -> None:
    """After the board moved: members with autopick on pick from their queue the moment they
    come on the clock; then the draft completes, or the member now on the clock (and the one
    up next) get their mail, written to the outbox in this transaction."""
    if state.draft.status != Draft.Status.LIVE:
        return
    while state.on_clock is not None:
        seat = state.seat_on_clock
        if not (seat.autopick and _autopick(state, seat, state.on_clock, now)):
            break
    if state.is_settled:
        state.complete(now)
        _log(state, DraftEvent.Kind.COMPLETE, "Every pick is in: draft complete", now=now)
    elif state.on_clock is not None and state.on_clock != before:
        notifications.queue_turn_mail(state, now)


# --- The pick clock ---------------------------------------------------------------------


def _apply_due_clock(state: DraftState, now: datetime) -> bool:
    """Apply the draft's expiry action if the pick on the clock has run out of time.

    Runs with the draft row locked (every service does, first thing). The action runs once:
    afterwards the expired slot is no longer on the clock (with "nothing", the draft is left
    as it is and the pick shows as overdue), so a second caller finds nothing to do. Returns
    whether anything changed; the caller saves."""
    if not state.clock_is_due(now):
        return False
    draft, slot = state.draft, state.on_clock
    if slot is None or slot != draft.clock_slot:
        # The deadline belonged to a slot settled some other way: time the right one.
        state.restart_clock(now)
        return True
    seat = state.seat_for_slot(slot)
    picked = draft.expiry_action == Draft.Expiry.AUTOPICK and _autopick(
        state, seat, slot, now, reason="time ran out"
    )
    if not picked:
        _do_skip(state, slot, now, actor=None, reason="time ran out")
    _settle(state, now, before=slot)
    return True


@draft_write
def tick_clock(*, draft_id: int) -> bool:
    """Apply an expired clock on one draft (a board view, or the worker). Returns whether it
    changed anything."""
    state = DraftState.load(_lock_draft(draft_id))
    changed = _apply_due_clock(state, timezone.now())
    if changed:
        _save(state)
    return changed


def _autopick(state: DraftState, seat: Seat, slot: int, now: datetime, *, reason="") -> bool:
    """Pick the seat's highest queued film that is still free and fits a category it may
    fill; False (and nothing changes) when there is none."""
    categories = state.categories_for(seat, slot)
    entries = QueueEntry.objects.filter(seat=seat).select_related("movie").order_by("rank")
    for entry in entries:
        movie = entry.movie
        if movie.pk in state.picked_movie_ids:
            continue  # sniped
        film = _film(movie)
        category = next((c for c in categories if rules.is_eligible(film, c.rule)), None)
        if category is None:
            continue
        why = f"autopick from the queue{', ' + reason if reason else ''}"
        _do_pick(state, PickPlan(seat, slot, movie, category, autopick=True), now, note=why)
        return True
    return False


def _film(movie: Movie) -> rules.Film:
    return rules.Film(movie.title, movie.year, tuple(movie.genres), movie.runtime)


# --- Picks ------------------------------------------------------------------------------


@dataclass
class PickPlan:
    """A pick that passed every check: what `_do_pick` writes."""

    seat: Seat
    slot: int
    movie: Movie
    category: Category
    entered_by: object = None  # the user; None for the clock's autopick
    autopick: bool = False
    # Why the film breaks the category's rules, when a commissioner approved it anyway.
    ruling: list[str] = field(default_factory=list)
    entered_for: str = ""  # the commissioner's name, when they picked for someone


@dataclass
class PickResult:
    pick: Pick
    replayed: bool = False  # the same form arrived twice; the first made the pick


def _not_live_message(draft: Draft) -> str:
    return {
        Draft.Status.SETUP: "The draft has not started yet.",
        Draft.Status.PAUSED: "The draft is paused. Picks open again when a commissioner resumes it.",
        Draft.Status.COMPLETE: "The draft is over: no more picks.",
    }.get(draft.status, "The draft is not taking picks.")


def make_pick(
    *,
    draft_id: int,
    user,
    movie_id: int | None,
    expected_slot: int | None,
    category_id: int | None = None,
    for_seat_id: int | None = None,
    override_rules: bool = False,
) -> PickResult:
    """Make a pick for the user's seat, or (a commissioner) for `for_seat_id`.

    Guarantees: the pick fills the slot the form was made for (`expected_slot`) or nothing
    changes; at most one pick per slot and one per film in a draft, even under concurrent
    requests; a resubmission of the same form returns the first pick instead of an error.
    """
    try:
        return _make_pick(
            draft_id=draft_id,
            user=user,
            movie_id=movie_id,
            expected_slot=expected_slot,
            category_id=category_id,
            for_seat_id=for_seat_id,
            override_rules=override_rules,
        )
    except IntegrityError:
        # Only reachable if a check missed a race; the database refused the duplicate.
        raise ValidationError(
            "That pick clashed with another one made at the same moment. Nothing was saved: "
            "look at the board and try again."
        ) from None


@draft_write
def _make_pick(**form) -> PickResult:
    now = timezone.now()
    state = _open(form["draft_id"], now)
    movie_id = form["movie_id"]
    movie = Movie.objects.filter(pk=movie_id).first() if movie_id else None
    plan = check_pick(state, movie=movie, **{k: v for k, v in form.items() if k != "draft_id"})
    if isinstance(plan, PickResult):
        return plan
    before = state.on_clock
    pick = _do_pick(state, plan, now)
    _settle(state, now, before=before)
    _save(state)
    return PickResult(pick=pick)


def check_pick(
    state: DraftState,
    *,
    user,
    movie: Movie | None,
    movie_id: int | None,
    expected_slot: int | None,
    category_id: int | None,
    for_seat_id: int | None,
    override_rules: bool,
) -> PickPlan | PickResult:
    """Every check a pick must pass, against the state under the draft lock. Returns what to
    write, or the earlier pick when the same form arrives again; writes nothing."""
    draft = state.draft
    membership = _membership(draft.league, user)
    if membership is None:
        raise ValidationError("Only members of this league can pick.")

    # A resubmitted form (double click, retry after a timeout) finds its own pick already made.
    earlier = state.picks.get(expected_slot) if expected_slot else None
    if earlier and earlier.movie_id == movie_id and earlier.entered_by_id == user.pk:
        return PickResult(pick=earlier, replayed=True)

    if draft.status != Draft.Status.LIVE:
        raise ValidationError(_not_live_message(draft))

    on_behalf = for_seat_id is not None
    if on_behalf:
        if not membership.is_commissioner:
            raise ValidationError("Only a commissioner can pick for another member.")
        seat = state.seat_by_id(for_seat_id)
        if seat is None:
            raise ValidationError("That seat is not in this draft.")
    else:
        seat = state.seat_of(membership.pk)
        if seat is None:
            raise ValidationError("You do not have a seat in this draft.")
    if override_rules and not membership.is_commissioner:
        raise ValidationError("Only a commissioner can approve a pick that breaks a category rule.")

    slot = state.slot_to_fill(seat)
    if expected_slot is not None and slot != expected_slot and not on_behalf:
        # A stale tab: say what became of the pick it offered, when that is known.
        happened = state.what_happened(expected_slot, seat)
        if happened:
            later = f" Your next pick is {state.label(slot)}." if slot else ""
            raise ValidationError(happened + later, code="moved_on")
    if slot is None:
        who = seat.membership.display_name
        if state.on_clock is None:
            raise ValidationError(f"{who} has no pick to make right now.")
        holder = state.seat_on_clock.membership.display_name
        subject = "It is not your turn" if not on_behalf else f"It is not {who}'s turn"
        raise ValidationError(f"{subject}: pick {state.label(state.on_clock)} belongs to {holder}.")
    if expected_slot is not None and slot != expected_slot:
        raise ValidationError(
            "The board has moved on since this page was loaded: "
            f"{seat.membership.display_name}'s pick is now {state.label(slot)}. "
            "Check the board and pick again.",
            code="moved_on",
        )

    if movie is None:
        raise ValidationError("Choose a film from the catalog.")
    taken = state.pick_of_movie(movie.pk)
    if taken is not None:
        by = state.seat_for_slot(taken.slot).membership.display_name
        raise ValidationError(f"{movie} is already taken: {by} picked it at {taken.label}.")

    if draft.is_open_slots:
        category = next((c for c in state.categories_left(seat) if c.pk == category_id), None)
        if category is None:
            if state.category_by_id(category_id) is not None:
                raise ValidationError(
                    f"{seat.membership.display_name} has already filled that category."
                )
            raise ValidationError("Choose one of the categories still open.")
    else:
        category = state.category_of_slot(slot)

    reasons = rules.ineligibility_reasons(_film(movie), category.rule)
    if reasons and not override_rules:
        raise ValidationError(
            f"{movie} does not fit {category.name}: {'; '.join(reasons)}. "
            "A commissioner can approve it as a ruling."
        )
    return PickPlan(
        seat=seat,
        slot=slot,
        movie=movie,
        category=category,
        entered_by=user,
        ruling=reasons,
        entered_for=membership.display_name if on_behalf else "",
    )


def _do_pick(state: DraftState, plan: PickPlan, now: datetime, *, note: str = "") -> Pick:
    """Write a checked pick, log it and let the state apply it."""
    position = state.position(plan.slot)
    summary = (
        f"{position.label} {plan.seat.membership.display_name} selects {plan.movie} "
        f"in {plan.category.name}"
    )
    if note:
        summary += f" ({note})"
    if plan.entered_for:
        summary += f" (entered by {plan.entered_for})"
    kind = DraftEvent.Kind.PICK
    if plan.autopick:
        kind = DraftEvent.Kind.AUTOPICK
    elif plan.ruling:
        kind = DraftEvent.Kind.RULING
        summary += f"; ruling: allowed although {'; '.join(plan.ruling)}"
    version = _log(
        state,
        kind,
        summary,
        now=now,
        actor=plan.entered_by,
        slot=plan.slot,
        movie=plan.movie,
        category=plan.category,
    )
    pick = Pick(
        draft=state.draft,
        slot=plan.slot,
        round=position.round,
        pick_in_round=position.pick_in_round,
        seat=plan.seat,
        movie=plan.movie,
        category=plan.category,
        entered_by=plan.entered_by,
        is_autopick=plan.autopick,
        is_ruling=bool(plan.ruling),
        version=version,
    )
    state.apply_pick(pick, now)
    pick.save(force_insert=True)
    return pick


# --- Skips and undo ---------------------------------------------------------------------


@draft_write
def skip_on_clock(*, draft_id: int, actor, expected_slot: int | None = None) -> rules.SlotPosition:
    """Skip the seat on the clock: the draft moves to the next slot and the skipped member
    makes up the pick when they return."""
    now = timezone.now()
    state = _open(draft_id, now, commissioner=actor)
    if state.draft.status != Draft.Status.LIVE:
        raise ValidationError("Only a live draft can skip a pick.")
    slot = state.on_clock
    if slot is None:
        raise ValidationError("No pick is on the clock.")
    if expected_slot is not None and slot != expected_slot:
        raise ValidationError("The board has moved on: that pick is no longer on the clock.")
    _do_skip(state, slot, now, actor=actor)
    _settle(state, now, before=slot)
    _save(state)
    return state.position(slot)


def _do_skip(state: DraftState, slot: int, now: datetime, *, actor, reason: str = "") -> None:
    seat = state.seat_for_slot(slot)
    summary = f"{state.label(slot)} {seat.membership.display_name} skipped"
    if reason:
        summary += f" ({reason})"
    version = _log(state, DraftEvent.Kind.SKIP, summary, now=now, actor=actor, slot=slot)
    skip = SkippedSlot(draft=state.draft, slot=slot, version=version)
    state.apply_skip(skip, now)
    skip.save(force_insert=True)


@draft_write
def undo_last(*, draft_id: int, actor, expected_version: int | None = None) -> Pick | SkippedSlot:
    """Take back the last pick or skip and put the board exactly as it was before it: the
    slot open again (on the clock, or owed again if a make-up pick is undone), its film free,
    the clock as it stood (see DraftState.undo). `expected_version` is the version of the act
    the commissioner saw on the confirmation page: if another act came since, nothing is
    undone."""
    now = timezone.now()
    state = _open(draft_id, now, commissioner=actor)
    if state.draft.status == Draft.Status.SETUP:
        raise ValidationError("The draft has not started.")
    act = state.last_act
    if act is None:
        raise ValidationError("There is nothing to undo.")
    if state.ended_early():
        raise ValidationError("A commissioner ended this draft early; it cannot be reopened.")
    if expected_version is not None and act.version != expected_version:
        # A stale confirmation page must not undo something the commissioner never saw.
        raise ValidationError(
            "The board has changed since you asked to undo. Nothing was undone: "
            "check the board and try again."
        )
    state.undo(now)
    name = state.seat_for_slot(act.slot).membership.display_name
    if isinstance(act, Pick):
        summary = f"{act.label} {name}'s pick of {act.movie} undone"
        movie, category = act.movie, state.category_by_id(act.category_id)
    else:
        summary = f"{state.label(act.slot)} {name}'s skip undone"
        movie = category = None
    type(act).objects.filter(pk=act.pk).delete()
    _log(
        state,
        DraftEvent.Kind.UNDO,
        summary,
        now=now,
        actor=actor,
        slot=act.slot,
        movie=movie,
        category=category,
    )
    _save(state)
    return act


# --- Movies -----------------------------------------------------------------------------


def add_movie(
    *,
    user,
    title: str,
    year: int,
    directors: list[str] = (),
    genres: list[str] = (),
    runtime: int | None = None,
    confirmed_new: bool = False,
) -> Movie:
    """Add a film to the catalog. Refuses an exact duplicate; asks for confirmation
    (`confirmed_new`) when a film with a close title from about the same year exists."""
    title = " ".join(title.split())
    if not title:
        raise ValidationError("The film needs a title.")
    if not 1888 <= year <= timezone.now().year + 5:
        raise ValidationError("That year does not look right.")
    exact = Movie.objects.filter(search_title=rules.normalize_title(title), year=year).first()
    if exact:
        raise ValidationError(f"{exact} is already in the catalog.")
    if not confirmed_new:
        near = [m for m in similar_movies(title, year) if abs(m.year - year) <= 1]
        if near:
            raise ValidationError(
                "Did you mean " + " or ".join(str(m) for m in near) + "? "
                "If yours is a different film, confirm and add it.",
                code="did_you_mean",
            )
    try:
        with transaction.atomic():
            return Movie.objects.create(
                title=title,
                year=year,
                directors=[d.strip() for d in directors if d.strip()],
                genres=[g.strip() for g in genres if g.strip()],
                runtime=runtime,
                added_by=user,
            )
    except IntegrityError:
        raise ValidationError(f"{title} ({year}) is already in the catalog.") from None


@draft_write
def film_changed(*, movie: Movie) -> None:
    """A film's details were corrected (the admin): every board that shows it gets a new
    version, so its cached parts are rendered again."""
    drafts = list(
        Draft.objects.select_for_update(no_key=True)
        .filter(pk__in=Pick.objects.filter(movie=movie).values("draft_id"))
        .order_by("pk")
    )
    for draft in drafts:
        _record(draft, DraftEvent.Kind.SETUP, f"Film details changed: {movie}", actor=None)


# --- Queues -----------------------------------------------------------------------------


def _own_seat(draft_id: int, user) -> Seat:
    """The user's seat in the draft. Called with the draft row locked (the lock order: the
    draft first), which also makes one member's queue edits from two tabs run one after the
    other, so ranks stay 1..n without gaps or clashes."""
    seat = (
        Seat.objects.select_related("membership")
        .filter(draft_id=draft_id, membership__user=user, membership__left_at__isnull=True)
        .first()
    )
    if seat is None:
        raise ValidationError("You do not have a seat in this draft, so you have no queue.")
    return seat


@draft_write
def queue_add(*, draft_id: int, user, movie_id: int | None) -> QueueEntry:
    _lock_draft(draft_id)
    seat = _own_seat(draft_id, user)
    movie = Movie.objects.filter(pk=movie_id).first() if movie_id else None
    if movie is None:
        raise ValidationError("Choose a film from the catalog.")
    taken = (
        Pick.objects.filter(draft_id=draft_id, movie=movie)
        .select_related("seat__membership")
        .first()
    )
    if taken is not None:
        raise ValidationError(
            f"{movie} is already taken: {taken.seat.membership.display_name} picked it at {taken.label}."
        )
    if QueueEntry.objects.filter(seat=seat, movie=movie).exists():
        raise ValidationError(f"{movie} is already in your queue.")
    rank = QueueEntry.objects.filter(seat=seat).count() + 1
    return QueueEntry.objects.create(seat=seat, movie=movie, rank=rank)


@draft_write
def queue_remove(*, draft_id: int, user, entry_id: int | None) -> None:
    _lock_draft(draft_id)
    seat = _own_seat(draft_id, user)
    entries = list(QueueEntry.objects.filter(seat=seat).order_by("rank"))
    doomed = next((e for e in entries if e.pk == entry_id), None)
    if doomed is None:
        raise ValidationError("That film is not in your queue any more.")
    rest = [e for e in entries if e.pk != entry_id]
    doomed.delete()
    _renumber(QueueEntry, rest, field="rank")


@draft_write
def queue_move(*, draft_id: int, user, entry_id: int | None, offset: int) -> None:
    _lock_draft(draft_id)
    seat = _own_seat(draft_id, user)
    entries = list(QueueEntry.objects.filter(seat=seat).order_by("rank"))
    if not any(e.pk == entry_id for e in entries):
        raise ValidationError("That film is not in your queue any more.")
    _move(entries, entry_id, offset, "film")
    _renumber(QueueEntry, entries, field="rank")


@draft_write
def set_autopick(*, draft_id: int, user, enabled: bool) -> Seat:
    """Turn autopick on or off for the user's own seat. Turned on while the member is on the
    clock, it picks from the queue at once."""
    now = timezone.now()
    state = _open(draft_id, now)
    membership = _membership(state.draft.league, user)
    seat = state.seat_of(membership.pk) if membership else None
    if seat is None:
        raise ValidationError("You do not have a seat in this draft, so you have no queue.")
    seat.autopick = enabled
    Seat.objects.filter(pk=seat.pk).update(autopick=enabled)
    slot = state.on_clock
    mine = slot is not None and state.seat_for_slot(slot).pk == seat.pk
    live = state.draft.status == Draft.Status.LIVE
    if enabled and live and mine and _autopick(state, seat, slot, now):
        _settle(state, now, before=slot)
    _save(state)
    return seat


# --- The draft-room chat ----------------------------------------------------------------


@transaction.atomic
def post_chat_message(*, draft: Draft, user, text: str) -> ChatMessage:
    """Post `text` in the draft's chat as `user` and return the message.

    Members post, and signed-in readers of a public league that lets them (chat.post_refusal).
    The text is kept as one line of plain text, at most ChatMessage.MAX_LENGTH characters. A
    poster sends at most CHAT_RATE_LIMIT's count of messages in its window of seconds; the
    same text again right after (a double click, a form sent twice) returns the first message
    instead of a copy. Refusals are ValidationErrors with a code: "forbidden", "empty",
    "too_long", "rate_limited".

    No draft lock: a message changes nothing a draft writer reads, and its foreign key to the
    draft needs only the KEY SHARE lock that the writers' FOR NO KEY UPDATE leaves free, so the
    chat never waits for the board nor the board for the chat. The one lock is the poster's
    ChatPoster row, which no draft writer takes: no lock order to break."""
    membership = _membership(draft.league, user)
    refusal = chat.post_refusal(draft.league, user, membership)
    if refusal:
        raise ValidationError(refusal, code="forbidden")
    text = chat.clean_text(text)
    if not text:
        raise ValidationError("Write a message first.", code="empty")
    if len(text) > ChatMessage.MAX_LENGTH:
        raise ValidationError(
            f"A chat message is at most {ChatMessage.MAX_LENGTH} characters "
            f"(this one has {len(text)}).",
            code="too_long",
        )
    count, seconds = settings.CHAT_RATE_LIMIT
    # Parallel posts of one poster would each count the others' messages as not there yet and
    # all get through: they queue on the poster's row instead, each counting once the one
    # before it has committed (a new statement sees it, in READ COMMITTED).
    ChatPoster.objects.bulk_create([ChatPoster(draft=draft, user=user)], ignore_conflicts=True)
    ChatPoster.objects.select_for_update().get(draft=draft, user=user)
    now = timezone.now()
    recent = list(
        ChatMessage.objects.filter(
            draft=draft, author=user, created_at__gt=now - timedelta(seconds=seconds)
        ).order_by("-created_at", "-id")[:count]
    )
    if recent and recent[0].text == text and not recent[0].is_deleted:
        return recent[0]
    if len(recent) >= count:
        raise ValidationError("You're posting fast — wait a few seconds.", code="rate_limited")
    if membership is not None:
        name = membership.display_name
    else:
        name = user.get_full_name() or user.get_username()
    message = ChatMessage.objects.create(
        draft=draft,
        author=user,
        author_name=name[: ChatMessage._meta.get_field("author_name").max_length],
        text=text,
        created_at=now,
    )
    bus.chat_changed(draft.pk, message.pk)
    return message


def delete_chat_message(*, draft: Draft, actor, message_id: int | None) -> ChatMessage:
    """Hide a message from everyone: a commissioner's call. The row stays, with who deleted it
    and when; deleting it again changes nothing, so the first delete's record stands (the
    UPDATE only touches a row that is not deleted yet, which needs no lock)."""
    if not chat.may_delete(_membership(draft.league, actor)):
        raise ValidationError(
            "Only a commissioner of this league can delete chat messages.", code="forbidden"
        )
    message = ChatMessage.objects.filter(draft=draft, pk=message_id).first()
    if message is None:
        raise ValidationError("That message is not in this chat.", code="missing")
    deleted = ChatMessage.objects.filter(pk=message.pk, deleted_at__isnull=True).update(
        deleted_at=timezone.now(), deleted_by=actor
    )
    if deleted:
        bus.chat_changed(draft.pk, message.pk, deleted=True)
    message.refresh_from_db(fields=["deleted_at", "deleted_by"])
    return message
