"""feeds.opml: every feed of the site in one OPML 2.0 file, to subscribe to all at once."""

from __future__ import annotations

from newsdigest.config import Config
from newsdigest.feeds import xml_attr, xml_text
from newsdigest.urls import join_base


def opml(title: str, feeds: tuple[tuple[str, str, str], ...], config: Config) -> bytes:
    """An OPML 2.0 subscription list: `feeds` as (title, feed URL, page URL), site-relative.

    Every URL is absolute: a feed reader imports the file from anywhere. `type="rss"` is what
    readers look for in a subscription list, Atom feeds included.
    """
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{xml_text(title)}</title>",
        "    <docs>http://opml.org/spec2.opml</docs>",
        "  </head>",
        "  <body>",
    ]
    for name, feed_url, page_url in feeds:
        lines.append(
            f'    <outline type="rss" text={xml_attr(name)} title={xml_attr(name)} '
            f"xmlUrl={xml_attr(join_base(config.base_url, feed_url))} "
            f"htmlUrl={xml_attr(join_base(config.base_url, page_url))}/>"
        )
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines).encode("utf-8")
