"""The stats pages and the film page in a real browser: a phone and a laptop, light and dark.
Each passes the accessibility check, fits the screen without scrolling sideways, draws its
charts, and is saved to /tmp/shots/stats-*.png for a person to look at."""

from pathlib import Path

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from draft.models import Movie
from results import stats
from tests.browser.conftest import assert_accessible
from tests.draft.factories import make_league
from tests.results.drafts import film, played, set_times

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SHOTS = Path("/tmp/shots")
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1366, "height": 900}

# (title, year, genres, directors, IMDb votes, rating)
CATALOG = [
    ("Jaws", 1975, ["Thriller", "Adventure"], ["Steven Spielberg"], 650_000, "8.1"),
    ("Alien", 1979, ["Horror", "Sci-Fi"], ["Ridley Scott"], 950_000, "8.5"),
    ("Carrie", 1976, ["Horror"], ["Brian De Palma"], 200_000, "7.4"),
    ("Eraserhead", 1977, ["Horror", "Fantasy"], ["David Lynch"], 120_000, "7.3"),
    ("Blue Velvet", 1986, ["Mystery", "Thriller"], ["David Lynch"], 210_000, "7.7"),
    ("Fargo", 1996, ["Crime", "Thriller"], ["Joel Coen", "Ethan Coen"], 720_000, "8.1"),
    ("Cléo from 5 to 7", 1962, ["Drama"], ["Agnès Varda"], 35_000, "7.8"),
    ("Vagabond", 1985, ["Drama"], ["Agnès Varda"], 18_000, "7.7"),
    ("Her", 2013, ["Romance", "Sci-Fi", "Drama"], ["Spike Jonze"], 680_000, "8.0"),
    ("Paddington 2", 2017, ["Comedy", "Family"], ["Paul King"], 95_000, "7.8"),
    ("Portrait of a Lady on Fire", 2019, ["Romance", "Drama"], ["Céline Sciamma"], 120_000, "8.1"),
    ("The Thing", 1982, ["Horror", "Sci-Fi"], ["John Carpenter"], 470_000, "8.2"),
    ("Mulholland Drive", 2001, ["Mystery", "Drama"], ["David Lynch"], 380_000, "7.9"),
    ("Tampopo", 1985, ["Comedy"], ["Juzo Itami"], 20_000, None),
    ("Stalker", 1979, ["Sci-Fi", "Drama"], ["Andrei Tarkovsky"], 150_000, "8.0"),
    ("Moonlight", 2016, ["Drama"], ["Barry Jenkins"], 340_000, "7.4"),
    ("The Host", 2006, ["Horror", "Drama"], ["Bong Joon Ho"], 130_000, "7.1"),
    ("Local Hero", 1983, ["Comedy", "Drama"], ["Bill Forsyth"], None, None),
]


@pytest.fixture
def league(commissioner, member, other_member):
    """A public league with three 3 × 3 seasons whose stats are worked out. In the third,
    Jaws (first in the others) goes last: a steal; Alien (last in the others) at 3.01: a
    reach."""
    films = {t: film(t, y, g, d, v, imdb_rating=r) for t, y, g, d, v, r in CATALOG}
    pick = [films[t] for t in films]
    club = make_league(commissioner, [member, other_member], name="Film Bloggers")
    players = [member, other_member]
    jaws, alien, rest = pick[0], pick[1], pick[2:]
    orders = [
        [jaws, *rest[0:7], alien],
        [jaws, *rest[7:14], alien],
        [rest[14], *rest[0:5], alien, rest[15], jaws],
    ]
    for n, order in enumerate(orders, start=1):
        setup = played(commissioner, players, order, seats=3, rounds=3, league=club,
                       name=f"{2020 + n} Movie Draft")  # fmt: skip
        set_times(setup, {slot: slot * 95 + (slot % 4) * 400 for slot in range(1, 10)})
    assert stats.refresh_due_stats() == 3
    setup.jaws = jaws
    return setup


def fits(page) -> None:
    """Nothing makes the page scroll sideways."""
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
def test_the_stats_pages_and_the_film_page_on_every_screen(
    live_server, new_page, league, scheme, viewport
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(viewport=viewport, color_scheme=scheme)
    slug, draft = league.league.slug, league.draft.slug
    pages = {
        "season": (reverse("results:draft_stats", args=[slug, draft]), "2023 Movie Draft: stats"),
        "league": (reverse("results:league_stats", args=[slug]), "Film Bloggers: stats"),
        "film": (Movie.objects.get(pk=league.jaws.pk).get_absolute_url(), "Jaws (1975)"),
    }
    for name, (path, heading) in pages.items():
        page.goto(live_server.url + path)
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        assert_accessible(page, context=f"{name}, {viewport['width']} px, {scheme}")
        fits(page)
        if name == "film":
            expect(page.get_by_text("Usually goes 33% of the way into a draft")).to_be_visible()
        else:
            expect(page.get_by_role("img", name="Decades drafted by Strange Dylan")).to_be_visible()
        if name == "season":
            expect(page.locator(".badge--steal")).to_have_text("Steal")
            expect(page.locator(".badge--reach")).to_have_text("Reach")
        page.screenshot(
            path=str(SHOTS / f"stats-{name}-{viewport['width']}-{scheme}.png"), full_page=True
        )
