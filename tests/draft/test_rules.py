"""The draft's pure rules and the clock arithmetic: no database, no sleeping."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from draft import clock, rules
from draft.rules import LINEAR, SNAKE, CategoryRule, Film

orders = st.sampled_from([SNAKE, LINEAR])
seat_counts = st.integers(min_value=1, max_value=24)
round_counts = st.integers(min_value=1, max_value=30)


def round_seats(round_number: int, seat_count: int, order: str) -> list[int]:
    """The seats of one round, in the order they pick."""
    first = rules.slot_number(round_number, 1, seat_count)
    return [rules.seat_position_for(s, seat_count, order) for s in range(first, first + seat_count)]


# --- Order ------------------------------------------------------------------------------


def test_four_seats_three_rounds_snake_table():
    table = [
        (rules.slot_position(slot, 4, SNAKE).label, rules.seat_position_for(slot, 4, SNAKE))
        for slot in range(1, 13)
    ]
    assert table == [
        ("1.01", 1), ("1.02", 2), ("1.03", 3), ("1.04", 4),
        ("2.01", 4), ("2.02", 3), ("2.03", 2), ("2.04", 1),
        ("3.01", 1), ("3.02", 2), ("3.03", 3), ("3.04", 4),
    ]  # fmt: skip


def test_four_seats_three_rounds_linear_table():
    seats = [rules.seat_position_for(slot, 4, LINEAR) for slot in range(1, 13)]
    assert seats == [1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]


def test_snake_seat_four_picks_twice_in_a_row_at_the_turn():
    assert rules.seat_position_for(4, 4, SNAKE) == rules.seat_position_for(5, 4, SNAKE) == 4
    assert rules.seat_position_for(8, 4, SNAKE) == rules.seat_position_for(9, 4, SNAKE) == 1


def test_slot_position_of_a_late_pick():
    position = rules.slot_position(23, 10, SNAKE)
    assert (position.round, position.pick_in_round, position.seat_position) == (3, 3, 3)
    assert position.label == "3.03"
    assert rules.slot_position(13, 10, SNAKE).seat_position == 8  # round 2 runs backwards


@pytest.mark.parametrize("slot, seats", [(0, 4), (-1, 4), (1, 0)])
def test_slots_and_seats_start_at_one(slot, seats):
    with pytest.raises(ValueError):
        rules.seat_position_for(slot, seats, SNAKE)


@given(seat_count=seat_counts, round_count=round_counts, order=orders)
def test_every_round_has_every_seat_exactly_once(seat_count, round_count, order):
    for rnd in range(1, round_count + 1):
        assert sorted(round_seats(rnd, seat_count, order)) == list(range(1, seat_count + 1))


@given(seat_count=seat_counts, round_count=st.integers(1, 29))
def test_snake_round_after_is_the_round_reversed(seat_count, round_count):
    this = round_seats(round_count, seat_count, SNAKE)
    assert round_seats(round_count + 1, seat_count, SNAKE) == this[::-1]
    assert rules.round_runs_backwards(round_count + 1, SNAKE) != rules.round_runs_backwards(
        round_count, SNAKE
    )


@given(seat_count=seat_counts, round_count=st.integers(1, 29))
def test_linear_rounds_all_run_in_seat_order(seat_count, round_count):
    assert round_seats(round_count, seat_count, LINEAR) == list(range(1, seat_count + 1))
    assert not rules.round_runs_backwards(round_count, LINEAR)


@given(seat_count=seat_counts, slot=st.integers(1, 24 * 30), order=orders)
def test_slot_for_seat_in_round_inverts_seat_position_for(seat_count, slot, order):
    rnd = rules.round_of(slot, seat_count)
    seat = rules.seat_position_for(slot, seat_count, order)
    assert rules.slot_for_seat_in_round(seat, rnd, seat_count, order) == slot
    assert 1 <= rules.pick_in_round_of(slot, seat_count) <= seat_count
    assert rules.slot_number(rnd, rules.pick_in_round_of(slot, seat_count), seat_count) == slot


@given(seat_count=seat_counts, round_count=round_counts, order=orders)
def test_each_seat_owns_one_slot_per_round(seat_count, round_count, order):
    total = rules.total_slots(seat_count, round_count)
    owned = {}
    for slot in range(1, total + 1):
        owned.setdefault(rules.seat_position_for(slot, seat_count, order), []).append(slot)
    assert set(owned) == set(range(1, seat_count + 1))
    for slots in owned.values():
        assert [rules.round_of(s, seat_count) for s in slots] == list(range(1, round_count + 1))


def test_round_and_pick_in_round():
    assert [rules.round_of(s, 4) for s in (1, 4, 5, 8, 9, 12)] == [1, 1, 2, 2, 3, 3]
    assert [rules.pick_in_round_of(s, 4) for s in (1, 4, 5, 8, 9)] == [1, 4, 1, 4, 1]
    assert rules.total_slots(16, 20) == 320


def test_slot_label_has_two_digit_pick():
    assert rules.slot_label(2, 1) == "2.01"
    assert rules.slot_label(1, 16) == "1.16"
    assert rules.slot_label(12, 3) == "12.03"


# --- Which slot is on the clock ---------------------------------------------------------


def test_first_slot_is_on_the_clock_in_a_fresh_draft():
    assert rules.slot_on_clock(12, [], []) == 1


def test_slot_on_clock_passes_over_filled_and_skipped_slots():
    assert rules.slot_on_clock(12, filled=[1, 2], skipped=[3]) == 4
    # A made-up skip is both filled and skipped; it does not hold the clock back.
    assert rules.slot_on_clock(12, filled=[1, 2, 3], skipped=[3]) == 4


def test_a_gap_comes_back_on_the_clock():
    # Slot 2 undone after slot 3 was filled: slot 2 is the first unsettled one.
    assert rules.slot_on_clock(12, filled=[1, 3], skipped=[]) == 2


def test_nothing_is_on_the_clock_once_every_slot_is_settled():
    assert rules.slot_on_clock(4, filled=[1, 2, 4], skipped=[3]) is None
    assert rules.slot_on_clock(0, [], []) is None


# --- Eligibility ------------------------------------------------------------------------

ALIEN = Film("Alien", 1979, ("Horror", "Sci-Fi"), 117)
HEAT = Film("Heat", 1995, ("Crime", "Drama"), 170)
NO_GENRE = Film("Mystery Reel", 2001, (), None)


def test_genre_rule_is_any_of_and_ignores_case():
    rule = CategoryRule(genres=("thriller", "HORROR"))
    assert rules.is_eligible(ALIEN, rule)
    assert rules.ineligibility_reasons(HEAT, rule) == [
        "it is not thriller or HORROR (it is Crime, Drama)"
    ]
    assert rules.ineligibility_reasons(NO_GENRE, rule) == [
        "it is not thriller or HORROR (it is no genre listed)"
    ]


def test_year_range_includes_both_ends():
    rule = CategoryRule(year_min=1979, year_max=1995)
    assert rules.is_eligible(ALIEN, rule) and rules.is_eligible(HEAT, rule)
    assert rules.ineligibility_reasons(ALIEN, CategoryRule(year_min=1980)) == [
        "it was released in 1979, before 1980"
    ]
    assert rules.ineligibility_reasons(HEAT, CategoryRule(year_max=1994)) == [
        "it was released in 1995, after 1994"
    ]


def test_max_runtime_includes_the_limit():
    assert rules.is_eligible(ALIEN, CategoryRule(max_runtime=117))
    assert rules.ineligibility_reasons(ALIEN, CategoryRule(max_runtime=116)) == [
        "it runs 117 minutes, over 116"
    ]


def test_unknown_runtime_fails_a_runtime_rule_only():
    assert rules.ineligibility_reasons(NO_GENRE, CategoryRule(max_runtime=120)) == [
        "its runtime is unknown"
    ]
    assert rules.is_eligible(NO_GENRE, CategoryRule(year_min=2000))


def test_every_broken_rule_is_a_reason():
    rule = CategoryRule(genres=("Comedy",), year_max=1990, max_runtime=120)
    assert rules.ineligibility_reasons(HEAT, rule) == [
        "it is not Comedy (it is Crime, Drama)",
        "it was released in 1995, after 1990",
        "it runs 170 minutes, over 120",
    ]


def test_wildcard_takes_any_film():
    wildcard = CategoryRule()
    assert wildcard.is_open
    assert wildcard.describe() == "Any film"
    assert all(rules.is_eligible(f, wildcard) for f in (ALIEN, HEAT, NO_GENRE))
    assert not CategoryRule(max_runtime=90).is_open


@pytest.mark.parametrize(
    "rule, text",
    [
        (CategoryRule(genres=("Horror", "Thriller")), "genre: Horror or Thriller"),
        (CategoryRule(year_min=1980, year_max=1989), "released 1980–1989"),
        (CategoryRule(year_min=2000), "released 2000 or later"),
        (CategoryRule(year_max=1979), "released 1979 or earlier"),
        (CategoryRule(max_runtime=100), "at most 100 minutes"),
        (
            CategoryRule(genres=("Comedy",), year_max=1979, max_runtime=90),
            "genre: Comedy; released 1979 or earlier; at most 90 minutes",
        ),
    ],
)
def test_describe_says_the_rule_in_words(rule, text):
    assert rule.describe() == text


# --- Titles and names -------------------------------------------------------------------


@pytest.mark.parametrize(
    "title, normal",
    [
        ("Amélie", "amelie"),
        ("WALL·E", "wall e"),
        ("Léon: The Professional", "leon the professional"),
        ("  It's a Wonderful   Life! ", "it s a wonderful life"),
        ("Fast & Furious", "fast and furious"),
        ("M*A*S*H", "m a s h"),
        ("Nausicaä of the Valley of the Wind", "nausicaa of the valley of the wind"),
        ("2001: A Space Odyssey", "2001 a space odyssey"),
        ("Straße", "strasse"),
        # Letters of other scripts are letters, not punctuation.
        ("Сталкер", "сталкер"),
        ("Æon Flux", "æon flux"),
        ("?!", ""),
    ],
)
def test_normalize_title(title, normal):
    assert rules.normalize_title(title) == normal


def test_films_in_other_scripts_do_not_all_normalise_to_the_same_title():
    # Two different 1979 films must not look like duplicates of each other.
    assert rules.normalize_title("Сталкер") != rules.normalize_title("Осенний марафон")


def test_normalize_title_matches_what_a_person_would_type():
    assert rules.normalize_title("amelie") == rules.normalize_title("AMÉLIE")
    assert rules.normalize_title("wall-e") == rules.normalize_title("WALL·E")


@pytest.mark.parametrize(
    "name, letters",
    [
        ("Strange Dylan", "SD"),
        ("Carla van der Commish", "CC"),
        ("madonna", "MA"),
        ("  maya   reel ", "MR"),
        ("", "?"),
        ("   ", "?"),
    ],
)
def test_initials(name, letters):
    assert rules.initials(name) == letters


def test_title_hue_is_stable_and_in_range():
    assert rules.title_hue("Alien") == rules.title_hue("Alien")
    assert all(0 <= rules.title_hue(t) < 360 for t in ("Alien", "Heat", "", "Amélie"))


# --- The pick clock ---------------------------------------------------------------------

NIGHT = {"quiet_start": time(22), "quiet_end": time(7)}  # crosses midnight
LUNCH = {"quiet_start": time(12), "quiet_end": time(13)}


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_without_quiet_hours_the_deadline_is_start_plus_pick_time():
    start = utc(2024, 5, 1, 21, 0)
    assert clock.deadline_after(start, 3600) == utc(2024, 5, 1, 22, 0)
    assert clock.running_seconds_between(start, utc(2024, 5, 2, 21, 0)) == 86400


def test_clock_stops_for_the_night_and_runs_on_in_the_morning():
    # 21:00 with two hours to go: one hour before 22:00, the other from 07:00.
    assert clock.deadline_after(utc(2024, 5, 1, 21), 7200, **NIGHT) == utc(2024, 5, 2, 8)


def test_clock_started_inside_quiet_hours_starts_when_they_end():
    assert clock.deadline_after(utc(2024, 5, 1, 23, 30), 600, **NIGHT) == utc(2024, 5, 2, 7, 10)
    # After midnight, inside the window that began the evening before.
    assert clock.deadline_after(utc(2024, 5, 2, 2), 600, **NIGHT) == utc(2024, 5, 2, 7, 10)


def test_clock_started_as_quiet_hours_end_runs_at_once():
    assert clock.deadline_after(utc(2024, 5, 2, 7), 60, **NIGHT) == utc(2024, 5, 2, 7, 1)


def test_pick_time_that_ends_exactly_when_quiet_hours_start():
    assert clock.deadline_after(utc(2024, 5, 1, 21), 3600, **NIGHT) == utc(2024, 5, 1, 22)


def test_a_window_within_one_day():
    assert clock.deadline_after(utc(2024, 5, 1, 11, 30), 3600, **LUNCH) == utc(2024, 5, 1, 13, 30)


def test_multi_day_pick_time_skips_every_night():
    # The clock runs 15 hours a day (07:00–22:00). 48 hours from Monday 07:00: 15 on Monday,
    # Tuesday and Wednesday make 45; the last 3 run on Thursday from 07:00.
    assert clock.deadline_after(utc(2024, 5, 6, 7), 2 * 86400, **NIGHT) == utc(2024, 5, 9, 10)


def test_quiet_hours_follow_the_league_time_zone():
    # 22:00–07:00 in New York is 02:00–11:00 UTC in May (EDT, UTC-4).
    start = utc(2024, 5, 1, 1, 0)  # 21:00 in New York
    deadline = clock.deadline_after(start, 7200, time_zone="America/New_York", **NIGHT)
    assert deadline == utc(2024, 5, 1, 12, 0)
    assert deadline.astimezone(ZoneInfo("America/New_York")).hour == 8


@pytest.mark.parametrize(
    "start, expected",
    [
        # Paris goes from UTC+1 to UTC+2 on 31 March 2024 at 02:00, and back on 27 October.
        (utc(2024, 3, 29, 12), utc(2024, 3, 31, 16)),
        (utc(2024, 10, 25, 12), utc(2024, 10, 27, 16)),
    ],
)
def test_daylight_saving_change_neither_adds_nor_loses_an_hour(start, expected):
    # Quiet 09:00–10:00 in Paris; 50 running hours include two quiet hours and the change.
    quiet = {"quiet_start": time(9), "quiet_end": time(10), "time_zone": "Europe/Paris"}
    deadline = clock.deadline_after(start, 50 * 3600, **quiet)
    assert deadline == expected
    assert clock.running_seconds_between(start, deadline, **quiet) == 50 * 3600


def test_overnight_quiet_hours_on_the_night_the_clocks_go_forward():
    # The night of 30–31 March 2024 in Paris is seven real hours long, not eight.
    quiet = {**NIGHT, "time_zone": "Europe/Paris"}
    start = utc(2024, 3, 30, 12)  # Saturday 13:00 in Paris
    deadline = clock.deadline_after(start, 48 * 3600, **quiet)
    assert clock.running_seconds_between(start, deadline, **quiet) == 48 * 3600
    sunday_night = utc(2024, 3, 30, 21), utc(2024, 3, 31, 5)  # 22:00+01 to 07:00+02
    assert clock.running_seconds_between(*sunday_night, **quiet) == 0


def test_running_seconds_leave_out_quiet_hours():
    assert clock.running_seconds_between(utc(2024, 5, 1, 21), utc(2024, 5, 2, 8), **NIGHT) == 7200
    assert clock.running_seconds_between(utc(2024, 5, 1, 23), utc(2024, 5, 2, 6), **NIGHT) == 0
    assert clock.running_seconds_between(utc(2024, 5, 2, 8), utc(2024, 5, 2, 7), **NIGHT) == 0


time_zones = st.sampled_from(["UTC", "Europe/Paris", "America/New_York", "Australia/Sydney"])
hours = st.builds(time, st.integers(0, 23), st.sampled_from([0, 30]))


@given(
    start=st.datetimes(
        min_value=datetime(2023, 1, 1), max_value=datetime(2026, 1, 1), timezones=st.just(UTC)
    ),
    seconds=st.integers(0, clock.MAX_PICK_SECONDS),
    quiet_start=hours,
    quiet_end=hours,
    time_zone=time_zones,
)
def test_deadline_gives_exactly_the_pick_time_of_running_clock(
    start, seconds, quiet_start, quiet_end, time_zone
):
    quiet = {"quiet_start": quiet_start, "quiet_end": quiet_end, "time_zone": time_zone}
    deadline = clock.deadline_after(start, seconds, **quiet)
    assert deadline >= start + timedelta(seconds=seconds)
    assert clock.running_seconds_between(start, deadline, **quiet) == pytest.approx(seconds)


def test_describe_seconds():
    assert clock.describe_seconds(None) == "no clock"
    assert clock.describe_seconds(45) == "45 seconds"
    assert clock.describe_seconds(120) == "2 minutes"
    assert clock.describe_seconds(90) == "1 minute 30 seconds"
    assert clock.describe_seconds(86400 + 4 * 3600 + 60) == "1 day 4 hours"


def test_the_first_quiet_window_is_the_one_the_clock_stops_in_before_it_runs_out():
    quiet = {"quiet_start": time(23, 0), "quiet_end": time(7, 0), "time_zone": "Europe/Berlin"}
    berlin = ZoneInfo("Europe/Berlin")
    evening = datetime(2024, 5, 1, 20, 0, tzinfo=berlin)
    window = (
        datetime(2024, 5, 1, 23, 0, tzinfo=berlin).astimezone(UTC),
        datetime(2024, 5, 2, 7, 0, tzinfo=berlin).astimezone(UTC),
    )
    # A deadline past 23:00 crosses the night; one before it does not.
    assert clock.first_quiet_window(evening, evening + timedelta(hours=4), **quiet) == window
    assert clock.first_quiet_window(evening, evening + timedelta(hours=2), **quiet) is None
    # Inside the night, the clock is waiting in this very window.
    night = datetime(2024, 5, 2, 1, 0, tzinfo=berlin)
    assert clock.first_quiet_window(night, night + timedelta(hours=30), **quiet) == window
    # No quiet hours, or a deadline already past: nothing to say.
    assert clock.first_quiet_window(evening, evening + timedelta(hours=4)) is None
    assert clock.first_quiet_window(evening, evening - timedelta(hours=1), **quiet) is None
