"""Safe by construction: bad input, all-or-nothing output, no escapes, content is data.

What is an error and what is cleaned:
- errors (exit 1, file and line named, output untouched): invalid YAML, front matter that never
  closes or is larger than 64 KB, aliases that expand past 10,000 values, missing or
  wrong-typed fields, fields longer than their cap, dates that do not parse or cannot exist,
  URLs that are not http, https or relative, non-UTF-8 or binary files, empty files, two
  articles or topics with one URL, a slug or topic that leaves nothing after cleaning, text
  nested more than 100 levels, unknown templates and template syntax errors; a permalink
  without {slug}.
- cleaned: slugs and topic names are transliterated to [a-z0-9-] (so `/`, `..`, NUL and
  spaces vanish) and cut at 80 characters; permalink patterns lose empty, `.` and `..`
  segments and a leading `/`; every write is checked to stay inside the staging folder.
- warnings (exit 0): an unknown front matter field, a lead image missing beside its article,
  a slug that had to be cleaned.
- usage errors (exit 2): an output folder that is or holds the site, content/, templates/,
  static/, `/` or the home folder, or that holds files newsdigest did not write.
- size: every message quotes a value in one short line; `limits.time_limit` stops a block
  (one article's Markdown) that runs too long.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import markdown
import pytest
from conftest import article, build_site, problems_of, write_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdigest import output as output_module
from newsdigest.cli import main
from newsdigest.config import load_config
from newsdigest.errors import BuildFailed, UsageError
from newsdigest.limits import MAX_TOPICS, TEXT_LENGTHS, TimeLimitExceeded, time_limit
from newsdigest.output import check_owner, guard_output

GOOD = {
    "content/one.md": article("One", "2026-10-01T09:00:00", "First.", topics="[Alpha]"),
    "content/two.md": article("Two", "2026-10-02T09:00:00", "Second.", topics="[Alpha, Beta]"),
}


def folder_hash(folder: Path) -> str:
    """Bytes and names of every file below a folder."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def mtimes(folder: Path) -> dict[str, int]:
    return {p.as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def published(site: Path) -> Path:
    """A site that has been built once: the output a bad edit must not touch."""
    write_site(site, GOOD)
    build_site(site)
    return site


BAD_INPUTS = {
    "invalid YAML": ("content/bad.md", "---\ntitle: a: b\ndate: 2026-10-03\n---\nx\n", 2),
    "missing title": ("content/bad.md", "---\ndate: 2026-10-03\n---\nText.\n", 2),
    "missing date": ("content/bad.md", "---\ntitle: No date\n---\nText.\n", 2),
    "topics not a list": ("content/bad.md", article("T", "2026-10-03", topics="7"), 4),
    "title of the wrong type": ("content/bad.md", "---\ntitle: [a, b]\ndate: 2026-10-03\n---\n", 2),
    "date that does not parse": ("content/bad.md", article("T", "31/10/2026"), 3),
    "draft not a boolean": ("content/bad.md", article("T", "2026-10-03", draft="maybe"), 4),
    "not UTF-8": ("content/bad.md", "---\ntitle: caf\xe9\n---\n".encode("latin-1"), None),
    "binary": ("content/bad.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", None),
    "empty": ("content/bad.md", "", None),
    "no front matter": ("content/bad.md", "Just text.\n", 1),
    "duplicate URL": ("content/copy.md", article("One", "2026-10-01T10:00:00", slug="one"), None),
    "alias on another article's URL": (
        "content/moved.md",
        article("Moved", "2026-10-03", aliases="[/2026/10/01/one/]"),
        None,
    ),
    "aliases not a list of paths": (
        "content/bad.md",
        article("T", "2026-10-03", aliases="[https://elsewhere.example/]"),
        4,
    ),
    "unknown template for a page": (
        "content/pages/about.md",
        "---\ntitle: About\ntemplate: wide.html\n---\nText.\n",
        3,
    ),
    "extra with an empty value": ("content/bad.md", article("T", "2026-10-03", extra="{a: }"), 4),
    "author of the wrong type": ("content/bad.md", article("T", "2026-10-03", author="{a: b}"), 4),
    "nested too deep": (
        "content/bad.md",
        article("Deep", "2026-10-03", "".join("    " * i + "- x\n" for i in range(150))),
        None,
    ),
    "template syntax error": ("templates/day.html", "{% if %}broken", 1),
    "front matter that never closes": ("content/bad.md", "---\ntitle: x\n", 1),
    "only a fence": ("content/bad.md", "---", 1),
    "front matter past 64 KB": ("content/bad.md", article("T", "2026-10-03", n="x" * 70_000), 1),
    "impossible date": ("content/bad.md", article("T", "2024-02-30"), 3),
    "hour 24 in updated": (
        "content/bad.md",
        article("T", "2026-10-03", updated="'2026-10-03T24:00:00'"),
        4,
    ),
    "year 9999 with an offset": ("content/bad.md", article("T", "9999-12-31T23:00:00-05:00"), 3),
    "javascript: source_url": (
        "content/bad.md",
        article("T", "2026-10-03", source_url="' JaVaScRiPt:alert(1)'"),
        4,
    ),
    "title past its cap": ("content/bad.md", article("T" * 301, "2026-10-03"), 2),
    "unknown template name": ("templates/home.html", '{% extends "nope.html" %}', None),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_is_named_and_leaves_the_output_as_it_was(
    published: Path, case: str, capsys
) -> None:
    name, text, line = BAD_INPUTS[case]
    before = folder_hash(published / "public")
    times = mtimes(published / "public")
    path = published / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    assert main(["build", "--site", str(published)]) == 1
    err = capsys.readouterr().err
    where = f"{name}:{line}:" if line else name
    assert where in err, err
    assert "the output folder was not changed" in err
    assert folder_hash(published / "public") == before
    assert mtimes(published / "public") == times
    leftovers = {p.name for p in published.iterdir()}
    assert leftovers <= {"public", "content", "templates", "pyproject.toml", ".newsdigest-cache"}


def alias_bomb(field: str, levels: int = 9, width: int = 9) -> str:
    """About 500 bytes of front matter whose `field` expands to width**levels values."""
    lines = ["title: Bomb", "date: 2026-10-03", f"a0: &a0 [{', '.join(['x'] * width)}]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * width)}]" for n in range(1, levels)]
    lines = [line for line in lines if not line.startswith(f"{field}:")]
    return "---\n" + "\n".join([*lines, f"{field}: *a{levels - 1}"]) + "\n---\nBody.\n"


# A build with at most 1 GB of memory, so that a bomb that goes off fails the test, not the machine.
BOUNDED_BUILD = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
from newsdigest.cli import main
sys.exit(main(["build", "--site", sys.argv[1], "--jobs", "1", "--quiet"]))
"""


def test_alias_bombs_give_a_short_error_quickly(site: Path) -> None:
    fields = ("draft", "sanitize", "date", "updated", "image", "topics")
    write_site(site, {**GOOD, **{f"content/{field}.md": alias_bomb(field) for field in fields}})
    assert all(len((site / f"content/{f}.md").read_bytes()) < 600 for f in fields)
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    started = time.perf_counter()
    finished = subprocess.run(
        [sys.executable, "-c", BOUNDED_BUILD, str(site)],
        env=environment,
        capture_output=True,
        timeout=120,
    )
    err = finished.stderr.decode("utf-8", "replace")
    assert finished.returncode == 1, err[-2000:]
    assert time.perf_counter() - started < 30
    assert len(finished.stdout) + len(finished.stderr) < 5_000, err[:2000]
    assert "Traceback" not in err
    assert all(re.search(rf"content/{field}\.md:\d+: error: .*alias", err) for field in fields), err


def test_every_bad_file_is_listed_not_just_the_first(published: Path, capsys) -> None:
    for number in range(5):
        (published / f"content/bad{number}.md").write_text("---\ntitle: x\n---\n")
    assert main(["build", "--site", str(published)]) == 1
    err = capsys.readouterr().err
    assert all(f"content/bad{n}.md:2: error: missing date" in err for n in range(5))
    assert "5 error(s)" in err


def test_a_missing_lead_image_is_a_warning(published: Path, capsys) -> None:
    (published / "content/pic.md").write_text(
        article("Pic", "2026-10-03", image="{src: nowhere.jpg, alt: A view}")
    )
    assert main(["build", "--site", str(published)]) == 0
    err = capsys.readouterr().err
    assert "content/pic.md:4: warning: image 'nowhere.jpg' not found beside the article" in err


class Boom(Exception):
    pass


@pytest.mark.parametrize("after", [0, 3, 10])
def test_a_failure_while_staging_leaves_the_old_site(
    published: Path, monkeypatch: pytest.MonkeyPatch, after: int
) -> None:
    before = folder_hash(published / "public")
    (published / "content/three.md").write_text(article("Three", "2026-10-03", "New."))
    (published / "content/one.md").unlink()
    real_put = output_module.Transaction.put
    calls = {"n": 0}

    def failing_put(self, relative: str, data: bytes) -> bool:
        calls["n"] += 1
        if calls["n"] > after:
            raise Boom("disk full")
        return real_put(self, relative, data)

    monkeypatch.setattr(output_module.Transaction, "put", failing_put)
    with pytest.raises(Boom):
        build_site(published)
    assert folder_hash(published / "public") == before
    monkeypatch.undo()
    build_site(published)
    assert (published / "public/2026/10/03/three/index.html").exists()
    assert not (published / "public/2026/10/01/one").exists()


def test_a_build_killed_while_moving_files_in_is_finished_by_the_next(
    published: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (published / "content/three.md").write_text(article("Three", "2026-10-03", "New."))
    expected = tmp_path / "expected"
    shutil.copytree(published, expected, ignore=shutil.ignore_patterns("public", ".newsdigest*"))
    build_site(expected)
    real_replace = os.replace
    calls = {"n": 0}

    def replace_twice(source, target) -> None:
        calls["n"] += 1
        if calls["n"] >= 4:  # the journal is written, two files are in: killed
            raise Boom("killed")
        real_replace(source, target)

    monkeypatch.setattr(output_module.os, "replace", replace_twice)
    with pytest.raises(Boom):
        build_site(published)
    monkeypatch.undo()
    assert (published / ".public.journal").exists()  # what a kill leaves behind
    output_module.recover(published / "public")
    assert folder_hash(published / "public") == folder_hash(expected / "public")
    assert not (published / ".public.journal").exists()
    assert not (published / ".public.staging").exists()
    build_site(published)
    assert folder_hash(published / "public") == folder_hash(expected / "public")


KILL_SCRIPT = """
import sys
from newsdigest.cli import main
sys.exit(main(["build", "--site", sys.argv[1], "--jobs", "1", "--quiet"]))
"""


def test_sigkill_at_any_moment_leaves_the_old_or_the_new_site(site: Path) -> None:
    files = {
        f"content/a{n:03}.md": article(f"Story {n}", f"2026-{n % 9 + 1:02}-{n % 27 + 1:02}",
                                        "Words. " * 200, topics=f"[T{n % 7}]")
        for n in range(150)
    }  # fmt: skip
    write_site(site, files)
    build_site(site)
    old = folder_hash(site / "public")
    (site / "templates").mkdir()
    (site / "templates/article.html").write_text(
        '{% extends "base.html" %}{% block main %}<p>v2</p>{{ body }}{% endblock %}'
    )
    new_site = site.parent / "expected"
    write_site(new_site, files)
    (new_site / "templates").mkdir()
    (new_site / "templates/article.html").write_text((site / "templates/article.html").read_text())
    build_site(new_site)
    new = folder_hash(new_site / "public")
    assert old != new
    environment = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    for delay in (0.05, 0.2, 0.4, 0.7, 1.0):
        process = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(site)], env=environment)
        time.sleep(delay)
        process.send_signal(signal.SIGKILL)
        process.wait()
        output_module.recover(site / "public")
        assert folder_hash(site / "public") in (old, new), f"a mix after {delay} s"
        try:
            build_site(site)
        except BuildFailed as failure:
            pytest.fail(f"after a kill at {delay} s: {problems_of(failure)}")
        assert folder_hash(site / "public") == new
        (site / "public").rename(site / "stash")  # go back to the old site for the next round
        subprocess.run(["rm", "-rf", str(site / "stash")], check=True)
        (site / "templates/article.html").rename(site / "article.v2")
        build_site(site)
        assert folder_hash(site / "public") == old
        (site / "article.v2").rename(site / "templates/article.html")


@pytest.mark.parametrize(
    "choice",
    ["site", "content", "templates", "static", "parent of the site", "root", "home", "foreign"],
)
def test_the_output_guard_refuses_dangerous_folders(tmp_path: Path, choice: str) -> None:
    site = write_site(tmp_path / "site", GOOD)
    for folder in ("templates", "static"):
        (site / folder).mkdir()
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"precious")
    target = {
        "site": site,
        "content": site / "content",
        "templates": site / "templates",
        "static": site / "static",
        "parent of the site": tmp_path,
        "root": Path("/"),
        "home": Path.home(),
        "foreign": foreign,
    }[choice]
    config = load_config(site)
    with pytest.raises(UsageError):
        if choice == "foreign":  # a folder of someone else's files: known by what is in it
            check_owner(target, ["holiday.jpg"], known=set(), planned={"index.html"})
        guard_output(target, config.site_dir, (config.content_dir, config.templates_dir,
                                               config.static_dir))  # fmt: skip
    assert main(["build", "--site", str(site), "--output", str(target)]) == 2
    assert (foreign / "holiday.jpg").read_bytes() == b"precious"
    assert (site / "content/one.md").exists()


def test_output_inside_the_site_folder_is_fine(tmp_path: Path) -> None:
    site = write_site(tmp_path / "site", GOOD)
    assert main(["build", "--site", str(site), "--output", str(site / "out"), "--quiet"]) == 0
    assert (site / "out/index.html").exists()


ESCAPES = {
    "dot-dot slug": {"slug": "'../../../escaped'"},
    "absolute slug": {"slug": "/etc/passwd"},
    "slash in slug": {"slug": "'a/../../b'"},
    "NUL in slug": {"slug": '"a\\0b"'},
    "long slug": {"slug": "x" * 5000},
    "dot-dot topic": {"topics": "['../../../escaped', '/abs', 'a/b']"},
    "long title": {"title_override": "T" * 10_000},
}


@pytest.mark.parametrize("case", sorted(ESCAPES))
def test_nothing_is_written_outside_the_output(tmp_path: Path, case: str) -> None:
    fields = dict(ESCAPES[case])
    title = fields.pop("title_override", "Escape")
    site = write_site(tmp_path / "site", {"content/x.md": article(title, "2026-10-01", **fields)})
    before = {p for p in tmp_path.rglob("*")}
    try:
        build_site(site)
    except BuildFailed as failure:
        assert all(p.path == "content/x.md" for p in failure.problems), problems_of(failure)
    after = {p for p in tmp_path.rglob("*")} - before
    allowed = (site / "public", site / ".newsdigest-cache")
    assert all(any(p.is_relative_to(a) for a in allowed) for p in after), sorted(after)
    assert all(len(p.name.encode()) <= 255 for p in after)


@pytest.mark.parametrize("pattern", ["../../{slug}/", "/{year}/../../{slug}", "{slug}/../../.."])
def test_permalink_patterns_cannot_climb_out(tmp_path: Path, pattern: str) -> None:
    site = write_site(
        tmp_path / "site",
        {"content/climb.md": article("Climb", "2026-10-01")},
        config=f'permalink = "{pattern}"\n',
    )
    before = set(tmp_path.rglob("*"))
    build_site(site)
    new = set(tmp_path.rglob("*")) - before
    assert all(p.is_relative_to(site) for p in new)
    assert (site / "public/climb/index.html").exists() or any(
        p.name == "index.html" and "climb" in p.parent.name for p in new
    )


def test_template_syntax_in_content_and_front_matter_stays_text(site: Path) -> None:
    write_site(
        site,
        {
            "content/7-7-and-raw.md": article(
                "{{ 7 * 7 }} and {% raw %}",
                "2026-10-01",
                "Body {{ site.title }} {% for x in range(3) %}loop{% endfor %}",
                summary="'{{ config }}'",
                source="'{% include \"base.html\" %}'",
            )
        },
        config='title = "Real"\nbase_url = "https://example.org/"\n',
    )
    build_site(site)
    for name in ("2026/10/01/7-7-and-raw/index.html", "feed.xml", "feed.json", "index.html"):
        text = (site / "public" / name).read_text(encoding="utf-8")
        text = re.sub(r"\.[0-9a-f]{10}\.(css|js)", "", text)  # hashed names hold any digits
        assert "49" not in text and "looploop" not in text, name
        assert "{{ 7 * 7 }}" in text or "{{ 7 * 7 }}" in text.replace("&#34;", '"'), name
    page = (site / "public/2026/10/01/7-7-and-raw/index.html").read_text(encoding="utf-8")
    assert "Body {{ site.title }} {% for x in range(3) %}loop{% endfor %}" in page


def test_sanitize_strips_scripts_handlers_and_attr_list_attributes(site: Path) -> None:
    body = """
    Click
    {: onclick="steal()" }

    A [link](javascript:alert(1)){: onmouseover="x()" } and <script>alert(2)</script>.

    <img src="x.png" onerror="alert(3)"> <a href="JaVaScRiPt:alert(4)">y</a>
    <iframe src="https://evil.example/"></iframe><svg onload="alert(5)"></svg>
    """
    write_site(
        site,
        {"content/hostile.md": article("Hostile", "2026-10-01", body)},
        config='sanitize = true\nmarkdown_extensions = ["extra", "attr_list"]\n',
    )
    build_site(site)
    page = (site / "public/2026/10/01/hostile/index.html").read_text(encoding="utf-8").lower()
    story = page.split('<div class="story-body">')[1].split("</div>")[0]
    assert not re.search(r"<[^>]*\son\w+\s*=", story), story
    for bad in ("<script", "javascript:", "<iframe", "<svg"):
        assert bad not in story, bad
    assert "click" in story and "<a" in story


def test_huge_and_odd_input_builds(site: Path) -> None:
    many_topics = ", ".join(f"Topic {n}" for n in range(MAX_TOPICS))  # as many as allowed
    files = {
        "content/huge.md": article("Huge", "2026-10-01", ("Word " * 200 + "\n\n") * 5_000),
        "content/topics.md": article("Topics", "2026-10-02", topics=f"[{many_topics}]"),
        "content/long-title.md": article("L" * TEXT_LENGTHS["title"], "2026-10-03"),
        "content/nested.md": article(
            "Nested", "2026-10-04", "".join("    " * i + "- level\n" for i in range(90))
        ),
    }
    for n in range(2_000):
        files[f"content/t/{n}.md"] = article(f"Article {n}", "2026-09-01", topics=f"[Only {n}]")
    write_site(site, files)
    assert (site / "content/huge.md").stat().st_size > 5_000_000
    report = build_site(site, jobs=2)
    assert report.articles == 2_004
    assert (site / f"public/topics/topic-{MAX_TOPICS - 1}/index.html").exists()
    assert (site / "public/topics/only-1999/index.html").exists()
    assert len((site / "public/2026/10/01/huge/index.html").read_bytes()) > 5_000_000


front_matter_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text(max_size=40)
    | st.dates().map(str),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=8,
)
FIELDS = ["title", "date", "updated", "slug", "topics", "summary", "source", "source_url",
          "author", "image", "draft", "lang", "sanitize"]  # fmt: skip


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fields=st.dictionaries(st.sampled_from(FIELDS), front_matter_values, max_size=8),
    name=st.text(
        alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="/\0"),
        min_size=1,
        max_size=30,
    ),
)
def test_random_front_matter_never_crashes_or_escapes(
    tmp_path_factory: pytest.TempPathFactory, fields: dict, name: str
) -> None:
    import yaml

    root = tmp_path_factory.mktemp("prop")
    site = root / "site"
    front = yaml.safe_dump(fields, allow_unicode=True) if fields else ""
    file_name = name.strip(".") or "x"
    try:
        write_site(site, {f"content/{file_name}.md": f"---\n{front}---\nBody.\n"})
    except (OSError, ValueError):
        return  # a name this file system refuses is not newsdigest's to handle
    before = set(root.rglob("*"))
    try:
        build_site(site)
    except BuildFailed as failure:
        assert failure.problems and all(p.message for p in failure.problems)
    new = set(root.rglob("*")) - before
    assert all(p.is_relative_to(site / "public") or p.is_relative_to(site / ".newsdigest-cache")
               for p in new), sorted(new)  # fmt: skip


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_slug_text_gives_a_safe_url(text: str) -> None:
    from datetime import datetime
    from pathlib import PurePosixPath

    from newsdigest.urls import output_file, permalink, slugify

    slug = slugify(text)
    assert all(c in "abcdefghijklmnopqrstuvwxyz0123456789-" for c in slug)
    assert len(slug) <= 80
    url = permalink("{year}/{month}/{day}/{slug}/", datetime(2026, 1, 2), slug)
    path = PurePosixPath(output_file(url))
    assert not path.is_absolute() and ".." not in path.parts


# The per-article time limit: Markdown that would run for minutes is stopped.


def test_a_time_limit_stops_a_tight_loop() -> None:
    started = time.perf_counter()
    with pytest.raises(TimeLimitExceeded), time_limit(0.2):
        while True:
            pass
    assert time.perf_counter() - started < 2


def test_a_time_limit_stops_python_markdown_on_brackets() -> None:
    started = time.perf_counter()
    with pytest.raises(TimeLimitExceeded), time_limit(0.5):
        markdown.Markdown().convert("[" * 20_000)  # minutes of work without the limit
    assert time.perf_counter() - started < 3


def test_a_block_that_finishes_in_time_leaves_no_timer_behind() -> None:
    handler = signal.getsignal(signal.SIGALRM)
    with time_limit(5):
        total = sum(range(1000))
    assert total == 499_500
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is handler


def test_an_inner_time_limit_gives_the_outer_one_back() -> None:
    with time_limit(5):
        with pytest.raises(TimeLimitExceeded), time_limit(0.1):
            while True:
                pass
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 3 < left <= 5
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def spin_under_a_time_limit(seconds: float) -> str:
    """Run in a worker process: what happened to an endless loop under a time limit."""
    try:
        with time_limit(seconds):
            while True:
                pass
    except TimeLimitExceeded:
        return "stopped"


def test_a_time_limit_works_in_a_forked_worker_process() -> None:
    import multiprocessing

    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        assert pool.submit(spin_under_a_time_limit, 0.2).result(timeout=30) == "stopped"


def test_a_time_limit_does_nothing_outside_the_main_thread() -> None:
    handler = signal.getsignal(signal.SIGALRM)
    outcome: list[str] = []

    def work() -> None:
        with time_limit(0.01):
            time.sleep(0.1)
        outcome.append("finished")

    thread = threading.Thread(target=work)
    thread.start()
    thread.join(timeout=10)
    assert outcome == ["finished"]
    assert signal.getsignal(signal.SIGALRM) is handler


def test_an_article_that_takes_too_long_to_render_is_an_error_naming_it(
    published: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    import newsdigest.markdown

    monkeypatch.setattr(newsdigest.markdown, "ARTICLE_SECONDS", 0.5)
    (published / "content/slow.md").write_text(article("Slow", "2026-10-03", "[" * 20_000))
    before = folder_hash(published / "public")
    started = time.monotonic()
    assert main(["build", "--site", str(published), "--jobs", "1"]) == 1
    assert time.monotonic() - started < 10  # not Python-Markdown's minutes
    err = capsys.readouterr().err
    assert "content/slow.md: error: the Markdown took longer than 0.5 s to render" in err
    assert folder_hash(published / "public") == before
