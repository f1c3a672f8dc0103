"""Small sites written inline in each test, built the way a user builds them."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from newsdigest.articles import Selection
from newsdigest.config import load_config
from newsdigest.pipeline import BuildOptions, BuildReport, publish


def article(title: str, date: str, body: str = "Body text.", **fields: object) -> str:
    """A content file: YAML front matter with the given fields, then the body."""
    lines = [f"title: {title!r}" if "'" not in title else f'title: "{title}"', f"date: {date}"]
    for key, value in fields.items():
        lines.append(f"{key}: {value}")
    return "---\n" + "\n".join(lines) + "\n---\n" + textwrap.dedent(body).strip() + "\n"


def write_site(root: Path, files: dict[str, str | bytes], config: str = "") -> Path:
    """Write a site folder: files by relative path, and [tool.newsdigest] settings."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[tool.newsdigest]\n" + textwrap.dedent(config))
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def build_site(root: Path, jobs: int = 1, **selection: bool) -> BuildReport:
    config = load_config(root)
    return publish(config, BuildOptions(selection=Selection(**selection), jobs=jobs))


def problems_of(failure: BaseException) -> str:
    return "\n".join(str(p) for p in getattr(failure, "problems", []))


def output_files(root: Path, output: str = "public") -> dict[str, bytes]:
    folder = root / output
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def site(tmp_path: Path) -> Path:
    return tmp_path / "site"
