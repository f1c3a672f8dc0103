"""The caches in .newsdigest-cache/ are hints: never trusted when damaged, foreign or stale."""

from __future__ import annotations

import hashlib
import os
import pickle
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path
from random import Random

import pytest
from conftest import article, build_site, output_files, write_site

from newsdigest import pipeline
from newsdigest.articles import Source
from newsdigest.config import load_config
from newsdigest.markdown import MarkdownRenderer, settings_key


def renderer(site: Path, **changes: object) -> MarkdownRenderer:
    config = replace(load_config(site), **changes)
    return MarkdownRenderer(config, "/")


def test_an_entry_made_with_other_markdown_settings_is_not_used(site: Path) -> None:
    write_site(site, {})
    plain = renderer(site, markdown_extensions=("extra",))
    html = plain.render("A -- b", "", sanitize=False)
    assert html == "<p>A -- b</p>"
    smart = renderer(site, markdown_extensions=("extra", "smarty"))
    assert settings_key(load_config(site)) != settings_key(
        replace(load_config(site), markdown_extensions=("extra", "smarty"))
    )
    assert smart.render("A -- b", "", sanitize=False) == "<p>A &ndash; b</p>"
    assert plain.render("A -- b", "", sanitize=False) == html  # each its own entry
    unsafe = "<script>alert(1)</script>x"
    assert "<script>" in plain.render(unsafe, "", sanitize=False)
    assert "<script>" not in plain.render(unsafe, "", sanitize=True)  # cleaned on the way out


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


def test_a_corrupt_or_foreign_state_is_ignored(site: Path) -> None:
    write_site(site, {"content/a.md": article("Title one", "2026-10-01")})
    build_site(site)
    [state] = (site / ".newsdigest-cache/state").glob("*.sqlite")
    state.write_bytes(b"not a database")
    (site / "content/a.md").write_text(article("Title two", "2026-10-01"))
    os.utime(site / "content/a.md", (1e9, 1e9))  # long saved: its signature is trusted
    build_site(site)
    assert "Title two" in (site / "public/2026/10/01/a/index.html").read_text()

    def forge(key: str | None) -> None:
        with sqlite3.connect(state) as db:
            [(text,)] = db.execute("SELECT article FROM sources WHERE path = 'content/a.md'")
            db.execute(
                "UPDATE sources SET article = ? WHERE path = 'content/a.md'",
                (text.replace("Title two", "Forged"),),
            )
            if key is not None:
                db.execute("UPDATE meta SET value = ? WHERE name = 'key'", (key,))

    key = dict(sqlite3.connect(state).execute("SELECT name, value FROM meta"))["key"]
    forge("another version")
    build_site(site)
    assert "Forged" not in (site / "public/index.html").read_text()
    forge(key)  # the right key: the state is believed
    (site / "content/b.md").write_text(article("Another", "2026-10-02"))  # the home changes
    build_site(site)
    assert "Forged" in (site / "public/index.html").read_text()


PLANTED = "planted-code-ran"


class Planted:
    """Unpickling this runs code: it makes a file next to the cache."""

    def __init__(self, where: Path) -> None:
        self.where = where

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.where / PLANTED}",))


@pytest.mark.parametrize("poison", ["pickle", "random bytes", "another site's cache"])
def test_a_poisoned_cache_runs_no_code_and_gives_the_clean_site(
    tmp_path: Path, poison: str
) -> None:
    files = {
        f"content/{n}.md": article(f"Story {n}", f"2026-10-0{n}", f"Body {n}.", topics="[T]")
        for n in range(1, 8)
    }
    clean = write_site(tmp_path / "clean", files)
    build_site(clean)
    site = write_site(tmp_path / "site", files)
    build_site(site)
    cache = site / ".newsdigest-cache"
    if poison == "another site's cache":
        other = write_site(tmp_path / "other", {
            f"content/{n}.md": article(f"Other {n}", f"2026-10-0{n}", "Other body.")
            for n in range(1, 8)
        })  # fmt: skip
        build_site(other)
        shutil.rmtree(cache)
        shutil.copytree(other / ".newsdigest-cache", cache)
    else:
        random = Random(7)
        for entry in sorted(cache.rglob("*")):
            if entry.is_file() and entry.suffix != ".lock":
                if poison == "pickle":
                    entry.write_bytes(pickle.dumps(Planted(tmp_path)))
                else:
                    entry.write_bytes(random.randbytes(random.randint(0, 4096)))
    shutil.rmtree(site / "public")
    build_site(site)
    assert not (tmp_path / PLANTED).exists()
    assert output_files(site) == output_files(clean)
    build_site(site)  # and the cache it wrote anew is good
    assert output_files(site) == output_files(clean)


def test_a_forged_html_entry_cannot_put_a_script_into_a_sanitized_site(site: Path) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01", "Plain text.")}, "sanitize = true")
    build_site(site)
    [entry] = cache_entries(site)
    header, _, html = entry.read_bytes().partition(b"\n")
    forged = html + b"<script>steal()</script>"
    key = header.split(b" ")[0]
    digest = hashlib.sha256(forged).hexdigest()[:16].encode()
    entry.write_bytes(key + b" " + digest + b"\n" + forged)  # a well-formed entry
    shutil.rmtree(site / "public")
    build_site(site)
    assert "steal()" not in (site / "public/2026/10/01/a/index.html").read_text()


def test_an_article_saved_while_it_is_built_never_gets_another_body_cached(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The HTML cache is keyed by the text that was rendered, read once."""
    path = site / "content/a.md"
    body_b, body_c = "Version B of the body.", "Version C of the body."
    write_site(site, {"content/a.md": article("A", "2026-10-01", body_b)})
    build_site(site)
    scan = pipeline.scan_content

    def save_during_build(*args: object, **kwargs: object) -> object:
        found = scan(*args, **kwargs)  # type: ignore[arg-type]
        path.write_text(article("A", "2026-10-01", body_c))  # saved after the read
        return found

    path.write_text(article("A", "2026-10-01", body_b + " Edited."))
    monkeypatch.setattr(pipeline, "scan_content", save_during_build)
    build_site(site)
    monkeypatch.undo()
    page = site / "public/2026/10/01/a/index.html"
    path.write_text(article("A", "2026-10-01", body_b))  # undo, back to B
    build_site(site)
    assert body_b in page.read_text() and body_c not in page.read_text()
    for entry in cache_entries(site):  # and every entry holds what its key says
        header, _, html = entry.read_bytes().partition(b"\n")
        text = html.decode()
        assert ("Version C" in text) == (header.split(b" ")[0].decode() == cache_key(site, body_c))


def cache_key(site: Path, body: str) -> str:
    """The key the cache files a body of content/a.md under (a body ends with its newline)."""
    return MarkdownRenderer(load_config(site), "/").cache_key(body + "\n", "")


def cache_entries(site: Path) -> list[Path]:
    return sorted((site / ".newsdigest-cache" / "html").rglob("*.html"))


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
    shutil.rmtree(site / ".newsdigest-cache")
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
    assert again.rendered == 0  # the state from the cache was used: nothing was even rendered
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


def test_a_rebuild_renders_only_the_pages_an_edit_shows_on(site: Path) -> None:
    files = {
        f"content/{n}.md": article(f"Story {n}", f"2026-{n % 3 + 8:02}-{n % 20 + 1:02}T09:00:00",
                                   f"Body {n}.", topics=f"[T{n % 4}]")
        for n in range(60)
    }  # fmt: skip
    write_site(site, files)
    first = build_site(site)
    (site / "content/7.md").write_text(files["content/7.md"] + "\nA new paragraph.\n")
    edit = build_site(site)
    # Its own page and the full-text feeds that carry it: the state told which those are.
    assert 1 <= edit.rendered <= 3 < first.rendered / 20


def test_entries_and_articles_come_back_from_the_state_as_they_were_read(site: Path) -> None:
    from newsdigest.cache import _decode_source, _encode_source
    from newsdigest.content import read_article

    write_site(
        site,
        {
            "content/a.md": article(
                "A", "2024-03-31T02:30:00", updated="2024-10-27T02:30:00", topics="[X, Y]"
            ),
            "content/b.md": article("B", "2026-10-01", draft="true", image="{src: p.jpg}"),
            "content/c.md": article(
                "C",
                "2026-10-01",
                author="[Jane Doe, John Roe]",
                source="[AFP, Reuters]",
                aliases="[/old/c/, /2020/01/01/c.html]",
                template="wide.html",
                extra="{desk: Europe, rank: 2, share: 0.5, live: true, tags: [a, {b: [1]}]}",
                image="{caption: A caption., credit: AFP}",
            ),
            "content/pages/about.md": "---\ntitle: About\nextra: {since: 2020-01-01}\n---\nUs.\n",
        },
        'timezone = "Europe/Berlin"',
    )
    config = load_config(site)
    for name in ("a.md", "b.md", "c.md", "pages/about.md"):
        found, _ = read_article(site / "content" / name, config)
        source = Source((1, 2, 3), found)
        again = _decode_source(_encode_source(source))
        assert repr(again.entry) == repr(source.entry) and again.article == found
        assert repr(again.article) == repr(found) and again.signature == (1, 2, 3)


def test_the_templates_are_parsed_again_only_when_one_changed(site: Path, monkeypatch) -> None:
    from newsdigest.theme import template_digests

    write_site(site, {"content/a.md": article("A", "2026-10-01")})
    build_site(site)
    saved = load_state_of(site).templates
    assert saved and saved == template_digests(load_config(site))
    parsed: list[str] = []
    monkeypatch.setattr(
        "jinja2.Environment.parse", lambda self, source, *a, **k: parsed.append(source) or 1 / 0
    )
    assert template_digests(load_config(site), saved) == saved
    assert parsed == []
    monkeypatch.undo()
    write_site(site, {"templates/topic.html": '{% extends "base.html" %}'})
    changed = template_digests(load_config(site), saved)
    assert changed["topic.html"] != saved["topic.html"]
    assert changed["article.html"] == saved["article.html"]
    build_site(site)  # and the build that follows saves the new digests
    assert load_state_of(site).templates == changed


def load_state_of(site: Path) -> pipeline.BuildState:
    from newsdigest.cache import load_state

    return load_state(load_config(site))


def test_the_build_after_an_edit_with_nothing_changed_stops_early(site: Path, monkeypatch) -> None:
    files = {f"content/{name}.md": article(name, f"2026-10-0{n}") for n, name in
             enumerate(["a", "b", "c", "d"], 1)}  # fmt: skip
    write_site(site, files)

    def saved_a_while_ago(*names: str) -> None:
        # A file read within moments of its change is read again next time, whatever it holds.
        for name in names:
            stat = (site / name).stat()
            os.utime(site / name, ns=(stat.st_atime_ns, stat.st_mtime_ns - 10**9))

    saved_a_while_ago(*files)
    build_site(site)
    # The edited file is read again, the others are not: the order in which the build meets
    # them is not the order of a build that reads none.
    write_site(site, {"content/a.md": article("a", "2026-10-01", "A new body.")})
    saved_a_while_ago("content/a.md")
    build_site(site)

    def no_plan(*args: object) -> None:
        raise AssertionError("nothing changed, yet the site was planned again")

    monkeypatch.setattr(pipeline, "plan_site", no_plan)
    build_site(site)


def test_a_save_that_is_stopped_leaves_the_cache_as_it_was(site: Path) -> None:
    """The dev server stops saving its state when an edit comes (the first save after a start
    writes every article): what was written is rolled back, and a later save is complete."""
    from newsdigest.cache import load_state, save_state
    from newsdigest.errors import Cancelled

    write_site(site, {f"content/{n}.md": article(f"Story {n}", "2026-10-01") for n in range(30)})
    build_site(site)
    config = load_config(site)
    saved = load_state(config)
    (site / "content/7.md").write_text(article("Story 7, edited", "2026-10-01"))
    (site / "content/new.md").write_text(article("A new story", "2026-10-02"))
    _, newer = pipeline.build(config, pipeline.BuildOptions(jobs=1), saved)
    asked = iter([False, False, True])
    with pytest.raises(Cancelled):
        save_state(config, saved, newer, lambda: next(asked, True))
    kept = load_state(config)
    assert kept.key == saved.key and kept.sources.keys() == saved.sources.keys()
    assert kept.inputs == saved.inputs and kept.outputs == saved.outputs
    assert save_state(config, saved, newer) is None
    again = load_state(config)
    assert again.sources.keys() == newer.sources.keys() and again.outputs == newer.outputs
