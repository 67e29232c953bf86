"""The draft's picks as data: CSV and JSON, in slot order, and private to a private league."""

import csv
import io

import pytest
from django.urls import reverse

from draft.services.picks import make_pick, skip_on_clock
from draft.services.queue import queue_add, set_autopick
from tests.draft.factories import four_by_three, make_league, make_movie

pytestmark = pytest.mark.django_db

HEADER = [
    "overall",
    "round",
    "pick_in_round",
    "member",
    "category",
    "movie_title",
    "movie_year",
    "picked_at",
    "entered_by",
    "autopick",
    "ruling",
    "via",
    "kept",
]


def export_url(setup, kind: str) -> str:
    return reverse(f"draft:export_{kind}", args=[setup.league.slug, setup.draft.slug])


@pytest.fixture
def drafted(live, films, member, other_member):
    """Strange Dylan is skipped at 1.01, Maya picks 1.02, then Dylan makes up 1.01: the made-up
    pick is newer but comes first in slot order."""
    charlotte = make_movie("Hush, Hush, Sweet Charlotte", 1964, ["Horror", "Thriller"])
    skip_on_clock(draft_id=live.draft.pk, actor=live.commissioner, expected_slot=1)
    maya = make_pick(
        draft_id=live.draft.pk, user=other_member, movie_id=films["psycho"].pk, expected_slot=2
    ).pick
    dylan = make_pick(
        draft_id=live.draft.pk, user=member, movie_id=charlotte.pk, expected_slot=1
    ).pick
    assert dylan.created_at >= maya.created_at
    return live, [dylan, maya]


def expected_rows(picks):
    return [
        {
            "overall": pick.slot,
            "round": pick.round,
            "pick_in_round": pick.pick_in_round,
            "member": pick.seat.display_name,
            "category": pick.category.name,
            "movie_title": pick.movie.title,
            "movie_year": pick.movie.year,
            "picked_at": pick.created_at.isoformat(),
            "entered_by": pick.seat.display_name,  # each picked for themselves
            "autopick": False,
            "ruling": False,
            "via": "",
            "kept": False,
        }
        for pick in picks
    ]


def csv_cells(row: dict) -> list[str]:
    """A row as the CSV writes it: yes/no for booleans, nothing for None."""
    names = {True: "yes", False: "no", None: ""}
    return [names[v] if v is None or isinstance(v, bool) else str(v) for v in row.values()]


def test_the_csv_has_one_row_per_pick_in_slot_order(drafted, client):
    setup, picks = drafted

    response = client.get(export_url(setup, "csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="test-draft.csv"'
    body = response.content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0] == HEADER
    assert rows[1:] == [csv_cells(row) for row in expected_rows(picks)]
    assert rows[1][:7] == [
        "1", "1", "1", "Strange Dylan", "Horror/Thriller", "Hush, Hush, Sweet Charlotte", "1964"
    ]  # fmt: skip
    assert rows[2][:7] == ["2", "1", "2", "Maya Reel", "Horror/Thriller", "Psycho", "1960"]
    assert '"Hush, Hush, Sweet Charlotte"' in body  # a comma in a title is quoted


def test_the_json_has_the_same_data(drafted, client):
    setup, picks = drafted

    response = client.get(export_url(setup, "json"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    # A download with a file name, like the CSV beside it, not a page that opens in the tab.
    assert response["Content-Disposition"] == 'attachment; filename="test-draft.json"'
    assert response.json() == {
        "league": "Test League",
        "draft": "Test Draft",
        "status": "live",
        "picks": expected_rows(picks),
    }
    assert list(response.json()["picks"][0]) == HEADER


def test_a_draft_without_picks_exports_just_the_header(live, client):
    assert client.get(export_url(live, "csv")).content.decode().splitlines() == [",".join(HEADER)]
    assert client.get(export_url(live, "json")).json()["picks"] == []


@pytest.mark.parametrize("kind", ["csv", "json"])
def test_a_private_league_exports_to_its_members_only(
    kind, commissioner, member, other_member, films, client, outsider_client, member_client
):
    hush = make_league(commissioner, [member, other_member], name="Hush", is_public=False)
    setup = four_by_three(commissioner, [member, other_member], league=hush, movies=0)
    make_pick(draft_id=setup.draft.pk, user=member, movie_id=films["psycho"].pk, expected_slot=1)
    url = export_url(setup, kind)

    assert outsider_client.get(url).status_code == 404
    assert client.get(url).status_code == 404
    response = member_client.get(url)
    assert response.status_code == 200
    assert "Psycho" in response.content.decode()


def test_csv_cells_that_look_like_formulas_are_defused(commissioner, member, client):
    from draft.models import Movie
    from tests.draft.factories import four_by_three

    setup = four_by_three(commissioner, [member])
    movie = Movie.objects.create(title='=HYPERLINK("http://x")', year=1999, genres=["Horror"])
    make_pick(draft_id=setup.draft.pk, user=member, movie_id=movie.pk, expected_slot=1)
    body = client.get(setup.draft.get_absolute_url() + "export.csv").content.decode()
    assert "'=HYPERLINK" in body


@pytest.fixture
def marked(live, films, member, other_member, commissioner):
    """1.01: Carla picks Halloween on Strange Dylan's behalf. 1.02: Maya is away and Carla
    rules her Her into Horror/Thriller. 1.03: Carla's own pick. 1.04 (Player 1) autopicks
    from the queue."""
    draft_id, carla = live.draft.pk, commissioner
    make_pick(
        draft_id=draft_id,
        user=carla,
        movie_id=films["halloween"].pk,
        expected_slot=1,
        for_seat_id=live.seat_of(member).pk,
    )
    make_pick(
        draft_id=draft_id,
        user=carla,
        movie_id=films["her"].pk,
        expected_slot=2,
        for_seat_id=live.seat_of(other_member).pk,
        override_rules=True,
    )
    make_pick(draft_id=draft_id, user=carla, movie_id=films["psycho"].pk, expected_slot=3)
    player = live.users[3]
    queue_add(draft_id=draft_id, user=player, movie_id=films["living_dead"].pk)
    set_autopick(draft_id=draft_id, user=player, enabled=True)
    return live


def test_both_exports_mark_who_entered_each_pick_rulings_and_autopicks(marked, client):
    picks = client.get(export_url(marked, "json")).json()["picks"]
    marks = [
        (p["member"], p["movie_title"], p["entered_by"], p["ruling"], p["autopick"]) for p in picks
    ]
    assert marks == [
        ("Strange Dylan", "Halloween", "Carla Commish", False, False),
        ("Maya Reel", "Her", "Carla Commish", True, False),
        ("Carla Commish", "Psycho", "Carla Commish", False, False),
        ("Player 1", "Night of the Living Dead", None, False, True),
    ]

    response = client.get(export_url(marked, "csv"))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    csv_marks = [(r["member"], r["entered_by"], r["ruling"], r["autopick"]) for r in rows]
    assert csv_marks == [
        ("Strange Dylan", "Carla Commish", "no", "no"),
        ("Maya Reel", "Carla Commish", "yes", "no"),
        ("Carla Commish", "Carla Commish", "no", "no"),
        ("Player 1", "", "no", "yes"),
    ]


def test_each_export_takes_three_queries(marked, client, django_assert_num_queries):
    # 1 the draft with its league, 2 the league's names, 3 the picks with what they show.
    for kind in ("csv", "json"):
        with django_assert_num_queries(3):
            client.get(export_url(marked, kind))
