"""How well articles are grouped into stories, on the labelled set in tests/fixtures/stories.

    python benchmarks/stories.py

Every pair of articles is either in one story or not, and the labels say which it should be:
precision is the share of grouped pairs that report one event, recall the share of pairs that
report one event and were grouped. Printed for newsdigest's grouping (stories.py, with its
fixed settings), and, for comparison, for other similarities grouped the same way (linked
within the same time window, strongest links first, a story spanning at most the same time),
each at the threshold that suits it best on this set (which flatters them), with the range of
thresholds that group the set without a mistake. It reads a few dozen files: it runs in a
second.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
import sys
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsdigest.articles import Article  # noqa: E402
from newsdigest.config import load_config  # noqa: E402
from newsdigest.content import read_article, read_body  # noqa: E402
from newsdigest.stories import (  # noqa: E402
    LEAD_WORDS,
    MIN_SHARED_NAMES,
    SPAN,
    STOP_WORDS,
    THRESHOLD,
    WINDOW,
    features,
    group_stories,
)

LABELLED = REPO / "tests" / "fixtures" / "stories"
Similarity = Callable[[str, str], float]
Grouped = Callable[[str, str], bool]  # whether two articles (by name) are in one story


def load() -> tuple[dict[str, Article], dict[str, str], dict[str, str]]:
    """The labelled articles by name (file stem), each one's event, and each one's body."""
    config = load_config(LABELLED)
    events: dict[str, str] = {}
    for event, table in tomllib.loads((LABELLED / "labels.toml").read_text())["events"].items():
        events.update((name, event) for name in table["reports"])
    articles: dict[str, Article] = {}
    bodies: dict[str, str] = {}
    for path in sorted((LABELLED / "content").rglob("*.md")):
        article, problems = read_article(path, config)
        if article is None:
            raise SystemExit(f"{path}: {problems}")
        articles[path.stem] = article
        bodies[path.stem] = read_body(LABELLED, article.path)
    missing = set(articles) ^ set(events)
    if missing:
        raise SystemExit(f"labels and files differ: {sorted(missing)}")
    return articles, events, bodies


def score(
    grouped: Grouped, names: Sequence[str], events: Mapping[str, str]
) -> tuple[float, float, list[tuple[str, str]], list[tuple[str, str]]]:
    """(precision, recall, false links, missed links) over every pair of articles."""
    hit = wrong = missed = 0
    false_links: list[tuple[str, str]] = []
    missed_links: list[tuple[str, str]] = []
    for a, b in itertools.combinations(names, 2):
        together, truth = grouped(a, b), events[a] == events[b]
        if together and truth:
            hit += 1
        elif together:
            wrong += 1
            false_links.append((a, b))
        elif truth:
            missed += 1
            missed_links.append((a, b))
    precision = hit / (hit + wrong) if hit + wrong else 1.0
    recall = hit / (hit + missed) if hit + missed else 1.0
    return precision, recall, false_links, missed_links


def cluster(
    names: Sequence[str], articles: Mapping[str, Article], similar: Similarity, t: float
) -> Grouped:
    """Group by a similarity the way stories.py groups: linked within WINDOW, strongest
    first, no story spanning more than SPAN."""
    links = sorted(
        (-s, a, b)
        for a, b in itertools.combinations(names, 2)
        if abs(articles[a].published - articles[b].published) <= WINDOW
        and (s := similar(a, b)) >= t
    )
    group = {name: {name} for name in names}
    for _, a, b in links:
        if group[a] is group[b]:
            continue
        merged = group[a] | group[b]
        moments = [articles[n].published for n in merged]
        if max(moments) - min(moments) > SPAN:
            continue
        for name in merged:
            group[name] = merged
    return lambda a, b: group[a] is group[b]


def words(text: str) -> list[str]:
    return [w.lower() for w in re.findall(r"[^\W_]+(?:['’.,][^\W_]+)*", text)]


def lead(article: Article, body: str) -> str:
    return article.title + "\n" + " ".join(body.split()[:LEAD_WORDS])


def jaccard(a: set[str], b: set[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def alternatives(
    articles: Mapping[str, Article], bodies: Mapping[str, str]
) -> dict[str, Similarity]:
    texts = {name: lead(article, bodies[name]) for name, article in articles.items()}
    shingles = {
        name: {" ".join(ws[i : i + 3]) for i in range(max(1, len(ws) - 2))}
        for name, text in texts.items()
        for ws in [words(text)]
    }
    content = {n: {w for w in words(t) if w not in STOP_WORDS} for n, t in texts.items()}
    counts = {n: Counter(w for w in words(t) if w not in STOP_WORDS) for n, t in texts.items()}
    df = Counter(w for c in counts.values() for w in c)
    total = len(counts)

    def vector(c: Counter[str]) -> dict[str, float]:
        v = {w: (1 + math.log(n)) * math.log((total + 1) / (df[w] + 1)) for w, n in c.items()}
        norm = math.sqrt(sum(x * x for x in v.values())) or 1.0
        return {w: x / norm for w, x in v.items()}

    vectors = {n: vector(c) for n, c in counts.items()}
    with_names = {}
    for name, article in articles.items():
        found, named = features(article.title, bodies[name])
        with_names[name] = found | {"\0" + n for n in named}
    return {
        "MinHash over word 3-shingles (exact Jaccard)": lambda a, b: jaccard(
            shingles[a], shingles[b]
        ),
        "Jaccard of content words": lambda a, b: jaccard(content[a], content[b]),
        "TF-IDF cosine of content words": lambda a, b: sum(
            x * vectors[b].get(w, 0.0) for w, x in vectors[a].items()
        ),
        "Jaccard of content words and names (exact)": lambda a, b: jaccard(
            with_names[a], with_names[b]
        ),
    }


def main() -> None:
    articles, events, bodies = load()
    names = sorted(articles)
    path_of = {name: article.path for name, article in articles.items()}

    def shipped(threshold: float) -> Grouped:
        stories = group_stories(articles.values(), threshold)
        return lambda a, b: path_of[a] in stories and stories[path_of[a]] is stories.get(path_of[b])

    reports = Counter(events.values())
    told = sum(1 for count in reports.values() if count > 1)
    pairs = sum(1 for a, b in itertools.combinations(names, 2) if events[a] == events[b])
    print(
        f"{len(names)} articles, {len(reports)} events ({told} told by 2 to "
        f"{max(reports.values())} agencies), {pairs} pairs of reports of one event"
    )
    print()
    print("| method | threshold | precision | recall | thresholds without a mistake |")
    print("| --- | ---: | ---: | ---: | --- |")
    precision, recall, false_links, missed = score(shipped(THRESHOLD), names, events)
    print(
        f"| newsdigest: content words and names, {MIN_SHARED_NAMES} names shared | {THRESHOLD} | "
        f"{precision:.2f} | {recall:.2f} | {perfect_range(names, events, shipped)} |"
    )
    for label, similar in alternatives(articles, bodies).items():
        best = max(
            (score(cluster(names, articles, similar, t / 100), names, events)[:2], t / 100)
            for t in range(2, 60)
        )
        (p, r), t = best
        mistakes = perfect_range(
            names, events, functools.partial(cluster, names, articles, similar)
        )
        print(f"| {label} | {t:.2f} | {p:.2f} | {r:.2f} | {mistakes} |")
    print()
    for a, b in false_links:
        print(f"newsdigest grouped look-alikes: {a} + {b}")
    for a, b in missed:
        print(f"newsdigest missed: {a} + {b}")
    if not false_links and not missed:
        print("newsdigest: every story grouped, no look-alike merged.")


def perfect_range(
    names: Sequence[str], events: Mapping[str, str], grouping: Callable[[float], Grouped]
) -> str:
    """The thresholds (in hundredths) at which a grouping makes no mistake on the set."""
    found = [
        t / 100 for t in range(2, 60) if score(grouping(t / 100), names, events)[:2] == (1.0, 1.0)
    ]
    return f"{found[0]:.2f} to {found[-1]:.2f}" if found else "none"


if __name__ == "__main__":
    main()
