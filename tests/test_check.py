from pathlib import Path

from conftest import article, write_site

from newsdigest.cli import main


def test_check_finds_a_broken_link_a_missing_image_and_a_missing_anchor(site: Path, capsys) -> None:
    write_site(
        site,
        {
            "content/a.md": article(
                "Linked",
                "2026-10-01",
                """
            See [the other story](/2026/10/02/nowhere/) and [the notes](#no-such-part).

            ![A chart](chart.png)
        """,
                image="{src: missing-photo.jpg, caption: Gone}",
            ),
            "content/b.md": article("Fine", "2026-10-02", "All good."),
        },
    )
    assert main(["check", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    # Each at the line of the content file where the link is written, not at a built page.
    assert "content/a.md:6: error: broken link '/2026/10/02/nowhere/'" in err
    assert "content/a.md:6: error: link '#no-such-part'" in err
    assert "content/a.md:8: error: broken link '/chart.png'" in err
    assert "content/a.md:4: error: broken link '/missing-photo.jpg'" in err
    assert "content/a.md:4: warning: image 'missing-photo.jpg' not found" in err
    assert not [line for line in err.splitlines() if line.startswith(("2026", "public"))]
    assert not (site / "public").exists()  # check never touches the published output


def test_check_passes_a_clean_site_and_reports_front_matter_errors(site: Path, capsys) -> None:
    write_site(site, {"content/a.md": article("Fine", "2026-10-01", "[Up](#top)\n\n## Top {#top}")})
    assert main(["check", "--site", str(site)]) == 0
    (site / "content/bad.md").write_text("---\ntitle: Bad\ndate: someday\n---\nx\n")
    assert main(["check", "--site", str(site)]) == 1
    assert "content/bad.md:3" in capsys.readouterr().err


def test_a_broken_link_written_twice_is_reported_at_each_line(site: Path, capsys) -> None:
    body = "[One](/gone/)\n\nText.\n\n[Two](/gone/)\n"
    write_site(site, {"content/2026/a.md": article("A", "2026-10-01", body)})
    assert main(["check", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert "content/2026/a.md:5: error: broken link '/gone/'" in err
    assert "content/2026/a.md:9: error: broken link '/gone/'" in err


def test_a_broken_link_in_a_template_is_reported_at_the_page_it_would_be_on(
    site: Path, capsys
) -> None:
    write_site(
        site,
        {
            "content/a.md": article("A", "2026-10-01"),
            "templates/404.html": '{% extends "base.html" %}{% block main %}'
            "<a href=\"{{ url('gone/') }}\">x</a>{% endblock %}",
        },
    )
    assert main(["check", "--site", str(site)]) == 1
    err = capsys.readouterr().err
    assert "public/404.html:" in err and "broken link '/gone/'" in err
    assert "newsdigest-check" not in err  # never the scratch folder, which is gone


def test_warnings_alone_pass_unless_strict(site: Path, capsys) -> None:
    write_site(
        site,
        {"content/a.md": article("A", "2026-10-01", colour="red")},
        'base_url = "https://example.org/"\n',
    )
    assert main(["check", "--site", str(site)]) == 0
    err = capsys.readouterr().err
    assert "content/a.md:4: warning: unknown field 'colour'" in err
    assert "1 warning" in err
    assert main(["check", "--site", str(site), "--strict"]) == 1


def test_check_warns_about_a_base_url_that_feeds_and_robots_cannot_use(site: Path, capsys) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01")})
    assert main(["check", "--site", str(site)]) == 0
    assert "need an absolute base_url" in capsys.readouterr().err
    flag = ["--base-url", "https://example.org/digest/"]
    assert main(["check", "--site", str(site), *flag]) == 0
    err = capsys.readouterr().err
    assert "absolute" not in err and "robots.txt is only read at a domain's root" in err
    assert main(["check", "--site", str(site), "--base-url", "https://example.org/"]) == 0
    assert "warning" not in capsys.readouterr().err


def test_check_help_says_what_it_checks_and_how_it_exits(capsys) -> None:
    import pytest

    with pytest.raises(SystemExit):
        main(["check", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for words in ("scratch folder", "--strict", "exit 1", "content file", "base_url"):
        assert words in out, words


def test_a_new_site_under_a_subpath_passes_check(tmp_path: Path, capsys) -> None:
    site = tmp_path / "digest"
    assert main(["init", str(site), "--base-url", "https://example.org/digest/"]) == 0
    assert main(["new", "Port strike ends", "--site", str(site)]) == 0
    assert main(["check", "--site", str(site)]) == 0, capsys.readouterr().err


def test_a_link_to_the_same_host_outside_the_sites_path_is_a_link_elsewhere(
    site: Path, capsys
) -> None:
    write_site(
        site,
        {"content/a.md": article("A", "2026-10-01", "[Our newsroom](https://example.org/about/)")},
        config='base_url = "https://example.org/digest/"\n',
    )
    assert main(["check", "--site", str(site)]) == 0, capsys.readouterr().err
