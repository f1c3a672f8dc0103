"""Build one generated corpus with newsdigest, Hugo and Pelican; write medians to RESULTS.md.

    python benchmarks/compare.py [--articles 1000 10000] [--runs 3]

Each tool builds the same articles with its equivalent pages: article pages, a page per topic
(tags), date archives (day, month and year: Pelican's own; taxonomies in Hugo, which has no
date archives), the home page and feeds. Runs alternate between the tools, in a rotating
order, so that a noisy moment hurts all of them alike. Cold builds start from an empty
output and cache; newsdigest's no-change rebuild runs over its own previous output.

Memory, per run: the largest resident size of any one process of the build (the kernel's
maxrss from wait4), and the peak of the whole process tree's memory, sampled from /proc every
20 ms or more (see pause_after): each process's proportional set size (PSS) added up, so that a
page that forked workers share with their parent is counted once, not once per process (one
process: its resident size).

Installs what is missing: Hugo from Debian (`apt-get install hugo`), Pelican into
/tmp/pelican-venv from PyPI. CI does not run this.
"""

from __future__ import annotations

import argparse
import compileall
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
NO_SEARCH = "newsdigest, no search index"


def compile_bytecode() -> None:
    """Compile newsdigest's bytecode before timing, and let the builds keep it.

    An installed newsdigest (pip install) has its bytecode; a checkout run with
    PYTHONDONTWRITEBYTECODE set would compile every module again in every build (about
    0.3 s), a cost no user pays and that would blur the incremental figures.
    """
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    compileall.compile_dir(str(REPO / "newsdigest"), quiet=1)


def ensure_tools() -> tuple[str, str]:
    if shutil.which("hugo") is None:
        subprocess.run(["apt-get", "update", "-qq"], check=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "hugo"], check=True)
    pelican = PELICAN_VENV / "bin" / "pelican"
    if not pelican.exists():
        subprocess.run([sys.executable, "-m", "venv", str(PELICAN_VENV)], check=True)
        subprocess.run(
            [str(PELICAN_VENV / "bin" / "pip"), "install", "-q", "pelican", "markdown"],
            check=True,
        )
    return "hugo", str(pelican)


def versions(hugo: str, pelican: str) -> tuple[str, str]:
    """'Hugo 0.111.3' and 'Pelican 4.12.0', as installed."""
    hugo_out = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout
    hugo_version = hugo_out.split()[1].lstrip("v").split("+")[0] if hugo_out else "?"
    pelican_out = subprocess.run([pelican, "--version"], capture_output=True, text=True).stdout
    return f"Hugo {hugo_version}", f"Pelican {pelican_out.strip() or '?'}"


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
        'timeZone = "Europe/Berlin"\n[taxonomies]\ntopic = "topics"\nyear = "years"\n'
        'month = "months"\nday = "days"\n'
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
            "years": [date[:4]],
            "months": [date[:7]],
            "days": [date[:10]],
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


def run(command: list[str], cwd: Path) -> tuple[float, float, float]:
    """Wall seconds, the largest process's peak MB, and the process tree's peak MB."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    tree_peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal tree_peak
        while not done.is_set():
            looked = time.perf_counter()
            tree_peak = max(tree_peak, tree_memory(process.pid))
            time.sleep(pause_after(looked))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    assert process.stderr is not None
    errors = process.stderr.read()  # read before waiting: a full pipe would stall the build
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    done.set()
    sampler.join()
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {errors[-2000:].decode(errors='replace')}")
    # wait4's maxrss (kB on Linux) covers the child and every descendant it waited for: the
    # largest of them, not their sum.
    return seconds, usage.ru_maxrss / 1024, tree_peak / 2**20


SAMPLING = 0.02  # seconds between two looks at a build's memory


def pause_after(looked: float) -> float:
    """How long to wait before the next look, given when this one began: at least SAMPLING,
    and 19 times what looking took, so that the sampler takes at most a twentieth of a core
    from the build it measures (with four times, cold builds with search took 15-20 % longer)."""
    return max(SAMPLING, 19 * (time.perf_counter() - looked))


def tree_memory(root: int) -> int:
    """Memory of a process and all its descendants, from /proc: their resident size when it is
    one process; else the sum of their proportional set sizes (a page shared by n processes
    counts 1/n in each), their resident sizes where the kernel gives no PSS. Reading a PSS
    walks the process's memory (5 ms for 300 MB), so it is read only when processes share."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    page = os.sysconf("SC_PAGE_SIZE")
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)  # fields[1] is the parent's pid
        rss[pid] = int(fields[21]) * page
    tree, stack = [], [root]
    while stack:
        pid = stack.pop()
        tree.append(pid)
        stack.extend(children.get(pid, []))
    if len(tree) == 1:
        return rss.get(root, 0)
    return sum(_pss(pid, rss.get(pid, 0)) for pid in tree)


def _pss(pid: int, resident: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as rollup:
            for line in rollup:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resident


def bench(
    count: int, runs: int, hugo: str, pelican: str, names: tuple[str, str], scratch: Path
) -> list[str]:
    corpus = scratch / f"news-{count}"
    generate(corpus, count)
    hugo_dir = scratch / f"hugo-{count}"
    hugo_site(corpus, hugo_dir)
    pelican_dir = scratch / f"pelican-{count}"
    pelican_site(corpus, pelican_dir)
    newsdigest = [sys.executable, str(REPO / "build.py"), "build", "--site", str(corpus), "--quiet"]
    # The same build without the Pagefind index, which neither Hugo nor Pelican makes.
    no_search = [
        sys.executable,
        "-c",
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "from newsdigest.config import load_config;"
        "from newsdigest.pipeline import BuildOptions, build;"
        "build(load_config(Path(sys.argv[2])), BuildOptions(search=False))",
        str(REPO),
        str(corpus),
    ]
    hugo_name, pelican_name = names

    def clean(*paths: Path) -> None:
        for path in paths:
            shutil.rmtree(path, ignore_errors=True)

    # Each entry: the builds of one turn, as (name, prepare, command, folder, output).
    turns = [
        [
            (NO_SEARCH, lambda: clean(corpus / "public", corpus / ".newsdigest-cache")),
            ("newsdigest", lambda: clean(corpus / "public", corpus / ".newsdigest-cache")),
            ("newsdigest, nothing changed", lambda: None),
        ],
        [(hugo_name, lambda: clean(hugo_dir / "public", hugo_dir / "resources"))],
        [(pelican_name, lambda: clean(pelican_dir / "output", pelican_dir / "cache"))],
    ]
    commands = {
        NO_SEARCH: (no_search, corpus, corpus / "public"),
        "newsdigest": (newsdigest, corpus, corpus / "public"),
        "newsdigest, nothing changed": (newsdigest, corpus, corpus / "public"),
        hugo_name: ([hugo, "--quiet"], hugo_dir, hugo_dir / "public"),
        pelican_name: (
            [pelican, "content", "-s", "pelicanconf.py", "-o", "output", "-q"],
            pelican_dir,
            pelican_dir / "output",
        ),
    }
    results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in commands}
    pages: dict[str, int] = {}
    for round_number in range(runs):
        # Rotate who goes first, so no tool always runs right after the same neighbour.
        shift = round_number % len(turns)
        for turn in turns[shift:] + turns[:shift]:
            for name, prepare in turn:
                prepare()
                command, folder, output = commands[name]
                results[name].append(run(command, folder))
                pages[name] = _html_count(output)
                seconds, largest, tree = results[name][-1]
                print(
                    f"{count} articles, run {round_number + 1}, {name}: {seconds:.2f} s, "
                    f"{largest:.0f} MB largest process, {tree:.0f} MB tree",
                    flush=True,
                )
    ours = statistics.median(t for t, _, _ in results["newsdigest"])
    rows = []
    for name, measured in results.items():
        median = statistics.median(t for t, _, _ in measured)
        largest = max(m for _, m, _ in measured)
        tree = max(m for _, _, m in measured)
        ratio = "1.00" if name == "newsdigest" else f"{median / ours:.2f}"
        rows.append(
            f"| {count:,} | {name} | {pages[name]:,} | {median:.2f} s | {ratio} "
            f"| {largest:.0f} MB | {tree:.0f} MB |"
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
    compile_bytecode()
    names = versions(hugo, pelican)
    rows = [
        "| articles | build | HTML pages | median wall time | time / newsdigest "
        "| peak memory, largest process | peak memory, process tree |",
        "| ---: | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    with tempfile.TemporaryDirectory(prefix="newsdigest-compare-") as scratch:
        for count in options.articles:
            rows += bench(count, options.runs, hugo, pelican, names, Path(scratch))
    write_section(
        "Build speed against Hugo and Pelican",
        [
            f"`python benchmarks/compare.py --articles {' '.join(map(str, options.articles))} "
            f"--runs {options.runs}` on this machine ({os.cpu_count()} cores, shared with other",
            "work while it ran), the tools alternating. Articles of about 900 words from",
            "`benchmarks/corpus.py`. Cold builds start with no output and no cache; newsdigest's",
            "includes its Pagefind search index, JSON Feed and sitemaps, which the others do not",
            "build ('no search index' is the same build without Pagefind). 'nothing changed' is",
            "newsdigest run again over its own output and cache.",
            "Memory: the largest single process (wait4 maxrss), and the whole process tree",
            "added up (sampled from /proc; each process's proportional set size, so that pages",
            "forked workers share are counted once). Time / newsdigest above 1 means slower",
            "than newsdigest's cold build.",
            "",
            *rows,
        ],
    )


if __name__ == "__main__":
    main()
