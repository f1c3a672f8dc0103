"""The search index at archive scale: partitions against one index.

    python benchmarks/search_partitions.py [--articles 10000] [--write]

On a generated corpus (benchmarks/corpus.py) this measures, each build in a process of its own:
the cold build with the partitions indexed one after another, a build with nothing changed,
builds after adding 20 articles, a day's worth, on each of five days (the daily publish: its
search step and its peak memory; the first day's build in the table, the five days' search
steps below it, and their median against the target), a build after editing one of the oldest
articles (which writes a sealed partition's bundle again, Pagefind indexing only the pages
written anew), and the same site with every article in one index. Then it serves both sites
on loopback and, in headless Chromium with the HTTP cache off, opens the search page and runs
a fixed set of searches on each: requests and bytes the server sent, and the time from the
last key to the results on screen. Memory is the peak of the build's process tree (newsdigest
and Pagefind, sampled from /proc as compare.py does: their proportional set sizes added up)
and the largest
single process (wait4's maxrss).

With --write the figures replace the "Search index" section of benchmarks/RESULTS.md. It takes
some minutes at 10,000 articles, and the single index needs about 2 GB; CI does not run it.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from compare import SAMPLING, compile_bytecode, pause_after, tree_memory  # noqa: E402
from corpus import WORDS, generate, sentence  # noqa: E402
from results import write_section  # noqa: E402

TARGETS = {
    "search step, 20 added": "≤ 0.5 s",
    "non-cold build memory": "< 400 MB",
    "cold build memory": "< 600 MB",
    "query requests and bytes": "≤ 1.5 × one index",
    "first results": "≤ 300 ms after the last key",
}
QUERIES: list[dict[str, str]] = [
    {"q": "energy"},
    {"q": "ceasefire negotiations"},
    {"q": "satellite launch"},
    {"q": "reconstruction", "topic": "Ukraine"},
    {"q": "sanctions", "sort": "desc"},
    {"q": "drone", "sort": "asc"},
    {"q": "inflation rates"},
    {"q": "turnout"},
]


# -- one build, in a process of its own -------------------------------------------------------


def child(site: Path, output: Path, single: bool) -> None:
    """Run one `newsdigest build` in this process and print what its search step did."""
    from newsdigest import pipeline, search
    from newsdigest.config import load_config

    if single:
        search.SCHEME = search.Scheme(10**9, 1, 10**9, 10**9, 1, 10**9)
    seconds: list[float] = []
    indexed: list[str] = []
    given: list[int] = []  # pages given to Pagefind, per run of it
    # Wrapped through the modules' namespaces: they are looked up there at each build.
    names = vars(pipeline)
    original_search, original_update = names["_search"], names["update_index"]
    original_run = search._run_pagefind

    def counted_run(members: Any, *args: Any) -> Any:
        given.append(len(members))
        return original_run(members, *args)

    search._run_pagefind = counted_run

    def timed_search(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return original_search(*args, **kwargs)
        finally:
            seconds.append(time.perf_counter() - started)

    def noted_update(*args: Any, **kwargs: Any) -> Any:
        index = original_update(*args, **kwargs)
        indexed.extend(index.indexed)
        return index

    names["_search"], names["update_index"] = timed_search, noted_update
    config = load_config(site, {"output_dir": str(output)})
    started = time.perf_counter()
    report = pipeline.publish(config)
    listing = json.loads((output / "pagefind/partitions.json").read_text(encoding="utf-8"))
    sizes = {p["name"]: sum(p["languages"].values()) for p in listing["partitions"]}
    print(json.dumps({
        "seconds": time.perf_counter() - started,
        "search_seconds": sum(seconds),
        "rendered": report.rendered,
        "partitions": list(sizes.values()),
        "indexed": [sizes[name] for name in indexed],
        "given": sum(given),
    }))  # fmt: skip


def measured_build(site: Path, output: Path, single: bool = False) -> dict[str, Any]:
    """A build in a child process: its report, and its peak memory."""
    command = [sys.executable, __file__, "--child", str(site), str(output)]
    process = subprocess.Popen(
        command + (["--single"] if single else []), stdout=subprocess.PIPE, text=True
    )
    tree_peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal tree_peak
        pause = SAMPLING
        while not done.wait(pause):
            looked = time.perf_counter()
            tree_peak = max(tree_peak, tree_memory(process.pid))
            pause = pause_after(looked)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert process.stdout is not None
    output_text = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    done.set()
    sampler.join()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"build failed: {' '.join(command)}")
    result: dict[str, Any] = json.loads(output_text.strip().splitlines()[-1])
    result["largest_mb"] = usage.ru_maxrss / 1024
    result["tree_mb"] = tree_peak / 2**20
    return result


DAYS = 5  # of the daily publish


def add_articles(site: Path, count: int, day: int = 0) -> None:
    """`count` new articles on the `day`th day after the archive's end, newer than every other,
    in the corpus's style."""
    import random

    rng = random.Random(2024 + day)
    start = datetime(2026, 1, 2, 7, 0) + timedelta(days=day)  # the corpus ends with 2025
    for number in range(count):
        published = start + timedelta(minutes=37 * number)
        title = " ".join(rng.choice(WORDS) for _ in range(7)).capitalize()
        text = "\n\n".join(" ".join(sentence(rng) for _ in range(4)) for _ in range(12))
        folder = site / "content" / f"{published:%Y}" / f"{published:%m}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"daily-{day}-{number}.md").write_text(
            f'---\ntitle: "{title} daily {day} {number}"\ndate: {published:%Y-%m-%dT%H:%M:00}\n'
            f'topics: ["Energy", "Ukraine"]\nsource: AFP\n---\n{text}\n',
            encoding="utf-8",
        )


def edit_oldest(site: Path) -> None:
    """Add a line to the oldest article, which lies in the oldest sealed partition."""

    def published(path: Path) -> str:
        front = path.read_text(encoding="utf-8").split("\n---", 1)[0]
        return next(line for line in front.splitlines() if line.startswith("date:"))

    oldest = min(sorted((site / "content").rglob("*.md")), key=published)
    text = oldest.read_text(encoding="utf-8")
    oldest.write_text(text.rstrip("\n") + "\n\nA correction was added.\n", encoding="utf-8")


# -- searching in Chromium --------------------------------------------------------------------


class Counted(http.server.SimpleHTTPRequestHandler):
    """Serves a folder and counts the requests and the bytes of each response.

    Nothing may be cached (Pagefind fetches from a web worker, which the browser's "cache
    off" switch does not reach), and connections are kept open, as any web server does.
    """

    protocol_version = "HTTP/1.1"

    extensions_map: ClassVar[dict[str, str]] = {  # type: ignore[misc]
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".js": "text/javascript",
        ".wasm": "application/wasm",
    }
    counts: ClassVar[dict[str, int]] = {"requests": 0, "bytes": 0}
    lock = threading.Lock()

    def send_head(self) -> Any:
        handle = super().send_head()
        try:
            size = os.fstat(handle.fileno()).st_size if handle is not None else 0
        except (OSError, ValueError):  # a directory listing or an error page, in memory
            size = len(getattr(handle, "getvalue", bytes)())
        with self.lock:
            self.counts["requests"] += 1
            self.counts["bytes"] += size
        return handle

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@contextmanager
def served(folder: Path) -> Iterator[tuple[str, dict[str, int]]]:
    counts = {"requests": 0, "bytes": 0}
    handler_class = type("Handler", (Counted,), {"counts": counts, "lock": threading.Lock()})
    handler = functools.partial(handler_class, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/", counts
    finally:
        server.shutdown()


TIMER = """
window.__lastKey = 0; window.__shown = null;
addEventListener("keydown", () => {
  window.__lastKey = performance.now(); window.__shown = null;
}, true);
new MutationObserver(() => {
  const list = document.querySelector(".search-results");
  const input = document.getElementById("search-query");
  const shown = list && list.children.length && list.dataset.query === input.value.trim();
  if (shown && window.__lastKey && window.__shown === null)
    window.__shown = performance.now() - window.__lastKey;
}).observe(document, { subtree: true, childList: true, attributes: true });
"""


@contextmanager
def chromium() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,900"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": TIMER})
    try:
        yield driver
    finally:
        driver.quit()


def search_costs(driver: Any, base: str, counts: dict[str, int]) -> dict[str, Any]:
    """Open the search page, then for each query: requests and bytes of loading the page, of
    the search, and the time from the last key to the results."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    loads, queries = [], []
    for params in QUERIES:
        counts.update(requests=0, bytes=0)
        started = time.perf_counter()
        driver.get(base + "search/")
        wait = WebDriverWait(driver, 60)
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".search-options").is_displayed())
        loads.append((counts["requests"], counts["bytes"], time.perf_counter() - started))
        counts.update(requests=0, bytes=0)
        for name in ("topic", "sort"):  # set quietly: the search starts with the typing
            if name in params:
                driver.execute_script(
                    "document.getElementById(arguments[0]).value = arguments[1]",
                    f"search-{name}",
                    params[name],
                )
        driver.find_element(By.ID, "search-query").send_keys(params["q"])
        wait.until(lambda d: d.execute_script("return window.__shown") is not None)
        wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".search-results").get_attribute(
            "aria-busy") == "false")  # fmt: skip
        status = driver.find_element(By.CSS_SELECTOR, ".search-status").text
        shown = float(driver.execute_script("return window.__shown"))
        queries.append((counts["requests"], counts["bytes"], shown, status))
    return {"loads": loads, "queries": queries}


# -- the whole run ----------------------------------------------------------------------------


def run(articles: int, keep: Path | None) -> list[str]:
    work = Path(tempfile.mkdtemp(prefix="search-bench-"))
    site, output = work / "site", work / "public"
    try:
        say(f"corpus of {articles:,} articles in {site}")
        generate(site, articles)
        say("cold build")
        cold = measured_build(site, output)
        say(f"  {brief(cold)}")
        say("nothing changed")
        same = measured_build(site, output)
        say(f"  {brief(same)}")
        days = []
        for day in range(DAYS):
            add_articles(site, 20, day)
            say(f"20 articles added, day {day + 1}")
            days.append(measured_build(site, output))
            say(f"  {brief(days[-1])}")
        edit_oldest(site)
        say("one of the oldest articles edited")
        edited = measured_build(site, output)
        say(f"  {brief(edited)}")
        # Into an output folder of its own: the build state is kept per output folder, and the
        # last one would find nothing changed (the partitions are planned with the pages).
        say("the same site with one index")
        one_index = work / "one-index"
        single = measured_build(site, one_index, single=True)
        say(f"  {brief(single)}")
        say("searching in Chromium")
        with chromium() as driver:
            with served(output) as (base, counts):
                partitioned = search_costs(driver, base, counts)
            with served(one_index) as (base, counts):
                one = search_costs(driver, base, counts)
        return report(articles, cold, same, days, edited, single, partitioned, one)
    finally:
        if keep is None:
            shutil.rmtree(work, ignore_errors=True)
        else:
            say(f"kept {work}")


def brief(result: dict[str, Any]) -> str:
    return (
        f"{result['seconds']:.1f} s, search step {result['search_seconds']:.2f} s, "
        f"wrote {result['indexed']} of {len(result['partitions'])} partitions, "
        f"{result['given']} pages given to Pagefind, "
        f"{result['tree_mb']:.0f} MB tree, {result['largest_mb']:.0f} MB largest process"
    )


def report(
    articles: int,
    cold: dict[str, Any],
    same: dict[str, Any],
    days: list[dict[str, Any]],
    edited: dict[str, Any],
    single: dict[str, Any],
    partitioned: dict[str, Any],
    one: dict[str, Any],
) -> list[str]:
    def verdict(ok: bool) -> str:
        return "met" if ok else "**not met**"

    added = days[0]
    steps = [day["search_seconds"] for day in days]
    daily = statistics.median(steps)
    not_cold = max(*(day["tree_mb"] for day in days), edited["tree_mb"], same["tree_mb"])

    lines = [
        f"`python benchmarks/search_partitions.py --articles {articles} --write` on this "
        f"machine ({os.cpu_count()} cores, shared; load average "
        f"{os.getloadavg()[0]:.1f} when it finished). Corpus: `benchmarks/corpus.py`, "
        "articles of about 900 words over three years. Memory is the peak of the build's "
        "whole process tree (newsdigest, its render workers and Pagefind, sampled from /proc), "
        "with the largest single process in brackets.",
        "",
        f"Partitions at {articles:,} articles: {len(cold['partitions'])} "
        f"(pages: {', '.join(str(n) for n in cold['partitions'])}).",
        "",
        "| build | time | pages rendered | search step | partitions written (pages) "
        "| pages Pagefind indexed | peak memory |",
        "| --- | ---: | ---: | ---: | --- | ---: | ---: |",
    ]
    for label, result in (
        ("cold, partitions one after another", cold),
        ("nothing changed", same),
        ("20 articles added (the first day)", added),
        ("one of the oldest articles edited", edited),
        ("every article in one index (for comparison; a cold build)", single),
    ):
        indexed = ", ".join(str(n) for n in result["indexed"]) or "none"
        lines.append(
            f"| {label} | {result['seconds']:.1f} s | {result['rendered']:,} | "
            f"{result['search_seconds']:.2f} s | "
            f"{len(result['indexed'])} ({indexed}) | {result['given']:,} | "
            f"{result['tree_mb']:.0f} MB "
            f"({result['largest_mb']:.0f} MB) |"
        )
    lines += [
        "",
        f"The daily publish on {len(days)} days in a row, 20 articles a day: search step "
        + ", ".join(f"{step:.2f} s" for step in steps)
        + f" (median {daily:.2f} s); partitions written "
        + "; ".join(", ".join(str(n) for n in day["indexed"]) or "none" for day in days)
        + "; whole build "
        + ", ".join(f"{day['seconds']:.1f} s" for day in days)
        + f"; peak memory at most {max(day['tree_mb'] for day in days):.0f} MB.",
    ]
    lines += ["", "Searching, in headless Chromium on loopback with the HTTP cache off "
              f"({len(QUERIES)} searches, each on a freshly opened search page):", "",
              "| | one index | partitions | ratio |", "| --- | ---: | ---: | ---: |"]  # fmt: skip

    def mean(rows: list[tuple[Any, ...]], column: int) -> float:
        return float(statistics.mean(row[column] for row in rows))

    rows = [
        ("opening the search page: requests", "loads", 0, "{:.0f}"),
        ("opening the search page: kB", "loads", 1, "{:.0f}"),
        ("a search: requests", "queries", 0, "{:.1f}"),
        ("a search: kB", "queries", 1, "{:.0f}"),
    ]
    ratios = {}
    for label, phase, column, form in rows:
        scale = 1024 if "kB" in label else 1
        a, b = mean(one[phase], column) / scale, mean(partitioned[phase], column) / scale
        ratios[label] = b / a
        lines.append(f"| {label} | {form.format(a)} | {form.format(b)} | {b / a:.2f} |")
    first_one = [row[2] for row in one["queries"]]
    first_parts = [row[2] for row in partitioned["queries"]]
    lines.append(
        f"| first results after the last key, median (slowest) | "
        f"{statistics.median(first_one):.0f} ms ({max(first_one):.0f}) | "
        f"{statistics.median(first_parts):.0f} ms ({max(first_parts):.0f}) | |"
    )
    opening_requests = ratios["opening the search page: requests"]
    opening_bytes = ratios["opening the search page: kB"]
    same_counts = all(
        a[3] == b[3] for a, b in zip(one["queries"], partitioned["queries"], strict=True)
    )
    lines += [
        "",
        "Searches: " + "; ".join(
            " ".join(f"{k}={v}" for k, v in q.items()) for q in QUERIES
        ) + ". The counts found were "
        + ("the same" if same_counts else "**not** the same") + " with both indexes.",
        "",
        "| target | figure | |",
        "| --- | --- | --- |",
        f"| search step when 20 articles are added: {TARGETS['search step, 20 added']} | "
        f"median {daily:.2f} s over {len(days)} days (slowest {max(steps):.2f} s) | "
        f"{verdict(daily <= 0.5)} |",
        f"| peak memory of a build that is not cold: {TARGETS['non-cold build memory']} | "
        f"{max(d['tree_mb'] for d in days):.0f} MB (20 added), "
        f"{edited['tree_mb']:.0f} MB (oldest edited) | "
        f"{verdict(not_cold < 400)} |",
        f"| cold build peak memory: {TARGETS['cold build memory']} | {cold['tree_mb']:.0f} MB | "
        f"{verdict(cold['tree_mb'] < 600)} |",
        f"| a search's requests and bytes: {TARGETS['query requests and bytes']} | "
        f"{ratios['a search: requests']:.2f} × requests, {ratios['a search: kB']:.2f} × bytes | "
        f"{verdict(max(ratios['a search: requests'], ratios['a search: kB']) <= 1.5)} |",
        f"| opening the search page: (same target) | "
        f"{opening_requests:.2f} × requests, {opening_bytes:.2f} × bytes | "
        f"{verdict(max(opening_requests, opening_bytes) <= 1.5)} |",
        f"| first results: {TARGETS['first results']} | "
        f"{max(first_parts):.0f} ms at worst | {verdict(max(first_parts) <= 300)} |",
    ]  # fmt: skip
    return lines


def say(text: str) -> None:
    print(text, flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--write", action="store_true", help="update benchmarks/RESULTS.md")
    parser.add_argument("--keep", type=Path, help="keep the sites made, in a folder here")
    parser.add_argument("--child", nargs=2, type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--single", action="store_true", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        child(options.child[0], options.child[1], options.single)
        return
    compile_bytecode()
    lines = run(options.articles, options.keep)
    print("\n".join(lines))
    if options.write:
        write_section("Search index", lines)


if __name__ == "__main__":
    main()
