"""What newsdigest keeps between builds in `.newsdigest-cache/`: the only reader and writer of it.

- `state/<output>.sqlite`: the `BuildState` of the last good build into one output folder: each
  content file's signature and what reading it gave, each output file's fingerprint, size and
  modification time, each article's related articles, what the search index holds. Plain rows
  of text, numbers and JSON; nothing in it is ever run.
- `html/`: each article body's HTML, in a file named by the hash of the Markdown that was
  rendered and the settings that rendered it.
- `images/`: each smaller (or metadata-free) copy of a photo, in a file named by the hash of
  the source image's bytes, the copy's width and the encoder's settings (photos.py).

Everything here is a hint. A file that is missing, damaged, truncated, from another version of
newsdigest or another site, or made with other settings is ignored and written anew: a build
with a bad cache is slower, never different. When the cache cannot be written (a read-only
folder), the build goes on without it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import markdown

from newsdigest import __version__
from newsdigest.articles import Article, Entry, Extra, Image, Picture, Source
from newsdigest.config import Config
from newsdigest.errors import Cancelled, Problem
from newsdigest.urls import output_file

if TYPE_CHECKING:
    from newsdigest.pages import Plan
    from newsdigest.site import Site

# Raised by hand when the layout of the state changes; fields of Article count by themselves.
STATE_FORMAT = 3


@dataclass(frozen=True, slots=True)
class Output:
    """A file the build wrote: what it was made from, and its size and time once written."""

    fingerprint: str
    size: int
    mtime_ns: int


@dataclass(frozen=True, slots=True)
class BuildState:
    """What the last good build knew. `build()` returns a new one; nothing in it is changed."""

    key: str = ""
    sources: Mapping[str, Source] = field(default_factory=dict)  # by site-relative path
    outputs: Mapping[str, Output] = field(default_factory=dict)  # by output-relative file
    related: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # by article path
    search: Mapping[str, str] = field(default_factory=dict)  # search index bookkeeping
    inputs: str = ""  # a digest of everything but the articles the last build was made from
    pages: int = 0  # how many pages it planned
    # The URL each content file had when the last good build published it, by path; kept when
    # the rest is dropped (new settings, another newsdigest), so that the next build can warn
    # about each URL that went (moves.py).
    published: Mapping[str, str] = field(default_factory=dict)
    # The templates' digests (theme.template_digests): given back to the next build, which
    # parses no template when none changed.
    templates: Mapping[str, str] | None = None
    # Kept in memory by `serve` between rebuilds, never written: the structure and the plan
    # made from it, reused while no article changes its place, with which pages show which
    # article; the page renderer made with the templates.
    site: Site | None = None
    plan: Plan | None = None
    index: Any = None  # pipeline.PlanIndex of that plan
    inputs_then: Any = None  # pipeline.Inputs of the build that made this state
    render_key: str = ""
    renderer: Any = None
    # The search index's files among `outputs` (None: look for them there); the same object
    # while the index is unchanged, so that splitting it by partition is done once.
    bundle: frozenset[str] | None = None


@functools.cache
def code_version() -> str:
    """A digest of newsdigest's own code: a cache made by any other code is not used, so a
    fix in how articles are read or rendered reaches every article without a version bump."""
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(Path(__file__).parent.rglob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def state_key(config: Config) -> str:
    """Everything that changes what reading the content gives: a state made otherwise is
    not used."""
    material = repr(
        (
            STATE_FORMAT,
            code_version(),
            markdown.__version__,
            _layout(Article),
            _layout(Image),
            _layout(Entry),
            _layout(Picture),
            str(config.site_dir.resolve()),
            str(config.output_path),
            dataclasses.astuple(config),
        )
    )
    return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _layout(kind: type) -> tuple[tuple[str, str], ...]:
    return tuple((item.name, str(item.type)) for item in dataclasses.fields(kind))


# -- the state on disk ----------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    path TEXT PRIMARY KEY, size INTEGER, mtime INTEGER, inode INTEGER, entry TEXT,
    article TEXT, problems TEXT NOT NULL, listed TEXT NOT NULL, full TEXT NOT NULL,
    picture TEXT);
CREATE TABLE IF NOT EXISTS outputs (
    file TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, size INTEGER NOT NULL,
    mtime INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS related (path TEXT PRIMARY KEY, paths TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS search (name TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def state_file(config: Config) -> Path:
    where = hashlib.sha256(str(config.output_path).encode("utf-8", "surrogatepass"))
    return config.cache_dir / "state" / f"{where.hexdigest()[:16]}.sqlite"


def lock_file(config: Config) -> Path:
    """The lock that builds of this site into one output folder take turns on."""
    return state_file(config).with_suffix(".lock")


def load_state(config: Config) -> BuildState:
    """The state the last good build into this output folder saved, or an empty one.

    When only the settings changed, the empty state still lists the files of the output folder:
    the build then renders everything, and still knows which files there are its own. A state
    that was not read whole has no key, so that the next save writes the file anew.
    """
    path = state_file(config)
    if not path.is_file():
        return BuildState()
    try:
        with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
            meta = dict(db.execute("SELECT name, value FROM meta").fetchall())
            if meta.get("format") != str(STATE_FORMAT):
                return BuildState()
            outputs = {
                file: Output(str(fingerprint), int(size), int(mtime))
                for file, fingerprint, size, mtime in db.execute("SELECT * FROM outputs")
            }
            if meta.get("key") != state_key(config):
                return BuildState(
                    outputs={
                        file: dataclasses.replace(o, fingerprint="") for file, o in outputs.items()
                    },
                    published=_published(db, outputs),
                )
            sources = {
                str(path): _decode_source(row) for path, *row in db.execute("SELECT * FROM sources")
            }
            related = {
                str(path): tuple(_strings(json.loads(paths)))
                for path, paths in db.execute("SELECT path, paths FROM related")
            }
            search = {str(k): str(v) for k, v in db.execute("SELECT name, value FROM search")}
    except (sqlite3.Error, ValueError, TypeError, KeyError, LookupError, OverflowError):
        # Damaged, truncated, foreign or not a database at all: start again.
        return BuildState()
    return BuildState(
        key=meta["key"],
        sources=sources,
        outputs=outputs,
        related=related,
        search=search,
        templates=_templates(meta.get("templates")),
        inputs=str(meta.get("inputs", "")),
        pages=int(meta.get("pages", 0)),
        published={
            path: source.entry.url
            for path, source in sources.items()
            if source.entry is not None and output_file(source.entry.url) in outputs
        },
    )


def _templates(text: str | None) -> dict[str, str] | None:
    """The templates' digests the last build saved (theme.template_digests), or None."""
    try:
        value = json.loads(text or "null")
    except ValueError:
        return None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        return None
    return {str(name): digest for name, digest in value.items()}


def _published(db: sqlite3.Connection, outputs: Mapping[str, Output]) -> dict[str, str]:
    """Each content file's URL, where the last build published it, read from rows that may
    be in an older layout: only the URL is taken (the second value of every layout so far)."""
    found = {}
    for path, entry in db.execute("SELECT path, entry FROM sources WHERE entry IS NOT NULL"):
        try:
            url = json.loads(entry)[1]
        except (ValueError, TypeError, LookupError):
            continue
        if isinstance(path, str) and isinstance(url, str) and output_file(url) in outputs:
            found[path] = url
    return found


def save_state(
    config: Config,
    old: BuildState,
    new: BuildState,
    cancelled: Callable[[], bool] = lambda: False,
) -> Problem | None:
    """Write what changed between the state loaded and the new one; a warning if it cannot.

    Raises Cancelled once `cancelled()` says so; what was written is rolled back.
    """
    path = state_file(config)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fresh = old.key != new.key or not path.is_file()
        if fresh:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            old = BuildState()
        with contextlib.closing(sqlite3.connect(path, isolation_level=None)) as db:
            db.executescript(_SCHEMA)
            db.execute("BEGIN")
            db.executemany(
                "INSERT OR REPLACE INTO meta VALUES (?, ?)",
                [
                    ("format", str(STATE_FORMAT)),
                    ("key", new.key),
                    ("version", __version__),
                    ("inputs", new.inputs),
                    ("pages", str(new.pages)),
                    ("templates", json.dumps(dict(new.templates or {}), sort_keys=True)),
                ],
            )
            _write_changes(
                db, "sources", "path", old.sources, new.sources,
                lambda path, s: (path, *_encode_source(s)),
                cancelled,
            )  # fmt: skip
            _write_changes(
                db, "outputs", "file", old.outputs, new.outputs,
                lambda file, o: (file, o.fingerprint, o.size, o.mtime_ns),
                cancelled,
            )  # fmt: skip
            _write_changes(
                db, "related", "path", old.related, new.related,
                lambda path, paths: (path, json.dumps(list(paths))),
                cancelled,
            )  # fmt: skip
            _write_changes(
                db, "search", "name", old.search, new.search, lambda name, value: (name, value),
                cancelled,
            )  # fmt: skip
            if cancelled():
                raise Cancelled  # closing the connection rolls the transaction back
            db.execute("COMMIT")
    except (OSError, sqlite3.Error) as error:
        with contextlib.suppress(OSError):
            path.unlink()  # half a state is worse than none
        return Problem(
            str(config.cache_dir.name),
            f"cannot write the build cache ({error}); the next build starts from scratch",
            severity="warning",
        )
    return None


def _write_changes(
    db: sqlite3.Connection,
    table: str,
    key: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    row: Any,
    cancelled: Callable[[], bool],
) -> None:
    gone = [(name,) for name in old if name not in new]
    db.executemany(f"DELETE FROM {table} WHERE {key} = ?", gone)
    changed = []
    for count, (name, value) in enumerate(new.items()):
        if count % 500 == 0 and cancelled():
            raise Cancelled
        if (before := old.get(name)) is not value and before != value:
            changed.append(row(name, value))
    if changed:
        marks = ", ".join("?" * len(changed[0]))
        db.executemany(f"INSERT OR REPLACE INTO {table} VALUES ({marks})", changed)


def _encode_source(source: Source) -> tuple[Any, ...]:
    size, mtime, inode = source.signature or (None, None, None)
    entry = json.dumps(encode(source.entry), ensure_ascii=False) if source.entry else None
    article = json.dumps(encode(source.article), ensure_ascii=False) if source.entry else None
    problems = (
        json.dumps([dataclasses.asdict(p) for p in source.problems], ensure_ascii=False)
        if source.problems
        else ""
    )
    picture = json.dumps(encode(source.picture)) if source.picture is not None else None
    digests = source.digests
    return size, mtime, inode, entry, article, problems, digests[0], digests[1], picture


def _decode_source(row: tuple[Any, ...]) -> Source:
    """A source row; its article is decoded only when asked for (see Source)."""
    size, mtime, inode, entry, article, problems, listed, full, picture = row
    signature = None
    if size is not None:
        signature = (_integer(size), _integer(mtime), _integer(inode))
    return Source(
        signature=signature,
        problems=tuple(Problem(**item) for item in json.loads(problems)) if problems else (),
        digests=(str(listed), str(full)),
        entry=decode(json.loads(entry), Entry) if entry else None,
        load=(lambda: decode(json.loads(article), Article)) if article else None,
        picture=decode(json.loads(picture), Picture) if picture else None,
    )


@functools.cache
def _zone(key: str) -> ZoneInfo:
    return ZoneInfo(key)


def _integer(value: Any) -> int:
    if type(value) is not int:
        raise ValueError("not a number")
    return value


def _strings(value: Any) -> list[str]:
    # The types seen, as a set: checked at C speed, as the state holds 10,000s of these lists.
    if type(value) is not list or not set(map(type, value)) <= _ONLY_STR:
        raise ValueError("not a list of strings")
    return value


_ONLY_STR = frozenset({str})


# -- records as JSON: a closed set of types, so nothing else can come back -----------------
#
# An Article is kept as a JSON list of its fields in order, each converted by its declared
# type; reading one back checks every value's type. A field of a type not listed here makes
# saving fail loudly in the tests, never a wrong value in a build.

Codec = tuple[Callable[[Any], Any], Callable[[Any], Any]]


def _exactly(kind: type) -> Codec:
    def check(value: Any) -> Any:
        if type(value) is not kind:
            raise ValueError(f"expected {kind.__name__} in the cache")
        return value

    return check, check


def _optional(codec: Codec) -> Codec:
    encode, decode = codec
    return (
        lambda value: None if value is None else encode(value),
        lambda value: None if value is None else decode(value),
    )


def _moment_codec() -> Codec:
    def encode(value: datetime) -> list[str | None]:
        zone = value.tzinfo.key if isinstance(value.tzinfo, ZoneInfo) else None
        return [value.isoformat(), zone]

    def decode(value: Any) -> datetime:
        text, zone = value
        moment = datetime.fromisoformat(text)
        return moment.astimezone(_zone(zone)) if zone else moment

    return encode, decode


def _strings_codec() -> Codec:
    def decode(value: Any) -> tuple[str, ...]:
        return tuple(_strings(value))

    return list, decode


@functools.cache
def _codec(annotation: str) -> Codec:
    """How a field declared with this type is kept."""
    if annotation.endswith(" | None"):
        return _optional(_codec(annotation.removesuffix(" | None")))
    simple = {"str": str, "bool": bool, "int": int}
    if annotation in simple:
        return _exactly(simple[annotation])
    if annotation == "datetime":
        return _moment_codec()
    if annotation == "tuple[str, ...]":
        return _strings_codec()
    if annotation in _RECORDS:
        return _record_codec(_RECORDS[annotation])
    if annotation == "Extra":
        return Extra.to_json, Extra.from_json
    raise TypeError(f"no cache codec for a field of type {annotation}")


def _record_codec(kind: type) -> Codec:
    names = [item.name for item in dataclasses.fields(kind)]
    codecs = [_codec(str(item.type)) for item in dataclasses.fields(kind)]

    def encode(value: Any) -> list[Any]:
        return [codec[0](getattr(value, name)) for name, codec in zip(names, codecs, strict=True)]

    decoders = [codec[1] for codec in codecs]

    def decode(value: Any) -> Any:
        if type(value) is not list or len(value) != len(decoders):
            raise ValueError(f"not a {kind.__name__} in the cache")
        return kind(*[field(item) for field, item in zip(decoders, value, strict=True)])

    return encode, decode


_RECORDS: dict[str, type] = {
    "Article": Article,
    "Image": Image,
    "Entry": Entry,
    "Picture": Picture,
}


def encode(value: Any) -> Any:
    """A JSON value for a record (an Article)."""
    return _codec(type(value).__name__)[0](value)


def decode(value: Any, kind: type) -> Any:
    """The record `encode` was given; ValueError or TypeError for anything else."""
    return _codec(kind.__name__)[1](value)


# -- rendered HTML ----------------------------------------------------------------------------


class HtmlCache:
    """Rendered HTML in files named by hash; a damaged entry is ignored and written again.

    The key is made from the Markdown that was actually rendered, so a file saved while a build
    reads it can never have its new text filed under its old text's key.
    """

    def __init__(self, config: Config, settings: str) -> None:
        self.folder = config.cache_dir / "html"
        self.settings = settings
        self.made: set[Path] = set()  # folders known to exist: a cold build stores thousands

    def key(self, body: str, link_prefix: str) -> str:
        material = f"{self.settings}\0{link_prefix}\0{body}"
        return hashlib.sha256(material.encode("utf-8", "surrogatepass")).hexdigest()

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
        encoded = html.encode("utf-8")
        data = key.encode() + b" " + _digest(encoded) + b"\n" + encoded
        for _ in range(2):
            try:
                if path.parent not in self.made:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    self.made.add(path.parent)
                with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as handle:
                    handle.write(data)
                os.replace(handle.name, path)
                return
            except FileNotFoundError:  # its folder was removed meanwhile (`clean` in serve)
                self.made.discard(path.parent)
            except OSError:
                return  # A cache that cannot be written only costs time.


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).hexdigest()[:16].encode()


# -- copies of images ------------------------------------------------------------------------


class ImageCache:
    """Copies of photos in files named by their key (photos.py makes it from the source's
    bytes, the width and the encoder's settings); a damaged entry is ignored and made again."""

    def __init__(self, config: Config) -> None:
        self.folder = config.cache_dir / "images"

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.bin"

    def get(self, key: str) -> bytes | None:
        try:
            data = self._path(key).read_bytes()
        except OSError:
            return None
        header, _, body = data.partition(b"\n")
        if header != key.encode() + b" " + _digest(body):
            return None
        return body

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as handle:
                handle.write(key.encode() + b" " + _digest(data) + b"\n" + data)
            os.replace(handle.name, path)
        except OSError:
            pass  # A cache that cannot be written only costs time.
