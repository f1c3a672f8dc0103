"""Mistakes and wishes of someone setting up their first site: clear answers, never a traceback."""

from datetime import datetime
from pathlib import Path

from conftest import article, build_site, write_site

from newsdigest.cli import main
from newsdigest.urls import output_file, permalink

WHEN = datetime(2024, 8, 31, 9, 30)


def test_a_permalink_ending_in_html_is_a_file_url() -> None:
    assert permalink("{year}/{slug}.html", WHEN, "kursk") == "2024/kursk.html"
    assert output_file("2024/kursk.html") == "2024/kursk.html"
    assert permalink("{year}/{slug}", WHEN, "kursk") == "2024/kursk/"
    assert permalink("{year}/{slug}.html/", WHEN, "kursk") == "2024/kursk.html/"


def test_a_site_with_html_permalinks_writes_html_files_and_links_to_them(site: Path) -> None:
    write_site(
        site,
        {
            "content/kursk.md": article("Kursk", "2024-08-31", topics="[Ukraine]"),
            "content/later.md": article("Later", "2024-09-01", topics="[Ukraine]"),
        },
        'permalink = "{year}/{slug}.html"\n',
    )
    build_site(site)
    page = site / "public/2024/kursk.html"
    assert page.is_file()
    assert 'href="/2024/later.html"' in page.read_text(encoding="utf-8")  # next article
    for listing in ("index.html", "topics/ukraine/index.html", "2024/08/31/index.html"):
        assert 'href="/2024/kursk.html"' in (site / "public" / listing).read_text(encoding="utf-8")
    assert "/2024/kursk.html</loc>" in (site / "public/sitemap.xml").read_text(encoding="utf-8")
    assert main(["check", "--site", str(site)]) == 0
