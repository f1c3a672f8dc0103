"""The benchmark corpus: the same arguments give the same bytes, and the result builds."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from conftest import build_site

CORPUS = Path(__file__).resolve().parent.parent / "benchmarks" / "corpus.py"


def load_corpus() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_corpus", CORPUS)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_the_corpus_is_deterministic(tmp_path: Path) -> None:
    corpus = load_corpus()
    corpus.generate(tmp_path / "one", 12, seed=3)
    corpus.generate(tmp_path / "two", 12, seed=3)
    corpus.generate(tmp_path / "other", 12, seed=4)
    one = files_of(tmp_path / "one")
    assert one == files_of(tmp_path / "two")
    assert one != files_of(tmp_path / "other")
    articles = [name for name in one if name.endswith(".md")]
    assert len(articles) == 12
    words = [len(one[name].decode().split("---\n", 2)[2].split()) for name in articles]
    assert all(850 <= count <= 1000 for count in words), words


def test_the_corpus_builds(tmp_path: Path) -> None:
    load_corpus().generate(tmp_path / "site", 40)
    report = build_site(tmp_path / "site")
    assert report.articles == 40
    assert not [p for p in report.warnings if p.severity == "error"]
    public = tmp_path / "site" / "public"
    topic_pages = {p.parent.name for p in public.glob("topics/*/index.html")}
    assert "moskva" in topic_pages  # a non-Latin topic name gets a page
    years = {p.name for p in public.iterdir() if p.name.isdigit()}
    assert len(years) == 3
