"""Properties of the standings' arithmetic that hold for any values (results/scoring.py)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from results import scoring
from results.scoring import Column, PickEntry

KINDS = [scoring.VOTES, scoring.IMDB, scoring.LEAGUE, scoring.MANUAL]
value = st.one_of(st.none(), st.integers(0, 1000).map(Decimal))


@st.composite
def drafts(draw):
    seats = draw(st.integers(1, 6))
    rounds = draw(st.integers(1, 4))
    columns = [
        Column(
            str(n),
            kind,
            kind,
            draw(st.integers(1, 5)),
            draw(st.sampled_from([scoring.RANK, scoring.SCALE])),
        )
        for n, kind in enumerate(draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=4)), 1)
    ]
    picks = [
        PickEntry(
            pick_id=r * 10 + s,
            seat_id=s,
            category_id=r,
            values={
                c.key: Decimal(draw(st.integers(0, 9))) if c.kind == scoring.VOTES else draw(value)
                for c in columns
            },
        )
        for r in range(rounds)
        for s in range(1, seats + 1)
    ]
    seat_votes = {s: draw(st.integers(0, 3)) for s in range(1, seats + 1)}
    return columns, list(range(1, seats + 1)), picks, seat_votes


@settings(max_examples=200, deadline=None, derandomize=True)
@given(drafts())
def test_totals_marks_and_places_agree(draft):
    columns, seats, picks, seat_votes = draft
    outcome = scoring.standings(columns, seats, picks, seat_votes)
    assert sorted(m.seat_id for m in outcome.members) == seats
    for member in outcome.members:
        assert Decimal(0) <= member.total <= Decimal(100)
        assert all(Decimal(0) <= mark <= Decimal(100) for mark in member.marks.values())
        # The contributions add up to the total (each rounded to a hundredth).
        assert abs(sum(member.contributions.values()) - member.total) <= Decimal("0.01") * len(
            columns
        )
    # Places follow the totals: a higher total never stands below a lower one.
    for above, below in zip(outcome.members, outcome.members[1:], strict=False):
        assert above.total >= below.total
        assert above.rank <= below.rank
    assert outcome.members[0].rank == 1
    champions = [m for m in outcome.members if m.champion]
    assert bool(champions) == outcome.decided
    assert all(m.rank == 1 for m in champions)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(drafts())
def test_the_order_of_the_seats_does_not_change_a_result(draft):
    columns, seats, picks, seat_votes = draft
    forwards = scoring.standings(columns, seats, picks, seat_votes)
    backwards = scoring.standings(columns, list(reversed(seats)), list(reversed(picks)), seat_votes)
    assert {m.seat_id: (m.total, m.rank) for m in forwards.members} == {
        m.seat_id: (m.total, m.rank) for m in backwards.members
    }


@settings(max_examples=100, deadline=None, derandomize=True)
@given(st.dictionaries(st.integers(1, 8), value, min_size=1), st.integers(-50, 50))
def test_moving_every_value_alike_changes_no_mark(values, shift):
    for scale in (scoring.RANK, scoring.SCALE):
        moved = {k: (None if v is None else v + shift) for k, v in values.items()}
        assert scoring.marks(values, scale) == scoring.marks(moved, scale)
