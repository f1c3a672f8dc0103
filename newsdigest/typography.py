"""Curly quotes, dashes and ellipses in article text, at a fraction of smarty's cost.

Python-Markdown's `smarty` extension adds a dozen inline patterns, and every inline pattern
is tried at every position of every paragraph: on a 900-word article it costs about as much
as all of `extra`. This does the same job once per text node, after the inline patterns have
run, with one regular expression: quotes are curled by the character before them, which is
carried across inline elements (`"*word*"` closes after the emphasis). Text inside code,
pre, kbd, samp, script and style is left alone, and so are attributes and raw HTML (which
Python-Markdown keeps out of the tree until the end). A backslash-escaped quote stays
straight.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from xml.etree.ElementTree import Element

import markdown
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor
from markdown.util import AtomicString

NAME = "typography"
_SKIP = frozenset({"code", "pre", "kbd", "samp", "script", "style", "math"})
_SPECIAL = re.compile(r"---|--|\.\.\.|[\"']")
# After these (or at the start of the text) a quote opens; after anything else it closes.
_OPENS_AFTER = frozenset(" \t\n\r\u00a0([{\u2014\u2013\u2018\u201c/-")
_PLACEHOLDER = re.compile(r"\x02wzxhzdk:(\d+)\x03")
# Python-Markdown's placeholder for raw HTML is "\x02wzxhzdk:<index>\x03": never longer than this.
_PLACEHOLDER_LENGTH = 32
_DASHES = {"---": "\u2014", "--": "\u2013", "...": "\u2026"}


class _Typography(Treeprocessor):
    def run(self, root: Element) -> None:
        stash = self.md.htmlStash.rawHtmlBlocks

        def after_html(index: int) -> str:
            """The character a quote sees after a piece of raw inline HTML."""
            html = str(stash[index]) if index < len(stash) else ""
            # After an opening tag a quote opens (<b>"Yes"); after a closing one it closes.
            return "x" if html.startswith("</") or html.endswith("/>") else " "

        previous = " "
        for owner, attribute in _text_slots(root):
            if attribute is None:
                previous = "x"  # code and the like end in something that is not a space
                continue
            text = getattr(owner, attribute)
            if isinstance(text, AtomicString):
                previous = text[-1:] or previous
                continue
            curled, previous = curl(text, previous, after_html)
            setattr(owner, attribute, curled)


def curl(
    text: str, previous: str = " ", after_html: Callable[[int], str] = lambda _: "x"
) -> tuple[str, str]:
    """Typographic text, and its last character for the text that follows it."""
    if not _SPECIAL.search(text):
        return text, text[-1:] or previous
    out: list[str] = []
    position = 0
    for match in _SPECIAL.finditer(text):
        start = match.start()
        out.append(text[position:start])
        before = text[start - 1] if start else previous
        if before == "\x03":  # the end of a placeholder Python-Markdown put for raw HTML
            before = _after_placeholder(text, start, after_html)
        token = match.group()
        if token in _DASHES:
            out.append(_DASHES[token])
        elif token == '"':
            out.append("\u201c" if before in _OPENS_AFTER else "\u201d")
        else:
            after = text[match.end() : match.end() + 1]
            # An apostrophe, not an opening quote, before a digit: the '90s.
            opening = before in _OPENS_AFTER and after != "" and not after.isspace()
            opening = opening and not after.isdigit()
            out.append("\u2018" if opening else "\u2019")
        position = match.end()
    out.append(text[position:])
    result = "".join(out)
    return result, result[-1:] or previous


def _after_placeholder(text: str, end: int, after_html: Callable[[int], str]) -> str:
    """What a quote at `end` sees after the raw HTML placeholder that ends there.

    Only the few characters a placeholder can take are searched, never the text before it:
    a paragraph of many inline HTML spans stays linear.
    """
    begin = text.rfind("\x02", max(0, end - _PLACEHOLDER_LENGTH), end)
    placeholder = _PLACEHOLDER.fullmatch(text, begin, end) if begin >= 0 else None
    return after_html(int(placeholder.group(1))) if placeholder else "x"


def _text_slots(element: Element) -> Iterator[tuple[Element, str | None]]:
    """Every piece of text in reading order, as (element, "text" | "tail"); None for code."""
    if element.tag in _SKIP:
        yield element, None
        return
    if element.text:
        yield element, "text"
    for child in element:
        yield from _text_slots(child)
        if child.tail:
            yield child, "tail"


class TypographyExtension(Extension):
    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        # A backslash keeps a quote straight, as with smarty: \" stays ".
        md.ESCAPED_CHARS = [*md.ESCAPED_CHARS, '"', "'"]
        # After the inline patterns (20), before the table of contents (5) takes heading text.
        md.treeprocessors.register(_Typography(md), "newsdigest_typography", 7)


def makeExtension(**kwargs: object) -> TypographyExtension:  # noqa: N802 (Markdown's API)
    return TypographyExtension(**kwargs)
