"""Validate content and the built site: links, images, #fragments, feeds."""

from __future__ import annotations

import ast
import json
import re
import tempfile
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

from newsdigest.articles import Selection
from newsdigest.config import Config, base_url_warnings
from newsdigest.content import scan_content
from newsdigest.errors import Problem
from newsdigest.pipeline import BuildOptions, build, build_time
from newsdigest.theme import base_path
from newsdigest.urls import output_file


@dataclass(slots=True)
class _PageScan(HTMLParser):
    """Collects the links and the ids of one HTML page."""

    links: list[tuple[str, int]] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        HTMLParser.__init__(self, convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("id", "name") if tag == "a" else ("id",):
            if values.get(name):
                self.ids.add(str(values[name]))
        for name in ("href", "src"):
            if tag in ("a", "link", "img", "script", "source", "iframe") and values.get(name):
                rel = values.get("rel") or ""
                if tag == "link" and name == "href" and "canonical" in rel:
                    continue  # canonical URLs are absolute, checked with the others when local
                self.links.append((str(values[name]), self.getpos()[0]))


OUTSIDE = "\0outside"


def check_links(output: Path, base_url: str) -> list[Problem]:
    """Every internal link, image and fragment in the output that points at nothing."""
    prefix = base_path(base_url)
    site_origin = urlsplit(base_url)
    scans: dict[str, _PageScan] = {}
    for path in sorted(output.rglob("*.html")):
        scan = _PageScan()
        scan.feed(path.read_text(encoding="utf-8"))
        scans[path.relative_to(output).as_posix()] = scan
    problems = []
    for page, scan in scans.items():
        page_url = prefix + (page[: -len("index.html")] if page.endswith("index.html") else page)
        for link, line in scan.links:
            target = _internal_target(link, page_url, prefix, site_origin.netloc)
            if target is None:
                continue
            file, fragment = target
            if file == OUTSIDE:
                problems.append(
                    Problem(page, f"link {link!r} leaves the site's path {prefix}", line=line)
                )
                continue
            if not (output / file).is_file():
                problems.append(Problem(page, f"broken link {link!r}: no {file}", line=line))
                continue
            if fragment and file.endswith(".html"):
                ids = scans[file].ids if file in scans else set()
                if fragment not in ids:
                    problems.append(
                        Problem(page, f"link {link!r}: no #{fragment} in {file}", line=line)
                    )
    return problems


def _internal_target(link: str, page_url: str, prefix: str, host: str) -> tuple[str, str] | None:
    """The output file and fragment a link points at, or None for links off the site."""
    parts = urlsplit(urljoin(page_url, link))
    if parts.scheme not in ("", "http", "https") or (parts.netloc and parts.netloc != host):
        return None
    path = unquote(parts.path)
    if not path.startswith(prefix):
        # A full address of the same host is a link elsewhere on it (the newsroom's own site);
        # a path alone that leaves the site's path is a link that forgot the base path.
        return None if urlsplit(link).netloc else (OUTSIDE, "")
    relative = path[len(prefix) :]
    if relative == "" or relative.endswith("/"):
        relative += "index.html"
    return relative, unquote(parts.fragment)


def check_feeds(output: Path) -> list[Problem]:
    """Every XML and JSON file in the output parses."""
    problems = []
    for path in sorted([*output.rglob("*.xml"), *output.rglob("*.json")]):
        name = path.relative_to(output).as_posix()
        try:
            if path.suffix == ".xml":
                ElementTree.parse(path)
            else:
                json.loads(path.read_text(encoding="utf-8"))
        except (ElementTree.ParseError, ValueError) as error:
            problems.append(Problem(name, f"does not parse: {error}"))
    return problems


def check_site(config: Config, selection: Selection) -> list[Problem]:
    """Build the current content into a scratch folder and check what a reader would get.

    Problems found in the built pages are reported where the user can fix them: a link
    written in an article at its content file and line, anything else at the page as a
    build would write it into the output folder (the scratch folder is gone by then).
    """
    with tempfile.TemporaryDirectory(prefix="newsdigest-check-") as scratch:
        output = Path(scratch) / "site"
        scratch_config = replace(config, output_dir=str(output))
        report, _ = build(scratch_config, BuildOptions(selection=selection))
        found = check_links(output, config.base_url) + check_feeds(output)
    problems = [*report.warnings, *base_url_warnings(config)]
    return problems + in_sources(found, config, selection)


def in_sources(problems: list[Problem], config: Config, selection: Selection) -> list[Problem]:
    """Move each problem of a built page to the article line it comes from, where there is one."""
    if not problems:
        return []
    sources, _ = scan_content(config, {})
    now = selection.now or build_time(config)
    articles = [s.article for s in sources.values() if s.article]
    articles = [article for article in articles if selection.includes(article, now)]
    by_file = {output_file(article.url): article for article in articles}
    prefix = base_path(config.base_url)
    output_dir = Path(config.output_dir).as_posix().rstrip("/")
    seen: dict[tuple[str, str], int] = {}  # how often each link was met in each article
    moved = []
    for problem in problems:
        article = by_file.get(problem.path)
        link = _quoted_link(problem.message)
        line = None
        if article is not None and link is not None:
            count = seen[(article.path, link)] = seen.get((article.path, link), 0) + 1
            candidates = _written_forms(link, prefix + article.asset_dir, prefix)
            line = _line_of(config.site_dir / article.path, candidates, count)
        if article is not None and line is not None:
            moved.append(replace(problem, path=article.path, line=line))
        else:
            moved.append(
                replace(
                    problem,
                    path=f"{output_dir}/{problem.path}",
                    hint=problem.hint
                    or "on a page made from the templates; `newsdigest build` writes it there",
                )
            )
    return moved


def _quoted_link(message: str) -> str | None:
    """The link a check_links message quotes: "broken link '/x/': ..." -> '/x/'."""
    found = re.search(r"link ('(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")", message)
    if not found:
        return None
    try:
        value = ast.literal_eval(found.group(1))
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None


def _written_forms(link: str, asset_prefix: str, prefix: str) -> list[str]:
    """How a link in a page may have been written in Markdown, most exact first.

    The renderer prefixes relative links with the article's folder (`chart.png` becomes
    `/2026/chart.png`), so the shorter forms are tried after the link as it stands.
    """
    forms = [link]
    for start in (asset_prefix, prefix):
        if link.startswith(start) and len(link) > len(start):
            forms.append(link[len(start) :])
    return list(dict.fromkeys(forms))


def _line_of(source: Path, forms: list[str], occurrence: int) -> int | None:
    """The line of the `occurrence`-th appearance of a link (in its first form found)."""
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    for form in forms:
        # Not part of a longer path: `/gone/` must not match inside `/not/gone/`.
        pattern = re.compile(rf"(?<![\w/.#-]){re.escape(form)}(?![\w/.-])")
        starts = [match.start() for match in pattern.finditer(text)]
        if starts:
            start = starts[min(occurrence, len(starts)) - 1]
            return text.count("\n", 0, start) + 1
    return None
