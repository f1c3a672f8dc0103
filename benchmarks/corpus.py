"""A deterministic news corpus: N articles in newsdigest's format, for benchmarks.

    python benchmarks/corpus.py /tmp/corpus-10k 10000

Three years of dates (2023-2025), two to four topics per article out of twenty-four (some with
non-Latin names), about 900 words each in Markdown paragraphs with the odd list, link, quote
and emphasis, and a source line. The same count and seed give the same bytes.
"""

from __future__ import annotations

import random
import sys
from datetime import datetime, timedelta
from pathlib import Path

TOPICS = [
    "Ukraine", "Russia", "NATO", "European Union", "Energy", "Climate", "Economy", "Elections",
    "Migration", "Health", "Technology", "Space", "Asia", "Middle East", "Africa", "Science",
    "Москва", "Київ", "Türkiye", "Zürich", "東京", "Culture", "Sport", "Justice",
]  # fmt: skip
SOURCES = ["AFP", "Reuters", "AP", "DPA", "The Moscow Times", "Kyiv Independent", "EFE"]
WORDS = [
    "the",
    "government",
    "said",
    "on",
    "officials",
    "ministry",
    "talks",
    "agreement",
    "week",
    "border",
    "region",
    "energy",
    "prices",
    "market",
    "analysts",
    "expected",
    "growth",
    "according",
    "report",
    "minister",
    "president",
    "parliament",
    "vote",
    "deal",
    "plan",
    "support",
    "military",
    "aid",
    "troops",
    "ceasefire",
    "negotiations",
    "city",
    "residents",
    "power",
    "supply",
    "winter",
    "storage",
    "gas",
    "oil",
    "inflation",
    "rates",
    "bank",
    "central",
    "economy",
    "exports",
    "imports",
    "trade",
    "sanctions",
    "leaders",
    "summit",
    "meeting",
    "statement",
    "spokesman",
    "crisis",
    "recovery",
    "reconstruction",
    "infrastructure",
    "drone",
    "attack",
    "overnight",
    "damage",
    "emergency",
    "services",
    "rescue",
    "climate",
    "heat",
    "flood",
    "record",
    "data",
    "survey",
    "researchers",
    "study",
    "scientists",
    "launch",
    "mission",
    "satellite",
    "orbit",
    "election",
    "campaign",
    "candidates",
    "polls",
    "turnout",
    "results",
    "court",
    "ruling",
    "judge",
    "appeal",
    "prosecutors",
]


def sentence(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(9, 22))]
    if rng.random() < 0.08:
        words[2] = f"**{words[2]}**"
    if rng.random() < 0.05:
        words[4] = f"[{words[4]}](https://example.org/{words[4]})"
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def body(rng: random.Random, words: int) -> str:
    blocks: list[str] = []
    count = 0
    while count < words:
        kind = rng.random()
        if kind < 0.06:
            items = [sentence(rng) for _ in range(rng.randint(2, 4))]
            blocks.append("\n".join(f"- {item}" for item in items))
        elif kind < 0.1:
            blocks.append(f'> "{sentence(rng)}"')
        else:
            blocks.append(" ".join(sentence(rng) for _ in range(rng.randint(3, 5))))
        count += len(blocks[-1].split())
    return "\n\n".join(blocks) + "\n"


def article_text(rng: random.Random, number: int, published: datetime, words: int = 900) -> str:
    """One article's file: front matter like an imported wire story, then the body."""
    title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 10))).capitalize()
    topics = rng.sample(TOPICS, rng.randint(2, 4))
    source = rng.choice(SOURCES)
    front = [
        "---",
        f'title: "{title} {number}"',
        f"date: {published:%Y-%m-%dT%H:%M:00}",
        "topics: [" + ", ".join(f'"{t}"' for t in topics) + "]",
        f"source: {source}",
        f"source_url: https://news.example/{published:%Y/%m/%d}/story-{number}",
        "---",
    ]
    return "\n".join(front) + "\n" + body(rng, words)


def add_day(
    target: Path, count: int, day: datetime, first_number: int, seed: int = 2
) -> list[Path]:
    """The daily publish: `count` new articles dated through `day`, after the archive's end."""
    rng = random.Random(seed * 1_000_003 + first_number)
    written = []
    for offset in range(count):
        published = day + timedelta(minutes=30 * offset)
        number = first_number + offset
        folder = target / "content" / f"{published:%Y}" / f"{published:%m}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"story-{number}.md"
        path.write_text(article_text(rng, number, published), encoding="utf-8")
        written.append(path)
    return written


def generate(target: Path, count: int, seed: int = 1, words: int = 900) -> None:
    """Write a site folder with `count` articles into `target` (which must not exist)."""
    rng = random.Random(seed)
    target.mkdir(parents=True)
    (target / "pyproject.toml").write_text(
        '[tool.newsdigest]\ntitle = "Benchmark Digest"\nbase_url = "https://bench.example/"\n'
        'timezone = "Europe/Berlin"\n',
        encoding="utf-8",
    )
    start = datetime(2023, 1, 1, 6, 0)
    span = int(timedelta(days=3 * 365).total_seconds() // 60)
    for number in range(count):
        published = start + timedelta(minutes=rng.randrange(span))
        folder = target / "content" / f"{published:%Y}" / f"{published:%m}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"story-{number}.md").write_text(
            article_text(rng, number, published, words), encoding="utf-8"
        )


if __name__ == "__main__":
    generate(Path(sys.argv[1]), int(sys.argv[2]))
