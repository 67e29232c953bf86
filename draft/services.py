"""Every write to a league or a draft.

Each draft service runs in one transaction that first locks the draft row
(`select_for_update`), so every writer queues on the same lock in the same order: two members,
a double click, the commissioner and the clock worker can never interleave their checks and
inserts. The unique constraints on Pick are the last guard; a violation that slips past the
checks becomes the same clear message, never a 500.
"""

import random
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify

from draft import clock, notifications, rules
from draft.models import (
    Category,
    Draft,
    DraftEvent,
    League,
    Membership,
    Movie,
    Pick,
    QueueEntry,
    Seat,
    SkippedSlot,
)
from draft.selectors import DraftState, load_state

RESERVED_LEAGUE_SLUGS = {"new"}
RESERVED_DRAFT_SLUGS = {"join", "settings", "new-draft", "members"}


def _lock_draft(draft_id: int) -> Draft:
    # Every draft writer takes this row lock first; see the module docstring.
    return Draft.objects.select_for_update(of=("self",)).select_related("league").get(pk=draft_id)


def _record(draft: Draft, kind: str, summary: str, *, actor=None, slot: int | None = None) -> None:
    """Bump the board's version and log the change. Call once per service, after the change."""
    draft.version += 1
    draft.save()
    DraftEvent.objects.create(
        draft=draft, kind=kind, actor=actor, slot=slot, summary=summary, version=draft.version
    )


def _membership(league: League, user) -> Membership | None:
    if user is None or not user.is_authenticated:
        return None
    return Membership.objects.filter(league=league, user=user).first()


def _require_commissioner(league: League, user) -> Membership:
    membership = _membership(league, user)
    if membership is None or not membership.is_commissioner:
        raise ValidationError("Only a commissioner of this league can do that.")
    return membership


def _lock_as_commissioner(draft_id: int, actor) -> Draft:
    """The start of every commissioner action on a running draft: take the draft lock, check
    the role, then apply a clock that ran out, so the action sees the board as it really is
    (its expected slot or pick then tells whether the board moved under it)."""
    draft = _lock_draft(draft_id)
    _require_commissioner(draft.league, actor)
    apply_due_clock(draft)
    return draft


def _unique_slug(base: str, taken, reserved: set[str]) -> str:
    base = slugify(base)[:70] or "draft"
    slug, n = base, 2
    while slug in reserved or taken(slug):
        slug, n = f"{base}-{n}", n + 1
    return slug


# --- Leagues ----------------------------------------------------------------------------


def default_display_name(user) -> str:
    return (user.get_full_name() or user.username)[:60]


@transaction.atomic
def create_league(*, user, name: str, description: str = "", is_public: bool = True) -> League:
    """Create a league with `user` as its first member and commissioner."""
    slug = _unique_slug(
        name, lambda s: League.objects.filter(slug=s).exists(), RESERVED_LEAGUE_SLUGS
    )
    league = League.objects.create(
        name=name.strip(), slug=slug, description=description.strip(), is_public=is_public
    )
    Membership.objects.create(
        league=league, user=user, display_name=default_display_name(user), is_commissioner=True
    )
    return league


@transaction.atomic
def update_league(
    *, league: League, actor, name: str, description: str, is_public: bool, time_zone: str
) -> League:
    _require_commissioner(league, actor)
    league.name, league.description = name.strip(), description.strip()
    league.is_public, league.time_zone = is_public, time_zone
    league.save()
    return league


def join_league(*, user, league: League, token: str) -> tuple[Membership, bool]:
    """Join with the league's current invite token. Returns (membership, created); joining
    twice is harmless."""
    if token != league.invite_token:
        raise ValidationError(
            "This invite link is no longer valid. Ask a commissioner for the current one."
        )
    try:
        with transaction.atomic():
            membership, created = Membership.objects.get_or_create(
                league=league, user=user, defaults={"display_name": default_display_name(user)}
            )
    except IntegrityError:  # the same user joining from two tabs at once
        membership, created = Membership.objects.get(league=league, user=user), False
    return membership, created


@transaction.atomic
def rotate_invite(*, league: League, actor) -> str:
    """Replace the invite token: the old link stops working at once."""
    _require_commissioner(league, actor)
    from draft.models import new_invite_token

    league.invite_token = new_invite_token()
    league.save(update_fields=["invite_token"])
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
    membership.save(update_fields=["is_commissioner"])


@transaction.atomic
def rename_member(*, membership: Membership, actor, display_name: str) -> None:
    """A member renames themselves; a commissioner may rename anyone in the league."""
    if membership.user_id != actor.pk:
        _require_commissioner(membership.league, actor)
    name = display_name.strip()
    if not name:
        raise ValidationError("The name on the board cannot be empty.")
    membership.display_name = name[:60]
    membership.save(update_fields=["display_name"])
    # Every board of the league shows the name: make their polls refresh.
    for draft in Draft.objects.filter(league=membership.league_id).select_for_update():
        draft.version += 1
        draft.save(update_fields=["version"])


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
    slug = _unique_slug(
        name,
        lambda s: Draft.objects.filter(league=league, slug=s).exists(),
        RESERVED_DRAFT_SLUGS,
    )
    draft = Draft.objects.create(
        league=league, name=name, slug=slug, order=order, category_mode=category_mode
    )
    for position, spec in enumerate(categories, start=1):
        _check_category(spec)
        Category.objects.create(draft=draft, position=position, **_category_fields(spec))
    if seat_memberships is None:
        seat_memberships = list(
            Membership.objects.filter(league=league).order_by("joined_at", "pk")
        )
    for position, membership in enumerate(seat_memberships, start=1):
        Seat.objects.create(draft=draft, membership=membership, position=position)
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


@transaction.atomic
def update_draft_settings(
    *, draft_id: int, actor, name: str, order: str, category_mode: str
) -> Draft:
    draft = _lock_for_setup(draft_id, actor)
    if not name.strip():
        raise ValidationError("The draft needs a name.")
    draft.name, draft.order, draft.category_mode = name.strip(), order, category_mode
    _record(draft, DraftEvent.Kind.SETUP, "Settings changed", actor=actor)
    return draft


@transaction.atomic
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
    """Clock settings can change at any time; a running clock restarts with the new time."""
    draft = _lock_as_commissioner(draft_id, actor)
    for seconds in (pick_seconds, first_round_pick_seconds):
        if seconds is not None and not (
            clock.MIN_PICK_SECONDS <= seconds <= clock.MAX_PICK_SECONDS
        ):
            raise ValidationError("A pick time runs from 30 seconds to 14 days.")
    if (quiet_start is None) != (quiet_end is None) or (quiet_start and quiet_start == quiet_end):
        raise ValidationError("Quiet hours need a start and a different end, or neither.")
    draft.pick_seconds = pick_seconds
    draft.first_round_pick_seconds = first_round_pick_seconds if pick_seconds else None
    draft.quiet_start, draft.quiet_end = quiet_start, quiet_end
    draft.expiry_action = expiry_action
    if draft.status == Draft.Status.LIVE:
        _restart_clock(draft, load_state(draft))
    elif draft.status == Draft.Status.PAUSED:
        # The time kept at the pause belongs to the old settings; without this a clock
        # switched off during a pause would still run out after the resume.
        draft.clock_remaining = None
    _record(draft, DraftEvent.Kind.SETUP, "Pick clock changed", actor=actor)
    return draft


@transaction.atomic
def add_category(*, draft_id: int, actor, spec: CategorySpec) -> Category:
    draft = _lock_for_setup(draft_id, actor)
    _check_category(spec)
    position = Category.objects.filter(draft=draft).count() + 1
    category = Category.objects.create(draft=draft, position=position, **_category_fields(spec))
    _record(draft, DraftEvent.Kind.SETUP, f"Category {category.name} added", actor=actor)
    return category


@transaction.atomic
def update_category(*, draft_id: int, actor, category_id: int, spec: CategorySpec) -> Category:
    draft = _lock_for_setup(draft_id, actor)
    _check_category(spec)
    category = Category.objects.filter(draft=draft, pk=category_id).first()
    if category is None:
        raise ValidationError("That category is not in this draft.")
    for key, value in _category_fields(spec).items():
        setattr(category, key, value)
    category.save()
    _record(draft, DraftEvent.Kind.SETUP, f"Category {category.name} changed", actor=actor)
    return category


@transaction.atomic
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


@transaction.atomic
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


@transaction.atomic
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


@transaction.atomic
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


@transaction.atomic
def move_seat(*, draft_id: int, actor, seat_id: int, offset: int) -> None:
    draft = _lock_for_setup(draft_id, actor)
    seats = list(Seat.objects.filter(draft=draft).select_related("membership").order_by("position"))
    _move(seats, seat_id, offset, "seat")
    _renumber(Seat, seats)
    order = ", ".join(s.membership.display_name for s in seats)
    _record(draft, DraftEvent.Kind.ORDER, f"Order set: {order}", actor=actor)


@transaction.atomic
def randomize_order(*, draft_id: int, actor, rng: random.Random | None = None) -> list[Seat]:
    draft = _lock_for_setup(draft_id, actor)
    seats = list(Seat.objects.filter(draft=draft).select_related("membership").order_by("position"))
    (rng or random.SystemRandom()).shuffle(seats)
    _renumber(Seat, seats)
    order = ", ".join(s.membership.display_name for s in seats)
    _record(draft, DraftEvent.Kind.ORDER, f"Order randomised: {order}", actor=actor)
    return seats


# --- Running a draft --------------------------------------------------------------------


@transaction.atomic
def start_draft(*, draft_id: int, actor) -> Draft:
    draft = _lock_for_setup(draft_id, actor)
    state = load_state(draft)
    if state.seat_count < 2:
        raise ValidationError("A draft needs at least two seats to start.")
    if state.round_count < 1:
        raise ValidationError("A draft needs at least one category to start.")
    draft.status = Draft.Status.LIVE
    draft.started_at = timezone.now()
    _record(draft, DraftEvent.Kind.START, f"{draft.name} started", actor=actor)
    _settle(draft, state)
    return draft


@transaction.atomic
def pause_draft(*, draft_id: int, actor) -> Draft:
    draft = _lock_as_commissioner(draft_id, actor)
    if draft.status != Draft.Status.LIVE:
        raise ValidationError("Only a live draft can be paused.")
    draft.status = Draft.Status.PAUSED
    _stop_clock(draft)
    _record(draft, DraftEvent.Kind.PAUSE, "Draft paused", actor=actor)
    return draft


@transaction.atomic
def resume_draft(*, draft_id: int, actor) -> Draft:
    draft = _lock_as_commissioner(draft_id, actor)
    if draft.status != Draft.Status.PAUSED:
        raise ValidationError("Only a paused draft can be resumed.")
    draft.status = Draft.Status.LIVE
    _resume_clock(draft)
    _record(draft, DraftEvent.Kind.RESUME, "Draft resumed", actor=actor)
    return draft


@transaction.atomic
def end_draft(*, draft_id: int, actor) -> Draft:
    draft = _lock_as_commissioner(draft_id, actor)
    if draft.status == Draft.Status.COMPLETE:
        raise ValidationError("The draft is already complete.")
    if draft.status == Draft.Status.SETUP:
        raise ValidationError("The draft has not started.")
    _complete(draft, actor=actor, summary="Draft ended by a commissioner")
    return draft


def _complete(draft: Draft, *, actor, summary: str) -> None:
    draft.status = Draft.Status.COMPLETE
    draft.completed_at = timezone.now()
    _clear_clock(draft)
    _record(draft, DraftEvent.Kind.COMPLETE, summary, actor=actor)


# --- The pick clock ---------------------------------------------------------------------


def _pick_seconds(draft: Draft, state: DraftState, slot: int) -> int | None:
    if draft.first_round_pick_seconds and state.position(slot).round == 1:
        return draft.first_round_pick_seconds
    return draft.pick_seconds


def _deadline(draft: Draft, start, seconds: float):
    return clock.deadline_after(
        start,
        seconds,
        quiet_start=draft.quiet_start,
        quiet_end=draft.quiet_end,
        time_zone=draft.league.time_zone,
    )


def _restart_clock(draft: Draft, state: DraftState) -> None:
    """Put the slot now on the clock on the clock, with a fresh deadline if there is a clock.
    The deadline is stored, so a restart of the app loses nothing and repeats nothing."""
    slot = state.on_clock
    draft.clock_slot = slot
    draft.clock_remaining = None
    seconds = _pick_seconds(draft, state, slot) if slot else None
    draft.clock_deadline = _deadline(draft, timezone.now(), seconds) if seconds else None


def _stop_clock(draft: Draft) -> None:
    """Pause: keep the clock time that was left, drop the deadline."""
    if draft.clock_deadline is not None:
        left = clock.running_seconds_between(
            timezone.now(),
            draft.clock_deadline,
            quiet_start=draft.quiet_start,
            quiet_end=draft.quiet_end,
            time_zone=draft.league.time_zone,
        )
        draft.clock_remaining = timedelta(seconds=left)
    draft.clock_deadline = None


def _resume_clock(draft: Draft) -> None:
    """Resume: the slot on the clock gets back exactly the time it had left."""
    state = load_state(draft)
    if draft.clock_slot != state.on_clock:
        _restart_clock(draft, state)
        return
    if draft.clock_remaining is not None:
        draft.clock_deadline = _deadline(
            draft, timezone.now(), draft.clock_remaining.total_seconds()
        )
    elif draft.pick_seconds and state.on_clock:
        _restart_clock(draft, state)
    draft.clock_remaining = None


def _clear_clock(draft: Draft) -> None:
    draft.clock_slot = None
    draft.clock_deadline = None
    draft.clock_remaining = None


def apply_due_clock(draft: Draft) -> bool:
    """Apply the draft's expiry action if the pick on the clock has run out of time.

    Call with the draft row locked (every service does, first thing). The action runs once:
    afterwards the expired slot is no longer on the clock (with "nothing", the draft is
    left as it is and the pick shows as overdue), so a second caller finds nothing to do.
    Returns whether anything changed.
    """
    if not clock_is_due(draft, timezone.now()):
        return False
    state = load_state(draft)
    slot = state.on_clock
    if slot is None or slot != draft.clock_slot:
        # The deadline belonged to a slot that is settled already: start the right one.
        _restart_clock(draft, state)
        draft.save()
        return True
    seat = state.seat_for_slot(slot)
    if draft.expiry_action == Draft.Expiry.AUTOPICK and _autopick(draft, state, seat, slot):
        _settle(draft, state)
        return True
    _skip(draft, actor=None, reason="time ran out")
    return True


def clock_is_due(draft: Draft, now) -> bool:
    """Whether the clock has run out on a draft whose expiry action does something. With the
    action "nothing" the pick simply shows as overdue until someone makes it."""
    return (
        draft.status == Draft.Status.LIVE
        and draft.expiry_action != Draft.Expiry.NOTHING
        and draft.clock_deadline is not None
        and draft.clock_deadline <= now
    )


def _autopick(draft: Draft, state: DraftState, seat: Seat, slot: int) -> bool:
    """Pick the seat's highest queued film that is still free and fits a category it may
    fill; False (and nothing changes) when there is none."""
    position = state.position(slot)
    if draft.is_open_slots:
        categories = state.categories_left(seat)
    else:
        categories = [state.category_for_round(position.round)]
    entries = QueueEntry.objects.filter(seat=seat).select_related("movie").order_by("rank")
    for entry in entries:
        movie = entry.movie
        if movie.pk in state.picked_movie_ids:
            continue  # sniped
        film = rules.Film(movie.title, movie.year, tuple(movie.genres), movie.runtime)
        category = next((c for c in categories if rules.is_eligible(film, c.rule)), None)
        if category is None:
            continue
        _create_pick(
            draft,
            state,
            seat=seat,
            slot=slot,
            movie=movie,
            category=category,
            entered_by=None,
            autopick=True,
        )
        summary = (
            f"{position.label} {seat.membership.display_name} selects {movie} in "
            f"{category.name} (autopick from the queue)"
        )
        _record(draft, DraftEvent.Kind.AUTOPICK, summary, slot=slot)
        return True
    return False


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
    autopick: bool = False,
) -> PickResult:
    """Make a pick for the user's seat, or (a commissioner) for `for_seat_id`.

    Guarantees: the pick fills the slot the form was made for (`expected_slot`) or nothing
    changes; at most one pick per slot and one per film in a draft, even under concurrent
    requests; a resubmission of the same form returns the first pick instead of an error.
    """
    try:
        with transaction.atomic():
            return _make_pick(
                draft_id=draft_id,
                user=user,
                movie_id=movie_id,
                expected_slot=expected_slot,
                category_id=category_id,
                for_seat_id=for_seat_id,
                override_rules=override_rules,
                autopick=autopick,
            )
    except IntegrityError:
        # Only reachable if a check above missed a race; the database refused the duplicate.
        raise ValidationError(
            "That pick clashed with another one made at the same moment. Nothing was saved: "
            "look at the board and try again."
        ) from None


def _make_pick(
    *, draft_id, user, movie_id, expected_slot, category_id, for_seat_id, override_rules, autopick
) -> PickResult:
    draft = _lock_draft(draft_id)
    apply_due_clock(draft)
    membership = _membership(draft.league, user)
    if membership is None:
        raise ValidationError("Only members of this league can pick.")
    state = load_state(draft)

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
        seat = next((s for s in state.seats if s.pk == for_seat_id), None)
        if seat is None:
            raise ValidationError("That seat is not in this draft.")
    else:
        seat = state.seat_of(membership.pk)
        if seat is None:
            raise ValidationError("You do not have a seat in this draft.")
    if override_rules and not membership.is_commissioner:
        raise ValidationError("Only a commissioner can approve a pick that breaks a category rule.")

    slot = state.slot_to_fill(seat)
    if slot is None:
        who = seat.membership.display_name
        if state.on_clock is None:
            raise ValidationError(f"{who} has no pick to make right now.")
        holder = state.seat_for_slot(state.on_clock)
        label = state.position(state.on_clock).label
        subject = "It is not your turn" if not on_behalf else f"It is not {who}'s turn"
        raise ValidationError(
            f"{subject}: pick {label} belongs to {holder.membership.display_name}."
        )
    if expected_slot is not None and slot != expected_slot:
        raise ValidationError(
            "The board has moved on since this page was loaded: "
            f"{seat.membership.display_name}'s pick is now {state.position(slot).label}. "
            "Check the board and pick again."
        )

    movie = Movie.objects.filter(pk=movie_id).first() if movie_id else None
    if movie is None:
        raise ValidationError("Choose a film from the catalog.")
    taken = state.pick_of_movie(movie.pk)
    if taken is not None:
        by = state.seat_for_slot(taken.slot).membership.display_name
        raise ValidationError(f"{movie} is already taken: {by} picked it at {taken.label}.")

    position = state.position(slot)
    if draft.is_open_slots:
        left = state.categories_left(seat)
        category = next((c for c in left if c.pk == category_id), None)
        if category is None:
            if any(c.pk == category_id for c in state.categories):
                raise ValidationError(
                    f"{seat.membership.display_name} has already filled that category."
                )
            raise ValidationError("Choose one of the categories still open.")
    else:
        category = state.category_for_round(position.round)

    reasons = rules.ineligibility_reasons(
        rules.Film(movie.title, movie.year, tuple(movie.genres), movie.runtime), category.rule
    )
    if reasons and not override_rules:
        raise ValidationError(
            f"{movie} does not fit {category.name}: {'; '.join(reasons)}. "
            "A commissioner can approve it as a ruling."
        )

    pick = _create_pick(
        draft,
        state,
        seat=seat,
        slot=slot,
        movie=movie,
        category=category,
        entered_by=user,
        autopick=autopick,
        ruling=bool(reasons),
    )

    name = seat.membership.display_name
    summary = f"{position.label} {name} selects {movie} in {category.name}"
    if on_behalf:
        summary += f" (entered by {membership.display_name})"
    kind = DraftEvent.Kind.AUTOPICK if autopick else DraftEvent.Kind.PICK
    if reasons:
        kind = DraftEvent.Kind.RULING
        summary += f"; ruling: allowed although {'; '.join(reasons)}"
    _after_board_change(draft, state, kind=kind, summary=summary, actor=user, slot=slot)
    return PickResult(pick=pick)


def _create_pick(
    draft: Draft,
    state: DraftState,
    *,
    seat: Seat,
    slot: int,
    movie: Movie,
    category: Category,
    entered_by,
    autopick: bool = False,
    ruling: bool = False,
) -> Pick:
    position = state.position(slot)
    pick = Pick.objects.create(
        draft=draft,
        slot=slot,
        round=position.round,
        pick_in_round=position.pick_in_round,
        seat=seat,
        movie=movie,
        category=category,
        entered_by=entered_by,
        is_autopick=autopick,
        is_ruling=ruling,
    )
    state.picks[slot] = pick
    state.__dict__.pop("on_clock", None)
    state.__dict__.pop("picked_movie_ids", None)
    return pick


def _after_board_change(draft: Draft, state: DraftState, *, kind, summary, actor, slot) -> None:
    """Record the change, then settle what follows from it."""
    _record(draft, kind, summary, actor=actor, slot=slot)
    _settle(draft, state)


def _settle(draft: Draft, state: DraftState) -> None:
    """After the board moved: members with autopick on pick from their queue the moment they
    come on the clock; then the draft either completes or its next slot goes on the clock
    (with a fresh deadline, and mail to the member now up, sent once the transaction commits)."""
    if draft.status != Draft.Status.LIVE:
        return
    while state.on_clock is not None:
        seat = state.seat_for_slot(state.on_clock)
        if not (seat.autopick and _autopick(draft, state, seat, state.on_clock)):
            break
    if state.is_settled:
        _complete(draft, actor=None, summary="Every pick is in: draft complete")
        return
    if draft.clock_slot != state.on_clock:
        _restart_clock(draft, state)
        draft.save()
        if state.on_clock is not None:
            slot = state.on_clock
            transaction.on_commit(lambda: notifications.announce_turn(draft.pk, slot))


@transaction.atomic
def undo_last_pick(*, draft_id: int, actor, expected_pick_id: int | None = None) -> Pick:
    """Remove the most recent pick: its film is pickable again, its slot is back on the clock
    (or owed again, if it made up a skip), and the clock restarts for that seat."""
    draft = _lock_as_commissioner(draft_id, actor)
    if draft.status == Draft.Status.SETUP:
        raise ValidationError("The draft has not started.")
    last = (
        Pick.objects.filter(draft=draft)
        .select_related("movie", "seat__membership", "category")
        .order_by("-pk")  # ids rise with every insert; server clocks may disagree
        .first()
    )
    if last is None:
        raise ValidationError("There is no pick to undo.")
    if draft.status == Draft.Status.COMPLETE and not load_state(draft).is_settled:
        raise ValidationError("A commissioner ended this draft early; it cannot be reopened.")
    if expected_pick_id is not None and last.pk != expected_pick_id:
        # A stale confirmation page must not undo a pick the commissioner never saw.
        raise ValidationError(
            "The last pick has changed since you asked to undo it. Nothing was undone: "
            "check the board and try again."
        )
    last.delete()
    if draft.status == Draft.Status.COMPLETE:
        draft.status = Draft.Status.LIVE
        draft.completed_at = None
    state = load_state(draft)
    if draft.status == Draft.Status.LIVE:
        _restart_clock(draft, state)
    summary = f"{last.label} {last.seat.membership.display_name}'s pick of {last.movie} undone"
    _record(draft, DraftEvent.Kind.UNDO, summary, actor=actor, slot=last.slot)
    return last


@transaction.atomic
def skip_on_clock(*, draft_id: int, actor=None, expected_slot: int | None = None) -> int:
    """Skip the seat on the clock: the draft moves to the next slot and the skipped member
    makes up the pick when they return. `actor` None means the clock did it."""
    draft = _lock_draft(draft_id)
    if actor is not None:
        _require_commissioner(draft.league, actor)
        apply_due_clock(draft)  # if it just skipped that seat, the expected slot says so
    return _skip(draft, actor=actor, expected_slot=expected_slot)


def _skip(draft: Draft, *, actor, expected_slot: int | None = None, reason: str = "") -> int:
    if draft.status != Draft.Status.LIVE:
        raise ValidationError("Only a live draft can skip a pick.")
    state = load_state(draft)
    slot = state.on_clock
    if slot is None:
        raise ValidationError("No pick is on the clock.")
    if expected_slot is not None and slot != expected_slot:
        raise ValidationError("The board has moved on: that pick is no longer on the clock.")
    SkippedSlot.objects.create(draft=draft, slot=slot)
    state.skipped.add(slot)
    state.__dict__.pop("on_clock", None)
    seat = state.seat_for_slot(slot)
    summary = f"{state.position(slot).label} {seat.membership.display_name} skipped"
    if reason:
        summary += f" ({reason})"
    _after_board_change(
        draft, state, kind=DraftEvent.Kind.SKIP, summary=summary, actor=actor, slot=slot
    )
    return slot


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
    from draft.selectors import similar_movies

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


@transaction.atomic
def tick_clock(*, draft_id: int) -> bool:
    """Apply an expired clock on one draft (a board view, or the draft_clock worker)."""
    draft = _lock_draft(draft_id)
    return apply_due_clock(draft)


# --- Queues -----------------------------------------------------------------------------


def _lock_own_seat(draft_id: int, user) -> Seat:
    """The user's seat in the draft, locked: one member's queue edits (two tabs, a double
    click) run one after the other, so ranks stay 1..n without gaps or clashes."""
    seat = (
        Seat.objects.select_for_update()
        .select_related("membership", "draft")
        .filter(draft_id=draft_id, membership__user=user)
        .first()
    )
    if seat is None:
        raise ValidationError("You do not have a seat in this draft, so you have no queue.")
    return seat


@transaction.atomic
def queue_add(*, draft_id: int, user, movie_id: int | None) -> QueueEntry:
    seat = _lock_own_seat(draft_id, user)
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


@transaction.atomic
def queue_remove(*, draft_id: int, user, entry_id: int | None) -> None:
    seat = _lock_own_seat(draft_id, user)
    entries = list(QueueEntry.objects.filter(seat=seat).order_by("rank"))
    doomed = next((e for e in entries if e.pk == entry_id), None)
    if doomed is None:
        raise ValidationError("That film is not in your queue any more.")
    rest = [e for e in entries if e.pk != entry_id]
    doomed.delete()
    _rerank(rest)


@transaction.atomic
def queue_move(*, draft_id: int, user, entry_id: int | None, offset: int) -> None:
    seat = _lock_own_seat(draft_id, user)
    entries = list(QueueEntry.objects.filter(seat=seat).order_by("rank"))
    index = next((i for i, e in enumerate(entries) if e.pk == entry_id), None)
    if index is None:
        raise ValidationError("That film is not in your queue any more.")
    target = min(max(index + offset, 0), len(entries) - 1)
    entries.insert(target, entries.pop(index))
    _rerank(entries)


def _rerank(entries: list[QueueEntry]) -> None:
    _renumber(QueueEntry, entries, field="rank")


@transaction.atomic
def set_autopick(*, draft_id: int, user, enabled: bool) -> Seat:
    """Turn autopick on or off for the user's own seat. Turned on while the member is on the
    clock, it picks from the queue at once."""
    draft = _lock_draft(draft_id)  # the board may change: the draft lock comes first
    apply_due_clock(draft)
    seat = _lock_own_seat(draft_id, user)
    seat.autopick = enabled
    seat.save(update_fields=["autopick"])
    if enabled and draft.status == Draft.Status.LIVE:
        state = load_state(draft)
        slot = state.on_clock
        mine = slot is not None and state.seat_for_slot(slot).pk == seat.pk
        if mine and _autopick(draft, state, state.seat_for_slot(slot), slot):
            _settle(draft, state)
    return seat
