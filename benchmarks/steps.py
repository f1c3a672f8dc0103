"""Time each step of a build per 1,000 articles, in one process; write the table to RESULTS.md.

    python benchmarks/steps.py [--articles 1000] [--runs 5]

Steps: reading the files, parsing and checking front matter (newsdigest's loader, no memo),
Python-Markdown with the default extensions (extra, toc and newsdigest's typography), without
typography, with smarty instead, and with none,
rendering the article page templates (body HTML given), and writing the pages.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

import markdown  # noqa: E402
from corpus import generate  # noqa: E402
from results import write_section  # noqa: E402

from newsdigest.config import load_config  # noqa: E402
from newsdigest.content import read_article, read_body  # noqa: E402
from newsdigest.pages import plan_pages  # noqa: E402
from newsdigest.render import PageRenderer  # noqa: E402
from newsdigest.site import make_site  # noqa: E402


def timed(step: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        site = Path(scratch) / "site"
        generate(site, options.articles)
        config = load_config(site)
        paths = sorted((site / "content").rglob("*.md"))
        articles = [read_article(path, config)[0] for path in paths]
        bodies = [read_body(config, a) for a in articles if a is not None]
        rows: list[tuple[str, float]] = []
        rows.append(("read files", timed(lambda: [p.read_bytes() for p in paths], options.runs)))
        rows.append(
            ("parse and check front matter",
             timed(lambda: [read_article(p, config) for p in paths], options.runs))
        )  # fmt: skip
        for label, extensions in (
            ("Markdown: extra, toc, typography (the default)",
             ["extra", "toc", "newsdigest.typography"]),
            ("Markdown: extra, toc", ["extra", "toc"]),
            ("Markdown: extra, toc, smarty", ["extra", "toc", "smarty"]),
            ("Markdown: no extensions", []),
        ):  # fmt: skip
            engine = markdown.Markdown(extensions=extensions)
            rows.append(
                (label, timed(lambda e=engine: [e.reset().convert(b) for b in bodies],
                              options.runs))
            )  # fmt: skip
        site_model = make_site([a for a in articles if a is not None], config)
        plan, _ = plan_pages(site_model, config, [], [])
        pages = [page for page in plan.pages if page.kind == "article"]
        renderer = PageRenderer(config)
        html = "<p>" + "word " * 900 + "</p>"
        renderer.body_html = lambda article: html  # type: ignore[method-assign]
        rendered: list[bytes] = []
        rows.append(
            ("Jinja: article pages",
             timed(lambda: rendered.__setitem__(slice(None), map(renderer.render, pages)),
                   options.runs))
        )  # fmt: skip
        out = Path(scratch) / "out"

        def write() -> None:
            for number, data in enumerate(rendered):
                target = out / str(number) / "index.html"
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)

        rows.append(("write pages", timed(write, options.runs)))
    scale = 1000 / options.articles
    lines = [
        f"`python benchmarks/steps.py --articles {options.articles} --runs {options.runs}`: "
        "one process, median of the runs, scaled to 1,000 articles of about 900 words.",
        "",
        "| step | time per 1,000 articles |",
        "| --- | ---: |",
        *(f"| {label} | {seconds * scale:.3f} s |" for label, seconds in rows),
    ]
    print("\n".join(lines))
    write_section("Build steps per 1,000 articles", lines)


if __name__ == "__main__":
    main()
