"""Reading trades: a pick named by its round and the seat it is drawn for (`PickRef`), its
label, who holds it and whether it may be traded (the services check proposals with these);
and the trade page: the open proposals as a viewer sees them, the history of trades, each
member's picks with where they came from, and the two sides of a proposal being made. A fixed number of queries whatever the draft's size: the state (five), the trades and
their items (two), the vetoes (one), the keepers before the start (one)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.timesince import timeuntil

from config.inputs import parse_int
from draft.models import Draft, Keeper, Membership, Seat, Trade, TradeItem, TradeVeto
from draft.state import DraftState

DAMAGED = "This form was changed or damaged on its way: reload the page and try again."


@dataclass(frozen=True)
class PickRef:
    """A pick of a draft, named by its round and the seat it is drawn for (its board column)."""

    round: int
    original: Seat

    @property
    def token(self) -> str:
        return f"{self.round}:{self.original.pk}"


def parse_refs(state: DraftState, tokens: list[str]) -> list[PickRef]:
    """The picks a form names ("2:417": round 2, drawn for seat 417), refused when damaged, of
    another draft, or named twice."""
    refs = []
    for token in tokens:
        round_text, _, seat_text = str(token).partition(":")
        round_number, seat_id = parse_int(round_text), parse_int(seat_text)
        if round_number is None or seat_id is None:
            raise ValidationError(DAMAGED)
        original = state.seat_by_id(seat_id)
        if original is None or not 1 <= round_number <= state.round_count:
            raise ValidationError("One of those picks is not a pick of this draft.")
        refs.append(PickRef(round_number, original))
    if len({r.token for r in refs}) != len(refs):
        raise ValidationError("The same pick is named twice.")
    return refs


def slot_of(state: DraftState, ref: PickRef) -> int:
    return state.slot_in_round(ref.round, ref.original)


def label(state: DraftState, ref: PickRef, seat: Seat | None = None) -> str:
    """ "2.04" once the order is drawn; before the start, "Round 2 (Ana's)", or "Round 2" for
    `seat`'s own pick (the seat it is drawn for)."""
    if state.draft.status == Draft.Status.SETUP:
        if seat is not None and seat.pk == ref.original.pk:
            return f"Round {ref.round}"
        return f"Round {ref.round} ({ref.original.display_name}'s)"
    return state.label(slot_of(state, ref))


def holder(state: DraftState, ref: PickRef) -> Seat:
    return state.seat_for_slot(slot_of(state, ref))


def kept_rounds(state: DraftState) -> set[tuple[int, int]]:
    """(round, seat id) of the picks keepers will fill at the start: not to be traded. Once
    the draft has started a keeper is a pick, and a used slot is never tradeable anyway."""
    if state.draft.status != Draft.Status.SETUP:
        return set()
    return set(Keeper.objects.filter(draft=state.draft).values_list("round", "seat_id"))


def why_not_tradeable(state: DraftState, ref: PickRef, seat: Seat, kept=frozenset()) -> str:
    """Why `seat` cannot trade the pick away now ("" when it can)."""
    slot = slot_of(state, ref)
    name = label(state, ref)
    if not state.holds(seat, slot):
        return f"{name} is not {seat.display_name}'s to trade: {holder(state, ref).display_name} holds it."
    if slot in state.picks:
        return f"{name} has been used."
    if slot in state.skipped:
        return f"{name} was skipped and is still owed: only its member can make it up."
    if (ref.round, ref.original.pk) in kept:
        return f"{name} is kept for a keeper."
    return ""


def tradeable(state: DraftState, seat: Seat) -> list[PickRef]:
    """The picks `seat` may offer now, in order."""
    kept = kept_rounds(state)
    refs = [
        PickRef(state.position(n).round, state.original_seat(n)) for n in state.slots_held(seat)
    ]
    return [r for r in refs if (r.round, r.original.pk) not in kept]


# --- The trade page ------------------------------------------------------------------------


@dataclass
class Holding:
    """A pick a seat holds: its label, the seat it came from (a trade), and its film once used."""

    label: str
    came_from: str = ""
    film: str = ""
    kept: bool = False


@dataclass
class TradeRow:
    trade: Trade
    gives: list[str]  # labels the proposer gives
    gets: list[str]  # labels the proposer gets
    vetoes: int = 0
    vetoed_by_viewer: bool = False
    vetoers: list[TradeVeto] = field(default_factory=list)  # for commissioners
    lapses: str = ""  # "in 3 hours", for a proposal still waiting


@dataclass
class Side:
    seat: Seat
    picks: list[tuple[PickRef, str]]  # (pick, label)


@dataclass
class TradePage:
    draft: Draft
    viewer: Membership | None
    seat: Seat | None  # the viewer's seat
    incoming: list[TradeRow] = field(default_factory=list)  # proposed to the viewer
    outgoing: list[TradeRow] = field(default_factory=list)  # the viewer's, still open
    in_review: list[TradeRow] = field(default_factory=list)
    others_open: int = 0  # open proposals between other members
    history: list[TradeRow] = field(default_factory=list)
    holdings: list[tuple[Seat, list[Holding]]] = field(default_factory=list)
    partners: list[Seat] = field(default_factory=list)  # whom the viewer may propose to
    mine: Side | None = None  # the proposal being made: the viewer's picks
    theirs: Side | None = None  # and the other member's
    preset: set[str] = field(default_factory=set)  # picks ticked (a counter's)
    countering: Trade | None = None


def trade_page(state: DraftState, viewer: Membership | None, *, partner_id=None, counter_id=None):
    draft = state.draft
    now = timezone.now()
    seat = state.seat_of(viewer.pk) if viewer is not None else None
    page = TradePage(draft=draft, viewer=viewer, seat=seat)
    trades = list(
        Trade.objects.filter(draft=draft)
        .select_related("proposer__membership", "receiver__membership")
        .annotate(veto_count=Count("vetoes"))
        .prefetch_related(Prefetch("items", queryset=TradeItem.objects.order_by("round", "id")))
        .order_by("-created_at", "-id")
    )
    vetoes = []
    if viewer is not None:
        vetoes = list(
            TradeVeto.objects.filter(trade__draft=draft)
            .select_related("membership")
            .order_by("created_at", "pk")
        )
    mine_vetoed = {v.trade_id for v in vetoes if v.membership_id == viewer.pk}
    # Who vetoed and when: shown to commissioners.
    vetoers = {}
    if viewer is not None and viewer.is_commissioner:
        for veto in vetoes:
            vetoers.setdefault(veto.trade_id, []).append(veto)
    for trade in trades:
        row = TradeRow(
            trade,
            gives=[i.label for i in trade.items.all() if i.from_seat_id == trade.proposer_id],
            gets=[i.label for i in trade.items.all() if i.from_seat_id == trade.receiver_id],
            vetoes=trade.veto_count,
            vetoed_by_viewer=trade.pk in mine_vetoed,
            vetoers=vetoers.get(trade.pk, []),
            lapses=_lapses(trade, now),
        )
        if trade.status == Trade.Status.REVIEW:
            if viewer is not None:
                page.in_review.append(row)
        elif trade.status == Trade.Status.PROPOSED:
            if seat is not None and trade.receiver_id == seat.pk:
                page.incoming.append(row)
            elif seat is not None and trade.proposer_id == seat.pk:
                page.outgoing.append(row)
            else:
                page.others_open += 1
        elif _shown(trade, viewer, seat):
            page.history.append(row)
    page.holdings = _holdings(state)
    if seat is not None and draft.league.trading and draft.status != Draft.Status.COMPLETE:
        page.partners = [
            s for s in state.seats if s.pk != seat.pk and s.has_member and not s.membership.left_at
        ]
        countering = next((r.trade for r in page.incoming if r.trade.pk == counter_id), None)
        if countering is not None:
            partner_id = countering.proposer_id
            page.countering = countering
            page.preset = {f"{i.round}:{i.original_seat_id}" for i in countering.items.all()}
        partner = next((s for s in page.partners if s.pk == partner_id), None)
        if partner is not None:
            page.mine = Side(seat, [(r, label(state, r, seat)) for r in tradeable(state, seat)])
            page.theirs = Side(
                partner, [(r, label(state, r, partner)) for r in tradeable(state, partner)]
            )
    return page


# Trades every member of the league sees in the history: those the league had a say in.
LEAGUE_SEES = (Trade.Status.VETOED, Trade.Status.REJECTED, Trade.Status.FAILED)


def _shown(trade: Trade, viewer: Membership | None, seat: Seat | None) -> bool:
    """Readers see the trades that happened; members also those the league stopped or that
    fell through; the two sides and commissioners, every one (declined, withdrawn, lapsed)."""
    if trade.status in (Trade.Status.COMPLETED, Trade.Status.UNDONE):
        return True
    if viewer is None:
        return False
    if viewer.is_commissioner or trade.status in LEAGUE_SEES:
        return True
    return seat is not None and seat.pk in (trade.proposer_id, trade.receiver_id)


def _lapses(trade: Trade, now) -> str:
    if trade.status != Trade.Status.PROPOSED or trade.expires_at is None:
        return ""
    if trade.expires_at - now < timedelta(minutes=1):
        return "in less than a minute"
    return f"in {timeuntil(trade.expires_at, now)}"


def _holdings(state: DraftState) -> list[tuple[Seat, list[Holding]]]:
    """Each seat's picks, in slot order: where each came from when a trade brought it, and the
    film once it is used."""
    kept = kept_rounds(state)
    rows = {seat.pk: [] for seat in state.seats}
    for slot in range(1, state.total_slots + 1):
        holder, original = state.seat_for_slot(slot), state.original_seat(slot)
        ref = PickRef(state.position(slot).round, original)
        pick = state.picks.get(slot)
        rows[holder.pk].append(
            Holding(
                label=label(state, ref, holder),
                # Before the start the label names the seat it is drawn for already.
                came_from=original.display_name
                if original.pk != holder.pk and state.draft.status != Draft.Status.SETUP
                else "",
                film=str(pick.movie) if pick is not None else "",
                kept=(pick is not None and pick.is_keeper) or (ref.round, original.pk) in kept,
            )
        )
    return [(seat, rows[seat.pk]) for seat in state.seats]
