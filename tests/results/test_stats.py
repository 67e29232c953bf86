"""A completed draft's stats (results/stats.py): each stat worked out by hand on a small draft,
the pick-speed rule with and without a clock and across quiet hours, reaches and steals at
their thresholds, stale stats picked up after an undo and a results lock, and the queries a
draft of any size costs."""

from datetime import UTC, datetime, time, timedelta
from io import StringIO
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from draft.models import Draft, League, Pick, SkippedSlot
from draft.services.picks import make_pick, skip_on_clock, undo_last
from draft.services.queue import queue_add, set_autopick
from draft.services.setup import update_clock_settings
from results import rounds as results_rounds
from results import stats
from results.models import DraftStats, FilmAdp, ResultsSetup
from results.stats import PickFacts, mark, merge, pick_times, tally, time_on_clock
from tests.draft.factories import bulk_fill_picks, four_by_three, pick_on_clock, sixteen_by_twenty
from tests.results.drafts import STARTED, film, played, set_times
from worker import rounds as worker_rounds

# --- Pure arithmetic, no database -----------------------------------------------------------


def test_a_tally_counts_decades_genres_directors_ages_and_votes():
    picks = [
        PickFacts(1979, ("Horror", "Sci-Fi"), ("Ridley Scott",), 2024, votes=900_000),
        PickFacts(1982, ("Sci-Fi",), ("Ridley Scott",), 2024, votes=None, autopick=True),
        PickFacts(2021, ("Sci-Fi",), ("Denis Villeneuve",), 2024, votes=100_000, seconds=61.4),
    ]
    result = tally(picks, skips=2)
    assert result["decades"] == [["1970s", 1], ["1980s", 1], ["2020s", 1]]
    assert result["genres"] == [["Sci-Fi", 3], ["Horror", 1]]
    assert result["directors"] == [["Ridley Scott", 2], ["Denis Villeneuve", 1]]
    assert result["ages"] == [45, 42, 3] and result["age_mean"] == 30.0
    # The median of the films IMDb knows; the one it does not is counted apart.
    assert result["votes_median"] == 500_000 and result["without_votes"] == 1
    assert result["seconds"] == [61] and result["seconds_median"] == 61
    assert (result["autopicks"], result["skips"], result["picks"]) == (1, 2, 3)


def test_a_member_across_seasons_is_the_median_of_every_pick_not_of_the_medians():
    one = tally([PickFacts(1990, votes=1, seconds=10), PickFacts(1991, votes=2, seconds=20)])
    two = tally([PickFacts(2001, votes=100, seconds=1000)], skips=1)
    both = merge([one, two])
    assert both["votes_median"] == 2  # of 1, 2, 100 (the seasons' medians were 1.5 and 100)
    assert both["seconds_median"] == 20 and both["seconds_mean"] == 343
    assert both["decades"] == [["1990s", 2], ["2000s", 1]]
    assert (both["picks"], both["skips"]) == (3, 1)


@pytest.mark.parametrize(
    ("round_number", "share", "adp", "drafts", "expected"),
    [
        (3, 0.50, 0.65, 2, "reach"),  # exactly 0.15 earlier than usual
        (3, 0.50, 0.6499, 2, None),  # just short of it
        (3, 0.70, 0.55, 2, "steal"),  # exactly 0.15 later (0.7 − 0.55 is 0.1499999… in floats)
        (3, 0.70, 0.5501, 2, None),
        (3, 0.50, 0.90, 1, None),  # an ADP of one draft says nothing
        (2, 0.10, 0.90, 5, None),  # rounds 1 and 2 are never marked
        (3, 0.50, None, 0, None),
    ],
)
def test_reach_and_steal_thresholds(round_number, share, adp, drafts, expected):
    assert mark(round_number=round_number, share=share, adp=adp, adp_drafts=drafts) == expected


def test_a_picks_share_of_the_draft_runs_from_0_to_1():
    assert [stats.share_of(slot, 5) for slot in range(1, 6)] == [0, 0.25, 0.5, 0.75, 1]
    assert stats.share_of(1, 1) == 0


def a_draft(**clock) -> Draft:
    """An unsaved draft in Paris time, for the clock arithmetic."""
    return Draft(league=League(time_zone="Europe/Paris"), created_at=STARTED, **clock)


PARIS_22 = datetime(2024, 6, 1, 20, 0, tzinfo=UTC)  # 22:00 in Paris (summer time)


def test_time_on_the_clock_is_the_pick_time_less_what_was_left():
    draft = a_draft(pick_seconds=3600, first_round_pick_seconds=7200)
    later = Pick(round=2, clock_left=timedelta(minutes=20), created_at=PARIS_22)
    first = Pick(round=1, clock_left=timedelta(minutes=20), created_at=PARIS_22)
    overdue = Pick(round=2, clock_left=timedelta(0), created_at=PARIS_22)
    assert time_on_clock(draft, later, PARIS_22) == 2400
    assert time_on_clock(draft, first, PARIS_22) == 6000  # the first round's own pick time
    assert time_on_clock(draft, overdue, PARIS_22) == 3600


def test_a_clock_over_quiet_hours_counts_only_the_time_it_ran():
    """An hour's clock that came on at 22:30 with quiet hours 23:00–07:00 and was answered at
    07:15 had run 45 minutes: the clock itself left 15 minutes, so the pick took 45."""
    draft = a_draft(pick_seconds=3600, quiet_start=time(23), quiet_end=time(7))
    came_on = PARIS_22 + timedelta(minutes=30)
    pick = Pick(
        round=2,
        clock_left=timedelta(minutes=15),
        created_at=came_on + timedelta(hours=8, minutes=45),
    )
    assert time_on_clock(draft, pick, came_on) == 45 * 60


def test_without_a_clock_the_time_runs_from_the_act_before_quiet_hours_excluded():
    """From 22:00 to 08:00 the next day with quiet hours 23:00–07:00: two hours ran."""
    draft = a_draft(quiet_start=time(23), quiet_end=time(7))
    pick = Pick(round=1, created_at=PARIS_22 + timedelta(hours=10))
    assert time_on_clock(draft, pick, PARIS_22) == 2 * 3600
    assert time_on_clock(a_draft(), pick, PARIS_22) == 10 * 3600  # no quiet hours


def test_keepers_and_make_up_picks_are_not_timed_and_a_skip_puts_the_next_slot_on():
    draft = a_draft(started_at=STARTED)
    at = [STARTED + timedelta(seconds=s) for s in range(0, 1000, 100)]
    picks = [
        Pick(pk=1, slot=1, round=1, created_at=at[0] - timedelta(days=9), is_keeper=True),
        Pick(pk=2, slot=2, round=1, created_at=at[1]),  # 100 s after the start
        Pick(pk=3, slot=3, round=2, created_at=at[5]),  # made up after the skip at 200 s
        Pick(pk=4, slot=4, round=2, created_at=at[4]),  # on the clock from the skip: 200 s
    ]
    times = pick_times(draft, picks, {3: at[2]}, range(1, 5))
    assert times == {2: 100, 4: 200}


# --- A small draft, every stat by hand --------------------------------------------------------


@pytest.fixture
def films(db):
    return [
        film("Alien", 1979, ["Horror", "Sci-Fi"], ["Ridley Scott"], 900_000),
        film("Blade Runner", 1982, ["Sci-Fi"], ["Ridley Scott"], 800_000),
        film("Carrie", 1976, ["Horror"], ["Brian De Palma"], None),
        film("Dune", 2021, ["Sci-Fi"], ["Denis Villeneuve"], 700_000),
        film("Eraserhead", 1977, ["Horror"], ["David Lynch"], 100_000),
        film("Fargo", 1996, ["Crime", "Drama"], ["Joel Coen", "Ethan Coen"], 600_000),
    ]


@pytest.fixture
def small(commissioner, member, other_member, films):
    """2 seats × 3 rounds, snake: Strange Dylan takes Alien, Dune and Eraserhead (slots 1, 4,
    5), Maya Reel Blade Runner, Carrie and Fargo (2, 3, 6). No clock: the picks came 60, 180,
    200, 500, 510 and 1510 seconds after the start."""
    setup = played(
        commissioner, [member, other_member], films, seats=2, rounds=3, seat_commissioner=False
    )
    assert setup.draft.status == Draft.Status.COMPLETE
    set_times(setup, {1: 60, 2: 180, 3: 200, 4: 500, 5: 510, 6: 1510})
    return setup


def members_of(data) -> dict:
    return {m["name"]: m for m in data["members"]}


def test_each_members_stats_by_hand(small):
    data = stats.refresh_stats(small.draft).data
    dylan, maya = members_of(data)["Strange Dylan"], members_of(data)["Maya Reel"]

    assert dylan["decades"] == [["1970s", 2], ["2020s", 1]]
    assert dylan["genres"] == [["Horror", 2], ["Sci-Fi", 2]]
    assert dylan["directors"] == [["David Lynch", 1], ["Denis Villeneuve", 1], ["Ridley Scott", 1]]
    assert dylan["age_mean"] == 31.7  # (45 + 3 + 47) / 3, the draft being 2024's
    assert dylan["votes_median"] == 700_000 and dylan["without_votes"] == 0
    # Slot 1: 60 s from the start; slot 4: 300 s from slot 3's pick; slot 5: 10 s.
    assert dylan["seconds"] == [60, 300, 10]
    assert (dylan["seconds_median"], dylan["seconds_mean"]) == (60, 123)

    assert maya["decades"] == [["1970s", 1], ["1980s", 1], ["1990s", 1]]
    assert maya["directors"] == [
        ["Brian De Palma", 1], ["Ethan Coen", 1], ["Joel Coen", 1], ["Ridley Scott", 1],
    ]  # fmt: skip
    assert maya["age_mean"] == 39.3  # (42 + 48 + 28) / 3
    # Carrie has no votes: the median of the other two, and one pick without.
    assert maya["votes_median"] == 700_000 and maya["without_votes"] == 1
    assert (maya["seconds_median"], maya["seconds_mean"]) == (120, 380)  # 120, 20, 1000

    totals = data["totals"]
    assert totals["decades"] == [["1970s", 3], ["1980s", 1], ["1990s", 1], ["2020s", 1]]
    assert totals["genres"][:2] == [["Horror", 3], ["Sci-Fi", 3]]
    assert totals["votes_median"] == 700_000 and totals["without_votes"] == 1
    assert (totals["seconds_median"], totals["seconds_mean"]) == (90, 252)
    assert (totals["autopicks"], totals["skips"], totals["picks"]) == (0, 0, 6)
    assert data["year"] == 2024 and data["slots"] == 6 and data["public"] is True


def test_locked_results_use_the_votes_kept_at_the_lock(small):
    picks = {p.slot: p for p in Pick.objects.filter(draft=small.draft)}
    kept = {str(picks[1].pk): 10, str(picks[4].pk): None, str(picks[5].pk): 30}
    ResultsSetup.objects.create(
        draft=small.draft, locked_at=timezone.now(), frozen={"imdb_votes": kept}, version=3
    )
    row = stats.refresh_stats(small.draft)
    dylan = members_of(row.data)["Strange Dylan"]
    assert dylan["votes"] == [10, 30] and dylan["without_votes"] == 1
    assert row.results_version == 3


def test_skips_autopicks_and_a_make_up_pick(commissioner, member, other_member, films):
    """2 × 2: Dylan picks 1.01; Maya is skipped at 1.02, makes it up, then picks 2.01; Dylan's
    autopick takes 2.02 at once."""
    setup = played(
        commissioner, [member, other_member], [], seats=2, rounds=2, seat_commissioner=False
    )
    pick_on_clock(setup, films[0])
    skip_on_clock(draft_id=setup.draft.pk, actor=commissioner)
    queue_add(draft_id=setup.draft.pk, user=member, movie_id=films[3].pk)
    set_autopick(draft_id=setup.draft.pk, user=member, enabled=True)
    make_pick(draft_id=setup.draft.pk, user=other_member, movie_id=films[1].pk, expected_slot=2)
    pick_on_clock(setup, films[2])  # slot 3, then the autopick of slot 4
    assert setup.refresh().status == Draft.Status.COMPLETE
    set_times(setup, {1: 60, 2: 150, 3: 170, 4: 170})
    SkippedSlot.objects.filter(draft=setup.draft).update(
        created_at=STARTED + timedelta(seconds=100)
    )

    data = stats.refresh_stats(setup.draft).data
    dylan, maya = members_of(data)["Strange Dylan"], members_of(data)["Maya Reel"]
    assert (dylan["autopicks"], dylan["skips"]) == (1, 0)
    assert (maya["autopicks"], maya["skips"]) == (0, 1)
    assert dylan["seconds"] == [60, 0]  # the autopick came the moment slot 3 was picked
    assert maya["seconds"] == [70]  # slot 3, on the clock from the skip; the make-up untimed
    assert (data["totals"]["skips"], data["totals"]["autopicks"]) == (1, 1)


def test_with_a_clock_a_pick_takes_its_pick_time_less_what_was_left(
    commissioner, member, other_member, films
):
    setup = played(
        commissioner, [member, other_member], [], seats=2, rounds=2, seat_commissioner=False
    )
    update_clock_settings(
        draft_id=setup.draft.pk, actor=commissioner, pick_seconds=600, first_round_pick_seconds=1200
    )
    for movie in films[:4]:
        pick_on_clock(setup, movie)
    left = {1: 1000, 2: 1150, 3: 0, 4: 590}
    for slot, seconds in left.items():
        Pick.objects.filter(draft=setup.draft, slot=slot).update(
            clock_left=timedelta(seconds=seconds)
        )
    data = stats.refresh_stats(setup.draft).data
    assert members_of(data)["Strange Dylan"]["seconds"] == [200, 10]  # slots 1 and 4
    assert members_of(data)["Maya Reel"]["seconds"] == [50, 600]  # slot 3 ran out


# --- Reaches and steals against the ADP -------------------------------------------------------


def test_reaches_and_steals_from_round_three(commissioner, member, other_member):
    """Three 3 × 3 drafts (a slot's share: 0, 1/8 … 1). Hit goes first in two of them and
    last in the third; Sleeper last in two and at 0.75 (3.01) in the third."""
    names = ["Hit", "Sleeper", *[f"Filler {n}" for n in range(1, 15)]]
    hit, sleeper, *fillers = [film(name, 2000) for name in names]
    players = [member, other_member]
    first = played(commissioner, players, [hit, *fillers[0:7], sleeper], seats=3, rounds=3)
    second = played(commissioner, players, [hit, *fillers[7:14], sleeper], seats=3, rounds=3)
    third = played(
        commissioner,
        players,
        [fillers[0], *fillers[1:6], sleeper, fillers[6], hit],
        seats=3,
        rounds=3,
    )
    assert stats.refresh_due_stats() == 3
    assert FilmAdp.objects.get(movie=hit).drafts == 3

    data = DraftStats.objects.get(draft=third.draft).data
    # Hit: ADP (0 + 0 + 1) / 3 = 0.333; at 1.0 in round 3: a steal.
    assert [(s["title"], s["label"], s["share"]) for s in data["steals"]] == [("Hit", "3.03", 1.0)]
    # Sleeper: ADP (1 + 1 + 0.75) / 3 = 0.917; at 0.75 in round 3: a reach by 0.167.
    assert [(r["title"], r["label"], r["adp"]) for r in data["reaches"]] == [
        ("Sleeper", "3.01", 0.9167)
    ]
    # Hit went first in the others: round 1 is never marked; Sleeper last: later than usual
    # by 0.083 only.
    for setup in (first, second):
        data = DraftStats.objects.get(draft=setup.draft).data
        assert data["reaches"] == [] and data["steals"] == []


# --- Stale stats are worked out again ------------------------------------------------------


def test_an_undo_and_a_redo_make_the_stats_due_again(small, commissioner, films):
    extra = film("Gattaca", 1997, ["Sci-Fi"], ["Andrew Niccol"], 300_000)
    assert stats.refresh_due_stats() == 1
    assert stats.refresh_due_stats() == 0  # nothing due: nothing done
    row = DraftStats.objects.get(draft=small.draft)
    assert row.draft_version == small.refresh().version

    undo_last(draft_id=small.draft.pk, actor=commissioner)  # Fargo taken back: live again
    assert small.refresh().status == Draft.Status.LIVE
    assert stats.refresh_due_stats() == 1  # the reopened draft keeps no stats
    assert not DraftStats.objects.filter(draft=small.draft).exists()

    pick_on_clock(small, extra)  # complete again, with Gattaca
    assert stats.refresh_due_stats() == 1
    data = DraftStats.objects.get(draft=small.draft).data
    directors = dict(members_of(data)["Maya Reel"]["directors"])
    assert directors.get("Andrew Niccol") == 1 and "Joel Coen" not in directors
    assert films[5].pk not in data["movie_ids"] and extra.pk in data["movie_ids"]
    assert DraftStats.objects.get(draft=small.draft).draft_version == small.refresh().version


def test_a_results_lock_makes_the_stats_due_again(small):
    assert stats.refresh_due_stats() == 1
    setup = ResultsSetup.objects.create(draft=small.draft)  # version 1: not what was counted
    assert stats.refresh_due_stats() == 1
    assert DraftStats.objects.get(draft=small.draft).results_version == 1
    first = Pick.objects.get(draft=small.draft, slot=1)
    ResultsSetup.objects.filter(pk=setup.pk).update(
        version=2, locked_at=timezone.now(), frozen={"imdb_votes": {str(first.pk): 5}}
    )
    assert stats.refresh_due_stats() == 1
    row = DraftStats.objects.get(draft=small.draft)
    assert row.results_version == 2
    assert members_of(row.data)["Strange Dylan"]["votes"] == [5]  # only the kept value counts


def test_a_league_turning_private_makes_its_stats_due_again(small):
    assert stats.refresh_due_stats() == 1
    League.objects.filter(pk=small.league.pk).update(is_public=False)
    assert stats.refresh_due_stats() == 1
    assert DraftStats.objects.get(draft=small.draft).data["public"] is False
    assert stats.refresh_due_stats() == 0


def test_a_draft_whose_stats_fail_is_logged_and_the_others_go_on(small, commissioner, caplog):
    other = four_by_three(commissioner, start=True)
    bulk_fill_picks(other, 12)
    real = stats.refresh_stats

    def refresh(draft):
        if draft.pk == small.draft.pk:
            raise ValueError("broken")
        return real(draft)

    with mock.patch.object(stats, "refresh_stats", side_effect=refresh):
        assert stats.refresh_due_stats() == 1
    assert DraftStats.objects.filter(draft=other.draft).exists()
    assert f"The stats of draft {small.draft.pk} failed" in caplog.text


# --- What it costs -------------------------------------------------------------------------


def completed(size: str, commissioner):
    if size == "4x3":
        setup = four_by_three(commissioner)
        bulk_fill_picks(setup, 12)
    else:
        setup = sixteen_by_twenty(commissioner, seats=12, rounds=8, movies=96)
        bulk_fill_picks(setup, 96)
    assert setup.refresh().status == Draft.Status.COMPLETE
    return setup


@pytest.mark.parametrize("size", ["4x3", "12x8"])
def test_working_out_a_drafts_stats_costs_six_queries_at_any_size(
    size, commissioner, django_assert_num_queries
):
    setup = completed(size, commissioner)
    # The draft (league, results set-up), seats, picks (films, ADP), skips, slots; the upsert.
    with django_assert_num_queries(6):
        row = stats.refresh_stats(setup.draft)
    assert sum(m["picks"] for m in row.data["members"]) == len(setup.seats) * len(setup.categories)


# --- The worker ----------------------------------------------------------------------------


def test_the_worker_round_locks_due_results_first_then_works_out_the_stats(small):
    calls = mock.Mock()
    with (
        mock.patch.object(results_rounds, "lock_due_results", calls.lock),
        mock.patch.object(
            results_rounds, "refresh_due_stats", wraps=stats.refresh_due_stats
        ) as refresh,
    ):
        calls.attach_mock(refresh, "refresh")
        assert worker_rounds.stats_round() == 1
    assert [c[0] for c in calls.mock_calls] == ["lock", "refresh"]
    assert DraftStats.objects.filter(draft=small.draft).exists()


def test_the_worker_command_works_out_the_stats_once(small):
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    assert "worked out the stats of 1 draft(s)" in out.getvalue()
    assert DraftStats.objects.filter(draft=small.draft).exists()
