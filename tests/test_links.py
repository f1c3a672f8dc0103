"""Links written in article texts: to other articles' files, and from the site's root."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import article, build_site, problems_of, write_site

from newsdigest.errors import BuildFailed

SUBPATH = 'base_url = "https://example.org/digest/"\n'


def test_root_relative_links_and_images_follow_a_subpath(site: Path) -> None:
    write_site(
        site,
        {
            "content/2026/10/a.md": article(
                "A", "2026-10-01", "See [the day](/2026/10/01/) and ![a map](/images/map.png)."
            ),
        },
        SUBPATH,
    )
    build_site(site)
    page = (site / "public/2026/10/01/a/index.html").read_text()
    assert 'href="/digest/2026/10/01/"' in page and 'src="/digest/images/map.png"' in page


def test_a_link_to_another_articles_file_becomes_its_url(site: Path) -> None:
    write_site(
        site,
        {
            "content/2026/09/old.md": article("Old story", "2026-09-30", "Earlier."),
            "content/2026/10/new.md": article(
                "New story",
                "2026-10-01",
                "As [reported](../09/old.md#top) and [here](/2026/09/old.md), and [ref].\n\n"
                "[ref]: ../09/old.md",
            ),
        },
        SUBPATH,
    )
    build_site(site)
    page = (site / "public/2026/10/01/new/index.html").read_text()
    body = page.split('class="story-body"')[1].split("</div>")[0]
    assert 'href="/digest/2026/09/30/old/#top"' in body
    assert body.count('href="/digest/2026/09/30/old/"') == 2
    feed = (site / "public/feed.xml").read_text()
    assert "https://example.org/digest/2026/09/30/old/" in feed  # full text in feeds too


def test_a_link_to_a_missing_file_is_an_error_at_its_line(site: Path) -> None:
    write_site(
        site,
        {"content/a.md": article("A", "2026-10-01", "Intro.\n\nSee [this](nowhere.md).")},
    )
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    assert "content/a.md:7: error: links to content/nowhere.md, which does not exist" in (
        problems_of(failure.value)
    )


def test_a_link_to_a_draft_warns_and_the_build_goes_on(site: Path) -> None:
    write_site(
        site,
        {
            "content/a.md": article("A", "2026-10-01", "See [the draft](b.md)."),
            "content/b.md": article("B", "2026-10-02", "Not yet.", draft="true"),
        },
    )
    report = build_site(site)
    assert any("links to content/b.md, which this build does not publish" in str(w)
               for w in report.warnings)  # fmt: skip


def test_a_page_that_links_to_a_moved_article_follows_it(site: Path) -> None:
    write_site(
        site,
        {
            "content/old.md": article("Old", "2026-09-30", "Earlier."),
            "content/new.md": article("New", "2026-10-01", "See [old](old.md)."),
        },
    )
    build_site(site)
    (site / "content/old.md").write_text(article("Old", "2026-09-30", "Earlier.", slug="moved"))
    build_site(site)
    page = (site / "public/2026/10/01/new/index.html").read_text()
    assert 'href="/2026/09/30/moved/"' in page


@pytest.mark.parametrize(
    ("folder", "target", "url"),
    [
        ("2024/08/", "chart.png", "2024/08/chart.png"),
        ("2024/08/", "../photos/x.jpg", "2024/photos/x.jpg"),
        ("2024/08/", "./maps/../x.jpg", "2024/08/x.jpg"),
        ("2024/08/", "../../../../etc/passwd", "etc/passwd"),
        ("2024/08/", "../", "2024/"),
        ("2024/08/", "../..", ""),
        ("", "a//b.png?v=2", "a/b.png?v=2"),
    ],
)
def test_a_relative_address_is_resolved_as_a_browser_would_but_never_above_the_site(
    folder: str, target: str, url: str
) -> None:
    from newsdigest.urls import resolve_url

    assert resolve_url(folder, target) == url
