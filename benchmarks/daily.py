"""The daily publish against Hugo's full build: what newsdigest is for, measured.

    python benchmarks/daily.py [--articles 10000] [--runs 3] [--huge 100000]

On a generated archive (benchmarks/corpus.py), in one run and alternating between the tools:
Hugo's full build; newsdigest's cold build; and newsdigest's everyday builds over its own output
and cache: 20 new articles added, a paragraph appended to one old article, nothing changed.
Each newsdigest case runs with the search index and without it (`--no-search`). Times are
medians of the runs, memory the largest peak of the process tree (sampled from /proc), and
each ratio is to Hugo's median full build in the same run. newsdigest's bytecode is compiled
first, as an installed copy has it (compare.compile_bytecode). With `--huge N`, a cold build of N
articles without the search index is timed once, with its peak memory.
Results go to benchmarks/RESULTS.md under "The daily publish against Hugo". CI does not run
this; it takes about 20 minutes at 10,000 articles on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from compare import compile_bytecode, ensure_tools, hugo_site, run, versions  # noqa: E402
from corpus import add_day, generate  # noqa: E402
from results import write_section  # noqa: E402

CASES = (
    "cold build",
    "add 20 new articles",
    "append a paragraph to one old article",
    "nothing changed",
)


def newsdigest(site: Path, search: bool) -> list[str]:
    command = [sys.executable, str(REPO / "build.py"), "build", "--site", str(site), "--quiet"]
    return command if search else [*command, "--no-search"]


def bench(count: int, runs: int, hugo: str, scratch: Path) -> tuple[list[str], float]:
    corpus = scratch / f"news-{count}"
    generate(corpus, count)
    hugo_dir = scratch / f"hugo-{count}"
    hugo_site(corpus, hugo_dir)
    sites = {True: corpus, False: scratch / f"news-{count}-no-search"}
    shutil.copytree(corpus, sites[False])
    old = sorted((corpus / "content").rglob("*.md"))[count // 3].relative_to(corpus)
    results: dict[tuple[str, bool], list[tuple[float, float]]] = {}
    hugo_times: list[tuple[float, float]] = []
    day = datetime(2026, 1, 1, 6, 0)
    for number in range(runs):
        turns = ["hugo", "with", "without"]
        shift = number % len(turns)
        for turn in turns[shift:] + turns[:shift]:
            if turn == "hugo":
                shutil.rmtree(hugo_dir / "public", ignore_errors=True)
                shutil.rmtree(hugo_dir / "resources", ignore_errors=True)
                seconds, _, tree = run([hugo, "--quiet"], hugo_dir)
                hugo_times.append((seconds, tree))
                print(
                    f"{count}: run {number + 1}, Hugo: {seconds:.2f} s, {tree:.0f} MB", flush=True
                )
                continue
            search = turn == "with"
            site = sites[search]
            for case in CASES:
                if case == "cold build":
                    shutil.rmtree(site / "public", ignore_errors=True)
                    shutil.rmtree(site / ".newsdigest-cache", ignore_errors=True)
                elif case == "add 20 new articles":
                    day += timedelta(days=1)
                    add_day(site, 20, day, 1_000_000 + 100 * day.toordinal())
                elif case.startswith("append"):
                    with open(site / old, "a", encoding="utf-8") as text:
                        text.write(f"\nA paragraph added on day {day:%Y-%m-%d}.\n")
                seconds, _, tree = run(newsdigest(site, search), site)
                results.setdefault((case, search), []).append((seconds, tree))
                print(
                    f"{count}: run {number + 1}, {case}, search {search}: {seconds:.2f} s, "
                    f"{tree:.0f} MB",
                    flush=True,
                )
    hugo_median = statistics.median(t for t, _ in hugo_times)
    rows = [
        f"| {count:,} | Hugo, full build | {hugo_median:.2f} s | 1.00 "
        f"| {max(m for _, m in hugo_times):.0f} MB |"
    ]
    for search in (False, True):
        for case in CASES:
            measured = results[(case, search)]
            median = statistics.median(t for t, _ in measured)
            label = f"newsdigest, {case}" + (", search index" if search else "")
            rows.append(
                f"| {count:,} | {label} | {median:.2f} s | {median / hugo_median:.2f} "
                f"| {max(m for _, m in measured):.0f} MB |"
            )
    return rows, hugo_median


def huge(count: int, scratch: Path) -> str:
    site = scratch / f"news-{count}"
    generate(site, count)
    seconds, _, tree = run(newsdigest(site, search=False), site)
    shutil.rmtree(site)
    label = "newsdigest, cold build, no search index"
    return f"| {count:,} | {label} | {seconds:.1f} s | {tree:.0f} MB |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--huge", type=int, default=0, help="also one cold build of N articles")
    options = parser.parse_args()
    hugo, pelican = ensure_tools()
    compile_bytecode()
    hugo_name, _ = versions(hugo, pelican)
    with tempfile.TemporaryDirectory(prefix="newsdigest-daily-") as scratch:
        rows, _ = bench(options.articles, options.runs, hugo, Path(scratch))
        huge_row = huge(options.huge, Path(scratch)) if options.huge else ""
    load = os.getloadavg()[0]
    command = f"python benchmarks/daily.py --articles {options.articles} --runs {options.runs}"
    lines = [
        f"`{command}{f' --huge {options.huge}' if options.huge else ''}` on this machine "
        f"({os.cpu_count()} cores; load average {load:.1f} when it finished). {hugo_name}'s",
        "full build is the yardstick: Hugo rebuilds everything every time, newsdigest keeps its",
        "state between builds. Each newsdigest build is a new process (`newsdigest build`),",
        "Python's start-up included; 'add 20 new articles' adds a new day of 20 articles to the",
        "archive each run. Medians of the runs; memory is the peak of the whole process tree",
        "(each process's proportional set size added up: pages forked workers share count once).",
        "",
        "| articles | build | median wall time | time / Hugo's full build | peak memory |",
        "| ---: | --- | ---: | ---: | ---: |",
        *rows,
    ]
    if huge_row:
        lines += [
            "",
            "| articles | build | wall time | peak memory |",
            "| ---: | --- | ---: | ---: |",
            huge_row,
        ]
    write_section("The daily publish against Hugo", lines)


if __name__ == "__main__":
    main()
