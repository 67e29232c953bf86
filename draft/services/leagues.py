"""Leagues and their members: creating and editing a league, joining with an invite,
roles, names, removing a member.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from draft import bus, narration
from draft.models import Draft, DraftEvent, League, Membership, Seat, new_invite_token
from draft.services import setup, trade_effects
from draft.services.writing import (
    draft_write,
    insert_with_unique_slug,
    record_change,
    renumber,
    require_commissioner,
    slug_candidates,
)

RESERVED_LEAGUE_SLUGS = {"new"}


def default_display_name(user) -> str:
    return user.display_name


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

    return insert_with_unique_slug(
        create,
        slug_candidates(name, "league", RESERVED_LEAGUE_SLUGS, secret=not is_public),
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
    seat_new_members: bool | None = None,
    no_repeat_seasons: int | None = None,
    keepers_per_member: int | None = None,
    keepers_in_round_one: bool | None = None,
    trade_settings: dict | None = None,
) -> League:
    """Save the settings form. Only its fields are written, so a concurrent invite rotation
    (or any other change) survives; a switch left out (None) stays as it is."""
    require_commissioner(league, actor)
    changes = {
        "name": name.strip(),
        "description": description.strip(),
        "is_public": is_public,
        "time_zone": time_zone,
    }
    for switch, value in (
        ("readers_may_chat", readers_may_chat),
        ("seat_new_members", seat_new_members),
        ("no_repeat_seasons", no_repeat_seasons),
        ("keepers_per_member", keepers_per_member),
        ("keepers_in_round_one", keepers_in_round_one),
    ):
        if value is not None:
            changes[switch] = value
    # Trading: whether members trade, the review, the windows (draft.forms.TRADE_SETTINGS).
    for name, value in (trade_settings or {}).items():
        if name in League.TRADE_SETTINGS and value is not None:
            changes[name] = value
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
    try:
        with transaction.atomic():
            # The drafts being set up first (lock order): the newcomer may take a seat in each.
            drafts = list(
                Draft.objects.select_for_update(no_key=True)
                .filter(league=league, status=Draft.Status.SETUP)
                .order_by("pk")
            )
            returning = Membership.everyone.filter(league=league, user=user, left_at__isnull=False)
            if returning.update(left_at=None):
                membership, created = Membership.objects.get(league=league, user=user), True
            else:
                membership, created = Membership.objects.get_or_create(
                    league=league, user=user, defaults={"display_name": default_display_name(user)}
                )
            if created:
                if league.seat_new_members:
                    for draft in drafts:
                        setup.seat_member(draft, membership, actor=user)
                bus.access_changed(league_id=league.pk, user_id=user.pk)
    except IntegrityError:  # the same user joining from two tabs at once
        membership, created = Membership.objects.get(league=league, user=user), False
    return membership, created


@transaction.atomic
def remove_member(*, league: League, actor, membership: Membership) -> None:
    """A commissioner removes a member, or a member leaves. From the commit on they are an
    outsider: a private league's pages are 404 to them and their open streams close.

    Their seats in drafts that have not started go (each such draft's order closes up), unless
    picks of theirs were traded away (see trade_effects.member_left); in a draft that has started,
    their seat and picks stay on the board under their name, and a commissioner picks for them
    if their turn comes. Their trade proposals fall through. A league keeps at least one
    commissioner."""
    # The league's drafts first (lock order), in id order, then its commissioners: two
    # commissioners leaving at once must not each see the other stay.
    drafts = list(Draft.objects.select_for_update(no_key=True).filter(league=league).order_by("pk"))
    list(Membership.objects.select_for_update().filter(league=league, is_commissioner=True))
    if membership.league_id != league.pk:
        raise ValidationError("That person is not in this league.")
    leaving = membership.user_id == actor.pk
    if not leaving:
        require_commissioner(league, actor)
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
        seats = list(Seat.objects.filter(draft=draft).order_by("position"))
        theirs = next((seat for seat in seats if seat.membership_id == membership.pk), None)
        if theirs is None or draft.status == Draft.Status.COMPLETE:
            continue
        # Their proposals fall through; picks traded to them go back. A seat some of whose
        # picks were traded away stays in the order: those picks stay where they went.
        kept = trade_effects.member_left(draft, theirs, now)
        if draft.status != Draft.Status.SETUP:
            continue
        if kept:
            gone = narration.member_gone(name, leaving=leaving)
            record_change(
                draft,
                DraftEvent.Kind.ORDER,
                f"{gone}; the seat stays, as picks drawn for it were traded",
                actor=actor,
            )
            continue
        Seat.objects.filter(draft=draft, membership=membership).delete()
        renumber(Seat, [seat for seat in seats if seat.membership_id != membership.pk])
        record_change(
            draft,
            DraftEvent.Kind.ORDER,
            narration.member_gone(name, leaving=leaving),
            actor=actor,
        )
    Membership.objects.filter(pk=membership.pk).update(left_at=now, is_commissioner=False)
    membership.left_at, membership.is_commissioner = now, False
    bus.access_changed(league_id=league.pk, user_id=membership.user_id)


@transaction.atomic
def rotate_invite(*, league: League, actor) -> str:
    """Replace the invite token: the old link stops working at once."""
    require_commissioner(league, actor)
    league.invite_token = new_invite_token()
    League.objects.filter(pk=league.pk).update(invite_token=league.invite_token)
    return league.invite_token


@transaction.atomic
def set_commissioner(*, league: League, actor, membership: Membership, value: bool) -> None:
    # Lock the league's commissioners first: two of them stepping down at the same moment
    # must not each see the other stay, and leave the league with none.
    list(Membership.objects.select_for_update().filter(league=league, is_commissioner=True))
    require_commissioner(league, actor)
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
        require_commissioner(membership.league, actor)
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
            summary=narration.member_renamed(old, name),
            version=draft.version,
            created_at=now,
        )
        bus.board_changed(draft.pk, draft.version)
