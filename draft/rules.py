"""The draft's pure rules: order, slots, eligibility. No ORM, no clock, no I/O.

Slots are numbered 1..rounds*seats. Which seat a slot is drawn for is worked out here, from
the order, once: when the draft starts its slots are written as rows (`DraftSlot`) and from
then on the state (`draft/state.py`) asks the rows who holds a slot, never this arithmetic.
What happens in the draft (picks, skips) only decides which slot is on the clock.
"""

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

SNAKE = "snake"
LINEAR = "linear"


@dataclass(frozen=True)
class SlotPosition:
    slot: int
    round: int
    pick_in_round: int
    seat_position: int  # 1-based place in the draft order

    @property
    def label(self) -> str:
        return slot_label(self.round, self.pick_in_round)


def total_slots(seat_count: int, round_count: int) -> int:
    return seat_count * round_count


def round_of(slot: int, seat_count: int) -> int:
    return (slot - 1) // seat_count + 1


def pick_in_round_of(slot: int, seat_count: int) -> int:
    return (slot - 1) % seat_count + 1


def seat_position_for(slot: int, seat_count: int, order: str) -> int:
    """The seat (1-based order position) that owns `slot`: snake rounds run backwards every
    second round, linear rounds always run in order."""
    if seat_count < 1 or slot < 1:
        raise ValueError("slots and seats start at 1")
    rnd = round_of(slot, seat_count)
    pick = pick_in_round_of(slot, seat_count)
    if order == SNAKE and rnd % 2 == 0:
        return seat_count + 1 - pick
    return pick


def slot_position(slot: int, seat_count: int, order: str) -> SlotPosition:
    return SlotPosition(
        slot=slot,
        round=round_of(slot, seat_count),
        pick_in_round=pick_in_round_of(slot, seat_count),
        seat_position=seat_position_for(slot, seat_count, order),
    )


def slot_number(round_number: int, pick_in_round: int, seat_count: int) -> int:
    return (round_number - 1) * seat_count + pick_in_round


def slot_for_seat_in_round(
    seat_position: int, round_number: int, seat_count: int, order: str
) -> int:
    """The slot a seat owns in a round (the inverse of `seat_position_for`)."""
    if order == SNAKE and round_number % 2 == 0:
        pick = seat_count + 1 - seat_position
    else:
        pick = seat_position
    return slot_number(round_number, pick, seat_count)


def round_runs_backwards(round_number: int, order: str) -> bool:
    return order == SNAKE and round_number % 2 == 0


def slot_label(round_number: int, pick_in_round: int) -> str:
    """The usual "2.01" form: round, then the pick within the round in two digits."""
    return f"{round_number}.{pick_in_round:02d}"


def slot_on_clock(total: int, filled: Iterable[int], skipped: Iterable[int]) -> int | None:
    """The first slot that is neither filled nor skipped; None once every slot is settled."""
    settled = set(filled) | set(skipped)
    for slot in range(1, total + 1):
        if slot not in settled:
            return slot
    return None


def unfilled_skips(
    skipped: Iterable[int], filled: Iterable[int], on_clock: int | None
) -> list[int]:
    """Skipped slots nobody has made up yet, earliest first. Only slots before the one on the
    clock count: a skip is always of a slot that was on the clock, so one past it can only
    be left over from a change taken back, and must never let its member pick out of turn."""
    filled = set(filled)
    return sorted(s for s in skipped if s not in filled and (on_clock is None or s < on_clock))


# --- Eligibility -------------------------------------------------------------------------


@dataclass(frozen=True)
class CategoryRule:
    genres: tuple[str, ...] = ()
    year_min: int | None = None
    year_max: int | None = None
    max_runtime: int | None = None

    @property
    def is_open(self) -> bool:
        return not (self.genres or self.year_min or self.year_max or self.max_runtime)

    def describe(self) -> str:
        """The rule in one line, as the pick panel and the console show it."""
        parts = []
        if self.genres:
            parts.append("genre: " + " or ".join(self.genres))
        if self.year_min and self.year_max:
            parts.append(f"released {self.year_min}–{self.year_max}")
        elif self.year_min:
            parts.append(f"released {self.year_min} or later")
        elif self.year_max:
            parts.append(f"released {self.year_max} or earlier")
        if self.max_runtime:
            parts.append(f"at most {self.max_runtime} minutes")
        return "; ".join(parts) if parts else "Any film"


@dataclass(frozen=True)
class Film:
    title: str
    year: int
    genres: tuple[str, ...] = ()
    runtime: int | None = None


def ineligibility_reasons(film: Film, rule: CategoryRule) -> list[str]:
    """Why a film does not fit a category; an empty list means it fits."""
    reasons = []
    if rule.genres:
        wanted = {g.casefold() for g in rule.genres}
        if not wanted & {g.casefold() for g in film.genres}:
            have = ", ".join(film.genres) or "no genre listed"
            reasons.append(f"it is not {' or '.join(rule.genres)} (it is {have})")
    if rule.year_min and film.year < rule.year_min:
        reasons.append(f"it was released in {film.year}, before {rule.year_min}")
    if rule.year_max and film.year > rule.year_max:
        reasons.append(f"it was released in {film.year}, after {rule.year_max}")
    if rule.max_runtime:
        if film.runtime is None:
            reasons.append("its runtime is unknown")
        elif film.runtime > rule.max_runtime:
            reasons.append(f"it runs {film.runtime} minutes, over {rule.max_runtime}")
    return reasons


def is_eligible(film: Film, rule: CategoryRule) -> bool:
    return not ineligibility_reasons(film, rule)


# --- Names and titles --------------------------------------------------------------------

# Anything but a letter or digit, in any script: "Сталкер" must stay "сталкер", not become "".
_NON_WORD = re.compile(r"[\W_]+")


def normalize_title(title: str) -> str:
    """Lower case, accents folded, punctuation to single spaces: "Amélie" -> "amelie",
    "WALL·E" -> "wall e". Search and duplicate checks compare these."""
    decomposed = unicodedata.normalize("NFKD", title)
    without_marks = "".join(c for c in decomposed if not unicodedata.combining(c))
    folded = without_marks.casefold().replace("&", " and ")
    return _NON_WORD.sub(" ", folded).strip()


def initials(name: str) -> str:
    words = [w for w in re.split(r"\s+", name.strip()) if w]
    if not words:
        return "?"
    if len(words) == 1:
        return words[0][:2].upper()
    return (words[0][0] + words[-1][0]).upper()


def name_hue(name: str) -> int:
    """One of twelve avatar colours (CSS classes hue-0..hue-11), stable per name."""
    return title_hue(name) % 12


def title_hue(title: str) -> int:
    """A hue (0-359) derived from the title, stable across processes."""
    return int(hashlib.sha1(title.encode()).hexdigest()[:4], 16) % 360
