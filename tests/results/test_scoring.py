"""The standings' arithmetic against examples worked out by hand (results/scoring.py)."""

from decimal import Decimal as D

from results import scoring
from results.scoring import Column, PickEntry

VOTES = Column("1", scoring.VOTES, "Reader votes", 1, scoring.RANK)
IMDB = Column("2", scoring.IMDB, "IMDb rating", 1, scoring.SCALE)
PANEL = Column("3", scoring.MANUAL, "Panel", 1, scoring.SCALE, scoring.AVERAGE)
BOX = Column("4", scoring.MANUAL, "Box office", 1, scoring.SCALE, scoring.TOTAL)
LEAGUE = Column("5", scoring.LEAGUE, "League rating", 1, scoring.RANK)


def entry(pick_id, seat_id, category_id=None, **values):
    return PickEntry(pick_id, seat_id, category_id, dict(values))


def by_seat(outcome):
    return {m.seat_id: m for m in outcome.members}


def test_weighted_rating_pulls_few_votes_towards_the_prior():
    # (100 × 9.5 + 2500 × 6.0) ÷ 2600 = 15950 ÷ 2600 = 6.1346…
    assert scoring.weighted_rating(D("9.5"), 100) == D("6.135")
    # (497500 × 8 + 2500 × 6) ÷ 500000 = 7.99
    assert scoring.weighted_rating(D("8.0"), 497_500) == D("7.990")
    assert scoring.weighted_rating(None, 1000) is None
    # No votes at all: the prior.
    assert scoring.weighted_rating(D("9.9"), None) == D("6.000")


def test_rank_marks_share_the_others_beaten_with_ties_counting_half():
    # Four members: 10, 7, 7, none. 10 beats three: 100. Each 7 beats one (none) and ties one:
    # (1 + 0.5) ÷ 3 = 50. None: 0.
    marks = scoring.marks({1: D(10), 2: D(7), 3: D(7), 4: None}, scoring.RANK)
    assert marks == {1: D("100.00"), 2: D("50.00"), 3: D("50.00"), 4: D(0)}


def test_scaled_marks_run_from_the_lowest_to_the_highest():
    marks = scoring.marks({1: D("8.0"), 2: D("6.5"), 3: D("5.0"), 4: None}, scoring.SCALE)
    assert marks == {1: D("100.00"), 2: D("50.00"), 3: D("0.00"), 4: D(0)}


def test_a_column_where_all_are_equal_changes_no_order():
    assert set(scoring.marks({1: D(3), 2: D(3)}, scoring.SCALE).values()) == {D(100)}
    assert set(scoring.marks({1: D(3), 2: D(3), 3: D(3)}, scoring.RANK).values()) == {D(50)}
    # IMDb all equal, votes decide: the votes' order stands.
    picks = [entry(1, 10, **{"1": D(5), "2": D(7)}), entry(2, 20, **{"1": D(1), "2": D(7)})]
    outcome = scoring.standings([VOTES, IMDB], [10, 20], picks, {})
    assert [m.seat_id for m in outcome.members] == [10, 20]
    # Votes: 100 and 0; IMDb: 100 each. Totals (100 + 100) ÷ 2 and (0 + 100) ÷ 2.
    assert [m.total for m in outcome.members] == [D("100.00"), D("50.00")]


def test_reader_votes_add_round_votes_and_the_draft_winner_votes():
    picks = [
        entry(1, 10, **{"1": D(3)}),
        entry(2, 10, **{"1": D(0)}),
        entry(3, 20, **{"1": D(1)}),
        entry(4, 20, **{"1": D(1)}),
    ]
    outcome = scoring.standings([VOTES], [10, 20], picks, {20: 2})
    seats = by_seat(outcome)
    assert seats[10].values["1"] == D(3)
    assert seats[20].values["1"] == D(4)  # 1 + 1 + 2 for the draft
    assert seats[20].rank == 1 and seats[20].champion
    assert seats[10].rank == 2 and not seats[10].champion


def test_missing_ratings_average_over_the_rated_picks_and_nothing_rated_is_zero():
    picks = [
        entry(1, 10, **{"2": D("8.0")}),
        entry(2, 10, **{"2": None}),  # IMDb has no rating for it: left out of the average
        entry(3, 20, **{"2": D("6.0")}),
        entry(4, 20, **{"2": D("7.0")}),
        entry(5, 30, **{"2": None}),
    ]
    outcome = scoring.standings([IMDB], [10, 20, 30], picks, {})
    seats = by_seat(outcome)
    assert seats[10].values["2"] == D("8.000")
    assert seats[20].values["2"] == D("6.500")
    assert seats[30].values["2"] is None
    # Scaled between 6.5 and 8.0; no value: 0.
    assert (seats[10].marks["2"], seats[20].marks["2"], seats[30].marks["2"]) == (
        D(100),
        D(0),
        D(0),
    )
    assert [m.seat_id for m in outcome.members] == [10, 20, 30]
    # 20 and 30 are level at 0 on the only column: they share second place.
    assert (seats[20].rank, seats[30].rank) == (2, 2)


def test_a_film_rated_by_one_member_counts_like_any_rating():
    picks = [entry(1, 10, **{"5": D("4.5")}), entry(2, 20, **{"5": D("3.0")})]
    outcome = scoring.standings([LEAGUE], [10, 20], picks, {})
    assert [m.seat_id for m in outcome.members] == [10, 20]
    assert by_seat(outcome)[10].marks["5"] == D(100)


def test_weights_and_contributions():
    # Votes (weight 3, rank) and panel (weight 1, scaled, averaged).
    votes = Column("1", scoring.VOTES, "Reader votes", 3, scoring.RANK)
    picks = [
        entry(1, 10, **{"1": D(2), "3": D(4)}),
        entry(2, 20, **{"1": D(5), "3": D(8)}),
        entry(3, 30, **{"1": D(0), "3": D(10)}),
    ]
    outcome = scoring.standings([votes, PANEL], [10, 20, 30], picks, {})
    seats = by_seat(outcome)
    # Votes ranks: 20 beats two (100), 10 beats one (50), 30 none (0).
    # Panel scaled 4..10: 10 → 0, 20 → 66.67, 30 → 100.
    assert seats[20].marks == {"1": D(100), "3": D("66.67")}
    # Total: (3 × 100 + 66.67) ÷ 4 = 91.67; contributions 75 and 16.67.
    assert seats[20].total == D("91.67")
    assert seats[20].contributions == {"1": D("75.00"), "3": D("16.67")}
    assert seats[10].total == D("37.50")  # (3 × 50 + 0) ÷ 4
    assert seats[30].total == D("25.00")  # (0 + 100) ÷ 4
    assert [m.rank for m in outcome.members] == [1, 2, 3]


def test_an_own_column_adds_up_or_averages_as_set():
    picks = [
        entry(1, 10, **{"4": D(100)}),
        entry(2, 10, **{"4": D(50)}),
        entry(3, 20, **{"4": D(120)}),
    ]
    seats = by_seat(scoring.standings([BOX], [10, 20], picks, {}))
    assert seats[10].values["4"] == D(150)  # total
    seats = by_seat(
        scoring.standings(
            [PANEL],
            [10, 20],
            [entry(1, 10, **{"3": D(6)}), entry(2, 10, **{"3": D(9)}), entry(3, 20, **{"3": D(8)})],
            {},
        )
    )
    assert seats[10].values["3"] == D("7.500")  # average


def test_ties_break_on_the_first_column_then_share_the_place():
    # Totals level at 50: 10 leads on votes (the first column), so it is first.
    picks = [
        entry(1, 10, **{"1": D(3), "2": D(6)}),
        entry(2, 20, **{"1": D(1), "2": D(8)}),
    ]
    outcome = scoring.standings([VOTES, IMDB], [10, 20], picks, {})
    assert [m.total for m in outcome.members] == [D(50), D(50)]
    assert [(m.seat_id, m.rank) for m in outcome.members] == [(10, 1), (20, 2)]
    # Level on every column: they share first place, both champions, listed in draft order.
    picks = [entry(1, 20, **{"1": D(2)}), entry(2, 10, **{"1": D(2)})]
    outcome = scoring.standings([VOTES], [10, 20], picks, {})
    assert [(m.seat_id, m.rank, m.champion) for m in outcome.members] == [
        (10, 1, True),
        (20, 1, True),
    ]


def test_no_votes_and_no_ratings_decide_nothing():
    picks = [entry(1, 10, **{"1": D(0), "2": None}), entry(2, 20, **{"1": D(0), "2": None})]
    outcome = scoring.standings([VOTES, IMDB], [10, 20], picks, {})
    assert not outcome.decided
    assert not any(m.champion for m in outcome.members)
    assert all(m.total == 0 for m in outcome.members)


def test_category_winners_compare_a_category_s_picks():
    picks = [
        entry(1, 10, 100, **{"1": D(4), "2": D("7.0")}),
        entry(2, 20, 100, **{"1": D(1), "2": D("8.0")}),
        entry(3, 10, 200, **{"1": D(0), "2": D("6.0")}),
        entry(4, 20, 200, **{"1": D(0), "2": D("6.0")}),
    ]
    outcome = scoring.standings([VOTES, IMDB], [10, 20], picks, {})
    # Category 100: pick 1 (100 + 0) vs pick 2 (0 + 100): level at 50, votes break it.
    assert outcome.categories[100].winners == [1]
    # Category 200: no votes, IMDb equal: a shared win.
    assert outcome.categories[200].winners == [3, 4]
