"""Walk the site folder, split front matter, validate it: the only reader of the site's files."""

from __future__ import annotations

import difflib
import hashlib
import re
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

import frontmatter
import markdown
import yaml
from markupsafe import Markup

from newsdigest.articles import Article, Asset, Image, Selection
from newsdigest.config import Config
from newsdigest.errors import Problem
from newsdigest.urls import clean_url, permalink, slugify

if TYPE_CHECKING:
    from newsdigest.memo import ArticleMemo

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
_TEMPORARY = re.compile(r"(^\.|^#.*#$|~$|\.sw[a-p]$|^4913$|___jb_(tmp|old)___$)")


def is_temporary(name: str) -> bool:
    """True for editor swap, backup and safe-write files, which are never content."""
    return bool(_TEMPORARY.search(name))


def walk_files(folder: Path) -> list[Path]:
    """Every non-temporary file below a folder, sorted so builds are deterministic."""
    if not folder.is_dir():
        return []
    found = [
        path
        for path in folder.rglob("*")
        if path.is_file() and not any(is_temporary(part) for part in path.relative_to(folder).parts)
    ]
    return sorted(found)


def load_articles(
    config: Config, selection: Selection | None = None, memo: ArticleMemo | None = None
) -> tuple[list[Article], list[Asset], list[Problem]]:
    """Read every article under content/ (or take it from the memo), and the files beside."""
    articles: list[Article] = []
    assets: list[Asset] = []
    problems: list[Problem] = []
    selection = selection or Selection()
    now = selection.now or datetime.now(config.tz)
    for path in walk_files(config.content_dir):
        relative = path.relative_to(config.content_dir).as_posix()
        if path.suffix.lower() != ".md":
            assets.append(Asset(path, clean_url(relative)))
            continue
        if memo is None:
            article, found = read_article(path, config)
        else:
            name = path.relative_to(config.site_dir).as_posix()
            stat = path.stat()
            parsed = memo.get(name, stat)
            if parsed is None:
                parsed = read_article(path, config)
                memo.put(name, stat, parsed)
            article, found = parsed
        problems.extend(found)
        if article is None:
            continue
        if selection.includes(article, now):
            articles.append(article)
    articles.sort(key=lambda a: a.sort_key)
    return articles, assets, problems


def list_static(config: Config, theme_static: Path) -> list[Asset]:
    """Static files of the theme, each overridden by the site's file of the same name."""
    by_url: dict[str, Asset] = {}
    for folder in (theme_static, config.static_dir):
        for path in walk_files(folder):
            url = path.relative_to(folder).as_posix()
            by_url[url] = Asset(path, url)
    return [by_url[url] for url in sorted(by_url)]


def read_body(config: Config, article: Article) -> str:
    """The Markdown body of an article, read again when it is rendered."""
    text = (config.site_dir / article.path).read_text(encoding="utf-8")
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
        return datetime.combine(value, time(0, 0), tzinfo=tz)
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
