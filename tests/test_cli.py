import argparse
import socket
from pathlib import Path

import frontmatter
import pytest
from conftest import article, write_site

from newsdigest.cli import main, make_parser

README = Path(__file__).parent.parent / "README.md"
DOCS = Path(__file__).parent.parent / "docs/commands.md"


def commands() -> list[str]:
    parser = make_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sorted(sub.choices)


def test_every_command_has_help_and_is_in_the_readme(capsys) -> None:
    readme = README.read_text()
    assert {"build", "new", "init", "check"} <= set(commands())
    for name in commands():
        with pytest.raises(SystemExit) as done:
            main([name, "--help"])
        assert done.value.code == 0
        assert "--site" in capsys.readouterr().out or name == "init"
        assert f"newsdigest {name}" in readme, name


def test_every_flag_is_in_its_commands_row_of_the_readme_and_in_docs() -> None:
    parser = make_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    rows = [line for line in README.read_text().splitlines() if line.startswith("| `newsdigest ")]
    manual = DOCS.read_text()
    for name, command in sub.choices.items():
        [row] = [line for line in rows if line.startswith(f"| `newsdigest {name}")]
        for action in command._actions:
            for flag in action.option_strings:
                if flag.startswith("--") and flag not in ("--help", "--site"):
                    assert f"`{flag}" in row, (name, flag)
                    assert f"`{flag}" in manual, (name, flag)
        assert f"## `newsdigest {name}" in manual, name


def test_build_is_the_default_command_and_prints_a_summary(site: Path, capsys) -> None:
    write_site(site, {"content/a.md": article("Fine", "2026-10-01")})
    assert main(["--site", str(site), "--quiet"]) == 0
    assert main(["--site", str(site)]) == 0
    out = capsys.readouterr().out
    assert "Built 1 article into" in out and "0 files written" in out


def test_the_summary_counts_pages_apart_from_articles(site: Path, capsys) -> None:
    write_site(
        site,
        {
            "content/a.md": article("Fine", "2026-10-01"),
            "content/pages/about.md": "---\ntitle: About\n---\nWho we are.\n",
        },
    )
    assert main(["--site", str(site)]) == 0
    assert "Built 1 article and 1 page into" in capsys.readouterr().out
    assert main(["--site", str(site)]) == 0  # nothing to do: the same counts
    assert "Built 1 article and 1 page into" in capsys.readouterr().out


def test_usage_errors_exit_2_and_content_errors_exit_1(site: Path, capsys) -> None:
    with pytest.raises(SystemExit) as done:
        main(["build", "--jobs", "zero"])
    assert done.value.code == 2
    assert main(["build", "--site", str(site / "missing")]) == 2
    write_site(
        site,
        {
            "content/a.md": "---\ntitle: A\n---\n",
            "content/b.md": "---\ndate: 2026-10-01\n---\n",
        },
    )
    assert main(["build", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert "content/a.md:2: error: missing date" in err
    assert "content/b.md" in err and "missing title" in err


def test_new_creates_an_article_that_builds(site: Path, capsys) -> None:
    write_site(site, {})
    assert (
        main(["new", "Kursk: what we know", "--site", str(site), "--topics", "Ukraine,Russia"]) == 0
    )
    created = site / capsys.readouterr().out.strip()
    assert created.name == "kursk-what-we-know.md" and created.exists()
    post = frontmatter.loads(created.read_text(encoding="utf-8"))
    assert post["title"] == "Kursk: what we know" and post["topics"] == ["Ukraine", "Russia"]
    assert post["draft"] is True and post["date"].tzinfo is not None
    assert main(["new", "Kursk: what we know", "--site", str(site)]) == 2  # never overwrites
    assert main(["build", "--site", str(site), "--quiet"]) == 0


def test_init_makes_a_site_that_builds_and_passes_check(tmp_path: Path, capsys) -> None:
    target = tmp_path / "fresh"
    assert main(["init", str(target)]) == 0
    assert main(["build", "--site", str(target)]) == 0
    assert main(["check", "--site", str(target)]) == 0


def test_progress_is_reported_per_batch_and_drawn_on_one_line(site: Path, capsys) -> None:
    from newsdigest.cli import ProgressLine
    from newsdigest.config import load_config
    from newsdigest.pipeline import BuildOptions, build

    write_site(site, {f"content/{n}.md": article(f"A {n}", "2026-10-01") for n in range(3)})
    seen: list[tuple[int, int]] = []
    build(load_config(site), BuildOptions(jobs=1, progress=lambda d, t: seen.append((d, t))))
    assert seen and seen[-1][0] == seen[-1][1] and seen[-1][1] > 3
    line = ProgressLine(delay=0)
    line(5, 10)
    line.clear()
    err = capsys.readouterr().err
    assert "\r[###############...............] 5/10 pages" in err and err.endswith("\r\033[K")


def test_many_warnings_are_cut_short_unless_verbose(site: Path, capsys) -> None:
    files = {f"content/{n:02}.md": article(f"A {n}", "2026-10-01", colour="red") for n in range(25)}
    write_site(site, files, 'base_url = "https://example.org/"')  # no base_url warning
    assert main(["build", "--site", str(site), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert err.count("warning: unknown field 'colour'") == 20
    assert "... and 5 more warning(s); --verbose lists them all." in err
    assert main(["build", "--site", str(site), "--quiet", "--verbose"]) == 0
    assert capsys.readouterr().err.count("warning: unknown field") == 25


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ('["extra", "smartypants"]', "markdown_extensions: unknown extension 'smartypants'"),
        ("{toc = {bogus = 1}}", "markdown_extensions.toc: unknown setting 'bogus'"),
    ],
)
def test_a_bad_markdown_extension_is_a_settings_error_not_a_traceback(
    site: Path, capsys, setting: str, message: str
) -> None:
    write_site(
        site, {"content/a.md": article("A", "2026-10-01")}, f"markdown_extensions = {setting}\n"
    )
    assert main(["build", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert f"pyproject.toml: error: [tool.newsdigest] {message}" in err
    assert "Traceback" not in err
    assert main(["check", "--site", str(site)]) == 1


def test_the_cli_prints_a_misspelt_table_warning(site: Path, capsys) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01")})
    (site / "pyproject.toml").write_text('[tool.newsdigst]\ntitle = "Mine"\n')
    assert main(["build", "--site", str(site), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert "pyproject.toml:1: warning: [tool.newsdigst] is not read" in err
    assert "did you mean [tool.newsdigest]?" in err
    assert main(["check", "--site", str(site)]) == 0
    assert "did you mean [tool.newsdigest]?" in capsys.readouterr().err


@pytest.mark.parametrize("port", ["99999", "-1", "http"])
def test_a_bad_port_is_a_usage_error_naming_the_flag(site: Path, capsys, port: str) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01")})
    with pytest.raises(SystemExit) as done:
        main(["serve", "--site", str(site), f"--port={port}"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "argument --port:" in err and "0 to 65535" in err


@pytest.mark.parametrize("command", ["build", "check"])
@pytest.mark.parametrize("url", ["example.org/digest", "ftp://x", "https://", "https:///digest/"])
def test_a_bad_base_url_flag_is_a_usage_error_naming_the_flag(
    site: Path, capsys, command: str, url: str
) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01")})
    with pytest.raises(SystemExit) as done:
        main([command, "--site", str(site), f"--base-url={url}"])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert "argument --base-url:" in err and "pyproject.toml" not in err
    assert not (site / "public").exists()


def test_clean_removes_the_output_and_the_cache_and_says_so(site: Path, capsys) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01")})
    assert main(["build", "--site", str(site), "--quiet"]) == 0
    (site / ".public.staging").mkdir()  # left by a build that was killed
    assert (site / ".newsdigest-cache").is_dir()
    assert main(["clean", "--site", str(site)]) == 0
    out = capsys.readouterr().out
    assert "removed public/" in out and "removed .newsdigest-cache/" in out
    assert "removed .public.staging/" in out
    assert sorted(p.name for p in site.iterdir()) == ["content", "pyproject.toml"]
    assert main(["clean", "--site", str(site)]) == 0
    assert "Nothing to remove." in capsys.readouterr().out


def test_clean_removes_an_empty_output_folder_set_in_the_settings(site: Path, capsys) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01")}, 'output_dir = "out"\n')
    (site / "out").mkdir()
    assert main(["clean", "--site", str(site)]) == 0
    assert "removed out/" in capsys.readouterr().out and not (site / "out").exists()


def test_clean_leaves_an_output_folder_that_is_not_newsdigests(site: Path, capsys) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01"), "public/holiday.jpg": "precious"})
    (site / ".newsdigest-cache").mkdir()
    assert main(["clean", "--site", str(site)]) == 2
    assert "newsdigest did not write" in capsys.readouterr().err
    assert (site / "public/holiday.jpg").read_text() == "precious"
    assert (site / ".newsdigest-cache").is_dir()  # nothing is removed when anything is refused


def test_version_prints_the_version(capsys) -> None:
    from newsdigest import __version__

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0
    assert capsys.readouterr().out.strip() == f"newsdigest {__version__}"
    assert "newsdigest --version" in README.read_text()


def test_the_summary_counts_in_words_that_agree(site: Path) -> None:
    from newsdigest.cli import summary
    from newsdigest.config import load_config
    from newsdigest.pipeline import BuildReport

    config = load_config(write_site(site, {}))
    one = BuildReport(
        articles=1, pages=1, written=1, unchanged=1, removed=1, seconds=0.5, warnings=()
    )
    text = summary(one, config)
    assert text.startswith("Built 1 article into public: 1 page, 1 file written, 1 unchanged")
    assert "1 stale file removed" in text
    two = BuildReport(
        articles=2, pages=2, written=2, unchanged=0, removed=0, seconds=0.5, warnings=()
    )
    assert "Built 2 articles into public: 2 pages, 2 files written" in summary(two, config)


def test_init_takes_a_base_url_and_its_readme_says_how_to_install(tmp_path: Path, capsys) -> None:
    from newsdigest.config import load_config

    target = tmp_path / "fresh"
    assert main(["init", str(target), "--base-url", "https://example.org/digest/"]) == 0
    assert load_config(target).base_url == "https://example.org/digest/"
    readme = (target / "README.md").read_text(encoding="utf-8")
    assert "pypi.org" not in readme
    assert "install newsdigest (see its README)" in readme and "newsdigest build" in readme
    with pytest.raises(SystemExit) as done:
        main(["init", str(tmp_path / "other"), "--base-url", "example.org"])
    assert done.value.code == 2 and "argument --base-url:" in capsys.readouterr().err
    assert not (tmp_path / "other").exists()


@pytest.mark.parametrize(
    "error",
    [
        OSError(99, "Cannot assign requested address"),
        socket.gaierror(-2, "Name or service not known"),
        OSError("ports 8000 to 8020 are all taken; choose one with --port"),
        OverflowError("bind(): port must be 0-65535."),
    ],
)
def test_a_host_or_port_that_cannot_be_served_is_a_usage_error(
    site: Path, capsys, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    import newsdigest.serve

    def refuse(*args: object, **kwargs: object) -> int:
        raise error

    monkeypatch.setattr(newsdigest.serve, "serve", refuse)
    write_site(site, {"content/a.md": article("A", "2026-10-01")})
    assert main(["serve", "--site", str(site), "--host", "nowhere.invalid"]) == 2
    err = capsys.readouterr().err
    assert "newsdigest: error: " in err and "--port" in err


def test_a_site_path_that_is_a_file_is_named_as_such(tmp_path: Path, capsys) -> None:
    (tmp_path / "notes.txt").write_text("x")
    assert main(["build", "--site", str(tmp_path / "notes.txt")]) == 2
    assert "is a file, not a site folder" in capsys.readouterr().err
    assert main(["init", str(tmp_path / "notes.txt")]) == 2
    assert "is a file" in capsys.readouterr().err
