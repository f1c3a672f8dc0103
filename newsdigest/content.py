"""Walk the site folder, split front matter, validate it: the only reader of the site's files."""

from __future__ import annotations

import contextlib
import difflib
import functools
import hashlib
import os
import posixpath
import re
import reprlib
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, time
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import markdown
import yaml

from newsdigest.articles import (
    ARTICLE,
    NO_EXTRA,
    PAGE,
    UNDATED,
    Article,
    Asset,
    Extra,
    Image,
    Source,
)
from newsdigest.config import Config, extension_module
from newsdigest.errors import Problem
from newsdigest.imaging import ImageError, is_raster, probe
from newsdigest.limits import (
    EARLIEST_YEAR,
    LATEST_YEAR,
    MAX_FRONT_MATTER_BYTES,
    MAX_TOPIC_LENGTH,
    MAX_TOPICS,
    MAX_YAML_VALUES,
    TEXT_LENGTHS,
)
from newsdigest.pictures import body_pictures
from newsdigest.stories import MAX_STORY_ID, NONE, sketch
from newsdigest.typography import NAME as TYPOGRAPHY
from newsdigest.typography import TypographyExtension
from newsdigest.urls import (
    FILE_SUFFIXES,
    clean_url,
    permalink,
    resolve_link,
    resolve_url,
    slugify,
)
from newsdigest.workers import READ_THRESHOLD, Batch, in_batches

FIELDS = (
    "title",
    "date",
    "updated",
    "slug",
    "topics",
    "summary",
    "source",
    "source_url",
    "author",
    "image",
    "draft",
    "lang",
    "sanitize",
    "import_digest",
    "aliases",
    "template",
    "extra",
    "story",
)
# Fields that place an article in lists and feeds; a page (content/pages/) has none of them.
ARTICLE_ONLY = ("topics", "source", "source_url", "author")
PAGES_FOLDER = "pages"
MAX_NAMES = 20  # authors or sources of one article
MAX_ALIASES = 100
IMAGE_FIELDS = ("src", "alt", "caption", "credit")
SUMMARY_LENGTH = 240
# Characters of the first paragraph a summary is made from (see first_paragraph_text).
SUMMARY_SOURCE = 2_000
MAX_NESTING = 100
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:|^/", re.IGNORECASE)
_PLAIN_MARKDOWN = markdown.Markdown()
_CURLY_MARKDOWN = markdown.Markdown(extensions=[TypographyExtension()])
# Headings, quotes, tables, lists, images, raw HTML, code: not the paragraph a summary is made of.
_NOT_A_PARAGRAPH = re.compile(r"^([#>|]|[-*+] |\d+[.)] |!\[|<|```|~~~|    |\[\^)")
# Editors leave these beside the files they save; they are never content.
_TEMPORARY = re.compile(r"(^\.#|^#.*#$|~$|\.sw[a-p]$|^4913$|___jb_(tmp|old)___$|^\.DS_Store$)")
# Seconds within which a file changed again may keep its size and modification time (file
# systems keep time in ticks of a few milliseconds): a file read that soon after its last change
# is read again next time, whatever its signature says.
RACY_SECONDS = 0.05


def is_temporary(name: str) -> bool:
    """True for editor swap, backup and safe-write files, which are never content."""
    return bool(_TEMPORARY.search(name))


def is_hidden(name: str) -> bool:
    """Dotfiles and dot-folders (.git, .obsidian): never content, but published from static/."""
    return name.startswith(".")


def walk_files(
    folder: Path, site_dir: Path, skip: Callable[[str], bool] = is_temporary
) -> tuple[list[Path], list[Problem]]:
    """Every file below a folder, sorted, and a warning for each symlink that leaves the site.

    A symlink is followed only when its target is inside the site folder: a link to
    /etc/passwd or to a folder elsewhere is never published.
    """
    found, problems = _walk(folder, site_dir, skip)
    return [Path(path) for path, _ in found], problems


def _walk(
    folder: Path, site_dir: Path, skip: Callable[[str], bool]
) -> tuple[list[tuple[str, os.stat_result]], list[Problem]]:
    """walk_files' files as text, each with its stat: a 10,000-article site is walked on
    every build, and path objects and second stat calls were most of that walk's time."""
    files: list[tuple[str, os.stat_result]] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return files, problems
    site = site_dir.resolve()
    seen: set[Path] = set()  # folders reached through symlinks, against loops

    def walk(current: str) -> None:
        try:
            with os.scandir(current) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if skip(entry.name):
                continue
            linked = entry.is_symlink()
            if linked:
                path = Path(entry.path)
                if warning := _leaves(path, site, site_dir):
                    problems.append(warning)
                    continue
            try:
                if entry.is_dir():
                    if linked:
                        real = Path(entry.path).resolve()
                        if real in seen:
                            continue
                        seen.add(real)
                    walk(entry.path)
                elif entry.is_file():
                    files.append((entry.path, entry.stat()))
            except OSError:  # gone since it was listed
                continue

    walk(str(folder))
    return sorted(files), problems


def _leaves(path: Path, site: Path, site_dir: Path) -> Problem | None:
    """A warning when a symlink points outside the site folder (or nowhere)."""
    target = path.resolve()
    if target.is_relative_to(site) and target.exists():
        return None
    return Problem(
        path.relative_to(site_dir).as_posix(),
        "symlink to outside the site folder, not published",
        hint="copy the file into the site instead",
        severity="warning",
    )


def _skip_in_content(name: str) -> bool:
    return is_temporary(name) or is_hidden(name)


def scan_content(
    config: Config,
    known: Mapping[str, Source],
    changed: Iterable[Path] | None = None,
    jobs: int = 1,
) -> tuple[dict[str, Source], list[Problem]]:
    """Every file below content/ as a Source: read again when new or changed, else as known.

    Without `changed`, every file's signature (size, modification time, inode) is compared
    with the known one. With the paths the watcher saw, only those are looked at again.
    """
    site_dir = config.site_dir
    prefix = len(str(site_dir)) + 1
    if changed is None:
        files, problems = _walk(config.content_dir, site_dir, _skip_in_content)
        sources: dict[str, Source] = {}
    else:
        sources, problems, files = dict(known), [], []
        for path in sorted(set(changed)):
            if not path.is_relative_to(config.content_dir):
                continue
            name = path.relative_to(site_dir).as_posix()
            if name in sources:  # a file: read again below, in its place, if it is still there
                if not path.is_file():
                    del sources[name]
            else:  # perhaps a folder: what was below it
                for gone in [key for key in sources if key.startswith(name + "/")]:
                    del sources[gone]
            relative = path.relative_to(config.content_dir).parts
            if any(_skip_in_content(part) for part in relative):
                continue
            if path.is_dir():
                found, warnings = _walk(path, site_dir, _skip_in_content)
                files += found
                problems += warnings
            elif path.is_symlink() and (warning := _leaves(path, site_dir.resolve(), site_dir)):
                problems.append(warning)
            elif path.is_file():
                with contextlib.suppress(OSError):
                    files.append((str(path), path.stat()))
    now = datetime.now().timestamp()
    added = False
    unread: list[tuple[str, str, os.stat_result]] = []
    for file, stat in files:
        name = file[prefix:].replace(os.sep, "/")
        added = added or name not in known
        source = known.get(name)
        if source is not None and source.signature == _signature(stat):
            sources[name] = source
        else:
            unread.append((name, file, stat))

    def read(batch: Batch) -> list[Source]:
        return [
            read_source(Path(path), stat, now, config)
            for _, path, stat in unread[batch[1] : batch[2]]
        ]

    # A first build reads every file: over the worker processes, as rendering is.
    batches = in_batches(read, [len(unread)], jobs, threshold=READ_THRESHOLD)
    read_all = [source for found in batches for source in found]
    for (name, _, _), source in zip(unread, read_all, strict=True):
        sources[name] = source
    if changed is not None and (added or len(sources) != len(known)):
        sources = dict(sorted(sources.items()))  # by path, as a full walk gives them
    return sources, problems


def _signature(stat: os.stat_result) -> tuple[int, int, int]:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ino)


def read_source(path: Path, stat: os.stat_result, now: float, config: Config) -> Source:
    """A content file read: its article, or its problems; a file beside the articles."""
    signature: tuple[int, int, int] | None = _signature(stat)
    if now - stat.st_mtime < RACY_SECONDS:
        signature = None  # changed a moment ago: it may change again within the same tick
    if is_raster(path.name):
        return read_picture(path, signature, config)
    if path.suffix.lower() != ".md":
        return Source(signature, None)
    article, problems = read_article(path, config)
    return Source(signature, article, tuple(problems))


def read_picture(path: Path, signature: tuple[int, int, int] | None, config: Config) -> Source:
    """A raster image beside the articles: its header read (pictures.py says why here), or a
    warning naming it when it cannot be; such a file is then copied as it is."""
    name = path.relative_to(config.site_dir).as_posix()
    try:
        picture = probe(path.read_bytes())
    except OSError as error:
        return Source(None, None, (Problem(name, f"cannot read: {error.strerror}"),))
    except ImageError as error:
        warning = Problem(
            name,
            f"image cannot be read: {error}; it is copied as it is, without smaller copies, "
            "its size or the removal of its metadata",
            hint="open it in an image editor and save it again, or remove it",
            severity="warning",
        )
        return Source(signature, None, (warning,))
    problems: tuple[Problem, ...] = ()
    if not picture.resizable:
        problems = (
            Problem(
                name,
                f"image of {picture.width:,} × {picture.height:,} pixels is published at its own "
                "size only: animations and images over 100 million pixels are not resized",
                hint="save a smaller version for the web",
                severity="warning",
            ),
        )
    return Source(signature, None, problems, picture=picture)


def asset_of(name: str, config: Config) -> Asset:
    """A file beside the articles, published at its place below content/."""
    path = config.site_dir / name
    return Asset(path, clean_url(path.relative_to(config.content_dir).as_posix()))


def list_static(config: Config, theme_static: Path) -> tuple[list[Asset], list[Problem]]:
    """Static files of the theme, each overridden by the site's file of the same name.

    Dotfiles are published (.nojekyll, .well-known/security.txt, .htaccess); editors'
    temporary files and version control folders are not.
    """
    by_url: dict[str, Asset] = {}
    problems: list[Problem] = []
    for folder in (theme_static, config.static_dir):
        found, warnings = walk_files(folder, config.site_dir, _skip_in_static)
        problems += warnings if folder == config.static_dir else []
        for path in found:
            url = path.relative_to(folder).as_posix()
            by_url[url] = Asset(path, url)
    return [by_url[url] for url in sorted(by_url)], problems


def _skip_in_static(name: str) -> bool:
    return is_temporary(name) or name in (".git", ".hg", ".svn")


def read_body(site_dir: Path, path: str) -> str:
    """The Markdown body of an article, read when it is rendered."""
    text = (site_dir / path).read_text(encoding="utf-8")
    parts = _split(text)
    return parts[1] if parts else ""  # the file lost its front matter since it was read


def read_article(path: Path, config: Config) -> tuple[Article | None, list[Problem]]:
    """Parse and validate one content file; None when it has errors."""
    name = path.relative_to(config.site_dir).as_posix()
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        return None, [
            Problem(name, f"not UTF-8 text (byte {error.start})", hint="save the file as UTF-8")
        ]
    if "\x00" in text:
        return None, [Problem(name, "binary file, not Markdown", hint="move it out of content/")]
    if not text.strip():
        return None, [Problem(name, "empty file", hint="add front matter with title and date")]
    if not _FENCE.match(text):
        return None, [
            Problem(
                name,
                "no front matter",
                line=1,
                hint="start the file with --- and a title: and date: line",
            )
        ]
    parts = _split(text)
    if parts is None:
        return None, [
            Problem(
                name,
                "front matter never closes",
                line=1,
                hint="end it with a line of three dashes: ---",
            )
        ]
    front, body = parts
    size = len(front.encode("utf-8"))
    if size > MAX_FRONT_MATTER_BYTES:
        return None, [
            Problem(
                name,
                f"front matter is {size / 1024:,.0f} KB; "
                f"at most {MAX_FRONT_MATTER_BYTES // 1024} KB are allowed",
                line=1,
                hint="move long text into the body, below the second ---",
            )
        ]
    try:
        node, meta = _parse_yaml(front)
    except _Refused as refused:
        return None, [Problem(name, refused.message, line=refused.line, hint=refused.hint)]
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(error, "problem", None) or str(error)
        return None, [Problem(name, f"invalid YAML: {_one_line(problem, 100)}", line=line)]
    if not isinstance(meta, dict):
        return None, [Problem(name, "front matter must be a mapping of field: value", line=2)]
    lines = _field_lines(node)
    body_line = len(text.splitlines()) - len(body.splitlines()) + 1
    return _validate(name, meta, lines, body, body_line, config)


# An opening or closing line of front matter: three or more dashes, nothing else.
_FENCE = re.compile(r"^-{3,}[^\S\n]*$", re.MULTILINE)


def _split(text: str) -> tuple[str, str] | None:
    """Front matter and body; None when the text has no front matter or it never closes.

    The front matter keeps the end of the opening line, so that its line n is the file's
    line n + 1 (a YAML error's mark names the file's line).
    """
    opening = _FENCE.match(text)
    if opening is None:
        return None
    closing = _FENCE.search(text, opening.end() + 1)
    if closing is None:
        return None
    return text[opening.end() : closing.start()], text[closing.end() :].lstrip("\r\n")


class _Refused(Exception):
    """Front matter refused before its values are built: a message for the file's line."""

    def __init__(self, message: str, line: int, hint: str) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.hint = hint


# libyaml's loader when PyYAML was built with it: ten times faster than the Python one.
_SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _FrontMatterLoader(_SAFE_LOADER):  # type: ignore[misc]  # a base class only known at runtime
    """The safe loader, where every value that cannot be built is a YAML error at its line.

    PyYAML's constructors raise ValueError, KeyError and others with no line (`!!float x`,
    `!!bool x`, an integer of 5,000 digits).
    """

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except yaml.YAMLError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, OverflowError) as error:
            kind = str(node.tag).rsplit(":", 1)[-1]
            what = shown(node.value) if isinstance(node, yaml.ScalarNode) else "this value"
            raise yaml.constructor.ConstructorError(
                None, None, f"cannot read {what} as {kind}", node.start_mark
            ) from error


def _timestamp_or_text(loader: Any, node: yaml.ScalarNode) -> Any:
    """A YAML date or time; one that cannot exist (2024-02-30, 24:00) stays text for _moment
    to explain, as it explains the same text in quotes."""
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return loader.construct_scalar(node)


_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_or_text)


def _parse_yaml(front: str) -> tuple[yaml.Node | None, Any]:
    """The front matter's node tree (for line numbers) and its values, in one pass.

    Aliases are counted out before any value is built: a few hundred bytes of nested
    aliases stand for billions of values, which must never be built or printed.
    """
    loader = _FrontMatterLoader(front)
    try:
        try:
            node = loader.get_single_node()
        except RecursionError:  # the Python loader, without libyaml's limit of 1,000 levels
            raise _Refused("front matter nested too deeply", 1, "flatten the lists") from None
        if node is not None:
            _count_values(node)
        meta = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, meta or {}


def _count_values(root: yaml.Node) -> None:
    """Refuse front matter of more than MAX_YAML_VALUES values, aliases expanded, at the
    line of the field that passes the limit."""
    sizes: dict[int, int] = {}
    pairs = root.value if isinstance(root, yaml.MappingNode) else [(root, None)]
    total = 0
    for key, value in pairs:
        total += _expanded_size(key, sizes)
        if value is not None:
            total += _expanded_size(value, sizes)
        if total <= MAX_YAML_VALUES:
            continue
        if len(sizes) > MAX_YAML_VALUES:  # that many written out: no alias is to blame
            message = f"front matter holds more than {MAX_YAML_VALUES:,} values"
            hint = "keep long lists out of the front matter"
        else:
            message = f"aliases (*name) expand the front matter past {MAX_YAML_VALUES:,} values"
            hint = "write the values out instead of repeating anchors (&name) through aliases"
        raise _Refused(message, key.start_mark.line + 1, hint)


def _expanded_size(node: yaml.Node, sizes: dict[int, int]) -> int:
    """How many values the node stands for once every alias in it is expanded, counted up to
    just past MAX_YAML_VALUES: each distinct node is visited once, however often it is
    referred to. `sizes` remembers the nodes already counted (by id: the tree outlives the
    count). An alias inside its own anchor (`&a [*a]`) never ends: refused at its line.
    """
    too_many = MAX_YAML_VALUES + 1
    on_path: set[int] = set()  # the nodes being counted: meeting one again is a loop
    stack: list[tuple[yaml.Node, bool]] = [(node, False)]
    while stack:
        current, children_counted = stack.pop()
        key = id(current)
        if children_counted:
            on_path.discard(key)
            total = 1 + sum(sizes[id(child)] for child in _children(current))
            sizes[key] = min(total, too_many)
        elif key not in sizes:
            if key in on_path:
                raise _Refused(
                    "an alias (*name) inside the value it names repeats forever",
                    current.start_mark.line + 1,
                    "point the alias at another anchor (&name), or write the value out",
                )
            on_path.add(key)
            stack.append((current, True))
            stack.extend((child, False) for child in _children(current))
    return sizes[id(node)]


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _field_lines(node: yaml.Node | None) -> dict[str, int]:
    """Line of each top-level field in the file.

    The front matter text starts right after the opening `---`, so its line 0 is the rest
    of the file's line 1.
    """
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {
        str(key.value): key.start_mark.line + 1
        for key, _ in node.value
        if isinstance(key, yaml.ScalarNode)
    }


SHOWN_LENGTH = 60
_SHORT_REPR = reprlib.Repr()
_SHORT_REPR.maxlevel = 2
_SHORT_REPR.maxstring = _SHORT_REPR.maxother = SHOWN_LENGTH
_SHORT_REPR.maxlist = _SHORT_REPR.maxtuple = _SHORT_REPR.maxdict = _SHORT_REPR.maxset = 3


def shown(value: Any) -> str:
    """A value as a message quotes it: its repr, in one short line however long or deep the
    value is (a field's value may be megabytes, or an alias that expands to billions)."""
    return _one_line(_SHORT_REPR.repr(value), SHOWN_LENGTH)


def _one_line(text: str, limit: int) -> str:
    text = " ".join(text[: limit * 2].split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _too_long(what: str, length: int, limit: int) -> str:
    return f"{what} is {length:,} characters long; at most {limit:,} are allowed"


def _validate(
    name: str,
    meta: dict[str, Any],
    lines: dict[str, int],
    body: str,
    body_line: int,
    config: Config,
) -> tuple[Article | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(field: str, message: str, hint: str | None = None) -> None:
        problems.append(Problem(name, message, line=lines.get(field, 2), hint=hint))

    def warn(field: str, message: str, hint: str | None = None) -> None:
        problems.append(
            Problem(name, message, line=lines.get(field), hint=hint, severity="warning")
        )

    def capped(field: str, text: str) -> str:
        """The text, or "" with an error when it is longer than the field's cap."""
        if len(text) <= TEXT_LENGTHS[field]:
            return text
        bad(field, _too_long(field, len(text), TEXT_LENGTHS[field]), "shorten it")
        return ""

    for key in meta:
        if key not in FIELDS:
            close = difflib.get_close_matches(str(key)[:100], FIELDS, n=1)
            warn(
                str(key),
                f"unknown field {shown(key)}",
                f"did you mean {close[0]!r}?"
                if close
                else "custom fields go in extra:, e.g. extra: {desk: Europe}",
            )
    kind = PAGE if is_page(name) else ARTICLE
    if kind == PAGE:
        meta = dict(meta)
        for field in ARTICLE_ONLY:
            if field in meta:
                del meta[field]
                warn(field, f"{field} is not used on a page", "pages are in no list or feed")

    title = _text(meta.get("title"))
    if not title:
        bad("title", "missing title", 'add a line such as title: "What happened"')
    title = capped("title", title)
    published = _moment_of(meta, "date", config.tz, bad)
    if "date" not in meta and kind == ARTICLE:
        bad("date", "missing date", "add a line such as date: 2024-08-31T09:30:00+03:00")
    updated = _moment_of(meta, "updated", config.tz, bad)

    topics = _topics(meta.get("topics"), lambda message, hint: bad("topics", message, hint))
    authors = _names(meta.get("author"), "author", bad)
    sources = _names(meta.get("source"), "source", bad)

    optional: dict[str, str | None] = {}
    for field in ("summary", "source_url", "lang"):
        value = meta.get(field)
        if value is not None and not isinstance(value, (str, int, float)):
            bad(field, f"{field} must be text")
            value = None
        optional[field] = capped(field, _text(value)) or None
    source_url = optional["source_url"]
    if source_url and (why := _url_problem(source_url)):
        bad("source_url", f"source_url {shown(source_url)} {why}", _URL_HINT)
        optional["source_url"] = None

    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        bad("draft", f"draft must be true or false, not {shown(draft)}")
        draft = False
    sanitize = meta.get("sanitize", config.sanitize)
    if not isinstance(sanitize, bool):
        bad("sanitize", f"sanitize must be true or false, not {shown(sanitize)}")
        sanitize = True

    if meta.get("slug") is None:
        if config.slug_from == "title" and kind == ARTICLE:
            slug = slugify(title) if title else ""
            empty = ("title", "gives an empty slug")
        else:
            slug = slugify(file_slug(name))
            empty = ("", f"the file name {shown(file_slug(name))} gives an empty slug")
    else:
        written = _text(meta["slug"])
        slug = slugify(written[: TEXT_LENGTHS["slug"]]) if written else ""
        empty = ("slug", "gives an empty slug")
        if len(written) > TEXT_LENGTHS["slug"]:
            bad("slug", _too_long("slug", len(written), TEXT_LENGTHS["slug"]), "shorten it")
        elif slug and slug != written:
            warn(
                "slug",
                f"slug {shown(written)} was cleaned to {shown(slug)}",
                "a slug keeps only a-z, 0-9 and -, at most 80 of them",
            )
    if title and not slug:
        bad(empty[0], empty[1], "add a slug: line with latin letters or digits")

    url = ""
    if published is not None or kind == PAGE:
        moment = published or UNDATED
        url = permalink(config.permalink, moment, slug) if kind == ARTICLE else f"{slug}/"
    aliases = _aliases(meta.get("aliases"), url, bad, warn)
    template = _template(meta.get("template"), bad)
    extra = NO_EXTRA
    if meta.get("extra") is not None:
        try:
            extra = Extra.of(meta["extra"])
        except ValueError as error:
            bad("extra", f"extra {error}", "e.g. extra: {desk: Europe, priority: 2}")

    asset_dir = clean_url(str(Path(name).parent.relative_to("content").as_posix()) + "/")
    image = _image(meta.get("image"), asset_dir, functools.partial(bad, "image"))
    pending = None
    if image is not None and not image.url:
        image, pending = None, image
        warn(
            "image",
            "image has a caption and credit but no src: the photo is not shown",
            "add src: with the photo's file name or URL; until then the caption and credit "
            "are shown at the end of the story",
        )
    src = _image_src(meta.get("image"))
    if image and src and not _EXTERNAL.match(src) and not _is_file(config.site_dir / name, src):
        warn(
            "image",
            f"image {shown(src)} not found beside the article",
            "put the file next to the article or fix the name",
        )
    if image and src.lower().endswith(".svg") and not config.default_image:
        warn(
            "image",
            f"image {shown(src)} is an SVG, which social networks do not show: "
            "links to this article are shared without a picture",
            "add a JPEG, PNG or WebP version, or set default_image in [tool.newsdigest]",
        )
    deep = _too_deep(body)
    if deep is not None:
        problems.append(
            Problem(
                name,
                f"text nested more than {MAX_NESTING} levels deep",
                line=body_line + deep,
                hint="flatten the list or quote",
            )
        )

    story = _story(meta.get("story"), functools.partial(bad, "story"))

    if problems and any(p.is_error for p in problems):
        return None, problems
    assert title
    published = published or UNDATED.astimezone(config.tz)  # in the site's zone, as any date
    return Article(
        path=name,
        title=title,
        published=published,
        has_time=published != UNDATED and not _is_plain_date(meta.get("date")),
        updated=updated,
        slug=slug,
        url=url,
        topics=topics,
        summary=optional["summary"] or first_paragraph_text(body, _curls_quotes(config)),
        dek=optional["summary"],
        sources=sources,
        source_url=optional["source_url"],
        authors=authors,
        image=image,
        draft=draft,
        lang=optional["lang"] or config.language,
        sanitize=sanitize or config.sanitize,  # an article cannot opt out of the site's setting
        body_hash=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        asset_dir=asset_dir,
        kind=kind,
        aliases=aliases,
        template=template,
        extra=extra,
        pending_image=pending,
        links=body_links(body, name),
        story=story,
        sketch=sketch(title, body),
        pictures=body_pictures(body, asset_dir),
    ), problems


# `[text](../other.md#part)`, `[text](<other.md>)` and reference definitions `[id]: other.md`.
_MARKDOWN_LINK = re.compile(
    r"\]\(\s*<?([^)\s<>]+?\.md)(?:#[^)\s<>]*)?>?(?:\s+[\"'(][^)]*)?\)"
    r"|^[ ]{0,3}\[[^\]]+\]:\s*<?([^\s<>]+?\.md)(?:#\S*)?>?",
    re.MULTILINE | re.IGNORECASE,
)


def body_links(body: str, name: str) -> tuple[str, ...]:
    """The content files a body links to, by their site-relative path (see resolve_link).
    Links with a scheme (`https://example.org/readme.md`) point elsewhere and are left out."""
    found: list[str] = []
    folder = posixpath.dirname(name)
    for match in _MARKDOWN_LINK.finditer(body):
        target = unquote(match.group(1) or match.group(2))
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):
            continue
        path = resolve_link(target, folder)
        if path not in found:
            found.append(path)
    return tuple(found)


def is_page(name: str) -> bool:
    """True for a content file below content/pages/: a page at /{slug}/, in no list."""
    parts = name.split("/")
    return len(parts) > 2 and parts[0] == "content" and parts[1] == PAGES_FOLDER


def file_slug(name: str) -> str:
    """What a file's slug is made from: its name, or its folder's name for an index.md."""
    path = PurePosixPath(name)
    return path.parent.name if path.stem.lower() == "index" else path.stem


def _names(value: Any, field: str, bad: Callable[[str, str, str | None], None]) -> tuple[str, ...]:
    """Authors or sources: one name or a list of names, repeats dropped, in the order written."""
    if value is None:
        return ()
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        value = [value]
    if not isinstance(value, list) or not all(
        isinstance(item, (str, int, float)) and not isinstance(item, bool) for item in value
    ):
        bad(
            field,
            f"{field} must be a name or a list of names",
            f"e.g. {field}: [{_EXAMPLE[field]}]",
        )
        return ()
    names = tuple(dict.fromkeys(text for text in (_text(item) for item in value) if text))
    if len(names) > MAX_NAMES:
        bad(field, f"{len(names):,} names in {field}; at most {MAX_NAMES} are allowed", None)
        return ()
    for item in names:
        if len(item) > TEXT_LENGTHS[field]:
            bad(field, _too_long(f"{field} {shown(item)}", len(item), TEXT_LENGTHS[field]), None)
            return ()
    return names


_EXAMPLE = {"author": "Jane Doe, John Roe", "source": "AFP, Reuters"}
_ALIAS_HINT = "write the old address on this site, such as /2024/08/31/old-slug/"


def _aliases(
    value: Any,
    own_url: str,
    bad: Callable[[str, str, str | None], None],
    warn: Callable[[str, str, str | None], None],
) -> tuple[str, ...]:
    """The old URLs that redirect here, site-relative and cleaned like permalinks."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        bad(
            "aliases", "aliases must be a list of old URLs", "e.g. aliases: [/2024/08/31/old-slug/]"
        )
        return ()
    if len(value) > MAX_ALIASES:
        bad("aliases", f"{len(value):,} aliases; at most {MAX_ALIASES} are allowed", None)
        return ()
    found: list[str] = []
    for written in value:
        text = written.strip()
        if _CONTROL.search(text) or " " in text or len(text) > TEXT_LENGTHS["source_url"]:
            bad("aliases", f"alias {shown(text)} is not a URL", _ALIAS_HINT)
            continue
        if _SCHEME.match(text) or text.startswith("//") or "?" in text or "#" in text:
            bad("aliases", f"alias {shown(text)} must be a path on this site", _ALIAS_HINT)
            continue
        url = alias_url(text)
        if not url:
            bad("aliases", f"alias {shown(text)} is the home page", _ALIAS_HINT)
        elif url == own_url:
            warn("aliases", f"alias {shown(text)} is this page's own URL", "remove it")
        elif url not in found:
            found.append(url)
    return tuple(found)


def alias_url(text: str) -> str:
    """An alias as a site-relative URL: a folder ("x/") unless it names an .html file."""
    url = clean_url(text)
    if url.endswith("/index.html") or url == "index.html":
        url = url.removesuffix("index.html")
    if url and not url.endswith(("/", *FILE_SUFFIXES)):
        url += "/"
    return url


_TEMPLATE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*(/[A-Za-z0-9][A-Za-z0-9_.-]*)*\.html")


def _template(value: Any, bad: Callable[[str, str, str | None], None]) -> str:
    if value is None:
        return ""
    name = _text(value)
    if not (isinstance(value, str) and _TEMPLATE_NAME.fullmatch(name)) or ".." in name:
        bad(
            "template",
            f"template {shown(value)} is not a template file name",
            "name a file of templates/, e.g. template: wide.html",
        )
        return ""
    return name


def field_line(site_dir: Path, path: str, field: str) -> int | None:
    """The line of a top-level front matter field in a content file, for a message made
    after the file was read (an unknown template is found when the site is planned)."""
    try:
        parts = _split((site_dir / path).read_text(encoding="utf-8"))
        node, _ = _parse_yaml(parts[0]) if parts else (None, None)
    except (OSError, UnicodeDecodeError, yaml.YAMLError, _Refused):
        return None
    return _field_lines(node).get(field)


def link_line(site_dir: Path, path: str, target: str) -> int | None:
    """The line of the first link in a content file that names `target` (see body_links)."""
    try:
        text = (site_dir / path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    folder = posixpath.dirname(path)
    for match in _MARKDOWN_LINK.finditer(text):
        written = unquote(match.group(1) or match.group(2))
        if resolve_link(written, folder) == target:
            return text.count("\n", 0, match.start()) + 1
    return None


def _story(value: Any, bad: Callable[..., None]) -> str | None:
    """`story:` as an id (`none` keeps the article out of stories); None when not written."""
    if value is None:
        return None
    text = _text(value)
    if not text:
        bad("story must be a name, such as story: lyon-fire, or story: none")
        return None
    name = slugify(text[:MAX_STORY_ID])
    if text.lower() == NONE or name == NONE:
        return NONE
    if len(text) > MAX_STORY_ID:
        bad(_too_long("story", len(text), MAX_STORY_ID), hint="shorten it")
    elif not name:
        bad(f"story {shown(text)} gives an empty id", hint="use latin letters or digits")
    return name or None


def _topics(value: Any, bad: Callable[[str, str], None]) -> tuple[str, ...]:
    """The article's topic names, repeats dropped; () with an error when they are not valid."""
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(t, str) and t.strip() for t in value):
        bad("topics must be a list of names", "e.g. topics: [NATO, Ukraine]")
        return ()
    topics = tuple(dict.fromkeys(t.strip() for t in value))  # drop repeats, keep the order
    if len(topics) > MAX_TOPICS:
        bad(f"{len(topics):,} topics; at most {MAX_TOPICS} are allowed", "keep the main ones")
        return ()
    for topic in topics:
        if len(topic) > MAX_TOPIC_LENGTH:
            message = _too_long(f"topic {shown(topic)}", len(topic), MAX_TOPIC_LENGTH)
            bad(message, "use a short name; the topic page can describe it")
            return ()
    return topics


_DATE_HINTS = {
    "date": "use 2024-08-31 or 2024-08-31T09:30:00+03:00",
    "updated": "use 2024-09-01 or 2024-09-01T12:00:00+03:00",
}


def _moment_of(
    meta: dict[str, Any], field: str, tz: ZoneInfo, bad: Callable[[str, str, str], None]
) -> datetime | None:
    """The field's date in the site zone; None, with an error, when it is not a real date."""
    value = meta.get(field)
    if value is None:
        return None
    try:
        return _moment(value, tz)
    except ValueError as error:
        reason = f": {error}" if str(error) else ""
        written = value.isoformat() if isinstance(value, date) else value  # as in the file
        bad(field, f"{field} {shown(written)} is not a date{reason}", _DATE_HINTS[field])
        return None


def _moment(value: Any, tz: ZoneInfo) -> datetime:
    """An aware datetime in the site time zone; a date or naive time means local time there.

    Raises ValueError saying why the value is no date ("" when it does not look like one).
    """
    if isinstance(value, str):
        text = value.strip()
        if _HOUR_24.search(text):  # some Pythons read 24:00 as the next day's midnight
            raise ValueError("hour must be in 0..23")
        try:
            value = datetime.fromisoformat(text)
        except ValueError as error:
            raise ValueError(_date_reason(str(error))) from None
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        moment = datetime.combine(value, time(0, 0))
    else:
        raise ValueError("")
    if not EARLIEST_YEAR <= moment.year <= LATEST_YEAR:
        raise ValueError(f"the year must be from {EARLIEST_YEAR} to {LATEST_YEAR}")
    # A time without offset is a wall-clock time in the site zone, never UTC. Through UTC and
    # back, a time the clock skipped in spring (02:30 on the day summer time starts) becomes
    # the time it names (03:30), so that the same instant always reads the same way.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz).astimezone(UTC)
    return moment.astimezone(tz)


_HOUR_24 = re.compile(r"^\d{4}-\d\d-\d\d[T ]24(?::|$)")


def _date_reason(message: str) -> str:
    """Python's reason a date cannot exist, short; "" when the text does not look like a date
    at all (Python's message would repeat the whole text)."""
    if message.startswith("Invalid isoformat string"):
        return ""
    if message.startswith("offset must be"):
        return "the offset from UTC must be less than 24 hours"
    return _one_line(message, 60)


def _is_plain_date(value: Any) -> bool:
    if isinstance(value, str):
        return len(value.strip()) == len("2024-08-31")
    return isinstance(value, date) and not isinstance(value, datetime)


_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
# Browsers drop tabs and newlines inside a URL and control characters around it: java\tscript:
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_URL_HINT = "use an http:// or https:// address, or a file name beside the article"


def _url_problem(url: str) -> str | None:
    """Why a front matter URL cannot be linked to, or None: only http, https and relative
    URLs can (javascript:, data: and the like run code or hide content in the page)."""
    if _CONTROL.search(url):
        return "has a control character (such as a tab or newline) in it"
    scheme = _SCHEME.match(url)
    if scheme and scheme.group(1).lower() not in ("http", "https"):
        used = _one_line(scheme.group(1).lower(), 20)
        return f"uses the {used}: scheme; only http, https and relative URLs are allowed"
    return None


def _too_deep(body: str) -> int | None:
    """The first body line nested past MAX_NESTING lists or quotes, which Markdown cannot render
    in bounded time (Python-Markdown recurses once per level)."""
    for number, line in enumerate(body.splitlines()):
        stripped = line.lstrip(" \t>")
        indent = line[: len(line) - len(stripped)]
        levels = indent.count(">") + (len(indent.replace(">", "").expandtabs(4)) // 4)
        if levels > MAX_NESTING:
            return number
    return None


def _text(value: Any) -> str:
    """A scalar from YAML as stripped text (a title may read as a number: `title: 1984`)."""
    if value is None or isinstance(value, (list, dict, bool)):
        return ""
    return str(value).strip()


def _image_src(value: Any) -> str:
    """The image's src as written: the image may be a bare file name or a mapping."""
    return _text(value.get("src") if isinstance(value, dict) else value)


def _is_file(article: Path, src: str) -> bool:
    """True when src names a file beside the article (a name too long for the file system
    names no file)."""
    try:
        return (article.parent / src).is_file()
    except (OSError, ValueError):
        return False


def _image(value: Any, asset_dir: str, bad: Callable[..., None]) -> Image | None:
    """The lead image; None, with a call of bad(message, hint=None), when it is not valid."""
    if value is None:
        return None
    if isinstance(value, str):
        value = {"src": value}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        bad("image must be a mapping: {src: photo.jpg, alt: ..., caption: ..., credit: ...}")
        return None
    unknown = sorted(set(value) - set(IMAGE_FIELDS))
    if unknown:
        bad(f"image has unknown field {shown(unknown[0])} (use src, alt, caption, credit)")
        return None
    texts = {field: _text(value.get(field)) for field in IMAGE_FIELDS}
    for field, text in texts.items():
        if len(text) > TEXT_LENGTHS[field]:
            bad(_too_long(f"image {field}", len(text), TEXT_LENGTHS[field]))
            return None
    src = texts["src"]
    if not src:
        if texts["caption"] or texts["credit"]:  # an imported caption waiting for its photo
            return Image(url="", alt="", caption=texts["caption"], credit=texts["credit"])
        bad("image needs src: the photo's file name or URL")
        return None
    why = _url_problem(src)
    if why:
        bad(f"image src {shown(src)} {why}", _URL_HINT)
        return None
    url = src if _EXTERNAL.match(src) else resolve_url(asset_dir, src)
    return Image(
        url=url,
        alt=texts["alt"] or texts["caption"],
        caption=texts["caption"],
        credit=texts["credit"],
    )


def _curls_quotes(config: Config) -> bool:
    """True when article bodies get typographic quotes, so their summaries get them too."""
    ours = extension_module(TYPOGRAPHY)
    return any(extension_module(name) == ours for name in config.markdown_extensions)


def first_paragraph_text(body: str, typography: bool = False) -> str:
    """The first paragraph as plain text, shortened at a word boundary for summaries.

    Only its first SUMMARY_SOURCE characters are read: Python-Markdown's time grows with the
    square of a hostile paragraph's length, and a summary needs a few hundred characters.
    """
    for block in re.split(r"\n\s*\n", body.strip()):
        block = block.strip()
        if not block or _NOT_A_PARAGRAPH.match(block):
            continue
        converter = _CURLY_MARKDOWN if typography else _PLAIN_MARKDOWN
        html = converter.reset().convert(block[:SUMMARY_SOURCE])
        return shorten(_visible_text(html), SUMMARY_LENGTH)
    return ""


class _VisibleText(HTMLParser):
    """The text a reader sees in HTML: no tags, comments, scripts or styles."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _HIDDEN:
            self.hidden = True

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self.hidden = False

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.parts.append(data)


_HIDDEN = frozenset({"script", "style"})


def _visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return " ".join("".join(parser.parts).split())


def shorten(text: str, limit: int) -> str:
    """Cut at the last word boundary before the limit, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.-–— ")
    return cut + "…"
