# The personas are shared by every test module: see tests/personas.py.
from tests.personas import *  # noqa: F403
