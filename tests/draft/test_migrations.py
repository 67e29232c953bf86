"""A draft started before slots were rows gets its slot rows when the database is migrated,
and plays on as it would have."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from config import dataversion
from draft import rules
from draft.models import Draft, DraftSlot, Movie, Pick
from draft.services.picks import make_pick, skip_on_clock
from draft.state import DraftState

BEFORE = [("draft", "0007_film_search_at_scale")]  # the last migration before slot rows


def migrate(targets=None):
    """Migrate to `targets` (the latest migrations when None); the apps as they stand there."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    targets = targets or executor.loader.graph.leaf_nodes()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.mark.django_db(transaction=True)
def test_a_draft_started_before_slot_rows_gets_them_and_plays_on_identically():
    old = migrate(BEFORE)
    try:
        User = old.get_model("accounts", "User")
        League = old.get_model("draft", "League")
        Membership = old.get_model("draft", "Membership")
        OldDraft = old.get_model("draft", "Draft")
        Category = old.get_model("draft", "Category")
        Seat = old.get_model("draft", "Seat")
        OldMovie = old.get_model("draft", "Movie")
        OldPick = old.get_model("draft", "Pick")
        Skipped = old.get_model("draft", "SkippedSlot")

        league = League.objects.create(name="Old League", slug="old", invite_token="t" * 20)
        users = [User.objects.create(username=f"old-{n}") for n in range(1, 4)]
        members = [
            Membership.objects.create(
                league=league, user=u, display_name=f"Old {n}", is_commissioner=n == 1
            )
            for n, u in enumerate(users, 1)
        ]
        films = [OldMovie.objects.create(title=f"Old film {n}", year=1990 + n) for n in range(9)]
        drafts = {}
        for mode in ("per_round", "open_slots"):
            draft = OldDraft.objects.create(
                league=league,
                name=mode,
                slug=mode.replace("_", "-"),
                status="live",
                order="snake",
                category_mode=mode,
                clock_slot=3,
            )
            categories = [
                Category.objects.create(draft=draft, position=n, name=f"C{n}") for n in (1, 2)
            ]
            seats = [
                Seat.objects.create(draft=draft, membership=m, position=n)
                for n, m in enumerate(members, 1)
            ]
            # 1.01 picked, 1.02 skipped: 1.03 on the clock, 1.02 owed.
            OldPick.objects.create(
                draft=draft,
                slot=1,
                round=1,
                pick_in_round=1,
                seat=seats[0],
                movie=films[len(drafts)],
                category=categories[0],
                entered_by=users[0],
                version=2,
            )
            Skipped.objects.create(draft=draft, slot=2, version=3)
            OldDraft.objects.filter(pk=draft.pk).update(version=3)
            drafts[mode] = draft.pk
        setup_draft = OldDraft.objects.create(league=league, name="Later", slug="later")
    finally:
        migrate()
        dataversion.install()

    for mode, draft_id in drafts.items():
        draft = Draft.objects.select_related("league").get(pk=draft_id)
        rows = list(DraftSlot.objects.filter(draft=draft).order_by("slot"))
        seats = list(draft.seats.order_by("position"))
        assert [r.slot for r in rows] == list(range(1, 7))
        for row in rows:
            drawn = rules.slot_position(row.slot, 3, draft.order)
            assert (row.round, row.pick_in_round) == (drawn.round, drawn.pick_in_round)
            assert row.original_seat_id == row.owner_seat_id == seats[drawn.seat_position - 1].pk
        picks = Pick.objects.filter(draft=draft)
        assert [p.category_chosen for p in picks] == [mode == "open_slots"]

        # It plays on: 1.03 is the third seat's, the second seat makes up 1.02, the snake
        # turns at 2.01.
        state = DraftState.load(draft)
        assert (state.on_clock, state.owed) == (3, [2])
        assert state.slot_to_fill(seats[1]) == 2
        third, second = (s.membership.user for s in (seats[2], seats[1]))
        categories = list(draft.categories.order_by("position"))
        free = iter(f for f in range(1, 9) if f != 1)
        films = list(Movie.objects.filter(title__startswith="Old film").order_by("pk"))
        chosen = {"category_id": categories[0].pk} if mode == "open_slots" else {}
        make_pick(
            draft_id=draft.pk, user=third, movie_id=films[next(free)].pk, expected_slot=3, **chosen
        )
        make_pick(
            draft_id=draft.pk, user=second, movie_id=films[next(free)].pk, expected_slot=2, **chosen
        )
        state = DraftState.load(Draft.objects.get(pk=draft.pk))
        assert (state.on_clock, state.owed, state.seat_on_clock.pk) == (4, [], seats[2].pk)
        skip_on_clock(draft_id=draft.pk, actor=seats[0].membership.user, expected_slot=4)
        assert DraftState.load(Draft.objects.get(pk=draft.pk)).seat_on_clock.pk == seats[1].pk

    # A draft still in setup has no rows until it starts.
    assert not DraftSlot.objects.filter(draft_id=setup_draft.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_every_draft_becomes_a_season_of_its_own_at_its_address():
    """Issue 20: each existing draft becomes a season, numbered in its league by when it was
    created; names and addresses stay as they were."""
    from datetime import UTC, datetime

    from django.urls import reverse

    old = migrate([("draft", "0010_movie_poster")])
    try:
        League = old.get_model("draft", "League")
        OldDraft = old.get_model("draft", "Draft")
        made = {}
        for slug, names in {"first": ["2021", "2019", "2020"], "second": ["Only"]}.items():
            league = League.objects.create(name=slug, slug=slug, invite_token=f"{slug}-token")
            for name in names:
                draft = OldDraft.objects.create(league=league, name=name, slug=name.lower())
                year = int(name) if name.isdigit() else 2024
                OldDraft.objects.filter(pk=draft.pk).update(
                    created_at=datetime(year, 1, 1, tzinfo=UTC)
                )
                made[(slug, name)] = draft.pk
    finally:
        migrate()
        dataversion.install()

    numbers = {
        key: Draft.objects.select_related("season").get(pk=pk).season.number
        for key, pk in made.items()
    }
    assert numbers == {
        ("first", "2019"): 1,
        ("first", "2020"): 2,
        ("first", "2021"): 3,
        ("second", "Only"): 1,
    }
    draft = Draft.objects.select_related("league").get(pk=made[("first", "2020")])
    assert (draft.name, draft.slug) == ("2020", "2020")
    assert draft.get_absolute_url() == reverse("draft:board", args=["first", "2020"])
