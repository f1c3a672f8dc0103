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
    assert "2026/10/02/nowhere/" in err
    assert "#no-such-part" in err
    assert "chart.png" in err
    assert "missing-photo.jpg" in err
    assert not (site / "public").exists()  # check never touches the published output


def test_check_passes_a_clean_site_and_reports_front_matter_errors(site: Path, capsys) -> None:
    write_site(site, {"content/a.md": article("Fine", "2026-10-01", "[Up](#top)\n\n## Top {#top}")})
    assert main(["check", "--site", str(site)]) == 0
    (site / "content/bad.md").write_text("---\ntitle: Bad\ndate: someday\n---\nx\n")
    assert main(["check", "--site", str(site)]) == 1
    assert "content/bad.md:3" in capsys.readouterr().err
