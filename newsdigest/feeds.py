"""Atom (RFC 4287) and JSON Feed 1.1 documents, built in Python rather than from templates.

Feeds are read by machines that reject a whole feed for one bad byte, so they are assembled
with escaping and XML-illegal control characters stripped here, in one place. Every URL is
absolute (feed readers have no page to resolve against), and links inside article HTML are made
absolute too.

An entry's id is a tag URI made of the site's host, the publication day and the content file's
path: it survives a change of title or slug (the URL changes, the file does not).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import PurePosixPath
from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from newsdigest.articles import Article
from newsdigest.config import Config
from newsdigest.pictures import Gallery, sizes_shown
from newsdigest.urls import join_base

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ROOT_RELATIVE = re.compile(r"""(\s(?:href|src)=)(["'])/(?!/)""")


@dataclass(frozen=True, slots=True)
class Feed:
    """One feed: the site's, or a topic's, an author's or a source's."""

    title: str
    description: str
    self_url: str  # site-relative, e.g. "topics/nato/feed.xml"
    page_url: str  # the HTML page it follows, e.g. "topics/nato/"
    articles: tuple[Article, ...]  # newest first, already cut to the configured count


def xml_text(value: str) -> str:
    return escape(_XML_ILLEGAL.sub("", value))


def xml_attr(value: str) -> str:
    return quoteattr(_XML_ILLEGAL.sub("", value))


def absolute_links(html: str, base_url: str) -> str:
    """Root-relative href/src in article HTML ("/digest/x/") as absolute URLs."""
    parts = urlsplit(base_url)
    if not parts.scheme:
        return html
    origin = f"{parts.scheme}://{parts.netloc}/"
    return _ROOT_RELATIVE.sub(lambda m: f"{m.group(1)}{m.group(2)}{origin}", html)


def entry_id(article: Article, config: Config) -> str:
    """tag:host,YYYY-MM-DD:path: stable across title, slug and base path changes."""
    host = urlsplit(config.base_url).hostname or "localhost"
    path = PurePosixPath(article.path)
    if path.parts and path.parts[0] == "content":
        path = PurePosixPath(*path.parts[1:])
    return f"tag:{host},{article.published:%Y-%m-%d}:{path.with_suffix('').as_posix()}"


def credits(article: Article, config: Config) -> list[tuple[str, str]]:
    """Who wrote the article, with the URL of their page on the site: its authors, else its
    sources."""
    if article.authors:
        return [
            (name, join_base(config.base_url, f"authors/{config.author_slug(name)}/"))
            for name in article.authors
        ]
    return [
        (name, join_base(config.base_url, f"sources/{config.source_slug(name)}/"))
        for name in article.sources
    ]


def modified(article: Article) -> datetime:
    return article.updated or article.published


def feed_updated(feed: Feed, config: Config) -> str:
    """The newest change among the entries; the Unix epoch for an empty feed (deterministic)."""
    if not feed.articles:
        return datetime(1970, 1, 1, tzinfo=config.tz).isoformat()
    return max(modified(a) for a in feed.articles).isoformat()


def lead_html(article: Article, config: Config, gallery: Gallery) -> str:
    """The lead image as feed readers show it: a figure with an absolute URL (a raster copy
    about 1200 px wide where the site makes one), its size when known, and its caption."""
    image = article.image
    if image is None or not image.url:
        return ""
    card = gallery.card(article, fallback=False)
    src = card.url if card is not None else image.url
    if ":" not in src:
        src = join_base(config.base_url, src)
    size = f' width="{card.width}" height="{card.height}"' if card and card.width else ""
    html = f"<figure><img src={xml_attr(src)} alt={xml_attr(image.alt)}{size}>"
    if image.caption or image.credit:
        credit = f" <small>{escape(image.credit)}</small>" if image.credit else ""
        html += f"<figcaption>{escape(image.caption)}{credit}</figcaption>"
    return html + "</figure>"


class Entries:
    """Atom entries made once per article: an article sits in the site's feed and in a feed
    per topic, and its entry is the same in each of them."""

    def __init__(self) -> None:
        self._made: dict[tuple[str, bool], tuple[Article, str, list[str]]] = {}

    def atom(
        self,
        article: Article,
        config: Config,
        content: Callable[[Article], str] | None,
        gallery: Gallery | None = None,
    ) -> list[str]:
        key = (article.path, content is not None)
        gallery = gallery or Gallery({}, config)
        lead = lead_html(article, config, gallery)
        sizes = sizes_shown(article, gallery.pictures)
        found = self._made.get(key)
        # Not made, or made for another version of the article or of its images.
        if found is None or found[0] is not article or found[1] != sizes:
            lines = _atom_entry(article, config, content, lead)
            found = self._made[key] = (article, sizes, lines)
        return found[2]


def atom(
    feed: Feed,
    config: Config,
    content: Callable[[Article], str] | None,
    entries: Entries | None = None,
    gallery: Gallery | None = None,
) -> bytes:
    """The Atom document; `content` gives an article's HTML when feeds carry full text."""
    self_url = join_base(config.base_url, feed.self_url)
    page_url = join_base(config.base_url, feed.page_url)
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        f'<feed xmlns="http://www.w3.org/2005/Atom" xml:lang={xml_attr(config.language)}>',
        f"  <id>{xml_text(self_url)}</id>",
        f"  <title>{xml_text(feed.title)}</title>",
    ]
    if feed.description:
        lines.append(f"  <subtitle>{xml_text(feed.description)}</subtitle>")
    lines += [
        f"  <updated>{feed_updated(feed, config)}</updated>",
        f'  <link rel="self" type="application/atom+xml" href={xml_attr(self_url)}/>',
        f'  <link rel="alternate" type="text/html" href={xml_attr(page_url)}/>',
        f"  <author><name>{xml_text(config.title)}</name></author>",
        "  <generator>newsdigest</generator>",
    ]
    made = entries or Entries()
    for article in feed.articles:
        lines += made.atom(article, config, content, gallery)
    lines.append("</feed>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def _atom_entry(
    article: Article, config: Config, content: Callable[[Article], str] | None, lead: str = ""
) -> list[str]:
    link = join_base(config.base_url, article.url)
    # An article in another language than the site's says so, as its page does.
    lang = f" xml:lang={xml_attr(article.lang)}" if article.lang != config.language else ""
    lines = [
        f"  <entry{lang}>",
        f"    <id>{xml_text(entry_id(article, config))}</id>",
        f"    <title>{xml_text(article.title)}</title>",
        f'    <link rel="alternate" type="text/html" href={xml_attr(link)}/>',
        f"    <published>{article.published.isoformat()}</published>",
        f"    <updated>{modified(article).isoformat()}</updated>",
    ]
    for name, page in credits(article, config):
        lines.append(
            f"    <author><name>{xml_text(name)}</name><uri>{xml_text(page)}</uri></author>"
        )
    if article.source_url:
        title = f" title={xml_attr(article.source)}" if article.source else ""
        lines.append(f'    <link rel="via" href={xml_attr(article.source_url)}{title}/>')
    for topic in article.topics:
        lines.append(f"    <category term={xml_attr(topic)}/>")
    if article.summary:
        lines.append(f'    <summary type="text">{xml_text(article.summary)}</summary>')
    html = None
    if content is not None:
        html = lead + absolute_links(content(article), config.base_url)
    elif lead:  # summaries only: the photo and the summary
        html = lead + f"<p>{escape(article.summary)}</p>"
    if html is not None:
        lines.append(
            f'    <content type="html" xml:base={xml_attr(link)}>{xml_text(html)}</content>'
        )
    lines.append("  </entry>")
    return lines


def json_feed(
    feed: Feed,
    config: Config,
    content: Callable[[Article], str] | None,
    gallery: Gallery | None = None,
) -> bytes:
    """The JSON Feed 1.1 document (https://jsonfeed.org/version/1.1)."""
    base = config.base_url
    document: dict[str, object] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": feed.title,
        "home_page_url": join_base(base, feed.page_url),
        "feed_url": join_base(base, feed.self_url),
        "language": config.language,
        "authors": [{"name": config.title}],
        "items": [
            _json_item(article, config, content, gallery or Gallery({}, config))
            for article in feed.articles
        ],
    }
    if feed.description:
        document["description"] = feed.description
    text = json.dumps(document, ensure_ascii=False, indent=2)
    return (_XML_ILLEGAL.sub("", text) + "\n").encode("utf-8")


def _json_item(
    article: Article,
    config: Config,
    content: Callable[[Article], str] | None,
    gallery: Gallery,
) -> dict[str, object]:
    item: dict[str, object] = {
        "id": entry_id(article, config),
        "url": join_base(config.base_url, article.url),
        "title": article.title,
    }
    if content is not None:
        item["content_html"] = absolute_links(content(article), config.base_url)
    else:
        item["content_text"] = article.summary
    item["summary"] = article.summary
    item["date_published"] = article.published.isoformat()
    item["date_modified"] = modified(article).isoformat()
    found = credits(article, config)
    if found:
        item["authors"] = [{"name": name, "url": page} for name, page in found]
    if article.topics:
        item["tags"] = list(article.topics)
    if article.source_url:
        item["external_url"] = article.source_url
    card = gallery.card(article, fallback=False)
    if card is not None:  # a raster copy: readers show no SVG as an item's image
        item["image"] = card.url
    if article.lang != config.language:
        item["language"] = article.lang
    return item


def newest(articles: Sequence[Article], count: int) -> tuple[Article, ...]:
    """The newest `count` articles; the site model keeps lists newest first."""
    return tuple(articles[:count])
