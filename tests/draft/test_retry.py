"""A write that loses a race in the database (a deadlock, a serialization failure, a busy SQLite
file) is run once more; a second loss is refused with a clear message, never a 500. A lost
connection is not a race: it goes up to the page that says the site is briefly unavailable."""

from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError

from draft.models import Pick
from draft.services.picks import make_pick
from draft.state import DraftState
from tests.draft.factories import four_by_three

pytestmark = pytest.mark.django_db(transaction=True)


class PgError(Exception):
    def __init__(self, sqlstate):
        super().__init__(sqlstate)
        self.sqlstate = sqlstate


def database_error(message, sqlstate=None):
    error = OperationalError(message)
    if sqlstate:
        error.__cause__ = PgError(sqlstate)
    return error


DEADLOCK = ("deadlock detected", "40P01")
SERIALIZATION = ("could not serialize access", "40001")
SQLITE_BUSY = ("database is locked", None)


def pick(setup, member):
    return make_pick(
        draft_id=setup.draft.pk,
        user=member,
        movie_id=setup.free_movie(setup.categories[0]).pk,
        expected_slot=1,
    )


def failing(times, error):
    real, calls = DraftState.load, {"n": 0}

    def load(draft):
        calls["n"] += 1
        if calls["n"] <= times:
            raise database_error(*error)
        return real(draft)

    return mock.patch("draft.state.DraftState.load", side_effect=load), calls


@pytest.mark.parametrize("error", [DEADLOCK, SERIALIZATION, SQLITE_BUSY], ids=lambda e: e[0])
def test_a_lost_race_is_run_again_and_succeeds(commissioner, member, other_member, error):
    setup = four_by_three(commissioner, [member, other_member])
    patch, calls = failing(1, error)
    with patch:
        result = pick(setup, member)
    assert calls["n"] == 2
    assert result.pick.slot == 1 and Pick.objects.filter(draft=setup.draft).count() == 1


def test_a_second_loss_is_refused_with_a_message(commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    version = setup.refresh().version
    patch, calls = failing(2, DEADLOCK)
    with patch, pytest.raises(ValidationError) as refused:
        pick(setup, member)
    assert refused.value.messages == ["The board was busy, please try again."]
    assert refused.value.code == "busy"
    assert calls["n"] == 2
    assert setup.refresh().version == version and not Pick.objects.exists()


def test_a_lost_connection_is_not_retried(commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    patch, calls = failing(5, ("server closed the connection unexpectedly", "08006"))
    with patch, pytest.raises(OperationalError):
        pick(setup, member)
    assert calls["n"] == 1
