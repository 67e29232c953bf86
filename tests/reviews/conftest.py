"""A small league for the reader side, on top of the shared personas.

4 seats × 3 rounds, snake, live; round 1 fully picked:
seat 1 Strange Dylan (member)       1.01
seat 2 Maya Reel (other_member)     1.02
seat 3 Carla Commish (commissioner) 1.03
seat 4 Player 1                     1.04
"""

import pytest

from reviews import services
from tests.draft.factories import four_by_three, play_picks


@pytest.fixture
def league_setup(commissioner, member, other_member):
    setup = four_by_three(commissioner, [member, other_member])
    setup.picks = play_picks(setup, 4)
    return setup


@pytest.fixture
def dylans_pick(league_setup):
    """Strange Dylan's pick, 1.01."""
    return league_setup.picks[0]


@pytest.fixture
def published(dylans_pick, member):
    """Strange Dylan's published writeup of 1.01."""
    return services.save_writeup(
        pick=dylans_pick, actor=member, body="A *fine* film.\n\nSecond paragraph.", publish=True
    )


def pick_url(pick, suffix=""):
    return pick.get_absolute_url() + suffix
