"""The board poll's query, compiled once per process (draft/selectors.py, `_CompiledPoll`): it
relies on Django's compiler giving the query's parameters in order and its converters, which
saves about 5 ms a poll. These tests fail loudly if a Django upgrade changes that, and hold the
compiled query to the ORM's own answer; where it cannot be compiled, the poll runs through the
ORM and says so in the log."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from draft import selectors
from draft.selectors import _CompiledPoll, board_version, poll_query
from draft.services.setup import update_clock_settings
from tests.draft.factories import four_by_three

pytestmark = pytest.mark.django_db


@pytest.fixture
def boards(commissioner, member, outsider):
    """A public live board with a one-minute clock and a private one; `member` sits in both."""
    public = four_by_three(commissioner, [member], name="Open")
    private = four_by_three(commissioner, [member], name="Closed")
    private.league.is_public = False
    private.league.save(update_fields=["is_public"])
    update_clock_settings(
        draft_id=public.draft.pk, actor=commissioner, pick_seconds=60, expiry_action="skip"
    )
    return public, private


def cases(boards, member, outsider):
    public, private = boards
    soon = timezone.now()
    later = soon + timedelta(hours=2)  # past the public board's clock
    for setup in (public, private):
        league, draft = setup.league.slug, setup.draft.slug
        for user_id in (None, member.pk, outsider.pk):
            for now in (soon, later):
                yield league, draft, user_id, now
    yield public.league.slug, "no-such-draft", member.pk, soon


def test_the_poll_compiles_on_this_version_of_django():
    for with_user in (False, True):
        _CompiledPoll(with_user=with_user)  # raises if its parameters moved


def test_the_compiled_poll_answers_what_the_orm_answers(boards, member, outsider):
    answers = set()
    for league, draft, user_id, now in cases(boards, member, outsider):
        compiled = _CompiledPoll(with_user=user_id is not None).run(league, draft, user_id, now)
        plain = poll_query(league, draft, user_id, now).first()
        assert (compiled and tuple(compiled)) == plain, (league, draft, user_id, now)
        answers.add(None if plain is None else tuple(bool(v) for v in plain[1:4]))
    # The cases cover a public and a private board, members and not, due and not, none at all.
    wanted = {None, (True, False, False), (True, True, True), (False, True, False)}
    assert wanted <= answers, answers


def test_a_poll_that_cannot_be_compiled_runs_through_the_orm(
    boards, member, outsider, monkeypatch, caplog
):
    def moved(self, *, with_user):
        raise RuntimeError("the board poll's query moved its parameters: []")

    public, private = boards
    expected = board_version(private.league.slug, private.draft.slug, member.pk, timezone.now())
    monkeypatch.setattr(selectors, "_compiled_polls", {})
    monkeypatch.setattr(_CompiledPoll, "__init__", moved)
    with caplog.at_level(logging.ERROR):
        fallback = board_version(private.league.slug, private.draft.slug, member.pk, timezone.now())
    assert fallback == expected and fallback.is_member and not fallback.is_public
    assert "runs through the ORM" in caplog.text
    assert board_version(private.league.slug, private.draft.slug, outsider.pk, timezone.now())
    assert not board_version(
        private.league.slug, private.draft.slug, outsider.pk, timezone.now()
    ).is_member
