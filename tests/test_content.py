from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from conftest import article, write_site

from newsdigest.articles import Selection
from newsdigest.config import load_config
from newsdigest.content import asset_of, first_paragraph_text, scan_content

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("UTC"))


def load(root: Path, **selection: object):
    """The articles a build would include, oldest first, and every problem."""
    config = load_config(root)
    sources, problems = scan_content(config, {})
    chosen = Selection(now=NOW, **selection)
    problems += [problem for source in sources.values() for problem in source.problems]
    articles = [s.article for s in sources.values() if s.article]
    articles = [article for article in articles if chosen.includes(article, NOW)]
    assets = [asset_of(path, config) for path in sources if not path.endswith(".md")]
    return sorted(articles, key=lambda a: a.sort_key), assets, problems


def test_plain_date_and_naive_time_are_local_to_the_site(site: Path) -> None:
    write_site(
        site,
        {
            "content/a.md": article("Plain date", "2026-10-15"),
            "content/b.md": article("Naive time", "2026-10-15T16:05:00"),
            "content/c.md": article("With offset", "2026-10-15T09:30:00+03:00"),
        },
        'timezone = "America/New_York"',
    )
    articles, _, problems = load(site)
    assert problems == []
    by_title = {a.title: a for a in articles}
    new_york = ZoneInfo("America/New_York")
    assert by_title["Plain date"].published == datetime(2026, 10, 15, tzinfo=new_york)
    assert by_title["Naive time"].published == datetime(2026, 10, 15, 16, 5, tzinfo=new_york)
    assert by_title["With offset"].published.utcoffset() == new_york.utcoffset(
        datetime(2026, 10, 15)
    )
    assert by_title["With offset"].url == "2026/10/15/with-offset/"


def test_a_plain_date_today_is_not_hidden_as_future(site: Path) -> None:
    # Midnight in Tokyo on 25 November is before noon UTC: published, not future.
    write_site(site, {"content/a.md": article("Today", "2026-11-25")}, 'timezone = "Asia/Tokyo"')
    articles, _, _ = load(site)
    assert [a.title for a in articles] == ["Today"]


def test_slugs_are_ascii_and_summary_comes_from_the_first_paragraph(site: Path) -> None:
    write_site(
        site,
        {
            "content/a.md": article(
                "Москва готовит новый бюджет",
                "2026-10-15",
                """
        ## A heading first

        The **first** paragraph [with a link](https://example.org) says enough.

        The second.
    """,
            )
        },
    )
    [only], _, _ = load(site)
    assert only.slug == "moskva-gotovit-novyi-biudzhet"
    assert only.summary == "The first paragraph with a link says enough."
    assert only.dek is None


def test_long_first_paragraph_is_cut_at_a_word(site: Path) -> None:
    text = first_paragraph_text("word " * 200)
    assert len(text) <= 241 and text.endswith("word…")


def test_front_matter_errors_name_file_and_line(site: Path) -> None:
    write_site(
        site,
        {
            "content/no-title.md": "---\ndate: 2026-10-15\n---\nx\n",
            "content/bad-date.md": "---\ntitle: T\ndate: 31 Aug\n---\nx\n",
            "content/topics.md": "---\ntitle: T\ndate: 2026-10-15\ntopics: NATO\n---\nx\n",
            "content/yaml.md": "---\ntitle: T\ndate: 2026-10-15\ntopics: [a, b\n---\nx\n",
            "content/latin1.md": "---\ntitle: Caf\xe9\n---\n".encode("latin-1"),
            "content/unknown.md": "---\ntitle: T\ndate: 2026-10-15\ntopic: [a]\n---\nx\n",
            "content/empty.md": "",
        },
    )
    articles, _, problems = load(site)
    assert any(p.path == "content/no-title.md" and "missing title" in p.message for p in problems)
    assert any(
        p.path == "content/bad-date.md" and p.line == 3 and "not a date" in p.message
        for p in problems
    )
    assert any(p.path == "content/topics.md" and p.line == 4 for p in problems)
    assert any(p.path == "content/yaml.md" and "invalid YAML" in p.message for p in problems)
    assert any(p.path == "content/latin1.md" and "UTF-8" in p.message for p in problems)
    assert any(p.path == "content/empty.md" and "empty" in p.message for p in problems)
    warning = next(p for p in problems if p.path == "content/unknown.md")
    assert warning.severity == "warning" and warning.line == 4 and "topics" in (warning.hint or "")
    assert [a.path for a in articles] == ["content/unknown.md"]


def test_drafts_and_future_articles_need_their_flags(site: Path) -> None:
    write_site(
        site,
        {
            "content/draft.md": article("Draft", "2026-10-15", draft="true"),
            "content/future.md": article("Future", "2027-03-01"),
            "content/now.md": article("Now", "2026-10-15"),
        },
    )
    assert [a.title for a in load(site)[0]] == ["Now"]
    assert sorted(a.title for a in load(site, drafts=True)[0]) == ["Draft", "Now"]
    assert sorted(a.title for a in load(site, future=True)[0]) == ["Future", "Now"]


def test_files_beside_articles_are_assets_and_editor_files_are_ignored(site: Path) -> None:
    write_site(
        site,
        {
            "content/2026/a.md": article("A", "2026-10-15", image="{src: map.svg, caption: C}"),
            "content/2026/map.svg": "<svg/>",
            "content/2026/.a.md.swp": "x",
            "content/2026/a.md~": "x",
            "content/2026/4913": "x",
        },
    )
    [only], assets, problems = load(site)
    assert problems == []
    assert [a.url for a in assets] == ["2026/map.svg"]
    assert only.image is not None and only.image.url == "2026/map.svg"
    assert only.image.alt == "C"
