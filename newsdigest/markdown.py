"""Markdown to HTML with the configured extensions, through the HTML cache."""

from __future__ import annotations

import hashlib
import json
import re
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from newsdigest.cache import HtmlCache, code_version
from newsdigest.config import Config
from newsdigest.limits import ARTICLE_SECONDS, TimeLimitExceeded, time_limit
from newsdigest.sanitize import clean_html
from newsdigest.typography import NAME as TYPOGRAPHY

# A link with a scheme (https:, mailto:), a site-absolute path or a fragment is left alone.
_ABSOLUTE = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|/|#|\?)")


class _AssetLinks(Treeprocessor):
    """Point relative links and images at the copied files beside the article."""

    def __init__(self, md: markdown.Markdown, prefix: str) -> None:
        super().__init__(md)
        self.prefix = prefix

    def run(self, root: Element) -> None:
        for element in root.iter():
            for attribute in ("src", "href"):
                value = element.get(attribute)
                if value and not _ABSOLUTE.match(value):
                    element.set(attribute, self.prefix + value)


class _AssetLinksExtension(Extension):
    def __init__(self) -> None:
        super().__init__()
        self.prefix = ""

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        self.processor = _AssetLinks(md, "")
        md.treeprocessors.register(self.processor, "newsdigest_asset_links", 0)


class MarkdownRenderer:
    """One Markdown instance reused with reset(), and the HTML cache in front of it."""

    def __init__(self, config: Config, base_path: str) -> None:
        self.base_path = base_path
        self._links = _AssetLinksExtension()
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

    def render(self, body: str, asset_dir: str, *, sanitize: bool) -> str:
        """The body's HTML: from the cache, or rendered and then cached.

        The key is the text given here, the one text that is rendered. The cache holds HTML as
        Markdown made it; a sanitized body is cleaned on its way out, so that an entry planted
        in the cache cannot put a script into a site that strips them.
        """
        key = self._cache.key(body, self.base_path + asset_dir)
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

    def convert(self, body: str, asset_dir: str) -> str:
        """Render Markdown now, without the cache."""
        self._links.processor.prefix = self.base_path + asset_dir
        return str(self._markdown.reset().convert(body))


def extension_module(name: str) -> str:
    """Python-Markdown's name for an extension; `typography` is newsdigest's own."""
    return "newsdigest.typography" if name == TYPOGRAPHY else name


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
