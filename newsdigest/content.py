"""Walk the site folder, split front matter, validate it: the only reader of the site's files."""

from __future__ import annotations

import difflib
import hashlib
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import frontmatter
import markdown
import yaml
from markupsafe import Markup

from newsdigest.articles import Article, Asset, Image, Source
from newsdigest.config import Config
from newsdigest.errors import Problem
from newsdigest.urls import clean_url, permalink, slugify

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
)
IMAGE_FIELDS = ("src", "alt", "caption", "credit")
SUMMARY_LENGTH = 240
MAX_NESTING = 100
_EXTERNAL = re.compile(r"^[a-z][a-z0-9+.-]*:|^/")
_YAML = frontmatter.YAMLHandler()
_PLAIN_MARKDOWN = markdown.Markdown()
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
    files: list[Path] = []
    problems: list[Problem] = []
    if not folder.is_dir():
        return files, problems
    site = site_dir.resolve()
    seen: set[Path] = set()

    def walk(current: Path) -> None:
        real = current.resolve()
        if real in seen:  # a symlink loop
            return
        seen.add(real)
        try:
            entries = sorted(os.scandir(current), key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            if skip(entry.name):
                continue
            path = current / entry.name
            if entry.is_symlink() and (warning := _leaves(path, site, site_dir)):
                problems.append(warning)
                continue
            if entry.is_dir():
                walk(path)
            elif entry.is_file():
                files.append(path)

    walk(folder)
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
    config: Config, known: Mapping[str, Source], changed: Iterable[Path] | None = None
) -> tuple[dict[str, Source], list[Problem]]:
    """Every file below content/ as a Source: read again when new or changed, else as known.

    Without `changed`, every file's signature (size, modification time, inode) is compared
    with the known one. With the paths the watcher saw, only those are looked at again.
    """
    site_dir = config.site_dir
    if changed is None:
        paths, problems = walk_files(config.content_dir, site_dir, _skip_in_content)
        sources: dict[str, Source] = {}
    else:
        sources, problems, paths = dict(known), [], []
        for path in sorted(set(changed)):
            if not path.is_relative_to(config.content_dir):
                continue
            name = path.relative_to(site_dir).as_posix()
            for gone in [k for k in sources if k == name or k.startswith(name + "/")]:
                del sources[gone]  # read again below if it is still there
            relative = path.relative_to(config.content_dir).parts
            if any(_skip_in_content(part) for part in relative):
                continue
            if path.is_dir():
                found, warnings = walk_files(path, site_dir, _skip_in_content)
                paths += found
                problems += warnings
            elif path.is_symlink() and (warning := _leaves(path, site_dir.resolve(), site_dir)):
                problems.append(warning)
            elif path.is_file():
                paths.append(path)
    for path in paths:
        name = path.relative_to(site_dir).as_posix()
        sources[name] = read_source(path, config, known.get(name))
    return dict(sorted(sources.items())), problems


def read_source(path: Path, config: Config, known: Source | None) -> Source:
    """The known source when the file's signature is unchanged, else the file read again."""
    try:
        stat = path.stat()
    except OSError:
        return Source(None, None, (Problem(_name(path, config), "cannot read the file"),))
    signature = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    if known is not None and known.signature == signature:
        return known
    if time.time() - stat.st_mtime < RACY_SECONDS:
        signature = None  # changed a moment ago: it may change again within the same tick
    if path.suffix.lower() != ".md":
        return Source(signature, None)
    article, problems = read_article(path, config)
    return Source(signature, article, tuple(problems))


def _name(path: Path, config: Config) -> str:
    return path.relative_to(config.site_dir).as_posix()


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
    return _split(text)[1]


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
    if not _YAML.detect(text):
        return None, [
            Problem(
                name,
                "no front matter",
                line=1,
                hint="start the file with --- and a title: and date: line",
            )
        ]
    front, body = _split(text)
    try:
        node, meta = _parse_yaml(front)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        problem = getattr(error, "problem", None) or str(error)
        return None, [Problem(name, f"invalid YAML: {problem}", line=line)]
    if not isinstance(meta, dict):
        return None, [Problem(name, "front matter must be a mapping of field: value", line=2)]
    lines = _field_lines(node)
    body_line = len(text.splitlines()) - len(body.splitlines()) + 1
    return _validate(name, meta, lines, body, body_line, config)


# libyaml's loader when PyYAML was built with it: ten times faster than the Python one.
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _parse_yaml(front: str) -> tuple[yaml.Node | None, Any]:
    """The front matter's node tree (for line numbers) and its values, in one pass."""
    loader = _SAFE_LOADER(front)
    try:
        node = loader.get_single_node()
        meta = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
    return node, meta or {}


def _split(text: str) -> tuple[str, str]:
    front, body = _YAML.split(text)
    return front, body.lstrip("\n")


def _field_lines(node: yaml.Node | None) -> dict[str, int]:
    """Line of each top-level field in the file.

    The front matter text starts right after the opening `---`, so its line 0 is the rest
    of the file's line 1.
    """
    if not isinstance(node, yaml.MappingNode):
        return {}
    return {str(key.value): key.start_mark.line + 1 for key, _ in node.value}


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

    for key in meta:
        if key not in FIELDS:
            close = difflib.get_close_matches(str(key), FIELDS, n=1)
            problems.append(
                Problem(
                    name,
                    f"unknown field {key!r}",
                    line=lines.get(str(key)),
                    hint=f"did you mean {close[0]!r}?" if close else None,
                    severity="warning",
                )
            )

    title = _text(meta.get("title"))
    if not title:
        bad("title", "missing title", 'add a line such as title: "What happened"')
    published = _datetime(meta.get("date"), config.tz)
    if "date" not in meta:
        bad("date", "missing date", "add a line such as date: 2024-08-31T09:30:00+03:00")
    elif published is None:
        bad(
            "date",
            f"date {meta['date']!r} is not a date",
            "use 2024-08-31 or 2024-08-31T09:30:00+03:00",
        )
    updated = None
    if meta.get("updated") is not None:
        updated = _datetime(meta["updated"], config.tz)
        if updated is None:
            bad(
                "updated",
                f"updated {meta['updated']!r} is not a date",
                "use 2024-09-01 or 2024-09-01T12:00:00+03:00",
            )

    topics = meta.get("topics", [])
    if topics is None:
        topics = []
    if not isinstance(topics, list) or not all(isinstance(t, str) and t.strip() for t in topics):
        bad("topics", "topics must be a list of names", "e.g. topics: [NATO, Ukraine]")
        topics = []
    topics = list(dict.fromkeys(t.strip() for t in topics))  # drop repeats, keep the order

    optional: dict[str, str | None] = {}
    for field in ("summary", "source", "source_url", "author", "lang"):
        value = meta.get(field)
        if value is not None and not isinstance(value, (str, int, float)):
            bad(field, f"{field} must be text")
            value = None
        optional[field] = _text(value) or None

    draft = meta.get("draft", False)
    if not isinstance(draft, bool):
        bad("draft", f"draft must be true or false, not {draft!r}")
        draft = False
    sanitize = meta.get("sanitize", config.sanitize)
    if not isinstance(sanitize, bool):
        bad("sanitize", f"sanitize must be true or false, not {sanitize!r}")
        sanitize = True

    slug_source = meta.get("slug") if meta.get("slug") is not None else title
    slug = slugify(_text(slug_source)) if slug_source else ""
    if title and not slug:
        bad(
            "slug" if "slug" in meta else "title",
            "gives an empty slug",
            "add a slug: line with latin letters or digits",
        )

    asset_dir = clean_url(str(Path(name).parent.relative_to("content").as_posix()) + "/")
    image = _image(meta.get("image"), asset_dir, lambda message: bad("image", message))
    raw_image = meta.get("image")
    src = str(raw_image.get("src") or "") if isinstance(raw_image, dict) else str(raw_image or "")
    beside = config.site_dir / Path(name).parent / src
    if image and src and not _EXTERNAL.match(src) and not beside.is_file():
        problems.append(
            Problem(
                name,
                f"image {src!r} not found beside the article",
                line=lines.get("image"),
                hint="put the file next to the article or fix the name",
                severity="warning",
            )
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

    if problems and any(p.is_error for p in problems):
        return None, problems
    assert title and published is not None
    return Article(
        path=name,
        title=title,
        published=published,
        has_time=not _is_plain_date(meta.get("date")),
        updated=updated,
        slug=slug,
        url=permalink(config.permalink, published, slug),
        topics=tuple(topics),
        summary=optional["summary"] or first_paragraph_text(body),
        dek=optional["summary"],
        source=optional["source"],
        source_url=optional["source_url"],
        author=optional["author"],
        image=image,
        draft=draft,
        lang=optional["lang"] or config.language,
        sanitize=sanitize or config.sanitize,  # an article cannot opt out of the site's setting
        body_hash=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        asset_dir=asset_dir,
    ), problems


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


def _is_plain_date(value: Any) -> bool:
    if isinstance(value, str):
        return len(value.strip()) == len("2024-08-31")
    return isinstance(value, date) and not isinstance(value, datetime)


def _datetime(value: Any, tz: ZoneInfo) -> datetime | None:
    """An aware datetime in the site time zone; a date or naive time means local time there."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
    if isinstance(value, datetime):
        # A time without offset is a wall-clock time in the site zone, never UTC.
        return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)
    if isinstance(value, date):
        return datetime.combine(value, clock_time(0, 0), tzinfo=tz)
    return None


def _image(value: Any, asset_dir: str, bad: Any) -> Image | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = {"src": value}
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        bad("image must be a mapping: {src: photo.jpg, alt: ..., caption: ..., credit: ...}")
        return None
    unknown = sorted(set(value) - set(IMAGE_FIELDS))
    if unknown:
        bad(f"image has unknown field {unknown[0]!r} (use src, alt, caption, credit)")
        return None
    src = _text(value.get("src"))
    if not src:
        if value.get("caption") or value.get("credit"):
            return None  # an imported caption waiting for its photo: kept in the file, not shown
        bad("image needs src: the photo's file name or URL")
        return None
    url = src if _EXTERNAL.match(src) else clean_url(asset_dir + src)
    caption = _text(value.get("caption"))
    return Image(
        url=url,
        alt=_text(value.get("alt")) or caption,
        caption=caption,
        credit=_text(value.get("credit")),
    )


def first_paragraph_text(body: str) -> str:
    """The first paragraph as plain text, shortened at a word boundary for summaries."""
    for block in re.split(r"\n\s*\n", body.strip()):
        block = block.strip()
        if not block or _NOT_A_PARAGRAPH.match(block):
            continue
        html = _PLAIN_MARKDOWN.reset().convert(block)
        text = " ".join(Markup(html).striptags().split())
        return shorten(text, SUMMARY_LENGTH)
    return ""


def shorten(text: str, limit: int) -> str:
    """Cut at the last word boundary before the limit, with an ellipsis."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:.-–— ")
    return cut + "…"
