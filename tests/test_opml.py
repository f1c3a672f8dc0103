"""feeds.opml lists every feed of the site, so a reader subscribes to all of them at once."""

from __future__ import annotations

from pathlib import Path

import listparser
from conftest import article, build_site, write_site

BASE = "https://ledger.example.org/digest/"


def test_feeds_opml_lists_every_feed_of_the_site_with_absolute_urls(site: Path) -> None:
    write_site(
        site,
        {
            "content/a.md": article("A", "2026-10-01T09:00:00", topics="[NATO, Energy]"),
            "content/b.md": article("B", "2026-10-02T09:00:00", topics='["Москва"]'),
        },
        f'title = "The Ledger"\nbase_url = "{BASE}"\n',
    )
    build_site(site)
    public = site / "public"
    parsed = listparser.parse((public / "feeds.opml").read_text(encoding="utf-8"))
    assert not parsed.bozo, parsed.bozo_exception
    assert parsed.meta.title == "The Ledger: every feed"
    atom_feeds = sorted(p.relative_to(public).as_posix() for p in public.rglob("feed.xml"))
    assert len(atom_feeds) == 4  # the site's and three topics'
    assert sorted(feed.url for feed in parsed.feeds) == sorted(BASE + f for f in atom_feeds)
    titles = {feed.url: feed.title for feed in parsed.feeds}
    assert titles[BASE + "feed.xml"] == "The Ledger"
    assert titles[BASE + "topics/moskva/feed.xml"] == "Москва · The Ledger"


def test_feeds_opml_is_linked_from_the_topics_page_and_every_footer(site: Path) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01", topics="[NATO]")})
    build_site(site)
    public = site / "public"
    topics = (public / "topics/index.html").read_text(encoding="utf-8")
    assert topics.count('href="/feeds.opml"') == 2  # in the text and in the footer
    for name in ("index.html", "2026/10/01/a/index.html", "search/index.html"):
        assert 'href="/feeds.opml"' in (public / name).read_text(encoding="utf-8"), name


def test_a_new_topic_adds_its_feed_to_feeds_opml(site: Path) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01", topics="[NATO]")})
    build_site(site)
    (site / "content/b.md").write_text(article("B", "2026-10-02", topics="[Climate]"))
    build_site(site)
    parsed = listparser.parse((site / "public/feeds.opml").read_text(encoding="utf-8"))
    assert "/topics/climate/feed.xml" in {feed.url for feed in parsed.feeds}
