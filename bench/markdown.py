"""Markdown benchmark: pathological writeups and comments of the largest size the site accepts,
each rendered exactly as a save or a live preview renders it (Markdown, nh3, image rules).

    make bench-markdown          # prints each input's best time of five; fails over 100 ms

Each input is the kind that made a backtracking or quadratic renderer take seconds to minutes
(30,000 "[" held a worker for over a minute with python-Markdown).
"""

import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MS = 100


def writeup_inputs(size: int) -> dict[str, str]:
    """Hostile writeups of `size` characters (a few are a little shorter, never longer)."""

    def fill(unit: str, tail: str = "") -> str:
        return (unit * (size // len(unit) + 1))[: size - len(tail)] + tail

    nested_lists = "".join("  " * i + "- x\n" for i in range(200))
    return {
        "[ x30000": fill("["),
        "![ repeated": fill("!["),
        "[a]( repeated": fill("[a]("),
        "<a  repeated": fill("<a "),
        "[ then ] (nesting)": "[" * (size // 2) + "]" * (size // 2),
        "[a]( then ( x N": "[a](" + fill("(")[4:],
        "> x N (quote nesting)": fill(">", " x"),
        "> - nesting": fill("> - "),
        "- nested lists": (nested_lists * (size // len(nested_lists) + 1))[:size],
        "*_ alternating": fill("*_"),
        "**a repeated": fill("**a "),
        "*a **a repeated": fill("*a **a "),
        "a* intraword": fill("a*"),
        "` backticks": fill("`"),
        "` `` mixed": fill("` `` "),
        "< x N": fill("<"),
        "<!-- repeated": fill("<!--"),
        "<![CDATA[ repeated": fill("<![CDATA["),
        "</ repeated": fill("</"),
        "&# repeated": fill("&#"),
        "link references": fill("[x]: /u\n"),
        "| table-like": fill("| a "),
        "images from any host": fill("![x](https://pixel.example/a.png) "),
        "raw <b> tags": fill("<b><i>"),
        "plain prose": fill("A plain sentence about a film. "),
    }


def comment_inputs(size: int) -> dict[str, str]:
    def fill(unit: str) -> str:
        return (unit * (size // len(unit) + 1))[:size]

    return {
        "comment: https:// repeated": fill("https://"),
        "comment: http://a. then dots": "http://a" + "." * (size - 8),
        "comment: < & quotes": fill("<&\"'"),
        "comment: blank lines": fill("x\n\n"),
    }


def best_ms(render, text: str, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        render(text)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    import django

    django.setup()
    from reviews.markdown import render_comment, render_markdown
    from reviews.models import Comment, Writeup

    writeup_size = Writeup._meta.get_field("body").max_length
    comment_size = Comment._meta.get_field("body").max_length
    cases = [(name, text, render_markdown) for name, text in writeup_inputs(writeup_size).items()]
    cases += [(name, text, render_comment) for name, text in comment_inputs(comment_size).items()]
    print(f"Writeups of {writeup_size:,} characters, comments of {comment_size:,}; best of 5.")
    slow = []
    for name, text, render in cases:
        ms = best_ms(render, text)
        flag = "" if ms < BUDGET_MS else f"  over {BUDGET_MS} ms"
        print(f"  {name:30} {len(text):>7,} chars {ms:8.1f} ms{flag}")
        if flag:
            slow.append(name)
    if slow:
        print(f"{len(slow)} input(s) over {BUDGET_MS} ms: {', '.join(slow)}")
        return 1
    print(f"Every input under {BUDGET_MS} ms.")
    return 0


if __name__ == "__main__":
    # Run as a script, this folder is first on sys.path and this file would shadow any module
    # named "markdown"; the project root goes there instead.
    sys.path[0] = str(ROOT)
    sys.exit(main())
