"""The docs stand alone: every link leads to a file of this repository (or the web), every
anchor to a heading, and every setting is documented."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

from newsdigest import config

REPO = Path(__file__).parent.parent
DOCS = sorted((REPO / "docs").glob("*.md"))
PAGES = [REPO / "README.md", REPO / "CHANGELOG.md", REPO / "benchmarks/RESULTS.md", *DOCS]
LINK = re.compile(r"\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.S | re.M)
CODE = re.compile(r"`[^`\n]*`")


def anchors(page: Path) -> set[str]:
    """GitHub's anchors for the headings of a Markdown page."""
    found = set()
    for line in FENCE.sub("", page.read_text(encoding="utf-8")).splitlines():
        if line.startswith("#"):
            text = line.lstrip("#").strip().lower()
            text = "".join(c for c in text if c in " -_" or unicodedata.category(c)[0] in "LN")
            found.add(text.replace(" ", "-"))
    return found


def links(page: Path) -> list[str]:
    return LINK.findall(CODE.sub("", FENCE.sub("", page.read_text(encoding="utf-8"))))


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.relative_to(REPO).as_posix())
def test_every_link_leads_into_the_repository_or_to_the_web(page: Path) -> None:
    text = page.read_text(encoding="utf-8")
    assert "../shared" not in text
    for link in links(page):
        if re.match(r"[a-z]+:", link):
            assert link.startswith(("https://", "http://", "mailto:")), (page, link)
            continue
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        assert target.is_relative_to(REPO.resolve()), (page, link)
        assert target.exists(), (page, link)
        if anchor and target.suffix == ".md":
            assert anchor in anchors(target), (page, link)


def test_the_readme_links_every_page_of_the_docs() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for page in DOCS:
        assert f"(docs/{page.name})" in readme, page.name


def test_every_setting_is_in_the_settings_page() -> None:
    settings = (REPO / "docs/settings.md").read_text(encoding="utf-8")
    keys = [
        *config._SIMPLE_KEYS,
        "markdown_extensions",
        *config._TOPIC_KEYS,
        "entries",
        "full_content",
        *(key for keys in config._PEOPLE_KEYS.values() for key in keys),
        *config._MENU_KEYS,
        *(key for _, types in config._TABLES.values() for key in types),
        *config._EDITION_KEYS,
    ]
    for key in keys:
        assert f"`{key}`" in settings, key
    tables = [key for key in config.KNOWN_KEYS if key not in (*config._SIMPLE_KEYS, "menu")]
    for table in tables:
        if table != "markdown_extensions":
            assert f"[tool.newsdigest.{table}" in settings, table
    assert "[[tool.newsdigest.menu]]" in settings


def test_no_file_names_a_folder_of_the_machine_it_was_written_on() -> None:
    for path in [REPO / "pyproject.toml", *PAGES]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(^|[\s(`'\"])/(work|home|root|Users)/", text), path
