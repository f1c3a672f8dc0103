"""Edit-to-reload latency of `newsdigest serve`: file saved -> reload event sent, per kind of edit.

    python benchmarks/serve_latency.py [--edits 9] [--articles 10000]

Runs the real dev server (watchdog, its quiet period, in-process rebuild) on a copy of this
repository's demo site and on a generated archive, and makes each kind of edit: a line added
to an article's body, a new headline, a new article, a new topic on an article, and an
article moved to another day, each kind `--edits` times in a row and undone after each time.
Each is timed from the write to the moment the server sends the reload event, once the server
has made the search index it makes in the background after its start, and worked out which
pages show which article, which it does whenever edits pause (about 0.3 s at 10,000
articles; an edit of an article that comes sooner after a change of the site's structure
waits for it: the largest figures). Medians
go into benchmarks/RESULTS.md under "Dev server: edit to reload".
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from corpus import article_text, generate  # noqa: E402
from results import write_section  # noqa: E402

from newsdigest.cli import COLLECTOR_THRESHOLDS  # noqa: E402
from newsdigest.serve import DevServer  # noqa: E402

KINDS = ("a line in the body", "a new headline", "a new article", "a new topic", "another day")


def edit(kind: str, number: int, original: str, target: Path) -> tuple[Path, str]:
    """The file to write for one edit of `kind`, and its text."""
    if kind == "a line in the body":
        return target, original + f"\nOne more line, edit {number}.\n"
    if kind == "a new headline":
        return target, retitled(original, f"Edit {number} ")
    if kind == "a new topic":
        return target, original.replace("topics: [", f'topics: ["Topic {number}", ', 1)
    if kind == "another day":
        return target, redated(original, number)
    published = datetime.fromisoformat(field(original, "date")[:16])
    text = article_text(random.Random(number), 900_000 + number, published)
    return target.with_name(f"latency-{number}.md"), text


def measure(site: Path, edits: int) -> tuple[dict[str, list[float]], dict[str, list[float]], float]:
    """Per kind of edit, latencies in ms (watcher included) and rebuild times in ms; and the
    server's start-up time."""
    reloaded = threading.Event()
    started = time.perf_counter()
    server = DevServer(site, port=0, say=lambda _: None)
    server.start()
    startup = time.perf_counter() - started
    original_send = server.events.send

    def send(event: str, data: str = "{}") -> None:
        if event in ("reload", "css"):
            reloaded.set()
        original_send(event, data)

    server.events.send = send  # type: ignore[method-assign]
    articles = sorted((site / "content").rglob("*.md"))
    target = articles[len(articles) // 2]
    original = target.read_text(encoding="utf-8")
    latencies: dict[str, list[float]] = {kind: [] for kind in KINDS}
    rebuilds: dict[str, list[float]] = {kind: [] for kind in KINDS}

    def save(path: Path, text: str | None) -> float:
        reloaded.clear()
        before = time.perf_counter()
        if text is None:
            path.unlink()
        else:
            path.write_text(text, encoding="utf-8")
        if not reloaded.wait(60):
            raise RuntimeError("no reload event within 60 s")
        return (time.perf_counter() - before) * 1000

    try:
        # The search index of the whole site is made in the background after the start; an
        # edit meanwhile stops Pagefind and starts it again later. Measure once it is made.
        deadline = time.monotonic() + 900
        time.sleep(1.5)
        while not _settled(server) and time.monotonic() < deadline:
            time.sleep(0.2)
        for kind in KINDS:  # one kind after another, as a writer makes them
            for number in range(edits):
                path, text = edit(kind, number, original, target)
                latencies[kind].append(save(path, text))
                rebuilds[kind].append(server.last_rebuild_seconds * 1000)
                time.sleep(0.3)
                save(path, None if path != target else original)  # undo it, untimed
                time.sleep(0.3)
    finally:
        target.write_text(original, encoding="utf-8")
        server.stop()
    return latencies, rebuilds, startup


def _settled(server: DevServer) -> bool:
    """The start-up search index is made and the server knows which pages show each article."""
    state = server.preview.state
    index = state.index if state is not None else None
    return not server.search_pending and index is not None and index.readers is not None


def redated(text: str, number: int) -> str:
    """The article moved a few days earlier (another day, often another month)."""
    lines = text.splitlines(keepends=True)
    for index, line in enumerate(lines):
        if line.startswith("date:"):
            value = field(text, "date")
            day = date.fromisoformat(value[:10]) - timedelta(days=3 + number)
            lines[index] = f"date: {day.isoformat()}{value[10:]}\n"
            return "".join(lines)
    raise ValueError("no date line")


def field(text: str, name: str) -> str:
    """The value of a one-line front-matter field."""
    for line in text.splitlines():
        if line.startswith(f"{name}:"):
            return line.split(":", 1)[1].strip().strip("'\"")
    raise ValueError(f"no {name} line")


def retitled(text: str, prefix: str) -> str:
    """The article with `prefix` put in front of its title, quoted or not."""
    for opening in ('title: "', "title: '", "title: "):
        if opening in text:
            return text.replace(opening, opening + prefix, 1)
    raise ValueError("no title line")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=9)
    parser.add_argument("--articles", type=int, default=10_000)
    options = parser.parse_args()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)  # as `newsdigest serve` runs
    table = [
        "| site | articles | edit | median latency | p90 | median rebuild |",
        "| --- | ---: | --- | ---: | ---: | ---: |",
    ]
    starts = []
    with tempfile.TemporaryDirectory(prefix="newsdigest-latency-") as scratch:
        demo = Path(scratch) / "demo"
        demo.mkdir()
        for name in ("content", "pyproject.toml"):
            source = REPO / name
            if source.is_dir():
                shutil.copytree(source, demo / name)
            else:
                shutil.copy(source, demo / name)
        archive = Path(scratch) / "archive"
        generate(archive, options.articles)
        for label, site in (("demo", demo), ("generated", archive)):
            count = len(list((site / "content").rglob("*.md")))
            latencies, rebuilds, startup = measure(site, options.edits)
            starts.append(f"{label} {startup:.1f} s")
            for kind in KINDS:
                times = latencies[kind]
                p90 = statistics.quantiles(times, n=10)[-1] if len(times) > 1 else times[0]
                row = (
                    f"| {label} | {count:,} | {kind} | {statistics.median(times):.0f} ms "
                    f"| {p90:.0f} ms | {statistics.median(rebuilds[kind]):.0f} ms |"
                )
                print(row, flush=True)
                table.append(row)
    write_section(
        "Dev server: edit to reload",
        [
            f"`python benchmarks/serve_latency.py --edits {options.edits} "
            f"--articles {options.articles}` on this machine (2 cores). Latency is from the",
            "write of a file to the reload event, so it includes the quiet period the watcher",
            "waits for after a save; rebuild is the in-process rebuild alone. Each kind of edit",
            f"is made {options.edits} times in a row on one article in the middle of the archive",
            "(a new article is written beside it), and undone after each time. The search index",
            "is refreshed in the background once edits pause for a second; the edits start once",
            "the server has made the start-up search index.",
            f"Server start (first build, drafts included): {', '.join(starts)}.",
            f"Load average when it finished: {os.getloadavg()[0]:.1f} (the machine is shared; "
            "figures grow with it).",
            "",
            *table,
        ],
    )


if __name__ == "__main__":
    main()
