"""What the last build knew, kept in `.newsdigest-cache/` so the next one can skip work.

Two records, both only ever hints:
- `ArticleMemo`: each content file's parsed result, keyed by its path, size and modification
  time. A file whose stat changed is parsed again.
- `PageMemo`: a fingerprint of everything each page was rendered from (its template sources,
  the settings, and the parsed fields of every article it shows). A page whose fingerprint is
  unchanged, and whose file is still in the output folder, is not rendered again.

A record that is missing, corrupt, from another newsdigest version or made with other settings
is ignored and rewritten; nothing is ever read from it without its key matching. Both are
written only after a build succeeded, by an atomic rename.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import pickle
from datetime import date, datetime
from pathlib import Path
from typing import Any

import markdown

from newsdigest import __version__
from newsdigest.articles import Article, Asset
from newsdigest.config import Config
from newsdigest.errors import Problem
from newsdigest.output import MARKER, files_below
from newsdigest.pages import Page
from newsdigest.theme import make_environment

Parsed = tuple[Article | None, list[Problem]]


def settings_digest(config: Config) -> str:
    """Every setting, and newsdigest's version: records made otherwise are not used."""
    data = repr((__version__, markdown.__version__, dataclasses.astuple(config))).encode()
    return hashlib.sha256(data).hexdigest()[:20]


def _write_atomically(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, path)


class ArticleMemo:
    """Parsed content files from the last build, reused while their stat is unchanged."""

    def __init__(self, config: Config) -> None:
        self.path = config.cache_dir / "articles.pickle"
        self.key = settings_digest(config)
        self.old: dict[str, tuple[tuple[int, int], Parsed]] = {}
        self.new: dict[str, tuple[tuple[int, int], Parsed]] = {}
        try:
            key, entries = pickle.loads(self.path.read_bytes())
            if key == self.key and isinstance(entries, dict):
                self.old = entries
        except Exception:
            self.old = {}

    def get(self, name: str, stat: os.stat_result) -> Parsed | None:
        found = self.old.get(name)
        signature = (stat.st_size, stat.st_mtime_ns)
        if found is None or found[0] != signature:
            return None
        self.new[name] = found
        return found[1]

    def put(self, name: str, stat: os.stat_result, parsed: Parsed) -> None:
        self.new[name] = ((stat.st_size, stat.st_mtime_ns), parsed)

    def save(self) -> None:
        if self.new != self.old:
            _write_atomically(self.path, pickle.dumps((self.key, self.new), protocol=5))


class PageMemo:
    """Fingerprints of the pages in the output folder, for skipping unchanged ones."""

    def __init__(self, config: Config, output: Path, asset_names: dict[str, str]) -> None:
        where = hashlib.sha256(str(output.resolve()).encode()).hexdigest()[:12]
        self.path = config.cache_dir / f"pages-{where}.json"
        self.output = output
        assets = hashlib.sha256(repr(sorted(asset_names.items())).encode()).hexdigest()[:12]
        self.key = settings_digest(config) + templates_digest(config) + assets
        self.old: dict[str, str] = {}
        self.new: dict[str, str] = {}
        self.digests: dict[int, tuple[Any, str]] = {}  # per build: id -> (article, digest)
        self.old_inputs: str | None = None
        self.old_files: list[str] = []
        self.page_count = self.old_page_count = 0
        self.inputs: str | None = None
        self.files: list[str] = []
        try:
            document = json.loads(self.path.read_text(encoding="utf-8"))
            if document.get("key") == self.key and isinstance(document.get("pages"), dict):
                self.old = document["pages"]
                self.old_inputs = document.get("inputs")
                self.old_files = list(document.get("files", []))
                self.old_page_count = int(document.get("page_count", 0))
        except Exception:
            self.old = {}

    def nothing_changed(self, inputs: str) -> bool:
        """True when the last build read exactly these inputs and its files are all there.

        Then every page would come out as it is, and the build can stop here: the fast path
        of a rebuild with nothing changed.
        """
        self.inputs = inputs
        if inputs != self.old_inputs or not (self.output / MARKER).exists():
            return False
        present = set(files_below(self.output)) - {MARKER}
        return present == set(self.old_files)

    def record(self, files: set[str], pages: int) -> None:
        """What the successful build wrote, to be compared with by the next one."""
        self.files = sorted(files)
        self.page_count = pages

    def unchanged(self, page: Page) -> bool:
        """True when the page was rendered from exactly these inputs and is still on disk."""
        fingerprint = page_fingerprint(page, self.digests)
        self.new[page.file] = fingerprint
        return self.old.get(page.file) == fingerprint and (self.output / page.file).is_file()

    def save(self) -> None:
        if self.new != self.old or self.inputs != self.old_inputs or self.files != self.old_files:
            document = {
                "key": self.key,
                "inputs": self.inputs,
                "page_count": self.page_count,
                "files": self.files,
                "pages": dict(sorted(self.new.items())),
            }
            _write_atomically(self.path, json.dumps(document).encode())


def inputs_digest(
    memo: ArticleMemo, articles: list[Article], copies: list[Asset], flags: tuple[object, ...]
) -> str:
    """Every input file's stat and the articles this build selects (drafts, the clock)."""
    digest = hashlib.sha256(repr(flags).encode())
    for name, (signature, _) in sorted(memo.new.items()):
        digest.update(f"{name}\0{signature}\0".encode())
    for article in articles:
        digest.update(f"selected\0{article.path}\0".encode())
    for copy in copies:
        stat = copy.source.stat()
        digest.update(f"{copy.url}\0{copy.source}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def templates_digest(config: Config) -> str:
    """The sources of every template a page could use, site overrides first."""
    environment = make_environment(config)
    digest = hashlib.sha256()
    for name in environment.list_templates():
        source, filename, _ = environment.loader.get_source(environment, name)  # type: ignore[union-attr]
        digest.update(f"{name}\0{filename}\0{source}\0".encode())
    return digest.hexdigest()[:20]


def page_fingerprint(page: Page, digests: dict[int, tuple[Any, str]]) -> str:
    parts: list[str] = []
    _stable((page.kind, page.url, page.title, page.description, page.context), digests, parts)
    return _sha1(parts)


def _sha1(parts: list[str]) -> str:
    text = "".join(parts).encode("utf-8", "surrogatepass")
    return hashlib.sha1(text, usedforsecurity=False).hexdigest()


def _stable(value: Any, digests: dict[int, tuple[Any, str]], out: list[str]) -> None:
    """Append a canonical text form of a page context value; an article stands for its fields.

    Appending to one list, not yielding: a sitemap page holds 10,000 entries, and nested
    generators made fingerprinting half of a no-change rebuild.
    """
    if isinstance(value, Article):
        out.append(f"A{_article_digest(value, digests)}")
    elif isinstance(value, (str, int, float, bool)) or value is None:
        out.append(f"{type(value).__name__}:{value!r}\0")
    elif isinstance(value, (datetime, date)):
        out.append(f"t{value.isoformat()}\0")
    elif isinstance(value, (tuple, list)):
        out.append(f"[{len(value)}")
        for item in value:
            _stable(item, digests, out)
    elif isinstance(value, dict):
        out.append(f"{{{len(value)}")
        for key in sorted(value, key=str):
            _stable(key, digests, out)
            _stable(value[key], digests, out)
    elif dataclasses.is_dataclass(value) and _frozen(value):
        # Days, months, years and topics appear on many pages: hash each once per build.
        known = digests.get(id(value))
        if known is None or known[0] is not value:
            parts: list[str] = []
            _fields(value, digests, parts)
            known = digests[id(value)] = (value, _sha1(parts))
        out.append(f"D{known[1]}")
    elif dataclasses.is_dataclass(value):
        _fields(value, digests, out)
    else:
        raise TypeError(f"cannot fingerprint {type(value).__name__}")


def _frozen(value: Any) -> bool:
    return bool(getattr(type(value), "__dataclass_params__").frozen)  # noqa: B009 (mypy)


def _fields(value: Any, digests: dict[int, tuple[Any, str]], out: list[str]) -> None:
    out.append(f"<{type(value).__name__}")
    for name in _field_names(type(value)):
        _stable(getattr(value, name), digests, out)


@functools.cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(item.name for item in dataclasses.fields(kind))


def _article_digest(article: Article, digests: dict[int, tuple[Any, str]]) -> str:
    """All of an article's fields (its repr), hashed once per article object per build."""
    known = digests.get(id(article))
    if known is not None and known[0] is article:
        return known[1]
    text = repr(article).encode("utf-8", "surrogatepass")
    digest = hashlib.sha1(text, usedforsecurity=False).hexdigest()
    digests[id(article)] = (article, digest)
    return digest
