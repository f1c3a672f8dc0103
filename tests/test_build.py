"""Whole builds of small inline sites, checked the way a reader would see them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import article, build_site, output_files, write_site

from newsdigest import workers
from newsdigest.check import check_links
from newsdigest.errors import BuildFailed

TOPICS = ["NATO", "Ukraine", "Energy"]


def many_articles(count: int) -> dict[str, str]:
    """Articles over three months, each on one or two topics."""
    files = {}
    for index in range(count):
        month = 9 + index % 3
        day = 1 + index % 27
        topics = [TOPICS[index % 3]] + ([TOPICS[(index + 1) % 3]] if index % 4 == 0 else [])
        files[f"content/{index:03d}.md"] = article(
            f"Story number {index}",
            f"2025-{month:02d}-{day:02d}T{8 + index % 10:02d}:00:00",
            f"Paragraph of story {index}.",
            topics="[" + ", ".join(topics) + "]",
            slug=f"story-number-{index}",
        )
    return files


def pages_listing(root: Path, first_page: str) -> str:
    """The text of a paginated list, all its pages: the newest, then page/1/, page/2/, ..."""
    text = (root / "public" / first_page).read_text()
    number = 1
    page = root / "public" / first_page.replace("index.html", "page/1/index.html")
    while page.exists():
        text += page.read_text()
        number += 1
        page = root / "public" / first_page.replace("index.html", f"page/{number}/index.html")
    return text


def test_every_page_kind_exists(site: Path) -> None:
    write_site(site, many_articles(30), "per_page = 5")
    build_site(site)
    files = output_files(site)
    for expected in [
        "index.html",
        "404.html",
        "archive/index.html",
        "topics/index.html",
        "topics/nato/index.html",
        "topics/nato/page/1/index.html",
        "2025/index.html",
        "2025/09/index.html",
        "2025/09/01/index.html",
        "2025/09/01/story-number-0/index.html",
    ]:
        assert expected in files, expected
    assert [name for name in files if re.fullmatch(r"style\.[0-9a-f]{10}\.css", name)]


@pytest.mark.parametrize("base_url", ["/", "/digest/", "https://example.org/digest/"])
def test_every_internal_link_resolves(site: Path, base_url: str) -> None:
    write_site(
        site,
        {
            **many_articles(30),
            "content/pic.md": article(
                "With a picture",
                "2026-10-02",
                """
            ![A map](map.svg) and [the notes](#notes).

            ## Notes
        """,
                image="{src: map.svg, caption: Map, credit: ME}",
            ),
            "content/map.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
        },
        f'per_page = 4\nbase_url = "{base_url}"',
    )
    build_site(site)
    assert check_links(site / "public", base_url) == []
    home = (site / "public/index.html").read_text()
    prefix = "/digest/" if "digest" in base_url else "/"
    assert re.search(f'href="{prefix}style\\.[0-9a-f]{{10}}\\.css"', home)


def test_each_article_appears_on_its_topic_day_month_and_year_pages_only(site: Path) -> None:
    write_site(site, many_articles(40), "per_page = 3")
    build_site(site)
    for index in range(40):
        title = f"Story number {index}<"
        month, day = 9 + index % 3, 1 + index % 27
        mine = {TOPICS[index % 3]} | ({TOPICS[(index + 1) % 3]} if index % 4 == 0 else set())
        for topic in TOPICS:
            listing = pages_listing(site, f"topics/{topic.lower()}/index.html")
            assert (f">{title}" in listing) == (topic in mine), (index, topic)
        assert f">{title}" in pages_listing(site, f"2025/{month:02d}/{day:02d}/index.html")
        assert f">{title}" in pages_listing(site, f"2025/{month:02d}/index.html")
        other = 9 + (index + 1) % 3
        assert f">{title}" not in pages_listing(site, f"2025/{other:02d}/index.html")


def test_drafts_and_future_only_with_flags(site: Path) -> None:
    write_site(
        site,
        {
            "content/a.md": article("Published", "2026-10-01"),
            "content/b.md": article("Drafted", "2026-10-02", draft="true"),
            "content/c.md": article("Tomorrow", "2099-01-01"),
        },
    )
    build_site(site)
    text = b"".join(output_files(site).values())
    assert b"Published" in text and b"Drafted" not in text and b"Tomorrow" not in text
    build_site(site, drafts=True, future=True)
    text = b"".join(output_files(site).values())
    assert b"Drafted" in text and b"Tomorrow" in text


def test_building_twice_gives_identical_bytes_and_writes_nothing(site: Path) -> None:
    write_site(site, many_articles(20))
    build_site(site)
    first = output_files(site)
    mtimes = {p: p.stat().st_mtime_ns for p in (site / "public").rglob("*")}
    report = build_site(site)
    assert output_files(site) == first
    assert report.written == 0 and report.removed == 0
    assert {p: p.stat().st_mtime_ns for p in (site / "public").rglob("*")} == mtimes


def test_parallel_and_single_process_builds_are_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A site this small stays in one process unless the pool is forced on, in many batches.
    monkeypatch.setattr(workers, "PARALLEL_THRESHOLD", 1)
    monkeypatch.setattr(workers, "BATCH_SIZE", 16)
    pools: list[str] = []
    get_context = workers.multiprocessing.get_context
    monkeypatch.setattr(
        workers.multiprocessing, "get_context", lambda m: pools.append(m) or get_context(m)
    )
    one = write_site(tmp_path / "one", many_articles(120), "per_page = 5")
    two = write_site(tmp_path / "two", many_articles(120), "per_page = 5")
    build_site(one, jobs=1)
    assert pools == []
    build_site(two, jobs=2)
    assert pools == ["fork", "fork"]  # the scan of the output folder, the pool of workers
    assert output_files(one) == output_files(two)


def test_a_template_error_in_a_worker_process_names_the_template_and_line(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The templates are compiled before the workers start; a broken one is reported by the
    # pages that use it, from the workers, like any other error.
    monkeypatch.setattr(workers, "PARALLEL_THRESHOLD", 1)
    files = many_articles(40)
    files["templates/topic.html"] = "{% extends 'base.html' %}\n{% block main %}\n{% if %}"
    write_site(site, files, "per_page = 5")
    with pytest.raises(BuildFailed) as failure:
        build_site(site, jobs=2)
    assert any(p.path == "templates/topic.html" and p.line == 3 for p in failure.value.problems)
    assert not (site / "public").exists()


def test_deleting_an_article_removes_its_page_and_entries(site: Path) -> None:
    write_site(
        site,
        {
            "content/keeper.md": article("Keeper", "2026-10-01", topics="[NATO]"),
            "content/goner.md": article("Goner", "2026-10-02", topics="[NATO, Energy]"),
        },
    )
    build_site(site)
    assert "2026/10/02/goner/index.html" in output_files(site)
    (site / "content/goner.md").unlink()
    report = build_site(site)
    files = output_files(site)
    assert report.removed >= 3
    assert not any(name.startswith(("2026/10/02/", "topics/energy/")) for name in files)
    assert not any(b"Goner" in data for data in files.values())


def test_front_matter_is_escaped_and_body_is_never_a_template(site: Path) -> None:
    write_site(
        site,
        {
            "content/a.md": article(
                'Rockets <script>alert(1)</script> & "Co"',
                "2026-10-01",
                "Shown as is: {{ config }} and {% if x %}.",
                topics="['<b>Bold</b>']",
                source="'A & B'",
            ),
        },
    )
    build_site(site)
    files = output_files(site)
    for name, data in files.items():
        if name.endswith(".html"):
            assert b"<script>alert" not in data, name
            assert b"<b>Bold</b>" not in data, name
    page = next(d for n, d in files.items() if n.endswith("/index.html") and b"Shown as" in d)
    assert b"{{ config }}" in page and b"{% if x %}" in page
    assert b"Rockets &lt;script&gt;alert(1)&lt;/script&gt; &amp;" in page


def test_duplicate_urls_are_reported_naming_both_files(site: Path) -> None:
    write_site(
        site,
        {
            "content/one.md": article("Same title", "2026-10-01", slug="same-title"),
            "content/two.md": article("Same title", "2026-10-01T12:00:00", slug="same-title"),
        },
    )
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    [problem] = failure.value.problems
    assert "content/one.md" in str(problem) and "content/two.md" in str(problem)


def test_a_failed_build_leaves_the_output_untouched(site: Path) -> None:
    write_site(site, {"content/a.md": article("Fine", "2026-10-01")})
    build_site(site)
    before = output_files(site)
    (site / "content/b.md").write_text("---\ntitle: [broken\n---\n")
    with pytest.raises(BuildFailed):
        build_site(site)
    assert output_files(site) == before


def test_a_site_template_overrides_the_theme(site: Path) -> None:
    write_site(
        site,
        {
            "content/a.md": article("Fine", "2026-10-01"),
            "templates/404.html": (
                "{% extends 'base.html' %}{% block main %}Lost at sea{% endblock %}"
            ),
            "static/style.css": "body { color: red }",
        },
    )
    build_site(site)
    assert "Lost at sea" in (site / "public/404.html").read_text()
    [css] = (site / "public").glob("style.*.css")
    assert css.read_text() == "body { color: red }"


def test_template_errors_name_the_template_and_line(site: Path) -> None:
    write_site(
        site,
        {
            "content/a.md": article("Fine", "2026-10-01"),
            "templates/404.html": (
                "{% extends 'base.html' %}\n{% block main %}\n{{ nope }}\n{% endblock %}"
            ),
        },
    )
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    assert any(p.path == "templates/404.html" and p.line == 3 for p in failure.value.problems)


def test_home_shows_the_last_days_grouped_newest_first(site: Path) -> None:
    files = {f"content/{d}.md": article(f"Day {d} story", f"2026-10-{d:02d}") for d in range(1, 11)}
    write_site(site, files, "home_days = 3")
    build_site(site)
    home = (site / "public/index.html").read_text()
    shown = re.findall(r">Day (\d+) story<", home)
    assert shown == ["10", "9", "8"]


def test_a_new_title_reaches_every_page_that_shows_it_on_a_rebuild(site: Path) -> None:
    write_site(site, many_articles(30), "per_page = 4")
    build_site(site)
    path = site / "content/004.md"
    path.write_text(path.read_text().replace("Story number 4'", "Renamed story'"))
    report = build_site(site)
    assert 0 < report.written < 60  # only the pages that show it, not the whole site
    fresh = write_site(site.parent / "fresh", {}, "per_page = 4")
    (site / "content").rename(fresh / "content")
    build_site(fresh)
    assert output_files(site) == output_files(fresh)


def test_a_site_without_search_has_no_search_page_and_no_link_to_one(site: Path) -> None:
    write_site(site, many_articles(3), "search = false")
    build_site(site)
    files = output_files(site)
    assert "search/index.html" not in files and not any(n.startswith("pagefind/") for n in files)
    assert b"search/" not in files["index.html"]
