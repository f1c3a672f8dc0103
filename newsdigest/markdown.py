"""Markdown to HTML with the configured extensions, through the HTML cache."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import unquote
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from newsdigest.cache import HtmlCache, code_version
from newsdigest.config import Config, extension_module
from newsdigest.limits import ARTICLE_SECONDS, TimeLimitExceeded, time_limit
from newsdigest.sanitize import clean_html
from newsdigest.urls import resolve_link, resolve_url

# A link with a scheme (https:, mailto:), to another host (//), or within the page is left alone.
_ELSEWHERE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|//|#|\?)")


@dataclass(slots=True)
class Place:
    """Where the body being rendered sits, and the URLs of the files it links to."""

    base_path: str = "/"  # "/digest/" under a subpath
    asset_dir: str = ""  # site-relative URL of the article's folder: "2024/08/"
    folder: str = "content"  # the article file's folder, site-relative: "content/2024/08"
    links: Mapping[str, str] = field(default_factory=dict)  # content file -> its URL


class _BodyLinks(Treeprocessor):
    """Links and images in a body, as a reader's browser must find them:

    - `chart.png`, `../photos/x.jpg`: files beside the article, where they are published;
    - `/2024/08/31/x/`, `/images/a.png`: from the site's root, so under the base_url's path
      (unless written with that path already);
    - `../08/other.md`, `/2024/08/other.md#part`: another article's file, its page's URL.
    """

    place = Place()

    def run(self, root: Element) -> None:
        place = self.place
        for element in root.iter():
            for attribute in ("src", "href"):
                value = element.get(attribute)
                if not value or _ELSEWHERE.match(value):
                    continue
                target, mark, rest = value.partition("#")
                if target.lower().endswith(".md"):
                    url = place.links.get(resolve_link(unquote(target), place.folder))
                    if url is not None:
                        element.set(attribute, place.base_path + url + mark + rest)
                        continue
                if value.startswith(place.base_path):
                    continue  # written with the base path already
                if value.startswith("/"):
                    element.set(attribute, place.base_path + value[1:])
                else:  # `../photos/x.jpg`: the address the photo is published at
                    element.set(attribute, place.base_path + resolve_url(place.asset_dir, value))


class _BodyLinksExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        self.processor = _BodyLinks(md)
        md.treeprocessors.register(self.processor, "newsdigest_body_links", 0)


class MarkdownRenderer:
    """One Markdown instance reused with reset(), and the HTML cache in front of it."""

    def __init__(self, config: Config, base_path: str) -> None:
        self.base_path = base_path
        self._links = _BodyLinksExtension()
        self._markdown = markdown.Markdown(
            extensions=[*map(extension_module, config.markdown_extensions), self._links],
            extension_configs={
                extension_module(name): settings
                for name, settings in config.markdown_extension_configs.items()
            },
            output_format="html",
        )
        self._cache = HtmlCache(config, settings_key(config))
        self._too_slow: set[str] = set()

    def render(
        self,
        body: str,
        asset_dir: str,
        *,
        sanitize: bool,
        folder: str = "content",
        links: Mapping[str, str] | None = None,
    ) -> str:
        """The body's HTML: from the cache, or rendered and then cached.

        The key is the text given here, the one text that is rendered, with where it sits and
        the URLs of the files it links to. The cache holds HTML as Markdown made it; a
        sanitized body is cleaned on its way out, so that an entry planted in the cache cannot
        put a script into a site that strips them.
        """
        links = links or {}
        key = self.cache_key(body, asset_dir, folder, links)
        self._links.processor.place = Place(self.base_path, asset_dir, folder, links)
        html = self._cache.get(key)
        if html is None:
            if key in self._too_slow:  # a feed asks again for a body that timed out
                raise TimeLimitExceeded(ARTICLE_SECONDS)
            try:
                with time_limit(ARTICLE_SECONDS):
                    html = self.convert(body, asset_dir)
            except TimeLimitExceeded:
                self._too_slow.add(key)
                raise
            self._cache.put(key, html)
        return clean_html(html) if sanitize else html

    def cache_key(
        self,
        body: str,
        asset_dir: str,
        folder: str = "content",
        links: Mapping[str, str] | None = None,
    ) -> str:
        """The HTML cache's key for a body rendered in this place."""
        where = f"{self.base_path}{asset_dir}\0{folder}\0{sorted((links or {}).items())!r}"
        return self._cache.key(body, where)

    def convert(self, body: str, asset_dir: str) -> str:
        """Render Markdown now, without the cache (links resolve from the place `render` set)."""
        place = self._links.processor.place
        self._links.processor.place = replace(place, base_path=self.base_path, asset_dir=asset_dir)
        return str(self._markdown.reset().convert(body))


def settings_key(config: Config) -> str:
    """Everything besides the body that changes the HTML: a cache made otherwise is not used."""
    settings = {
        "version": code_version(),
        "markdown": markdown.__version__,
        "extensions": list(config.markdown_extensions),
        "configs": config.markdown_extension_configs,
    }
    encoded = json.dumps(settings, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]
