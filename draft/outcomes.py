"""What became of a slot a member's page still offered: the sentences a stale pick form is
answered with. A part of `DraftState` (draft/state.py), which answers them from its picks and
holders."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from draft.models import Seat


class SlotOutcomes:
    """Mixed into DraftState: reads its picks (`_picks`), holders and labels."""

    def what_happened(self, slot: int, seat: Seat) -> str:
        """A sentence for a member whose page still offered `slot`: what settled it ("" for a
        slot that is not on this board)."""
        if not 1 <= slot <= self.total_slots:
            return ""
        label = self.label(slot)
        pick = self._picks.get(slot)
        if self.is_open(slot) and not self.holds(seat, slot) and self.original_seat(slot) == seat:
            return f"Your pick {label} went to {self.seat_for_slot(slot).display_name} in a trade."
        if pick is not None and pick.seat_id == seat.pk:
            movie = pick.movie
            if pick.is_autopick:
                return f"Autopick took {movie} from your queue at {label}."
            if pick.entered_by_id and pick.entered_by_id != seat.user_id:
                return f"The commissioner picked {movie} for you at {label}."
            return f"You already picked {movie} at {label}."
        return ""

    def pick_outcome(self, slot: int, seat: Seat, movie_id: int | None) -> tuple[bool, str]:
        """What became of a pick a member sent for `slot` without hearing back (the server or
        the network failed on the way back): (True, "Your pick of Her was saved at 2.01.")
        when it is on the board; (False, what settled the slot instead), or (False, "") when
        nothing did and the pick is still to be made."""
        pick = self._picks.get(slot)
        if pick is not None and pick.seat_id == seat.pk and pick.movie_id == movie_id:
            return True, f"Your pick of {pick.movie} was saved at {self.label(slot)}."
        return False, self.what_happened(slot, seat)
