"""`import` names the articles a new raw report most likely repeats, and --skip-duplicates
leaves out a near-identical copy of one already imported (a wire story sent again)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_site

from newsdigest.cli import main

LABELLED = Path(__file__).parent / "fixtures" / "stories" / "content" / "2025" / "03"


def raw(name: str, byline: str, when: str, url: str, title: str | None = None) -> str:
    """A raw wire file made from an article of the labelled set."""
    text = (LABELLED / f"{name}.md").read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    headline = title or front.split("title: ", 1)[1].split("\n", 1)[0]
    return f"# {headline}\n\nBy {byline}\n\n{when}\n\n{body.strip()}\n\nOriginal url: {url}\n"


LYON_AFP = raw("lyon-fire-afp", "AFP", "March 10, 2025 07:40", "https://afp.example/lyon-fire-afp")
LYON_REUTERS = raw(
    "lyon-fire-reuters", "Reuters", "March 10, 2025 08:15", "https://reuters.example/lyon-fire"
)
MARSEILLE_AP = raw(
    "marseille-fire-ap", "AP", "March 10, 2025 10:30", "https://ap.example/marseille-fire"
)
# The AFP story sent again an hour later, under a new headline and address.
LYON_AFP_AGAIN = raw(
    "lyon-fire-afp",
    "AFP",
    "March 10, 2025 08:41",
    "https://afp.example/lyon-fire-afp-update",
    title="Fire tears through Lyon warehouse, three firefighters hurt",
)


@pytest.fixture
def wire(site: Path) -> Path:
    return write_site(site, {}, 'timezone = "Europe/Paris"\n')


def run_import(site: Path, files: dict[str, str], *flags: str) -> tuple[int, str]:
    folder = site.parent / "raw"
    folder.mkdir(exist_ok=True)
    for name in list(folder.iterdir()):
        name.unlink()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return main(["import", "--site", str(site), str(folder), *flags]), ""


def test_import_names_the_article_a_report_repeats(
    wire: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_import(wire, {"afp.txt": LYON_AFP})
    capsys.readouterr()
    code, _ = run_import(wire, {"reuters.txt": LYON_REUTERS, "ap.txt": MARSEILLE_AP})
    out = capsys.readouterr().out
    assert code == 0
    afp = "content/2025/03/lyon-fire-afp.md"
    reuters_part = out.split("reuters.txt", 1)[1]
    assert f"note: same story as {afp}" in reuters_part
    ap_part = out.split("ap.txt", 1)[1].split("reuters.txt", 1)[0]
    assert "same story" not in ap_part  # another fire in another city
    assert len(list((wire / "content").rglob("*.md"))) == 3


def test_reports_of_one_run_are_named_too_and_a_dry_run_names_them(
    wire: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run_import(wire, {"1.txt": LYON_AFP, "2.txt": LYON_REUTERS}, "--dry-run")
    out = capsys.readouterr().out
    assert code == 0 and "note: same story as content/2025/03/lyon-fire-afp.md" in out
    assert not (wire / "content").exists()


def test_skip_duplicates_leaves_out_a_story_sent_again(
    wire: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_import(wire, {"afp.txt": LYON_AFP})
    capsys.readouterr()
    code, _ = run_import(
        wire, {"again.txt": LYON_AFP_AGAIN, "reuters.txt": LYON_REUTERS}, "--skip-duplicates"
    )
    out = capsys.readouterr().out
    assert code == 0  # left out on purpose: not a failure
    assert "again.txt -> content/2025/03/lyon-fire-afp.md" in out.split("duplicate ", 1)[1]
    assert "a near-identical copy of content/2025/03/lyon-fire-afp.md" in out
    assert "1 duplicates left out" in out
    # Reuters tells the same event in other words: imported, and named as the same story.
    assert len(list((wire / "content").rglob("*.md"))) == 2
    # Without the flag the copy is imported, named as the same story.
    code, _ = run_import(wire, {"again.txt": LYON_AFP_AGAIN})
    out = capsys.readouterr().out
    assert code == 0 and "note: same story as content/2025/03/lyon-fire-afp.md" in out
    assert len(list((wire / "content").rglob("*.md"))) == 3
