"""Validate content and the built site: links, images, #fragments, feeds."""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree import ElementTree

from newsdigest.articles import Selection
from newsdigest.config import Config
from newsdigest.errors import Problem
from newsdigest.pipeline import BuildOptions, build
from newsdigest.theme import base_path


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
        return (OUTSIDE, "")
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
    """Build the current content into a scratch folder and check what a reader would get."""
    with tempfile.TemporaryDirectory(prefix="newsdigest-check-") as scratch:
        output = Path(scratch) / "site"
        scratch_config = replace(config, output_dir=str(output))
        report, _ = build(scratch_config, BuildOptions(selection=selection))
        problems = list(report.warnings)
        problems += check_links(output, config.base_url)
        problems += check_feeds(output)
    return problems
