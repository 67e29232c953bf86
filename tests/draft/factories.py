"""Plain helpers that build leagues, drafts and films for tests. No factory library.

Small drafts go through `draft.services` (create_league, create_draft, start_draft, make_pick), so
they are exactly what a commissioner would have made through the site. The big "16 seats ×
20 rounds" board is bulk-created, because making it one service call at a time would dominate a
test's run time; `bulk_fill_picks` fills it the same way. Both need the database.

Typical use, with the personas of tests/personas.py:

    setup = four_by_three(commissioner, [member, other_member])   # live, seat 1 on the clock
    setup.seat_of(member)        # the Seat of a user
    setup.user_on_clock()        # who should pick now
    pick_on_clock(setup)         # the seat on the clock picks the first free film that fits
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import F

from draft import rules
from draft.models import Category, Draft, DraftSlot, League, Membership, Movie, Pick, Seat
from draft.services.leagues import create_league, join_league
from draft.services.picks import make_pick
from draft.services.running import start_draft
from draft.services.setup import CategorySpec, create_draft, open_season
from draft.state import DraftState

PER_ROUND = Draft.CategoryMode.PER_ROUND
OPEN_SLOTS = Draft.CategoryMode.OPEN_SLOTS
SNAKE = Draft.Order.SNAKE
LINEAR = Draft.Order.LINEAR

# Genres the generated films cycle through, and the categories the small drafts use.
GENRES = ["Horror", "Comedy", "Drama", "Sci-Fi", "Romance", "Thriller", "Animation", "Western"]

# Three categories a person would recognise: a genre rule, a year rule, and an open one.
THREE_CATEGORIES = [
    CategorySpec("Horror/Thriller", genres=("Horror", "Thriller")),
    CategorySpec("Before 1980", year_max=1979),
    CategorySpec("Wildcard", "Any film at all."),
]


def make_user(username: str, first_name: str = "", last_name: str = ""):
    """A user with an unusable password (tests log in with `force_login`)."""
    user = get_user_model()(username=username, first_name=first_name, last_name=last_name)
    user.set_unusable_password()
    user.save()
    return user


def make_users(count: int, prefix: str = "player") -> list:
    """`count` users named "<Prefix> 1", "<Prefix> 2"…, with distinct usernames."""
    start = get_user_model().objects.filter(username__startswith=f"{prefix}-").count() + 1
    return [
        make_user(f"{prefix}-{n}", prefix.capitalize(), str(n)) for n in range(start, start + count)
    ]


def make_league(commissioner, members=(), *, name: str = "Test League", is_public=True) -> League:
    """A league run by `commissioner`, joined by `members` (in that order) with the invite."""
    league = create_league(user=commissioner, name=name, is_public=is_public)
    for user in members:
        join_league(user=user, league=league, token=league.invite_token)
    return league


def open_categories(count: int) -> list[CategorySpec]:
    """`count` categories that any film fits: "Category 1", "Category 2"…"""
    return [CategorySpec(f"Category {n}") for n in range(1, count + 1)]


def make_movie(title: str, year: int, genres=(), runtime: int | None = 100, **extra) -> Movie:
    return Movie.objects.create(
        title=title, year=year, genres=list(genres), runtime=runtime, **extra
    )


def make_movies(count: int, *, prefix: str = "Film", first_year: int = 1950) -> list[Movie]:
    """`count` films with distinct titles ("Film 001"…, numbering on from films made earlier with
    the same prefix), years from 1950 (one a year, wrapping after 75), one or two genres from
    GENRES, runtimes 80–139 minutes. Bulk-created; returned in that order, with ids."""
    done = Movie.objects.filter(title__startswith=f"{prefix} ").count()
    movies = []
    for n in range(done, done + count):
        title = f"{prefix} {n + 1:03d}"
        movies.append(
            Movie(
                title=title,
                year=first_year + n % 75,
                genres=[GENRES[n % len(GENRES)]]
                + ([GENRES[(n + 3) % len(GENRES)]] if n % 2 else []),
                runtime=80 + n % 60,
                # bulk_create skips Movie.save(), which normally fills this in.
                search_title=rules.normalize_title(title),
            )
        )
    return Movie.objects.bulk_create(movies)


@dataclass
class DraftSetup:
    """A draft with everything a test needs to drive it."""

    league: League
    draft: Draft
    commissioner: object  # User
    users: list  # seated users, seat 1 first
    seats: list[Seat]
    categories: list[Category]
    movies: list[Movie] = field(default_factory=list)

    def refresh(self) -> Draft:
        self.draft.refresh_from_db()
        return self.draft

    def seat_of(self, user) -> Seat:
        return next(s for s in self.seats if s.membership.user_id == user.pk)

    def membership_of(self, user) -> Membership:
        return Membership.objects.get(league=self.league, user=user)

    def state(self):
        return DraftState.load(self.refresh())

    def slot_on_clock(self) -> int | None:
        return self.state().on_clock

    def seat_for_slot(self, slot: int) -> Seat:
        """The seat holding `slot`, as the draft's state says."""
        holder = self.state().seat_for_slot(slot)
        return next(s for s in self.seats if s.pk == holder.pk)

    def user_on_clock(self):
        slot = self.slot_on_clock()
        return None if slot is None else self.seat_for_slot(slot).membership.user

    def free_movie(self, category: Category | None = None) -> Movie:
        """The first film of `movies` nobody has picked that fits `category` (if given)."""
        taken = set(Pick.objects.filter(draft=self.draft).values_list("movie_id", flat=True))
        for movie in self.movies:
            if movie.pk in taken:
                continue
            film = rules.Film(movie.title, movie.year, tuple(movie.genres), movie.runtime)
            if category is None or rules.is_eligible(film, category.rule):
                return movie
        raise LookupError("no free film fits; make more movies")


def make_draft(
    commissioner,
    players=(),
    *,
    seats: int | None = None,
    rounds: int | None = None,
    categories: list[CategorySpec] | None = None,
    order: str = SNAKE,
    category_mode: str = PER_ROUND,
    name: str = "Test Draft",
    start: bool = True,
    movies: int = 0,
    seat_commissioner: bool = True,
    league: League | None = None,
) -> DraftSetup:
    """A draft built through the services.

    Seats go to `players` in the order given, then to the commissioner (unless
    `seat_commissioner` is False), then to generated users until there are `seats` of them.
    Categories are `categories`, or `rounds` open ones ("Category 1"…). The draft is started
    unless `start` is False; `movies` open-for-anything films are made with `make_movies`.
    """
    seated = list(players)
    if seat_commissioner and all(u.pk != commissioner.pk for u in seated):
        seated.append(commissioner)
    if seats is not None and len(seated) < seats:
        seated += make_users(seats - len(seated))
    if league is None:
        others = [u for u in seated if u.pk != commissioner.pk]
        league = make_league(commissioner, others)
    else:
        members = set(Membership.objects.filter(league=league).values_list("user_id", flat=True))
        for user in seated:
            if user.pk not in members:
                join_league(user=user, league=league, token=league.invite_token)
    if categories is None:
        categories = open_categories(rounds or 3)
    memberships = {m.user_id: m for m in Membership.objects.filter(league=league, user__in=seated)}
    draft = create_draft(
        league=league,
        actor=commissioner,
        name=name,
        order=order,
        category_mode=category_mode,
        categories=categories,
        seat_memberships=[memberships[u.pk] for u in seated],
    )
    if start:
        draft = start_draft(draft_id=draft.pk, actor=commissioner)
    return _setup_for(draft, commissioner, seated, make_movies(movies) if movies else [])


def _setup_for(draft: Draft, commissioner, users, movies) -> DraftSetup:
    draft.refresh_from_db()
    return DraftSetup(
        league=draft.league,
        draft=draft,
        commissioner=commissioner,
        users=list(users),
        seats=list(
            Seat.objects.filter(draft=draft).select_related("membership__user").order_by("position")
        ),
        categories=list(Category.objects.filter(draft=draft).order_by("position")),
        movies=list(movies),
    )


def four_by_three(commissioner, players=(), **options) -> DraftSetup:
    """4 seats × 3 rounds, snake, per round, live: `players` first, then the commissioner, then
    generated users. Categories are THREE_CATEGORIES (Horror/Thriller, Before 1980, Wildcard)
    and 40 generated films come with it. Any option of `make_draft` can be overridden."""
    options = {"seats": 4, "categories": THREE_CATEGORIES, "movies": 40, **options}
    return make_draft(commissioner, players, **options)


def sixteen_by_twenty(
    commissioner=None,
    *,
    order: str = SNAKE,
    category_mode: str = PER_ROUND,
    start: bool = True,
    movies: int = 320,
    seats: int = 16,
    rounds: int = 20,
) -> DraftSetup:
    """A big board: 16 seats × 20 open categories (or `seats` × `rounds`), bulk-created in a
    handful of queries.

    Seat 1 is the commissioner (made if not given); the others are generated users. `movies`
    films are made (320 fills every slot of 16 × 20). Fill it with `bulk_fill_picks`.
    """
    User = get_user_model()
    taken = User.objects.filter(username__startswith="big-").count()
    commissioner = commissioner or make_user(f"big-{taken}", "Big", "Commish")
    league = create_league(user=commissioner, name="Big League")
    others = User.objects.bulk_create(
        [
            User(username=f"big-{taken + n}", first_name="Big", last_name=str(n), password="!")
            for n in range(1, seats)
        ]
    )
    Membership.objects.bulk_create(
        [
            Membership(league=league, user=u, display_name=f"Big {n}")
            for n, u in enumerate(others, 1)
        ]
    )
    draft = Draft.objects.create(
        league=league,
        season=open_season(league),
        name="Big Draft",
        slug="big-draft",
        order=order,
        category_mode=category_mode,
    )
    Category.objects.bulk_create(
        [Category(draft=draft, position=n, name=f"Category {n}") for n in range(1, rounds + 1)]
    )
    memberships = {m.user_id: m for m in Membership.objects.filter(league=league)}
    users = [commissioner, *others]
    Seat.objects.bulk_create(
        [
            Seat(draft=draft, membership=memberships[u.pk], position=n)
            for n, u in enumerate(users, 1)
        ]
    )
    if start:
        draft = start_draft(draft_id=draft.pk, actor=commissioner)
    return _setup_for(draft, commissioner, users, make_movies(movies, prefix="Big film"))


def bulk_fill_picks(setup: DraftSetup, count: int) -> list[Pick]:
    """Fill the first `count` slots of a live draft as if each seat had picked its next free film
    (per round: the round's category; open slots: the seat's next category), in bulk.

    Bypasses the services: no events are written. It does put the next slot on the clock and
    bumps the version once, so the board reads like a draft in progress."""
    draft = setup.refresh()
    seat_count, categories = len(setup.seats), setup.categories
    used = set(Pick.objects.filter(draft=draft).values_list("movie_id", flat=True))
    free = (m for m in setup.movies if m.pk not in used)
    state = DraftState.load(draft)
    picks = []
    for slot in range(1, count + 1):
        position = rules.slot_position(slot, seat_count, draft.order)
        # Both modes: a seat's n-th pick is in round n, so the round's category is one it has
        # not filled yet.
        category = categories[position.round - 1]
        seat = state.seat_for_slot(slot)
        picks.append(
            Pick(
                draft=draft,
                slot=slot,
                round=position.round,
                pick_in_round=position.pick_in_round,
                seat=seat,
                movie=next(free),
                category=category,
                category_chosen=draft.is_open_slots,
                entered_by=seat.user,
            )
        )
    Pick.objects.bulk_create(picks)
    total = rules.total_slots(seat_count, len(categories))
    draft.clock_slot = count + 1 if count < total else None
    if count == total:
        draft.status = Draft.Status.COMPLETE
    draft.version += 1
    draft.save()
    return picks


def hand_slot(draft: Draft, slot: int, seat: Seat, *, new_version: bool = True) -> None:
    """Give an open slot of a started draft to another seat, as a trade will: through the
    state (which refuses a settled slot), then its row. With `new_version` the board's version
    goes up, so that every page shows it (a trade will log it)."""
    hand_slots(draft, {slot: seat}, new_version=new_version)


def hand_slots(draft: Draft, seats_by_slot: dict[int, Seat], *, new_version: bool = True):
    state = DraftState.load(Draft.objects.select_related("league").get(pk=draft.pk))
    for slot, seat in seats_by_slot.items():
        state.give_slot(slot, seat)
    DraftSlot.objects.bulk_update(
        [row for row in state.slot_rows if row.slot in seats_by_slot], ["owner_seat"]
    )
    if new_version:
        Draft.objects.filter(pk=draft.pk).update(version=F("version") + 1)


def move_owners(setup: DraftSetup) -> None:
    """Trade every third slot of the draft to the seat after the one it was drawn for, as if
    the league had traded a third of its picks."""
    state = setup.state()
    seats = state.seats
    hand_slots(
        setup.draft,
        {
            slot: seats[state.seat_for_slot(slot).position % len(seats)]
            for slot in range(3, state.total_slots + 1, 3)
            if slot not in state.picks and slot not in state.skipped
        },
    )


def pick_on_clock(setup: DraftSetup, movie: Movie | None = None, *, category=None):
    """The seat on the clock picks `movie` (default: the first free film that fits), through
    make_pick exactly as the pick form would. Returns the PickResult."""
    state = setup.state()
    slot = state.on_clock
    seat = state.seat_for_slot(slot)
    if setup.draft.is_open_slots:
        category = category or state.categories_left(seat)[0]
    else:
        category = state.category_for_round(state.position(slot).round)
    movie = movie or setup.free_movie(category)
    return make_pick(
        draft_id=setup.draft.pk,
        user=seat.user,
        movie_id=movie.pk,
        expected_slot=slot,
        category_id=category.pk if setup.draft.is_open_slots else None,
    )


def play_picks(setup: DraftSetup, count: int) -> list:
    """Make `count` picks in turn through the services (see `pick_on_clock`)."""
    return [pick_on_clock(setup).pick for _ in itertools.repeat(None, count)]
