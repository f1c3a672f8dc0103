"""Which pages must be rendered again, from what each page declares it shows (pure).

Both commands ask the same question here. A page's fingerprint is a digest of everything it is
made from: its kind, URL and typed context (contexts.py), the sources of its template and of the
templates it pulls in, the settings, and a digest of each article it shows. A page is rendered
when its fingerprint differs from the one recorded when its file was written, or when that file
is gone or was changed by someone else.

An article has two digests. `full` covers every field; `listed` every field but those only an
article's own page and full-text feeds show (its body). Fields are named by what they leave out,
never by what they keep, so a field added to Article is part of both digests from the start and
can never be forgotten here: at worst a page is rendered once too often, never once too few.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from newsdigest.articles import Article, Picture, Source
from newsdigest.pages import Page
from newsdigest.pictures import shown_key

if TYPE_CHECKING:
    from newsdigest.cache import Output

# What shows only where an article is shown in full: a new paragraph re-renders the article's
# page and the full-text feeds, not the lists that show its headline.
# The sketch is made from the body too, and is shown nowhere: what it decides (which story an
# article is in) reaches the pages through their contexts. The images a body shows are found
# in its text (pictures.body_pictures): body only too.
BODY_ONLY = frozenset({"body_hash", "sketch", "pictures"})


_FIELD_NAMES: dict[type, tuple[tuple[str, ...], tuple[str, ...]]] = {}


def _field_names(kind: type) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The (listed, body only) field names of an Article class, worked out once per class."""
    found = _FIELD_NAMES.get(kind)
    if found is None:
        names = tuple(item.name for item in dataclasses.fields(kind))
        listed = tuple(name for name in names if name not in BODY_ONLY)
        found = _FIELD_NAMES[kind] = (listed, tuple(name for name in names if name in BODY_ONLY))
    return found


def article_digests(article: Article) -> tuple[str, str]:
    """The article's (listed, full) digests; see this module's docstring."""
    listed_names, body_names = _field_names(type(article))
    listed = "\0".join(repr(getattr(article, name)) for name in listed_names)
    body = "\0".join(repr(getattr(article, name)) for name in body_names)
    listed_digest = _hash(listed)
    return listed_digest, _hash(listed_digest + "\0" + body)


def fingerprint(
    page: Page,
    sources: Mapping[str, Source],
    templates: Mapping[str, str],
    key: str,
    pictures: Mapping[str, Picture] | None = None,
) -> str:
    """The digest of everything the page is made from.

    `sources` give each article's digests; `templates` each template's digest (with what it
    extends, includes and imports); `key` stands for what every page depends on: settings,
    asset names, version. `pictures` (the site's images by URL) give the size of each image
    the page shows of its articles: an image file is an input of the pages that show it.
    """
    parts = [key, templates.get(page.template, ""), page.kind, page.url, page.title]
    parts += [page.description, page.origin, repr(page.modified), repr(page.context)]
    listed, in_full = page.context.listed(), page.context.in_full()
    parts += [sources[path].digests[0] for path in listed]
    parts += [sources[path].digests[1] for path in in_full]
    if pictures:
        parts += [shown_key(sources[path].entry, pictures, False) for path in listed]
        parts += [shown_key(sources[path].entry, pictures, True) for path in in_full]
    return _hash("\0".join(parts))


def pages_to_render(
    pages: Sequence[Page],
    fingerprint_of: Callable[[Page], str],
    recorded: Mapping[str, Output],
    intact: Callable[[str], bool],
    candidates: Sequence[Page] | None = None,
) -> tuple[list[Page], dict[str, str]]:
    """The pages whose inputs changed since their file was written, and their fingerprints.

    `recorded` has what each file was made from when it was written, `intact(file)` tells
    whether that file is still as written. With `candidates`, only those pages can have changed
    (the plan is the last build's, and the caller knows which pages show what changed); the
    others are not looked at.
    """
    to_render = []
    fingerprints: dict[str, str] = {}
    for page in pages if candidates is None else candidates:
        file = page.file
        new = fingerprints[file] = fingerprint_of(page)
        record = recorded.get(file)
        if record is None or record.fingerprint != new or not intact(file):
            to_render.append(page)
    return to_render, fingerprints


def readers(pages: Sequence[Page]) -> dict[str, set[str]]:
    """For each article path, the files of the pages that show it."""
    found: dict[str, set[str]] = {}
    for page in pages:
        context = page.context
        for path in (*context.listed(), *context.in_full()):
            found.setdefault(path, set()).add(page.file)
    return found


def _hash(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass"), usedforsecurity=False).hexdigest()
