"""Markdown to HTML with the configured extensions, through the HTML cache."""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from urllib.parse import unquote
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.postprocessors import Postprocessor
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


def _published_address(value: str, place: Place) -> str | None:
    """Where a link or image of a body points, as a reader's browser must find it; None to
    leave it as written:

    - `chart.png`, `../photos/x.jpg`: files beside the article, where they are published;
    - `/2024/08/31/x/`, `/images/a.png`: from the site's root, so under the base_url's path
      (unless written with that path already);
    - `../08/other.md`, `/2024/08/other.md#part`: another article's file, its page's URL.
    """
    if not value or _ELSEWHERE.match(value):
        return None
    target, mark, rest = value.partition("#")
    if target.lower().endswith(".md"):
        url = place.links.get(resolve_link(unquote(target), place.folder))
        if url is not None:
            return place.base_path + url + mark + rest
    if value.startswith(place.base_path):
        return None  # written with the base path already
    if value.startswith("/"):
        return place.base_path + value[1:]
    return place.base_path + resolve_url(place.asset_dir, value)


class _BodyLinks(Treeprocessor):
    """The links and images Markdown made (see _published_address)."""

    place = Place()

    def run(self, root: Element) -> None:
        for element in root.iter():
            for attribute in ("src", "href"):
                address = _published_address(element.get(attribute, ""), self.place)
                if address is not None:
                    element.set(attribute, address)


# A tag of HTML written in the body (Markdown keeps that HTML aside, so the tree above never
# sees it; in code, Markdown has escaped the "<" already), and an src or href in it.
_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_ATTRIBUTE = re.compile(r"""(?<=\s)(src|href)(\s*=\s*)(?:"([^"]*)"|'([^']*)')""", re.I)


class _HtmlLinks(Postprocessor):
    """The links and images of HTML written in the body, once Markdown has put it back: the
    same addresses as Markdown's own (see _published_address), which are given already."""

    def __init__(self, md: markdown.Markdown, links: _BodyLinks) -> None:
        super().__init__(md)
        self.links = links  # whose place is this body's

    def run(self, text: str) -> str:
        if not self.md.htmlStash.rawHtmlBlocks:
            return text  # no HTML written in this body: what Markdown made is done
        place = self.links.place

        def address(match: re.Match[str]) -> str:
            value = match.group(3) if match.group(3) is not None else match.group(4)
            found = _published_address(html.unescape(value), place)
            if found is None:
                return match.group(0)
            quote = '"' if match.group(3) is not None else "'"
            escaped = html.escape(found, quote=True)
            return f"{match.group(1)}{match.group(2)}{quote}{escaped}{quote}"

        return _TAG.sub(lambda tag: _ATTRIBUTE.sub(address, tag.group(0)), text)


class _BodyLinksExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        self.processor = _BodyLinks(md)
        md.treeprocessors.register(self.processor, "newsdigest_body_links", 0)
        # After Markdown puts the body's HTML back (its raw_html postprocessor, at 30).
        raw = _HtmlLinks(md, self.processor)
        md.postprocessors.register(raw, "newsdigest_html_links", 5)


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
