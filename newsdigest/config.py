"""Site settings from `[tool.newsdigest]` in the site's pyproject.toml, parsed once into types."""

from __future__ import annotations

import difflib
import re
import tomllib
from dataclasses import dataclass, field, replace
from email import policy as email_policy
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import markdown

from newsdigest.articles import NO_EXTRA, Extra
from newsdigest.catalogs import catalogs_digest, language_warnings, load, site_locale_folder
from newsdigest.errors import BuildFailed, Problem
from newsdigest.typography import NAME as TYPOGRAPHY
from newsdigest.urls import clean_url, slugify

CONFIG_FILE = "pyproject.toml"
# typography (curly quotes, dashes) is newsdigest's own: a twentieth of smarty's cost.
DEFAULT_MARKDOWN_EXTENSIONS = ("extra", "toc", "typography")


@dataclass(frozen=True, slots=True)
class TopicSettings:
    """Display details of one topic and the importer's keyword rules for it."""

    name: str
    description: str = ""
    keywords: tuple[str, ...] = ()
    slug: str = ""  # its URL is topics/<slug>/; "" means the name's slug


@dataclass(frozen=True, slots=True)
class AuthorSettings:
    """What the site says about one author, shown on the author's page."""

    name: str
    bio: str = ""
    url: str = ""  # the author's own home page, elsewhere
    photo: str = ""  # an http(s) URL, or a path on this site (a file of static/)
    slug: str = ""  # its URL is authors/<slug>/; "" means the name's slug


@dataclass(frozen=True, slots=True)
class SourceSettings:
    """What the site says about one source (an agency or outlet), shown on its page."""

    name: str
    description: str = ""
    url: str = ""  # the source's home page
    slug: str = ""  # its URL is sources/<slug>/; "" means the name's slug


@dataclass(frozen=True, slots=True)
class MenuItem:
    """One link of the site's menu (the header's navigation and the footer's)."""

    name: str
    url: str  # site-relative ("" is the home page), or an absolute URL when `external`
    weight: int = 0
    external: bool = False
    # Page kinds on which the item is the current one besides its own URL (default menu only).
    kinds: tuple[str, ...] = ()

    def is_current(self, page_url: str, page_kind: str) -> bool:
        """Whether the page is this item's or in its section (authors/ for authors/jane/)."""
        if self.external:
            return False
        if page_kind in self.kinds or page_url == self.url:
            return True
        return self.url.endswith("/") and page_url.startswith(self.url) and self.url != "/"


DEFAULT_MENU = (
    MenuItem("Latest", "", kinds=("home",)),
    MenuItem("Topics", "topics/", kinds=("topics", "topic")),
    MenuItem("Archive", "archive/", kinds=("archive", "year", "month", "day")),
    MenuItem("Search", "search/", kinds=("search",)),
)


@dataclass(frozen=True, slots=True)
class PageSettings:
    """Where pages (content/pages/) appear besides their own URL."""

    sitemap: bool = True
    search: bool = False


@dataclass(frozen=True, slots=True)
class PublisherSettings:
    """The organisation behind the site, for structured data (JSON-LD)."""

    name: str = ""  # "" means the site's title
    url: str = ""  # "" means base_url when it is absolute
    logo: str = ""  # an http(s) URL, or a path on this site


@dataclass(frozen=True, slots=True)
class FeedSettings:
    """How many entries the feeds carry and whether they carry the full article."""

    entries: int = 20
    full_content: bool = True


@dataclass(frozen=True, slots=True)
class EditionSettings:
    """The e-mail edition's own lines and headers: `[tool.newsdigest.edition]`."""

    header: str = ""  # a line under the date, e.g. "Good morning. Here is what happened."
    footer: str = ""  # e.g. how to unsubscribe; a URL in it becomes a link
    sender: str = ""  # the From header, e.g. "The Ledger <news@ledger.example.org>"
    reply_to: str = ""  # the Reply-To header: one address or several, comma-separated


@dataclass(frozen=True, slots=True)
class Config:
    """Every setting of a site, with the spec's defaults."""

    site_dir: Path
    title: str = "News digest"
    description: str = ""
    base_url: str = "/"
    language: str = "en"
    # A digest of the message catalogs the language reads (newsdigest's and the site's own,
    # catalogs.py): a new translation changes the pages as a new setting does.
    catalogs: str = ""
    timezone: str = "UTC"
    per_page: int = 20
    home_days: int = 7
    permalink: str = "{year}/{month}/{day}/{slug}/"
    output_dir: str = "public"
    markdown_extensions: tuple[str, ...] = DEFAULT_MARKDOWN_EXTENSIONS
    markdown_extension_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    topics: tuple[TopicSettings, ...] = ()
    sanitize: bool = False
    search: bool = True  # a search page and a Pagefind index over the article pages
    feeds: FeedSettings = field(default_factory=FeedSettings)
    authors: tuple[AuthorSettings, ...] = ()
    sources: tuple[SourceSettings, ...] = ()
    menu: tuple[MenuItem, ...] = ()  # () means DEFAULT_MENU
    pages: PageSettings = field(default_factory=PageSettings)
    publisher: PublisherSettings = field(default_factory=PublisherSettings)
    extra: Extra = NO_EXTRA  # custom settings for templates: site.extra
    # The social card image of pages without a photo of their own (an SVG one included): a
    # path on the site (a JPEG, PNG or WebP beside the articles gets its size and a copy
    # about 1200 px wide) or an http(s) URL. "" for none.
    default_image: str = ""
    # Where a slug comes from when a file sets none: "file" (its name) or "title", the rule of
    # earlier versions, under which a new headline moved the article to a new URL.
    slug_from: str = "file"
    edition: EditionSettings = field(default_factory=EditionSettings)
    # What is odd about the file but does not stop a build (a misspelt table name): printed
    # by whoever runs the build, never a reason to fail it.
    warnings: tuple[Problem, ...] = field(default=(), compare=False)
    _topic_slugs: dict[str, str] = field(init=False, repr=False, compare=False)
    _authors: dict[str, AuthorSettings] = field(init=False, repr=False, compare=False)
    _sources: dict[str, SourceSettings] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Asked for every topic link of every page: a lookup, not a scan of the settings.
        slugs = {topic.name: topic.slug for topic in self.topics if topic.slug}
        object.__setattr__(self, "_topic_slugs", slugs)
        object.__setattr__(self, "_authors", {author.name: author for author in self.authors})
        object.__setattr__(self, "_sources", {source.name: source for source in self.sources})

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def content_dir(self) -> Path:
        return self.site_dir / "content"

    @property
    def templates_dir(self) -> Path:
        return self.site_dir / "templates"

    @property
    def static_dir(self) -> Path:
        return self.site_dir / "static"

    @property
    def locale_dir(self) -> Path:
        """The site's own message catalogs (catalogs.py)."""
        return site_locale_folder(self.site_dir)

    @property
    def output_path(self) -> Path:
        return (self.site_dir / self.output_dir).resolve()

    @property
    def cache_dir(self) -> Path:
        return self.site_dir / ".newsdigest-cache"

    @property
    def config_path(self) -> Path:
        return self.site_dir / CONFIG_FILE

    def topic_slug(self, name: str) -> str:
        """The one place a topic name becomes its URL segment: topics/<slug>/."""
        return self._topic_slugs.get(name) or slugify(name)

    def topic_settings(self, name: str) -> TopicSettings:
        for topic in self.topics:
            if topic.name == name:
                return topic
        return TopicSettings(name=name)

    def author_settings(self, name: str) -> AuthorSettings:
        return self._authors.get(name) or AuthorSettings(name)

    def author_slug(self, name: str) -> str:
        """The one place an author's name becomes its URL segment: authors/<slug>/."""
        return self.author_settings(name).slug or slugify(name)

    def source_settings(self, name: str) -> SourceSettings:
        return self._sources.get(name) or SourceSettings(name)

    def source_slug(self, name: str) -> str:
        """The one place a source's name becomes its URL segment: sources/<slug>/."""
        return self.source_settings(name).slug or slugify(name)

    @property
    def menu_items(self) -> tuple[MenuItem, ...]:
        """The menu in its order: the configured one, or Latest, Topics, Archive, Search (this
        one only when the site has search)."""
        if self.menu:
            return self.menu
        return tuple(item for item in DEFAULT_MENU if self.search or item.url != "search/")


_SIMPLE_KEYS: dict[str, type] = {
    "title": str,
    "description": str,
    "base_url": str,
    "language": str,
    "timezone": str,
    "per_page": int,
    "home_days": int,
    "permalink": str,
    "output_dir": str,
    "sanitize": bool,
    "search": bool,
    "slug_from": str,
    "default_image": str,
}
_TYPE_NAMES = {str: "a string", int: "an integer", bool: "true or false"}
KNOWN_KEYS = (
    *_SIMPLE_KEYS,
    "markdown_extensions",
    "topics",
    "feeds",
    "authors",
    "sources",
    "menu",
    "pages",
    "publisher",
    "extra",
    "edition",
)


def load_config(site_dir: Path, overrides: dict[str, Any] | None = None) -> Config:
    """Read the site's pyproject.toml (absent means all defaults); raise BuildFailed on problems."""
    text, document = read_document(site_dir)
    tool = document.get("tool", {})
    table = tool.get("newsdigest", {}) if isinstance(tool, dict) else {}
    if not isinstance(table, dict):
        raise BuildFailed([Problem(CONFIG_FILE, "tool.newsdigest must be a table")])
    config = parse_config({**table, **(overrides or {})}, site_dir)
    digest = catalogs_digest(site_dir, config.language)
    problems = load(site_dir, config.language, digest).problems
    if problems:  # a site's catalog that cannot be read, or a translation that cannot be shown
        raise BuildFailed(list(problems))
    warnings = table_name_warnings(document, text) + language_warnings(site_dir, config.language)
    return replace(config, catalogs=digest, warnings=tuple(warnings))


def read_document(site_dir: Path) -> tuple[str, dict[str, Any]]:
    """The text and parsed TOML of the site's pyproject.toml; empty when there is none."""
    path = site_dir / CONFIG_FILE
    if not path.is_file():
        return "", {}
    try:
        text = path.read_text(encoding="utf-8")
        return text, tomllib.loads(text)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise BuildFailed([Problem(CONFIG_FILE, f"not valid TOML: {error}")]) from error


def is_site(folder: Path) -> bool:
    """A site folder has a `[tool.newsdigest]` table in pyproject.toml or a content/ folder.

    An unreadable pyproject.toml counts: load_config then names what is wrong with it.
    """
    if (folder / "content").is_dir():
        return True
    try:
        _, document = read_document(folder)
    except BuildFailed:
        return True
    tool = document.get("tool")
    return isinstance(tool, dict) and "newsdigest" in tool


def enclosing_site(folder: Path) -> Path | None:
    """The site whose content/ folder holds this folder (or is it), if there is one.

    A build run there would put its output among the articles. Only a parent that is surely
    a site counts (its pyproject.toml has the table, or it has newsdigest's cache), so that a
    site kept in some other folder named `content` is not mistaken for an article folder.
    """
    for inside in (folder, *folder.parents):
        if inside.name != "content" or inside.parent == inside:
            continue
        parent = inside.parent
        if (parent / ".newsdigest-cache").is_dir() or (
            (parent / CONFIG_FILE).is_file() and is_site(parent)
        ):
            return parent
    return None


def table_name_warnings(document: dict[str, Any], text: str) -> list[Problem]:
    """A table that looks meant for newsdigest but is not `[tool.newsdigest]`.

    Without this a typo in the table name silently gives a site with every default.
    """
    suspects: list[tuple[str, ...]] = []
    for key, value in document.items():
        if _looks_like(key, "tool") and isinstance(value, dict):  # [tool.x] and [tools.x]
            suspects += [
                (key, inner)
                for inner in value
                if _looks_like(inner, "newsdigest") and (key, inner) != ("tool", "newsdigest")
            ]
        elif _looks_like(key, "newsdigest"):  # [newsdigest] without tool.
            suspects.append((key,))
    return [
        Problem(
            CONFIG_FILE,
            f"[{'.'.join(names)}] is not read: newsdigest's settings go in [tool.newsdigest]",
            line=_table_line(text, names),
            hint="did you mean [tool.newsdigest]?",
            severity="warning",
        )
        for names in suspects
    ]


def _looks_like(name: str, wanted: str) -> bool:
    """`news-digest`, `NewsDigest` and `newsdigst` look like `newsdigest`; `news` does not."""
    folded = name.lower().replace("-", "").replace("_", "")
    return folded == wanted or bool(difflib.get_close_matches(folded, [wanted], cutoff=0.8))


def _table_line(text: str, names: tuple[str, ...]) -> int | None:
    """The line of the first header or dotted key that opens this table."""
    pattern = r"\s*\.\s*".join(rf'(?:"{re.escape(n)}"|{re.escape(n)})' for n in names)
    found = re.search(rf"^[ \t]*\[*[ \t]*{pattern}\b", text, flags=re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else None


def parse_config(table: dict[str, Any], site_dir: Path) -> Config:
    """Turn a `[tool.newsdigest]` table into a Config, listing every bad key at once."""
    problems: list[Problem] = []
    values: dict[str, Any] = {}

    def bad(key: str, message: str, hint: str | None = None) -> None:
        problems.append(Problem(CONFIG_FILE, f"[tool.newsdigest] {key}: {message}", hint=hint))

    for key, value in table.items():
        if key in _SIMPLE_KEYS:
            expected = _SIMPLE_KEYS[key]
            # bool is an int in Python; `per_page = true` is still a mistake.
            if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
                bad(key, f"must be {_TYPE_NAMES[expected]}, not {value!r}")
            else:
                values[key] = value
        elif key == "markdown_extensions":
            _parse_extensions(value, values, bad)
        elif key == "topics":
            _parse_topics(value, values, bad)
        elif key == "feeds":
            _parse_feeds(value, values, bad)
        elif key in ("authors", "sources"):
            _parse_people(key, value, values, bad)
        elif key == "menu":
            _parse_menu(value, values, bad)
        elif key in ("pages", "publisher"):
            _parse_table(key, value, values, bad)
        elif key == "extra":
            try:
                values["extra"] = Extra.of(value)
            except ValueError as error:
                bad("extra", str(error), 'e.g. [tool.newsdigest.extra] twitter = "@ledger"')
        elif key == "edition":
            _parse_edition(value, values, bad)
        else:
            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            bad(key, "unknown setting", f"did you mean {close[0]!r}?" if close else None)

    _check_values(values, bad)
    if problems:
        raise BuildFailed(problems)
    return Config(site_dir=site_dir, **values)


def _parse_extensions(value: Any, values: dict[str, Any], bad: Any) -> None:
    """Accept a list of names, or a table of name -> settings, of extensions that load."""
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        names, configs = tuple(value), {}
    elif isinstance(value, dict) and all(isinstance(v, dict) for v in value.values()):
        names, configs = tuple(value), {k: dict(v) for k, v in value.items() if v}
    else:
        bad("markdown_extensions", "must be a list of names or a table of name = {settings}")
        return
    problems = [extension_problem(name, configs.get(name, {})) for name in names]
    for problem in problems:
        if problem:
            bad(*problem)
    if not any(problems):
        values["markdown_extensions"] = names
        values["markdown_extension_configs"] = configs


def extension_module(name: str) -> str:
    """Python-Markdown's name for an extension; `typography` is newsdigest's own."""
    return "newsdigest.typography" if name == TYPOGRAPHY else name


# Rendered once per extension when the settings are read: some bad values (toc's
# baselevel = "x") only fail when the extension runs, and a build must not fail that way.
_SAMPLE = '# A heading\n\nSome "quoted" text -- with a [link](x.html) and *emphasis*.\n'


def extension_problem(name: str, settings: dict[str, Any]) -> tuple[str, str, str | None] | None:
    """Why an extension cannot be used with these settings, as (key, message, hint), or None.

    Loaded the way the renderer loads it, so that a typo is a settings error naming the key
    rather than a ModuleNotFoundError or KeyError in the middle of a build.
    """
    module = extension_module(name)
    try:
        extension = markdown.Markdown().build_extension(module, {})
    except ImportError as error:
        missing, package = getattr(error, "name", None) or "", module.partition(":")[0]
        if missing and not (package == missing or package.startswith(missing + ".")):
            return ("markdown_extensions", f"{name!r} cannot be loaded: {error}", None)
        close = difflib.get_close_matches(name, known_extensions(), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "see Python-Markdown's extension list"
        return ("markdown_extensions", f"unknown extension {name!r}", hint)
    except Exception as error:  # any module can be named; none may crash the build later
        return ("markdown_extensions", f"{name!r} is not a Markdown extension ({error})", None)
    accepted = sorted(extension.getConfigs())
    for key in sorted(settings):
        if key not in accepted:
            close = difflib.get_close_matches(key, accepted, n=1)
            takes = f"{name} takes {', '.join(accepted)}" if accepted else f"{name} takes none"
            hint = f"did you mean {close[0]!r}?" if close else takes
            return (f"markdown_extensions.{name}", f"unknown setting {key!r}", hint)
    try:
        markdown.Markdown(extensions=[module], extension_configs={module: settings}).convert(
            _SAMPLE
        )
    except Exception as error:  # a value of the wrong kind fails deep inside the extension
        return (f"markdown_extensions.{name}", f"bad setting value: {error}", None)
    return None


def known_extensions() -> list[str]:
    """Python-Markdown's built-in (and any installed) extension names, and typography."""
    names = {entry.name for entry in entry_points(group="markdown.extensions")}
    return sorted(names | {TYPOGRAPHY})


_TOPIC_KEYS = ("description", "keywords", "slug")


def _parse_topics(value: Any, values: dict[str, Any], bad: Any) -> None:
    if not isinstance(value, dict):
        bad("topics", 'must be a table: [tool.newsdigest.topics."Name"]')
        return
    topics = []
    for name, settings in sorted(value.items()):
        if not isinstance(settings, dict):
            bad(f"topics.{name}", "must be a table with description and keywords")
            continue
        unknown = set(settings) - set(_TOPIC_KEYS)
        if unknown:
            key = sorted(unknown)[0]
            close = difflib.get_close_matches(key, _TOPIC_KEYS, n=1)
            bad(
                f"topics.{name}",
                f"unknown setting {key!r}",
                f"did you mean {close[0]!r}?"
                if close
                else "topics take description, keywords and slug",
            )
        description = settings.get("description", "")
        keywords = settings.get("keywords", [])
        slug = settings.get("slug", "")
        if not isinstance(description, str):
            bad(f"topics.{name}.description", "must be a string")
            continue
        if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
            bad(f"topics.{name}.keywords", "must be a list of strings")
            continue
        if not isinstance(slug, str):
            bad(f"topics.{name}.slug", "must be a string", 'e.g. slug = "moscow"')
            continue
        if slug and not slugify(slug):
            bad(
                f"topics.{name}.slug", f"{slug!r} gives an empty URL", "use latin letters or digits"
            )
            continue
        topics.append(TopicSettings(name, description, tuple(keywords), slugify(slug)))
    values["topics"] = tuple(topics)


def _parse_feeds(value: Any, values: dict[str, Any], bad: Any) -> None:
    if not isinstance(value, dict):
        bad("feeds", "must be a table: entries = 20, full_content = true")
        return
    entries = value.get("entries", 20)
    full_content = value.get("full_content", True)
    for key in sorted(set(value) - {"entries", "full_content"}):
        close = difflib.get_close_matches(key, ["entries", "full_content"], n=1)
        bad(f"feeds.{key}", "unknown setting", f"did you mean {close[0]!r}?" if close else None)
    if isinstance(entries, bool) or not isinstance(entries, int) or entries < 1:
        bad("feeds.entries", "must be a whole number of at least 1")
    elif not isinstance(full_content, bool):
        bad("feeds.full_content", "must be true or false")
    else:
        values["feeds"] = FeedSettings(entries=entries, full_content=full_content)


_PEOPLE_KEYS = {
    "authors": ("bio", "url", "photo", "slug"),
    "sources": ("description", "url", "slug"),
}


def _parse_people(key: str, value: Any, values: dict[str, Any], bad: Any) -> None:
    """[tool.newsdigest.authors."Jane Doe"] and [tool.newsdigest.sources.AFP] tables."""
    accepted = _PEOPLE_KEYS[key]
    if not isinstance(value, dict):
        bad(key, f'must be a table: [tool.newsdigest.{key}."Name"]')
        return
    found = []
    for name, settings in sorted(value.items()):
        where = f"{key}.{name}"
        if not isinstance(settings, dict):
            bad(where, f"must be a table with {', '.join(accepted)}")
            continue
        texts: dict[str, str] = {}
        for setting, text in sorted(settings.items()):
            if setting not in accepted:
                close = difflib.get_close_matches(setting, accepted, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"use {', '.join(accepted)}"
                bad(where, f"unknown setting {setting!r}", hint)
            elif not isinstance(text, str):
                bad(f"{where}.{setting}", "must be a string")
            else:
                texts[setting] = text.strip()
        for setting in ("url", "photo"):
            if texts.get(setting) and (wrong := link_problem(texts[setting], absolute=False)):
                bad(f"{where}.{setting}", wrong, "use an https:// address or a path on the site")
                texts.pop(setting)
        if texts.get("slug") is not None and not slugify(texts["slug"]):
            bad(f"{where}.slug", f"{texts['slug']!r} gives an empty URL", "use latin letters")
            texts.pop("slug")
        if "slug" in texts:
            texts["slug"] = slugify(texts["slug"])
        kind = AuthorSettings if key == "authors" else SourceSettings
        found.append(kind(name, **texts))
    values[key] = tuple(found)


_MENU_KEYS = ("name", "url", "weight")


def _parse_menu(value: Any, values: dict[str, Any], bad: Any) -> None:
    """[[tool.newsdigest.menu]] entries, ordered by weight, then as written."""
    example = '[[tool.newsdigest.menu]] name = "About", url = "about/", weight = 10'
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        bad("menu", "must be a list of tables", example)
        return
    items = []
    for number, item in enumerate(value, start=1):
        where = f"menu, entry {number}"
        for key in sorted(set(item) - set(_MENU_KEYS)):
            close = difflib.get_close_matches(key, _MENU_KEYS, n=1)
            bad(where, f"unknown setting {key!r}", f"did you mean {close[0]!r}?" if close else
                "menu entries take name, url and weight")  # fmt: skip
        name, url, weight = item.get("name"), item.get("url"), item.get("weight", 0)
        if not isinstance(name, str) or not name.strip():
            bad(where, "needs a name", example)
        elif not isinstance(url, str):
            bad(where, f"{name!r} needs a url", example)
        elif isinstance(weight, bool) or not isinstance(weight, int):
            bad(where, f"{name!r}: weight must be a whole number")
        elif wrong := link_problem(url.strip(), absolute=False):
            bad(where, f"{name!r}: {wrong}", 'use "about/" for a page of the site, or https://...')
        else:
            external = bool(urlsplit(url.strip()).scheme)
            link = url.strip() if external else _site_path(url.strip())
            # An item for a page of the default menu is current where that one was.
            kinds = next((d.kinds for d in DEFAULT_MENU if d.url == link and not external), ())
            items.append(MenuItem(name.strip(), link, weight, external, kinds))
    values["menu"] = tuple(sorted(items, key=lambda item: item.weight))


def _site_path(url: str) -> str:
    """A link on the site as written in the settings ("/about/", "about/") without its leading
    slash, so that it follows base_url; any ?query or #fragment is kept."""
    parts = urlsplit(url)
    path = clean_url(parts.path)
    suffix = (f"?{parts.query}" if parts.query else "") + (
        f"#{parts.fragment}" if parts.fragment else ""
    )
    return path + suffix


def link_problem(url: str, absolute: bool) -> str | None:
    """What is wrong with a link from the settings, or None: http(s), mailto or a path."""
    if any(ord(char) < 32 or ord(char) == 127 for char in url):
        return f"{url!r} has a control character in it"
    scheme = urlsplit(url).scheme.lower()
    if scheme in ("http", "https"):
        return None if urlsplit(url).hostname else f"{url!r} has no host name"
    if scheme == "mailto":
        return None
    if scheme or url.startswith("//"):
        return f"{url!r}: only http, https, mailto and paths on the site are allowed"
    if absolute:
        return f"{url!r} must be an absolute http:// or https:// address"
    return None


_TABLES: dict[str, tuple[type, dict[str, type]]] = {
    "pages": (PageSettings, {"sitemap": bool, "search": bool}),
    "publisher": (PublisherSettings, {"name": str, "url": str, "logo": str}),
}


def _parse_table(key: str, value: Any, values: dict[str, Any], bad: Any) -> None:
    """A table of simple settings: [tool.newsdigest.pages] and [tool.newsdigest.publisher]."""
    kind, types = _TABLES[key]
    if not isinstance(value, dict):
        bad(key, f"must be a table: [tool.newsdigest.{key}]")
        return
    settings = {}
    for name, setting in sorted(value.items()):
        if name not in types:
            close = difflib.get_close_matches(name, types, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"use {', '.join(types)}"
            bad(f"{key}.{name}", "unknown setting", hint)
        elif not isinstance(setting, types[name]):
            bad(f"{key}.{name}", f"must be {_TYPE_NAMES[types[name]]}, not {setting!r}")
        elif (
            isinstance(setting, str)
            and name in ("url", "logo")
            and (wrong := link_problem(setting, absolute=name == "url"))
        ):
            bad(f"{key}.{name}", wrong)
        else:
            settings[name] = setting.strip() if isinstance(setting, str) else setting
    values[key] = kind(**settings)


# The keys of [tool.newsdigest.edition], and the EditionSettings field each one sets.
_EDITION_KEYS = {"header": "header", "footer": "footer", "from": "sender", "reply_to": "reply_to"}
_EDITION_TEXT_LENGTH = 2_000


def _parse_edition(value: Any, values: dict[str, Any], bad: Any) -> None:
    if not isinstance(value, dict):
        bad("edition", 'must be a table: header = "...", footer = "...", from = "..."')
        return
    settings: dict[str, str] = {}
    for key, text in sorted(value.items()):
        where = f"edition.{key}"
        if key not in _EDITION_KEYS:
            close = difflib.get_close_matches(key, list(_EDITION_KEYS), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "use header, footer, from, reply_to"
            bad(where, "unknown setting", hint)
        elif not isinstance(text, str):
            bad(where, f"must be a string, not {text!r}")
        elif len(text) > _EDITION_TEXT_LENGTH:
            bad(where, f"is {len(text):,} characters long; at most {_EDITION_TEXT_LENGTH:,}")
        elif key in ("from", "reply_to") and (wrong := _address_problem(key, text)):
            bad(where, wrong, 'e.g. "The Ledger <news@ledger.example.org>"')
        elif key == "header" and ("\n" in text or "\r" in text):
            bad(where, "must be one line", "put longer text in the footer")
        else:
            settings[_EDITION_KEYS[key]] = text.strip()
    values["edition"] = EditionSettings(**settings)


def _address_problem(key: str, text: str) -> str | None:
    """Why a From or Reply-To value is not an e-mail address (or list of them), or None."""
    if any(character in text for character in "\r\n\0"):
        return "must be one line"
    header = email_policy.default.header_factory("Reply-To" if key == "reply_to" else "From", text)
    addresses = getattr(header, "addresses", ())
    if header.defects or not addresses:
        return f"{text!r} is not an e-mail address"
    if key == "from" and len(addresses) != 1:
        return f"{text!r} must be one address"
    for address in addresses:
        if not address.username or not address.domain:
            return f"{address.addr_spec!r} is not an e-mail address"
    return None


def _check_values(values: dict[str, Any], bad: Any) -> None:
    """Check the values that have a valid type but may still be wrong."""
    if "timezone" in values:
        try:
            ZoneInfo(values["timezone"])
        except (ZoneInfoNotFoundError, ValueError):
            bad(
                "timezone",
                f"unknown time zone {values['timezone']!r}",
                'use an IANA name such as "Europe/Berlin" or "UTC"',
            )
            del values["timezone"]
    for key in ("per_page", "home_days"):
        if key in values and values[key] < 1:
            bad(key, "must be at least 1")
    if "base_url" in values:
        base = values["base_url"]
        wrong = base_url_problem(base)
        if wrong:
            bad("base_url", wrong, 'e.g. "/" or "https://example.org/digest/"')
        values["base_url"] = base if base.endswith("/") else base + "/"
    if values.get("default_image"):
        image = values["default_image"].strip()
        if wrong := link_problem(image, absolute=False):
            bad("default_image", wrong, 'e.g. "card.jpg" (a file of content/) or https://...')
            del values["default_image"]
        else:
            values["default_image"] = image if urlsplit(image).scheme else clean_url(image)
    if values.get("slug_from", "file") not in ("file", "title"):
        bad("slug_from", f'must be "file" or "title", not {values.pop("slug_from")!r}')
    if "permalink" in values and "{slug}" not in values["permalink"]:
        bad("permalink", "must contain {slug}", 'e.g. "{year}/{month}/{day}/{slug}/"')
    if "permalink" in values:
        try:
            values["permalink"].format(year="2024", month="01", day="01", slug="x")
        except (KeyError, IndexError, ValueError) as error:
            bad("permalink", f"bad placeholder {error}", "use {year} {month} {day} {slug}")


def base_url_problem(base: str) -> str | None:
    """What is wrong with a base_url (from the settings or --base-url), or None."""
    parts = urlsplit(base)
    if base.startswith("//") or not (base.startswith("/") or parts.scheme in ("http", "https")):
        return f"{base!r} must start with / or http:// or https://"
    if parts.scheme and not parts.hostname:
        return f"{base!r} has no host name"
    if parts.query or parts.fragment or "?" in base or "#" in base:
        return f"{base!r} must not have a ?query or #fragment"
    return None


def base_url_warnings(config: Config) -> list[Problem]:
    """What a base_url that builds fine will still get wrong once the site is published."""
    base = config.base_url
    parts = urlsplit(base)
    found = []
    if not parts.scheme:
        found.append(
            Problem(
                CONFIG_FILE,
                f"[tool.newsdigest] base_url: {base!r} is relative: feeds, sitemaps and canonical "
                "URLs need an absolute base_url such as https://example.org/",
                hint="set it to the address the site is published at, or pass --base-url",
                severity="warning",
            )
        )
    if parts.path.strip("/"):
        sitemap = f"{base}sitemap.xml" if parts.scheme else f"https://DOMAIN{parts.path}sitemap.xml"
        found.append(
            Problem(
                CONFIG_FILE,
                f"[tool.newsdigest] base_url: {base!r} has a path: robots.txt is only read at a "
                f"domain's root, so crawlers will not read the one at {parts.path}robots.txt",
                hint=f"add 'Sitemap: {sitemap}' to the robots.txt at the domain's root",
                severity="warning",
            )
        )
    return found
