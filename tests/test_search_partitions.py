"""The search index split by date: which partitions there are, which a build indexes again,
what the bundles hold, and what the dev server does with them (no browser here; see
test_search_browser.py for searches in Chromium)."""

from __future__ import annotations

import gzip
import itertools
import json
import random
import re
import sys
import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from conftest import article, build_site, output_files, write_site

from newsdigest import bundles, pipeline, search
from newsdigest.articles import Selection
from newsdigest.cache import load_state
from newsdigest.config import load_config
from newsdigest.errors import BuildFailed
from newsdigest.preview import Preview
from newsdigest.search import SCHEME, Member, Scheme, order_key, plan_partitions

REPO = Path(__file__).resolve().parent.parent

SMALL = Scheme(
    sealed_minimum=5, sealed_every=4, sealed_maximum=12,
    newest_minimum=2, newest_every=2, newest_maximum=5,
)  # fmt: skip
TOPICS = ["Energy", "Climate", "Ukraine", "Space"]


@pytest.fixture
def small_partitions(monkeypatch: pytest.MonkeyPatch) -> Scheme:
    """Partitions of a handful of articles, so that a small site has several."""
    monkeypatch.setattr(search, "SCHEME", SMALL)
    return SMALL


def members(count: int, start: int = 0) -> list[Member]:
    moment = datetime(2024, 1, 1, tzinfo=UTC)
    return [
        Member(f"2024/story-{n}/index.html", f"2024/story-{n}/", moment + timedelta(hours=7 * n))
        for n in range(start, start + count)
    ]


def names_and_members(partitions: tuple[search.Partition, ...]) -> dict[str, tuple[str, ...]]:
    return {p.name: tuple(m.file for m in p.members) for p in partitions}


# -- the partitions ---------------------------------------------------------------------------


def test_the_same_articles_give_the_same_partitions_in_any_order() -> None:
    articles = members(500)
    shuffled = list(articles)
    random.Random(7).shuffle(shuffled)
    assert plan_partitions(articles, SMALL) == plan_partitions(shuffled, SMALL)


def test_partitions_hold_consecutive_dates_within_their_sizes() -> None:
    newest_sizes = set()
    for count in range(480, 500):
        articles = members(count)
        partitions = plan_partitions(articles, SMALL)
        flat = [m for p in partitions for m in p.members]
        assert flat == sorted(articles, key=lambda m: m.order)
        sizes = [len(p.members) for p in partitions]
        assert all(SMALL.sealed_minimum <= size <= SMALL.sealed_maximum for size in sizes[:-2])
        assert sizes[-2] <= SMALL.sealed_maximum
        # The newest is small, unless a sealed partition has just closed with the last article.
        assert sizes[-1] <= SMALL.newest_maximum or sizes[-1] >= SMALL.sealed_minimum
        newest_sizes.add(sizes[-1])
        assert len({p.name for p in partitions}) == len(partitions)
    assert min(newest_sizes) <= SMALL.newest_maximum


def test_articles_added_at_the_newest_end_never_change_a_sealed_partition() -> None:
    articles = members(2_000)
    before = plan_partitions(articles[:1_000], SMALL)
    touched = []
    for day in range(1, 51):  # fifty days of twenty articles
        after = plan_partitions(articles[: 1_000 + 20 * day], SMALL)
        old, new = names_and_members(before), names_and_members(after)
        sealed = list(old)[:-2]
        assert all(new.get(name) == old[name] for name in sealed), day
        touched.append(sum(len(p.members) for p in after if old.get(p.name) != new[p.name]))
        before = after
    # Most days touch the small newest partition only.
    assert sorted(touched)[len(touched) // 2] <= 20 + SMALL.newest_maximum


def test_deleting_an_old_article_changes_its_own_partition_only() -> None:
    """Its own partition; the next one too only when the deleted article was the one its
    partition ended after, or the end was a cut made by count (at the maximum or the minimum),
    which moves with the deletion."""
    articles = members(4_000)
    partitions = plan_partitions(articles)
    before = names_and_members(partitions)
    names = list(before)
    for gone in random.Random(3).sample(range(3_000), 60):
        after = names_and_members(plan_partitions(articles[:gone] + articles[gone + 1 :]))
        changed = {name for name in after if before.get(name) != after[name]}
        [own] = [n for n, files in before.items() if articles[gone].file in files]
        following = names[names.index(own) + 1]
        size = len(before[own])
        moves_next = size in (SCHEME.sealed_maximum, SCHEME.sealed_minimum)
        moves_next |= before[own][-1] == articles[gone].file
        renamed = {n for n in changed if n not in before}
        assert changed - renamed <= ({own, following} if moves_next else {own}), (gone, size)
        assert len(changed) <= (2 if moves_next else 1)


def test_articles_of_the_same_minute_are_ordered_by_url() -> None:
    moment = datetime(2026, 10, 1, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    assert order_key(moment, "b/") > order_key(moment, "a/")
    assert order_key(moment + timedelta(seconds=1), "a/") > order_key(moment, "b/")
    assert order_key(datetime(1950, 1, 1, tzinfo=UTC), "z/") < order_key(moment, "a/")


# -- what a build indexes ---------------------------------------------------------------------


def newsroom(count: int, start: int = 0) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {}
    for n in range(start, start + count):
        files[f"content/{n:03d}.md"] = article(
            f"Report number {n}",
            f"2026-{9 + n // 28:02d}-{1 + n % 28:02d}T{8 + n % 9:02d}:00:00",
            f"Paragraph about word{n}x and the harbour.\n\nSecond paragraph of report {n}.",
            topics=f"[{TOPICS[n % 4]}]",
            source="AFP" if n % 2 else "Reuters",
        )
    return files


def bundle_files(root: Path) -> dict[str, bytes]:
    return {n: d for n, d in output_files(root).items() if n.startswith("pagefind/")}


def partitions_of(root: Path) -> list[dict[str, object]]:
    listing = json.loads((root / "public/pagefind/partitions.json").read_text(encoding="utf-8"))
    return list(listing["partitions"])


def folders_changed(before: dict[str, bytes], after: dict[str, bytes]) -> set[str]:
    names = {n for n in before.keys() | after.keys() if before.get(n) != after.get(n)}
    return {n.split("/")[1] for n in names if n.count("/") >= 2}


def given_to_pagefind(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The article pages Pagefind is asked to index, as it is asked."""
    given: list[str] = []
    run = search._run_pagefind

    def recording(members: Sequence[Member], *args: Any) -> dict[str, bytes]:
        given.extend(member.url for member in members)
        return run(members, *args)

    monkeypatch.setattr(search, "_run_pagefind", recording)
    return given


def test_a_build_indexes_only_the_partitions_whose_pages_changed(
    site: Path, tmp_path: Path, small_partitions: Scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_site(site, newsroom(60), 'base_url = "https://example.org/"\n')
    build_site(site)
    given = given_to_pagefind(monkeypatch)
    written_before = {m.url: (site / "public" / m.file).stat().st_mtime_ns
                      for m in _article_members(site)}  # fmt: skip
    before = bundle_files(site)
    plan_before = names_and_members(plan_partitions(_article_members(site)))
    assert [str(p["name"]) for p in partitions_of(site)] == list(plan_before)
    assert len(plan_before) >= 5
    mtimes = {n: (site / "public" / n).stat().st_mtime_ns for n in before}

    # An edit of an old article, a deletion of another one, two new articles.
    edited = site / "content/005.md"
    edited.write_text(edited.read_text().replace("harbour", "lighthouse"), encoding="utf-8")
    (site / "content/030.md").unlink()
    for name, text in newsroom(2, start=60).items():
        (site / name).write_text(str(text), encoding="utf-8")
    build_site(site)
    after = bundle_files(site)
    plan_after = names_and_members(plan_partitions(_article_members(site)))

    moved = {n for n in plan_after.keys() | plan_before.keys()
             if plan_after.get(n) != plan_before.get(n)}  # fmt: skip
    [holder] = [n for n, files in plan_after.items() if any("/005/" in f for f in files)]
    assert folders_changed(before, after) == moved | {holder}
    assert len(moved | {holder}) < len(plan_after)
    untouched = [n for n in before if n.count("/") > 1 and n.split("/")[1] not in moved | {holder}]
    assert untouched
    assert all((site / "public" / n).stat().st_mtime_ns == mtimes[n] for n in untouched)
    state = load_state(load_config(site))
    digests = {p.name: p.digest for p in plan_partitions(_article_members(site))}
    assert all(state.search[f"partition:{name}"] == digest for name, digest in digests.items())
    # Pagefind was given the article pages that the build wrote anew (the edited and new ones,
    # and those whose links to others changed), not the other pages of their partitions, which
    # came from the earlier bundles; and the files are a fresh build's.
    rewritten = {
        m.url
        for m in _article_members(site)
        if (site / "public" / m.file).stat().st_mtime_ns != written_before.get(m.url)
    }
    assert set(given) == rewritten
    assert len(given) < len(written_before) / 2
    assert {url.split("/")[-2] for url in given} >= {"005", "060", "061"}
    for folder in (".newsdigest-cache", "public"):
        (site / folder).rename(tmp_path / f"old-{folder}")
    given.clear()
    build_site(site)
    assert len(given) == 61
    assert bundle_files(site) == after


def test_an_edit_or_articles_added_at_the_end_change_a_bundle_in_place(
    site: Path, tmp_path: Path, small_partitions: Scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bundle whose pages keep their places (an article edited, articles added after the
    newest) is changed in place: the pages it keeps are not read back, and the files are a
    fresh build's all the same."""
    write_site(site, newsroom(60), 'base_url = "https://example.org/"\n')
    build_site(site)
    given = given_to_pagefind(monkeypatch)
    patched: list[int] = []
    read_back: list[str] = []
    patch, bundle = search.patch_bundle, search._Earlier._bundle

    def patching(opened: Any, kept: int, *args: Any) -> dict[str, bytes] | None:
        patched.append(kept)
        return patch(opened, kept, *args)

    def reading(self: Any, name: str) -> Any:
        read_back.append(name)
        return bundle(self, name)

    monkeypatch.setattr(search, "patch_bundle", patching)
    monkeypatch.setattr(search._Earlier, "_bundle", reading)
    edited = site / "content/005.md"
    edited.write_text(edited.read_text().replace("harbour", "lighthouse"), encoding="utf-8")
    build_site(site)
    assert "2026/09/06/005/" in given  # with the pages whose related articles changed
    assert patched
    assert read_back == []
    for name, text in newsroom(3, start=60).items():  # after the newest
        (site / name).write_text(str(text), encoding="utf-8")
    given.clear()
    build_site(site)
    assert {url.split("/")[-2] for url in given} >= {"060", "061", "062"}
    assert patched[1:] and read_back == []
    after = bundle_files(site)
    for folder in (".newsdigest-cache", "public"):
        (site / folder).rename(tmp_path / f"old-{folder}")
    build_site(site)
    assert bundle_files(site) == after


def test_the_bundle_changed_in_place_is_opened_while_the_pages_render(
    site: Path, tmp_path: Path, small_partitions: Scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The build decodes the bundle it will change in place while its workers render
    (search.open_ahead), and indexing takes that one instead of reading it again: the same
    bytes as a fresh build."""
    write_site(site, newsroom(60), 'base_url = "https://example.org/"\n')
    build_site(site)
    opened: list[str] = []
    ahead: list[tuple[str, int]] = []
    open_bundle, open_ahead = search._InPlace.open, pipeline.open_ahead

    def opening(self: Any) -> Any:
        opened.append(self.folder.name)
        return open_bundle(self)

    def opening_ahead(*args: Any) -> Any:
        found = open_ahead(*args)
        ahead.extend(found)
        return found

    monkeypatch.setattr(search._InPlace, "open", opening)
    monkeypatch.setattr(pipeline, "open_ahead", opening_ahead)
    for name, text in newsroom(3, start=60).items():  # after the newest
        (site / name).write_text(str(text), encoding="utf-8")
    build_site(site)
    assert ahead and opened[: len(ahead)] == [name for name, _ in ahead]
    assert len(set(opened)) == len(opened)  # none opened again
    after = bundle_files(site)
    for folder in (".newsdigest-cache", "public"):
        (site / folder).rename(tmp_path / f"old-{folder}")
    build_site(site)
    assert bundle_files(site) == after


def _article_members(site: Path) -> list[Member]:
    """The article pages of a built site, read back from their HTML."""
    found = []
    for path in sorted((site / "public").glob("2026/*/*/*/index.html")):
        if path.parent.name == "edition":  # a day's e-mail edition, not an article
            continue
        html = path.read_text(encoding="utf-8")
        stamp = re.search(r'<time datetime="([^"]+)" data-pagefind-meta', html)
        assert stamp is not None
        url = path.parent.relative_to(site / "public").as_posix() + "/"
        found.append(Member(f"{url}index.html", url, datetime.fromisoformat(stamp.group(1))))
    return found


def test_the_page_sorts_by_the_key_the_partitions_follow(site: Path) -> None:
    write_site(site, newsroom(3), 'base_url = "https://example.org/"\n')
    build_site(site)
    for member in _article_members(site):
        html = (site / "public" / member.file).read_text(encoding="utf-8")
        assert f'data-pagefind-sort="date:{member.order}"' in html


def test_the_index_is_the_same_bytes_for_the_same_pages(
    site: Path, tmp_path: Path, small_partitions: Scheme
) -> None:
    files = newsroom(30)
    files["content/ja.md"] = article("東京の地震", "2026-09-03T10:00:00", JAPANESE, lang="ja")
    files["content/uk.md"] = article("Генератори", "2026-09-04T10:00:00", UKRAINIAN, lang="uk")
    write_site(site, files, 'base_url = "https://example.org/"\n')
    build_site(site)
    first = bundle_files(site)
    (site / ".newsdigest-cache").rename(tmp_path / "old-cache")
    (site / "public").rename(tmp_path / "old-public")
    build_site(site)
    assert bundle_files(site) == first


JAPANESE = "東京で大きな地震が発生しました。気象庁によると津波の心配はありません。"
UKRAINIAN = "Сільські громади отримали нові генератори напередодні опалювального сезону."


def test_each_article_is_indexed_in_its_own_language(site: Path) -> None:
    write_site(
        site,
        {
            "content/en.md": article("Harbour", "2026-09-01T10:00:00", "The harbour reopened."),
            "content/ja.md": article("東京の地震", "2026-09-02T10:00:00", JAPANESE, lang="ja"),
            "content/uk.md": article("Генератори", "2026-09-03T10:00:00", UKRAINIAN, lang="uk"),
            "content/el.md": article(
                "Αναδάσωση", "2026-09-04T10:00:00", "Νέο πρόγραμμα.", lang="el"
            ),
        },
        'base_url = "https://example.org/"\nlanguage = "en"\n',
    )
    build_site(site)
    pages = {p.parent.name: p.read_text(encoding="utf-8")
             for p in (site / "public/2026/09").glob("*/*/index.html")
             if p.parent.name != "edition"}  # fmt: skip
    langs = {name: re.search(r'<html lang="([^"]+)"', html).group(1)  # type: ignore[union-attr]
             for name, html in pages.items()}  # fmt: skip
    assert sorted(langs.values()) == ["el", "en", "ja", "uk"]
    [listed] = partitions_of(site)
    assert listed["languages"] == {"el": 1, "en": 1, "ja": 1, "uk": 1}
    # Japanese is split into words (the extended Pagefind binary), not kept as one long string.
    words = index_words(site, "ja")
    assert "地震" in words and "津波" in words, sorted(words)[:20]


def index_words(site: Path, language: str) -> set[str]:
    words: set[str] = set()
    for path in (site / "public/pagefind").glob(f"*/index/{language}_*.pf_index"):
        for entry in bundles.unpack(path.read_bytes())[0]:
            words.add(entry[0])
            words.update(variant[0] for variant in entry[2])
    return words


def test_excerpts_come_from_the_article_text_only(site: Path) -> None:
    write_site(
        site,
        {
            "content/story/index.md": article(
                "Headline about the harbour",
                "2026-09-01T10:00:00",
                "The body speaks of cranes.",
                author="Jane Byline",
                source="AFP",
                image="{src: photo.jpg, alt: 'Alt words', caption: 'Caption words', "
                "credit: 'Credit words'}",
            ),
            "content/story/photo.jpg": b"\xff\xd8\xff",
        },
        'base_url = "https://example.org/"\n',
    )
    build_site(site)
    [fragment] = (site / "public/pagefind").glob("*/fragment/*.pf_fragment")
    data = json.loads(gzip.decompress(fragment.read_bytes())[len(b"pagefind_dcd") :])
    assert data["content"].strip() == "The body speaks of cranes."
    assert data["meta"]["title"] == "Headline about the harbour"
    assert data["filters"]["source"] == ["AFP"]


def test_nothing_newsdigest_keeps_for_itself_is_in_the_output(
    site: Path, small_partitions: Scheme
) -> None:
    write_site(site, newsroom(20), 'base_url = "https://example.org/"\n')
    build_site(site)
    pagefind = {n for n in output_files(site) if n.startswith("pagefind/")}
    partitions = partitions_of(site)
    allowed = re.compile(
        r"pagefind/partitions\.json|pagefind/[\w-]+/(pagefind\.js|pagefind-worker\.js|"
        r"pagefind-entry\.json|pagefind\.\w+\.pf_meta|wasm\.\w+\.pagefind|"
        r"(index|fragment|filter)/\w+\.pf_(index|fragment|filter))"
    )
    assert [n for n in pagefind if not allowed.fullmatch(n)] == []
    assert all(set(p) == {"name", "tag", "languages", "filters"} for p in partitions)
    text = (site / "public/pagefind/partitions.json").read_text(encoding="utf-8")
    assert "report-number" not in text and "index.html" not in text
    state = load_state(load_config(site))
    assert {f"partition:{p['name']}" for p in partitions} <= set(state.search)


def test_no_search_means_no_index(site: Path) -> None:
    write_site(site, newsroom(5), 'base_url = "https://example.org/"\nsearch = false\n')
    build_site(site)
    assert not [n for n in output_files(site) if n.startswith("pagefind/")]
    assert not load_state(load_config(site)).search


# -- the dev server ---------------------------------------------------------------------------


def test_the_dev_server_indexes_in_the_background_only_the_partitions_concerned(
    site: Path, tmp_path: Path, small_partitions: Scheme, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_site(site, newsroom(40), 'base_url = "https://example.org/"\n')
    dev = Preview(site, tmp_path / "dev", {}, Selection())
    assert dev.rebuild().search_pending
    dev.index()
    before = bundle_files_in(tmp_path / "dev")
    edited = site / "content/003.md"
    edited.write_text(edited.read_text().replace("harbour", "lighthouse"), encoding="utf-8")
    report = dev.rebuild({edited})
    assert report.search_pending
    assert bundle_files_in(tmp_path / "dev") == before  # served as it was, whole
    given = given_to_pagefind(monkeypatch)
    dev.index()
    after = bundle_files_in(tmp_path / "dev")
    changed = folders_changed(before, after)
    assert len(changed) == 1
    [holder] = [
        p for p in plan_partitions(
            Member(f"{url}index.html", url, published) for url, published in _dev_members(tmp_path)
        ) if any("/003/" in m.url for m in p.members)
    ]  # fmt: skip
    assert changed == {holder.name}
    # Pagefind was given the pages written anew (the edited one, those that link to it), not
    # the whole partition.
    assert "003" in {url.split("/")[-2] for url in given}
    assert len(given) < len(holder.members)


def bundle_files_in(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted((folder / "pagefind").rglob("*"))
        if p.is_file()
    }


def _dev_members(tmp_path: Path) -> list[tuple[str, datetime]]:
    found = []
    for path in sorted((tmp_path / "dev").glob("2026/*/*/*/index.html")):
        if path.parent.name == "edition":  # a day's e-mail edition, not an article
            continue
        html = path.read_text(encoding="utf-8")
        stamp = re.search(r'<time datetime="([^"]+)" data-pagefind-meta', html)
        assert stamp is not None
        found.append((path.parent.relative_to(tmp_path / "dev").as_posix() + "/",
                      datetime.fromisoformat(stamp.group(1))))  # fmt: skip
    return found


def test_an_indexing_error_is_shown_and_the_served_index_kept(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_site(site, newsroom(6), 'base_url = "https://example.org/"\n')
    dev = Preview(site, tmp_path / "dev", {}, Selection())
    dev.rebuild()
    dev.index()
    before = bundle_files_in(tmp_path / "dev")
    broken = tmp_path / "pagefind"
    broken.write_text("#!/bin/sh\necho 'not the protocol' >&2\nexit 3\n")
    broken.chmod(0o755)
    monkeypatch.setattr(search, "pagefind_executable", lambda: broken)
    edited = site / "content/002.md"
    edited.write_text(edited.read_text().replace("harbour", "lighthouse"), encoding="utf-8")
    dev.rebuild({edited})
    with pytest.raises(BuildFailed) as failure:
        dev.index()
    messages = [str(problem) for problem in failure.value.problems]
    assert any("Pagefind failed" in message for message in messages), messages
    assert bundle_files_in(tmp_path / "dev") == before


def test_a_newer_edit_stops_the_indexing_and_the_served_index_stays_whole(
    site: Path, tmp_path: Path
) -> None:
    write_site(site, newsroom(12), 'base_url = "https://example.org/"\n')
    dev = Preview(site, tmp_path / "dev", {}, Selection())
    dev.rebuild()
    dev.index()
    before = bundle_files_in(tmp_path / "dev")
    edited = site / "content/004.md"
    edited.write_text(edited.read_text().replace("harbour", "lighthouse"), encoding="utf-8")
    dev.rebuild({edited})
    asked = []

    def cancelled() -> bool:
        asked.append(1)
        return len(asked) > 3  # a few pages in

    with pytest.raises(search.Cancelled):
        dev.index(cancelled)
    assert bundle_files_in(tmp_path / "dev") == before
    assert not list(tmp_path.glob(".dev.staging"))
    dev.index()
    assert bundle_files_in(tmp_path / "dev") != before


def test_a_small_partition_has_small_word_chunks_that_keep_a_word_s_extensions_together(
    site: Path, small_partitions: Scheme
) -> None:
    rng = random.Random(5)
    letters = "abcdefghijklmnoprstuvwyz"
    vocabulary = ["".join(rng.sample(letters, rng.randint(2, 9))) for _ in range(900)]
    files = {
        f"content/{n:02d}.md": article(
            f"Report {n}", f"2026-09-{1 + n % 28:02d}T{8 + n % 9:02d}:00:00",
            " ".join(rng.choice(vocabulary) for _ in range(300)),
        )
        for n in range(40)
    }  # fmt: skip
    write_site(site, files, 'base_url = "https://example.org/"\n')
    build_site(site)
    counts = []
    for meta_file in (site / "public/pagefind").glob("*/pagefind.*.pf_meta"):
        meta = bundles.unpack(meta_file.read_bytes())
        ranges = [(first, last) for first, last, _ in meta[2]]
        chunks = [
            [word[0] for word in bundles.unpack(chunk.read_bytes())[0]]
            for chunk in (meta_file.parent / f"index/{name}.pf_index" for *_, name in meta[2])
        ]
        flat = [word for chunk in chunks for word in chunk]
        assert flat == sorted(set(flat))  # every word once, in order
        for number, chunk in enumerate(chunks):
            for word in chunk:  # found where Pagefind looks: the first range that holds it
                first = next(i for i, (low, high) in enumerate(ranges) if low <= word <= high)
                assert first == number, (word, ranges[number])
        for before, after in itertools.pairwise(chunks):
            assert len(bundles.shared(before[-1], after[0])) <= 2, (before[-1], after[0])
        counts.append(len(chunks))
    assert max(counts) > 1  # a few pages' words, in several small chunks


FAKE_PAGEFIND = """#!{python}
import base64, json, sys, time
buffer = b""
added = 0
while True:
    chunk = sys.stdin.buffer.read1(65536)
    if not chunk:
        break
    buffer += chunk
    while b"," in buffer:
        raw, _, buffer = buffer.partition(b",")
        message = json.loads(base64.b64decode(raw))
        kind = message["payload"]["type"]
        payload = {{"type": "Ok", "index_id": 0}}
{behaviour}
        answer = {{"message_id": message["message_id"], "payload": payload}}
        sys.stdout.buffer.write(base64.b64encode(json.dumps(answer).encode()) + b",")
        sys.stdout.buffer.flush()
"""


def fake_pagefind(folder: Path, behaviour: str) -> Path:
    """A stand-in for Pagefind's service that answers each request in turn after running
    `behaviour` (Python lines indented for its message loop: they may wait, or set `payload`)."""
    script = folder / "pagefind"
    script.write_text(FAKE_PAGEFIND.format(python=sys.executable, behaviour=behaviour))
    script.chmod(0o755)
    return script


def test_a_newer_edit_stops_pagefind_while_it_writes_a_large_bundle(
    site: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An edit made while Pagefind works on a large partition does not wait for it: the dev
    server's rebuild waits for the indexing to stop, and the largest step is the bundle."""
    write_site(site, newsroom(6), 'base_url = "https://example.org/"\n')
    dev = Preview(site, tmp_path / "dev", {}, Selection())
    dev.rebuild()
    dev.index()
    before = bundle_files_in(tmp_path / "dev")
    # Indexing a large partition: no answer to GetFiles for a long time.
    slow = fake_pagefind(tmp_path, '        if kind == "GetFiles":\n            time.sleep(60)')
    monkeypatch.setattr(search, "pagefind_executable", lambda: slow)
    edited = site / "content/002.md"
    edited.write_text(edited.read_text().replace("harbour", "lighthouse"), encoding="utf-8")
    dev.rebuild({edited})
    asked_at = time.monotonic() + 1.0  # the newer edit comes once Pagefind is at work

    with pytest.raises(search.Cancelled):
        dev.index(lambda: time.monotonic() > asked_at)
    assert time.monotonic() - asked_at < 5
    assert bundle_files_in(tmp_path / "dev") == before


def _pages(count: int) -> list[tuple[str, str]]:
    words = ["harbour", "ferry", "council", "storm", "market", "bridge", "school", "river"]
    return [
        (
            f"/story-{n}/",
            f'<html lang="en"><body><main data-pagefind-body><h1>Story {n}</h1><p>'
            + " ".join(words[(n + k) % len(words)] + str(k % 13) for k in range(200))
            + "</p></main></body></html>",
        )
        for n in range(count)
    ]


def test_pages_sent_without_waiting_give_the_index_of_pages_sent_one_by_one() -> None:
    executable = search.pagefind_executable()
    assert executable is not None
    made = []
    for together in (False, True):
        with search.PagefindService(executable) as service:
            index = service.new_index({})
            if together:
                service.add_files(index, _pages(120))
            else:
                for url, html in _pages(120):
                    service.request(search._add_file(index, url, html))
            files = service.get_files(index)
            read = bundles.read_bundle(files, files.__getitem__)
            made.append(bundles.write_bundle(list(read.pages.values()), read.static, read.version,
                                             read.include_characters))  # fmt: skip
    assert made[0] == made[1]
    assert len(made[0]) > 3


def test_pagefind_s_error_for_one_page_stops_the_pages_sent_without_waiting(
    tmp_path: Path,
) -> None:
    refusing = fake_pagefind(
        tmp_path,
        '        if kind == "AddFile":\n            added += 1\n'
        "            if added == 30:\n"
        '                payload = {"type": "Error", "message": "page 30 is not HTML"}',
    )
    started = time.monotonic()
    with search.PagefindService(refusing) as service:
        index = service.new_index({})
        with pytest.raises(search.PagefindError, match="page 30 is not HTML"):
            service.add_files(index, _pages(400))
    assert time.monotonic() - started < 20


def test_a_page_that_cannot_be_read_stops_the_pages_sent_without_waiting() -> None:
    executable = search.pagefind_executable()
    assert executable is not None

    def pages() -> Iterator[tuple[str, str]]:
        yield from _pages(5)
        raise OSError("the staged page went")

    with search.PagefindService(executable) as service:
        index = service.new_index({})
        with pytest.raises(OSError, match="the staged page went"):
            service.add_files(index, pages())


def test_a_template_sorting_by_another_key_has_pagefind_index_whole_partitions(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A bundle sorted by something else than the date cannot be taken apart into pages: each
    partition concerned is indexed whole, and the build works as before."""
    template = (REPO / "templates/article.html").read_text(encoding="utf-8")
    by_title = 'data-pagefind-sort="headline:{{ article.title }}"'
    sorted_by_title = re.sub(r'data-pagefind-sort="date:[^"]*"', by_title, template)
    assert sorted_by_title != template
    files = newsroom(6)
    for number, name in enumerate(sorted(n for n in files if n.startswith("content/"))):
        files[name] = str(files[name]).replace("Report number", f"{'ZYXWVU'[number]} report")
    files["templates/article.html"] = sorted_by_title
    write_site(site, files, 'base_url = "https://example.org/"\n')
    build_site(site)
    given = given_to_pagefind(monkeypatch)
    edited = site / "content/002.md"
    edited.write_text(edited.read_text().replace("harbour", "lighthouse"), encoding="utf-8")
    build_site(site)
    # Every page of its partition: the earlier bundle cannot be read back into pages.
    assert {m.url for m in _article_members(site)} <= set(given)
    assert "lighthous" in index_words(site, "en")
