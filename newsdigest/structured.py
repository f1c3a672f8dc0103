"""Structured data (schema.org JSON-LD) for an article's or a page's HTML head (pure).

Search engines and link previews read it. Built here rather than in the template so that a
value the article does not have is left out, never written as "" or [] (which validators
report as errors), and so that authors, sources and the publisher carry their URLs.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from newsdigest.articles import PAGE, Article
from newsdigest.config import Config
from newsdigest.pictures import Card
from newsdigest.urls import join_base


def site_link(url: str, config: Config) -> str:
    """A URL from the settings or front matter as an absolute one: http(s) URLs stay, a path
    on the site is joined to base_url."""
    return url if urlsplit(url).scheme else join_base(config.base_url, url)


def article_data(article: Article, config: Config, card: Card | None = None) -> dict[str, Any]:
    """schema.org NewsArticle for an article, WebPage for a page; no empty values.

    `card` is the page's social card image (pictures.Gallery.card): a raster copy about
    1200 px wide, never an SVG, which search engines do not show either.
    """
    url = join_base(config.base_url, article.url)
    data: dict[str, Any] = {"@context": "https://schema.org"}
    if article.kind == PAGE:
        data |= {"@type": "WebPage", "name": article.title, "url": url}
    else:
        data |= {"@type": "NewsArticle", "headline": article.title, "mainEntityOfPage": url}
    data["description"] = article.summary
    if article.dated:
        data["datePublished"] = article.published.isoformat()
        data["dateModified"] = (article.updated or article.published).isoformat()
    elif article.updated:
        data["dateModified"] = article.updated.isoformat()
    data["inLanguage"] = article.lang
    if article.kind != PAGE:
        data["author"] = _authors(article, config)
    data["publisher"] = publisher(config)
    if card is not None:
        data["image"] = [card.url]
    if article.topics:
        data["keywords"] = list(article.topics)
    if article.source_url:
        data["isBasedOn"] = article.source_url
    return {key: _without_empty(value) for key, value in data.items() if not _empty(value)}


def _authors(article: Article, config: Config) -> list[dict[str, Any]]:
    """Each author as a Person with the URL of their page here (and their own, as sameAs);
    without authors, the sources (or the site) as the organisations that wrote it."""
    if article.authors:
        people = []
        for name in article.authors:
            settings = config.author_settings(name)
            person = {
                "@type": "Person",
                "name": name,
                "url": join_base(config.base_url, f"authors/{config.author_slug(name)}/"),
            }
            if settings.url:
                person["sameAs"] = site_link(settings.url, config)
            people.append(person)
        return people
    if article.sources:
        return [
            {
                "@type": "Organization",
                "name": name,
                "url": join_base(config.base_url, f"sources/{config.source_slug(name)}/"),
            }
            for name in article.sources
        ]
    return [publisher(config)]


def publisher(config: Config) -> dict[str, Any]:
    """The site's publisher: `[tool.newsdigest.publisher]` name, url and logo."""
    settings = config.publisher
    found: dict[str, Any] = {"@type": "Organization", "name": settings.name or config.title}
    home = settings.url or config.base_url
    if urlsplit(home).scheme:
        found["url"] = home
    if settings.logo:
        found["logo"] = {"@type": "ImageObject", "url": site_link(settings.logo, config)}
    return found


def _without_empty(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {key: _without_empty(item) for key, item in value.items()}
        return {key: item for key, item in kept.items() if not _empty(item)}
    if isinstance(value, list):
        return [_without_empty(item) for item in value]
    return value


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)
