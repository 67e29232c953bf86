"""`make bench-search`: the pick panel's search as a member types, on a catalog of a million films.

    make bench-search                                        # 1,000,000 films, both databases
    make bench-search BENCH_SEARCH_ARGS="--films 200000"     # a smaller catalog
    make bench-search BENCH_SEARCH_ARGS="--only sqlite"      # one database (postgresql, sqlite)

What it does, for PostgreSQL (the server of BENCH_DATABASE_URL or DATABASE_URL, else
127.0.0.1:5432, as `make bench` chooses it; skipped when none answers) and for SQLite:
1. A fresh database (`moviedraft_bench_<pid>`, or a file in a temporary folder), migrated.
2. A generated catalog of N films (`catalog()`: titles made of English, French, Spanish, German
   and Italian words with their accents, numbered sequels, subtitles, years 1910-2025 weighted to
   recent ones, one or two directors), plus the well-known films the queries look for. Loaded the
   fast way: COPY on PostgreSQL (the search indexes built after it, as after a bulk import),
   executemany in one transaction on SQLite (its triggers fill the full-text index as they would
   for any insert). Then ANALYZE.
3. The queries (`keystrokes()`): every prefix, one keystroke at a time, of real titles as people
   type them (no accents, any case), of titles with a typo in them, of strings nothing matches,
   and the stop words ("her", "it", "up", "the"…). One pass to warm the caches, then each
   keystroke is timed once, in process, through `draft.search.search_movies`.
4. p50, p95 and max per database, the slowest keystrokes, and a verdict against the targets:
   p95 ≤ 30 ms on PostgreSQL, ≤ 100 ms on SQLite. The database is dropped afterwards.

Exit status: 0 when every database met its target, 1 when one missed it or could not be measured.
Each database runs in a child process (`--child`), since Django's settings name one database.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import django
from django.core.management import call_command
from django.db import connection, transaction

from bench.harness import BenchDatabase, BenchError, bench_environment, choose_database, run_header
from draft.rules import normalize_title

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = {"postgresql": 30.0, "sqlite": 100.0}
DEFAULT_FILMS = 1_000_000
SEED = 17  # issue 17

# --- The catalog ------------------------------------------------------------------------------


def _words(text: str) -> list[str]:
    """A word list written as text, a few hundred words to a screen."""
    return text.split()


# Words are drawn with Zipf-like weights (the first of a list most often), as titles are:
# "love", "night" and "man" come back far more often than "harbour".
ARTICLES = ["The", "A", "An"]
NOUNS = _words("""
love night man day life world girl house city heart time king woman death war blood
home dream road game star story river dark family party boy secret island light moon fire
return stranger money mother father daughter son wife sister brother friend devil angel ghost
dead killer hunter soldier queen prince princess lady lord doctor detective sheriff outlaw
gun knife stone door window room garden street bridge train ship plane car letter song dance
summer winter spring autumn morning evening sky sea ocean lake mountain desert forest jungle
valley storm rain snow wind shadow mirror silence voice echo memory promise lie truth
journey escape chase hunt revenge justice honor glory kiss wedding funeral birthday holiday
christmas heaven hell paradise kingdom empire republic nation village town country border
west east north south frontier planet galaxy universe machine robot monster beast dragon
wolf tiger lion horse dog cat bird snake spider shark angels children strangers lovers
brothers sisters thieves heroes legends kings ghosts wolves dreams nights days years hours
affair alibi ambush anthem arrival artist ballad bandit banker baron beauty bishop blade
blues boxer bride butcher captain cardinal castle cellar champion circus climber clown
colonel comet conductor convict cowboy crown dancer diamond diary director dolphin duchess
duke emperor engineer exile falcon farmer fisherman flame flower fugitive gambler general
giant gladiator governor harbour heir hostage husband inspector inventor jester judge
juror keeper knight lawyer legend lieutenant magician maid major marshal mayor mechanic
merchant messenger miner miracle missionary monk nurse orphan painter pastor pilgrim pilot
pirate poet preacher priest prisoner professor prophet rebel sailor saint samurai scholar
servant shepherd singer sniper spy stranger surgeon swimmer tailor teacher tenant thief
traveller twin tyrant umpire vagabond vampire veteran victim warden warrior widow witch
witness wizard writer""")
ADJECTIVES = _words("""
last dark lost first little great big black white red blue golden silent wild
broken hidden secret dead lonely young old new long final perfect dangerous deadly strange
beautiful forgotten endless eternal frozen burning invisible holy fallen savage sweet bitter
crazy happy sad brave cold hot quiet loud lucky naked innocent guilty private public royal
sacred wicked crimson scarlet silver iron glass paper stolen borrowed fatal midnight
morning evening northern southern distant hollow empty""")
PLACES = _words("""
Paris London Rome Berlin Tokyo Moscow Vienna Venice Madrid Lisbon Istanbul Cairo
Texas Chicago Brooklyn Harlem Hollywood Manhattan Alaska Havana Casablanca Marseille Naples
Sicily Montréal Québec Zürich München Köln Málaga Córdoba Bogotá Sevilla Genève Kraków""")
PEOPLE = _words("""
Amélie Léon Cléo Hélène Zoé Noémie Inès Chloé Renée Agnès José Inés Sofía Lucía
Martín Ramón Jürgen Jörg Björn Søren Anaïs Raphaël Gaël Zoë Joaquín Andrés Mónica Émile
Marie Anna Paul John Mary Jack Harry Sally Annie Bonnie Clyde Rocky Carrie Rebecca Laura
Alice Dorothy Edward Oliver Charlie Frank Jules Jim Lola Vera Nina Max Otto Hugo""")
FRENCH = _words("""
été rêve château cœur fenêtre élan mémoire lumière frère sœur nuit jour amour
mort fille garçon ville dernière première éternel étrange à la le les de du des en""")
SPANISH = _words("""
niño niña corazón canción mañana año señor señora día noche amor muerte sueño
camino ciudad última hermano pequeño el la los las de del en y""")
GERMAN = _words("""
mädchen über straße brücke nacht tag liebe tod träume müde schöne grüne könig
stadt der die das und im vom zum""")
ITALIAN = _words("""
città notte giorno amore morte però perché così vita dolce più bella la il di
del e""")
NUMBERS = ["2", "3", "7", "10", "12", "13", "21", "24", "40", "99", "100", "1000"]
SEQUELS = ["II", "III", "IV", "2", "3", "Part II", "Part III", "Returns", "Reloaded"]
GENRES = _words("""
Drama Comedy Thriller Horror Romance Action Crime Documentary Adventure Animation
Sci-Fi Fantasy Mystery Family Western War Music Musical History Biography""")
FIRST_NAMES = _words("""
John Michael David James Robert Peter Paul Richard William Thomas Jean Pierre
Jacques François Michel Claude Luis Carlos José Pedro Juan Alejandro Giuseppe Giovanni Marco
Federico Luca Hans Klaus Werner Wim Fritz Akira Yasujirō Hirokazu Ingmar Lars Agnès Chantal
Claire Céline Jane Sofia Kathryn Greta Ava Lina Andrés Ramón Jürgen Björn Søren Zoë Chloé
Stanley Francis Martin Steven Alfred Orson Billy Sidney Spike Quentin Hayao Wong Pedro""")
LAST_NAMES = _words("""
Smith Johnson Brown Miller Davis Wilson Moore Taylor Anderson Martin Dubois
Lefèvre Moreau Girard Bonnet Mercier García Martínez López González Hernández Pérez Sánchez
Ramírez Muñoz Rossi Russo Ferrari Esposito Bianchi Romano Müller Schmidt Schneider Fischer
Weber Schäfer Köhler Jönsson Nørgaard Kurosawa Ozu Kore-eda Bergman Varda Akerman Denis Campion
Coppola Gerwig DuVernay Ramsay Almodóvar Iñárritu Cuarón Kieślowski Wajda Fassbinder Herzog
Kubrick Scorsese Spielberg Hitchcock Welles Wilder Lumet Lee Tarantino Miyazaki Kar-wai Jonze
Jeunet Fellini Truffaut Godard Rohmer Buñuel""")

# The films the queries and tests look for by name: (title, year, directors, genres).
KNOWN_FILMS = [
    ("The Godfather", 1972, ["Francis Ford Coppola"], ["Crime", "Drama"]),
    ("The Godfather Part II", 1974, ["Francis Ford Coppola"], ["Crime", "Drama"]),
    ("The Godfather Part III", 1990, ["Francis Ford Coppola"], ["Crime", "Drama"]),
    ("Amélie", 2001, ["Jean-Pierre Jeunet"], ["Comedy", "Romance"]),
    ("Her", 2013, ["Spike Jonze"], ["Romance", "Drama", "Sci-Fi"]),
    ("It", 2017, ["Andy Muschietti"], ["Horror"]),
    ("It", 1990, ["Tommy Lee Wallace"], ["Horror"]),
    ("Up", 2009, ["Pete Docter"], ["Animation", "Adventure"]),
    ("2001: A Space Odyssey", 1968, ["Stanley Kubrick"], ["Sci-Fi"]),
    ("The Shining", 1980, ["Stanley Kubrick"], ["Horror"]),
    ("Night of the Living Dead", 1968, ["George A. Romero"], ["Horror"]),
    ("The Night of the Hunter", 1955, ["Charles Laughton"], ["Thriller", "Drama"]),
    ("Psycho", 1960, ["Alfred Hitchcock"], ["Horror", "Thriller"]),
    ("Vertigo", 1958, ["Alfred Hitchcock"], ["Mystery", "Thriller"]),
    ("Todo sobre mi madre", 1999, ["Pedro Almodóvar"], ["Drama"]),
    ("Amores perros", 2000, ["Alejandro González Iñárritu"], ["Drama", "Thriller"]),
    ("Y tu mamá también", 2001, ["Alfonso Cuarón"], ["Drama"]),
    ("Léon: The Professional", 1994, ["Luc Besson"], ["Crime", "Thriller"]),
    ("WALL·E", 2008, ["Andrew Stanton"], ["Animation", "Sci-Fi"]),
    ("Cléo from 5 to 7", 1962, ["Agnès Varda"], ["Drama"]),
    ("Mädchen in Uniform", 1931, ["Leontine Sagan"], ["Drama"]),
    ("La dolce vita", 1960, ["Federico Fellini"], ["Drama", "Comedy"]),
    ("Spirited Away", 2001, ["Hayao Miyazaki"], ["Animation", "Fantasy"]),
    ("In the Mood for Love", 2000, ["Wong Kar-wai"], ["Romance", "Drama"]),
    ("Casablanca", 1942, ["Michael Curtiz"], ["Romance", "Drama", "War"]),
    ("Halloween", 1978, ["John Carpenter"], ["Horror"]),
]


@dataclass(frozen=True)
class Film:
    title: str
    year: int
    directors: tuple[str, ...]
    genres: tuple[str, ...]
    runtime: int


# Most words of a real catalog are rare: names, places, foreign words. Generated from syllables,
# RARE_WORDS of them, the first drawn far more often than the last (log-uniformly): with a
# million films the catalog's vocabulary runs to about as many words as IMDb's titles have.
RARE_WORDS = 200_000
_ONSETS = _words("b br c ch d dr f g gr h j k kr l m n p pr r s sh st t tr v w z")
_VOWELS = _words("a e i o u a e i o u é è á í ó ö ü ou ai ei y")
_CODAS = ["", "", "", "n", "r", "s", "l", "m", "x", "nd", "rt"]


def rare_word(index: int) -> str:
    """The `index`-th generated word, the same in every run: "Drovi", "Kélmarn"."""
    rng = random.Random(index * 7919 + 1)
    syllables = rng.choice((2, 2, 2, 3, 3, 4))
    word = "".join(
        rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables)
    )
    return word.capitalize()


def _zipf(words: list[str], rng: random.Random):
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(words))]
    return lambda k=1: rng.choices(words, weights, k=k)


def catalog(count: int, *, seed: int = SEED, known: bool = True) -> Iterator[Film]:
    """`count` films with distinct (folded title, year), deterministic for a seed: the known
    films first (when `known`), then generated ones."""
    rng = random.Random(seed)
    noun, adjective, person = _zipf(NOUNS, rng), _zipf(ADJECTIVES, rng), _zipf(PEOPLE, rng)
    place, foreign = _zipf(PLACES, rng), [FRENCH, SPANISH, GERMAN, ITALIAN]
    seen: set[tuple[str, int]] = set()

    def rare() -> str:
        if rng.random() < 0.5:
            return rare_word(int(RARE_WORDS ** rng.random()) - 1)
        return rare_word(rng.randrange(RARE_WORDS))

    def plural(word: str) -> str:
        return word if word.endswith("s") else word + "s"

    def cap(word: str) -> str:
        return word[:1].upper() + word[1:]

    def title() -> str:
        kind = rng.random()
        if kind < 0.25:
            shape = rng.random()
            if shape < 0.3:
                return rare()
            if shape < 0.5:
                return f"{rare()} {rng.choice(['', 'and the ', 'of the '])}{cap(noun()[0])}"
            if shape < 0.7:
                return f"The {rare()} {cap(noun()[0])}"
            if shape < 0.85:
                return f"{person()[0]} {rare()}"
            return f"{cap(noun()[0])} of {rare()}"
        kind = rng.random()
        if kind < 0.14:
            return f"The {cap(adjective()[0])} {cap(noun()[0])}"
        if kind < 0.24:
            return f"The {cap(noun()[0])}"
        if kind < 0.34:
            return f"{cap(adjective()[0])} {cap(noun()[0])}"
        if kind < 0.42:
            return f"{cap(noun()[0])} of the {cap(noun()[0])}"
        if kind < 0.48:
            return f"{rng.choice(ARTICLES)} {cap(noun()[0])} in {place()[0]}"
        if kind < 0.54:
            return cap(noun()[0])
        if kind < 0.60:
            return f"{person()[0]}{rng.choice(['', ' and ' + person()[0], ' in ' + place()[0]])}"
        if kind < 0.66:
            a, b, c = noun(3)
            if rng.random() < 0.5:
                return f"{cap(a)}: {cap(adjective()[0])} {cap(b)}"
            # A long subtitle: "Return: The Last Days of the Kingdom".
            return f"{cap(a)}: The {cap(adjective()[0])} {cap(plural(b))} of the {cap(c)}"
        if kind < 0.72:
            return f"{rng.choice(NUMBERS)} {cap(adjective()[0])} {cap(plural(noun()[0]))}"
        if kind < 0.84:
            words = rng.choice(foreign)
            return " ".join(rng.choices(words, k=rng.randint(1, 4))).capitalize()
        if kind < 0.92:
            a, b = noun(2)
            return f"{cap(a)} and {cap(b)}"
        return f"{cap(adjective()[0])} {cap(noun()[0])} {rng.choice(SEQUELS)}"

    films = 0
    if known:
        for t, year, directors, genres in KNOWN_FILMS[:count]:
            seen.add((normalize_title(t), year))
            films += 1
            yield Film(t, year, tuple(directors), tuple(genres), 100)
    while films < count:
        t = title()
        # More films each decade: years skew to the recent ones, as a real catalog does.
        year = 2025 - min(115, int(rng.expovariate(1 / 28)))
        key = (normalize_title(t), year)
        if key in seen or not key[0]:
            continue
        seen.add(key)
        films += 1
        directors = tuple(
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            for _ in range(1 if rng.random() < 0.85 else 2)
        )
        genres = tuple(rng.sample(GENRES, rng.randint(1, 3)))
        yield Film(t, year, directors, genres, rng.randint(70, 180))


# --- Loading ----------------------------------------------------------------------------------


def _rows(films, search_title) -> Iterator[tuple]:
    for film in films:
        yield (
            film.title,
            film.year,
            json.dumps(list(film.genres)),
            json.dumps(list(film.directors)),
            film.runtime,
            search_title(film.title),
        )


def load_postgresql(films) -> dict[str, float]:
    """COPY the films into draft_movie. The table's indexes that back no constraint are dropped
    first and built again after, as a bulk import would do: keeping a dozen indexes up to date
    row by row is what makes a load of a million rows slow. (The triggers stay: the words of
    the titles go in as one INSERT for the whole COPY.)"""
    timings = {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x "
            "JOIN pg_class i ON i.oid = x.indexrelid "
            "WHERE x.indrelid = 'draft_movie'::regclass "
            "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)"
        )
        indexes = cursor.fetchall()
        for name, _ in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        started = time.perf_counter()
        copy_sql = (
            "COPY draft_movie (title, year, genres, directors, runtime, search_title, "
            "poster_url, created_at) FROM STDIN"
        )
        with cursor.cursor.copy(copy_sql) as copy:
            for row in _rows(films, normalize_title):
                copy.write_row((*row, "", "2025-01-01T00:00:00Z"))
        timings["load_s"] = time.perf_counter() - started
        started = time.perf_counter()
        for _, definition in indexes:
            cursor.execute(definition)
        timings["index_s"] = time.perf_counter() - started
        started = time.perf_counter()
        cursor.execute("VACUUM ANALYZE draft_movie")
        timings["analyze_s"] = time.perf_counter() - started
    return timings


def load_sqlite(films, batch: int = 50_000) -> dict[str, float]:
    """executemany in one transaction; the migration's triggers keep the full-text index."""
    timings = {}
    started = time.perf_counter()
    rows = _rows(films, normalize_title)
    with transaction.atomic(), connection.cursor() as cursor:
        while chunk := list(itertools.islice(rows, batch)):
            cursor.executemany(
                "INSERT INTO draft_movie (title, year, genres, directors, runtime, search_title, "
                "poster_url, created_at) VALUES (%s, %s, %s, %s, %s, %s, '', '2025-01-01')",
                chunk,
            )
    timings["load_s"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["analyze_s"] = time.perf_counter() - started
    return timings


# --- The queries ------------------------------------------------------------------------------

STOP_WORDS = ["her", "it", "up", "the", "a", "of", "and", "in", "on", "at"]
_NEIGHBOURS = dict(zip("abcdefghijklmnopqrstuvwxyz", "sqvsrdfgjhjkknplwtadyczxtx", strict=True))


def _ascii(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def _with_typo(text: str, rng: random.Random) -> str:
    """One slip of the fingers after the first letter: a neighbouring key, two letters swapped,
    a letter left out or doubled."""
    letters = [i for i, c in enumerate(text) if c.isalpha() and i > 0]
    if not letters:
        return text + "x"
    i = rng.choice(letters)
    kind = rng.choice(("neighbour", "swap", "drop", "double"))
    if kind == "neighbour":
        return text[:i] + _NEIGHBOURS.get(text[i].lower(), "e") + text[i + 1 :]
    if kind == "swap" and i + 1 < len(text):
        return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
    if kind == "double":
        return text[: i + 1] + text[i:]
    return text[:i] + text[i + 1 :]


@dataclass(frozen=True)
class Keystroke:
    kind: str  # title, typo, no match, stop word
    query: str  # what the box holds after this keystroke


def keystrokes(films: list[Film], *, seed: int = SEED, titles: int = 40) -> list[Keystroke]:
    """What members type into the pick panel, a keystroke at a time: `titles` films of the
    catalog and every known film, typed in lower case, half of them without their accents; a
    typo in 20 of them; 10 strings nothing matches; the stop words. Each keystroke is a
    search, as the panel sends one as you type."""
    rng = random.Random(seed)
    generated = [f for f in films if (f.title, f.year) not in _KNOWN_KEYS]
    wanted = [f.title for f in rng.sample(generated, min(titles, len(generated)))]
    wanted += [f.title for f in films if (f.title, f.year) in _KNOWN_KEYS]
    typed: list[tuple[str, str]] = []
    for n, title in enumerate(wanted):
        text = title.lower()
        typed.append(("title", _ascii(text) if n % 2 else text))
    for title in rng.sample(wanted, min(20, len(wanted))):
        typed.append(("typo", _with_typo(_ascii(title.lower()), rng)))
    for _ in range(10):
        length = rng.randint(4, 10)
        typed.append(
            ("no match", "".join(rng.choice("bcdfghjklmnpqrstvwxz") for _ in range(length)))
        )
    typed += [("stop word", word) for word in STOP_WORDS]
    return [
        Keystroke(kind, text[:end])
        for kind, text in typed
        for end in range(1, min(len(text), 30) + 1)
        if text[:end].strip()
    ]


_KNOWN_KEYS = {(title, year) for title, year, _, _ in KNOWN_FILMS}


def time_keystrokes(strokes: list[Keystroke], search) -> list[tuple[float, Keystroke]]:
    """Each keystroke's search once, in milliseconds, after one pass that warms the caches."""
    for stroke in strokes:
        search(stroke.query)
    timings = []
    for stroke in strokes:
        started = time.perf_counter()
        search(stroke.query)
        timings.append(((time.perf_counter() - started) * 1000, stroke))
    return timings


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile: the smallest value at least `share` of them do not pass."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def sampled(films, into: list[Film], *, every: int) -> Iterator[Film]:
    """`films`, passed through, keeping the known films and every `every`-th one in `into`: what
    keystrokes() chooses from, without holding a million films in memory."""
    for n, film in enumerate(films):
        if n < len(KNOWN_FILMS) or n % every == 0:
            into.append(film)
        yield film


# --- A run on one database (the child process) -----------------------------------------------


def run_child(vendor: str, films: int) -> dict:
    """In a process whose DATABASE_URL names a fresh database: migrate, load, time."""
    django.setup()
    from draft.search import search_movies  # once the apps are ready

    call_command("migrate", verbosity=0)
    sample: list[Film] = []
    rows = sampled(catalog(films), sample, every=max(1, films // 2000))
    load = load_postgresql(rows) if vendor == "postgresql" else load_sqlite(rows)
    with connection.cursor() as cursor:
        cursor.execute(
            "SHOW server_version" if vendor == "postgresql" else "SELECT sqlite_version()"
        )
        version = cursor.fetchone()[0].split()[0]
    strokes = keystrokes(sample)
    timings = time_keystrokes(strokes, search_movies)
    ms = [t for t, _ in timings]
    kinds = sorted({s.kind for s in strokes})
    return {
        "vendor": vendor,
        "version": version,
        "films": films,
        "load": load,
        "keystrokes": len(ms),
        "p50": percentile(ms, 0.50),
        "p95": percentile(ms, 0.95),
        "max": max(ms),
        "p95_by_kind": {k: percentile([t for t, s in timings if s.kind == k], 0.95) for k in kinds},
        "slowest": [(t, s.kind, s.query) for t, s in sorted(timings, key=lambda p: -p[0])[:5]],
    }


# --- The run (the parent process) -------------------------------------------------------------


def options(argv=None) -> argparse.Namespace:
    env = os.environ.get
    parser = argparse.ArgumentParser(
        prog="make bench-search", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--films", type=int, default=int(env("BENCH_SEARCH_FILMS", DEFAULT_FILMS)))
    parser.add_argument("--only", choices=("postgresql", "sqlite"), default=None)
    parser.add_argument("--child", choices=("postgresql", "sqlite"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def describe(result: dict) -> str:
    name = {"postgresql": "PostgreSQL", "sqlite": "SQLite"}[result["vendor"]]
    target = TARGET_P95_MS[result["vendor"]]
    verdict = "PASS" if result["p95"] <= target else "MISSED"
    load = ", ".join(f"{k.removesuffix('_s')} {v:.0f} s" for k, v in result["load"].items())
    return (
        f"| {name} {result['version']} | {result['films']:,} | {result['keystrokes']:,} | "
        f"{result['p50']:.1f} | {result['p95']:.1f} | {result['max']:.1f} | ≤ {target:.0f} | "
        f"{verdict} | {load} |"
    )


def main(argv=None) -> int:
    args = options(argv)
    if args.child:
        print(json.dumps(run_child(args.child, args.films)), flush=True)
        return 0
    vendors = [args.only] if args.only else ["postgresql", "sqlite"]
    databases = []
    folder = tempfile.mkdtemp(prefix="moviedraft-bench-search-")
    if "postgresql" in vendors:
        database = choose_database()
        if database.vendor == "postgresql":
            databases.append(database)
        else:
            print(f"PostgreSQL: skipped ({database.note.split(': ', 1)[-1]})", flush=True)
    if "sqlite" in vendors:
        url = f"sqlite:///{folder}/search.sqlite3"
        databases.append(BenchDatabase(url=url, vendor="sqlite", description="SQLite"))
    results, failed = [], []
    try:
        for database in databases:
            database.create()
            print(f"{database.description}: {args.films:,} films, load and time…", flush=True)
            env = {**bench_environment(database), "DJANGO_SETTINGS_MODULE": "config.settings"}
            child = subprocess.run(
                [sys.executable, "-m", "bench.search", "--child", database.vendor]
                + ["--films", str(args.films)],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
            )
            if child.returncode != 0:
                failed.append(database.vendor)
                print(child.stdout[-2000:], child.stderr[-4000:], sep="\n", flush=True)
                continue
            results.append(json.loads(child.stdout.strip().splitlines()[-1]))
            database.drop()
    except (BenchError, KeyboardInterrupt) as error:
        print(f"make bench-search: {error or 'interrupted'}", flush=True)
        return 1
    finally:
        for database in databases:
            try:
                database.drop()
            except Exception as error:  # the run's own outcome matters more; say it
                print(f"Could not drop {database.description}: {error}", flush=True)
        shutil.rmtree(folder, ignore_errors=True)

    print(f"\n{run_header(databases[0], 'at the end') if databases else ''}\n")
    print("Pick search per keystroke, in process (draft.search.search_movies), ms:\n")
    print("| database | films | keystrokes | p50 | p95 | max | target p95 | result | load |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |")
    for result in results:
        print(describe(result))
    for result in results:
        by_kind = ", ".join(f"{k} {v:.1f}" for k, v in result["p95_by_kind"].items())
        slowest = "; ".join(f"“{q}” ({kind}) {t:.1f}" for t, kind, q in result["slowest"])
        print(f"\n{result['vendor']}: p95 by kind: {by_kind}.\n  Slowest: {slowest}.")
    missed = [r["vendor"] for r in results if r["p95"] > TARGET_P95_MS[r["vendor"]]]
    if missed or failed:
        print(f"\nmake bench-search: {', '.join(missed + failed)} missed the target or failed.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
