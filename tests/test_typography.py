"""Typographic quotes and dashes in article text, never in code, attributes or raw HTML."""

from __future__ import annotations

import time

import markdown
import pytest

from newsdigest.typography import curl

DEFAULT = ["extra", "toc", "newsdigest.typography"]


def html(source: str, extensions: list[str] = DEFAULT) -> str:
    return markdown.Markdown(extensions=extensions).convert(source)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('He said "yes".', "He said \u201cyes\u201d."),
        ("It's the '90s.", "It\u2019s the \u201990s."),
        ("'Quoted' words", "\u2018Quoted\u2019 words"),
        ("Kyiv -- Kharkiv --- and then...", "Kyiv \u2013 Kharkiv \u2014 and then\u2026"),
        ('("Nested")', "(\u201cNested\u201d)"),
        ("No specials here", "No specials here"),
    ],
)
def test_curl(text: str, expected: str) -> None:
    assert curl(text)[0] == expected


def test_quotes_close_across_inline_elements() -> None:
    assert html('"*Done*," she said.') == ("<p>\u201c<em>Done</em>,\u201d she said.</p>")


def test_code_attributes_raw_html_and_escapes_stay_straight() -> None:
    page = html(
        'Use `--jobs "2"` and <span title="a \'b\'">"raw"</span> and \\"escaped\\".\n\n'
        '    code "block" -- here\n\n'
        '[a "link"](https://example.org/a--b "it\'s")\n'
    )
    assert '<code>--jobs "2"</code>' in page
    assert "<span title=\"a 'b'\">\u201craw\u201d</span>" in page
    assert 'and "escaped".' in page
    assert 'code "block" -- here' in page
    assert 'href="https://example.org/a--b"' in page and 'title="it\'s"' in page
    assert "a \u201clink\u201d" in page


def test_headings_keep_their_anchor_and_show_curly_quotes() -> None:
    assert html('## The "Kursk" -- offensive') == (
        '<h2 id="the-kursk-offensive">The \u201cKursk\u201d \u2013 offensive</h2>'
    )


def test_it_costs_a_fraction_of_smarty() -> None:
    paragraph = ('The minister said "we will not" -- and "the talks" can\'t wait... ' * 12) + "\n\n"
    body = paragraph * 20

    def cost(extensions: list[str]) -> float:
        md = markdown.Markdown(extensions=extensions)
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            md.reset().convert(body)
            best = min(best, time.perf_counter() - started)
        return best

    plain = cost(["extra", "toc"])
    ours = cost(DEFAULT) - plain
    smarty = cost(["extra", "toc", "smarty"]) - plain
    assert ours < smarty / 2, (ours, smarty)


def test_inline_html_costs_time_in_proportion_to_its_length() -> None:
    # Each quote after a raw HTML span once searched the text from its start: 30 s for 200 KB.
    body = '<i>a</i>" ' * (200_000 // 11)  # one paragraph, as a text node is curled whole

    def best_of_three(extensions: list[str]) -> float:
        md = markdown.Markdown(extensions=extensions)
        best = float("inf")
        for _ in range(3):
            started = time.perf_counter()
            md.reset().convert(body)
            best = min(best, time.perf_counter() - started)
        return best

    assert best_of_three(DEFAULT) <= 2 * best_of_three(["extra", "toc"])
