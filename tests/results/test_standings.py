"""A draft's standings and their set-up: presets, an own column typed and uploaded, the results
date and the lock that keeps the values, the champion on the history and blogger pages, access
for every persona, refusals that change nothing, and the page's fixed number of queries."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from draft.models import Movie, Pick
from results import selectors
from results.models import ManualValue, ResultsSetup, ScoreColumn, Standing
from results.services import locking
from results.services import setup as results_setup
from reviews.models import Vote
from tests.draft.factories import bulk_fill_picks, four_by_three, make_draft

pytestmark = pytest.mark.django_db


def finished(commissioner, players, **options):
    setup = four_by_three(commissioner, players, **options)
    bulk_fill_picks(setup, len(setup.seats) * len(setup.categories))
    assert setup.refresh().status == "complete"
    return setup


def vote(draft, question, *, seat=None, pick=None, voters=1, start=0):
    for n in range(start, start + voters):
        Vote.objects.create(draft=draft, question=question, seat=seat, pick=pick, voter=f"a:{n}")


def url(name, setup):
    return reverse(name, args=[setup.league.slug, setup.draft.slug])


def post(client, setup, **data):
    return client.post(url("results:setup", setup), data, follow=True)


def snapshot(draft):
    setup = ResultsSetup.objects.filter(draft=draft).first()
    return (
        setup and (setup.version, setup.preset, setup.lock_at, setup.locked_at),
        list(ScoreColumn.objects.filter(setup__draft=draft).values_list()),
        list(ManualValue.objects.filter(column__setup__draft=draft).values_list()),
        list(Standing.objects.filter(draft=draft).values_list()),
    )


def test_readers_decide_without_a_setup(commissioner, member, other_member, client):
    setup = finished(commissioner, [member, other_member])
    dylan = setup.seat_of(member)
    vote(setup.draft, Vote.DRAFT_QUESTION, seat=dylan, voters=3)
    table = selectors.standings(setup.draft)
    assert [c.name for c in table.columns] == ["Reader votes"]
    assert table.champions == [dylan]
    assert not table.locked and not ResultsSetup.objects.exists()
    page = client.get(url("results:standings", setup)).content.decode()
    assert "Leading" in page and "A preview" in page and dylan.display_name in page


def test_blog_league_typed_uploaded_and_locked(commissioner, member, other_member):
    setup = finished(commissioner, [member, other_member])
    draft = setup.draft
    client = Client()
    client.force_login(commissioner)
    response = post(client, setup, action="preset", preset="blog")
    assert "Blog league" in response.content.decode()
    columns = {c.kind: c for c in ScoreColumn.objects.filter(setup__draft=draft)}
    assert set(columns) == {"votes", "imdb", "manual"}
    panel = columns["manual"]
    picks = list(Pick.objects.filter(draft=draft).order_by("slot"))
    # Typed in the browser: one value per pick.
    data = {f"value-{panel.pk}-{p.pk}": str(p.slot % 5) for p in picks}
    post(client, setup, action="values", column=panel.pk, **data)
    assert ManualValue.objects.filter(column=panel).count() == len(picks)
    # Uploaded: pick labels as on the board; an empty value clears.
    csv = "pick,film,value\n1.01,whatever,9.5\n1.02,,\n"
    upload = SimpleUploadedFile("panel.csv", csv.encode(), content_type="text/csv")
    response = client.post(
        url("results:setup", setup),
        {"action": "upload", "column": panel.pk, "file": upload},
        follow=True,
    )
    assert "Panel: 2 values changed." in response.content.decode()
    first, second = picks[0], picks[1]
    assert ManualValue.objects.get(column=panel, pick=first).value == Decimal("9.5")
    assert not ManualValue.objects.filter(column=panel, pick=second).exists()
    # IMDb ratings for every film; the votes.
    for n, pick in enumerate(picks):
        Movie.objects.filter(pk=pick.movie_id).update(
            imdb_rating=Decimal("5.0") + n % 4, imdb_votes=50_000
        )
    vote(draft, Vote.DRAFT_QUESTION, seat=setup.seat_of(member), voters=2)
    before = selectors.standings(draft)
    assert before.champions
    response = post(client, setup, action="lock")
    assert "The results are locked" in response.content.decode()
    locked = ResultsSetup.objects.get(draft=draft)
    assert locked.is_locked and locked.frozen
    standings = list(Standing.objects.filter(draft=draft).order_by("rank", "seat__position"))
    assert [s.seat_id for s in standings] == [m.seat.pk for m in before.members]
    champions = [s.seat for s in standings if s.champion]
    # An import after the lock, a new vote, a new value: no standing changes.
    Movie.objects.filter(pk__in=[p.movie_id for p in picks]).update(imdb_rating=Decimal("9.9"))
    Movie.objects.filter(pk=picks[-1].movie_id).update(imdb_rating=Decimal("1.0"))
    vote(draft, Vote.DRAFT_QUESTION, seat=setup.seats[-1], voters=50, start=100)
    after = selectors.standings(draft)
    assert [(m.seat.pk, m.score.total) for m in after.members] == [
        (m.seat.pk, m.score.total) for m in before.members
    ]
    assert after.champions == champions
    # Changes are refused while locked, with a message, and change nothing.
    frozen = snapshot(draft)
    response = post(client, setup, action="preset", preset="critics")
    assert "The results are locked" in response.content.decode()
    assert snapshot(draft) == frozen
    # Opening again drops the standings and the kept values.
    post(client, setup, action="reopen")
    assert not Standing.objects.filter(draft=draft).exists()
    assert not ResultsSetup.objects.get(draft=draft).is_locked


def test_the_results_date_locks_them_and_an_import_after_it_changes_nothing(
    commissioner, member, other_member
):
    setup = finished(commissioner, [member, other_member])
    draft = setup.draft
    results_setup.choose_preset(draft=draft, preset="critics")
    picks = list(Pick.objects.filter(draft=draft).order_by("slot"))
    for n, pick in enumerate(picks):
        Movie.objects.filter(pk=pick.movie_id).update(
            imdb_rating=Decimal(4 + n % 5), imdb_votes=10**6
        )
    soon = timezone.now() + timedelta(hours=1)
    results_setup.set_results_date(draft=draft, when=soon)
    assert locking.lock_due_results() == 0
    before = [(m.seat.pk, m.score.total) for m in selectors.standings(draft).members]
    # The date passes; the next import locks first (draft.signals.catalog_ratings_changing).
    ResultsSetup.objects.filter(draft=draft).update(lock_at=timezone.now() - timedelta(minutes=1))
    from draft.signals import catalog_ratings_changing

    catalog_ratings_changing.send(sender=None)
    Movie.objects.filter(pk__in=[p.movie_id for p in picks[:6]]).update(imdb_rating=Decimal("1.0"))
    assert ResultsSetup.objects.get(draft=draft).is_locked
    assert [(m.seat.pk, m.score.total) for m in selectors.standings(draft).members] == before
    assert Standing.objects.filter(draft=draft, champion=True).exists()


def test_a_date_in_the_past_and_a_lock_before_the_end_are_refused(commissioner, member):
    setup = four_by_three(commissioner, [member])
    with pytest.raises(ValidationError, match="in the future"):
        results_setup.set_results_date(draft=setup.draft, when=timezone.now() - timedelta(days=1))
    with pytest.raises(ValidationError, match="once the draft is over"):
        locking.lock_results(draft=setup.draft)
    assert not Standing.objects.exists()


@pytest.mark.parametrize(
    "content, message",
    [
        (b"film,score\n1.01,3\n", "needs a 'pick' column"),
        (b"pick,value\n1.01,3\x00\n", "NUL bytes"),
        (b"pick,value\n1.01,3\n1.01,4\n", "Lines 2 and 3 both give pick 1.01"),
        (b"pick,value\n9.09,3\n", "not a pick of this draft"),
        (b"pick,value\n1.01,lots\n", "Line 2: 'lots' is not a number"),
        (b"pick,value\n1.01,1e400\n", "too large"),
        (b"pick,value\n", "The file has no values"),
        ("pick,value\n1.01,3\n".encode("utf-16"), "not UTF-8"),
        (b"pick,value\n1.01,1e999999999\n", "Line 2: the number is too large"),
        (b"pick,value\n1.01,NaN\n", "Line 2: 'NaN' is not a number"),
        (b'pick,value\n1.01,3,"' + b"x" * 200_000 + b'"\n', "Line 2: this is not CSV we can read"),
        (b'pick,value\n1.01,"7\n', "this is not CSV we can read"),
        (b"pick,value\n1.01,\xff\n", "not UTF-8"),
        (b"pick,value\n" + b"1.01,1\n" * 200_000, "larger than 1 MB"),
    ],
)
def test_a_bad_upload_is_refused_with_a_message_and_changes_nothing(
    commissioner, member, other_member, content, message
):
    setup = finished(commissioner, [member, other_member])
    results_setup.choose_preset(draft=setup.draft, preset="blog")
    panel = ScoreColumn.objects.get(setup__draft=setup.draft, kind="manual")
    results_setup.set_values(
        draft=setup.draft,
        column_id=panel.pk,
        values={Pick.objects.filter(draft=setup.draft).first().pk: Decimal(2)},
    )
    before = snapshot(setup.draft)
    client = Client()
    client.force_login(commissioner)
    upload = SimpleUploadedFile("panel.csv", content, content_type="text/csv")
    response = client.post(
        url("results:setup", setup),
        {"action": "upload", "column": panel.pk, "file": upload},
        follow=True,
    )
    assert message in response.content.decode().replace("&#x27;", "'")
    assert snapshot(setup.draft) == before


def test_bad_form_input_is_refused_with_a_message(commissioner, member, other_member):
    setup = finished(commissioner, [member, other_member])
    results_setup.choose_preset(draft=setup.draft, preset="blog")
    panel = ScoreColumn.objects.get(setup__draft=setup.draft, kind="manual")
    pick = Pick.objects.filter(draft=setup.draft).first()
    client = Client()
    client.force_login(commissioner)
    before = snapshot(setup.draft)
    cases = [
        ({"action": "preset", "preset": "nope"}, "Choose one of the presets"),
        ({"action": "columns", f"weight-{panel.pk}": "0"}, "from 1 to 100"),
        ({"action": "columns", f"weight-{panel.pk}": "5", f"scale-{panel.pk}": "zig"}, "compared"),
        ({"action": "add", "kind": "imdb"}, "already have the IMDb rating column"),
        ({"action": "columns"}, "Nothing to save"),
        (
            {
                "action": "columns",
                f"weight-{panel.pk}": "1",
                f"scale-{panel.pk}": "scale",
                f"combine-{panel.pk}": "total",
                f"name-{panel.pk}": "reader VOTES",
            },
            "Two columns cannot have the same name",
        ),
        ({"action": "date", "lock_at": "2099-01-01T10:00:00.123Z garbage"}, "date and a time"),
        ({"action": "date", "lock_at": "9999-12-31T23:59"}, "within five years"),
        (
            {"action": "values", "column": panel.pk, f"value-{panel.pk}-{pick.pk}": "1e999999999"},
            "too large",
        ),
        (
            {"action": "values", "column": panel.pk, f"value-{panel.pk}-{pick.pk}": "Infinity"},
            "not a number",
        ),
        ({"action": "add", "kind": "manual", "name": "\x00 "}, "needs a name"),
        ({"action": "add", "kind": "manual", "name": "x" * 61}, "at most 60"),
        ({"action": "date", "lock_at": "tomorrow"}, "date and a time"),
        ({"action": "date", "lock_at": "2001-01-01T10:00"}, "in the future"),
        (
            {"action": "values", "column": panel.pk, f"value-{panel.pk}-{pick.pk}": "ten"},
            "not a number",
        ),
        ({"action": "values", "column": 999999}, "not one of this draft's own columns"),
        ({"action": "remove", "column": 999999}, "not one of this draft's"),
        ({"action": "explode"}, "Unknown action"),
    ]
    for data, message in cases:
        page = post(client, setup, **data).content.decode().replace("&#x27;", "'")
        assert message in page, data
        assert snapshot(setup.draft) == before, data


def test_an_own_column_by_name_and_weights(commissioner, member, other_member):
    setup = finished(commissioner, [member, other_member])
    client = Client()
    client.force_login(commissioner)
    post(client, setup, action="add", kind="manual", name="Box office", unit="$m")
    box = ScoreColumn.objects.get(setup__draft=setup.draft, name="Box office")
    votes = ScoreColumn.objects.get(setup__draft=setup.draft, kind="votes")
    post(
        client,
        setup,
        action="columns",
        **{
            f"weight-{votes.pk}": "3",
            f"scale-{votes.pk}": "rank",
            f"weight-{box.pk}": "1",
            f"scale-{box.pk}": "scale",
            f"combine-{box.pk}": "total",
            f"name-{box.pk}": "Box office",
            f"unit-{box.pk}": "$m",
        },
    )
    votes.refresh_from_db()
    assert votes.weight == 3 and ResultsSetup.objects.get(draft=setup.draft).preset == "custom"
    table = selectors.standings(setup.draft)
    assert [c.name for c in table.columns] == ["Reader votes", "Box office"]


def test_the_champion_shows_on_the_history_and_blogger_pages(
    commissioner, member, other_member, client
):
    setup = finished(commissioner, [member, other_member])
    vote(setup.draft, Vote.DRAFT_QUESTION, seat=setup.seat_of(member), voters=2)
    history = reverse("reviews:history", args=[setup.league.slug])
    assert "No champion yet: the results are not final." in client.get(history).content.decode()
    locking.lock_results(draft=setup.draft)
    page = client.get(history).content.decode()
    assert f"Champion:</strong> {setup.seat_of(member).display_name}" in page
    blogger = client.get(reverse("reviews:blogger", args=[member.username])).content.decode()
    assert '<span class="badge">Champion</span>' in blogger
    other = client.get(reverse("reviews:blogger", args=[other_member.username])).content.decode()
    assert '<span class="badge">Champion</span>' not in other


def test_who_may_read_and_who_may_set_up(commissioner, member, outsider, client):
    public = finished(commissioner, [member])
    private = finished(commissioner, [member], league=None, name="Secret")
    private.league.is_public = False
    private.league.save()
    as_member, as_outsider, as_commissioner = Client(), Client(), Client()
    as_member.force_login(member)
    as_outsider.force_login(outsider)
    as_commissioner.force_login(commissioner)
    assert client.get(url("results:standings", public)).status_code == 200
    assert client.get(url("results:standings", private)).status_code == 404
    assert as_outsider.get(url("results:standings", private)).status_code == 404
    assert as_member.get(url("results:standings", private)).status_code == 200
    login = client.get(url("results:setup", public))
    assert login.status_code == 302 and "/accounts/login/" in login["Location"]
    assert client.post(url("results:setup", public), {"action": "lock"}).status_code == 302
    assert as_member.get(url("results:setup", public)).status_code == 403
    assert as_member.post(url("results:setup", public), {"action": "lock"}).status_code == 403
    assert as_outsider.get(url("results:setup", private)).status_code == 404
    assert as_commissioner.get(url("results:setup", public)).status_code == 200
    assert as_commissioner.put(url("results:setup", public)).status_code == 405
    assert client.post(url("results:standings", public)).status_code == 405
    csrf = Client(enforce_csrf_checks=True)
    csrf.force_login(commissioner)
    assert csrf.post(url("results:setup", public), {"action": "lock"}).status_code == 403
    assert not Standing.objects.exists()


def standings_queries(setup) -> int:
    client = Client()
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("results:standings", setup)).status_code == 200
    return len(queries)


def blog_league(setup):
    results_setup.choose_preset(draft=setup.draft, preset="blog")
    results_setup.add_column(draft=setup.draft, kind="league")
    panel = ScoreColumn.objects.get(setup__draft=setup.draft, kind="manual")
    picks = list(Pick.objects.filter(draft=setup.draft))
    results_setup.set_values(
        draft=setup.draft, column_id=panel.pk, values={p.pk: Decimal(p.slot % 7) for p in picks}
    )
    for pick in picks[::3]:
        vote(
            setup.draft, Vote.round_question(pick.round), pick=pick, voters=2, start=pick.slot * 10
        )


def test_the_standings_page_reads_a_fixed_number_of_queries(commissioner, member, other_member):
    small = finished(commissioner, [member, other_member])
    big = make_draft(
        commissioner, [member, other_member], seats=12, rounds=8, movies=100, name="Big"
    )
    bulk_fill_picks(big, 96)
    for setup in (small, big):
        blog_league(setup)
    assert standings_queries(small) == standings_queries(big)
    # Locked: read from the kept values.
    for setup in (small, big):
        locking.lock_results(draft=setup.draft)
    assert standings_queries(small) == standings_queries(big)


def test_setup_page_reads_a_fixed_number_of_queries(commissioner, member, other_member):
    small = finished(commissioner, [member, other_member])
    big = make_draft(
        commissioner, [member, other_member], seats=12, rounds=8, movies=100, name="Big"
    )
    bulk_fill_picks(big, 96)
    counts = []
    for setup in (small, big):
        blog_league(setup)
        client = Client()
        client.force_login(commissioner)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("results:setup", setup)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_an_imdb_import_after_the_results_date_changes_no_standing(
    commissioner, member, other_member, tmp_path
):
    import gzip

    from draft.importers import import_imdb_ratings

    setup = finished(commissioner, [member, other_member])
    draft = setup.draft
    results_setup.choose_preset(draft=draft, preset="critics")
    picks = list(Pick.objects.filter(draft=draft).order_by("slot"))
    for n, pick in enumerate(picks):
        Movie.objects.filter(pk=pick.movie_id).update(
            imdb_id=f"tt{1000 + n}", imdb_rating=Decimal(4 + n % 5), imdb_votes=10**6
        )
    results_setup.set_results_date(draft=draft, when=timezone.now() + timedelta(hours=1))
    before = [(m.seat.pk, m.score.total) for m in selectors.standings(draft).members]
    ResultsSetup.objects.filter(draft=draft).update(lock_at=timezone.now() - timedelta(seconds=1))
    # IMDb's new file turns the order over.
    path = tmp_path / "title.ratings.tsv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as out:
        out.write("tconst\taverageRating\tnumVotes\n")
        for n, _pick in enumerate(picks):
            out.write(f"tt{1000 + n}\t{9 - n % 5}.0\t2000000\n")
    result = import_imdb_ratings(path=path)
    assert result.ratings_updated == len(picks)
    assert ResultsSetup.objects.get(draft=draft).is_locked
    assert [(m.seat.pk, m.score.total) for m in selectors.standings(draft).members] == before
    # The live values did move: the same set-up opened again ranks on the new ratings.
    locking.reopen_results(draft=draft)
    assert [(m.seat.pk, m.score.total) for m in selectors.standings(draft).members] != before


def test_the_last_moments_of_the_year_9999_in_new_york_are_refused(commissioner, member):
    """A results date that fits Python in the league's time zone but not in UTC was stored and
    then broke every page that read it."""
    setup = finished(commissioner, [member])
    setup.league.time_zone = "America/New_York"
    setup.league.save()
    client = Client()
    client.force_login(commissioner)
    page = post(client, setup, action="date", lock_at="9999-12-31T23:59").content.decode()
    assert "within five years" in page
    assert not ResultsSetup.objects.filter(draft=setup.draft, lock_at__isnull=False).exists()
    assert client.get(url("results:standings", setup)).status_code == 200


def test_an_undo_cannot_reopen_a_draft_whose_results_are_locked(commissioner, member):
    from draft.services.picks import undo_last

    setup = finished(commissioner, [member])
    locking.lock_results(draft=setup.draft)
    version = setup.refresh().version
    with pytest.raises(ValidationError, match="results are locked, so it stays finished"):
        undo_last(draft_id=setup.draft.pk, actor=commissioner)
    draft = setup.refresh()
    assert (draft.status, draft.version) == ("complete", version)
    assert Pick.objects.filter(draft=draft).count() == 12
    assert Standing.objects.filter(draft=draft).count() == 4
    # Opened again, the undo goes through; the champion goes with the lock.
    locking.reopen_results(draft=draft)
    undo_last(draft_id=draft.pk, actor=commissioner)
    assert setup.refresh().status == "live"
    assert not Standing.objects.filter(draft=draft).exists()


def test_a_csv_with_old_mac_line_endings_is_read(commissioner, member, other_member):
    setup = finished(commissioner, [member, other_member])
    results_setup.choose_preset(draft=setup.draft, preset="blog")
    values = results_setup.read_values_csv(
        draft=setup.draft,
        upload=SimpleUploadedFile("panel.csv", b"pick,value\r1.01,15\r1.02,16\r"),
    )
    assert sorted(values.values()) == [Decimal(15), Decimal(16)]
