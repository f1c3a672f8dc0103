"""Markdown to HTML with the configured extensions, cached on disk by content hash."""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

from newsdigest import __version__
from newsdigest.config import Config
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
    """One Markdown instance reused with reset(), and the cache in front of it."""

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
        self._cache = RenderCache(config.cache_dir / "html", settings_key(config))

    def render(
        self, body_hash: str, asset_dir: str, read_body: Callable[[], str], *, sanitize: bool
    ) -> str:
        """The article's HTML: from the cache, or rendered and then cached."""
        key = self._cache.key(body_hash, self.base_path + asset_dir, sanitize)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        html = self.convert(read_body(), asset_dir, sanitize=sanitize)
        self._cache.put(key, html)
        return html

    def convert(self, body: str, asset_dir: str, *, sanitize: bool) -> str:
        """Render Markdown now, without the cache."""
        self._links.processor.prefix = self.base_path + asset_dir
        html = self._markdown.reset().convert(body)
        if sanitize:
            from newsdigest.sanitize import clean_html

            html = clean_html(html)
        return html


def extension_module(name: str) -> str:
    """Python-Markdown's name for an extension; `typography` is newsdigest's own."""
    return "newsdigest.typography" if name == TYPOGRAPHY else name


def settings_key(config: Config) -> str:
    """Everything besides the body that changes the HTML: a cache made otherwise is not used."""
    settings = {
        "version": __version__,
        "markdown": markdown.__version__,
        "extensions": list(config.markdown_extensions),
        "configs": config.markdown_extension_configs,
    }
    encoded = json.dumps(settings, sort_keys=True, default=str).encode()
    return hashlib.sha256(encoded).hexdigest()[:16]


class RenderCache:
    """Rendered HTML in files named by hash; a damaged entry is ignored and written again."""

    def __init__(self, folder: Path, settings: str) -> None:
        self.folder = folder
        self.settings = settings

    def key(self, body_hash: str, link_prefix: str, sanitize: bool) -> str:
        material = f"{self.settings}\0{body_hash}\0{link_prefix}\0{sanitize}".encode()
        return hashlib.sha256(material).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.html"

    def get(self, key: str) -> str | None:
        try:
            data = self._path(key).read_bytes()
        except OSError:
            return None
        # Each entry starts with its key and a digest of its HTML: a damaged file is not trusted.
        header, _, html = data.partition(b"\n")
        if header != key.encode() + b" " + _digest(html):
            return None
        try:
            return html.decode("utf-8")
        except UnicodeDecodeError:
            return None

    def put(self, key: str, html: str) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as handle:
                encoded = html.encode("utf-8")
                handle.write(key.encode() + b" " + _digest(encoded) + b"\n" + encoded)
            os.replace(handle.name, path)
        except OSError:
            pass  # A cache that cannot be written only costs time.


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).hexdigest()[:16].encode()
