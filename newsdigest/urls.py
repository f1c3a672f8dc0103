"""Slugs, permalinks, base_url joining and output paths that cannot escape the output folder."""

from __future__ import annotations

import functools
import posixpath
from datetime import datetime

from slugify import slugify as _slugify

# Long enough for a headline, short enough for every file system's 255-byte name limit.
MAX_SLUG_LENGTH = 80


@functools.lru_cache(maxsize=65536)  # topic names are slugified on every page that lists them
def slugify(text: str) -> str:
    """Turn any text into a lowercase ASCII slug (Курск -> kursk); '' when nothing is left."""
    # Drop apostrophes first so "Russia's" gives "russias", as Hugo and Pelican do.
    return _slugify(
        str(text),
        max_length=MAX_SLUG_LENGTH,
        word_boundary=True,
        save_order=True,
        replacements=[["'", ""], ["\u2019", ""]],
    )


# A pattern ending in one of these names a file ("{year}/{slug}.html"), not a folder.
FILE_SUFFIXES = (".html", ".htm")


def permalink(pattern: str, published: datetime, slug: str) -> str:
    """Fill the permalink pattern: a relative URL ending in '/', or in '.html' for a file."""
    url = pattern.format(
        year=f"{published.year:04d}",
        month=f"{published.month:02d}",
        day=f"{published.day:02d}",
        slug=slug,
    )
    cleaned = clean_url(url)
    if not cleaned or cleaned.endswith(("/", *FILE_SUFFIXES)):
        return cleaned
    return cleaned + "/"


def clean_url(url: str) -> str:
    """Normalise a site-relative URL: no leading slash, no empty, '.' or '..' segments."""
    parts = [p for p in url.split("/") if p not in ("", ".", "..")]
    if not parts:
        return ""
    return "/".join(parts) + ("/" if url.endswith("/") else "")


def output_file(url: str) -> str:
    """The file a site-relative URL is written to: 'x/' -> 'x/index.html'.

    Asked for every page of every build, so a URL that is clean already is not cleaned again.
    """
    if url.startswith((".", "/")) or "//" in url or "/." in url:
        url = clean_url(url)
    return url + "index.html" if url == "" or url.endswith("/") else url


def resolve_url(folder: str, target: str) -> str:
    """The site-relative URL of a file named relative to a folder's URL, as a browser finds it:
    `../photos/x.jpg` from "2024/08/" is "2024/photos/x.jpg". Never above the site's root.

    (clean_url drops `..` instead: a URL pattern must not climb, but a reference to a file in
    a neighbouring folder must reach it.)
    """
    parts: list[str] = []
    for part in (folder + target).split("/"):
        if part == "..":
            if parts:
                parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts) + ("/" if target.endswith("/") and parts else "")


def join_base(base_url: str, url: str) -> str:
    """Join base_url ('/', '/digest/' or 'https://example.org/digest/') and a relative URL."""
    return base_url.rstrip("/") + "/" + clean_url(url)


def resolve_link(target: str, folder: str) -> str:
    """The path a `.md` link names: relative to the linking file's folder, as in any Markdown
    (`../08/other.md`), or from content/ when it starts with a slash (`/2024/08/other.md`)."""
    if target.startswith("/"):
        return posixpath.normpath("content" + target)
    return posixpath.normpath(posixpath.join(folder, target))
