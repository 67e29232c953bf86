"""Seasons (issue 20): every draft is a season's; "Start next season" copies exactly what it
should from the last one, and nothing of the last season changes."""

from datetime import time

import pytest
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from draft.models import (
    Category,
    Draft,
    DraftEvent,
    DraftSlot,
    Membership,
    Pick,
    Season,
    Seat,
    SkippedSlot,
)
from draft.services.leagues import join_league, remove_member
from draft.services.seasons import NextOrder, next_name, start_next_season
from draft.services.setup import CategorySpec, create_draft, update_clock_settings
from reviews import services as reader_services
from reviews.models import DraftReaderSettings
from tests.draft.factories import four_by_three, make_user, play_picks

pytestmark = pytest.mark.django_db

RULED = [
    CategorySpec("Horror/Thriller", "Scary.", genres=("Horror", "Thriller"), max_runtime=120),
    CategorySpec("Before 1980", year_max=1979),
    CategorySpec("Nineties", year_min=1990, year_max=1999),
]


@pytest.fixture
def last_season(commissioner, member, other_member):
    """A finished 4 × 3 draft with rules, a clock, quiet hours, autopick and voting open."""
    setup = four_by_three(commissioner, [member, other_member], categories=RULED, movies=0)
    from tests.draft.factories import make_movie

    setup.movies = [
        *(make_movie(f"Scare {n}", 2000 + n, ["Horror"], 100) for n in range(5)),
        *(make_movie(f"Classic {n}", 1950 + n, ["Drama"], 100) for n in range(5)),
        *(make_movie(f"Nineties {n}", 1990 + n, ["Drama"], 100) for n in range(5)),
    ]
    update_clock_settings(
        draft_id=setup.draft.pk,
        actor=commissioner,
        pick_seconds=3600,
        first_round_pick_seconds=7200,
        quiet_start=time(23, 0),
        quiet_end=time(7, 0),
        expiry_action=Draft.Expiry.AUTOPICK,
    )
    reader_services.set_voting_open(draft=setup.draft, actor=commissioner, value=True)
    DraftReaderSettings.objects.filter(draft=setup.draft).update(writeup_deadline=timezone.now())
    play_picks(setup, 12)
    setup.draft.refresh_from_db()
    assert setup.draft.status == Draft.Status.COMPLETE
    return setup


def rows_of(draft: Draft) -> dict:
    """Every row of a draft, every field."""

    def table(model, **where):
        return [model_to_dict(row) for row in model.objects.filter(**where).order_by("pk")]

    return {
        "draft": model_to_dict(Draft.objects.get(pk=draft.pk)),
        "season": model_to_dict(Season.objects.get(pk=draft.season_id)),
        "categories": table(Category, draft=draft),
        "seats": table(Seat, draft=draft),
        "slots": table(DraftSlot, draft=draft),
        "picks": table(Pick, draft=draft),
        "skips": table(SkippedSlot, draft=draft),
        "events": table(DraftEvent, draft=draft),
        "reader": table(DraftReaderSettings, draft=draft),
    }


def test_drafts_are_numbered_seasons_of_their_league(commissioner):
    first = four_by_three(commissioner, start=False)
    second = create_draft(league=first.league, actor=commissioner, name="Second")
    assert (first.draft.season.number, second.season.number) == (1, 2)
    assert second.season.league_id == first.league.pk


def test_the_next_season_copies_exactly_what_it_should(last_season, commissioner):
    last = last_season.draft
    before = rows_of(last)

    draft = start_next_season(league=last_season.league, actor=commissioner, name="2022 Draft")

    # Nothing of the last season changed.
    assert rows_of(last) == before
    assert draft.season.number == last.season.number + 1
    assert (draft.name, draft.slug, draft.status) == ("2022 Draft", "2022-draft", "setup")
    for field in (
        "order", "category_mode", "pick_seconds", "first_round_pick_seconds", "quiet_start",
        "quiet_end", "expiry_action",
    ):  # fmt: skip
        assert getattr(draft, field) == getattr(last, field), field
    kept = ("position", "name", "description", "genres", "year_min", "year_max", "max_runtime")

    def categories(d):
        return list(Category.objects.filter(draft=d).order_by("position").values(*kept))

    assert categories(draft) == categories(last) and len(categories(draft)) == 3

    def seated(d):
        return list(
            Seat.objects.filter(draft=d).order_by("position").values_list("membership_id", "kind")
        )

    assert seated(draft) == seated(last)
    reader = DraftReaderSettings.objects.get(draft=draft)
    assert reader.voting_open and reader.writeup_deadline is None
    assert not Pick.objects.filter(draft=draft).exists()
    assert not DraftSlot.objects.filter(draft=draft).exists()
    assert DraftEvent.objects.filter(
        draft=draft, summary__startswith="Next season started from Test Draft"
    ).exists()


def test_members_who_left_are_not_seated_and_newcomers_are_after_the_others(
    last_season, commissioner, member
):
    league = last_season.league
    remove_member(league=league, actor=commissioner, membership=member_of(league, member))
    newcomer = make_user("nia", "Nia", "New")
    join_league(user=newcomer, league=league, token=league.invite_token)
    last_order = [
        s.membership.user for s in Seat.objects.filter(draft=last_season.draft).order_by("position")
    ]
    draft = start_next_season(league=league, actor=commissioner, name="Next")
    users = [s.membership.user for s in Seat.objects.filter(draft=draft).order_by("position")]
    assert users == [u for u in last_order if u != member] + [newcomer]


def test_newcomers_wait_for_the_commissioner_when_the_league_says_so(last_season, commissioner):
    league = last_season.league
    league.seat_new_members = False
    league.save()
    newcomer = make_user("nia", "Nia", "New")
    join_league(user=newcomer, league=league, token=league.invite_token)
    draft = start_next_season(league=league, actor=commissioner, name="Next")
    assert not Seat.objects.filter(draft=draft, membership__user=newcomer).exists()
    assert Seat.objects.filter(draft=draft).count() == 4


def test_a_random_order_seats_the_same_members(last_season, commissioner):
    last = set(Seat.objects.filter(draft=last_season.draft).values_list("membership_id", flat=True))
    orders = set()
    for n in range(8):
        draft = start_next_season(
            league=last_season.league, actor=commissioner, name=f"Next {n}", order=NextOrder.RANDOM
        )
        seats = list(
            Seat.objects.filter(draft=draft)
            .order_by("position")
            .values_list("membership_id", flat=True)
        )
        assert set(seats) == last and sorted(
            Seat.objects.filter(draft=draft).values_list("position", flat=True)
        ) == [1, 2, 3, 4]
        orders.add(tuple(seats))
        # The new season must be over before the one after it starts: end it as played.
        Draft.objects.filter(pk=draft.pk).update(status=Draft.Status.COMPLETE)
    # Eight shuffles of four seats all alike would be a 1 in 24**7 chance.
    assert len(orders) > 1


def test_the_next_season_waits_for_the_last_to_finish(commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    with pytest.raises(ValidationError, match="is not over yet"):
        start_next_season(league=setup.league, actor=commissioner, name="Too soon")
    assert Season.objects.filter(league=setup.league).count() == 1


def test_only_a_commissioner_starts_the_next_season(last_season, member):
    with pytest.raises(ValidationError, match="Only a commissioner"):
        start_next_season(league=last_season.league, actor=member, name="Mine")
    assert Season.objects.filter(league=last_season.league).count() == 1


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2021 Movie Draft", "2022 Movie Draft"),
        ("Movie Draft 1999", "Movie Draft 2000"),
        ("The 2019–2020 Draft", "The 2019–2021 Draft"),
        ("Summer Draft", "Summer Draft (next season)"),
        ("Draft 12345", "Draft 12345 (next season)"),
    ],
)
def test_the_suggested_name_moves_the_year_on(name, expected):
    assert next_name(name) == expected


def test_the_page_shows_what_is_copied_and_starts_the_season(last_season, commissioner):
    league = last_season.league
    browser = Client()
    browser.force_login(commissioner)
    url = reverse("draft:season_next", args=[league.slug])
    page = browser.get(url).content.decode()
    assert 'value="Test Draft (next season)"' in page
    assert "Horror/Thriller" in page and "1 hour a pick" in page
    assert "quiet hours 23:00–07:00" in page
    response = browser.post(url, {"name": "2022 Movie Draft", "order": "keep"})
    draft = Draft.objects.get(league=league, name="2022 Movie Draft")
    assert response.status_code == 302
    assert response["Location"] == reverse("draft:manage", args=[league.slug, draft.slug])
    # The last season's pages are where they were.
    old = last_season.draft
    for path in (old.get_absolute_url(), reverse("reviews:recap", args=[league.slug, old.slug])):
        assert browser.get(path).status_code == 200
    league_page = browser.get(league.get_absolute_url()).content.decode()
    assert league_page.index("2022 Movie Draft") < league_page.index("Test Draft")
    assert "Season 2" in league_page


def test_the_page_says_when_the_last_season_is_not_over(commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    browser = Client()
    browser.force_login(commissioner)
    url = reverse("draft:season_next", args=[setup.league.slug])
    assert "is not over yet" in browser.get(url).content.decode()
    refused = browser.post(url, {"name": "Too soon", "order": "keep"})
    assert refused.status_code == 200 and "is not over yet" in refused.content.decode()
    assert Season.objects.filter(league=setup.league).count() == 1


def member_of(league, user) -> Membership:
    return Membership.objects.get(league=league, user=user)


@pytest.mark.django_db(transaction=True)
def test_two_commissioners_starting_the_next_season_at_once_make_one(
    commissioner, member, other_member
):
    """The league's row is locked before the last season is read: the second sees the first's
    new season, which is not over, and is refused."""
    from tests.draft.factories import make_movie
    from tests.threads import race

    setup = four_by_three(commissioner, [member, other_member], movies=0)
    setup.movies = [make_movie(f"Any {n}", 1950 + n, ["Horror"], 90) for n in range(20)]
    play_picks(setup, 12)
    Membership.objects.filter(league=setup.league, user=member).update(is_commissioner=True)
    results = race(
        [
            lambda actor=actor: start_next_season(league=setup.league, actor=actor, name="Next")
            for actor in (commissioner, member)
        ]
    )
    made = [r for r in results if isinstance(r, Draft)]
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(made) == 1 and len(refused) == 1, results
    assert "is not over yet" in str(refused[0])
    assert Season.objects.filter(league=setup.league).count() == 2


# --- The rule against films drafted in the league's last seasons ---------------------------


@pytest.fixture
def three_seasons(commissioner, member, other_member):
    """Season 1 (2019) drafted `early` at 1.01 by Strange Dylan, season 2 (2020) drafted `late`
    at 1.01; season 3 (2021) is live, Strange Dylan on the clock at 1.01."""
    from draft.services.running import start_draft
    from tests.draft.factories import _setup_for, make_movie, make_movies, pick_on_clock

    early = make_movie("Early Scare", 1970, ["Horror"], 90)
    late = make_movie("Late Scare", 1985, ["Thriller"], 95)
    movies = [early, late, *make_movies(40)]
    setup = four_by_three(commissioner, [member, other_member], name="2019 Draft", movies=0)
    setup.movies = movies[2:]
    pick_on_clock(setup, early)
    play_picks(setup, 11)
    drafts = [setup.draft]
    for year, first in ((2020, late), (2021, None)):
        draft = start_next_season(league=setup.league, actor=commissioner, name=f"{year} Draft")
        start_draft(draft_id=draft.pk, actor=commissioner)
        setup = _setup_for(draft, commissioner, setup.users, movies[2:])
        drafts.append(setup.draft)
        if first is not None:
            pick_on_clock(setup, first)
            play_picks(setup, 11)
    return setup, early, late


def pick_first(setup, movie, **extra):
    from draft.services.picks import make_pick

    state = setup.state()
    return make_pick(
        draft_id=setup.draft.pk,
        user=extra.pop("user", state.seat_on_clock.user),
        movie_id=movie.pk,
        expected_slot=state.on_clock,
        **extra,
    )


@pytest.mark.parametrize(
    ("seasons", "refused"),
    [(0, []), (1, ["late"]), (2, ["early", "late"]), (5, ["early", "late"])],
)
def test_films_of_the_last_n_seasons_cannot_be_drafted(three_seasons, seasons, refused):
    setup, early, late = three_seasons
    setup.league.__class__.objects.filter(pk=setup.league.pk).update(no_repeat_seasons=seasons)
    films = {"early": early, "late": late}
    for name, movie in films.items():
        if name in refused:
            year = "2019" if name == "early" else "2020"
            with pytest.raises(ValidationError, match=f"drafted in {year} Draft by Strange Dylan"):
                pick_first(setup, movie)
    allowed = [films[n] for n in films if n not in refused]
    if allowed:
        assert pick_first(setup, allowed[0]).pick.movie == allowed[0]
    else:
        assert not Pick.objects.filter(draft=setup.draft).exists()


def test_a_commissioners_ruling_allows_a_film_of_last_season(three_seasons, commissioner):
    setup, _, late = three_seasons
    setup.league.__class__.objects.filter(pk=setup.league.pk).update(no_repeat_seasons=1)
    on_clock = setup.state().seat_on_clock
    result = pick_first(
        setup, late, user=commissioner, for_seat_id=on_clock.pk, override_rules=True
    )
    assert result.pick.is_ruling
    event = DraftEvent.objects.filter(draft=setup.draft, kind=DraftEvent.Kind.RULING).get()
    assert "drafted in 2020 Draft by Strange Dylan" in event.summary


def test_search_marks_a_film_of_the_last_seasons(three_seasons):
    from draft.search import search_for_pick

    setup, early, late = three_seasons
    setup.league.__class__.objects.filter(pk=setup.league.pk).update(no_repeat_seasons=1)
    category = setup.state().category_for_round(1)
    results = {
        r.movie.pk: r for r in search_for_pick(late.title, draft=setup.draft, category=category)
    }
    assert results[late.pk].problems[-1] == "drafted in 2020 Draft by Strange Dylan"
    assert results[late.pk].unavailable
    results = {
        r.movie.pk: r for r in search_for_pick(early.title, draft=setup.draft, category=category)
    }
    assert results[early.pk].available


def test_autopick_passes_over_a_film_of_last_season(three_seasons, member):
    from datetime import timedelta

    from draft.services.queue import queue_add
    from worker.rounds import tick_due_drafts

    setup, early, late = three_seasons
    setup.league.__class__.objects.filter(pk=setup.league.pk).update(no_repeat_seasons=1)
    seat = setup.seat_of(member)
    for movie in (late, early):
        queue_add(draft_id=setup.draft.pk, user=member, movie_id=movie.pk)
    update_clock_settings(
        draft_id=setup.draft.pk,
        actor=setup.commissioner,
        pick_seconds=60,
        expiry_action=Draft.Expiry.AUTOPICK,
    )
    import time_machine

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        tick_due_drafts()
    pick = Pick.objects.get(draft=setup.draft, slot=1)
    assert (pick.seat_id, pick.movie_id, pick.is_autopick) == (seat.pk, early.pk, True)


def test_the_next_season_page_says_which_films_sit_out(last_season, commissioner):
    league = last_season.league
    browser = Client()
    browser.force_login(commissioner)
    url = reverse("draft:season_next", args=[league.slug])
    assert "Any film, drafted before or not" in browser.get(url).content.decode()
    league.__class__.objects.filter(pk=league.pk).update(no_repeat_seasons=2)
    assert "drafted in the league's last 2 seasons cannot be drafted" in (
        browser.get(url).content.decode()
    )


def test_the_last_seasons_pages_are_the_same_after_the_next_starts(last_season, commissioner):
    """Board, recap, log, a pick page and the exports of the last season, as a reader gets
    them, do not change when the next season starts (but for each request's CSRF token)."""
    import re

    league, old = last_season.league, last_season.draft
    pick = Pick.objects.filter(draft=old).order_by("slot").first()
    paths = [
        old.get_absolute_url(),
        reverse("reviews:recap", args=[league.slug, old.slug]),
        reverse("draft:log", args=[league.slug, old.slug]),
        reverse("draft:export_json", args=[league.slug, old.slug]),
        reverse("draft:export_csv", args=[league.slug, old.slug]),
        pick.get_absolute_url(),
    ]

    def pages():
        reader = Client()
        token = re.compile(rb'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+')
        return {path: token.sub(rb"\1", reader.get(path).content) for path in paths}

    before = pages()
    start_next_season(league=league, actor=commissioner, name="2022 Draft")
    after = pages()
    for path in paths:
        assert after[path] == before[path], path


@pytest.mark.parametrize("name", ["\u200b\u200b", " \u2060 ", "\x7f"])
def test_a_season_name_that_shows_nothing_is_refused(last_season, commissioner, name):
    """Zero-width spaces made an invisible heading and link."""
    with pytest.raises(ValidationError, match="The draft needs a name"):
        start_next_season(league=last_season.league, actor=commissioner, name=name)
    assert Season.objects.filter(league=last_season.league).count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_season_opens_outside_any_transaction(commissioner):
    """The big-board factory opens a season with no transaction of its own; on PostgreSQL the
    league's row lock needs one (a regression: the decorator moved off open_season)."""
    from draft.services.setup import open_season
    from tests.draft.factories import make_league

    league = make_league(commissioner)
    assert [open_season(league).number, open_season(league).number] == [1, 2]
