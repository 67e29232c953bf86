"""Draft night the way a league really runs it: requests racing each other through the whole
site, on real threads with their own database connections (committed for real).

Each test is one of the defects found on PostgreSQL, kept as a regression test; they run on
SQLite too. Requests go through Django's test client with the full middleware stack; a request
that would have been a 500 for a person fails the test (the client raises the exception).
"""

from datetime import timedelta
from functools import partial

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from draft.models import (
    Category,
    Draft,
    DraftEvent,
    League,
    Membership,
    Movie,
    Pick,
    QueueEntry,
    Seat,
)
from draft.services.leagues import create_league
from draft.services.picks import make_pick
from draft.services.queue import queue_add
from draft.services.setup import CategorySpec, update_clock_settings
from tests.draft.factories import make_draft, make_movie
from tests.threads import race
from worker.rounds import tick_due_drafts

pytestmark = pytest.mark.django_db(transaction=True)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def together(*calls):
    """Run the calls in threads released at the same moment; return their results. Anything a
    call raises fails the test."""
    results = race(calls)
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, f"a request failed: {errors!r}"
    return results


def url(setup, name, *args):
    return reverse(name, args=[setup.league.slug, setup.draft.slug, *args])


@pytest.fixture
def two_seat_marathon(commissioner, member):
    """Two seats (Strange Dylan, then the commissioner), linear, 20 open rounds, 60 films."""
    return make_draft(
        commissioner,
        [member],
        seats=2,
        rounds=20,
        order=Draft.Order.LINEAR,
        movies=60,
    )


# --- 1. A queue edit, an autopick switch or a console action during a pick: no deadlock ---


def test_queue_edits_autopick_and_console_racing_picks_never_deadlock(
    two_seat_marathon, commissioner, member
):
    """Defect: a queue edit locked the seat and then waited for the draft row, while the pick
    held the draft row and needed the seat at commit: a deadlock, a 500, sometimes a lost pick.
    Now every writer takes the draft row first."""
    setup = two_seat_marathon
    clients = {member.pk: client_of(member), commissioner.pk: client_of(commissioner)}
    films = iter(setup.movies)
    entries: dict[int, list[int]] = {member.pk: [], commissioner.pk: []}
    rounds = 24
    for n in range(rounds):
        slot = setup.slot_on_clock()
        picker = setup.user_on_clock()
        client = clients[picker.pk]
        film, extra = next(films), next(films)
        pick = partial(
            client.post, url(setup, "draft:pick_submit"), {"slot": slot, "movie": film.pk}
        )
        kind = n % 4
        if kind == 0:  # the picker queues a film
            other = partial(
                client.post, url(setup, "draft:queue_action", "add"), {"movie": extra.pk}
            )
        elif kind == 1 and entries[picker.pk]:  # …or moves one
            other = partial(
                client.post,
                url(setup, "draft:queue_action", "up"),
                {"entry": entries[picker.pk][-1]},
            )
        elif kind == 2:  # …or switches autopick off
            other = partial(
                client.post, url(setup, "draft:queue_action", "autopick"), {"enabled": "0"}
            )
        else:  # the commissioner saves the clock settings
            other = partial(
                clients[commissioner.pk].post,
                url(setup, "draft:manage_action", "clock"),
                {
                    "pick_time": "",
                    "pick_time_unit": "minutes",
                    "first_round_unit": "minutes",
                    "expiry_action": "nothing",
                },  # fmt: skip
            )
        picked, edited = together(pick, other)
        assert picked.status_code == 302, picked.content.decode()[:500]
        assert edited.status_code == 302
        entries[picker.pk] = list(
            QueueEntry.objects.filter(seat__draft=setup.draft, seat__membership__user=picker)
            .order_by("rank")
            .values_list("pk", flat=True)
        )
    picks = Pick.objects.filter(draft=setup.draft)
    assert picks.count() == rounds, "a pick was lost"
    assert sorted(picks.values_list("slot", flat=True)) == list(range(1, rounds + 1))


def test_queue_reorder_racing_the_clocks_autopick_never_deadlocks(commissioner, member):
    """Defect: an autopick member reordering their queue while the worker autopicked for
    them deadlocked 19 times in 30."""
    setup = make_draft(
        commissioner, [member], seats=2, rounds=12, order=Draft.Order.LINEAR, movies=40
    )
    update_clock_settings(
        draft_id=setup.draft.pk,
        actor=commissioner,
        pick_seconds=60,
        expiry_action=Draft.Expiry.AUTOPICK,
    )
    for movie in setup.movies[:20]:
        queue_add(draft_id=setup.draft.pk, user=member, movie_id=movie.pk)
    client = client_of(member)
    autopicks = 0
    for _ in range(12):
        if setup.user_on_clock() != member:
            make_pick(
                draft_id=setup.draft.pk,
                user=commissioner,
                movie_id=setup.free_movie().pk,
                expected_slot=setup.slot_on_clock(),
            )
            continue
        # Time runs out on the member's pick.
        Draft.objects.filter(pk=setup.draft.pk).update(
            clock_deadline=timezone.now() - timedelta(seconds=1)
        )
        entry = QueueEntry.objects.filter(seat__membership__user=member).order_by("-rank")[0]
        applied, moved = together(
            tick_due_drafts,
            partial(client.post, url(setup, "draft:queue_action", "up"), {"entry": entry.pk}),
        )
        assert moved.status_code == 302
        autopicks += 1
    made = Pick.objects.filter(draft=setup.draft, is_autopick=True).count()
    assert made == autopicks >= 5


# --- 4. Saving league settings never undoes an invite rotation -------------------------


def test_saving_settings_while_the_invite_rotates_keeps_the_new_invite(commissioner, member):
    """Defect: the settings save wrote every field of a League loaded earlier, putting the old
    invite token back while both requests said they had succeeded."""
    setup = make_draft(commissioner, [member], seats=2, rounds=1)
    league = setup.league
    client_a, client_b = client_of(commissioner), client_of(commissioner)
    settings_url = reverse("draft:league_settings", args=[league.slug])
    rotate_url = reverse("draft:rotate_invite", args=[league.slug])
    for n in range(12):
        old = League.objects.get(pk=league.pk).invite_token
        saved, rotated = together(
            partial(
                client_a.post,
                settings_url,
                {"name": f"League {n}", "description": "d", "is_public": "on", "time_zone": "UTC"},
            ),
            partial(client_b.post, rotate_url),
        )
        assert (saved.status_code, rotated.status_code) == (302, 302)
        league.refresh_from_db()
        assert league.invite_token != old, "the rotation was undone by the settings save"
        assert league.name == f"League {n}"
        stale = client_of(member).get(reverse("draft:join", args=[league.slug, old]))
        assert stale.status_code == 404


# --- 5. Long text in the draft log -------------------------------------------------------


LONG_TITLE = "The Lord of the Rings: The Return of the King"


def test_a_ruling_with_a_long_summary_is_logged_whole(commissioner, member):
    """Defect: a ruling's log line ran past 300 characters, which PostgreSQL refused (500)."""
    strict = CategorySpec(
        "Short light comedies of the eighties",
        genres=("Comedy", "Romance", "Family", "Animation"),
        year_min=1980,
        year_max=1989,
        max_runtime=95,
    )
    setup = make_draft(commissioner, [member], seats=2, categories=[strict])
    king = make_movie(LONG_TITLE, 2003, ["Adventure", "Drama", "Fantasy"], 201)
    response = client_of(commissioner).post(
        url(setup, "draft:manage_action", "pick"),
        {"seat": setup.seat_of(member).pk, "slot": 1, "movie": king.pk, "override": "1"},
    )
    assert response.status_code == 302
    event = DraftEvent.objects.get(draft=setup.draft, kind=DraftEvent.Kind.RULING)
    assert len(event.summary) > 300
    assert event.summary.startswith(f"1.01 Strange Dylan selects {king}")
    assert event.summary.endswith("over 95")
    assert client_of(commissioner).get(url(setup, "draft:log")).status_code == 200


def test_an_autopick_of_a_film_with_the_longest_title_keeps_the_draft_running(commissioner, member):
    """Defect: an autopick of a 200-character title made the clock's log line too long; every
    board view, the console's pause and skip, and the worker then failed on that draft."""
    # The longest category name and the longest title: the log line runs past 300 characters.
    longest_name = Category._meta.get_field("name").max_length
    category = CategorySpec(("Films that defy every category " * 4)[:longest_name].strip())
    setup = make_draft(commissioner, [member], seats=2, categories=[category] * 3, movies=10)
    update_clock_settings(
        draft_id=setup.draft.pk,
        actor=commissioner,
        pick_seconds=60,
        expiry_action=Draft.Expiry.AUTOPICK,
    )
    longest = Movie._meta.get_field("title").max_length
    title = ("A Very Long Film Title " * 20)[:longest].strip()
    film = Movie.objects.create(title=title, year=1999, genres=["Drama"], runtime=100)
    on_clock = setup.user_on_clock()
    queue_add(draft_id=setup.draft.pk, user=on_clock, movie_id=film.pk)
    Draft.objects.filter(pk=setup.draft.pk).update(
        clock_deadline=timezone.now() - timedelta(seconds=1)
    )

    assert tick_due_drafts() == 1
    assert Pick.objects.get(draft=setup.draft, slot=1).movie == film
    assert len(DraftEvent.objects.get(draft=setup.draft, kind="autopick").summary) > 300
    commissioner_client = client_of(commissioner)
    assert commissioner_client.get(url(setup, "draft:board")).status_code == 200
    assert commissioner_client.get(url(setup, "draft:manage")).status_code == 200
    paused = commissioner_client.post(url(setup, "draft:manage_action", "pause"))
    assert paused.status_code == 302
    assert Draft.objects.get(pk=setup.draft.pk).status == Draft.Status.PAUSED


# --- 8. Two leagues or drafts of the same name at the same moment ---------------------


def test_two_leagues_of_one_name_created_at_once_both_succeed(commissioner, member):
    """Defect: the slug was checked and then inserted, so the second insert hit the unique
    constraint: a 500 on PostgreSQL."""
    for n in range(6):
        name = f"Friday Film Club {n}"
        a, b = client_of(commissioner), client_of(member)
        made = together(
            partial(a.post, reverse("draft:league_new"), {"name": name, "is_public": "on"}),
            partial(b.post, reverse("draft:league_new"), {"name": name, "is_public": "on"}),
        )
        assert [r.status_code for r in made] == [302, 302]
        slugs = set(League.objects.filter(name=name).values_list("slug", flat=True))
        assert slugs == {f"friday-film-club-{n}", f"friday-film-club-{n}-2"}


def test_two_drafts_of_one_name_created_at_once_both_succeed(commissioner, member):
    setup = make_draft(commissioner, [member], seats=2, rounds=1, start=False)
    Membership.objects.filter(league=setup.league, user=member).update(is_commissioner=True)
    new_draft = reverse("draft:draft_new", args=[setup.league.slug])
    seats = list(Membership.objects.filter(league=setup.league).values_list("pk", flat=True))
    form = {"name": "2025 Draft", "order": "snake", "category_mode": "per_round",
            "categories": "Horror\nWildcard", "seats": seats}  # fmt: skip
    a, b = client_of(commissioner), client_of(member)
    made = together(partial(a.post, new_draft, form), partial(b.post, new_draft, form))
    assert [r.status_code for r in made] == [302, 302]
    slugs = set(
        Draft.objects.filter(league=setup.league, name="2025 Draft").values_list("slug", flat=True)
    )
    assert slugs == {"2025-draft", "2025-draft-2"}
    assert Seat.objects.filter(draft__league=setup.league, draft__name="2025 Draft").count() == 4


def test_a_private_league_slug_reveals_nothing(commissioner, member):
    """A league made with the name of a private one gets the plain slug; the private one's
    slug cannot be guessed from its name."""
    private = create_league(user=commissioner, name="Secret Society", is_public=False)
    assert private.slug.startswith("secret-society-") and private.slug != "secret-society-2"
    public = create_league(user=member, name="Secret Society")
    assert public.slug == "secret-society"
