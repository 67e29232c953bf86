"""`make bench-import`: how long the catalog import takes, and the memory it holds, on files the
size of IMDb's.

    make bench-import                                        # 1,000,000 feature films
    make bench-import BENCH_IMPORT_ARGS="--mix imdb --rows 11500000"   # all of IMDb's titles
    make bench-import BENCH_IMPORT_ARGS=--directors          # with title.crew and name.basics
    BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5498/x make bench-import  # another server
    BENCH_DATABASE_URL=sqlite:// make bench-import           # on SQLite

What it does, in order:
1. Writes the files into a temporary folder: title.basics of --rows rows, every one a feature
   film to import (--mix films: the writer's worst case), or IMDb's own mix (--mix imdb: about
   three rows in four are TV episodes, one in eighteen is a feature film to import); one film in
   97 has the title and year of the film before it. Then a revision of it: one film in fifty
   retitled or given another runtime, and 1% more rows at the end. With --directors, title.crew
   and name.basics too.
2. A throwaway database `moviedraft_bench_<pid>`, chosen as `make bench` chooses it (the server
   of BENCH_DATABASE_URL or DATABASE_URL, else 127.0.0.1:5432, else a temporary SQLite file),
   migrated.
3. Three runs of `manage.py import_movies`, each a process of its own, timed (wall and CPU) with
   its peak memory (the process's maximum resident set): the file into an empty catalog; the
   same file again, which must create and update nothing; the revision, which must update and
   add exactly what changed. A run whose counts are not the expected ones fails the bench.
4. The table is printed and written to bench/results-import.md; the database is dropped.

Exit status: 0 when every run did what it should, 1 otherwise.
"""

from __future__ import annotations

import argparse
import gzip
import os
import re
import shlex
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.harness import (
    BENCH,
    ROOT,
    BenchError,
    bench_environment,
    choose_database,
    clean_up,
    run_header,
    say,
)

N = r"\N"
BASICS_HEADER = (
    "tconst\ttitleType\tprimaryTitle\toriginalTitle\tisAdult\tstartYear\tendYear\t"
    "runtimeMinutes\tgenres\n"
)
# IMDb's mix: 10 rows in 176 are films to import (IMDb: about 700,000 of 11.5 million); the
# rest is what the importer turns away. (titleType, isAdult, has a year) of each row.
ROW_MIX = [
    *[("tvEpisode", "0", True)] * 126, *[("tvEpisode", "0", False)] * 6,
    *[("short", "0", True)] * 16, ("video", "0", True), ("video", "0", True),
    *[("tvSeries", "0", True)] * 4, ("tvMovie", "0", True), ("tvMovie", "0", True),
    ("tvSpecial", "0", True), ("videoGame", "0", True), ("tvMiniSeries", "0", True),
    ("movie", "1", True), ("movie", "0", False),
    *[("movie", "0", True)] * 10,
    ("tvShort", "0", True), ("short", "1", True), ("tvPilot", "0", True),
    ("tvEpisode", "0", True), ("tvEpisode", "0", True),
]  # fmt: skip
# Every row a film to import: what costs the writer most.
FILMS_ONLY = [("movie", "0", True)]
WORDS = [
    "Night", "Summer", "Café", "Blue", "Żywot", "Return", "Ghost", "Amélie", "River", "Stone",
    "Heat", "Dream", "L'Été", "Ronin", "Sleep", "Wolf", "Garden", "Lost", "Saint", "Mirror",
    "Сталкер", "Salt", "Crown", "Kid", "Hamlet", "Fire", "Glass", "Moon", "Red", "Ænima",
]  # fmt: skip
GENRES = ["Drama", "Comedy,Romance", "Action,Sci-Fi,Thriller", N, "Horror,Short", "Documentary"]
# Every DUPLICATE_EVERY-th film takes the title and year of the film before it.
DUPLICATE_EVERY = 97
# A revision retitles one film in CHANGE_EVERY, changes the runtime of another, and adds
# NEW_SHARE of the rows at the end, as new titles of the same mix.
CHANGE_EVERY = 100
NEW_SHARE = 0.01


@dataclass
class Expected:
    rows: int = 0
    kept: int = 0  # feature films with a year, not adult
    duplicates: int = 0  # of those, with the title and year of the film before them
    changed: int = 0  # in a revision: films already imported, retitled or with a new runtime
    new: int = 0  # in a revision: films in the added rows, duplicates excepted


def title_of(n: int) -> str:
    return f"{WORDS[n % 30]} {WORDS[n // 30 % 30]} {n}"


def write_basics(
    path: Path, rows: int, *, revision: bool = False, mix: list[tuple[str, str, bool]] = ROW_MIX
) -> Expected:
    """IMDb's title.basics as `rows` rows of `mix` (plus NEW_SHARE more in a revision)."""
    expected = Expected(rows=rows + (int(rows * NEW_SHARE) if revision else 0))
    previous = ("", "")
    with gzip.open(path, "wt", encoding="utf-8", newline="", compresslevel=1) as handle:
        handle.write(BASICS_HEADER)
        lines = []
        for n in range(1, expected.rows + 1):
            kind, adult, has_year = mix[n % len(mix)]
            year = str(1900 + n % 125) if has_year else N
            title = title_of(n)
            runtime = str(60 + n % 120) if n % 7 else N
            if kind == "movie" and adult == "0" and has_year:
                expected.kept += 1
                if expected.kept % DUPLICATE_EVERY == 0:
                    title, year = previous
                    expected.duplicates += 1
                elif n > rows:
                    expected.new += 1
                elif revision and expected.kept % CHANGE_EVERY == 1:
                    title += ": Director's Cut"
                    expected.changed += 1
                elif revision and expected.kept % CHANGE_EVERY == 2 and runtime != N:
                    runtime = str(int(runtime) + 1)
                    expected.changed += 1
                previous = (title, year)
            lines.append(
                f"tt{n:08d}\t{kind}\t{title}\t{title}\t{adult}\t{year}\t{N}\t{runtime}\t"
                f"{GENRES[n % len(GENRES)]}\n"
            )
            if len(lines) == 10_000:
                handle.writelines(lines)
                lines.clear()
        handle.writelines(lines)
    return expected


def write_directors(crew: Path, names: Path, rows: int) -> None:
    """title.crew (one row per title, one or two directors from a pool of rows / 8 people) and
    name.basics (the pool and as many people again who direct nothing)."""
    people = max(rows // 8, 1)
    with gzip.open(crew, "wt", encoding="utf-8", newline="", compresslevel=1) as handle:
        handle.write("tconst\tdirectors\twriters\n")
        for n in range(1, rows + 1):
            first, second = n * 7919 % people, n * 104729 % people
            directors = f"nm{first:08d},nm{second:08d}" if n % 5 == 0 else f"nm{first:08d}"
            handle.write(f"tt{n:08d}\t{directors if n % 11 else N}\t{N}\n")
    with gzip.open(names, "wt", encoding="utf-8", newline="", compresslevel=1) as handle:
        handle.write(
            "nconst\tprimaryName\tbirthYear\tdeathYear\tprimaryProfession\tknownForTitles\n"
        )
        for n in range(people * 2):
            handle.write(f"nm{n:08d}\t{WORDS[n % 30]} Director{n}\t{N}\t{N}\tdirector\t{N}\n")


# --- Runs ---------------------------------------------------------------------------------


@dataclass
class Run:
    name: str
    rows: int
    seconds: float
    cpu: float
    peak_mb: float
    report: str
    counts: dict[str, int]


REPORT_COUNTS = re.compile(
    r"Films: (?P<created>[\d,]+) created, (?P<updated>[\d,]+) updated, "
    r"(?P<attached>[\d,]+) catalog films given their IMDb id, (?P<unchanged>[\d,]+) unchanged"
)
REPORT_DUPLICATES = re.compile(r"Duplicates skipped: (?P<duplicates>[\d,]+)")
REPORT_DIRECTORS = re.compile(r"directors changed on (?P<directors>[\d,]+) film")


def run_import(name: str, rows: int, args: list[str], env: dict[str, str], folder: str) -> Run:
    """`manage.py import_movies ARGS` in a process of its own: its time, CPU and peak memory."""
    log = Path(folder) / f"{name.replace(' ', '-')}.log"
    say(f"{name}: import_movies {' '.join(args)}")
    with log.open("w") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "manage.py", "import_movies", *args],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    report = log.read_text()
    if process.returncode:
        raise BenchError(f"{name}: import_movies failed ({process.returncode}):\n{report}")
    say(report)
    match = REPORT_COUNTS.search(report)
    if not match:
        raise BenchError(f"{name}: no counts in the report")
    counts = {key: int(value.replace(",", "")) for key, value in match.groupdict().items()}
    for pattern in (REPORT_DUPLICATES, REPORT_DIRECTORS):
        for key, value in (found.groupdict() if (found := pattern.search(report)) else {}).items():
            counts[key] = int(value.replace(",", ""))
    counts.setdefault("duplicates", 0)
    # ru_maxrss is in kilobytes on Linux.
    return Run(
        name, rows, seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, report, counts
    )


def check(run: Run, **expected: int) -> list[str]:
    return [
        f"{run.name}: {key} {run.counts[key]:,}, expected {value:,}"
        for key, value in expected.items()
        if run.counts[key] != value
    ]


def results_table(runs: list[Run]) -> str:
    lines = [
        "| run | rows | seconds | CPU s | rows/s | peak memory | created | updated | unchanged |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for run in runs:
        lines.append(
            f"| {run.name} | {run.rows:,} | {run.seconds:,.1f} | {run.cpu:,.1f} | "
            f"{run.rows / run.seconds:,.0f} | {run.peak_mb:,.0f} MB | {run.counts['created']:,} | "
            f"{run.counts['updated']:,} | {run.counts['unchanged']:,} |"
        )
    return "\n".join(lines)


# --- Main ---------------------------------------------------------------------------------


def options(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="make bench-import", description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows of title.basics")
    parser.add_argument(
        "--mix",
        choices=["films", "imdb"],
        default="films",
        help="films: every row a feature film (the default); imdb: IMDb's mix of titles",
    )
    parser.add_argument(
        "--directors", action="store_true", help="also import title.crew and name.basics"
    )
    parser.add_argument("--batch-size", type=int, default=None, help="import_movies --batch-size")
    parser.add_argument("--output", default=str(BENCH / "results-import.md"))
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = options(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    for number in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(number, lambda *_: sys.exit(130))
    database = None
    folder = tempfile.mkdtemp(prefix="moviedraft-bench-import-")
    try:
        say(f"Writing {args.rows:,} rows of title.basics (and a revision) to {folder}…")
        started = time.perf_counter()
        basics, revised = Path(folder) / "title.basics.tsv.gz", Path(folder) / "revised.tsv.gz"
        mix = FILMS_ONLY if args.mix == "films" else ROW_MIX
        first = write_basics(basics, args.rows, mix=mix)
        second = write_basics(revised, args.rows, revision=True, mix=mix)
        extra = []
        if args.directors:
            crew, names = Path(folder) / "title.crew.tsv.gz", Path(folder) / "name.basics.tsv.gz"
            write_directors(crew, names, args.rows)
            extra = ["--imdb-crew", str(crew), "--imdb-names", str(names)]
        if args.batch_size:
            extra += ["--batch-size", str(args.batch_size)]
        say(f"  written in {time.perf_counter() - started:.0f} s.")

        database = choose_database()
        database.create()
        say(f"Database: {database.note}")
        env = bench_environment(database)
        env["DJANGO_SETTINGS_MODULE"] = "config.settings"
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env,
            check=True,
        )  # fmt: skip
        header = run_header(database, "at the start")

        runs = [
            run_import(name, expected.rows, ["--imdb-basics", str(path), *extra], env, folder)
            for name, expected, path in [
                ("first import", first, basics),
                ("same file again", first, basics),
                ("revised file", second, revised),
            ]
        ]
        stored = first.kept - first.duplicates
        problems = [
            *check(runs[0], created=stored, updated=0, unchanged=0, duplicates=first.duplicates),
            *check(runs[1], created=0, updated=0, unchanged=stored),
            *check(
                runs[2],
                created=second.new,
                updated=second.changed,
                unchanged=stored - second.changed,
                duplicates=second.duplicates,
            ),
        ]
        if args.directors:
            # The crew file is the same for all three runs: only the first sets directors.
            problems += check(runs[1], directors=0) + check(runs[2], directors=0)
            if not runs[0].counts.get("directors"):
                problems.append("first import: no directors set")
        table = results_table(runs)
        header += (
            f" Files: title.basics of {first.rows:,} rows ({first.kept:,} feature films"
            f"{', with title.crew and name.basics' if args.directors else ''}); each run is "
            "`manage.py import_movies` in a process of its own; peak memory is its maximum RSS. "
            f"Database: {database.note}."
        )
        say(f"\n{header}\n\n{table}\n")
        command = "make bench-import" + (
            f" BENCH_IMPORT_ARGS={shlex.quote(shlex.join(argv or sys.argv[1:]))}"
            if (argv or sys.argv[1:])
            else ""
        )
        Path(args.output).write_text(
            "# make bench-import: latest results\n\n"
            "Written by `make bench-import` (bench/importing.py); the README quotes it.\n\n"
            f"Command: `{command}`\n\n{header}\n\n{table}\n"
        )
        say(f"Written to {os.path.relpath(args.output, ROOT)}.")
        for problem in problems:
            say(f"WRONG: {problem}")
        return 1 if problems else 0
    except BenchError as error:
        say(f"\nmake bench-import: {error}")
        return 1
    except KeyboardInterrupt:
        say("\nmake bench-import: interrupted; cleaning up.")
        return 130
    finally:
        clean_up([], database, folder, command="make bench-import")


if __name__ == "__main__":
    sys.exit(main())
