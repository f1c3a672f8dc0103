"""Redirects from old URLs (`aliases:` in front matter): a small page at each, and `_redirects`.

A static host without redirect rules still serves the page at the old URL: it sends browsers on
at once (meta refresh), tells search engines where the page lives now (rel=canonical) and to
leave the old one out (noindex), and shows a link for readers whose browser does not follow
it. Hosts that read a `_redirects` file (Netlify, Cloudflare Pages) answer with a real 301
before any page is read.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

from newsdigest.config import Config
from newsdigest.language import is_right_to_left
from newsdigest.pages import words
from newsdigest.theme import base_path
from newsdigest.urls import join_base


def redirect_page(target: str, title: str, config: Config) -> bytes:
    """The page at an old URL that sends readers to `target` (site-relative)."""
    here = base_path(config.base_url) + target
    canonical = join_base(config.base_url, target)
    said = words(config)
    direction = ' dir="rtl"' if is_right_to_left(config.language) else ""
    heading = said.gettext("Moved: %(title)s", title=title)
    link = f'<a href="{escape(here)}">{escape(title)}</a>'
    moved = said.gettext("This page has moved to %(link)s.", link=link)
    lines = [
        "<!doctype html>",
        f'<html lang="{escape(config.language)}"{direction}>',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{escape(heading)}</title>",
        f'<link rel="canonical" href="{escape(canonical)}">',
        '<meta name="robots" content="noindex">',
        f'<meta http-equiv="refresh" content="0; url={escape(here)}">',
        "</head>",
        "<body>",
        f"<p>{moved}</p>",
        "</body>",
        "</html>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def redirects_file(rules: Sequence[tuple[str, str]], config: Config) -> bytes:
    """Netlify's and Cloudflare Pages' `_redirects`: `/old/ /new/ 301` with the base path."""
    prefix = base_path(config.base_url)
    lines = [f"{prefix}{old} {prefix}{new} 301" for old, new in rules]
    return ("\n".join(lines) + "\n").encode("utf-8")
