"""Stories: the reports of one event by several agencies, grouped (pure).

AFP, Reuters and dpa tell the same fire in different words. Such reports share few phrases
but many content words and, above all, names: the city, the people, the figures. So an article
is reduced, when it is read, to a small `sketch` of its headline and lead (the first
LEAD_WORDS words: news puts who, what and where first), and stories are grouped from sketches
alone, never from bodies. A sketch holds:

- the features' Bloom bits: every content word, and every name (a capitalised word inside a
  sentence, an acronym, or a figure) a second time, in BLOOM_BITS bits, from which the share
  of features two articles have in common (their Jaccard similarity) is estimated;
- the article's names, as short hashes: two reports of one event name the same places and
  people, where a second fire in another city shares only the words of a fire. They are the
  keys that find candidates, too: only articles that share a name are compared, so grouping
  a large archive compares few pairs (a name that more than CROWDED articles within WINDOW
  share, such as a country in a digest about it, finds no candidates by itself).

Two articles are linked when they were published within WINDOW of each other, their
similarity is at least THRESHOLD and they share at least MIN_SHARED_NAMES names. Links are
taken strongest first, each joining two groups unless the story would then span more than SPAN
(a long chain of look-alike daily reports never becomes one story). The values were chosen
by measurement on a labelled set (benchmarks/stories.py, docs/stories.md).

Front matter overrides it: `story: some-id` puts articles into the story `some-id` by hand
(with every article that names it, and nothing else), `story: none` keeps an article out.

A story's id is a hash of its earliest report's path (or the id written by hand): adding a
later report leaves it as it was. Every result depends on the entries alone, in any order.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Protocol

from newsdigest.articles import Article

LEAD_WORDS = 120
LEAD_CHARACTERS = 20 * LEAD_WORDS  # of the body, read for the lead: enough for its words
BLOOM_BITS = 1024
MAX_NAMES = 32
CROWDED = 40
THRESHOLD = 0.18
MIN_SHARED_NAMES = 2
WINDOW = timedelta(hours=48)
SPAN = timedelta(hours=72)
NONE = "none"  # `story: none`: never in a story
MAX_STORY_ID = 80  # characters of a `story:` id, as of a slug
_VERSION = "1"

# Words that say nothing about which event a report is about.
_STOP_WORDS = """
    a about above after again against all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each few
    for from further had has have having he her here hers herself him himself his how i if
    in into is it its itself just me more most my no nor not now of off on once only or
    other our ours out over own same she should so some such than that the their theirs them
    then there these they this those through to too under until up very was we were what
    when where which while who whom why will with would you your yours said says say told
    according percent per cent one two three four five six seven eight nine ten new year
    years day days week weeks monday tuesday wednesday thursday friday saturday sunday today
    yesterday tomorrow morning evening night am pm
"""
STOP_WORDS = frozenset(_STOP_WORDS.split())
# Capitalised, but no name: months and days begin with a capital in English.
_CALENDAR = """january february march april may june july august september october november
    december monday tuesday wednesday thursday friday saturday sunday"""
_NOT_NAMES = frozenset(_CALENDAR.split())
_WORD = re.compile(r"[^\W_]+(?:['’.,][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?:;\"”»])\s+|\n\s*\n|\n[#>*+-]")
# Markdown that is not text: link targets, images, HTML tags, code.
_MARKUP = re.compile(r"!\[[^\]]*\]\([^)]*\)|\]\([^)]*\)|<[^>]+>|`[^`]*`|https?://\S+")


class Sketched(Protocol):
    """What grouping needs of an article: articles.Entry, or Article."""

    @property
    def path(self) -> str: ...
    @property
    def published(self) -> datetime: ...
    @property
    def story(self) -> str | None: ...
    @property
    def sketch(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Story:
    """One story: its id (as `data-story` shows it) and its reports, oldest first."""

    id: str
    paths: tuple[str, ...]
    by_hand: bool = False


# -- sketches --------------------------------------------------------------------------------


def sketch(title: str, body: str) -> str:
    """The sketch of an article (see this module's docstring), as text for the cache."""
    words, names = features(title, body)
    hashes = {_hash(word) for word in words} | {_hash("\0" + name) for name in names}
    bits = 0
    for value in hashes:
        bits |= 1 << (value % BLOOM_BITS)
    name_hashes = sorted({_hash(name) & 0xFFFF for name in names})[:MAX_NAMES]
    payload = (
        bytes([len(name_hashes)])
        + struct.pack(f">{len(name_hashes)}H", *name_hashes)
        + bits.to_bytes(BLOOM_BITS // 8, "big")
    )
    return _VERSION + base64.b64encode(payload).decode("ascii")


def features(title: str, body: str) -> tuple[set[str], set[str]]:
    """The content words of the headline and lead, and the names in the lead.

    Headlines are often in title case, so their capitals name nothing: names come from the
    lead's sentences, where a capital inside a sentence marks a name.
    """
    lead = _MARKUP.sub(" ", body[:LEAD_CHARACTERS])
    words: set[str] = set()
    names: set[str] = set()
    for word in _WORD.findall(title):
        folded = word.lower()
        if folded not in STOP_WORDS and len(folded) > 1:
            words.add(folded)
            if _is_acronym(word):
                names.add(folded)
    counted = 0
    for sentence in _SENTENCE_END.split(lead):
        for position, word in enumerate(_WORD.findall(sentence)):
            counted += 1
            if counted > LEAD_WORDS:
                return words, names
            folded = word.lower()
            if folded in STOP_WORDS or len(folded) < 2:
                continue
            words.add(folded)
            figure = any(c.isdigit() for c in word)
            capital = position > 0 and word[0].isupper() and folded not in _NOT_NAMES
            if figure or capital or _is_acronym(word):
                names.add(folded)
    return words, names


def _is_acronym(word: str) -> bool:
    """NATO, ECB, AFP: a name wherever it stands, a headline or a sentence's start."""
    return len(word) > 1 and word.isupper() and word.isalpha()


def _hash(text: str) -> int:
    digest = hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=4).digest()
    return int.from_bytes(digest, "big")


@dataclass(frozen=True, slots=True)
class _Decoded:
    names: tuple[int, ...]
    name_set: frozenset[int]
    bits: int
    size: float  # the estimated number of features


@lru_cache(maxsize=65536)  # a build decodes each article's sketch once, serve once per version
def _decode(text: str) -> _Decoded | None:
    if not text.startswith(_VERSION):
        return None
    try:
        payload = base64.b64decode(text[len(_VERSION) :], validate=True)
        count = payload[0]
        names = struct.unpack_from(f">{count}H", payload, 1)
        bits = int.from_bytes(payload[1 + 2 * count :], "big")
    except (ValueError, IndexError, struct.error):
        return None
    if len(payload) != 1 + 2 * count + BLOOM_BITS // 8:
        return None
    return _Decoded(names, frozenset(names), bits, _estimate(bits.bit_count()))


@lru_cache(maxsize=BLOOM_BITS + 1)
def _estimate(set_bits: int) -> float:
    """How many features set this many of BLOOM_BITS bits (a Bloom filter's size estimate)."""
    from math import log

    if set_bits >= BLOOM_BITS:
        return float(BLOOM_BITS) * 8
    return -BLOOM_BITS * log(1 - set_bits / BLOOM_BITS)


def similarity(first: str, second: str) -> float:
    """The estimated share of features two sketches have in common (0 to 1)."""
    a, b = _decode(first), _decode(second)
    if a is None or b is None:
        return 0.0
    return _similarity(a, b)


def _similarity(a: _Decoded, b: _Decoded) -> float:
    union = _estimate((a.bits | b.bits).bit_count())
    if union <= 0:
        return 0.0
    return max(0.0, a.size + b.size - union) / union


def shared_names(first: str, second: str) -> int:
    a, b = _decode(first), _decode(second)
    if a is None or b is None:
        return 0
    return len(a.name_set & b.name_set)


def same_event(first: str, second: str) -> bool:
    """Whether two sketches tell the same event (leaving time out of it)."""
    a, b = _decode(first), _decode(second)
    return a is not None and b is not None and _linked(a, b) is not None


def _linked(a: _Decoded, b: _Decoded, threshold: float = THRESHOLD) -> float | None:
    """The link's strength when two reports tell one event, else None."""
    strength = _similarity(a, b)
    if strength < threshold or len(a.name_set & b.name_set) < MIN_SHARED_NAMES:
        return None
    return strength


# -- grouping --------------------------------------------------------------------------------


def group_stories(entries: Iterable[Sketched], threshold: float = THRESHOLD) -> dict[str, Story]:
    """Each article in a story of two or more reports, by path, with its story.

    `threshold`: the similarity that links two reports (another one only to measure).
    The stories depend on each article's path, date, `story:` and sketch alone: the dev server
    asks again after every edit, and an edit of a topic or a headline leaves them as they were.
    """
    key = tuple((entry.path, entry.published, entry.story, entry.sketch) for entry in entries)
    return _grouped(key, threshold)


Grouped = tuple[tuple[str, datetime, str | None, str], ...]  # path, published, story, sketch


@lru_cache(maxsize=2)
def _grouped(entries: Grouped, threshold: float) -> dict[str, Story]:
    by_hand: dict[str, list[tuple[datetime, str]]] = defaultdict(list)
    automatic: list[tuple[datetime, str, _Decoded]] = []
    published: dict[str, datetime] = {}
    for path, moment, name, sketched in entries:
        published[path] = moment
        if name is not None:
            if name != NONE:
                by_hand[name].append((moment, path))
            continue
        decoded = _decode(sketched)
        if decoded is not None:
            automatic.append((moment, path, decoded))
    stories: dict[str, Story] = {}
    for name, members in sorted(by_hand.items()):
        if len(members) > 1:
            paths = tuple(path for _, path in sorted(members))
            story = Story(name, paths, by_hand=True)
            stories.update((path, story) for path in paths)
    for group in _clusters(sorted(automatic, key=lambda item: (item[0], item[1])), threshold):
        paths = tuple(sorted(group, key=lambda path: (published[path], path)))
        story = Story(story_id(paths[0]), paths)
        stories.update((path, story) for path in paths)
    return stories


def story_id(earliest: str) -> str:
    """The id of an automatic story: a hash of its earliest report's path."""
    return "s" + hashlib.sha1(earliest.encode("utf-8", "surrogatepass")).hexdigest()[:11]


def _clusters(items: Sequence[tuple[datetime, str, _Decoded]], threshold: float) -> list[list[str]]:
    """Groups of two or more paths; `items` oldest first."""
    links = []
    seconds = [item[0].timestamp() for item in items]  # floats: compared a million times
    for first, second in _candidates(items, seconds):
        strength = _linked(items[first][2], items[second][2], threshold)
        if strength is not None:
            links.append((-strength, items[first][1], items[second][1], first, second))
    links.sort()
    parent = list(range(len(items)))
    earliest = [item[0] for item in items]
    latest = list(earliest)

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    for _, _, _, first, second in links:
        a, b = root(first), root(second)
        if a == b:
            continue
        start, end = min(earliest[a], earliest[b]), max(latest[a], latest[b])
        if end - start > SPAN:
            continue
        a, b = min(a, b), max(a, b)  # the older item stays the root
        parent[b] = a
        earliest[a], latest[a] = start, end
    groups: dict[int, list[str]] = defaultdict(list)
    for index, item in enumerate(items):
        groups[root(index)].append(item[1])
    return [paths for _, paths in sorted(groups.items()) if len(paths) > 1]


def _candidates(
    items: Sequence[tuple[datetime, str, _Decoded]], seconds: Sequence[float]
) -> set[tuple[int, int]]:
    """Pairs (older, newer) within WINDOW of each other that share a name which at most
    CROWDED articles before the newer one, within WINDOW, share. `seconds`: each item's
    time as a timestamp."""
    holders: dict[int, list[int]] = defaultdict(list)
    for index, (_, _, decoded) in enumerate(items):
        for name in decoded.names:
            holders[name].append(index)  # oldest first, as items are
    window = WINDOW.total_seconds()
    pairs: set[tuple[int, int]] = set()
    for indexes in holders.values():
        if len(indexes) < 2:
            continue
        start = 0
        for position, newer in enumerate(indexes):
            moment = seconds[newer]
            while moment - seconds[indexes[start]] > window:
                start += 1
            if 0 < position - start <= CROWDED:
                pairs.update((older, newer) for older in indexes[start:position])
    return pairs


# -- lists -----------------------------------------------------------------------------------


def group_list(paths: Sequence[str], stories: Mapping[str, Story]) -> tuple[tuple[str, ...], ...]:
    """A list's articles with each story's reports together, where its first report is.

    `paths` in the list's order (newest first): the result keeps it, each story's reports
    following the first of them listed; articles in no story stand alone.
    """
    groups: dict[str, list[str]] = {}
    for path in paths:
        story = stories.get(path)
        key = story.id if story is not None else "\0" + path
        groups.setdefault(key, []).append(path)
    return tuple(tuple(group) for group in groups.values())


@dataclass(frozen=True, slots=True)
class StoryGroup:
    """A story as a list shows it: its id ("" for an article in no story) and its reports in
    the list, the first of them the one the list shows it by."""

    id: str
    paths: tuple[str, ...]


def story_groups(paths: Sequence[str], stories: Mapping[str, Story]) -> tuple[StoryGroup, ...]:
    return tuple(
        StoryGroup(stories[group[0]].id if group[0] in stories else "", group)
        for group in group_list(paths, stories)
    )


@dataclass(frozen=True, slots=True)
class StoryTeaser:
    """What templates get for one entry of a list: a story's reports, or one article."""

    id: str
    reports: tuple[Article, ...]

    @property
    def lead(self) -> Article:
        return self.reports[0]

    @property
    def others(self) -> tuple[Article, ...]:
        return self.reports[1:]

    @property
    def in_story(self) -> bool:
        return len(self.reports) > 1

    @property
    def in_order(self) -> tuple[Article, ...]:
        """The reports oldest first: the order they came in."""
        return tuple(sorted(self.reports, key=lambda report: report.sort_key))

    @property
    def sources(self) -> tuple[str, ...]:
        """Each report's source once, in the order they came in: ("AFP", "Reuters", "dpa")."""
        return tuple(dict.fromkeys(report.source for report in self.in_order if report.source))
