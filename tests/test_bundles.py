"""Pagefind bundles taken apart into pages and put together again (newsdigest/bundles.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from newsdigest import search
from newsdigest.bundles import (
    BundleFormatError,
    IndexedPage,
    open_bundle,
    patch_bundle,
    read_bundle,
    write_bundle,
)

WORDS = ["harbour", "ferry", "café", "cafe", "council", "storm", "Київ", "громади", "地震", "津波"]
LANGUAGES = ["en", "en", "uk", "ja", "en"]


def page(number: int, sort: str | None = None) -> tuple[str, str]:
    language = LANGUAGES[number % len(LANGUAGES)]
    words = " ".join(WORDS[(number * 3 + k) % len(WORDS)] + str(k % 7) for k in range(120))
    order = sort if sort is not None else f"{number:05d}"
    return (
        f"/story-{number}/",
        f'<html lang="{language}"><body><main data-pagefind-body>'
        f'<h1 data-pagefind-meta="title">Story {number}</h1>'
        f'<span data-pagefind-filter="topic">{WORDS[number % 4]}</span>'
        f'<time data-pagefind-sort="date:{order}" data-pagefind-meta="date">{number}</time>'
        f"<p>{words}</p></main></body></html>",
    )


def indexed(pages: list[tuple[str, str]]) -> dict[str, bytes]:
    executable = search.pagefind_executable()
    assert executable is not None
    with search.PagefindService(executable) as service:
        index = service.new_index({})
        service.add_files(index, pages)
        return service.get_files(index)


def test_pages_indexed_apart_make_the_bundle_of_pages_indexed_together() -> None:
    pages = [page(n) for n in range(30)]
    together = indexed(pages)
    whole = read_bundle(together, together.__getitem__)
    first, second = indexed(pages[:11]), indexed(pages[11:])
    parts = (
        read_bundle(first, first.__getitem__).pages | read_bundle(second, second.__getitem__).pages
    )
    assert parts.keys() == whole.pages.keys()
    assert {p.language for p in parts.values()} == {"en", "uk", "ja"}
    order = [url for url, _ in pages]

    def written(found: dict[str, IndexedPage]) -> dict[str, bytes]:
        chosen = [found[url] for url in order]
        return write_bundle(chosen, whole.static, whole.version, whole.include_characters)

    made = written(dict(whole.pages))
    assert made == written(parts)
    # What is written reads back into the same pages, and writes the same bytes again.
    again = read_bundle(made, made.__getitem__)
    assert written(dict(again.pages)) == made
    assert any(name.startswith("fragment/") for name in made)
    assert {name for name in made if name.startswith("wasm.")} >= {"wasm.unknown.pagefind"}


def test_a_sort_that_is_not_in_page_order_cannot_be_taken_apart() -> None:
    files = indexed([page(n, sort=f"{100 - n:05d}") for n in range(5)])
    with pytest.raises(BundleFormatError, match="not in page order"):
        read_bundle(files, files.__getitem__)


@pytest.mark.parametrize("damage", [b"", b"not gzip", b"\x1f\x8b\x08\x00garbage"])
def test_a_damaged_file_is_a_format_error(damage: bytes) -> None:
    files = indexed([page(n) for n in range(3)])
    meta = next(name for name in files if name.endswith(".pf_meta"))
    files[meta] = damage
    with pytest.raises(BundleFormatError):
        read_bundle(files, files.__getitem__)


def test_a_page_with_a_photo_joins_pages_indexed_without_one() -> None:
    """Pagefind adds `image` metadata for a page's first picture; its index then lists more
    metadata names, and the other pages' positions in metadata are numbered in that list."""
    plain = page(1)
    url, html = page(2)
    pictured = (url, html.replace("<p>", '<img src="/photo.jpg" alt="harbour view"><p>', 1))
    together = indexed([plain, pictured])
    whole = read_bundle(together, together.__getitem__)
    apart = indexed([plain]), indexed([pictured])
    pages = {}
    for files in apart:
        pages |= read_bundle(files, files.__getitem__).pages
    assert pages[plain[0]].meta_fields != pages[pictured[0]].meta_fields
    args = whole.static, whole.version, whole.include_characters
    assert write_bundle([pages[plain[0]], pages[pictured[0]]], *args) == write_bundle(
        [whole.pages[plain[0]], whole.pages[pictured[0]]], *args
    )
    # A page read from the index that also held the photo writes as it does indexed alone.
    alone = read_bundle(apart[0], apart[0].__getitem__)
    assert write_bundle([whole.pages[plain[0]]], *args) == write_bundle(
        [alone.pages[plain[0]]], *args
    )


def test_an_index_of_ten_thousand_pages_is_cut_into_chunks_as_pagefind_cuts_them() -> None:
    """Pagefind's rule: a chunk ends once it holds 20,000 positions, and the chunk list names
    both ends by the shortest prefix that tells them apart (the comparison with one index in
    benchmarks/search_partitions.py is with Pagefind's own layout)."""
    from newsdigest import bundles

    words = [[f"harbour{n:03d}", [[0, list(range(999)), []]], []] for n in range(60)]
    written: dict[str, bytes] = {}
    listed = bundles._chunks(words, 10_000, "en", written)
    assert len(listed) == 3  # 1,000 positions a word: a chunk per 20 words
    assert [first for first, _, _ in listed] == ["harbour000", "harbour02", "harbour04"]
    assert [last for _, last, _ in listed] == ["harbour01", "harbour03", "harbour059"]
    # A partition's smaller chunks end with their last word in full.
    small = bundles._chunks(words, 1_000, "en", {})
    assert len(small) > 3
    assert all(len(last) == len("harbour000") for _, last, _ in small)


def edited(number: int, extra: str) -> tuple[str, str]:
    """page(number) with words of its own added, and some of its own words gone."""
    url, html = page(number)
    return url, html.replace("<p>", f"<p>{extra} ", 1).replace("harbour", "quay")


def files_of(bundle: dict[str, bytes]) -> tuple[list[str], Callable[[str], bytes]]:
    return list(bundle), bundle.__getitem__


@pytest.mark.parametrize(
    ("kept", "replaced", "appended"),
    [
        (12, [3], 0),  # an old article edited
        (12, [0, 11], 0),  # the first and the last
        (12, [], 4),  # articles added at the end
        (12, [5], 3),  # both
        (1, [0], 0),
    ],
)
def test_a_bundle_patched_in_place_has_the_bytes_of_one_written_whole(
    kept: int, replaced: list[int], appended: int
) -> None:
    """patch_bundle changes only the word lists, filters and sorts where the new pages are;
    what it writes is what write_bundle writes for all the pages (the same bytes as a cold
    build), whether words come, go or change their forms (café/cafe)."""
    english = [page(n) for n in range(0, 5 * (kept + appended), 5)]  # LANGUAGES[0]: English
    before = indexed(english[:kept])
    model = read_bundle(before, before.__getitem__)
    changed = {n: edited(5 * n, f"zeppelin{n} café{n} topic{n}") for n in replaced}
    after = [changed.get(n, html) for n, html in enumerate(english[: kept + appended])]
    fresh = indexed([after[n] for n in sorted(changed)] + after[kept:])
    new = read_bundle(fresh, fresh.__getitem__)
    whole = indexed(after)
    expected = write_bundle(
        [new.pages.get(url) or model.pages[url] for url, _ in after],
        new.static,
        new.version,
        new.include_characters,
    )
    assert expected == write_bundle(
        list(read_bundle(whole, whole.__getitem__).pages.values()),
        new.static,
        new.version,
        new.include_characters,
    )
    old = write_bundle(list(model.pages.values()), model.static, model.version, [])
    patched = patch_bundle(
        open_bundle(*files_of(old)),
        kept,
        {n: new.pages[after[n][0]] for n in replaced},
        [new.pages[url] for url, _ in after[kept:]],
        new,
    )
    assert patched == expected


def test_a_bundle_is_not_patched_where_pages_would_change_more_than_their_words() -> None:
    pages = [page(n) for n in range(0, 20, 5)]
    files = indexed(pages)
    bundle = read_bundle(files, files.__getitem__)
    old = write_bundle(list(bundle.pages.values()), bundle.static, bundle.version, [])
    url, html = pages[1]
    photo = indexed([(url, html.replace("<p>", '<img src="/p.jpg" alt="a view"><p>', 1))])
    with_photo = read_bundle(photo, photo.__getitem__).pages[url]
    with pytest.raises(BundleFormatError, match="not the page it replaces"):
        patch_bundle(open_bundle(*files_of(old)), 4, {1: with_photo}, [])
    with pytest.raises(BundleFormatError, match="brings metadata names"):
        patch_bundle(open_bundle(*files_of(old)), 4, {}, [with_photo])
    other = indexed([edited(5, "zeppelin")])
    with pytest.raises(BundleFormatError, match="not the page it replaces"):
        patch_bundle(
            open_bundle(*files_of(old)),
            4,
            {2: read_bundle(other, other.__getitem__).pages[url]},
            [],
        )
    with pytest.raises(BundleFormatError, match="two pages with the fragment name"):
        patch_bundle(open_bundle(*files_of(old)), 4, {2: bundle.pages[url]}, [])
    with pytest.raises(BundleFormatError, match="other pages"):
        patch_bundle(open_bundle(*files_of(old)), 3, {}, [])
    several = indexed([page(n) for n in range(3)])  # English, English, Ukrainian
    with pytest.raises(BundleFormatError, match="several languages"):
        open_bundle(*files_of(several))


def test_pages_indexed_again_into_the_same_entries_leave_the_bundle_as_it_is() -> None:
    """A page written again with other links around its text (its related articles) is
    indexed into what the bundle holds already: patch_bundle says so (None), and the build
    leaves the partition's files alone."""
    pages = [page(n) for n in range(0, 40, 5)]
    files = indexed(pages)
    bundle = read_bundle(files, files.__getitem__)
    args = bundle.static, bundle.version, bundle.include_characters
    old = write_bundle(list(bundle.pages.values()), *args)
    url, html = pages[2]
    linked = html.replace("</main>", '</main><aside><a href="/other/">Other</a></aside>')
    again = indexed([(url, linked), pages[5]])
    new = read_bundle(again, again.__getitem__)
    replaced = {2: new.pages[url], 5: new.pages[pages[5][0]]}
    assert patch_bundle(open_bundle(*files_of(old)), 8, replaced, [], new) is None
    edit = indexed([edited(10, "zeppelin")])
    changed = read_bundle(edit, edit.__getitem__)
    patched = patch_bundle(open_bundle(*files_of(old)), 8, {2: changed.pages[url]}, [], changed)
    assert patched is not None
    assert patched == write_bundle(
        [changed.pages.get(u) or bundle.pages[u] for u, _ in pages], *args
    )


def test_a_bundle_whose_pages_share_a_fragment_name_is_not_changed_in_place() -> None:
    """write_bundle refuses such a bundle (the build then keeps Pagefind's own files, as a cold
    build does); changing one of its other pages in place would write what no cold build
    writes."""
    from newsdigest.bundles import pack, unpack

    files = indexed([page(n) for n in range(0, 15, 5)])
    meta_name = next(name for name in files if name.endswith(".pf_meta"))
    meta = unpack(files[meta_name])
    meta[1][1][0] = meta[1][0][0]
    files[meta_name] = pack(meta)
    with pytest.raises(BundleFormatError, match="fragment name"):
        open_bundle(*files_of(files))
