"""A day's edition, as e-mail: its plain text, its HTML made fit for mail clients, the message.

The edition lists the day's stories as the day page does (each story once, with every report
of the day). Its HTML is the theme's edition.html with the CSS inlined by css-inline: mail
clients drop stylesheets and most `<style>` rules, so every rule is moved into `style`
attributes, and only what cannot be inlined (dark mode, narrow screens) stays in `<style>`.
The same bytes are published at `/{year}/{month}/{day}/edition/`, which the e-mail links to.

Everything here is pure and deterministic: the same site gives the same message, byte for
byte (its boundary is a digest of its parts, its Date comes from the articles or
SOURCE_DATE_EPOCH, its Message-ID from the site and the day). newsdigest sends nothing.
"""

from __future__ import annotations

import hashlib
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime
from urllib.parse import urlsplit

import css_inline

from newsdigest.articles import Article
from newsdigest.config import Config
from newsdigest.stories import StoryTeaser
from newsdigest.urls import join_base
from newsdigest.words import words_for

WIDTH = 72  # columns of the plain text: the width mail clients and quoting keep readable


@dataclass(frozen=True, slots=True)
class Edition:
    """What edition.html and the plain text get: the day, its label, its stories."""

    day: date
    label: str  # the day in the site's language: "Wednesday, 18 November 2026"
    subject: str  # the site's title and the day
    stories: tuple[StoryTeaser, ...]
    header: str = ""  # [tool.newsdigest.edition] header: a line under the date
    footer: str = ""  # [tool.newsdigest.edition] footer: such as how to unsubscribe

    @property
    def day_url(self) -> str:
        return f"{self.day.year:04d}/{self.day.month:02d}/{self.day.day:02d}/"

    @property
    def url(self) -> str:
        return f"{self.day_url}edition/"

    @property
    def text_url(self) -> str:
        return f"{self.day_url}edition.txt"

    @property
    def articles(self) -> tuple[Article, ...]:
        return tuple(report for story in self.stories for report in story.reports)

    @property
    def footer_pieces(self) -> list[tuple[str, str]]:
        """The footer as (text, url) pieces: its URLs become links in the HTML."""
        return link_urls(self.footer)

    @property
    def preview(self) -> str:
        """The line mail clients show beside the subject: the first headlines."""
        return " · ".join(story.lead.title for story in self.stories[:3])


# -- the day in the site's language -----------------------------------------------------------


def day_label(day: date, config: Config) -> str:
    """The day written out in the site's language, as its day page's heading is."""
    said = words_for(config.site_dir, config.language, config.catalogs)
    return said.heading(said.long_date(day))


def subject(config: Config, day: date) -> str:
    return f"{config.title} – {day_label(day, config)}"


# -- plain text ---------------------------------------------------------------------------------


def edition_text(edition: Edition, config: Config) -> str:
    """The edition as plain text: headlines, sources, summaries and links, 72 columns wide.

    A URL is never broken: one longer than a line stands on a line of its own.
    """
    said = words_for(config.site_dir, config.language, config.catalogs)
    rule = "=" * WIDTH
    lines = [config.title, edition.label]
    if edition.header:
        lines += _wrap(edition.header)
    lines += ["", said.gettext("On the web: %(url)s", url=_absolute(config, edition.url)), rule]
    for number, story in enumerate(edition.stories, start=1):
        indent = " " * (len(str(number)) + 2)
        lines.append("")
        lines += _wrap(story.lead.title, f"{number}. ", indent)
        if story.in_story:
            lines += _wrap(
                said.gettext("Reported by %(sources)s", sources=", ".join(story.sources)),
                indent,
                indent,
            )
        if story.lead.summary:
            lines += _wrap(story.lead.summary, indent, indent)
        for report in story.in_order:
            lines += _wrap(_credit(report) or said.gettext("Read it"), indent, indent)
            lines.append(indent + _absolute(config, report.url))
    lines += ["", "-" * WIDTH]
    if edition.footer:
        lines += [*_wrap(edition.footer), ""]
    lines += _wrap(said.gettext("The e-mail edition of %(site)s:", site=config.title))
    lines.append(_absolute(config, ""))
    return "\n".join(line.rstrip() for line in lines) + "\n"


def _wrap(text: str, first: str = "", rest: str = "") -> list[str]:
    return textwrap.wrap(
        " ".join(text.split()),
        WIDTH,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,  # URLs
        break_on_hyphens=False,
    ) or [first.rstrip()]


def _credit(report: Article) -> str:
    """`AFP, 07:40`: the report's source and time, whichever it has."""
    parts = [report.source or ""]
    if report.has_time:
        parts.append(report.published.strftime("%H:%M"))
    return ", ".join(part for part in parts if part)


def _absolute(config: Config, url: str) -> str:
    return join_base(config.base_url, url)


# -- HTML ---------------------------------------------------------------------------------------

_INLINER = css_inline.CSSInliner(
    load_remote_stylesheets=False,  # nothing is fetched: the theme's CSS is in the template
    minify_css=True,
)


def inline_css(html: str) -> str:
    """The rendered edition.html with its `<style>` rules moved into `style` attributes; a
    `<style data-css-inline="keep">` (@media rules, which no attribute can hold) stays."""
    inlined = _INLINER.inline(html)
    return inlined if inlined.endswith("\n") else inlined + "\n"  # as a MIME text part ends


_URL_IN_TEXT = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)]")


def link_urls(text: str) -> list[tuple[str, str]]:
    """The text in pieces (text, url): a URL in a footer such as "Unsubscribe: https://..."
    becomes a link in the HTML edition."""
    pieces: list[tuple[str, str]] = []
    start = 0
    for found in _URL_IN_TEXT.finditer(text):
        if found.start() > start:
            pieces.append((text[start : found.start()], ""))
        pieces.append((found.group(0), found.group(0)))
        start = found.end()
    if start < len(text):
        pieces.append((text[start:], ""))
    return pieces


# -- the message --------------------------------------------------------------------------------


def message(
    config: Config, edition: Edition, text: str, html: str, moment: datetime | None = None
) -> bytes:
    """The multipart/alternative message of an edition, the same bytes for the same input.

    `moment`: the Date header (SOURCE_DATE_EPOCH); else the newest article's time.
    """
    mail = EmailMessage(policy=policy.default)
    mail["Subject"] = edition.subject
    if config.edition.sender:
        mail["From"] = config.edition.sender
    if config.edition.reply_to:
        mail["Reply-To"] = config.edition.reply_to
    mail["Date"] = format_datetime(moment or _newest(edition.articles, edition.day, config))
    mail["Message-ID"] = message_id(config, edition.day)
    mail.set_content(text, subtype="plain", charset="utf-8")
    mail.add_alternative(html, subtype="html", charset="utf-8")
    mail["Content-Language"] = config.language  # after the content, which clears Content-*
    digest = hashlib.sha256((text + "\0" + html).encode("utf-8", "surrogatepass")).hexdigest()
    mail.set_boundary(f"=_edition_{digest[:32]}")
    return mail.as_bytes(policy=policy.default)


def message_id(config: Config, day: date) -> str:
    """<edition.2026-11-18.3f2a…@host>: one id per site and day."""
    parts = urlsplit(config.base_url)
    host = parts.hostname or "localhost"
    site = hashlib.sha256(f"{config.base_url}\0{config.title}".encode()).hexdigest()[:16]
    return f"<edition.{day.isoformat()}.{site}@{host}>"


def _newest(articles: Sequence[Article], day: date, config: Config) -> datetime:
    moments = [article.published for article in articles]
    if moments:
        return max(moments)
    return datetime(day.year, day.month, day.day, tzinfo=config.tz)
