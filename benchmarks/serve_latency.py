"""Edit-to-reload latency of `newsdigest serve`: file saved -> reload event sent.

    python benchmarks/serve_latency.py [--edits 15] [--articles 10000]

Runs the real dev server (watchdog, 100 ms quiet period, in-process rebuild) on a copy of this
repository's demo site and on a generated archive, saves one article at a time (title and body
edits alternate), and records the time from the write to the moment the server sends the
reload event. Medians go into benchmarks/RESULTS.md under "Dev server: edit to reload".
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from corpus import generate  # noqa: E402
from results import write_section  # noqa: E402

from newsdigest.serve import DevServer  # noqa: E402


def measure(site: Path, edits: int) -> tuple[list[float], list[float], float]:
    """Latencies in ms (watcher included) and rebuild times in ms, and the start-up time."""
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
    latencies: list[float] = []
    rebuilds: list[float] = []
    try:
        time.sleep(1.5)  # let the start-up search index settle
        for number in range(edits):
            reloaded.clear()
            if number % 2:
                text = retitled(original, f"Edit {number} ")
            else:
                text = original + f"\nOne more line, edit {number}.\n"
            before = time.perf_counter()
            target.write_text(text, encoding="utf-8")
            if not reloaded.wait(30):
                raise RuntimeError("no reload event within 30 s")
            latencies.append((time.perf_counter() - before) * 1000)
            rebuilds.append(server.last_rebuild_seconds * 1000)
            time.sleep(0.3)
    finally:
        target.write_text(original, encoding="utf-8")
        server.stop()
    return latencies, rebuilds, startup


def retitled(text: str, prefix: str) -> str:
    """The article with `prefix` put in front of its title, quoted or not."""
    for opening in ('title: "', "title: '", "title: "):
        if opening in text:
            return text.replace(opening, opening + prefix, 1)
    raise ValueError("no title line")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=15)
    parser.add_argument("--articles", type=int, default=10_000)
    options = parser.parse_args()
    table = [
        "| site | articles | median latency | p90 | median rebuild | server start |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
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
            p90 = statistics.quantiles(latencies, n=10)[-1]
            row = (
                f"| {label} | {count:,} | {statistics.median(latencies):.0f} ms | {p90:.0f} ms "
                f"| {statistics.median(rebuilds):.0f} ms | {startup:.1f} s |"
            )
            print(row, flush=True)
            table.append(row)
    write_section(
        "Dev server: edit to reload",
        [
            f"`python benchmarks/serve_latency.py --edits {options.edits} "
            f"--articles {options.articles}` on this machine (2 cores). Latency is from the",
            "write of an article to the reload event, so it includes the quiet period the watcher",
            "waits for (30 ms after a save's close, 100 ms while a file is still being written);",
            "rebuild is the in-process rebuild alone. Edits alternate between",
            "a new title (the article's URL changes) and a new line in the body.",
            f"Load average when it finished: {os.getloadavg()[0]:.1f} (the machine is shared; "
            "figures grow with it).",
            "",
            *table,
        ],
    )


if __name__ == "__main__":
    main()
