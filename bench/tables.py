"""`make bench`'s verdicts and report: each path's share of the floor over the rounds (the
median), PASS or SHORT against its target, the Markdown table, and the words around it."""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from bench.activity import WORKER_STALE_SECONDS, LiveActivity
from bench.harness import (
    WORKER_LABEL,
    WORKERS,
    BenchDatabase,
    run_header,
)

if TYPE_CHECKING:
    from bench.run import Measured

# --- The table ----------------------------------------------------------------------------


@dataclass
class Row:
    key: str
    label: str
    rps: float
    floor_rps: float
    share: float
    p99_ms: float
    target: str
    result: str
    size: str = ""
    queries: str = ""


def percent(value: float) -> str:
    return f"{value * 100:.1f} %" if value < 0.1 else f"{value * 100:.0f} %"


def summarise(paths, rounds: list[dict[str, Measured]], targets: dict[str, float]) -> list[Row]:
    """Medians over the rounds; PASS or SHORT against the targets. A "thread" path is compared
    with its baseline path's req/s in the same round, every other one with the floor's."""
    rows = []
    labels = {p.key: p.label for p in paths}
    for path in paths:
        runs = [r[path.key] for r in rounds if path.key in r]
        share = statistics.median(m.app.rps / m.floor_rps for m in runs)
        row = Row(
            key=path.key,
            label=path.label,
            rps=statistics.median(m.app.rps for m in runs),
            floor_rps=statistics.median(m.floor_rps for m in runs),
            share=share,
            p99_ms=statistics.median(m.app.p99_ms for m in runs),
            target="",
            result="—",
        )
        goal = targets.get(path.target)
        if path.target == "thread" and goal is not None:
            versus = statistics.median(
                r[path.key].app.rps / r[path.baseline].app.rps
                for r in rounds
                if path.key in r and path.baseline in r
            )
            row.target = f"≥ {percent(goal)} of {labels[path.baseline]}"
            row.result = f"{'PASS' if versus >= goal else 'SHORT'} ({percent(versus)})"
        elif goal is not None:
            row.target = f"≥ {percent(goal)}"
            row.result = "PASS" if share >= goal else "SHORT"
        elif path.target == "":
            row.result = "(baseline)"
        rows.append(row)
    return rows


def markdown_table(rows: list[Row]) -> str:
    lines = [
        "| path | req/s | floor req/s | share of floor | target | result | p99 ms | KB | queries |",
        "| --- | ---: | ---: | ---: | --- | --- | ---: | ---: | ---: |",
    ]
    for row in rows:
        lines.append(
            f"| {row.label} | {row.rps:,.0f} | {row.floor_rps:,.0f} | {percent(row.share)} | "
            f"{row.target or '—'} | {row.result} | {row.p99_ms:,.0f} | {row.size} | "
            f"{row.queries} |"
        )
    return "\n".join(lines)


def describe_run(database: BenchDatabase, args, live: str = "") -> str:
    """The report's header. `live`: what went on meanwhile, in live mode (see describe_live)."""
    mode = (
        f"Mode: live. {live}"
        if args.live
        else "Mode: quiet (nothing is written while wrk measures; `--live` for live mode)."
    )
    return (
        f"{run_header(database, 'at the start')} {mode} App and floor: gunicorn, {WORKERS} "
        f"{WORKER_LABEL} workers each, "
        f"production settings. wrk: {args.connections} connections, {args.seconds:g} s per run, "
        f"{args.rounds} round{'s' if args.rounds != 1 else ''} of floor and path in turn; "
        "medians. KB: the answer's size on the wire; queries: cold cache/warm, in process."
    )


def describe_live(busy: LiveActivity, versions: int, chat_lines: int, seconds: float) -> str:
    posters = len(busy.posters)
    return (
        f"While wrk measured ({seconds:,.0f} s, warm-up included), `manage.py worker` ran "
        f"beside the servers (CLOCK_WORKER_STALE_SECONDS={WORKER_STALE_SECONDS}, /healthz "
        '"ok" before and after), and through the app server, as members\' browsers: a pick '
        f"every {busy.pick_seconds:g} s on the 16 × 20 board by the member on the clock (once "
        f"the board is full, a commissioner's undo instead), a chat line every "
        f"{busy.chat_seconds:g} s in its draft by its {posters} seat holders in turn (the "
        f"chat's limit left as it is: each posts every {posters * busy.chat_seconds:g} s). "
        f"Done: {busy.summary()}. The data "
        f"version went up {versions:,} times ({versions / max(seconds, 1e-9):.1f} a second): "
        "each time, every kept page is rendered again; the chat version "
        f"{chat_lines:,} times ({chat_lines / max(seconds, 1e-9):.1f} a second): each time, "
        "every kept page that shows the chat and does not catch it up itself."
    )


def write_results(output: str, header: str, table: str, note: str, *, live: bool = False) -> None:
    text = (
        f"# make bench{' in live mode' if live else ''}: latest results\n\n"
        f"Written by `make bench{' BENCH_LIVE=1' if live else ''}` (bench/run.py); the README "
        "carries a copy.\n\n"
        f"{header}\n\n{table}\n"
    )
    if note:
        text += f"\n{note}\n"
    Path(output).write_text(text)
