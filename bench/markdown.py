"""Markdown benchmark: hostile writeups and comments of the largest size the site accepts, each
put through what a save or a live preview does with it (the writeup form's checks, then cmark,
the nesting limit, nh3 and the image rules), timed to its render or to its refusal.

    make bench-markdown          # the slowest inputs, best of five; fails if one takes 100 ms

The listed inputs are the kinds that made a backtracking or quadratic renderer take seconds to
minutes (30,000 "[" held a worker for over a minute with python-Markdown), and the kinds that
make cmark write many tags or character references for the steps after it (empty headings, one
link reference used 10,000 times, fenced blocks). The generated ones repeat every sequence of one
to three of Markdown's significant tokens, so that families nobody thought to list are timed too.
"""

import itertools
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUDGET_MS = 100
REPEAT = 5
SHOW_SLOWEST = 12

# What a writer can type that means something to cmark or to an HTML parser, plus a letter, a
# space and the starts of the things that become links (an address, "www.", a list number).
VOCABULARY = [
    "*", "_", "[", "]", "(", ")", "!", "`", "<", ">", "#", "=", "-", "|", "&", "\n", " ", "a",
    ":", "~", "https://x.y", "www.", "\\", "1.", '"', "\t",
]  # fmt: skip


def filled(unit: str, size: int, head: str = "", tail: str = "") -> str:
    """`head`, then `unit` repeated, then `tail`: `size` characters in all."""
    body = size - len(head) - len(tail)
    return head + (unit * (body // len(unit) + 1))[:body] + tail


def writeup_inputs(size: int) -> dict[str, str]:
    """Hostile writeups of `size` characters (a few are a little shorter, never longer)."""

    def fill(unit: str, tail: str = "") -> str:
        return filled(unit, size, tail=tail)

    nested_lists = "".join("  " * i + "- x\n" for i in range(200))
    reference = "[x]: https://example.com/films/heat-1995\n\n"
    long_reference = f"[x]: https://example.com/{'a' * 2000}\n\n"
    ampersand_reference = f'[x]: https://example.com/?{"a=1&" * 8} "Q&A"\n\n'
    columns = 60
    table_head = "|" + " a |" * columns + "\n|" + "---|" * columns + "\n"
    attributes = "".join(f" a{i}" for i in range(size // 4))
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
        "**a* repeated": fill("**a*"),
        "*a **a repeated": fill("*a **a "),
        "*a* emphasis": fill("*a* "),
        "_a_ emphasis": fill("_a_ "),
        "a* intraword": fill("a*"),
        "` backticks": fill("`"),
        "` `` mixed": fill("` `` "),
        "`a` code spans": fill("`a` "),
        "# empty headings": fill("#\n"),
        "a = setext headings": fill("a\n=\n"),
        "a - setext headings": fill("a\n-\n"),
        "- empty list items": fill("-\n"),
        "1. list items": fill("1. a\n"),
        "--- rules": fill("---\n"),
        "a  hard breaks": fill("a  \n"),
        "``` x N": fill("`" * 3),
        "``` lines": fill("```\n"),
        "~~~ lines": fill("~~~\n"),
        "small fenced blocks": fill("```\na\n```\n"),
        "unclosed fence": filled("a\n", size, head="```\n"),
        "unclosed fence of < & quotes": filled('<&" ', size, head="```film\n"),
        "< x N": fill("<"),
        "<!-- repeated": fill("<!--"),
        "<![CDATA[ repeated": fill("<![CDATA["),
        "</ repeated": fill("</"),
        "&# repeated": fill("&#"),
        "& x N": fill("&"),
        "&amp; x N": fill("&amp;"),
        "&#123; x N": fill("&#123;"),
        "link reference definitions": fill("[x]: /u\n"),
        "one reference used N times": filled("[x]", size, head=reference),
        "long reference used N times": filled("[x]", size, head=long_reference),
        "reference with & used N times": filled("[x]", size, head=ampersand_reference),
        "| table-like": fill("| a "),
        "table, 60 columns": filled("|" + " a |" * columns + "\n", size, head=table_head),
        "https://a.b autolinks": fill("https://a.b "),
        "www.a.b autolinks": fill("www.a.b "),
        "<https://a.b> autolinks": fill("<https://a.b> "),
        "[a](b) links": fill("[a](https://a.b) "),
        "images from any host": fill("![x](https://pixel.example/a.png) "),
        "raw <b> tags": fill("<b><i>"),
        "<div> HTML blocks": fill("<div>\n\n"),
        "HTML block of < &": filled("<&", size, head="<div>\n"),
        "HTML block of <b>": filled("<b>", size, head="<div>\n"),
        "HTML block of </b>": filled("</b>", size, head="<div>\n"),
        "HTML block, many attributes": ("<div" + attributes)[: size - 1] + ">",
        "plain prose": fill("A plain sentence about a film. "),
    }


def near_limit_inputs(size: int, accepted: Callable[[str], bool]) -> dict[str, str]:
    """The densest kinds of markup, as many as `accepted` still takes, then prose up to `size`:
    the most costly writeups that are rendered rather than refused."""
    prose = "A plain sentence about a film. "
    units = {
        "empty headings": "#\n",
        "empty list items": "-\n",
        "emphasis": "*a* ",
        "links": "[a](https://a.b) ",
        "&": "&",
        "raw <b> tags": "<b>",
    }
    inputs = {}
    for name, unit in units.items():
        low, high = 0, (size - 2) // len(unit)
        while low < high:  # the largest count of `unit` that is accepted
            middle = (low + high + 1) // 2
            if accepted(filled(prose, size, head=unit * middle + "\n\n")):
                low = middle
            else:
                high = middle - 1
        inputs[f"{name}, up to the limit"] = filled(prose, size, head=unit * low + "\n\n")
    return inputs


def token_units(vocabulary: list[str], longest: int = 3) -> Iterator[str]:
    """Every sequence of 1 to `longest` tokens, each once up to rotation (repeated, "ab" and "ba"
    differ only at their ends) and none a repeat of a shorter one ("aa" is "a")."""
    seen = set()
    for length in range(1, longest + 1):
        for tokens in itertools.product(vocabulary, repeat=length):
            if length > 1 and len(set(tokens)) == 1:
                continue
            first = min(tokens[i:] + tokens[:i] for i in range(length))
            if first not in seen:
                seen.add(first)
                yield "".join(first)


def generated_inputs(size: int, vocabulary: list[str] = VOCABULARY) -> dict[str, str]:
    """Each short sequence of `vocabulary` repeated to `size` characters, named by its repr."""
    return {f"repeat {unit!r}": filled(unit, size) for unit in token_units(vocabulary)}


def comment_inputs(size: int) -> dict[str, str]:
    def fill(unit: str) -> str:
        return filled(unit, size)

    return {
        "comment: https:// repeated": fill("https://"),
        "comment: http://a. then dots": "http://a" + "." * (size - 8),
        "comment: < & quotes": fill("<&\"'"),
        "comment: & x N": fill("&"),
        "comment: blank lines": fill("x\n\n"),
    }


def milliseconds(render: Callable[[str], object], text: str, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        render(text)
        best = min(best, time.perf_counter() - start)
    return best * 1000


def measure(cases: dict[str, tuple[str, Callable]], every: bool) -> dict[str, float]:
    """Each case's best time of REPEAT runs. Unless `every`, a case runs once, and again only if
    it is within half the budget or among the slowest shown: a busy machine makes a single run
    look slow, never fast, so the others are under the budget all the same."""
    runs = REPEAT if every else 1
    times = {name: milliseconds(render, text, runs) for name, (text, render) in cases.items()}
    again = set(times) if every else set()
    while True:
        by_time = sorted(times, key=times.get, reverse=True)
        near = [name for name in by_time if times[name] >= BUDGET_MS / 2]
        suspects = [name for name in near + by_time[:SHOW_SLOWEST] if name not in again]
        if not suspects:
            return times
        for name in suspects:
            text, render = cases[name]
            times[name] = min(times[name], milliseconds(render, text, REPEAT - 1))
            again.add(name)


def report(title: str, cases: dict, times: dict[str, float], refused: set[str], every: bool):
    refusals = sum(name in refused for name in cases)
    print(f"{title}: {len(cases):,} inputs, {refusals:,} refused for too much formatting.")
    names = list(cases) if every else sorted(times, key=times.get)[-SHOW_SLOWEST:][::-1]
    for name in names:
        text = cases[name][0]
        flag = "  refused" if name in refused else ""
        flag += f"  over {BUDGET_MS} ms" if times[name] >= BUDGET_MS else ""
        print(f"  {name[:38]:38} {len(text):>7,} chars {times[name]:8.1f} ms{flag}")


def main() -> int:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ.setdefault("SECRET_KEY", "benchmark-only")
    import django

    django.setup()
    from reviews.forms import WriteupForm
    from reviews.markdown import render_comment, render_markdown
    from reviews.models import Comment, Writeup

    refused: set[str] = set()

    def accepted(text: str) -> bool:
        return WriteupForm(data={"body": text}).is_valid()

    def preview(name: str) -> Callable[[str], object]:
        # What the live preview and a save do: the form refuses, or the writeup is rendered.
        def run(text: str) -> None:
            form = WriteupForm(data={"body": text})
            if form.is_valid():
                render_markdown(form.cleaned_data["body"])
            elif any(
                e.code == "too_much_formatting" for e in form.errors.as_data().get("body", [])
            ):
                refused.add(name)

        return run

    writeup_size = Writeup._meta.get_field("body").max_length
    comment_size = Comment._meta.get_field("body").max_length
    listed = {**writeup_inputs(writeup_size), **near_limit_inputs(writeup_size, accepted)}
    groups = [
        ("Listed writeups", {n: (t, preview(n)) for n, t in listed.items()}, True),
        (
            "Listed comments",
            {n: (t, render_comment) for n, t in comment_inputs(comment_size).items()},
            True,
        ),
        (
            "Generated writeups (the slowest)",
            {n: (t, preview(n)) for n, t in generated_inputs(writeup_size).items()},
            False,
        ),
        (
            "Generated comments (the slowest)",
            {
                f"comment: {n}": (t, render_comment)
                for n, t in generated_inputs(comment_size).items()
            },
            False,
        ),
    ]
    print(
        f"Writeups of {writeup_size:,} characters, comments of {comment_size:,}; best of {REPEAT}."
    )
    slow = []
    for title, cases, every in groups:
        times = measure(cases, every)
        report(title, cases, times, refused, every)
        slow += [name for name, ms in times.items() if ms >= BUDGET_MS]
    if slow:
        print(f"{len(slow)} input(s) took {BUDGET_MS} ms or more: {', '.join(slow)}")
        return 1
    print(f"Every input under {BUDGET_MS} ms.")
    return 0


if __name__ == "__main__":
    # Run as a script, this folder is first on sys.path and this file would shadow any module
    # named "markdown"; the project root goes there instead.
    sys.path[0] = str(ROOT)
    sys.exit(main())
