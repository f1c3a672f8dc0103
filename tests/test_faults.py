"""Builds at the same time, files changed behind newsdigest's back, folders it cannot write,
folders it did not make: the published folder is always one whole site."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from conftest import article, build_site, output_files, write_site
from test_safety import folder_hash

from newsdigest import output as output_module
from newsdigest.cli import main

REPO = Path(__file__).resolve().parent.parent
BUILD = """
import sys
from newsdigest.cli import main
sys.exit(main(["build", "--site", sys.argv[1], "--jobs", "1", "--quiet", "--no-search"]))
"""


def newsroom(count: int) -> dict[str, str | bytes]:
    return {
        f"content/{n:03}.md": article(
            f"Story {n}", f"2026-{n % 9 + 1:02}-{n % 27 + 1:02}T09:00:00", "Words. " * 80,
            topics=f"[T{n % 7}]",
        )
        for n in range(count)
    }  # fmt: skip


def start_build(site: Path) -> subprocess.Popen[str]:
    environment = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-c", BUILD, str(site)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_builds_at_once_leave_one_whole_site_and_no_traceback(
    tmp_path: Path,
) -> None:
    files = newsroom(300)
    site = write_site(tmp_path / "site", files)
    assert main(["build", "--site", str(site), "--quiet", "--no-search"]) == 0
    files["content/007.md"] = article("Story 7 retitled", "2026-08-08T09:00:00", topics="[T0]")
    (site / "content/007.md").write_text(files["content/007.md"])
    expected = write_site(tmp_path / "expected", files)
    assert main(["build", "--site", str(expected), "--quiet", "--no-search"]) == 0
    for _ in range(3):
        first, second = start_build(site), start_build(site)
        for process in (first, second):
            _, err = process.communicate(timeout=300)
            assert process.returncode == 0, err
            assert "Traceback" not in err
        assert folder_hash(site / "public") == folder_hash(expected / "public")
        assert not (site / ".public.staging").exists()


def test_a_build_and_the_dev_server_on_one_site_do_not_corrupt_each_other(
    tmp_path: Path,
) -> None:
    from newsdigest.preview import Preview

    files = newsroom(120)
    site = write_site(tmp_path / "site", files)
    preview = Preview(site, site / ".newsdigest-cache/serve")
    preview.rebuild()
    done: list[int] = []
    builder = threading.Thread(
        target=lambda: done.append(main(["build", "--site", str(site), "--quiet"]))
    )
    builder.start()
    for number in range(5):  # the dev server rebuilds while the build runs
        path = site / f"content/00{number}.md"
        path.write_text(path.read_text() + f"\nEdit {number}.\n")
        preview.rebuild({path})
    builder.join(timeout=300)
    assert done == [0]
    assert main(["build", "--site", str(site), "--quiet"]) == 0
    fresh = write_site(tmp_path / "fresh", {})
    for name in files:
        (fresh / name).parent.mkdir(parents=True, exist_ok=True)
        (fresh / name).write_text((site / name).read_text())
    assert main(["build", "--site", str(fresh), "--quiet"]) == 0
    assert output_files(site) == output_files(fresh)


def test_a_changed_output_file_is_repaired_by_the_next_build(site: Path) -> None:
    write_site(site, newsroom(20))
    build_site(site)
    before = output_files(site)
    (site / "public/index.html").write_text("DEFACED")
    (site / "public/stray.html").write_text("not ours")
    os.unlink(site / "public/404.html")
    report = build_site(site)
    assert output_files(site) == before
    assert report.written == 2 and report.removed == 1


def test_an_output_folder_that_cannot_be_written_is_an_error_before_anything_is_staged(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_site(site, newsroom(10))
    build_site(site)
    before = folder_hash(site / "public")
    (site / "content/new.md").write_text(article("New", "2026-10-10"))
    public = (site / "public").resolve()
    access = os.access
    monkeypatch.setattr(
        output_module.os, "access", lambda p, m: False if Path(p) == public else access(p, m)
    )
    assert main(["build", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert f"{public}: error: cannot write here" in err and "Traceback" not in err
    assert folder_hash(site / "public") == before
    assert not (site / ".public.staging").exists() and not (site / ".public.journal").exists()


def test_a_cache_that_cannot_be_written_still_publishes_with_a_warning(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    from newsdigest import cache

    write_site(site, newsroom(10))
    real_connect = sqlite3.connect

    def read_only(where: object, *args: object, **kwargs: object) -> sqlite3.Connection:
        if "mode=ro" not in str(where):
            raise sqlite3.OperationalError("attempt to write a readonly database")
        return real_connect(where, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(cache.sqlite3, "connect", read_only)
    assert main(["build", "--site", str(site)]) == 0
    err = capsys.readouterr().err
    assert "warning: cannot write the build cache" in err and "Traceback" not in err
    assert (site / "public/index.html").exists()


def test_a_staging_folder_newsdigest_did_not_make_is_left_alone(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_site(site, newsroom(5))
    stranger = site / ".public.staging"
    stranger.mkdir()
    (stranger / "precious.txt").write_text("mine")
    assert main(["build", "--site", str(site)]) == 2
    assert "was not made by newsdigest" in capsys.readouterr().err
    assert (stranger / "precious.txt").read_text() == "mine"


@pytest.mark.parametrize(
    "name",
    [
        "content/feed.xml",
        "content/sitemap.xml",
        "content/pagefind/pagefind.js",
        "static/search/index.html",
        "static/robots.txt",
    ],
)
def test_a_file_on_a_generated_path_is_an_error_naming_both(
    site: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    write_site(site, {**newsroom(3), name: "mine"})
    assert main(["build", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert name in err and "Traceback" not in err


def test_a_symlink_to_outside_the_site_is_not_published(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    site = write_site(tmp_path / "site", newsroom(3))
    secret = tmp_path / "secret.txt"
    secret.write_text("password")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "photo.jpg").write_text("private")
    (site / "content/leak.txt").symlink_to(secret)
    (site / "content/album").symlink_to(elsewhere)
    (site / "static").mkdir()
    (site / "static/passwd").symlink_to("/etc/passwd")
    (site / "content/inside.txt").symlink_to(site / "content/000.md")  # stays in the site
    assert main(["build", "--site", str(site)]) == 0
    err = capsys.readouterr().err
    for name in ("content/leak.txt", "content/album", "static/passwd"):
        assert f"{name}: warning: symlink to outside the site folder" in err
    files = output_files(site)
    assert "leak.txt" not in files and "album/photo.jpg" not in files and "passwd" not in files
    assert b"password" not in b"".join(files.values())
    assert "inside.txt" in files


def test_a_cache_folder_that_cannot_be_made_is_a_clear_error(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_site(site, newsroom(5))
    build_site(site)
    before = folder_hash(site / "public")
    import shutil

    shutil.rmtree(site / ".newsdigest-cache")
    (site / ".newsdigest-cache").write_text("a file where the cache folder goes")
    (site / "content/new.md").write_text(article("New", "2026-10-10"))
    assert main(["build", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert ".newsdigest-cache" in err and "cannot write here" in err and "Traceback" not in err
    assert folder_hash(site / "public") == before
