"""Keepers (issue 20): a member keeps films from their picks of the season before, each costing
the round it was drafted in (one earlier each season it is kept again); a commissioner approves;
at the start they are picks in their slots, never on the clock, never undone."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from draft import rules
from draft.models import DraftEvent, Keeper, League, Pick, Season
from draft.repeats import as_film
from draft.services.keepers import choose_keepers, keeper_options, review_keeper
from draft.services.picks import undo_last
from draft.services.running import start_draft
from draft.services.seasons import start_next_season
from draft.state import DraftState
from tests.draft.factories import (
    OPEN_SLOTS,
    _setup_for,
    four_by_three,
    pick_on_clock,
    play_picks,
)

pytestmark = pytest.mark.django_db


def next_season(setup, name="Next"):
    draft = start_next_season(league=setup.league, actor=setup.commissioner, name=name)
    return _setup_for(draft, setup.commissioner, setup.users, setup.movies)


@pytest.fixture
def league_with_keepers(commissioner, member, other_member):
    """Season 1 played (4 × 3, snake; Strange Dylan at seat 1 picked 1.01, 2.04 and 3.01);
    season 2 in setup; two keepers a member."""
    first = four_by_three(commissioner, [member, other_member], name="2021 Draft")
    League.objects.filter(pk=first.league.pk).update(keepers_per_member=2)
    play_picks(first, 12)
    first.league.refresh_from_db()
    return first, next_season(first, "2022 Draft")


def dylans_picks(first, member):
    return list(
        Pick.objects.filter(draft=first.draft, seat__membership__user=member).order_by("slot")
    )


def test_each_film_costs_the_round_it_was_drafted_in(league_with_keepers, member):
    first, second = league_with_keepers
    options = keeper_options(second.draft, second.membership_of(member))
    assert [(o.pick.label, o.round) for o in options] == [("1.01", None), ("2.04", 2), ("3.01", 3)]
    assert options[0].why_not == "it would cost a first-round pick, which the league does not allow"
    League.objects.filter(pk=first.league.pk).update(keepers_in_round_one=True)
    second.draft.league.refresh_from_db()
    options = keeper_options(second.draft, second.membership_of(member))
    assert [o.round for o in options] == [1, 2, 3]


def test_keepers_are_placed_in_their_slots_and_the_clock_passes_them(
    league_with_keepers, member, commissioner
):
    first, second = league_with_keepers
    _, round_two, round_three = dylans_picks(first, member)
    kept = choose_keepers(
        draft_id=second.draft.pk, user=member, pick_ids=[round_two.pk, round_three.pk]
    )
    assert [(k.round, k.approved) for k in kept] == [(2, False), (3, False)]
    for keeper in kept:
        review_keeper(
            draft_id=second.draft.pk, actor=commissioner, keeper_id=keeper.pk, approve=True
        )
    start_draft(draft_id=second.draft.pk, actor=commissioner)

    state = second.state()
    dylan = second.seat_of(member)
    placed = {p.slot: p for p in state.picks.values()}
    # Snake, 4 seats: seat 1's round-2 pick is 2.04 (slot 8), its round-3 pick 3.01 (slot 9).
    assert {s: (p.movie_id, p.is_keeper, p.seat_id) for s, p in placed.items()} == {
        8: (round_two.movie_id, True, dylan.pk),
        9: (round_three.movie_id, True, dylan.pk),
    }
    assert placed[8].kept_from_id == round_two.pk
    assert state.on_clock == 1
    # Nothing to undo: keepers are never taken back.
    with pytest.raises(ValidationError):
        undo_last(draft_id=second.draft.pk, actor=commissioner)
    play_picks(second, 7)  # slots 1 to 7: the clock goes from 7 past the keepers to 10
    state = second.state()
    assert state.on_clock == 10
    assert DraftEvent.objects.filter(
        draft=second.draft,
        kind=DraftEvent.Kind.KEEPER,
        summary__startswith="2.04 Strange Dylan keeps",
    ).exists()
    # Undo takes back the last real pick, never a keeper.
    undo_last(draft_id=second.draft.pk, actor=commissioner)
    state = second.state()
    assert state.on_clock == 7 and {8, 9} <= set(state.picks)


def test_a_keeper_not_approved_is_dropped_at_the_start(league_with_keepers, member, commissioner):
    first, second = league_with_keepers
    pick = dylans_picks(first, member)[1]
    choose_keepers(draft_id=second.draft.pk, user=member, pick_ids=[pick.pk])
    start_draft(draft_id=second.draft.pk, actor=commissioner)
    assert not Pick.objects.filter(draft=second.draft, is_keeper=True).exists()
    assert DraftEvent.objects.filter(
        draft=second.draft, summary__startswith="Keeper not approved before the start, dropped"
    ).exists()


def test_the_choice_is_refused_where_it_breaks_a_rule(league_with_keepers, member, other_member):
    first, second = league_with_keepers
    first_round, round_two, round_three = dylans_picks(first, member)
    with pytest.raises(ValidationError, match="cannot be kept: it would cost a first-round pick"):
        choose_keepers(draft_id=second.draft.pk, user=member, pick_ids=[first_round.pk])
    League.objects.filter(pk=first.league.pk).update(keepers_per_member=1)
    with pytest.raises(ValidationError, match="You may keep 1 film at most"):
        choose_keepers(
            draft_id=second.draft.pk, user=member, pick_ids=[round_two.pk, round_three.pk]
        )
    mayas = Pick.objects.filter(draft=first.draft, seat__membership__user=other_member).first()
    with pytest.raises(ValidationError, match="only your own picks"):
        choose_keepers(draft_id=second.draft.pk, user=member, pick_ids=[mayas.pk])
    Season.objects.filter(pk=second.draft.season_id).update(
        keeper_deadline=timezone.now() - timedelta(minutes=1)
    )
    with pytest.raises(ValidationError, match="The keeper deadline has passed"):
        choose_keepers(draft_id=second.draft.pk, user=member, pick_ids=[round_two.pk])
    assert not Keeper.objects.exists()


def test_a_film_kept_again_costs_a_round_earlier(league_with_keepers, member, commissioner):
    first, second = league_with_keepers
    round_three = dylans_picks(first, member)[2]
    (keeper,) = choose_keepers(draft_id=second.draft.pk, user=member, pick_ids=[round_three.pk])
    review_keeper(draft_id=second.draft.pk, actor=commissioner, keeper_id=keeper.pk, approve=True)
    start_draft(draft_id=second.draft.pk, actor=commissioner)
    play_picks(second, 11)
    third = next_season(second, "2023 Draft")
    options = {o.pick.movie_id: o for o in keeper_options(third.draft, third.membership_of(member))}
    assert options[round_three.movie_id].round == 2  # kept once: round 3, then round 2


def test_keepers_in_open_slots_fill_a_category_each(commissioner, member, other_member):
    first = four_by_three(commissioner, [member, other_member], category_mode=OPEN_SLOTS)
    League.objects.filter(pk=first.league.pk).update(keepers_per_member=2)
    play_picks(first, 12)
    second = next_season(first)
    _, two, three = Pick.objects.filter(draft=first.draft, seat__membership__user=member).order_by(
        "slot"
    )
    categories = second.categories
    with pytest.raises(ValidationError, match="Choose the category"):
        choose_keepers(draft_id=second.draft.pk, user=member, pick_ids=[two.pk])
    with pytest.raises(ValidationError, match="cannot both fill"):
        choose_keepers(
            draft_id=second.draft.pk,
            user=member,
            pick_ids=[two.pk, three.pk],
            categories={two.pk: categories[2].pk, three.pk: categories[2].pk},
        )
    kept = choose_keepers(
        draft_id=second.draft.pk,
        user=member,
        pick_ids=[two.pk, three.pk],
        categories={two.pk: categories[2].pk, three.pk: categories[0].pk},
    )
    for keeper in kept:
        review_keeper(
            draft_id=second.draft.pk, actor=commissioner, keeper_id=keeper.pk, approve=True
        )
    start_draft(draft_id=second.draft.pk, actor=commissioner)
    state = second.state()
    dylan = second.seat_of(member)
    assert {c.pk for c in state.categories_left(dylan)} == {categories[1].pk}


def test_a_keeper_is_exempt_from_the_rule_against_last_seasons_films(
    league_with_keepers, member, other_member, commissioner
):
    first, second = league_with_keepers
    League.objects.filter(pk=first.league.pk).update(no_repeat_seasons=1)
    round_two = dylans_picks(first, member)[1]
    (keeper,) = choose_keepers(draft_id=second.draft.pk, user=member, pick_ids=[round_two.pk])
    review_keeper(draft_id=second.draft.pk, actor=commissioner, keeper_id=keeper.pk, approve=True)
    start_draft(draft_id=second.draft.pk, actor=commissioner)
    kept = Pick.objects.get(draft=second.draft, is_keeper=True)
    assert kept.movie_id == round_two.movie_id and not kept.is_ruling
    # Anyone else trying it is told it is taken, by the keeper.
    state = DraftState.load(second.refresh())
    assert state.pick_of_movie(round_two.movie_id) == kept


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_the_start_and_a_keeper_choice_at_once(league_with_keepers, member, commissioner):
    """Either the choice comes first (and is dropped at the start, not approved) or the start
    does (and the choice is refused): never a keeper half placed."""
    from tests.threads import race

    first, second = league_with_keepers
    pick = dylans_picks(first, member)[1]
    results = race(
        [
            lambda: choose_keepers(draft_id=second.draft.pk, user=member, pick_ids=[pick.pk]),
            lambda: start_draft(draft_id=second.draft.pk, actor=commissioner),
        ]
    )
    assert not isinstance(results[1], Exception), results
    assert not Pick.objects.filter(draft=second.draft, is_keeper=True).exists()
    if isinstance(results[0], Exception):
        assert "The draft has started" in str(results[0])

    pick_on_clock(second)


# --- The keepers page ----------------------------------------------------------------------


def test_the_keepers_page_chooses_approves_and_sets_the_deadline(
    league_with_keepers, member, commissioner
):
    from django.test import Client
    from django.urls import reverse

    first, second = league_with_keepers
    url = reverse("draft:keepers", args=[second.league.slug, second.draft.slug])
    dylan = Client()
    dylan.force_login(member)
    page = dylan.get(url).content.decode()
    assert "Cannot be kept: it would cost a first-round pick" in page
    assert "Costs your round-2 pick" in page
    _, round_two, _ = dylans_picks(first, member)
    response = dylan.post(url, {"keep": [str(round_two.pk)]}, follow=True)
    assert "You keep 1 film; a commissioner approves them before the start." in (
        response.content.decode()
    )
    assert "Awaiting approval" in response.content.decode()

    carla = Client()
    carla.force_login(commissioner)
    review = carla.get(url).content.decode()
    assert "Strange Dylan</strong> keeps" in review
    keeper = Keeper.objects.get(draft=second.draft)
    carla.post(
        reverse(
            "draft:keeper_review",
            args=[second.league.slug, second.draft.slug, keeper.pk, "approve"],
        )
    )
    assert Keeper.objects.get(pk=keeper.pk).approved
    yesterday = (timezone.now() - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    carla.post(url, {"action": "deadline", "deadline": yesterday})
    season = Season.objects.get(pk=second.draft.season_id)
    assert season.keeper_deadline is not None
    # Past the deadline: the member is told, and their choice is refused.
    late = dylan.post(url, {"keep": []}, follow=True).content.decode()
    assert "The keeper deadline has passed" in late
    assert Keeper.objects.filter(draft=second.draft).count() == 1
    # Bad input: a pick id that is not a number, or not theirs: a message, nothing changed.
    carla_page = carla.post(url, {"keep": ["x", "99999"]}, follow=True).content.decode()
    assert "Keepers" in carla_page
    assert Keeper.objects.filter(draft=second.draft).count() == 1


def test_a_league_without_keepers_has_no_keepers_page(commissioner, member, other_member):
    from django.test import Client
    from django.urls import reverse

    setup = four_by_three(commissioner, [member, other_member])
    browser = Client()
    browser.force_login(member)
    url = reverse("draft:keepers", args=[setup.league.slug, setup.draft.slug])
    assert browser.get(url).status_code == 404


def test_a_keepers_pick_page_links_the_original_and_the_board_marks_it(
    league_with_keepers, member, commissioner, client
):
    from django.urls import reverse

    first, second = league_with_keepers
    round_two = dylans_picks(first, member)[1]
    (keeper,) = choose_keepers(draft_id=second.draft.pk, user=member, pick_ids=[round_two.pk])
    review_keeper(draft_id=second.draft.pk, actor=commissioner, keeper_id=keeper.pk, approve=True)
    start_draft(draft_id=second.draft.pk, actor=commissioner)
    kept = Pick.objects.get(draft=second.draft, is_keeper=True)
    page = client.get(kept.get_absolute_url()).content.decode()
    assert "· a keeper" in page
    assert f'href="{round_two.get_absolute_url()}">2021 Draft, 2.04</a>' in page
    board = client.get(second.draft.get_absolute_url()).content.decode()
    assert "2.04 · kept" in board
    csv = client.get(reverse("draft:export_csv", args=[second.league.slug, second.draft.slug]))
    assert csv.content.decode().splitlines()[1].endswith(",yes")


@pytest.mark.postgresql
@pytest.mark.django_db(transaction=True)
def test_a_pick_of_a_kept_film_racing_the_start_is_refused(
    league_with_keepers, member, commissioner
):
    """The kept film is picked (by the commissioner for the seat on the clock at 1.01) the
    instant the draft starts: the start places the keeper in the same transaction, so the pick
    is refused (not started yet, or the film is the keeper's), and the film is on the board
    once, as the keeper."""
    from draft.services.picks import make_pick
    from tests.threads import race

    first, second = league_with_keepers
    round_two = dylans_picks(first, member)[1]
    (keeper,) = choose_keepers(draft_id=second.draft.pk, user=member, pick_ids=[round_two.pk])
    review_keeper(draft_id=second.draft.pk, actor=commissioner, keeper_id=keeper.pk, approve=True)
    first_seat = second.seats[0]
    picks = [
        lambda: make_pick(
            draft_id=second.draft.pk,
            user=commissioner,
            movie_id=round_two.movie_id,
            expected_slot=1,
            for_seat_id=first_seat.pk,
        )
        for _ in range(3)
    ]
    results = race([lambda: start_draft(draft_id=second.draft.pk, actor=commissioner), *picks])
    assert not isinstance(results[0], Exception), results
    assert all(isinstance(r, ValidationError) for r in results[1:]), results
    assert any("already taken" in str(r) or "not started" in str(r) for r in results[1:])
    kept = Pick.objects.filter(draft=second.draft, movie_id=round_two.movie_id)
    assert [(p.is_keeper, p.seat.membership.user_id) for p in kept] == [(True, member.pk)]
    assert not Pick.objects.filter(draft=second.draft, is_keeper=False).exists()


def test_a_commissioner_edits_a_members_keepers_even_past_the_deadline(
    league_with_keepers, member, other_member, commissioner
):
    from django.test import Client
    from django.urls import reverse

    first, second = league_with_keepers
    Season.objects.filter(pk=second.draft.season_id).update(
        keeper_deadline=timezone.now() - timedelta(hours=1)
    )
    dylan_seat = second.seat_of(member)
    round_three = dylans_picks(first, member)[2]
    # A member may not edit another's.
    with pytest.raises(ValidationError, match="Only a commissioner"):
        choose_keepers(
            draft_id=second.draft.pk,
            user=other_member,
            pick_ids=[round_three.pk],
            for_seat_id=dylan_seat.pk,
        )
    carla = Client()
    carla.force_login(commissioner)
    url = reverse("draft:keepers", args=[second.league.slug, second.draft.slug])
    page = carla.get(url, {"seat": dylan_seat.pk}).content.decode()
    assert "You are editing <strong>Strange Dylan</strong>" in page
    assert "Costs their round-3 pick" in page
    response = carla.post(
        url, {"keep": [str(round_three.pk)], "for_seat": str(dylan_seat.pk)}, follow=True
    )
    assert "Keepers saved and approved: 1 film." in response.content.decode()
    keeper = Keeper.objects.get(draft=second.draft)
    assert (keeper.seat_id, keeper.round, keeper.approved) == (dylan_seat.pk, 3, True)
    assert DraftEvent.objects.filter(
        draft=second.draft, summary="A commissioner set Strange Dylan's keepers: 1, approved"
    ).exists()


# --- Defects found by attacking the keepers (each a regression test) -----------------------


def approved_keeper(first, second, member, commissioner, index=1):
    pick = dylans_picks(first, member)[index]
    (keeper,) = choose_keepers(draft_id=second.draft.pk, user=member, pick_ids=[pick.pk])
    review_keeper(draft_id=second.draft.pk, actor=commissioner, keeper_id=keeper.pk, approve=True)
    return keeper


def test_a_keeper_whose_round_was_removed_refuses_the_start_with_what_to_do(
    league_with_keepers, member, commissioner
):
    """It was a 500 (KeyError in slot_in_round) when categories were removed after the
    keeper was approved."""
    from draft.services.setup import remove_category

    first, second = league_with_keepers
    approved_keeper(first, second, member, commissioner, index=2)  # round 3
    remove_category(
        draft_id=second.draft.pk, actor=commissioner, category_id=second.categories[2].pk
    )
    with pytest.raises(ValidationError, match="costs a round-3 pick and the draft has 2 rounds"):
        start_draft(draft_id=second.draft.pk, actor=commissioner)
    second.refresh()
    assert second.draft.status == "setup" and not Pick.objects.filter(draft=second.draft).exists()


def test_a_keeper_takes_its_rounds_category_as_it_is_at_the_start(
    league_with_keepers, member, commissioner
):
    """It kept the category of the round when it was chosen, with no ruling, after the
    categories were reordered."""
    from draft.services.setup import move_category

    first, second = league_with_keepers
    approved_keeper(first, second, member, commissioner, index=1)  # round 2
    move_category(
        draft_id=second.draft.pk, actor=commissioner, category_id=second.categories[1].pk, offset=-1
    )
    start_draft(draft_id=second.draft.pk, actor=commissioner)
    state = second.state()
    kept = next(p for p in state.picks.values() if p.is_keeper)
    assert kept.category_id == state.category_for_round(2).pk
    film = kept.movie
    fits = not rules.ineligibility_reasons(as_film(film), state.category_for_round(2).rule)
    assert kept.is_ruling == (not fits)


def test_a_damaged_keepers_form_changes_nothing(league_with_keepers, member, commissioner):
    """A pick id or a seat that is not a number was read as none: the member's keepers were
    dropped, or the commissioner's choice went to their own seat."""
    from django.test import Client
    from django.urls import reverse

    first, second = league_with_keepers
    keeper = approved_keeper(first, second, member, commissioner)
    url = reverse("draft:keepers", args=[second.league.slug, second.draft.slug])
    dylan = Client()
    dylan.force_login(member)
    carla = Client()
    carla.force_login(commissioner)
    for browser, data in [
        (dylan, {"keep": ["abc"]}),
        (dylan, {"keep": ["-9"]}),
        (dylan, {"keep": ["0"]}),
        (dylan, {"keep": ["9" * 25]}),
        (carla, {"keep": [str(keeper.kept_from_id)], "for_seat": "abc"}),
        (carla, {"keep": [str(keeper.kept_from_id)], "for_seat": "-16"}),
    ]:
        page = browser.post(url, data, follow=True).content.decode()
        assert "This form was changed or damaged on its way" in page, data
        assert list(Keeper.objects.values_list("pk", "approved")) == [(keeper.pk, True)], data


def test_a_keeper_deadline_centuries_away_is_a_message(league_with_keepers, commissioner):
    """It was a 500 (OverflowError) in a time zone behind UTC."""
    from django.test import Client
    from django.urls import reverse

    first, second = league_with_keepers
    League.objects.filter(pk=first.league.pk).update(time_zone="America/Los_Angeles")
    carla = Client()
    carla.force_login(commissioner)
    url = reverse("draft:keepers", args=[second.league.slug, second.draft.slug])
    response = carla.post(url, {"action": "deadline", "deadline": "9999-12-31T23:59"})
    assert response.status_code == 200
    assert "Choose a date within the next few years." in response.content.decode()
    assert Season.objects.get(pk=second.draft.season_id).keeper_deadline is None


def test_approving_twice_logs_once(league_with_keepers, member, commissioner):
    first, second = league_with_keepers
    keeper = approved_keeper(first, second, member, commissioner)
    version = second.refresh().version
    review_keeper(draft_id=second.draft.pk, actor=commissioner, keeper_id=keeper.pk, approve=True)
    assert second.refresh().version == version
    assert DraftEvent.objects.filter(summary__startswith="Keeper approved").count() == 1
