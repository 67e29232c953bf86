import pytest

# The personas are shared by every test module: see tests/personas.py.
from tests.personas import *  # noqa: F403


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rendered board grids are cached per process; no test may see another's."""
    from django.core.cache import cache

    cache.clear()
    yield
