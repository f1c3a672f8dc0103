"""The caches in .newsdigest-cache/ are hints: never trusted when damaged, foreign or stale."""

from __future__ import annotations

import pickle
from dataclasses import replace
from pathlib import Path

from conftest import article, build_site, output_files, write_site

from newsdigest.config import load_config
from newsdigest.markdown import MarkdownRenderer, settings_key


def renderer(site: Path, **changes: object) -> MarkdownRenderer:
    config = replace(load_config(site), **changes)
    return MarkdownRenderer(config, "/")


def test_an_entry_made_with_other_markdown_settings_is_not_used(site: Path) -> None:
    write_site(site, {})
    calls: list[str] = []
    plain = renderer(site, markdown_extensions=("extra",))
    html = plain.render("h1", "", lambda: calls.append("read") or "A -- b", sanitize=False)
    assert calls == ["read"]
    assert plain.render("h1", "", lambda: "other", sanitize=False) == html  # a hit
    smart = renderer(site, markdown_extensions=("extra", "smarty"))
    assert settings_key(load_config(site)) != settings_key(
        replace(load_config(site), markdown_extensions=("extra", "smarty"))
    )
    assert smart.render("h1", "", lambda: "A -- b", sanitize=False) == "<p>A &ndash; b</p>"
    assert plain.render("h1", "", lambda: "x", sanitize=True) == "<p>x</p>"  # sanitize is a key


def test_a_damaged_entry_is_ignored_and_written_again(site: Path) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01", "Real *text*.")})
    build_site(site)
    entries = list((site / ".newsdigest-cache/html").rglob("*.html"))
    assert entries
    for entry in entries:
        entry.write_bytes(entry.read_bytes().replace(b"Real", b"Fake"))
    (site / "content/b.md").write_text(article("B", "2026-10-02"))  # something to rebuild
    (site / "public").rename(site / "old")
    build_site(site)
    page = (site / "public/2026/10/01/a/index.html").read_text()
    assert "Real <em>text</em>" in page and "Fake" not in page


def test_a_corrupt_or_foreign_memo_is_ignored(site: Path) -> None:
    write_site(site, {"content/a.md": article("Title one", "2026-10-01")})
    build_site(site)
    memo = site / ".newsdigest-cache/articles.pickle"
    assert memo.exists()
    memo.write_bytes(b"not a pickle")
    (site / "content/a.md").write_text(article("Title two", "2026-10-01"))
    build_site(site)
    assert (site / "public/2026/10/01/title-two/index.html").exists()
    key, entries = pickle.loads(memo.read_bytes())
    signature, (parsed, problems) = entries["content/a.md"]
    entries["content/a.md"] = (signature, (replace(parsed, title="Forged"), problems))
    memo.write_bytes(pickle.dumps(("another version", entries)))
    build_site(site)
    assert "Forged" not in (site / "public/index.html").read_text()
    memo.write_bytes(pickle.dumps((key, entries)))  # the right key: the memo is believed
    (site / "content/b.md").write_text(article("Another", "2026-10-02"))  # the home changes
    build_site(site)
    assert "Forged" in (site / "public/index.html").read_text()


def test_skipped_pages_are_exactly_what_a_build_without_memos_gives(site: Path) -> None:
    files = {
        f"content/{n}.md": article(f"Story {n}", f"2026-10-{n % 9 + 1:02}", topics=f"[T{n % 3}]")
        for n in range(30)
    }
    write_site(site, files)
    build_site(site)
    (site / "content/4.md").write_text(article("Renamed", "2026-10-05", topics="[T9]"))
    (site / "content/7.md").unlink()
    (site / "templates").mkdir()
    (site / "templates/day.html").write_text(
        '{% extends "base.html" %}{% block main %}D{% endblock %}'
    )
    build_site(site)
    with_memos = output_files(site)
    for memo in (site / ".newsdigest-cache").glob("*.*"):
        memo.unlink()
    (site / "public").rename(site / "old")
    build_site(site)
    assert output_files(site) == with_memos


def test_a_page_edited_by_hand_in_the_output_is_kept_only_until_its_inputs_change(
    site: Path,
) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01", "Body.")})
    build_site(site)
    page = site / "public/2026/10/01/a/index.html"
    page.unlink()  # a missing page is always rendered again
    report = build_site(site)
    assert page.exists() and report.written >= 1


def test_a_rebuild_with_nothing_changed_stops_early_but_notices_any_change(site: Path) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01"), "static/x.css": "p {}"})
    first = build_site(site)
    again = build_site(site)
    assert again.written == 0 and again.unchanged == first.written
    (site / "public/index.html").unlink()  # the output lost a file: build properly
    assert build_site(site).written == 1
    (site / "static/x.css").write_text("p { margin: 0 }")  # a static file changed
    report = build_site(site)
    assert report.written == 1 and report.removed == 1  # x.<new hash>.css for x.<old>.css
    (site / "content/a.md").write_text(article("A", "2026-10-01", "New body."))
    assert build_site(site).written >= 1
    (site / "content/later.md").write_text(article("Later", "2999-01-01"))
    assert build_site(site).written == 0  # a future article changes nothing ...
    assert build_site(site, future=True).written > 0  # ... until it is selected
