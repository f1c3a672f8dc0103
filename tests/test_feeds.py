import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

import feedparser
import pytest
from conftest import article, build_site, write_site

from newsdigest.config import load_config
from newsdigest.sitemap import SitemapEntry, sitemap_index, split_sitemap, urlset

BASE = "https://example.org/digest/"
HOSTILE_TITLE = 'Кремль: "No comment" </script><script>alert(1)</script> & more'
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


@pytest.fixture
def news(site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # The news sitemap holds the last two days by the clock: build as if on 4 October, 06:00.
    moment = datetime(2026, 10, 4, 4, tzinfo=UTC)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(moment.timestamp())))
    write_site(
        site,
        {
            "content/one.md": article(
                "Ceasefire talks resume",
                "2026-10-01T08:00:00+02:00",
                "Talks in [Cairo](/digest/2026/10/02/second/) on Thursday.\n\n![A map](map.png)",
                topics="[Middle East, Diplomacy]",
                source="Reuters",
                source_url="https://www.reuters.com/world/talks-2026-10-01/",
            ),
            "content/map.png": b"\x89PNG\r\n\x1a\n",
            "content/two.md": article(
                "Second",
                "2026-10-02T09:00:00+02:00",
                "Second body.",
                topics="[Diplomacy]",
                author="Jane Doe",
                updated="2026-10-03T10:00:00+02:00",
                slug="second",
            ),
            "content/three.md": (
                "---\n"
                f"title: {json.dumps(HOSTILE_TITLE, ensure_ascii=False)}\n"
                "date: 2026-10-04\n"
                "topics: [Москва]\n"
                "---\n"
                "Third body.\n"
            ),
        },
        config=f'title = "The Wire"\nbase_url = "{BASE}"\ntimezone = "Europe/Berlin"\n',
    )
    build_site(site)
    return site


def test_atom_feeds_parse_with_absolute_links_newest_first(news: Path) -> None:
    public = news / "public"
    for name in ("feed.xml", "topics/diplomacy/feed.xml", "topics/moskva/feed.xml"):
        feed = feedparser.parse((public / name).read_bytes())
        assert not feed.bozo, (name, feed.get("bozo_exception"))
        assert feed.entries, name
        assert feed.feed.updated and feed.feed.id.startswith(BASE)
        links = {link.rel: link.href for link in feed.feed.links}
        assert links["self"] == BASE + name
        assert links["alternate"].startswith(BASE)
        for entry in feed.entries:
            assert entry.link.startswith(BASE) and entry.id.startswith("tag:example.org,")
            assert entry.published and entry.updated and entry.summary
        published = [entry.published_parsed for entry in feed.entries]
        assert published == sorted(published, reverse=True)
    site_feed = feedparser.parse((public / "feed.xml").read_bytes())
    assert [e.title for e in site_feed.entries] == [
        HOSTILE_TITLE,
        "Second",
        "Ceasefire talks resume",
    ]
    second = site_feed.entries[1]
    assert second.author == "Jane Doe" and second.updated.startswith("2026-10-03")
    first = site_feed.entries[2]
    assert first.author == "Reuters"
    assert {t.term for t in first.tags} == {"Middle East", "Diplomacy"}
    content = first.content[0].value
    assert 'href="https://example.org/digest/2026/10/02/second/"' in content
    assert 'src="https://example.org/digest/map.png"' in content


def test_entry_ids_survive_a_new_slug_and_title(news: Path) -> None:
    before = feedparser.parse((news / "public/feed.xml").read_bytes()).entries[2].id
    (news / "content/one.md").write_text(
        article("Talks resume, renamed", "2026-10-01T08:00:00+02:00", slug="renamed-talks")
    )
    build_site(news)
    after = feedparser.parse((news / "public/feed.xml").read_bytes()).entries[2]
    assert after.link.endswith("/renamed-talks/") and after.id == before


def test_json_feed_has_the_required_fields(news: Path) -> None:
    document = json.loads((news / "public/feed.json").read_text(encoding="utf-8"))
    assert document["version"] == "https://jsonfeed.org/version/1.1"
    assert document["title"] == "The Wire"
    assert document["feed_url"] == BASE + "feed.json"
    assert document["home_page_url"] == BASE
    assert document["items"][0]["title"] == HOSTILE_TITLE
    for item in document["items"]:
        assert item["id"] and item["url"].startswith(BASE)
        assert "content_html" in item or "content_text" in item
        datetime.fromisoformat(item["date_published"])
    reuters = document["items"][2]
    assert reuters["external_url"] == "https://www.reuters.com/world/talks-2026-10-01/"
    assert reuters["tags"] == ["Middle East", "Diplomacy"]


def test_summary_only_feeds_when_the_config_says_so(site: Path) -> None:
    write_site(
        site,
        {"content/a.md": article("A", "2026-10-01", "The whole text.")},
        config=f'base_url = "{BASE}"\n[tool.newsdigest.feeds]\nfull_content = false\nentries = 1\n',
    )
    (site / "content/b.md").write_text(article("B", "2026-10-02", "Other text."))
    build_site(site)
    feed = feedparser.parse((site / "public/feed.xml").read_bytes())
    assert [e.title for e in feed.entries] == ["B"]
    assert "content" not in feed.entries[0] and feed.entries[0].summary == "Other text."


def test_head_links_to_the_feeds(news: Path) -> None:
    home = (news / "public/index.html").read_text(encoding="utf-8")
    assert f'type="application/atom+xml" title="The Wire" href="{BASE}feed.xml"' in home
    assert f'type="application/feed+json" title="The Wire" href="{BASE}feed.json"' in home
    topic = (news / "public/topics/diplomacy/index.html").read_text(encoding="utf-8")
    assert f'href="{BASE}topics/diplomacy/feed.xml"' in topic


def html_pages(public: Path) -> set[str]:
    pages = set()
    for path in public.rglob("*.html"):
        relative = path.relative_to(public).as_posix()
        if relative != "404.html":
            pages.add(BASE + relative.removesuffix("index.html"))
    return pages


def test_sitemap_lists_exactly_the_html_pages(news: Path) -> None:
    public = news / "public"
    tree = ElementTree.parse(public / "sitemap.xml")
    urls = {loc.text for loc in tree.iter(f"{SITEMAP}loc")}
    assert urls == html_pages(public)
    lastmods = {
        url.find(f"{SITEMAP}loc").text: url.find(f"{SITEMAP}lastmod").text
        for url in tree.iter(f"{SITEMAP}url")
        if url.find(f"{SITEMAP}lastmod") is not None
    }
    assert lastmods[BASE + "2026/10/02/second/"].startswith("2026-10-03T10:00")
    assert lastmods[BASE + "topics/diplomacy/"].startswith("2026-10-03T10:00")
    robots = (public / "robots.txt").read_text()
    assert f"Sitemap: {BASE}sitemap.xml" in robots


def test_news_sitemap_holds_the_last_two_days(news: Path) -> None:
    tree = ElementTree.parse(news / "public/news-sitemap.xml")
    locs = [loc.text for loc in tree.iter(f"{SITEMAP}loc")]
    assert len(locs) == 2 and BASE + "2026/10/02/second/" in locs
    titles = [t.text for t in tree.iter("{http://www.google.com/schemas/sitemap-news/0.9}title")]
    assert HOSTILE_TITLE in titles


def test_a_sitemap_past_50000_urls_becomes_an_index(tmp_path: Path) -> None:
    config = load_config(write_site(tmp_path / "s", {}, config=f'base_url = "{BASE}"\n'))
    start = datetime(2020, 1, 1, tzinfo=UTC)
    entries = [SitemapEntry(f"p/{n}/", start + timedelta(minutes=n)) for n in range(120_001)]
    parts = split_sitemap(entries)
    assert [len(part) for part in parts] == [50_000, 50_000, 20_001]
    index = ElementTree.fromstring(sitemap_index(parts, config))
    assert index.tag == f"{SITEMAP}sitemapindex"
    locs = [loc.text for loc in index.iter(f"{SITEMAP}loc")]
    assert locs == [f"{BASE}sitemap-{n}.xml" for n in (1, 2, 3)]
    lastmods = [lm.text for lm in index.iter(f"{SITEMAP}lastmod")]
    assert lastmods[-1] == entries[-1].lastmod.isoformat()
    last = ElementTree.fromstring(urlset(parts[2], config))
    assert len(list(last.iter(f"{SITEMAP}url"))) == 20_001
    assert split_sitemap(entries[:10]) == [tuple(entries[:10])]


def json_ld(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found, "no JSON-LD"
    return json.loads(found.group(1))


def test_json_ld_survives_quotes_script_tags_and_cyrillic(news: Path) -> None:
    day = news / "public/2026/10/04"
    [page] = [p for p in day.glob("*/index.html") if p.parent.name != "edition"]
    html = page.read_text(encoding="utf-8")
    assert "<script>alert(1)" not in html
    data = json_ld(html)
    assert data["@type"] == "NewsArticle" and data["headline"] == HOSTILE_TITLE
    assert data["datePublished"].startswith("2026-10-04T00:00:00+02:00")
    assert data["publisher"]["name"] == "The Wire"
    assert (
        data["mainEntityOfPage"] == BASE + page.parent.relative_to(news / "public").as_posix() + "/"
    )


def test_article_pages_carry_open_graph_article_tags(news: Path) -> None:
    html = (news / "public/2026/10/02/second/index.html").read_text(encoding="utf-8")
    for needle in (
        '<meta property="og:type" content="article">',
        '<meta property="article:published_time" content="2026-10-02T09:00:00+02:00">',
        '<meta property="article:modified_time" content="2026-10-03T10:00:00+02:00">',
        '<meta property="article:tag" content="Diplomacy">',
        f'<link rel="canonical" href="{BASE}2026/10/02/second/">',
        '<meta name="description" content="Second body.">',
    ):
        assert needle in html
    data = json_ld(html)
    assert data["author"] == [
        {"@type": "Person", "name": "Jane Doe", "url": f"{BASE}authors/jane-doe/"}
    ]
    assert data["dateModified"].startswith("2026-10-03")


def test_robots_names_both_sitemaps_and_a_subpath_warns(tmp_path: Path, capsys) -> None:
    from newsdigest.cli import main

    site = write_site(
        tmp_path / "s",
        {"content/a.md": article("A", "2026-10-01")},
        config='base_url = "https://example.org/digest/"\n',
    )
    assert main(["build", "--site", str(site)]) == 0
    robots = (site / "public/robots.txt").read_text()
    assert "Sitemap: https://example.org/digest/sitemap.xml" in robots
    assert "Sitemap: https://example.org/digest/news-sitemap.xml" in robots
    assert capsys.readouterr().err.count("robots.txt is only read at a domain's root") == 1
    relative = write_site(tmp_path / "r", {"content/a.md": article("A", "2026-10-01")})
    assert main(["build", "--site", str(relative)]) == 0
    err = capsys.readouterr().err
    assert err.count("feeds, sitemaps and canonical URLs need an absolute base_url") == 1
