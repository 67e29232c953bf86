"""Every act of a draft in words, in one place.

Two kinds of words come from here:

- the log line an act is stored with (`DraftEvent.summary`), written by the service that makes
  the act: the draft log page and the chat's system lines show it as it was written (the names
  of that moment);
- the live region's sentence (`sentences`), said to every open board when the act reaches it,
  made from the event's structured fields (its kind, slot, film, who did it) and the draft's
  state, never from the log line's wording.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC

from draft.models import DraftEvent

# Why a pick or a skip was made by the clock rather than by a person.
TIME_RAN_OUT = "time ran out"

PAUSED = "Draft paused"
RESUMED = "Draft resumed"
ENDED = "Draft ended by a commissioner"
COMPLETE = "Every pick is in: draft complete"
CLOCK_CHANGED = "Pick clock changed"


def created(draft_name: str) -> str:
    return f"{draft_name} created"


def keepers_chosen(who: str, count: int, *, by_commissioner: bool = False) -> str:
    if by_commissioner:
        return f"A commissioner set {who}'s keepers: {count}, approved"
    if not count:
        return f"{who} keeps no film"
    return f"{who} chose {count} keeper{'s' if count != 1 else ''}"


def keeper_approved(who: str, movie) -> str:
    return f"Keeper approved: {who} keeps {movie}"


def keeper_dropped(who: str, movie, *, late: bool = False) -> str:
    if late:
        return f"Keeper not approved before the start, dropped: {who}'s {movie}"
    return f"Keeper dropped: {who}'s {movie}"


def keeper_deadline(deadline) -> str:
    if deadline is None:
        return "Keepers may be chosen until the start"
    return f"Keepers are due by {deadline.astimezone(UTC):%d %b %Y, %H:%M} UTC"


def kept(label: str, who: str, movie, season_name: str) -> str:
    return f"{label} {who} keeps {movie} from {season_name}"


def season_renewed(last_name: str) -> str:
    return f"Next season started from {last_name}: its categories, rules, clock and seats"


def started(draft_name: str) -> str:
    return f"{draft_name} started"


def pick(
    label: str,
    name: str,
    movie,
    category_name: str,
    *,
    note: str = "",
    entered_for: str = "",
    ruling: Iterable[str] = (),
) -> str:
    """A pick's log line: `note` says why the clock made it, `entered_for` who entered it for
    the member, `ruling` the rules it breaks that a commissioner allowed."""
    line = f"{label} {name} selects {movie} in {category_name}"
    if note:
        line += f" ({note})"
    if entered_for:
        line += f" (entered by {entered_for})"
    ruling = list(ruling)
    if ruling:
        line += f"; ruling: allowed although {'; '.join(ruling)}"
    return line


def via(holder, original) -> str:
    """A slot held by a seat it was not drawn for (a trade): "Bob via Ana"."""
    return f"{holder.display_name} via {original.display_name}"


def picker(state, slot: int, seat) -> str:
    """Who picks at `slot`, as the log names them: "Bob", or "Bob (via Ana)" for a slot drawn
    for another seat."""
    original = state.original_seat(slot)
    if original.position == seat.position:
        return seat.display_name
    return f"{seat.display_name} (via {original.display_name})"


def you_picked(state, pick) -> str:
    """What the picker hears of their own pick, and of their next turn when it is straight
    away (a snake's double turn, or a skipped pick to make up)."""
    said = f"You picked {pick.movie} at {pick.label}."
    seat = state.seat_by_id(pick.seat_id)
    slot = state.slot_to_fill(seat) if seat is not None and state.draft.is_live else None
    if slot is None:
        return said
    where = state.position(slot)
    category = state.category_of_slot(slot)
    if state.is_makeup(slot):
        again = f"You can make up your skipped pick {where.label}"
    else:
        again = f"You're on the clock again: Round {where.round}, Pick {where.pick_in_round}"
    return f"{said} {again}{f', {category.name}' if category else ''}."


def skip(label: str, name: str, reason: str = "") -> str:
    line = f"{label} {name} skipped"
    return f"{line} ({reason})" if reason else line


def undo(label: str, name: str, movie=None) -> str:
    """The log line of an undo: of a pick of `movie`, or of a skip."""
    if movie is not None:
        return f"{label} {name}'s pick of {movie} undone"
    return f"{label} {name}'s skip undone"


def trade_terms(proposer: str, gives: list[str], receiver: str, gets: list[str]) -> str:
    """What a trade swaps: "Ana's 2.04 and 3.01 for Bob's 1.08"."""
    return f"{proposer}'s {_and(gives)} for {receiver}'s {_and(gets)}"


def _and(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def trade(terms: str) -> str:
    return f"Trade: {terms}"


def trade_undone(terms: str) -> str:
    return f"Trade undone: {terms}"


def trade_returned(label: str, leaver: str, back_to: str) -> str:
    """A pick a member who left had been traded goes back where it came from."""
    return f"{label}, traded to {leaver}, goes back to {back_to}: {leaver} left the league"


def sentences(events: Iterable[DraftEvent], state) -> list[str]:
    """What happened, in plain words, for the live region: one sentence per act a board
    shows (setup changes say nothing there)."""
    return [sentence for event in events for sentence in _say(event, state)]


def _say(event: DraftEvent, state) -> list[str]:
    Kind = DraftEvent.Kind
    who = ""
    if event.slot and event.slot <= state.total_slots:
        who = picker(state, event.slot, state.seat_for_slot(event.slot))
    label = state.label(event.slot) if event.slot else ""
    if event.kind in (Kind.PICK, Kind.RULING):
        extra = " (a commissioner's ruling)" if event.kind == Kind.RULING else ""
        return [f"{who} picked {event.movie} at {label}{extra}."]
    if event.kind == Kind.KEEPER:
        return [f"{who} keeps {event.movie} at {label}."]
    if event.kind == Kind.AUTOPICK:
        return [f"{who} picked {event.movie} at {label} (autopick from the queue)."]
    if event.kind == Kind.SKIP:
        # A skip nobody made is the clock's: the member's time ran out.
        late = f" because {TIME_RAN_OUT}" if event.actor_id is None else ""
        return [f"{who} was skipped at {label}{late}."]
    if event.kind == Kind.TRADE or (event.kind == Kind.UNDO and not event.slot):
        return [f"{event.summary}."]
    if event.kind == Kind.UNDO:
        if event.movie_id:
            return [f"Undone: {who}'s pick of {event.movie} at {label}."]
        return [f"Undone: the skip of {who} at {label}."]
    return {
        Kind.PAUSE: ["The draft is paused."],
        Kind.RESUME: ["The draft is live again."],
        Kind.START: ["The draft has started."],
        Kind.COMPLETE: ["The draft is complete: every pick is in."],
    }.get(event.kind, [])


# --- Log lines of running and setting up a draft ------------------------------------------


def autopick_note(reason: str = "") -> str:
    """The note of a pick the clock made from the member's queue."""
    return f"autopick from the queue, {reason}" if reason else "autopick from the queue"


def category_added(name: str) -> str:
    return f"Category {name} added"


def category_changed(name: str) -> str:
    return f"Category {name} changed"


def category_removed(name: str) -> str:
    return f"Category {name} removed"


CATEGORIES_REORDERED = "Categories reordered"
SETTINGS_CHANGED = "Settings changed"


def seat_given(name: str, position: int) -> str:
    return f"{name} given seat {position}"


def seat_removed(name: str) -> str:
    return f"{name} removed from the order"


def order_set(order: str) -> str:
    return f"Order set: {order}"


def order_randomised(order: str) -> str:
    return f"Order randomised: {order}"


def member_gone(name: str, *, leaving: bool) -> str:
    return f"{name} {'left the league' if leaving else 'removed from the league'}"


def member_renamed(old: str, new: str) -> str:
    return f"{old} now shows as {new}"


def film_changed(movie) -> str:
    return f"Film details changed: {movie}"


def poster_changed(movie, *, removed: bool) -> str:
    return f"Poster removed: {movie}" if removed else f"New poster: {movie}"
