"""`newsdigest edition`: a day's e-mail edition as one MIME message, made from the content.

It reads the site as a build does (through the build cache, so an unchanged file is not read
again), groups stories the same way, and renders the edition with the same theme, so the
message's HTML part is, byte for byte, the page a build publishes at the day's `edition/`.
It writes nothing: cli.py writes the message where it is asked to.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from urllib.parse import urlsplit

from newsdigest.articles import Selection
from newsdigest.cache import load_state
from newsdigest.config import CONFIG_FILE, Config
from newsdigest.content import scan_content
from newsdigest.edition import message
from newsdigest.errors import BuildFailed, Problem, UsageError, errors_in
from newsdigest.pages import Page, edition_context
from newsdigest.pipeline import Articles, build_time
from newsdigest.render import PageRenderer
from newsdigest.site import make_site


def edition_message(
    config: Config, day: date | None = None, limit: int | None = None
) -> tuple[bytes, date, int, list[Problem]]:
    """The message of `day`'s edition (the newest day with articles when None), its first
    `limit` stories; with the day, the number of articles in it, and warnings.

    Raises UsageError when the site cannot make one (a relative base_url, no such day) and
    BuildFailed on errors in the content.
    """
    if not urlsplit(config.base_url).scheme:
        raise UsageError(
            f"base_url {config.base_url!r} is relative: an e-mail's links must be absolute; "
            "set base_url in pyproject.toml or pass --base-url https://example.org/"
        )
    sources, problems = scan_content(config, load_state(config).sources)
    problems += [problem for source in sources.values() for problem in source.problems]
    if errors_in(problems):
        raise BuildFailed(problems)
    now = build_time(config)
    selection = Selection()
    entries = [
        source.entry
        for source in sources.values()
        if source.entry is not None and selection.includes(source.entry, now)
    ]
    site = make_site(entries, config)
    if not site.days:
        raise UsageError("the site has no published articles to make an edition of")
    days = [found.day for found in site.days]
    chosen = day or days[0]
    if chosen not in days:
        raise UsageError(
            f"no published articles on {chosen.isoformat()}; "
            f"the newest day with articles is {days[0].isoformat()}"
        )
    context = edition_context(site, config, chosen, limit)
    # Decoded from the cache, or read again where the cache cannot give it, as a build does.
    articles = Articles(sources, {entry.path: entry for entry in entries}, config)
    edition = context.edition(articles)
    renderer = PageRenderer(config)
    html = renderer.render(Page("edition", edition.url, context), articles).decode("utf-8")
    text = renderer.render(Page("edition_text", edition.text_url, context), articles)
    data = message(config, edition, text.decode("utf-8"), html, _source_date(config))
    warnings = [problem for problem in problems if not problem.is_error]
    if not config.edition.sender:
        warnings.append(
            Problem(
                CONFIG_FILE,
                "the edition has no From header",
                hint='set it: [tool.newsdigest.edition] from = "Name <address@example.org>"',
                severity="warning",
            )
        )
    return data, chosen, len(edition.articles), warnings


def _source_date(config: Config) -> datetime | None:
    """The moment SOURCE_DATE_EPOCH names, for the Date header; None when it is not set."""
    if not os.environ.get("SOURCE_DATE_EPOCH", "").strip():
        return None
    return build_time(config)
