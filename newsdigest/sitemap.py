"""sitemap.xml (an index with parts past 50,000 URLs), the Google News sitemap, robots.txt.

`lastmod` comes from the articles a page shows, never from the clock, so that a build of the
same content gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from newsdigest.articles import Article
from newsdigest.config import Config
from newsdigest.feeds import xml_text
from newsdigest.urls import join_base

SITEMAP_LIMIT = 50_000  # URLs per file, from sitemaps.org
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


@dataclass(frozen=True, slots=True)
class SitemapEntry:
    url: str  # site-relative
    lastmod: datetime | None


def split_sitemap(
    entries: Sequence[SitemapEntry], limit: int = SITEMAP_LIMIT
) -> list[tuple[SitemapEntry, ...]]:
    """The entries in parts of at most `limit` URLs; one part when they fit."""
    return [tuple(entries[start : start + limit]) for start in range(0, len(entries), limit)] or [
        ()
    ]


def part_url(number: int) -> str:
    return f"sitemap-{number}.xml"


def urlset(entries: Sequence[SitemapEntry], config: Config) -> bytes:
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    for entry in entries:
        lastmod = f"<lastmod>{entry.lastmod.isoformat()}</lastmod>" if entry.lastmod else ""
        loc = xml_text(join_base(config.base_url, entry.url))
        lines.append(f"  <url><loc>{loc}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def sitemap_index(parts: Sequence[tuple[SitemapEntry, ...]], config: Config) -> bytes:
    lines = ['<?xml version="1.0" encoding="utf-8"?>', f'<sitemapindex xmlns="{SITEMAP_NS}">']
    for number, part in enumerate(parts, start=1):
        loc = xml_text(join_base(config.base_url, part_url(number)))
        newest = max((e.lastmod for e in part if e.lastmod), default=None)
        lastmod = f"<lastmod>{newest.isoformat()}</lastmod>" if newest else ""
        lines.append(f"  <sitemap><loc>{loc}</loc>{lastmod}</sitemap>")
    lines.append("</sitemapindex>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def news_sitemap(articles: Sequence[Article], config: Config) -> bytes:
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">',
    ]
    for article in articles:
        lines += [
            "  <url>",
            f"    <loc>{xml_text(join_base(config.base_url, article.url))}</loc>",
            "    <news:news>",
            "      <news:publication>",
            f"        <news:name>{xml_text(config.title)}</news:name>",
            f"        <news:language>{xml_text(article.lang)}</news:language>",
            "      </news:publication>",
            f"      <news:publication_date>{article.published.isoformat()}</news:publication_date>",
            f"      <news:title>{xml_text(article.title)}</news:title>",
            "    </news:news>",
            "  </url>",
        ]
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(config: Config) -> bytes:
    """Allow everything and name both sitemaps. Crawlers read robots.txt only at a domain's
    root: under a subpath, the build warns that these lines belong in the root's file."""
    sitemaps = [join_base(config.base_url, name) for name in ("sitemap.xml", "news-sitemap.xml")]
    lines = ["User-agent: *", "Disallow:", "", *(f"Sitemap: {url}" for url in sitemaps)]
    return ("\n".join(lines) + "\n").encode()
