"""Mistakes and wishes of someone setting up their first site: clear answers, never a traceback."""

from datetime import datetime
from pathlib import Path

import pytest
from conftest import article, build_site, write_site

from newsdigest.cli import main
from newsdigest.urls import output_file, permalink

WHEN = datetime(2024, 8, 31, 9, 30)


def test_a_permalink_ending_in_html_is_a_file_url() -> None:
    assert permalink("{year}/{slug}.html", WHEN, "kursk") == "2024/kursk.html"
    assert output_file("2024/kursk.html") == "2024/kursk.html"
    assert permalink("{year}/{slug}", WHEN, "kursk") == "2024/kursk/"
    assert permalink("{year}/{slug}.html/", WHEN, "kursk") == "2024/kursk.html/"


def test_a_site_with_html_permalinks_writes_html_files_and_links_to_them(site: Path) -> None:
    write_site(
        site,
        {
            "content/kursk.md": article("Kursk", "2024-08-31", topics="[Ukraine]"),
            "content/later.md": article("Later", "2024-09-01", topics="[Ukraine]"),
        },
        'permalink = "{year}/{slug}.html"\n',
    )
    build_site(site)
    page = site / "public/2024/kursk.html"
    assert page.is_file()
    assert 'href="/2024/later.html"' in page.read_text(encoding="utf-8")  # next article
    for listing in ("index.html", "topics/ukraine/index.html", "2024/08/31/index.html"):
        assert 'href="/2024/kursk.html"' in (site / "public" / listing).read_text(encoding="utf-8")
    assert "/2024/kursk.html</loc>" in (site / "public/sitemap.xml").read_text(encoding="utf-8")
    assert main(["check", "--site", str(site)]) == 0


def test_a_topic_slug_from_the_settings_is_its_url(site: Path) -> None:
    write_site(
        site,
        {"content/a.md": article("A", "2024-08-31", topics="[Москва]")},
        '[tool.newsdigest.topics."Москва"]\nslug = "moscow"\n',
    )
    build_site(site)
    assert (site / "public/topics/moscow/index.html").is_file()
    assert (site / "public/topics/moscow/feed.xml").is_file()
    assert not (site / "public/topics/moskva").exists()
    page = (site / "public/2024/08/31/a/index.html").read_text(encoding="utf-8")
    assert 'href="/topics/moscow/"' in page


def test_two_topics_on_one_url_are_an_error_naming_their_articles(site: Path, capsys) -> None:
    write_site(
        site,
        {
            "content/a.md": article("A", "2024-08-31", topics="[Курск]"),
            "content/b.md": article("B", "2024-08-31", topics="[Kursk]"),
            "content/c.md": article("C", "2024-08-31", topics="[Kursk, Moscow]"),
            "content/d.md": article("D", "2024-08-31", topics="[Москва]"),
        },
        '[tool.newsdigest.topics."Москва"]\nslug = "moscow"\n',
    )
    assert main(["build", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert not (site / "public").exists()
    [kursk] = [line for line in err.splitlines() if "topics/kursk/" in line]
    assert "'Kursk' (content/b.md, content/c.md)" in kursk and "'Курск' (content/a.md)" in kursk
    [moscow] = [line for line in err.splitlines() if "topics/moscow/" in line]
    assert "'Moscow' (content/c.md)" in moscow and "'Москва' (content/d.md)" in moscow
    assert "slug" in moscow  # the hint says how to give one its own URL
    assert err.count("error:") == 2  # one message per clash, not one per page of it


COMMANDS = {
    "build": ["build"],
    "new": ["new", "A title"],
    "serve": ["serve"],
    "check": ["check"],
    "import": ["import", "raw.txt"],
    "edition": ["edition", "--output", "edition.eml"],
}


@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """serve() replaced, so that a test that reaches it returns instead of serving forever."""
    import newsdigest.serve

    started: list[Path] = []
    monkeypatch.setattr(newsdigest.serve, "serve", lambda site, *args: started.append(site) or 0)
    return started


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("pyproject", [None, '[project]\nname = "mine"\n'])
def test_commands_outside_a_site_folder_say_so_and_create_nothing(
    tmp_path: Path, capsys, no_server: list[Path], command: str, pyproject: str | None
) -> None:
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    (folder / "raw.txt").write_text("# A title\nBy AFP\nAugust 31, 2024\nText.\n")
    if pyproject:
        (folder / "pyproject.toml").write_text(pyproject)
    before = sorted(folder.rglob("*"))
    assert main([*COMMANDS[command], "--site", str(folder)]) == 2
    assert "not a newsdigest site: run `newsdigest init`" in capsys.readouterr().err
    assert sorted(folder.rglob("*")) == before and not no_server


def test_a_folder_with_only_content_is_a_site(tmp_path: Path) -> None:
    write_site(tmp_path / "s", {"content/a.md": article("A", "2024-08-31")})
    (tmp_path / "s/pyproject.toml").unlink()
    assert main(["build", "--site", str(tmp_path / "s"), "--quiet"]) == 0
    assert (tmp_path / "s/public/index.html").is_file()


@pytest.mark.parametrize("inner", ["content", "content/2024"])
def test_a_build_inside_content_never_leaves_an_output_folder_there(
    site: Path, monkeypatch: pytest.MonkeyPatch, capsys, inner: str
) -> None:
    write_site(site, {"content/2024/a.md": article("A", "2024-08-31")})
    (site / "content/content").mkdir()  # even a content/ folder inside does not make it a site
    monkeypatch.chdir(site / inner)
    assert main(["build"]) == 2
    assert main(["build", "--site", "."]) == 2
    err = capsys.readouterr().err
    assert "inside the content folder of the site" in err and str(site) in err
    assert not (site / "content/public").exists() and not (site / inner / "public").exists()
    assert not (site / inner / ".newsdigest-cache").exists()
