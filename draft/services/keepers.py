"""Keepers: films members keep from their picks of the season before, each costing a pick of
the new season, chosen before the draft starts, approved by a commissioner, and placed in their
slots when it starts (`place_keepers`, called by `running.start_draft`)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from draft import narration, rules
from draft.models import Draft, DraftEvent, Keeper, Membership, Pick, Season
from draft.repeats import as_film
from draft.services.writing import draft_write, lock_draft, record_change, require_commissioner
from draft.state import DraftState


@dataclass
class KeeperOption:
    """One of a member's picks of the season before, and what keeping it would cost."""

    pick: Pick
    round: int | None  # the round of the new season it would cost; None when it cannot be kept
    why_not: str = ""
    needs_ruling: str = ""  # per-round mode: why it does not fit that round's category
    keeper: Keeper | None = None  # chosen already

    @property
    def times_kept(self) -> int:
        return 1 if self.pick.is_keeper else 0


def season_before(draft: Draft) -> Draft | None:
    """The draft of the league's season before this draft's, if it is over."""
    season = Season.objects.filter(
        league_id=draft.league_id, number=draft.season.number - 1
    ).first()
    if season is None:
        return None
    return Draft.objects.filter(season=season, status=Draft.Status.COMPLETE).first()


def keeper_round(pick: Pick, draft: Draft, round_count: int) -> tuple[int | None, str]:
    """The round a keeper of `pick` costs in `draft`: the round it was drafted in, or, for a
    film kept before, one round earlier than the round it cost then. None, and why, when it
    cannot be kept."""
    cost = pick.round - 1 if pick.is_keeper else pick.round
    if cost < 1:
        return None, "it has been kept as often as it can be (it cost a first-round pick)"
    if cost == 1 and not draft.league.keepers_in_round_one:
        return None, "it would cost a first-round pick, which the league does not allow"
    if cost > round_count:
        return None, f"it would cost a round-{cost} pick and this season has {round_count} rounds"
    return cost, ""


def keeper_options(draft: Draft, membership: Membership) -> list[KeeperOption]:
    """The member's picks of the season before, each with its cost, and which they keep."""
    before = season_before(draft)
    if before is None:
        return []
    state = DraftState.load(draft)
    seat = state.seat_of(membership.pk)
    chosen = (
        {k.kept_from_id: k for k in Keeper.objects.filter(draft=draft, seat=seat)} if seat else {}
    )
    options = []
    picks = (
        Pick.objects.filter(draft=before, seat__membership=membership)
        .select_related("movie", "category", "draft")
        .order_by("slot")
    )
    for pick in picks:
        round_number, why_not = keeper_round(pick, draft, state.round_count)
        option = KeeperOption(pick=pick, round=round_number, why_not=why_not)
        if round_number is not None and not draft.is_open_slots:
            category = state.category_for_round(round_number)
            reasons = rules.ineligibility_reasons(as_film(pick.movie), category.rule)
            option.needs_ruling = "; ".join(reasons)
        option.keeper = chosen.get(pick.pk)
        options.append(option)
    return options


def keepers_open(draft: Draft, now=None) -> bool:
    """Whether members may still choose their keepers for this draft."""
    deadline = draft.season.keeper_deadline
    return draft.status == Draft.Status.SETUP and (
        deadline is None or (now or timezone.now()) < deadline
    )


@draft_write
def choose_keepers(
    *,
    draft_id: int,
    user,
    pick_ids: list[int],
    categories: dict[int, int] | None = None,
    for_seat_id: int | None = None,
) -> list[Keeper]:
    """The member's keepers for this draft: their picks `pick_ids` of the season before
    (`categories`: pick id -> category id, in open-slot mode). Replaces their earlier choice;
    a commissioner approves it. A commissioner may edit a member's keepers (`for_seat_id`),
    the deadline past or not: theirs are approved as they are made. Refused after the
    deadline, past the league's number, for a film whose cost is not allowed, and for two
    keepers costing the same round or (open slots) filling the same category."""
    draft = lock_draft(draft_id)
    league = draft.league
    if not league.keepers_per_member:
        raise ValidationError("This league does not keep films from one season to the next.")
    if draft.status != Draft.Status.SETUP:
        raise ValidationError("The draft has started: keepers were placed at the start.")
    state = DraftState.load(draft)
    if for_seat_id is not None:
        require_commissioner(league, user)
        seat = state.seat_by_id(for_seat_id)
        if seat is None or not seat.has_member:
            raise ValidationError("That seat has no member of the league to keep films for.")
        membership = seat.membership
    else:
        if not keepers_open(draft):
            raise ValidationError(
                "The keeper deadline has passed: keepers can no longer be chosen or changed."
            )
        membership = Membership.objects.filter(league=league, user=user).first()
        seat = state.seat_of(membership.pk) if membership else None
        if seat is None:
            raise ValidationError("You have no seat in this draft, so nothing to keep.")
    pick_ids = list(dict.fromkeys(pick_ids))
    if len(pick_ids) > league.keepers_per_member:
        many = league.keepers_per_member
        raise ValidationError(f"You may keep {many} film{'s' if many != 1 else ''} at most.")
    options = {o.pick.pk: o for o in keeper_options(draft, membership)}
    keepers = []
    rounds, filled = {}, {}
    for pick_id in pick_ids:
        option = options.get(pick_id)
        if option is None:
            raise ValidationError("You can keep only your own picks of the season before.")
        if option.round is None:
            raise ValidationError(f"{option.pick.movie} cannot be kept: {option.why_not}.")
        if option.round in rounds:
            raise ValidationError(
                f"{option.pick.movie} and {rounds[option.round]} would both cost your "
                f"round-{option.round} pick: keep one of them."
            )
        rounds[option.round] = option.pick.movie
        if option.round <= state.round_count:
            holder = state.seat_for_slot(state.slot_in_round(option.round, seat))
            if holder.pk != seat.pk:
                raise ValidationError(
                    f"{option.pick.movie} would cost the round-{option.round} pick drawn for "
                    f"{seat.display_name}, which {holder.display_name} holds after a trade."
                )
        if draft.is_open_slots:
            category = state.category_by_id((categories or {}).get(pick_id))
            if category is None:
                raise ValidationError(f"Choose the category {option.pick.movie} fills.")
            if category.pk in filled:
                raise ValidationError(
                    f"{option.pick.movie} and {filled[category.pk]} cannot both fill "
                    f"{category.name}."
                )
            filled[category.pk] = option.pick.movie
            reasons = rules.ineligibility_reasons(as_film(option.pick.movie), category.rule)
        else:
            category = state.category_for_round(option.round)
            reasons = rules.ineligibility_reasons(as_film(option.pick.movie), category.rule)
        keepers.append(
            Keeper(
                draft=draft,
                seat=seat,
                kept_from=option.pick,
                movie=option.pick.movie,
                round=option.round,
                category=category,
                needs_ruling=bool(reasons),
                approved=for_seat_id is not None,
            )
        )
    Keeper.objects.filter(draft=draft, seat=seat).delete()
    Keeper.objects.bulk_create(keepers)
    record_change(
        draft,
        DraftEvent.Kind.SETUP,
        narration.keepers_chosen(
            seat.display_name, len(keepers), by_commissioner=for_seat_id is not None
        ),
        actor=user,
    )
    return keepers


@draft_write
def review_keeper(*, draft_id: int, actor, keeper_id: int, approve: bool) -> None:
    """A commissioner approves a keeper (their approval is the ruling a film that breaks its
    category's rules needs) or drops it."""
    draft = lock_draft(draft_id)
    require_commissioner(draft.league, actor)
    if draft.status != Draft.Status.SETUP:
        raise ValidationError("The draft has started: keepers were placed at the start.")
    keeper = (
        Keeper.objects.filter(draft=draft, pk=keeper_id).select_related("movie", "seat").first()
    )
    if keeper is None:
        raise ValidationError("That keeper is no longer there.")
    who = keeper.seat.display_name
    if approve and keeper.approved:
        return  # approved already (a second click): nothing to log
    if approve:
        Keeper.objects.filter(pk=keeper.pk).update(approved=True)
        sentence = narration.keeper_approved(who, keeper.movie)
    else:
        keeper.delete()
        sentence = narration.keeper_dropped(who, keeper.movie)
    record_change(draft, DraftEvent.Kind.SETUP, sentence, actor=actor)


def place_keepers(state: DraftState, now) -> list[Pick]:
    """At the start (the draft row locked, the slots drawn): each approved keeper becomes a
    pick in the slot of its round its seat holds, before the first slot goes on the clock;
    keepers not approved are dropped. Logged, one line each. The categories are read as they
    are now (a commissioner may have changed them since the keepers were chosen): a keeper whose
    round is gone, or (open slots) whose category is, refuses the start with what to do."""
    draft = state.draft
    keepers = list(
        Keeper.objects.filter(draft=draft).select_related("movie", "kept_from__draft", "seat")
    )
    picks, dropped, problems = [], [], []
    filled = set()
    for keeper in keepers:
        if not keeper.approved:
            dropped.append(keeper)
            continue
        seat = state.seat_by_id(keeper.seat_id)
        who = f"{keeper.seat.display_name}'s keeper {keeper.movie}"
        # The categories may have changed since it was chosen: checked again as they are now.
        if keeper.round > state.round_count:
            problems.append(
                f"{who} costs a round-{keeper.round} pick and the draft has "
                f"{state.round_count} round{'s' if state.round_count != 1 else ''}"
            )
            continue
        if draft.is_open_slots:
            category = state.category_by_id(keeper.category_id)
            if category is None or (seat.pk, category.pk) in filled:
                problems.append(f"{who} has no category to fill: choose it again")
                continue
            filled.add((seat.pk, category.pk))
        else:
            category = state.category_for_round(keeper.round)
        slot = state.slot_in_round(keeper.round, seat)
        position = state.position(slot)
        picks.append(
            Pick(
                draft=draft,
                slot=slot,
                round=position.round,
                pick_in_round=position.pick_in_round,
                seat=seat,
                movie=keeper.movie,
                category=category,
                category_chosen=draft.is_open_slots,
                # A commissioner's approval is the ruling a film that breaks the rules needs.
                is_ruling=bool(rules.ineligibility_reasons(as_film(keeper.movie), category.rule)),
                is_keeper=True,
                kept_from=keeper.kept_from,
                version=draft.version,
            )
        )
    if problems:
        raise ValidationError(
            "The draft cannot start yet: " + "; ".join(problems) + ". Drop the keeper or "
            "change the categories on the keepers page."
        )
    Pick.objects.bulk_create(picks)
    for pick in picks:
        state.place_keeper(pick)
    for keeper in dropped:
        DraftEvent.objects.create(
            draft=draft,
            kind=DraftEvent.Kind.SETUP,
            summary=narration.keeper_dropped(keeper.seat.display_name, keeper.movie, late=True),
            version=draft.version,
        )
    for pick in picks:
        DraftEvent.objects.create(
            draft=draft,
            kind=DraftEvent.Kind.KEEPER,
            slot=pick.slot,
            movie=pick.movie,
            category=pick.category,
            summary=narration.kept(
                state.label(pick.slot),
                pick.seat.display_name,
                pick.movie,
                pick.kept_from.draft.name,
            ),
            version=draft.version,
        )
    return picks


def seat_keepers(draft: Draft) -> dict[int, list[Keeper]]:
    """Every seat's keepers (the commissioner's review), by seat id."""
    by_seat: dict[int, list[Keeper]] = {}
    for keeper in Keeper.objects.filter(draft=draft).select_related(
        "movie", "category", "seat__membership"
    ):
        by_seat.setdefault(keeper.seat_id, []).append(keeper)
    return by_seat


@draft_write
def set_keeper_deadline(*, draft_id: int, actor, deadline) -> Season:
    """Until when members choose their keepers (None: until the start)."""
    draft = lock_draft(draft_id)
    require_commissioner(draft.league, actor)
    if draft.status != Draft.Status.SETUP:
        raise ValidationError("The draft has started: keepers were placed at the start.")
    Season.objects.filter(pk=draft.season_id).update(keeper_deadline=deadline)
    record_change(draft, DraftEvent.Kind.SETUP, narration.keeper_deadline(deadline), actor=actor)
    return Season.objects.get(pk=draft.season_id)
