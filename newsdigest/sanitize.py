"""Strip unsafe HTML from article bodies (`sanitize = true`) with nh3, a well-kept sanitizer."""

from __future__ import annotations

import nh3

# Markdown's own output needs ids (heading anchors, footnotes) and classes (code, footnotes);
# everything else nh3 keeps by default is already safe. Scripts, event handlers and
# javascript: URLs never survive, whatever an attr_list lets an author write.
_ATTRIBUTES = {
    tag: set(attributes) | {"id", "class", "title", "lang", "dir"}
    for tag, attributes in nh3.ALLOWED_ATTRIBUTES.items()
}
_ATTRIBUTES["*"] = {"id", "class", "title", "lang", "dir"}


def clean_html(html: str) -> str:
    """Keep the markup of an article; remove whatever could run code."""
    return nh3.clean(html, attributes=_ATTRIBUTES, link_rel=None)
