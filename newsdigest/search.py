"""The search index: Pagefind bundles over the article pages, one per partition of the archive.

The article pages, oldest first, are split into partitions (`plan_partitions`): sealed ones of
about a thousand articles, then "recent", then "newest", a small one that the daily publish
adds to. Each partition is its own Pagefind bundle in `pagefind/<name>/`, and the search page
merges them (static/search.js) after reading `pagefind/partitions.json`, which names them in
date order. A build indexes only the partitions whose pages changed, appeared or went, or whose
bundle files are not as written; the others keep their files byte for byte. What the state
keeps of each partition (its members' digest, whether an edit waits for indexing) is in
`BuildState.search`, never in the output folder.

Pagefind (the `pagefind[extended]` wheel ships its binary, which can split Chinese and Japanese
into words; the `pagefind[bin]` one works for the rest) is given only the pages that are new to
the index or were written anew, one partition at a time, each in a process of its own; the rest
of each partition's pages are read back from the bundle the last build left (bundles.py). The
next partition is indexed while the last one's bundle is written, so that a build holds two
partitions' worth of memory at most, and the word lists of at most two more bundles (`AHEAD`),
decoded while the pages render (`open_ahead`). The bundles are staged like any page: all or
nothing, and unchanged bundle files are not rewritten.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import hashlib
import itertools
import json
import os
import re
import subprocess
import threading
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType
from typing import Any

from newsdigest import __version__, bundles
from newsdigest.bundles import (
    Bundle,
    BundleFormatError,
    IndexedPage,
    OpenedBundle,
    open_bundle,
    patch_bundle,
    read_bundle,
    unpack,
    write_bundle,
)
from newsdigest.errors import Cancelled, Problem
from newsdigest.output import Transaction

BUNDLE = "pagefind"
PARTITIONS = f"{BUNDLE}/partitions.json"  # the search page's list of partitions
# Pagefind's ready-made UIs; our search page uses pagefind.js with its own small script.
_UNUSED = re.compile(r"^pagefind-(?:component-ui|modular-ui|ui|highlight)\.(?:js|css)$")


# -- the partitions ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scheme:
    """Where the partitions end (docs/search.md tells why these sizes).

    A partition ends after an article chosen by the hash of its URL ("content-defined", as in
    rsync): once it holds `minimum` articles, 1 in `every` articles may end it, and it ends at
    `maximum` in any case. The same articles always give the same partitions, whatever order
    they were written in; deleting or back-dating an article changes its own partition (rarely
    the next as well), not every one after it, as counting from the oldest would.
    """

    sealed_minimum: int = 1_000
    sealed_every: int = 67
    sealed_maximum: int = 1_200  # Pagefind needs about 0.2 MB per ~900-word page
    newest_minimum: int = 40
    newest_every: int = 40
    newest_maximum: int = 160


SCHEME = Scheme()


@dataclass(frozen=True, slots=True)
class Member:
    """An article page in the index."""

    file: str  # the output file
    url: str  # site-relative, as in the article's `url`
    published: datetime

    @property
    def order(self) -> str:
        return order_key(self.published, self.url)


def order_key(published: datetime, url: str) -> str:
    """The page's date sort value: UTC seconds (zero-padded, so that text order is time order,
    also before 1970) then its URL, so that no two pages tie. templates/article.html writes the
    same value into `data-pagefind-sort`, and the partitions follow the same order, so that a
    merged search sorted by date gives what one index over every page gives.
    """
    return f"{int(published.timestamp() + 100_000_000_000):012d} {url}"


@dataclass(frozen=True, slots=True)
class Partition:
    """Consecutive article pages in date order, indexed as one Pagefind bundle."""

    name: str
    members: tuple[Member, ...]
    # Worked out once: the dev server asks them of the same partitions after every edit.
    files: frozenset[str] = field(init=False, repr=False, compare=False)  # its pages' files
    # Which pages it holds, in order: another digest means the bundle must be made again.
    digest: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        files = [member.file for member in self.members]
        text = "\n".join(files)
        object.__setattr__(self, "files", frozenset(files))
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:20]
        object.__setattr__(self, "digest", digest)

    @property
    def folder(self) -> str:
        return f"{BUNDLE}/{self.name}/"


def plan_partitions(
    members: Iterable[Member], scheme: Scheme | None = None
) -> tuple[Partition, ...]:
    """The partitions, oldest first: sealed ones, then "recent", then "newest".

    What follows the last sealed partition is cut again with the smaller "newest" sizes: the
    pages after its last cut are the newest partition (what the daily publish touches), those
    before it the recent one, which grows a batch at a time until a sealed cut takes it in.
    """
    scheme = scheme or SCHEME
    ordered = sorted(members, key=lambda member: member.order)
    ends = _cuts(ordered, scheme.sealed_minimum, scheme.sealed_every, scheme.sealed_maximum, 0)
    chunks = [ordered[start:end] for start, end in zip([0, *ends], ends, strict=False)]
    tail = ordered[ends[-1] if ends else 0 :]
    inner = _cuts(tail, scheme.newest_minimum, scheme.newest_every, scheme.newest_maximum, 1)
    split = inner[-1] if inner else 0
    chunks += [tail[:split], tail[split:]]
    return tuple(Partition(_name(chunk), tuple(chunk)) for chunk in chunks if chunk)


def _cuts(
    ordered: Sequence[Member], minimum: int, every: int, maximum: int, salt: int
) -> list[int]:
    """Where chunks end: after an article whose mark says so, between minimum and maximum."""
    ends = []
    size = 0
    for position, member in enumerate(ordered, 1):
        size += 1
        if size >= maximum or (size >= minimum and _mark(member.url, salt) % every == 0):
            ends.append(position)
            size = 0
    return ends


def _mark(url: str, salt: int) -> int:
    digest = hashlib.sha256(url.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[salt * 8 : salt * 8 + 8], "big")


def _name(chunk: Sequence[Member]) -> str:
    """Named after its oldest article: its day, and a hash of its URL (days hold many)."""
    first = chunk[0]
    tag = hashlib.sha256(first.url.encode("utf-8", "surrogatepass")).hexdigest()[:8]
    return f"{first.published:%Y-%m-%d}-{tag}"


# -- keeping the index up to date -------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchIndex:
    files: frozenset[str]  # every bundle file of the new site
    record: dict[str, str]  # the bookkeeping for BuildState.search
    problems: tuple[Problem, ...] = ()
    indexed: tuple[str, ...] = ()  # the partitions indexed by this build

    @property
    def pending(self) -> bool:
        return self.record.get("pending") == "yes"


CANCEL_POLL_SECONDS = 0.02  # how often Pagefind at work asks whether it is still wanted


def pagefind_executable() -> Path | None:
    """Pagefind's binary: the extended one when it is installed (it segments Chinese and
    Japanese text into words), else the standard one."""
    for module in ("pagefind_bin_extended", "pagefind_bin"):
        try:
            package = __import__(module)
            return Path(package.get_executable())
        except (ImportError, FileNotFoundError, OSError):
            continue
    return None


def update_index(
    partitions: Sequence[Partition],
    record: Mapping[str, str],
    present: frozenset[str],
    changed: Collection[str],
    intact: Callable[[str], bool],
    transaction: Transaction,
    index_now: bool = True,
    cancelled: Callable[[], bool] = lambda: False,
    executable: Path | None = None,
    opened: dict[tuple[str, int], OpenedBundle | None] | None = None,
) -> SearchIndex:
    """Index the partitions that need it and stage their bundles and the list of partitions.

    `record`: the last build's bookkeeping; `present`: the bundle files the last build left;
    `changed`: the pages this build wrote anew; `intact`: whether an output file is still as
    written. Without `index_now` the current bundles stay as they are, served whole, and the
    partitions that need indexing are noted as pending for the next build that indexes.
    `opened`: bundles `open_ahead` decoded while the pages were rendered; each is taken out
    when its partition is indexed, so that it is not held while the next ones are.
    """
    executable = executable or pagefind_executable()
    if executable is None:
        warning = Problem(
            "search/",
            "search index not built: the Pagefind binary is missing",
            hint='pip install "pagefind[extended]"',
            severity="warning",
        )
        return SearchIndex(frozenset(), {}, (warning,))
    engine = _engine(executable)
    by_folder = _files_by_partition(present)
    # A page rendered again into the bytes it had is not given to Pagefind again.
    changed = {file for file in changed if file in transaction.staged}

    def stale(partition: Partition) -> bool:
        files = by_folder.get(partition.name, frozenset())
        return (
            record.get("engine") != engine
            or record.get(f"partition:{partition.name}") != partition.digest
            or f"pending:{partition.name}" in record
            or not files
            or not changed.isdisjoint(partition.files)
            or not all(map(intact, files))
        )

    todo = [partition for partition in partitions if stale(partition)]
    listed = (
        PARTITIONS in present
        and intact(PARTITIONS)
        and set(by_folder) == {partition.name for partition in partitions}
    )
    if not todo and listed:
        return SearchIndex(present, dict(record))
    waiting = set(filter(None, record.get("pending-pages", "").split("\n")))
    if not index_now:
        waiting |= {file for partition in todo for file in partition.files & changed}
        kept = dict(record) | {f"pending:{partition.name}": "yes" for partition in todo}
        return SearchIndex(present, kept | {"pending": "yes", "pending-pages": _lines(waiting)})
    earlier = _Earlier(
        by_folder if record.get("engine") == engine else {}, intact, transaction.output
    )
    again = {partition.name for partition in todo}
    files = {
        file
        for partition in partitions
        if partition.name not in again
        for file in by_folder[partition.name]
    }
    # Pagefind indexes the next partition's pages in the background while this thread writes
    # the last partition's bundle: the two cores are both at work, and at most two
    # partitions' worth of memory is held at once.
    stop = threading.Event()

    def run(members: Sequence[Member]) -> dict[str, bytes]:
        return _run_pagefind(members, executable, transaction, lambda: stop.is_set() or cancelled())

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsdigest-pagefind") as pool:
        try:
            jobs = (
                _Job.start(
                    partition,
                    earlier,
                    changed | waiting,
                    pool,
                    run,
                    record.get(f"partition:{partition.name}"),
                    opened or {},
                )
                for partition in todo
            )
            following = next(jobs, None)
            while following is not None:
                job, following = following, next(jobs, None)
                staged, problem = job.finish(pool, run, transaction, cancelled)
                if problem is not None:
                    return SearchIndex(frozenset(), {}, (problem,))
                files |= staged
        finally:
            stop.set()  # a run still going after a failure ends; the pool waits for it
    try:
        listing = _listing(partitions, transaction)
    except (OSError, ValueError, LookupError, TypeError, BundleFormatError) as error:
        return SearchIndex(frozenset(), {}, (Problem(PARTITIONS, f"cannot list: {error}"),))
    transaction.put(PARTITIONS, listing)
    files.add(PARTITIONS)
    new_record = {"engine": engine, "pending": "no"} | {
        f"partition:{partition.name}": partition.digest for partition in partitions
    }
    indexed = tuple(partition.name for partition in todo)
    return SearchIndex(frozenset(files), new_record, (), indexed)


AHEAD = 2  # bundles `open_ahead` decodes at most (a sealed one takes tens of MB)


def open_ahead(
    partitions: Sequence[Partition],
    record: Mapping[str, str],
    present: frozenset[str],
    intact: Callable[[str], bool],
    output: Path,
    likely: Collection[str],
    executable: Path | None = None,
) -> dict[tuple[str, int], OpenedBundle | None]:
    """The bundles that `update_index` will likely change in place, decoded now (by partition
    name and pages kept): a build asks while its workers render the pages, when this process
    would only wait for them. `likely`: the pages being rendered, among them those that will
    be written anew. A guess that proves wrong costs the time of decoding, nothing else.
    """
    executable = executable or pagefind_executable()
    if executable is None or record.get("engine") != _engine(executable):
        return {}
    earlier = _Earlier(_files_by_partition(present), intact, output)
    found: dict[tuple[str, int], OpenedBundle | None] = {}
    for partition in reversed(partitions):  # the newest first: what the daily publish touches
        name = partition.name
        if len(found) >= AHEAD:
            break
        recorded = record.get(f"partition:{name}")
        if recorded == partition.digest and partition.files.isdisjoint(likely):
            continue
        in_place = earlier.in_place(partition, recorded)
        if in_place is not None:
            found[(name, in_place.kept)] = in_place.open()
    return found


def _lines(files: Iterable[str]) -> str:
    return "\n".join(sorted(files))


class _Earlier:
    """The bundles the last build left, read back into pages when a partition needs them.

    A partition holds consecutive dates and is named after its first day, so the earlier
    bundles that can hold a partition's pages are those whose days overlap its days.
    """

    KEPT = 3  # bundles kept once read: a partition's pages come from its neighbours at most

    def __init__(
        self, by_folder: Mapping[str, frozenset[str]], intact: Callable[[str], bool], output: Path
    ) -> None:
        self.by_folder = by_folder
        self.names = sorted(by_folder)
        self.intact = intact
        self.output = output
        self.read: dict[str, Bundle | None] = {}  # the last few read, in the order read

    def holding(
        self, partition: Partition, urls: Collection[str], skip: str | None = None
    ) -> list[Bundle]:
        """Earlier bundles that hold these pages of the partition (as many as are found).

        Tried in turn until every page is found: the bundle of the same name, then those whose
        days overlap the partition's, newest first, since pages move from the newest partition
        to older ones as the archive grows. The bundle named `skip` is not read.
        """
        if not urls:
            return []
        days = [f"{member.published:%Y-%m-%d}" for member in partition.members]
        first, last = min(days), max(days)
        overlapping = [
            name
            for name, following in itertools.zip_longest(self.names, self.names[1:])
            if name[:10] <= last and (following is None or following[:10] >= first)
        ]
        overlapping.sort(reverse=True)
        overlapping.sort(key=lambda name: name != partition.name)
        missing = set(urls)
        found = []
        for name in overlapping:
            if not missing:
                break
            if name == skip:
                continue
            bundle = self._bundle(name)
            if bundle is not None and not missing.isdisjoint(bundle.pages):
                found.append(bundle)
                missing -= bundle.pages.keys()
        return found

    def in_place(self, partition: Partition, recorded: str | None) -> _InPlace | None:
        """The bundle of the partition's name, when its pages are the partition's first pages:
        those of the digest the last build recorded for it (`recorded`), in their order."""
        files = self.by_folder.get(partition.name)
        if not recorded or not files or not all(self.intact(file) for file in files):
            return None
        digest = hashlib.sha256()
        for kept, member in enumerate(partition.members, 1):
            digest.update(
                (member.file if kept == 1 else "\n" + member.file).encode("utf-8", "surrogatepass")
            )
            if digest.hexdigest()[:20] == recorded:
                folder = self.output / BUNDLE / partition.name
                return _InPlace([file.split("/", 2)[2] for file in files], folder, kept)
        return None

    def _bundle(self, name: str) -> Bundle | None:
        if name not in self.read:
            if len(self.read) >= self.KEPT:  # the oldest read goes: partitions come in order
                del self.read[next(iter(self.read))]
            files = self.by_folder[name]
            folder = self.output / BUNDLE / name
            self.read[name] = None
            if all(self.intact(file) for file in files):
                with contextlib.suppress(OSError, BundleFormatError):
                    self.read[name] = read_bundle(
                        (file.split("/", 2)[2] for file in files),
                        lambda relative: (folder / relative).read_bytes(),
                    )
        return self.read[name]


def _engine(executable: Path) -> str:
    """What made the bundles: another Pagefind binary, or another version of this module,
    makes them all again."""
    code = _code_digest()
    try:
        stat = executable.stat()
    except OSError:
        return f"{__version__} {code} {executable}"
    return f"{__version__} {code} {executable.name} {stat.st_size} {stat.st_mtime_ns}"


@functools.cache
def _code_digest() -> str:
    """This module's and bundles.py's: read once, as the code running does not change."""
    code = Path(__file__).read_bytes() + Path(bundles.__file__).read_bytes()
    return hashlib.sha256(code).hexdigest()[:12]


@functools.lru_cache(maxsize=2)
def _files_by_partition(files: frozenset[str]) -> Mapping[str, frozenset[str]]:
    """The bundle's files by partition. Kept for the next build: in `serve` the bundle stays
    as it is between edits, and this is thousands of files at 10,000 articles."""
    found: dict[str, set[str]] = {}
    for file in files:
        parts = file.split("/", 2)
        if len(parts) == 3 and parts[0] == BUNDLE:
            found.setdefault(parts[1], set()).add(file)
    return MappingProxyType({name: frozenset(group) for name, group in found.items()})


@dataclass(frozen=True, slots=True)
class _InPlace:
    """A bundle the last build left whose pages are a partition's first `kept` pages: it is
    changed in place (bundles.patch_bundle), its other pages not read back."""

    names: list[str]  # its files, relative to its folder
    folder: Path
    kept: int

    def open(self) -> OpenedBundle | None:
        try:
            return open_bundle(self.names, lambda name: (self.folder / name).read_bytes())
        except (OSError, BundleFormatError):
            return None


@dataclass(frozen=True, slots=True)
class _Job:
    """One partition to write: its pages, those known from the earlier bundles, and Pagefind's
    run over the others (new to the index, or changed since they were indexed), under way.

    The bundle is written from both (bundles.py): changed in place when the bundle of its name
    holds its first pages (a page edited, pages added at its end), else written from all its
    pages. When a bundle cannot be taken apart (a template that sorts by something else than
    the date), Pagefind indexes the whole partition and its files are kept as it made them.
    """

    partition: Partition
    urls: list[str]
    earlier: _Earlier
    kept: int  # its first pages, kept in their places (0: none)
    opened: OpenedBundle | None  # the bundle they are in, to change in place
    sources: list[Bundle]
    known: dict[str, IndexedPage]
    given: int  # how many of its pages Pagefind indexes
    run: Future[dict[str, bytes]] | None

    @classmethod
    def start(
        cls,
        partition: Partition,
        earlier: _Earlier,
        redo: set[str],
        pool: ThreadPoolExecutor,
        run: Callable[[Sequence[Member]], dict[str, bytes]],
        recorded: str | None,
        opened: dict[tuple[str, int], OpenedBundle | None],
    ) -> _Job:
        pairs = [(member, _page_url(member)) for member in partition.members]
        in_place = earlier.in_place(partition, recorded)
        kept = in_place.kept if in_place is not None else 0
        wanted = [url for member, url in pairs[kept:] if member.file not in redo]
        sources = earlier.holding(partition, wanted, partition.name if in_place else None)
        known = _pages(sources)
        new = [
            member
            for position, (member, url) in enumerate(pairs)
            if member.file in redo or (position >= kept and url not in known)
        ]
        future = pool.submit(run, new) if new else None
        bundle = None
        if in_place is not None:
            key = (partition.name, kept)
            # Decoded here while Pagefind indexes the new pages in the background.
            bundle = opened.pop(key) if key in opened else in_place.open()
        urls = [url for _, url in pairs]
        return cls(partition, urls, earlier, kept, bundle, sources, known, len(new), future)

    def finish(
        self,
        pool: ThreadPoolExecutor,
        run: Callable[[Sequence[Member]], dict[str, bytes]],
        transaction: Transaction,
        cancelled: Callable[[], bool],
    ) -> tuple[set[str], Problem | None]:
        """Stage the partition's bundle; its files, or the problem that stopped Pagefind."""
        partition = self.partition
        try:
            written = self.run.result() if self.run is not None else None
            try:
                indexed = read_bundle(written, written.__getitem__) if written else None
                found = indexed.pages if indexed else {}
                if cancelled():
                    raise Cancelled
                bundle = self._patched(found, indexed)
                if bundle is _AS_IT_IS:
                    return set(self.earlier.by_folder[partition.name]), None
                bundle = bundle or self._written(found, indexed)
            except (BundleFormatError, LookupError):
                if written is None or self.given < len(partition.members):
                    written = pool.submit(run, partition.members).result()
                bundle = written
        except (OSError, ValueError, LookupError, PagefindError) as error:
            if cancelled():
                raise Cancelled from error
            return set(), Problem(partition.folder, f"Pagefind failed: {error}")
        files = set()
        for relative, data in sorted(bundle.items()):
            if _UNUSED.match(relative):
                continue
            name = partition.folder + relative
            files.add(name)
            transaction.put(name, data)
        return files, None

    def _patched(
        self, found: Mapping[str, IndexedPage], indexed: Bundle | None
    ) -> dict[str, bytes] | None:
        """The bundle changed in place; _AS_IT_IS when the pages indexed anew changed nothing
        in it (their links to related articles changed, which are not indexed); None when it
        cannot be changed in place."""
        kept = self.kept
        if self.opened is None:
            return None
        replaced = {n: found[url] for n, url in enumerate(self.urls[:kept]) if url in found}
        try:
            appended = [found.get(url) or self.known[url] for url in self.urls[kept:]]
            bundle = patch_bundle(self.opened, kept, replaced, appended, indexed)
        except (BundleFormatError, LookupError, OSError):
            return None
        return _AS_IT_IS if bundle is None else bundle

    def _written(
        self, found: Mapping[str, IndexedPage], indexed: Bundle | None
    ) -> dict[str, bytes]:
        """The bundle written from all its pages, each read back or indexed anew."""
        sources, known = self.sources, self.known
        if self.kept:  # the pages it would have kept are read back after all
            missing = [url for url in self.urls if url not in found]
            sources = self.earlier.holding(self.partition, missing)
            known = _pages(sources)
        model = indexed or sources[0]
        pages = [found.get(url) or known[url] for url in self.urls]
        return write_bundle(pages, model.static, model.version, model.include_characters)


_AS_IT_IS: dict[str, bytes] = {}  # a bundle that stays as the last build left it


def _pages(bundles: Iterable[Bundle]) -> dict[str, IndexedPage]:
    found: dict[str, IndexedPage] = {}
    for bundle in bundles:
        found |= bundle.pages
    return found


def _page_url(member: Member) -> str:
    """The URL Pagefind is given for an article page, and keeps in its fragment."""
    return "/" + member.file.removesuffix("index.html")


def _run_pagefind(
    members: Sequence[Member],
    executable: Path,
    transaction: Transaction,
    cancelled: Callable[[], bool],
) -> dict[str, bytes]:
    """Pagefind's bundle of these pages, in their order (in memory: nothing written)."""
    with PagefindService(executable) as service:
        # No forced language: Pagefind indexes each page in the language of its <html lang>.
        index = service.new_index({})
        pages = (
            (_page_url(member), transaction.staged_file(member.file).read_text(encoding="utf-8"))
            for member in members
        )
        service.add_files(index, pages, cancelled)
        return service.get_files(index, cancelled)


def _listing(partitions: Sequence[Partition], transaction: Transaction) -> bytes:
    """`partitions.json`: each partition in date order with what the search page needs before
    the first search: its languages (one Pagefind index each), a tag that changes with its
    bundle (so browsers may cache its entry file), and its topic and source counts (so the page
    fills its filter menus without loading every partition's filter files)."""
    listed = []
    for partition in partitions:

        def read(name: str, folder: str = partition.folder) -> bytes:
            return transaction.staged_file(folder + name).read_bytes()

        entry_bytes = read("pagefind-entry.json")
        entry = json.loads(entry_bytes)
        filters: dict[str, dict[str, int]] = {}
        languages: dict[str, int] = {}
        for language, about in sorted(entry["languages"].items()):
            languages[language] = int(about["page_count"])
            meta = unpack(read(f"pagefind.{about['hash']}.pf_meta"))
            for name, file_hash in meta[3]:
                _, values = unpack(read(f"filter/{file_hash}.pf_filter"))
                counts = filters.setdefault(name, {})
                for value, pages in values:
                    counts[value] = counts.get(value, 0) + len(pages)
        listed.append({
            "name": partition.name,
            "tag": hashlib.sha256(entry_bytes).hexdigest()[:12],
            "languages": languages,
            "filters": filters,
        })  # fmt: skip
    text = json.dumps(
        {"partitions": listed}, ensure_ascii=False, sort_keys=True, separators=(",", ":")
    )
    return text.encode("utf-8") + b"\n"


# -- talking to Pagefind ----------------------------------------------------------------------


def _add_file(index: int, url: str, html: str) -> dict[str, Any]:
    return {"type": "AddFile", "index_id": index, "url": url, "file_contents": html,
            "file_path": None}  # fmt: skip


class PagefindError(Exception):
    """Pagefind answered a request with an error."""


# Pages sent to Pagefind before their answers came: enough that it never waits for the next
# one, few enough that its queue holds a few pages, not a partition.
PAGES_IN_FLIGHT = 8


class PagefindService:
    """Pagefind's `--service` protocol: base64 JSON messages ended by commas over stdin/stdout.

    The `pagefind` Python package speaks it too, but polls for each answer every 100 ms, which
    is most of a second per ten articles; here each request waits for its answer directly.
    Pages are added in a fixed order because `pagefind --site` indexes in parallel and numbers
    pages in whatever order they finish, which changes the bytes of every build; the service
    handles its requests one at a time, in the order they come (`add_files`).
    """

    def __init__(self, executable: Path) -> None:
        self.executable = executable
        self.next_id = 0
        self.buffer = b""

    def __enter__(self) -> PagefindService:
        self.process = subprocess.Popen(
            [str(self.executable), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                with contextlib.suppress(OSError):  # what was left to send goes nowhere
                    stream.close()

    def request(self, payload: dict[str, Any]) -> dict[str, Any]:
        self._send(payload)
        return self._answer(self.next_id)

    def _send(self, payload: dict[str, Any]) -> None:
        self.next_id += 1
        message = {"message_id": self.next_id, "payload": payload}
        assert self.process.stdin is not None
        self.process.stdin.write(base64.b64encode(json.dumps(message).encode("utf-8")) + b",")
        self.process.stdin.flush()

    def _answer(self, message_id: int) -> dict[str, Any]:
        """The answer to message `message_id` (or to none: an error of the service itself)."""
        while True:
            raw = self._read_message()
            try:
                answer = json.loads(base64.b64decode(raw, validate=True))
            except ValueError:  # (binascii.Error is one) not a message: log noise, skip it
                continue
            if not isinstance(answer, dict) or answer.get("message_id") not in (message_id, None):
                continue
            response = answer.get("payload")
            if not isinstance(response, dict):
                raise PagefindError("an answer without a payload")
            if response.get("type") == "Error":
                raise PagefindError(response.get("message", "unknown error"))
            return response

    def _read_message(self) -> bytes:
        """One comma-ended message. The bundle arrives as one message of tens of megabytes,
        so chunks are collected in a list and joined once, not appended to one another."""
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        chunks = [self.buffer]
        end = self.buffer.find(b",")
        while end < 0:
            chunk = os.read(descriptor, 1 << 20)
            if not chunk:
                raise PagefindError("the Pagefind process stopped")
            chunks.append(chunk)
            end = chunk.find(b",")
        data = b"".join(chunks)
        message, _, self.buffer = data.partition(b",")
        return message

    def new_index(self, config: dict[str, Any]) -> int:
        return int(self.request({"type": "NewIndex", "config": config})["index_id"])

    def add_files(
        self,
        index: int,
        pages: Iterable[tuple[str, str]],
        cancelled: Callable[[], bool] = lambda: False,
    ) -> None:
        """Add (url, html) pages in their order, the next one sent while Pagefind reads the last.

        Pagefind's service handles one request at a time, in the order they came, so the index
        is the one that waiting for each answer gives; but it never waits for us (15-20 % less
        time for a partition's pages). A thread sends, this one reads the answers; a failure on
        either side, or `cancelled()`, stops Pagefind, which ends the other side too.
        """
        items = iter(pages)
        first = next(items, None)
        if first is None:
            return
        last: list[int] = []  # the last message's number, known before that message is sent
        failed: list[BaseException] = []
        room = threading.Semaphore(PAGES_IN_FLIGHT)  # Pagefind queues what it is sent
        stopped = threading.Event()

        def send_all() -> None:
            page: tuple[str, str] | None = first
            try:
                while page is not None:
                    while not room.acquire(timeout=CANCEL_POLL_SECONDS):
                        if stopped.is_set():
                            return
                    following = next(items, None)
                    if cancelled():
                        raise Cancelled
                    if following is None:
                        last.append(self.next_id + 1)
                    self._send(_add_file(index, *page))
                    page = following
            except BaseException as error:  # handed to the reading side, which raises it
                failed.append(error)
                self.process.kill()

        expected = self.next_id + 1
        sender = threading.Thread(target=send_all, daemon=True)
        sender.start()
        try:
            while True:
                self._answer(expected)  # they come in order
                if last and last[0] == expected:
                    break
                expected += 1
                room.release()
        except BaseException as error:
            cause = failed[0] if failed else None  # the sender's failure stopped Pagefind
            stopped.set()
            self.process.kill()
            sender.join()
            if cause is not None:
                raise cause from error
            raise
        sender.join()

    def get_files(
        self, index: int, cancelled: Callable[[], bool] = lambda: False
    ) -> dict[str, bytes]:
        """The whole bundle, in memory: no files written behind our back.

        Making it is most of the indexing (seconds for a large partition): when `cancelled()`
        turns true meanwhile, Pagefind is stopped, so that a newer edit need not wait for it.
        """
        done = threading.Event()

        def stop_when_cancelled() -> None:
            while not done.wait(CANCEL_POLL_SECONDS):
                if cancelled():
                    self.process.kill()  # the answer's read then ends: "process stopped"
                    return

        watcher = threading.Thread(target=stop_when_cancelled, daemon=True)
        watcher.start()
        try:
            answer = self.request({"type": "GetFiles", "index_id": index})
        finally:
            done.set()
            watcher.join()
        return {file["path"]: base64.b64decode(file["content"]) for file in answer["files"]}
