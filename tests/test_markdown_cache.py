"""The render cache: an unchanged article is rendered once; a doubtful cache is never trusted."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import article, build_site, output_files, write_site

import newsdigest.markdown as markdown_module
from newsdigest.config import parse_config
from newsdigest.markdown import MarkdownRenderer

BODY = 'A "quoted" claim.[^1]\n\n## Details\n\n[^1]: The footnote.\n'


def renderer(site: Path, **settings: object) -> MarkdownRenderer:
    return MarkdownRenderer(parse_config(dict(settings), site), "/")


def render(markdown: MarkdownRenderer, body: str = BODY) -> str:
    return markdown.render(body, "2026/10/01/", sanitize=False)


@pytest.fixture
def conversions(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every body that reached Python-Markdown, in order."""
    seen: list[str] = []
    convert = MarkdownRenderer.convert

    def counting(self: MarkdownRenderer, body: str, asset_dir: str) -> str:
        seen.append(body)
        return convert(self, body, asset_dir)

    monkeypatch.setattr(MarkdownRenderer, "convert", counting)
    return seen


def cache_entries(site: Path) -> list[Path]:
    return sorted((site / ".newsdigest-cache" / "html").rglob("*.html"))


def test_an_unchanged_article_is_rendered_once_across_builds(
    tmp_path: Path, conversions: list[str]
) -> None:
    first = render(renderer(tmp_path))
    second = render(renderer(tmp_path))  # a new process, as the next build starts one
    assert second == first
    assert len(conversions) == 1
    assert len(cache_entries(tmp_path)) == 1


def test_a_cache_removed_while_in_use_is_made_again(tmp_path: Path) -> None:
    """`newsdigest clean` while `serve` runs: the next body rendered is stored again."""
    markdown = renderer(tmp_path)
    render(markdown)
    [entry] = cache_entries(tmp_path)
    shutil.rmtree(entry.parent.parent)
    render(markdown)
    assert cache_entries(tmp_path) == [entry]


def test_a_changed_article_is_rendered_again(tmp_path: Path, conversions: list[str]) -> None:
    render(renderer(tmp_path))
    changed = render(renderer(tmp_path), BODY.replace("claim", "denial"))
    assert "denial" in changed
    assert len(conversions) == 2


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: b"",
        lambda data: data[: len(data) // 2],
        lambda data: data.replace(b"footnote", b"FOOTNOTE"),
        lambda data: data.replace(b"footnote", b"\xff\xfe\xfd\xfc"),
        lambda data: b"garbage\n" + data,
    ],
    ids=["empty", "truncated", "edited", "not-utf8", "bad-header"],
)
def test_a_corrupt_entry_is_ignored_and_rewritten(
    tmp_path: Path, conversions: list[str], damage: object
) -> None:
    good = render(renderer(tmp_path))
    [entry] = cache_entries(tmp_path)
    entry.write_bytes(damage(entry.read_bytes()))  # type: ignore[operator]
    assert render(renderer(tmp_path)) == good
    assert len(conversions) == 2
    assert render(renderer(tmp_path)) == good
    assert len(conversions) == 2, "the rewritten entry is trusted again"


def test_an_entry_of_another_article_is_not_served(tmp_path: Path, conversions: list[str]) -> None:
    """A file copied over another key's name carries its own key in its header."""
    render(renderer(tmp_path))
    other = BODY.replace("claim", "denial")
    render(renderer(tmp_path), other)
    first, second = cache_entries(tmp_path)
    second.write_bytes(first.read_bytes())
    first.write_bytes(second.read_bytes())
    assert "claim" in render(renderer(tmp_path))
    assert "denial" in render(renderer(tmp_path), other)


def test_a_cache_from_another_version_is_ignored(
    tmp_path: Path, conversions: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    render(renderer(tmp_path))
    monkeypatch.setattr(markdown_module, "code_version", lambda: "another newsdigest")
    render(renderer(tmp_path))
    assert len(conversions) == 2
    monkeypatch.setattr(markdown_module.markdown, "__version__", "0.0.1")
    render(renderer(tmp_path))
    assert len(conversions) == 3


def test_a_cache_made_with_other_settings_is_ignored(
    tmp_path: Path, conversions: list[str]
) -> None:
    with_footnotes = render(renderer(tmp_path, markdown_extensions=["extra", "toc"]))
    without = render(renderer(tmp_path, markdown_extensions=["toc"]))
    assert 'class="footnote"' in with_footnotes
    assert 'class="footnote"' not in without
    permalinks = render(renderer(tmp_path, markdown_extensions={"toc": {"permalink": True}}))
    assert 'class="headerlink"' in permalinks
    assert len(conversions) == 3


def test_a_build_over_a_corrupt_cache_gives_the_same_site(site: Path) -> None:
    write_site(
        site,
        {
            f"content/{n}.md": article(f"Story {n}", f"2026-10-0{n}", f"Body *{n}*.\n\n## Part")
            for n in range(1, 6)
        },
    )
    build_site(site)
    first = output_files(site)
    entries = cache_entries(site)
    assert len(entries) == 5
    for number, entry in enumerate(entries):
        data = entry.read_bytes()
        entry.write_bytes(data[: number * 7] + b"<script>x</script>" + data[number * 7 + 20 :])
    (site / "public").rename(site / "old-public")  # pages must be rendered again
    build_site(site)
    assert output_files(site) == first
