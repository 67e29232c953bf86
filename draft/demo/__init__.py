"""The demo league that `make run` loads: eight bloggers, a catalog of films, and the
"2021 Movie Draft" under way (round 2, with "Her" taken at pick 2.01).

Idempotent: users, films and the league are matched by natural keys, and the draft's picks are
made only when the draft does not exist yet.
"""

import csv
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction

from draft import rules
from draft.demo.last_season import build_last_season
from draft.models import Draft, League, Membership, Movie
from draft.services.leagues import create_league, default_display_name
from draft.services.picks import make_pick
from draft.services.running import start_draft
from draft.services.setup import CategorySpec, create_draft
from draft.services.trades import answer_trade, propose_trade
from draft.signals import catalog_ratings_changing
from draft.state import DraftState

DEMO_PASSWORD = "draftnight"
MOVIES_CSV = Path(__file__).with_name("movies.csv")

# username, first name, last name (the board shows "first last"); carla runs the league.
BLOGGERS = [
    ("carla", "Carla", "Vance"),
    ("dylan", "Strange", "Dylan"),
    ("maya", "Maya", "Okafor"),
    ("theo", "Theo", "Lindqvist"),
    ("priya", "Priya", "Raman"),
    ("sam", "Sam", "Whitlock"),
    ("june", "June", "Castellano"),
    ("omar", "Omar", "Haddad"),
]
COMMISSIONER = "carla"
# Draft order, seat 1 first. Snake order puts seat 8 (Strange Dylan) first in round 2.
SEAT_ORDER = ["maya", "theo", "priya", "sam", "june", "omar", "carla", "dylan"]

CATEGORIES = [
    CategorySpec("Pre-1980 Classics", "Anything released before 1980.", year_max=1979),
    CategorySpec(
        "Romance/Holiday/Animation",
        "A love story, a holiday film or an animated feature.",
        genres=("Romance", "Holiday", "Animation"),
    ),
    CategorySpec(
        "Horror/Thriller", "Something to watch with the lights on.", genres=("Horror", "Thriller")
    ),
    CategorySpec("Sci-Fi/Fantasy", "Other worlds, other times.", genres=("Sci-Fi", "Fantasy")),
    CategorySpec("Comedy", "It has to make you laugh.", genres=("Comedy",)),
    CategorySpec("Wildcard", "Any film at all."),
]

# (title, year) in slot order: all of round 1, then round 2 up to pick 2.05.
DEMO_PICKS = [
    ("Casablanca", 1942),
    ("The Godfather", 1972),
    ("Vertigo", 1958),
    ("Some Like It Hot", 1959),
    ("Singin' in the Rain", 1952),
    ("Seven Samurai", 1954),
    ("2001: A Space Odyssey", 1968),
    ("Alien", 1979),
    ("Her", 2013),
    ("Spirited Away", 2001),
    ("In the Mood for Love", 2000),
    ("Amélie", 2001),
    ("It's a Wonderful Life", 1946),
]

LEAGUE_NAME = "The Reel Bloggers League"
LEAGUE_DESCRIPTION = (
    "Eight film bloggers, one draft a year. Each pick gets a writeup on the picker's blog, "
    "and the readers decide who drafted best."
)
DRAFT_NAME = "2021 Movie Draft"


@dataclass
class SeedSummary:
    headline: str
    logins: list[str] = field(default_factory=list)


def load_movies() -> tuple[int, int]:
    """Upsert the demo catalog by (title, year), with each film's IMDb rating and number of
    votes (movies.csv: near enough, for the demo's results). Returns (created, already there).

    A film already in the catalog is given the file's rating only if it has none, so a rating
    from IMDb's own file (import_movies --imdb-ratings) stays, and a second run writes nothing.
    """
    with MOVIES_CSV.open(encoding="utf-8", newline="") as handle:
        rows = {
            (rules.normalize_title(row["title"]), int(row["year"])): row
            for row in csv.DictReader(handle)
        }
    in_catalog = {
        (movie.search_title, movie.year): movie
        for movie in Movie.objects.filter(search_title__in={title for title, _ in rows}).only(
            "search_title", "year", "imdb_rating", "imdb_votes"
        )
    }
    new, unrated = [], []
    for key, row in rows.items():
        movie = in_catalog.get(key)
        if movie is None:
            new.append(
                Movie(
                    title=row["title"],
                    year=key[1],
                    genres=[g for g in row["genres"].split("|") if g],
                    directors=[d for d in row["directors"].split("|") if d],
                    runtime=int(row["runtime"]) if row["runtime"] else None,
                    search_title=key[0],
                    **_rating(row),
                )
            )
        elif movie.imdb_rating is None and row["imdb_rating"]:
            for name, value in _rating(row).items():
                setattr(movie, name, value)
            unrated.append(movie)
    Movie.objects.bulk_create(new, batch_size=500)
    if unrated:
        # A results date may have passed on the ratings as they were (results: lock first).
        catalog_ratings_changing.send(sender=None)
        Movie.objects.bulk_update(unrated, ["imdb_rating", "imdb_votes"], batch_size=500)
    return len(new), len(rows) - len(new)


def _rating(row: dict[str, str]) -> dict[str, object]:
    return {
        "imdb_rating": Decimal(row["imdb_rating"]) if row["imdb_rating"] else None,
        "imdb_votes": int(row["imdb_votes"]) if row["imdb_votes"] else None,
    }


@transaction.atomic
def seed_demo() -> SeedSummary:
    User = get_user_model()
    users = {}
    for username, first, last in BLOGGERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        users[username] = user
    movies_created, _ = load_movies()

    league = League.objects.filter(name=LEAGUE_NAME).first()
    if league is None:
        league = create_league(
            user=users[COMMISSIONER], name=LEAGUE_NAME, description=LEAGUE_DESCRIPTION
        )
    for username, user in users.items():
        Membership.objects.get_or_create(
            league=league,
            user=user,
            defaults={
                "display_name": default_display_name(user),
                "is_commissioner": username == COMMISSIONER,
            },
        )

    draft = Draft.objects.filter(league=league, name=DRAFT_NAME).first()
    if draft is None:
        if not Draft.objects.filter(league=league).exists():
            build_last_season(
                league,
                users,
                commissioner=COMMISSIONER,
                categories=CATEGORIES,
                keep_free={(rules.normalize_title(t), y) for t, y in DEMO_PICKS},
            )
        draft = _build_draft(league, users)
    logins = [
        f"{username:<6} {first} {last}" + (" (commissioner)" if username == COMMISSIONER else "")
        for username, first, last in BLOGGERS
    ]
    headline = (
        f"Demo league ready: {LEAGUE_NAME}, {DRAFT_NAME} at "
        f"/leagues/{league.slug}/{draft.slug}/ ({movies_created} films added to the catalog)."
    )
    return SeedSummary(headline=headline, logins=logins)


def _build_draft(league: League, users: dict) -> Draft:
    commissioner = users[COMMISSIONER]
    memberships = {m.user.username: m for m in league.memberships.select_related("user")}
    draft = create_draft(
        league=league,
        actor=commissioner,
        name=DRAFT_NAME,
        order=Draft.Order.SNAKE,
        category_mode=Draft.CategoryMode.PER_ROUND,
        categories=CATEGORIES,
        seat_memberships=[memberships[name] for name in SEAT_ORDER],
    )
    state = DraftState.load(start_draft(draft_id=draft.pk, actor=commissioner))
    for slot, (title, year) in enumerate(DEMO_PICKS, start=1):
        picker = state.seat_for_slot(slot).user
        movie = Movie.objects.get(search_title=rules.normalize_title(title), year=year)
        make_pick(draft_id=draft.pk, user=picker, movie_id=movie.pk, expected_slot=slot)
    _trade(draft, users)
    return draft


def _trade(draft: Draft, users: dict) -> None:
    """A trade done (Priya's round-4 pick for June's round-3 pick) and one waiting for an
    answer (Theo offers Carla his round-5 pick for her round-6 pick), as the trade page and
    the board show them."""
    seats = {s.membership.user.username: s for s in draft.seats.select_related("membership__user")}

    def offer(proposer, receiver, give_round, get_round, message):
        return propose_trade(
            draft_id=draft.pk,
            user=users[proposer],
            to_seat_id=seats[receiver].pk,
            give=[f"{give_round}:{seats[proposer].pk}"],
            get=[f"{get_round}:{seats[receiver].pk}"],
            message=message,
        )

    done = offer("priya", "june", 4, 3, "I want my horror pick before the run on Carpenter.")
    answer_trade(draft_id=draft.pk, trade_id=done.pk, user=users["june"], action="accept")
    offer("theo", "carla", 5, 6, "Swap our late picks? I need the comedy slot sooner.")
