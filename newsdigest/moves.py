"""Warnings for addresses that went: a URL the last build published that nothing serves now.

A digest is linked and shared for years. When an article's URL changes (a new slug, a new
date, a renamed file, another permalink pattern) or its file is removed, every link to the old
address breaks, and nothing says so. The build compares the URLs the last build published for
each content file (the build state keeps them, also across newsdigest versions) with what it
publishes now, and names each one that went with the line that would keep it: an `aliases:`
entry (a redirect page) or a `slug:` that gives the old URL back.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

from newsdigest.articles import Entry
from newsdigest.errors import Problem
from newsdigest.urls import FILE_SUFFIXES, output_file


def gone_urls(
    previous: Mapping[str, str], entries: Mapping[str, Entry], planned: Collection[str] = ()
) -> list[Problem]:
    """A warning for each URL in `previous` (content path -> URL) that nothing covers now.

    `entries` are the content files' entries now, by path, drafts included: an article made a
    draft was taken down on purpose. `planned` are the output files of this build (articles,
    redirect pages and every other page): a URL still served is not gone.
    """
    planned = planned if isinstance(planned, (set, frozenset)) else set(planned)
    missing = sorted(
        (path, url) for path, url in previous.items() if output_file(url) not in planned
    )
    if not missing:  # the everyday case: nothing moved; no need to look at every draft
        return []
    covered = set(planned)
    for current in entries.values():
        covered.add(output_file(current.url))
        covered.update(output_file(alias) for alias in current.aliases)
    problems = []
    for path, url in missing:
        if output_file(url) in covered:
            continue
        entry = entries.get(path)
        alias = f"aliases: [/{url}]"
        if entry is None:
            problems.append(
                Problem(
                    path,
                    f"was removed: its address /{url} is gone, and links to it will break",
                    hint=f"if it moved to another file, add {alias} to that file's front matter",
                    severity="warning",
                )
            )
            continue
        old_slug = _last_segment(url)
        keep = f"slug: {old_slug}" if _with_slug(entry.url, old_slug) == url else ""
        problems.append(
            Problem(
                path,
                f"its address moved from /{url} to /{entry.url}: links to the old one will break",
                hint=f"add {alias} to its front matter to redirect them"
                + (f", or {keep} to keep the old address" if keep else ""),
                severity="warning",
            )
        )
    return problems


def _last_segment(url: str) -> str:
    last = url.rstrip("/").rsplit("/", 1)[-1]
    for suffix in FILE_SUFFIXES:
        last = last.removesuffix(suffix)
    return last


def _with_slug(url: str, slug: str) -> str:
    """The URL with its last segment (the slug in every permalink pattern) replaced."""
    head, _, last = url.rstrip("/").rpartition("/")
    suffix = next((s for s in FILE_SUFFIXES if last.endswith(s)), "")
    trail = "/" if url.endswith("/") else ""
    return (f"{head}/" if head else "") + slug + suffix + trail
