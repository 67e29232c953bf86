"""The bench's harness works: its data, its paths, its floor and its verdicts. The bench itself is
`make bench` and never part of the tests; these keep it from timing a 404 after a refactor."""

from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import override_settings

from bench.data import (
    LIVE_TARGETS,
    TARGETS,
    bench_paths,
    board_version,
    check_answer,
    prepare,
    url_at,
)
from bench.run import Measured, Run
from bench.tables import markdown_table, summarise
from draft.models import Membership


def answers(client, path):
    """The path's answers in process: one, or one for each member's cookie it carries."""
    for cookie in path.cookies or [None]:
        headers = {**path.headers, **({"Cookie": cookie} if cookie else {})}
        response = client.get(path.url, headers=headers)
        yield response.status_code, response.content.decode()


@pytest.mark.django_db
def test_every_path_answers_with_its_status_and_text_on_prepared_data(client):
    call_command("seed_demo", stdout=StringIO())
    # Smaller threads than the bench's 200 and 10 / 1,000 comments, fewer members than 50: the
    # same code, in seconds.
    data = prepare(her_comments=12, threads=(2, 5), members=20)
    assert data.her_comments == 12
    assert data.board.picks.count() == 160
    assert len(data.members) == 20
    assert Membership.objects.filter(league=data.board.league).count() == 20
    for live, targets in ((False, set(TARGETS) | {""}), (True, set(LIVE_TARGETS))):
        paths = bench_paths(data, live=live)
        assert {p.target for p in paths} == targets
        assert len({p.key for p in paths}) == len(paths)
        members = next(p for p in paths if p.key == "members")
        assert members.script == "members.lua" and len(set(members.cookies)) == 20

        for path in paths:
            # Nothing moves in process: the version a following path reads is the URL's own.
            assert url_at(path, board_version(data.board.pk)) == path.url
            for status, body in answers(client, path):
                problem = check_answer(path, status, body)
                assert problem is None, f"{path.label} ({path.url}, live={live}): {problem}"


@pytest.mark.django_db
def test_the_checks_refuse_a_wrong_answer(client):
    call_command("seed_demo", stdout=StringIO())
    paths = {p.key: p for p in bench_paths(prepare(her_comments=7, threads=(1, 2), members=17))}
    poll, partial, member = paths["poll-204"], paths["board-partial"], paths["board-member"]

    # Without HX-Request the poll URL is the whole page, not a 204.
    page = client.get(poll.url)
    assert check_answer(poll, page.status_code, page.content.decode()) == (
        "answered 200, expected 204"
    )
    # The whole page is not the partial.
    assert "contains '<html'" in check_answer(partial, 200, page.content.decode())
    # Without the member's session the board has no pick form.
    reader = client.get(member.url)
    assert "lacks" in check_answer(member, reader.status_code, reader.content.decode())


@pytest.mark.django_db
def test_the_floor_runs_one_query_through_the_same_middleware(client, django_assert_num_queries):
    from bench import floor

    assert floor.MIDDLEWARE == settings.MIDDLEWARE
    assert floor.DATABASES == settings.DATABASES
    with override_settings(ROOT_URLCONF="bench.floor"), django_assert_num_queries(1):
        response = client.get("/")
    assert response.status_code == 200
    assert response.content == b"floor 1\n"
    assert "Content-Security-Policy" in response.headers


def _round(rps: dict[str, float], floor: float = 1000.0) -> dict[str, Measured]:
    return {key: Measured(Run(value, 10.0, 100, 0), floor) for key, value in rps.items()}


def test_verdicts_are_medians_against_the_floor_and_the_thread_baseline():
    from bench.data import BenchPath

    paths = [
        BenchPath("poll-204", "poll", "/b/?v=2", "poll", 204),
        BenchPath("home", "home", "/", "page"),
        BenchPath("pick-10", "pick page, 10 comments", "/p1/", ""),
        BenchPath("pick-1000", "pick page, 1,000 comments", "/p2/", "thread", baseline="pick-10"),
    ]
    rounds = [
        _round({"poll-204": 950, "home": 390, "pick-10": 100, "pick-1000": 85}),
        _round({"poll-204": 880, "home": 420, "pick-10": 100, "pick-1000": 75}),
        _round({"poll-204": 910, "home": 100, "pick-10": 100, "pick-1000": 81}),
    ]
    rows = {row.key: row for row in summarise(paths, rounds, TARGETS)}
    assert rows["poll-204"].share == pytest.approx(0.91)
    assert rows["poll-204"].result == "PASS"
    # The median of 39 %, 42 % and 10 % is 39 %: one round short is no pass, one bad round no fail.
    assert rows["home"].result == "SHORT"
    assert rows["pick-10"].result == "(baseline)"
    assert rows["pick-1000"].result == "PASS (81 %)"
    assert "| pick page, 1,000 comments | 81 | 1,000 | 8.1 % |" in markdown_table(
        list(rows.values())
    )
