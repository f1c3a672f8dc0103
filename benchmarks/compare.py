"""Build one generated corpus with newsdigest, Hugo and Pelican; write medians to RESULTS.md.

    python benchmarks/compare.py [--articles 1000 10000] [--runs 3]

Each tool builds the same articles with its equivalent pages: article pages, a page per topic
(tags), date archives (day, month and year for newsdigest and Pelican; a month taxonomy for
Hugo, which has no date archives of its own), the home page and feeds. Runs alternate between
the tools so that a noisy moment hurts all of them alike. Cold builds start from an empty
output and cache; newsdigest's no-change rebuild runs over its own previous output. Peak memory
is the largest total resident size of the build's process tree, sampled every 20 ms.

Installs what is missing: Hugo from Debian (`apt-get install hugo`), Pelican into
/tmp/pelican-venv from PyPI, psutil for the memory samples. CI does not run this.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(HERE))

from corpus import generate  # noqa: E402
from results import write_section  # noqa: E402

PELICAN_VENV = Path("/tmp/pelican-venv")


def ensure_tools() -> tuple[str, str]:
    if shutil.which("hugo") is None:
        subprocess.run(["apt-get", "install", "-y", "-qq", "hugo"], check=True)
    pelican = PELICAN_VENV / "bin" / "pelican"
    if not pelican.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PELICAN_VENV)], check=True)
        subprocess.run(
            [str(PELICAN_VENV / "bin" / "pip"), "install", "-q", "pelican", "markdown"],
            check=True,
        )
    try:
        import psutil  # noqa: F401
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "psutil"], check=True)
    return "hugo", str(pelican)


# -- the same corpus in each tool's format ----------------------------------------------


def articles_of(site: Path) -> list[tuple[dict[str, object], str]]:
    import frontmatter

    found = []
    for path in sorted((site / "content").rglob("*.md")):
        post = frontmatter.load(path)
        found.append((dict(post.metadata), post.content))
    return found


def hugo_site(source: Path, target: Path) -> None:
    (target / "content" / "posts").mkdir(parents=True)
    layouts = target / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (target / "config.toml").write_text(
        'baseURL = "https://bench.example/"\ntitle = "Benchmark Digest"\n'
        'timeZone = "Europe/Berlin"\n[taxonomies]\ntopic = "topics"\nmonth = "months"\n'
        "[permalinks]\nposts = '/:year/:month/:day/:slug/'\n[pagination]\npagerSize = 20\n"
        "paginate = 20\n",
        encoding="utf-8",
    )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title>'
        '<link rel="stylesheet" href="/style.css"></head><body><header><a href="/">Digest</a>'
        '</header><main>{{ block "main" . }}{{ end }}</main></body></html>'
    )
    (layouts / "baseof.html").write_text(page, encoding="utf-8")
    (layouts / "single.html").write_text(
        '{{ define "main" }}<article><h1>{{ .Title }}</h1><time>{{ .Date }}</time>'
        "<p>{{ .Params.source }}</p>{{ .Content }}"
        '{{ range .Params.topics }}<a href="/topics/{{ . | urlize }}/">{{ . }}</a>{{ end }}'
        '{{ with .PrevInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}'
        '{{ with .NextInSection }}<a href="{{ .RelPermalink }}">{{ .Title }}</a>{{ end }}'
        "</article>{{ end }}",
        encoding="utf-8",
    )
    listing = (
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ range .Paginator.Pages }}<article><h2>'
        '<a href="{{ .RelPermalink }}">{{ .Title }}</a></h2><p>{{ .Summary }}</p></article>'
        "{{ end }}{{ end }}"
    )
    for name in ("list.html", "index.html", "terms.html"):
        (layouts / name).write_text(listing, encoding="utf-8")
    for number, (meta, body) in enumerate(articles_of(source)):
        date = str(meta["date"])
        front = {
            "title": meta["title"],
            "date": date,
            "slug": f"story-{number}",
            "topics": meta["topics"],
            "months": [date[:7]],
            "source": meta.get("source", ""),
        }
        _write_yaml(target / "content" / "posts" / f"story-{number}.md", front, body)


def pelican_site(source: Path, target: Path) -> None:
    (target / "content").mkdir(parents=True)
    (target / "pelicanconf.py").write_text(
        'SITENAME = "Benchmark Digest"\nSITEURL = "https://bench.example"\n'
        'PATH = "content"\nTIMEZONE = "Europe/Berlin"\nDEFAULT_LANG = "en"\n'
        "DEFAULT_PAGINATION = 20\nRELATIVE_URLS = False\nCACHE_CONTENT = False\n"
        "LOAD_CONTENT_CACHE = False\n"
        'ARTICLE_URL = "{date:%Y}/{date:%m}/{date:%d}/{slug}/"\n'
        'ARTICLE_SAVE_AS = "{date:%Y}/{date:%m}/{date:%d}/{slug}/index.html"\n'
        'YEAR_ARCHIVE_SAVE_AS = "{date:%Y}/index.html"\n'
        'MONTH_ARCHIVE_SAVE_AS = "{date:%Y}/{date:%m}/index.html"\n'
        'DAY_ARCHIVE_SAVE_AS = "{date:%Y}/{date:%m}/{date:%d}/index.html"\n'
        'TAG_URL = "topics/{slug}/"\nTAG_SAVE_AS = "topics/{slug}/index.html"\n'
        'FEED_ALL_ATOM = "feed.xml"\nTAG_FEED_ATOM = "topics/{slug}/feed.xml"\n'
        "CATEGORY_FEED_ATOM = None\nAUTHOR_FEED_ATOM = None\nAUTHOR_FEED_RSS = None\n",
        encoding="utf-8",
    )
    for number, (meta, body) in enumerate(articles_of(source)):
        date = str(meta["date"]).replace("T", " ")
        header = (
            f"Title: {meta['title']}\nDate: {date}\nSlug: story-{number}\n"
            f"Tags: {', '.join(meta['topics'])}\nCategory: news\n\n"
        )
        (target / "content" / f"story-{number}.md").write_text(header + body, encoding="utf-8")


def _write_yaml(path: Path, front: dict[str, object], body: str) -> None:
    import yaml

    path.write_text(
        "---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n" + body, encoding="utf-8"
    )


# -- measuring ----------------------------------------------------------------------------


def run(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak resident MB of the whole process tree."""
    import psutil

    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        root = psutil.Process(process.pid)
        while not done.is_set():
            try:
                tree = [root, *root.children(recursive=True)]
                peak = max(peak, sum(p.memory_info().rss for p in tree))
            except psutil.Error:
                pass
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = process.communicate()
    done.set()
    sampler.join()
    seconds = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {errors[-2000:]}")
    return seconds, peak / 2**20


def bench(count: int, runs: int, hugo: str, pelican: str, scratch: Path) -> list[str]:
    corpus = scratch / f"news-{count}"
    generate(corpus, count)
    hugo_dir = scratch / f"hugo-{count}"
    hugo_site(corpus, hugo_dir)
    pelican_dir = scratch / f"pelican-{count}"
    pelican_site(corpus, pelican_dir)
    python = sys.executable
    build_py = str(REPO / "build.py")

    def clean(*paths: Path) -> None:
        for path in paths:
            shutil.rmtree(path, ignore_errors=True)

    tools = {
        "newsdigest": (
            lambda: clean(corpus / "public", corpus / ".newsdigest-cache"),
            [python, build_py, "build", "--site", str(corpus), "--quiet"],
            corpus,
        ),
        "newsdigest, nothing changed": (
            lambda: None,
            [python, build_py, "build", "--site", str(corpus), "--quiet"],
            corpus,
        ),
        "Hugo 0.111": (
            lambda: clean(hugo_dir / "public", hugo_dir / "resources"),
            [hugo, "--quiet"],
            hugo_dir,
        ),
        "Pelican 4.12": (
            lambda: clean(pelican_dir / "output", pelican_dir / "cache"),
            [pelican, "content", "-s", "pelicanconf.py", "-o", "output", "-q"],
            pelican_dir,
        ),
    }
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in tools}
    for round_number in range(runs):
        for name, (prepare, command, cwd) in tools.items():
            prepare()
            results[name].append(run(command, cwd))
            print(f"{count} articles, run {round_number + 1}, {name}: "
                  f"{results[name][-1][0]:.2f} s", flush=True)  # fmt: skip
    pages = {
        "newsdigest": _html_count(corpus / "public"),
        "newsdigest, nothing changed": _html_count(corpus / "public"),
        "Hugo 0.111": _html_count(hugo_dir / "public"),
        "Pelican 4.12": _html_count(pelican_dir / "output"),
    }
    ours = statistics.median(t for t, _ in results["newsdigest"])
    rows = []
    for name, measured in results.items():
        median = statistics.median(t for t, _ in measured)
        memory = max(m for _, m in measured)
        ratio = "1.0" if name == "newsdigest" else f"{median / ours:.2f}"
        rows.append(
            f"| {count:,} | {name} | {pages[name]:,} | {median:.2f} s | {ratio} | {memory:.0f} MB |"
        )
    return rows


def _html_count(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*.html"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, nargs="+", default=[1000, 10_000])
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    hugo, pelican = ensure_tools()
    rows = [
        "| articles | tool | HTML pages | median wall time | time / newsdigest | peak memory |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    with tempfile.TemporaryDirectory(prefix="newsdigest-compare-") as scratch:
        for count in options.articles:
            rows += bench(count, options.runs, hugo, pelican, Path(scratch))
    write_section(
        "Build speed against Hugo and Pelican",
        [
            f"`python benchmarks/compare.py --articles {' '.join(map(str, options.articles))} "
            f"--runs {options.runs}` on this machine ({os.cpu_count()} cores), the tools "
            "alternating. Cold builds start with no output and no cache (newsdigest includes",
            "its Pagefind search index, which the others do not build); 'nothing changed' is",
            "newsdigest run again over its own output. Peak memory is the whole process tree.",
            "",
            *rows,
        ],
    )


if __name__ == "__main__":
    main()
