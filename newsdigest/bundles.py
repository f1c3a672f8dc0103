"""Pagefind's bundle files taken apart into pages, and pages put together into a bundle.

Pagefind has no incremental mode: given one new page, it indexes every page of the bundle
again. But a bundle is only each page's words, filters and fragment, gathered: a page's entries
do not depend on the other pages of the index (its word positions, its fragment, its filter
values), only the page numbers do, and they follow the order the pages were added in. So a
bundle can be read back into pages (`read_bundle`), and pages from several bundles, some kept
and some just indexed, written into one (`write_bundle`). Written from the same pages in the
same order, the bundle has the same bytes, whichever bundles the pages were read from: a build
gives Pagefind only the pages that changed, and a cold build, which gives it every page, writes
the same files.

The format is Pagefind's (version 1.x), each file gzip of a marker and a CBOR document:
- `pagefind.<hash>.pf_meta`: [version, pages [[fragment, word count]], word chunks
  [[first word, last word, file]], filters [[name, file]], sorts [[name, [page numbers]]],
  metadata field names];
- `index/<hash>.pf_index`: [[word, pages, variants]], each page [number since the last one,
  positions, positions in metadata], each variant [form, pages];
- `filter/<hash>.pf_filter`: [name, [[value, [page numbers]]]];
- `fragment/<hash>.pf_fragment`: the page's URL, excerpt text, metadata and filters (JSON).

Anything else in a bundle (another layout, a sort not in page order, two pages with one
fragment name) raises BundleFormatError, and the caller has Pagefind index the whole partition.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import itertools
import json
import operator
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import cbor2

_PACKED = b"pagefind_dcd"
_STATIC = re.compile(r"^(?:pagefind\.js|pagefind-worker\.js|wasm\.[^/]+\.pagefind)$")


class BundleFormatError(Exception):
    """A bundle that is not laid out as this module expects."""


@dataclass(frozen=True, slots=True)
class IndexedPage:
    """One page as a Pagefind index holds it, apart from the other pages."""

    url: str
    language: str
    wasm: str | None  # the language's word-splitting module, wasm.<wasm>.pagefind, if any
    fragment: str  # its fragment's file name, without the folder and extension
    fragment_data: bytes
    word_count: int
    # (word, entry) and (word, form, entry), each entry as stored: [number since the last page,
    # positions, positions in metadata]. write_bundle sets the number in place when it packs
    # them, instead of copying hundreds of thousands of small lists.
    words: tuple[tuple[str, list[Any]], ...]
    variants: tuple[tuple[str, str, list[Any]], ...]
    filters: tuple[tuple[str, str], ...]  # (name, value)
    sorts: tuple[str, ...]  # the sorts the page takes part in
    meta_fields: tuple[str, ...]  # its metadata names, which its positions in metadata name


@dataclass(frozen=True, slots=True)
class Bundle:
    pages: dict[str, IndexedPage]  # by URL
    static: dict[str, bytes]  # pagefind.js, its worker, the wasm files
    version: str
    include_characters: list[Any]


def unpack(packed: bytes) -> Any:
    """A word list, filter or metadata file's document (CBOR)."""
    return cbor2.loads(_content(packed))


def _content(packed: bytes) -> bytes:
    """What a Pagefind file holds after its gzip and marker (CBOR, or a fragment's JSON)."""
    try:
        data = gzip.decompress(packed)
    except (OSError, EOFError) as error:
        raise BundleFormatError(f"not a Pagefind file: {error}") from error
    if not data.startswith(_PACKED):
        raise BundleFormatError("unexpected file format in the Pagefind bundle")
    return data[len(_PACKED) :]


def pack(document: Any) -> bytes:
    return gzip.compress(_PACKED + cbor2.dumps(document), compresslevel=6, mtime=0)


@contextlib.contextmanager
def _as_format_error() -> Iterator[None]:
    """A bundle's contents of an unexpected shape (a key missing, a list where a number
    belongs...) raise BundleFormatError."""
    try:
        yield
    except (LookupError, TypeError, ValueError, AttributeError) as error:
        raise BundleFormatError(f"unexpected Pagefind bundle: {error!r}") from error


def read_bundle(names: Iterable[str], read: Callable[[str], bytes]) -> Bundle:
    """A bundle's pages: `names` are its files (relative to its folder), `read` gives one."""
    with _as_format_error():
        return _read(list(names), read)


def _read(names: list[str], read: Callable[[str], bytes]) -> Bundle:
    entry_file = json.loads(read("pagefind-entry.json"))
    pages: dict[str, IndexedPage] = {}
    for language, about in entry_file["languages"].items():
        meta = unpack(read(f"pagefind.{about['hash']}.pf_meta"))
        if len(meta) != 6:
            raise BundleFormatError("unexpected metadata layout")
        listed = meta[1]
        words: list[list[tuple[str, list[Any]]]] = [[] for _ in listed]
        variants: list[list[tuple[str, str, list[Any]]]] = [[] for _ in listed]
        for chunk in meta[2]:
            for word, word_pages, word_variants in unpack(read(f"index/{chunk[2]}.pf_index"))[0]:
                # Each page is stored as [its number less the one before, positions, positions
                # in metadata]: the hot loop of reading a bundle, so written out here.
                number = 0
                for entry in word_pages:
                    number += entry[0]
                    words[number].append((word, entry))
                for form, form_pages in word_variants:
                    number = 0
                    for entry in form_pages:
                        number += entry[0]
                        variants[number].append((word, form, entry))
        filters: list[list[tuple[str, str]]] = [[] for _ in listed]
        for name, file_hash in meta[3]:
            stored_name, values = unpack(read(f"filter/{file_hash}.pf_filter"))
            if stored_name != name:
                raise BundleFormatError("a filter file of another filter")
            for value, numbers in values:
                for number in numbers:
                    filters[number].append((name, value))
        sorts: list[list[str]] = [[] for _ in listed]
        for name, numbers in meta[4]:
            if numbers != sorted(numbers):
                raise BundleFormatError(f"the sort {name!r} is not in page order")
            for number in numbers:
                sorts[number].append(name)
        for number, (fragment, word_count) in enumerate(listed):
            data = read(f"fragment/{fragment}.pf_fragment")
            document = json.loads(_content(data))
            url = document["url"]
            if url in pages:
                raise BundleFormatError(f"two pages with the URL {url}")
            # The page's own metadata names, which its positions are renumbered into: the
            # index's list holds every page's names, and changes when another page has more.
            own = tuple(sorted(document["meta"]))
            places = None
            if own != tuple(meta[5]):
                places = [own.index(name) if name in own else -1 for name in meta[5]]
            page_words, page_variants = _renumbered(words[number], variants[number], places)
            pages[url] = IndexedPage(
                url=url,
                language=language,
                wasm=about["wasm"],
                fragment=fragment,
                fragment_data=data,
                word_count=word_count,
                words=tuple(page_words),
                variants=tuple(page_variants),
                filters=tuple(sorted(filters[number])),
                sorts=tuple(sorted(sorts[number])),
                meta_fields=own,
            )
    static = {name: read(name) for name in names if _STATIC.match(name)}
    return Bundle(pages, static, entry_file["version"], entry_file["include_characters"])


def write_bundle(
    pages: Sequence[IndexedPage], static: dict[str, bytes], version: str, include: list[Any]
) -> dict[str, bytes]:
    """The bundle of these pages, numbered in this order, one index per language."""
    bundle: dict[str, bytes] = {}
    languages: dict[str, dict[str, Any]] = {}
    by_language: dict[str, list[IndexedPage]] = {}
    for page in pages:
        by_language.setdefault(page.language, []).append(page)
    for language, group in sorted(by_language.items()):
        meta_hash = _write_language(language, group, version, bundle)
        languages[language] = {"hash": meta_hash, "wasm": group[0].wasm, "page_count": len(group)}
    return _with_entry(bundle, languages, static, version, include)


@dataclass(frozen=True, slots=True)
class OpenedBundle:
    """A bundle of one language decoded as far as changing it in place needs: its word lists,
    filters and sorts, not its pages. Made while Pagefind indexes the new pages; used once
    (patch_bundle changes its lists)."""

    names: list[str]
    read: Callable[[str], bytes]
    entry: dict[str, Any]
    language: str
    wasm: str | None
    listed: list[list[Any]]  # [fragment, word count] of each page
    words: list[list[Any]]  # [word, pages, variants], in order
    stored: dict[str, bytes]  # each word's bytes as stored (CBOR), so as not to encode it again
    filters: dict[str, dict[str, list[int]]]
    sorts: dict[str, list[int]]
    meta_fields: tuple[str, ...]


def open_bundle(names: Iterable[str], read: Callable[[str], bytes]) -> OpenedBundle:
    """The bundle's word lists, filters and sorts (`names` are its files, `read` gives one);
    BundleFormatError for a bundle of several languages, of two pages with one fragment name
    (which write_bundle refuses too), or laid out otherwise."""
    with _as_format_error():
        return _open(list(names), read)


def _open(names: list[str], read: Callable[[str], bytes]) -> OpenedBundle:
    entry = json.loads(read("pagefind-entry.json"))
    if len(entry["languages"]) != 1:
        raise BundleFormatError("a bundle of several languages")
    ((language, about),) = entry["languages"].items()
    meta = unpack(read(f"pagefind.{about['hash']}.pf_meta"))
    if len(meta) != 6:
        raise BundleFormatError("unexpected metadata layout")
    listed = [list(item) for item in meta[1]]
    if about["page_count"] != len(listed):
        raise BundleFormatError("unexpected page count")
    if len({fragment for fragment, _ in listed}) != len(listed):
        raise BundleFormatError("two pages with one fragment name")
    words: list[list[Any]] = []
    stored: dict[str, bytes] = {}
    for chunk in meta[2]:
        for word, raw in _stored_words(read(f"index/{chunk[2]}.pf_index")):
            words.append(word)
            stored[word[0]] = raw
    if any(before[0] >= after[0] for before, after in itertools.pairwise(words)):
        raise BundleFormatError("a word list out of order")
    filters: dict[str, dict[str, list[int]]] = {}
    for name, file_hash in meta[3]:
        stored_name, values = unpack(read(f"filter/{file_hash}.pf_filter"))
        if stored_name != name:
            raise BundleFormatError("a filter file of another filter")
        filters[name] = {value: list(numbers) for value, numbers in values}
    sorts: dict[str, list[int]] = {}
    for name, numbers in meta[4]:
        if numbers != sorted(numbers):
            raise BundleFormatError(f"the sort {name!r} is not in page order")
        sorts[name] = list(numbers)
    return OpenedBundle(
        names,
        read,
        entry,
        language,
        about["wasm"],
        listed,
        words,
        stored,
        filters,
        sorts,
        tuple(meta[5]),
    )


def _stored_words(packed: bytes) -> list[tuple[list[Any], bytes]]:
    """A word-list file's words, each with its bytes as stored."""
    content = _content(packed)
    if content[:1] != b"\x81":
        raise BundleFormatError("unexpected word list")
    count, start = _array_length(content, 1)
    stream = io.BytesIO(content)
    stream.seek(start)
    decoder = cbor2.CBORDecoder(stream)
    found = []
    for _ in range(count):
        word = decoder.decode()
        end = stream.tell()
        if end <= start:
            raise BundleFormatError("unexpected word list")
        found.append((word, content[start:end]))
        start = end
    if start != len(content):
        raise BundleFormatError("unexpected word list")
    return found


def _array_length(data: bytes, at: int) -> tuple[int, int]:
    """The length of the CBOR array whose head is at `at`, and where its items start."""
    head = data[at]
    if not 0x80 <= head <= 0x9B:
        raise BundleFormatError("unexpected word list")
    small = head & 0x1F
    if small < 24:
        return small, at + 1
    size = 1 << (small - 24)
    return int.from_bytes(data[at + 1 : at + 1 + size], "big"), at + 1 + size


def _array_head(length: int) -> bytes:
    """A CBOR array's head, as cbor2 writes it (the shortest)."""
    if length < 24:
        return bytes([0x80 | length])
    size = next(size for size in (1, 2, 4, 8) if length < 1 << (8 * size))
    return bytes([0x80 | (24 + size.bit_length() - 1)]) + length.to_bytes(size, "big")


def patch_bundle(
    opened: OpenedBundle,
    kept: int,
    replaced: Mapping[int, IndexedPage],
    appended: Sequence[IndexedPage],
    model: Bundle | None = None,
) -> dict[str, bytes] | None:
    """What write_bundle writes when a bundle's `kept` pages stay in their places, those
    numbered n replaced by replaced[n], and `appended` follow them: without taking apart the
    pages that stay as they were. Only the word lists, filters and sorts change where the new
    pages are: for a partition of 1,000 pages, about half the time of reading every page back
    and writing them all.

    `model` gives Pagefind's files, version and characters (as write_bundle's arguments); else
    the bundle's own are kept. Only when the bundle holds `kept` pages, its replaced pages keep
    their URL and metadata names, its new pages bring no metadata name of their own, and its
    pages keep their fragment names to themselves: anything else raises BundleFormatError, and
    the caller reads the bundle whole. None when the bundle stays as it is: the replaced pages
    were indexed into the same entries, fragments, filters and sorts (a page written again
    with other links to related articles, which are not indexed).
    """
    with _as_format_error():
        return _patch(opened, kept, replaced, appended, model)


def _patch(
    opened: OpenedBundle,
    kept: int,
    replaced: Mapping[int, IndexedPage],
    appended: Sequence[IndexedPage],
    model: Bundle | None,
) -> dict[str, bytes] | None:
    read, listed, language, meta_fields = (
        opened.read,
        opened.listed,
        opened.language,
        opened.meta_fields,
    )
    if len(listed) != kept:
        raise BundleFormatError("the bundle holds other pages")
    new_pages = sorted([*replaced.items(), *enumerate(appended, kept)], key=_first)
    removed = frozenset(replaced)
    staying = {listed[n][0] for n in range(kept) if n not in removed}
    before = [list(item) for item in listed]
    fragments: dict[str, bytes] = {}
    for number, page in new_pages:
        if page.language != language or page.wasm != opened.wasm:
            raise BundleFormatError("a page in another language")
        if page.fragment in staying or (
            fragments.setdefault(page.fragment, page.fragment_data) != page.fragment_data
        ):
            raise BundleFormatError(f"two pages with the fragment name {page.fragment}")
        if number < kept:
            old = listed[number][0]
            document = json.loads(_content(read(f"fragment/{old}.pf_fragment")))
            if old in staying or number < 0:
                raise BundleFormatError(f"two pages with the fragment name {old}")
            if document["url"] != page.url or tuple(sorted(document["meta"])) != page.meta_fields:
                raise BundleFormatError(f"{page.url} is not the page it replaces")
            listed[number] = [page.fragment, page.word_count]
        elif set(page.meta_fields) <= set(meta_fields):
            listed.append([page.fragment, page.word_count])
        else:
            raise BundleFormatError(f"{page.url} brings metadata names of its own")
    added: _Found = {}
    added_forms: _FoundForms = {}
    for number, page in new_pages:
        _gather(number, page, meta_fields, added, added_forms)
    new_entries = _as_taken(added, added_forms)
    taken: list[tuple[Any, ...]] = []
    taken_forms: list[tuple[Any, ...]] = []
    packed_words = []
    unchanged: dict[str, bytes] = {}  # the bytes of the words the new pages leave as they were
    for word, found, forms in opened.words:
        new_found = _patched(found, removed, added.pop(word, None), taken, (word,))
        more = added_forms.pop(word, {})
        new_forms = forms
        if forms or more:
            by_form = {
                form: _patched(entries, removed, more.pop(form, None), taken_forms, (word, form))
                for form, entries in forms
            }
            by_form |= {form: _delta_encoded(entries) for form, entries in more.items()}
            new_forms = [[form, entries] for form, entries in sorted(by_form.items()) if entries]
        if (
            new_found is found
            and new_forms == forms
            and all(new[1] is old[1] for new, old in zip(new_forms, forms, strict=True))
        ):
            unchanged[word] = opened.stored[word]
        if new_found or new_forms:
            packed_words.append([word, new_found, new_forms])
    new_words = added.keys() | added_forms.keys()
    for word in new_words:
        forms = sorted(added_forms.get(word, {}).items())
        packed_words.append(
            [
                word,
                _delta_encoded(added.get(word, [])),
                [[form, _delta_encoded(entries)] for form, entries in forms],
            ]
        )
    if new_words:
        packed_words.sort(key=_first)
    old_filters = sorted(
        (n, name, value)
        for name, values in opened.filters.items()
        for value, numbers in values.items()
        for n in numbers
        if n in removed
    )
    old_sorts = sorted(
        (n, name) for name, numbers in opened.sorts.items() for n in numbers if n in removed
    )
    own = (
        {name: read(name) for name in opened.names if _STATIC.match(name)},
        opened.entry["version"],
        opened.entry["include_characters"],
    )
    static, version, include = (
        own if model is None else (model.static, model.version, model.include_characters)
    )
    if (
        not appended
        and listed == before
        and (static, version, include) == own
        and (sorted(taken), sorted(taken_forms)) == new_entries
        and old_filters == sorted((n, *pair) for n, page in new_pages for pair in page.filters)
        and old_sorts == sorted((n, name) for n, page in new_pages for name in page.sorts)
    ):
        return None  # the pages were indexed anew into what the bundle holds already
    bundle = {
        f"fragment/{name}.pf_fragment": fragments.get(name) or read(f"fragment/{name}.pf_fragment")
        for name, _ in listed
    }
    filters = {
        name: {value: [n for n in numbers if n not in removed] for value, numbers in values.items()}
        for name, values in opened.filters.items()
    }
    sorts = {
        name: [n for n in numbers if n not in removed] for name, numbers in opened.sorts.items()
    }
    for number, page in new_pages:
        for name, value in page.filters:
            filters.setdefault(name, {}).setdefault(value, []).append(number)
        for name in page.sorts:
            sorts.setdefault(name, []).append(number)
    filters = {
        name: {value: sorted(numbers) for value, numbers in values.items() if numbers}
        for name, values in filters.items()
    }
    filters = {name: values for name, values in filters.items() if values}
    sorts = {name: sorted(numbers) for name, numbers in sorts.items() if numbers}
    meta_hash = _write_index(
        language, listed, packed_words, filters, sorts, meta_fields, version, bundle, unchanged
    )
    languages = {language: {"hash": meta_hash, "wasm": opened.wasm, "page_count": len(listed)}}
    return _with_entry(bundle, languages, static, version, include)


def _patched(
    entries: list[list[Any]],
    removed: frozenset[int],
    added: list[tuple[int, list[Any]]] | None,
    taken: list[tuple[Any, ...]],
    key: tuple[str, ...],
) -> list[list[Any]]:
    """A word's page entries (numbered as differences) without those of the pages numbered in
    `removed`, which go into `taken` as (number, *key, positions, positions in metadata), with
    `added` ((number, entry) in order) put in their places."""
    if not removed and not added:
        return entries
    numbers = list(itertools.accumulate(map(_first, entries)))
    if removed and not removed.isdisjoint(numbers):
        pairs = []
        for n, entry in zip(numbers, entries, strict=True):
            if n in removed:
                taken.append((n, *key, entry[1], entry[2]))
            else:
                pairs.append((n, entry))
    elif not added:
        return entries
    elif not numbers or added[0][0] > numbers[-1]:  # after the last: the others stay as stored
        return entries + _delta_encoded(added, numbers[-1] if numbers else 0)
    else:
        pairs = list(zip(numbers, entries, strict=True))
    return _delta_encoded(sorted(pairs + (added or []), key=_first))


def _as_taken(found: _Found, forms: _FoundForms) -> tuple[list[tuple[Any, ...]], ...]:
    """New pages' entries as _patched takes old ones out, in order: words, then other forms."""
    words = [(n, word, entry[1], entry[2]) for word, pairs in found.items() for n, entry in pairs]
    variants = [
        (n, word, form, entry[1], entry[2])
        for word, by_form in forms.items()
        for form, pairs in by_form.items()
        for n, entry in pairs
    ]
    return sorted(words), sorted(variants)


_first = operator.itemgetter(0)


def _with_entry(
    bundle: dict[str, bytes],
    languages: dict[str, dict[str, Any]],
    static: dict[str, bytes],
    version: str,
    include: list[Any],
) -> dict[str, bytes]:
    """The bundle with Pagefind's script, worker and wasm files, and its entry file."""
    for wasm in {"unknown"} | {about["wasm"] for about in languages.values()} - {None}:
        if f"wasm.{wasm}.pagefind" not in static:
            raise BundleFormatError(f"no wasm.{wasm}.pagefind to copy")
    for name in ("pagefind.js", "pagefind-worker.js"):
        if name not in static:
            raise BundleFormatError(f"no {name} to copy")
    bundle.update(static)
    entry = {"version": version, "languages": languages, "include_characters": include}
    text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    bundle["pagefind-entry.json"] = text.encode("utf-8")
    return bundle


# Word entries by word, as (page number, entry); variants by word and form.
_Found = dict[str, list[tuple[int, list[Any]]]]
_FoundForms = dict[str, dict[str, list[tuple[int, list[Any]]]]]


def _write_language(
    language: str, pages: Sequence[IndexedPage], version: str, bundle: dict[str, bytes]
) -> str:
    """Write one language's index into `bundle`; the name of its metadata file."""
    # An index lists the metadata names of all its pages, and a page's positions in metadata
    # name the field by its place in that list (-1 - place, then positions): each page's
    # positions are renumbered from its own names into the list of them all.
    meta_fields = tuple(sorted(set().union(*(page.meta_fields for page in pages))))
    words: _Found = {}
    variants: _FoundForms = {}
    filters: dict[str, dict[str, list[int]]] = {}
    sorts: dict[str, list[int]] = {}
    fragments: dict[str, bytes] = {}
    for number, page in enumerate(pages):
        if page.wasm != pages[0].wasm:
            raise BundleFormatError("pages of one language with other word-splitting modules")
        if fragments.setdefault(page.fragment, page.fragment_data) != page.fragment_data:
            raise BundleFormatError(f"two pages with the fragment name {page.fragment}")
        _gather(number, page, meta_fields, words, variants)
        for name, value in page.filters:
            filters.setdefault(name, {}).setdefault(value, []).append(number)
        for name in page.sorts:
            sorts.setdefault(name, []).append(number)
    for fragment, data in fragments.items():
        bundle[f"fragment/{fragment}.pf_fragment"] = data
    packed_words = [
        [
            word,
            _delta_encoded(words.get(word, [])),
            [
                [form, _delta_encoded(found)]
                for form, found in sorted(variants.get(word, {}).items())
            ],
        ]
        for word in sorted(words.keys() | variants.keys())
    ]
    listed = [[page.fragment, page.word_count] for page in pages]
    return _write_index(
        language, listed, packed_words, filters, sorts, meta_fields, version, bundle
    )


def _gather(
    number: int,
    page: IndexedPage,
    meta_fields: tuple[str, ...],
    words: _Found,
    variants: _FoundForms,
) -> None:
    """Add the page's word entries, numbered `number`, with its positions in metadata
    renumbered into the index's list of metadata names."""
    places = None
    if page.meta_fields != meta_fields:
        places = [meta_fields.index(name) for name in page.meta_fields]
    page_words, page_variants = _renumbered(page.words, page.variants, places)
    for word, entry in page_words:
        words.setdefault(word, []).append((number, entry))
    for word, form, entry in page_variants:
        variants.setdefault(word, {}).setdefault(form, []).append((number, entry))


def _write_index(
    language: str,
    listed: list[list[Any]],
    packed_words: list[list[Any]],
    filters: dict[str, dict[str, list[int]]],
    sorts: dict[str, list[int]],
    meta_fields: tuple[str, ...],
    version: str,
    bundle: dict[str, bytes],
    stored: Mapping[str, bytes] | None = None,
) -> str:
    """Write an index's word chunks, filter files and metadata file into `bundle` (`listed`:
    [fragment, word count] of each page in order; `stored`: the bytes of words as they are
    stored already); the name of its metadata file."""
    chunks = _chunks(packed_words, len(listed), language, bundle, stored)
    filter_files = []
    for name, values in sorted(filters.items()):
        data = pack([name, [[value, numbers] for value, numbers in sorted(values.items())]])
        file_hash = f"{language}_{hashlib.sha256(data).hexdigest()[:7]}"
        bundle[f"filter/{file_hash}.pf_filter"] = data
        filter_files.append([name, file_hash])
    meta = [
        version,
        listed,
        chunks,
        filter_files,
        [[name, numbers] for name, numbers in sorted(sorts.items())],
        list(meta_fields),
    ]
    data = pack(meta)
    meta_hash = f"{language}_{hashlib.sha256(data).hexdigest()[:10]}"
    bundle[f"pagefind.{meta_hash}.pf_meta"] = data
    return meta_hash


def _renumbered(
    words: Sequence[tuple[str, list[Any]]],
    variants: Sequence[tuple[str, str, list[Any]]],
    places: list[int] | None,
) -> tuple[Sequence[tuple[str, list[Any]]], Sequence[tuple[str, str, list[Any]]]]:
    """A page's word entries with their metadata field numbers k made places[k]; as they are
    when `places` is None (nearly always: a loop over every entry is skipped)."""
    if places is None:
        return words, variants
    return (
        [(word, _renamed(entry, places)) for word, entry in words],
        [(word, form, _renamed(entry, places)) for word, form, entry in variants],
    )


def _renamed(entry: list[Any], places: list[int]) -> list[Any]:
    """A word entry with its metadata field numbers k made places[k] (a copy)."""
    if len(entry) != 3:
        raise BundleFormatError("unexpected word entry")
    if not entry[2]:
        return entry
    if entry[2][0] >= 0:
        raise BundleFormatError("positions in metadata without a field")
    fields = []
    for value in entry[2]:
        if value < 0:
            value = -1 - places[-1 - value]
            if value >= 0:
                raise BundleFormatError("positions in metadata the page does not have")
        fields.append(value)
    return [entry[0], entry[1], fields]


def _delta_encoded(found: list[tuple[int, list[Any]]], last: int = 0) -> list[list[Any]]:
    """The entries with their page numbers stored as differences, from `last` on (in place)."""
    entries = []
    for number, entry in found:
        entry[0] = number - last
        entries.append(entry)
        last = number
    return entries


# Pagefind cuts its word list into chunks of about 20,000 word positions, whatever the size of
# the index, and a search loads the chunk holding each word from every index it searches: eleven
# partitions would load eleven chunks where one index loads one. So a partition's chunks are
# cut smaller, in proportion to its pages (an index of 10,000 pages keeps Pagefind's size), and
# only between words that share at most two letters, so that the words a search word starts
# (it finds them all) never lie in two chunks when it has three letters or more.
_POSITIONS_PER_PAGE = 2
_FEWEST_POSITIONS = 1_000
_PAGEFIND_POSITIONS = 20_000


def _chunks(
    words: list[list[Any]],
    page_count: int,
    prefix: str,
    bundle: dict[str, bytes],
    stored: Mapping[str, bytes] | None = None,
) -> list[list[str]]:
    """Write the sorted word list as chunks sized for the number of pages; the chunk list
    ([first word, last word, file] each)."""
    target = min(_PAGEFIND_POSITIONS, max(_FEWEST_POSITIONS, _POSITIONS_PER_PAGE * page_count))
    as_pagefind = target == _PAGEFIND_POSITIONS  # 10,000 pages or more: Pagefind's own chunks
    chunks: list[list[Any]] = [[]]
    size = 0
    for position, word in enumerate(words):
        chunks[-1].append(word)
        size += _positions(word)
        following = words[position + 1][0] if position + 1 < len(words) else None
        if following is None or size < target:
            continue
        if as_pagefind or len(shared(word[0], following)) <= 2 or size >= 4 * target:
            chunks.append([])
            size = 0
    listed = []
    for chunk in chunks:
        if not chunk:
            continue
        data = _pack_stored(chunk, stored) if stored else pack([chunk])
        name = f"{prefix}_{hashlib.sha256(data).hexdigest()[:7]}"
        bundle[f"index/{name}.pf_index"] = data
        listed.append([chunk[0][0], chunk[-1][0], name])
    # A chunk starts, as in Pagefind's chunk_meta, with the shortest prefix that tells its first
    # word from the last word before it, so that a word being typed ("har") finds the chunk of
    # the words it starts. It ends with its last word in full, not shortened as Pagefind does:
    # a shortened end ("har" for "harbour") would be less than the words of its last letters,
    # which Pagefind then finds only when no other word of the search found its chunk. Chunks
    # of Pagefind's own size are cut and named as Pagefind does (chunk_index, chunk_meta).
    for before, after in itertools.pairwise(listed):
        common = len(shared(before[1], after[0]))
        after[0] = after[0][: common + 1]
        if as_pagefind:
            before[1] = before[1][: common + 1]
    return listed


def _pack_stored(chunk: list[list[Any]], stored: Mapping[str, bytes]) -> bytes:
    """pack([chunk]), with the bytes of each word stored already taken as they are: CBOR
    writes an array as its head and its items one after another."""
    body = b"".join(stored.get(word[0]) or cbor2.dumps(word) for word in chunk)
    document = b"\x81" + _array_head(len(chunk)) + body
    return gzip.compress(_PACKED + document, compresslevel=6, mtime=0)


def _positions(word: list[Any]) -> int:
    """A word's size in Pagefind's count: its positions and pages, with its other forms'."""
    pages = word[1] + [page for variant in word[2] for page in variant[1]]
    return sum(len(page[1]) + 1 for page in pages)


def shared(first: str, second: str) -> str:
    """The letters two words start with."""
    length = 0
    for a, b in zip(first, second, strict=False):
        if a != b:
            break
        length += 1
    return first[:length]
