import os
import threading
from datetime import date
from pathlib import Path

import frontmatter
import pytest
from conftest import build_site, output_files, write_site
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsdigest.cli import main
from newsdigest.config import load_config
from newsdigest.importer import (
    MAX_RAW_BYTES,
    NotAnArticle,
    import_paths,
    parse_date,
    parse_raw,
    read_byline,
    slug_from_url,
)

SAMPLE = Path(__file__).parent / "fixtures" / "raw" / "afp-kursk.txt"
SAMPLE_URL = (
    "https://www.themoscowtimes.com/2024/08/31/"
    "nato-chief-backs-ukraine-offensive-in-russias-kursk-region-a86213"
)
CONFIG = """\
[tool.newsdigest]
title = "Wire"
timezone = "Europe/Berlin"

[tool.newsdigest.topics.Ukraine]
keywords = ["ukraine", "kyiv"]

[tool.newsdigest.topics.NATO]
keywords = ["nato", "north atlantic alliance"]

[tool.newsdigest.topics.Energy]
keywords = ["gas", "oil price"]

[tool.newsdigest.topics."Москва"]
keywords = ["moscow", "москва"]
"""

REUTERS = """\
# Gas prices climb as Norway field halts

By Anna Larsen, Reuters

Aug. 5, 2024

Gas prices in Europe rose on Monday after an outage at a Norwegian field, traders said.

Analysts expect the field to restart within

days, although the operator gave no timetable.

"We see no shortage," one trader said.

Original url: https://www.reuters.com/business/energy/gas-prices-climb-norway-2024-08-05/
"""

DPA_NO_DATE_LINE = """\
# Moscow metro opens new ring line stations

By [dpa](#)

Passengers lined up at dawn as the Moscow metro opened four stations.

The city says **1.2 million** riders will use the line each day.

Original url:

<https://www.example-news.de/2024/09/02/moscow-metro-ring-line-112233.html>
"""

PERSON_NO_URL = """\
# Kyiv cafés stay open through the blackout

31 August 2024

By Olena Petrenko

Generators hum on every corner of Kyiv's old town. **Photo: ANDRIY KOVAL / AP**

Owners share fuel and

customers share tables.

- one list item
- and another
"""

ISO_DATE_AP = """\
# Alliance ministers meet in Brussels

By AP

2024-10-01

Defence ministers of the North Atlantic alliance met in Brussels on Tuesday.
"""

NOT_AN_ARTICLE = """\
Just some notes I kept,
nothing like an article.
"""

TITLE_ONLY = "# A headline and nothing else\n\nAugust 31, 2024\n"


def raw_folder(tmp_path: Path, files: dict[str, str]) -> Path:
    folder = tmp_path / "raw"
    folder.mkdir(exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def wire(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    write_site(site, {"pyproject.toml": CONFIG})
    return site


def imported(site: Path, name: str) -> frontmatter.Post:
    [path] = (site / "content").rglob(name)
    return frontmatter.loads(path.read_text(encoding="utf-8"))


def test_the_shared_sample_gives_every_field(wire: Path) -> None:
    report = import_paths(load_config(wire), [SAMPLE])
    assert [o.action for o in report.outcomes] == ["import"]
    target = report.outcomes[0].target
    slug = "nato-chief-backs-ukraine-offensive-in-russias-kursk-region"
    assert target == wire / f"content/2024/08/{slug}.md"
    post = frontmatter.loads(target.read_text(encoding="utf-8"))
    assert post["title"] == "NATO Chief Backs Ukraine Offensive in Russia's Kursk Region"
    assert post["date"] == date(2024, 8, 31)
    assert post["source"] == "AFP"
    assert "author" not in post
    assert post["source_url"] == SAMPLE_URL
    assert post["image"] == {
        "caption": "NATO Secretary General Jens Stoltenberg (R) talks with Ukraine's President "
        "Volodymyr Zelensky in Woodstock, southern England, on July 18, 2024.",
        "credit": "KIN CHEUNG / POOL / AFP",
    }
    assert post["topics"] == ["NATO", "Ukraine"]
    assert post["sanitize"] is True
    paragraphs = post.content.split("\n\n")
    assert (
        '"The Russian soldiers, tanks and bases there [Kursk] are legitimate targets under '
        'international law."' in paragraphs
    )
    assert paragraphs[0].startswith("Ukraine was fully within its rights")
    assert len(paragraphs) == 9
    assert "Original url" not in post.content and "themoscowtimes" not in post.content
    build_site(wire)
    page = wire / "public/2024/08/31/nato-chief-backs-ukraine-offensive-in-russias-kursk-region"
    assert "legitimate targets under international law" in (page / "index.html").read_text()


def test_varied_raw_articles_field_by_field(wire: Path) -> None:
    folder = raw_folder(
        wire.parent,
        {
            "reuters.txt": REUTERS,
            "dpa.md": DPA_NO_DATE_LINE,
            "person.txt": PERSON_NO_URL,
            "ap.txt": ISO_DATE_AP,
        },
    )
    report = import_paths(load_config(wire), [folder])
    assert sorted(o.action for o in report.outcomes) == ["import"] * 4

    reuters = imported(wire, "gas-prices-climb-norway.md")
    assert reuters["title"] == "Gas prices climb as Norway field halts"
    assert reuters["date"] == date(2024, 8, 5)
    assert (reuters["source"], reuters["author"]) == ("Reuters", "Anna Larsen")
    assert reuters["source_url"].endswith("/gas-prices-climb-norway-2024-08-05/")
    assert reuters["slug"] == "gas-prices-climb-norway"
    assert reuters["topics"] == ["Energy"]
    assert "image" not in reuters
    assert reuters.content.split("\n\n")[1] == (
        "Analysts expect the field to restart within days, although the operator gave no timetable."
    )

    dpa = imported(wire, "moscow-metro-ring-line.md")
    assert dpa["date"] == date(2024, 9, 2)  # from the URL's /2024/09/02/
    assert dpa["source"] == "dpa" and "author" not in dpa
    assert dpa["topics"] == ["Москва"]
    assert "**1.2 million**" in dpa.content  # Markdown is kept

    person = imported(wire, "kyiv-cafes-stay-open-through-the-blackout.md")
    assert person["date"] == date(2024, 8, 31)
    assert person["author"] == "Olena Petrenko" and "source" not in person
    assert "source_url" not in person
    assert person["image"] == {
        "caption": "Generators hum on every corner of Kyiv's old town.",
        "credit": "Photo: ANDRIY KOVAL / AP",
    }
    assert person.content.split("\n\n") == [
        "Owners share fuel and customers share tables.",
        "- one list item\n- and another",
    ]

    ap = imported(wire, "alliance-ministers-meet-in-brussels.md")
    assert ap["date"] == date(2024, 10, 1) and ap["source"] == "AP"
    assert ap["topics"] == ["NATO"]  # a keyword of three words
    notes = {o.source.name: o.notes for o in report.outcomes}
    assert "date taken from the original URL" in notes["dpa.md"]
    assert "no original URL" in notes["person.txt"]
    build_site(wire)


def test_a_non_article_is_skipped_and_the_rest_goes_on(wire: Path, capsys) -> None:
    folder = raw_folder(
        wire.parent,
        {"a-notes.txt": NOT_AN_ARTICLE, "b-title-only.txt": TITLE_ONLY, "c.txt": REUTERS},
    )
    (folder / "d-binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\0\0")
    (folder / "e.txt.swp").write_text("swap")
    code = main(["import", str(folder), "--site", str(wire)])
    out = capsys.readouterr().out
    assert code == 1
    assert "skipped   " in out and "a-notes.txt" in out and "no title" in out
    assert "b-title-only.txt" in out and "no body" in out
    assert "d-binary.txt" in out and "not UTF-8" in out
    assert ".swp" not in out
    assert "1 imported, 0 updated, 0 unchanged, 3 skipped" in out
    assert len(list((wire / "content").rglob("*.md"))) == 1


def test_reimport_updates_the_same_file_and_keeps_hand_edits(wire: Path) -> None:
    folder = raw_folder(wire.parent, {"kursk.txt": SAMPLE.read_text(encoding="utf-8")})
    config = load_config(wire)
    import_paths(config, [folder])
    [path] = (wire / "content").rglob("*.md")
    post = frontmatter.loads(path.read_text(encoding="utf-8"))
    post["topics"] = ["Kursk offensive"]
    post["summary"] = "Stoltenberg backs Kyiv."
    path.write_text(frontmatter.dumps(post) + "\n", encoding="utf-8")

    changed = SAMPLE.read_text(encoding="utf-8").replace("Die Welt.", "Die Welt on Saturday.")
    (folder / "kursk.txt").write_text(changed, encoding="utf-8")
    dry = import_paths(config, [folder], dry_run=True)
    assert [o.action for o in dry.outcomes] == ["update"]
    assert "on Saturday" not in path.read_text(encoding="utf-8")

    report = import_paths(config, [folder])
    assert [(o.action, o.target) for o in report.outcomes] == [("update", path)]
    assert list((wire / "content").rglob("*.md")) == [path]
    again = frontmatter.loads(path.read_text(encoding="utf-8"))
    assert again["topics"] == ["Kursk offensive"]
    assert again["summary"] == "Stoltenberg backs Kyiv."
    assert "Die Welt on Saturday." in again.content
    assert [o.action for o in import_paths(config, [folder]).outcomes] == ["unchanged"]


def test_dry_run_writes_nothing(wire: Path, capsys) -> None:
    assert main(["import", str(SAMPLE), "--dry-run", "--site", str(wire)]) == 0
    assert "1 would be imported" in capsys.readouterr().out
    assert not (wire / "content").exists() or not list((wire / "content").rglob("*"))


def test_two_different_articles_with_one_slug_get_two_files(wire: Path) -> None:
    first = REUTERS
    second = REUTERS.replace("reuters.com/business", "reuters.com/world")
    folder = raw_folder(wire.parent, {"1.txt": first, "2.txt": second})
    report = import_paths(load_config(wire), [folder])
    names = sorted(o.target.name for o in report.outcomes if o.target)
    assert names == ["gas-prices-climb-norway-2.md", "gas-prices-climb-norway.md"]
    assert imported(wire, "gas-prices-climb-norway-2.md")["slug"] == "gas-prices-climb-norway-2"
    assert main(["build", "--site", str(wire), "--quiet"]) == 0  # two files, two URLs


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("August 31, 2024", (2024, 8, 31)),
        ("Aug. 31, 2024", (2024, 8, 31)),
        ("Aug 31 2024", (2024, 8, 31)),
        ("Sept. 5, 2024", (2024, 9, 5)),
        ("31 August 2024", (2024, 8, 31)),
        ("1st of March, 2025", (2025, 3, 1)),
        ("Saturday, August 31, 2024", (2024, 8, 31)),
        ("2024-08-31", (2024, 8, 31)),
        ("Published: August 31, 2024", None),  # the label is stripped by the caller
        ("February 30, 2024", None),
        ("Smarch 3, 2024", None),
    ],
)
def test_date_forms(line: str, expected: tuple[int, int, int] | None) -> None:
    from zoneinfo import ZoneInfo

    found = parse_date(line, ZoneInfo("UTC"))
    assert (found[0].date() if found else None) == (date(*expected) if expected else None)


def test_date_line_with_a_time_keeps_it() -> None:
    from zoneinfo import ZoneInfo

    found = parse_date("August 31, 2024, 4:05 p.m.", ZoneInfo("Europe/Berlin"))
    assert found is not None and found[1] is True
    assert found[0].isoformat() == "2024-08-31T16:05:00+02:00"


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("[AFP](#)", ("AFP", None)),
        ("Reuters", ("Reuters", None)),
        ("The Associated Press", ("AP", None)),
        ("Jane Doe", (None, "Jane Doe")),
        ("Jane Doe, Reuters", ("Reuters", "Jane Doe")),
        ("Jane Doe for AFP", ("AFP", "Jane Doe")),
        ("AFP / Jane Doe", ("AFP", "Jane Doe")),
    ],
)
def test_bylines(byline: str, expected: tuple[str | None, str | None]) -> None:
    assert read_byline(byline) == expected


@pytest.mark.parametrize(
    ("url", "slug"),
    [
        (SAMPLE_URL, "nato-chief-backs-ukraine-offensive-in-russias-kursk-region"),
        ("https://x.example/news/some-story-123456.html", "some-story"),
        ("https://x.example/2024/08/31/a-story-9f8e7d6c5b", "a-story"),
        ("https://x.example/article/987654", ""),
        ("https://x.example/", ""),
    ],
)
def test_slug_from_url(url: str, slug: str) -> None:
    assert slug_from_url(url) == slug


def test_imported_html_is_sanitized_in_the_built_page(wire: Path) -> None:
    hostile = REUTERS.replace(
        '"We see no shortage," one trader said.',
        '<script>alert(1)</script><img src=x onerror="alert(2)"> <a href="javascript:x()">y</a>',
    )
    import_paths(load_config(wire), [raw_folder(wire.parent, {"r.txt": hostile})])
    build_site(wire)
    day = wire / "public/2024/08/05"
    [page] = [p for p in day.glob("*/index.html") if p.parent.name != "edition"]
    html = page.read_text(encoding="utf-8")
    assert "alert(1)" not in html and "onerror" not in html and "javascript:" not in html


# The header is a block: title, byline, date and caption in any order, blank lines or not.
HEADER_LINES = {
    "title": "# Grain corridor reopens after storm",
    "byline": "By [AFP](#)",
    "date": "August 31, 2024",
    "caption": "Ships wait off Odesa on August 30, 2024. **OLEG PETRASYUK / AFP**",
}
HEADER_BODY = (
    "Cargo ships left Odesa on Saturday as the corridor reopened, port officials said.\n\n"
    "Insurers expect rates to fall.\n"
)


def test_import_reads_a_header_without_blank_lines(wire: Path) -> None:
    text = (
        "# Grain corridor reopens after storm\nBy [AFP](#)\nAugust 31, 2024\n"
        "Cargo ships left Odesa on Saturday as the corridor reopened, port officials said.\n\n"
        "Insurers expect rates to fall.\n"
    )
    report = import_paths(load_config(wire), [raw_folder(wire.parent, {"grain.txt": text})])
    assert [(o.action, o.reason) for o in report.outcomes] == [("import", None)]
    post = imported(wire, "grain-corridor-reopens-after-storm.md")
    assert post["title"] == "Grain corridor reopens after storm"
    assert post["source"] == "AFP" and post["date"] == date(2024, 8, 31)
    assert post.content.split("\n\n") == [
        "Cargo ships left Odesa on Saturday as the corridor reopened, port officials said.",
        "Insurers expect rates to fall.",
    ]


def test_a_text_with_no_blank_lines_keeps_its_lines_as_paragraphs(wire: Path) -> None:
    text = (
        "# Grain corridor reopens after storm\nBy [AFP](#)\nAugust 31, 2024\n"
        "Cargo ships left Odesa on Saturday, port officials said.\n"
        "Insurers expect rates to fall.\n"
        "- Odesa\n- Pivdennyi\n"
        "Both ports are open.\n\n"
        "A paragraph wrapped at a width, as some\n"
        "scrapers give them, stays One paragraph.\n"
    )
    import_paths(load_config(wire), [raw_folder(wire.parent, {"grain.txt": text})])
    post = imported(wire, "grain-corridor-reopens-after-storm.md")
    assert post.content.split("\n\n") == [
        "Cargo ships left Odesa on Saturday, port officials said.",
        "Insurers expect rates to fall.",
        "- Odesa\n- Pivdennyi",
        "Both ports are open.",
        "A paragraph wrapped at a width, as some\nscrapers give them, stays One paragraph.",
    ]


@pytest.mark.parametrize(
    "order",
    [
        ("date", "title", "byline", "caption"),
        ("byline", "date", "title", "caption"),
        ("caption", "byline", "title", "date"),
        ("date", "byline", "caption", "title"),
    ],
)
@pytest.mark.parametrize("separator", ["\n", "\n\n", "\n\n\n"])
def test_import_reads_header_lines_in_any_order(
    wire: Path, order: tuple[str, ...], separator: str
) -> None:
    text = separator.join(HEADER_LINES[kind] for kind in order) + "\n\n" + HEADER_BODY
    report = import_paths(load_config(wire), [raw_folder(wire.parent, {"grain.txt": text})])
    assert [(o.action, o.reason) for o in report.outcomes] == [("import", None)]
    post = imported(wire, "grain-corridor-reopens-after-storm.md")
    assert post["title"] == "Grain corridor reopens after storm"
    assert post["source"] == "AFP" and post["date"] == date(2024, 8, 31)
    assert post["image"] == {
        "caption": "Ships wait off Odesa on August 30, 2024.",
        "credit": "OLEG PETRASYUK / AFP",
    }
    assert post.content.startswith("Cargo ships left Odesa")


@pytest.mark.parametrize(
    ("byline", "expected"),
    [
        ("Jane Doe (Reuters)", ("Reuters", "Jane Doe")),
        ("Jane Doe, Reuters", ("Reuters", "Jane Doe")),
        ("Jane Doe and John Roe (AP)", ("AP", "Jane Doe and John Roe")),
        ("(Reuters)", ("Reuters", None)),
    ],
)
def test_bylines_with_the_agency_in_brackets(
    byline: str, expected: tuple[str | None, str | None]
) -> None:
    assert read_byline(byline) == expected


@pytest.mark.parametrize(
    ("header", "source", "author"),
    [
        ("By Jane Doe (Reuters)", "Reuters", "Jane Doe"),
        ("By Jane Doe, Reuters", "Reuters", "Jane Doe"),
        ("dpa", "dpa", None),
        ("AFP", "AFP", None),
        ("[AFP](#)", "AFP", None),
        ("By Jane Doe\nReuters", "Reuters", "Jane Doe"),
        ("By Jane Doe | Sept. 3, 2024", None, "Jane Doe"),
    ],
)
def test_import_reads_bylines_and_bare_agency_lines(
    wire: Path, header: str, source: str | None, author: str | None
) -> None:
    date_line = "" if "2024" in header else "Sept. 3, 2024\n"
    text = f"# Ferry service resumes\n{header}\n{date_line}\nThe ferry sailed at dawn.\n"
    report = import_paths(load_config(wire), [raw_folder(wire.parent, {"ferry.txt": text})])
    assert [(o.action, o.reason) for o in report.outcomes] == [("import", None)]
    post = imported(wire, "ferry-service-resumes.md")
    assert (post.get("source"), post.get("author")) == (source, author)
    assert post["date"] == date(2024, 9, 3)
    assert post.content == "The ferry sailed at dawn."


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Sept. 3, 2024", "2024-09-03"),
        ("3.9.2024", "2024-09-03"),
        ("03.09.2024", "2024-09-03"),
        ("03.09.2024, 08:15", "2024-09-03T08:15:00+02:00"),
        ("2024-09-03T08:00:00Z", "2024-09-03T10:00:00+02:00"),
        ("2024-09-03T08:00:00+03:00", "2024-09-03T07:00:00+02:00"),
        ("2024-09-03 08:00", "2024-09-03T08:00:00+02:00"),
        ("Published: 3.9.2024", "2024-09-03"),
        ("Updated on Sept. 3, 2024", "2024-09-03"),
    ],
)
def test_import_reads_more_date_forms(wire: Path, line: str, expected: str) -> None:
    text = f"# Ferry service resumes\n{line}\nBy dpa\n\nThe ferry sailed at dawn.\n"
    report = import_paths(load_config(wire), [raw_folder(wire.parent, {"ferry.txt": text})])
    assert [(o.action, o.reason) for o in report.outcomes] == [("import", None)]
    [path] = (wire / "content/2024/09").glob("*.md")
    assert f"\ndate: {expected}\n" in path.read_text(encoding="utf-8")


def test_an_impossible_date_is_a_note_not_a_traceback(wire: Path, capsys) -> None:
    text = "# Ferry service resumes\nFebruary 30, 2024\nBy dpa\n\nThe ferry sailed at dawn.\n"
    folder = raw_folder(wire.parent, {"ferry.txt": text})
    assert main(["import", str(folder), "--site", str(wire)]) == 1
    out = capsys.readouterr().out
    assert "'February 30, 2024' is not a real date" in out
    assert "no date" in out and "ferry.txt" in out
    assert "The ferry sailed" not in out  # the date line was not taken for the text


def test_an_impossible_date_with_the_url_date_uses_the_url(wire: Path) -> None:
    text = (
        "# Ferry service resumes\n31.02.2024\n\nThe ferry sailed at dawn.\n\n"
        "Original url: https://news.example/2024/03/01/ferry-service-resumes\n"
    )
    report = import_paths(load_config(wire), [raw_folder(wire.parent, {"ferry.txt": text})])
    [outcome] = report.outcomes
    assert outcome.action == "import"
    assert "'31.02.2024' is not a real date: the date line was ignored" in outcome.notes
    assert imported(wire, "ferry-service-resumes.md")["date"] == date(2024, 3, 1)


def test_a_sentence_starting_with_by_is_text_not_a_byline(wire: Path) -> None:
    text = (
        "# Port closes for the night\nAugust 31, 2024\n"
        "By the time the ships arrived, the port was closed.\n\nCrews waited.\n"
    )
    report = import_paths(load_config(wire), [raw_folder(wire.parent, {"port.txt": text})])
    assert "no byline" in report.outcomes[0].notes
    post = imported(wire, "port-closes-for-the-night.md")
    assert "source" not in post and "author" not in post
    assert post.content.startswith("By the time the ships arrived")


# Re-imports: a raw file finds the article it became, with or without its original URL.


def test_reimporting_a_raw_file_without_url_updates_its_article(wire: Path) -> None:
    folder = raw_folder(wire.parent, {"person.txt": PERSON_NO_URL})
    config = load_config(wire)
    [first] = import_paths(config, [folder]).outcomes
    assert first.action == "import"
    assert [o.action for o in import_paths(config, [folder]).outcomes] == ["unchanged"]
    changed = PERSON_NO_URL.replace("customers share tables", "customers share long tables")
    (folder / "person.txt").write_text(changed, encoding="utf-8")
    [again] = import_paths(config, [folder]).outcomes
    assert (again.action, again.target) == ("update", first.target)
    assert list((wire / "content").rglob("*.md")) == [first.target]
    assert "customers share long tables" in imported(wire, first.target.name).content


def test_two_copies_of_a_raw_file_without_url_in_one_run_give_one_article(wire: Path) -> None:
    folder = raw_folder(wire.parent, {"a.txt": PERSON_NO_URL, "b.txt": PERSON_NO_URL})
    config = load_config(wire)
    dry = import_paths(config, [folder], dry_run=True)
    assert [o.action for o in dry.outcomes] == ["import", "unchanged"]
    report = import_paths(config, [folder])
    assert [o.action for o in report.outcomes] == ["import", "unchanged"]
    assert len(list((wire / "content").rglob("*.md"))) == 1


def test_a_raw_file_without_url_finds_its_file_after_its_title_was_edited(wire: Path) -> None:
    folder = raw_folder(wire.parent, {"person.txt": PERSON_NO_URL})
    config = load_config(wire)
    [first] = import_paths(config, [folder]).outcomes
    text = first.target.read_text(encoding="utf-8")
    first.target.write_text(text.replace("through the blackout", "in the blackout"), "utf-8")
    [again] = import_paths(config, [folder]).outcomes
    assert (again.action, again.target, again.kept) == ("kept", first.target, ("title",))
    assert list((wire / "content").rglob("*.md")) == [first.target]


def test_a_raw_file_that_gained_its_url_updates_the_article_it_became(wire: Path) -> None:
    folder = raw_folder(wire.parent, {"person.txt": PERSON_NO_URL})
    config = load_config(wire)
    [first] = import_paths(config, [folder]).outcomes
    with_url = PERSON_NO_URL + "\nOriginal url: https://news.example/kyiv-cafes-stay-open\n"
    (folder / "person.txt").write_text(with_url, encoding="utf-8")
    [again] = import_paths(config, [folder]).outcomes
    assert (again.action, again.target) == ("update", first.target)
    assert (
        imported(wire, first.target.name)["source_url"]
        == "https://news.example/kyiv-cafes-stay-open"
    )


def test_a_raw_file_without_url_that_matches_two_articles_is_skipped(wire: Path) -> None:
    first = REUTERS
    second = REUTERS.replace("reuters.com/business", "reuters.com/world")
    config = load_config(wire)
    import_paths(config, [raw_folder(wire.parent, {"1.txt": first, "2.txt": second})])
    no_url = REUTERS.split("Original url:")[0]
    (wire.parent / "3.txt").write_text(no_url, encoding="utf-8")
    [outcome] = import_paths(config, [wire.parent / "3.txt"]).outcomes
    assert outcome.action == "skip"
    assert "gas-prices-climb-norway.md" in (outcome.reason or "")
    assert "gas-prices-climb-norway-2.md" in (outcome.reason or "")
    assert len(list((wire / "content").rglob("*.md"))) == 2


# Hand edits: the import_digest tells what the importer wrote from what a person changed since.


def _import_sample(wire: Path) -> tuple[Path, Path]:
    folder = raw_folder(wire.parent, {"kursk.txt": SAMPLE.read_text(encoding="utf-8")})
    [outcome] = import_paths(load_config(wire), [folder]).outcomes
    assert outcome.target is not None
    return folder, outcome.target


def test_an_import_writes_its_digest_and_the_build_neither_warns_nor_shows_it(wire: Path) -> None:
    _, path = _import_sample(wire)
    digest = frontmatter.loads(path.read_text(encoding="utf-8"))["import_digest"]
    assert isinstance(digest, str) and len(digest) == 16
    report = build_site(wire)
    assert not [p for p in report.warnings if "import_digest" in str(p)]
    assert not [name for name, data in output_files(wire).items() if digest.encode() in data]


def test_reimport_keeps_hand_edits_to_body_and_source(wire: Path, capsys) -> None:
    folder, path = _import_sample(wire)
    text = path.read_text(encoding="utf-8")
    edited = text.replace("source: AFP", "source: Agence France-Presse").replace(
        "told German newspaper Die Welt.", "told the German daily Die Welt."
    )
    path.write_text(edited, encoding="utf-8")
    assert main(["import", str(folder), "--site", str(wire)]) == 0
    out = capsys.readouterr().out
    assert "kept your edits to body, source; --force to overwrite" in out
    assert path.read_text(encoding="utf-8") == edited


def test_reimport_keeps_hand_edits_and_takes_the_raw_files_other_changes(wire: Path) -> None:
    folder, path = _import_sample(wire)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("Die Welt.", "Die Welt on Saturday."), encoding="utf-8")
    raw = SAMPLE.read_text(encoding="utf-8").replace("By [AFP](#)", "By Jane Doe (AFP)")
    (folder / "kursk.txt").write_text(raw, encoding="utf-8")
    [outcome] = import_paths(load_config(wire), [folder]).outcomes
    assert (outcome.action, outcome.kept) == ("update", ("body",))
    post = frontmatter.loads(path.read_text(encoding="utf-8"))
    assert post["author"] == "Jane Doe"  # the raw file's change
    assert "Die Welt on Saturday." in post.content  # the hand edit
    [again] = import_paths(load_config(wire), [folder]).outcomes
    assert (again.action, again.kept) == ("kept", ("body",))  # still known as an edit


def test_force_overwrites_hand_edits_but_keeps_hand_set_fields(wire: Path) -> None:
    folder, path = _import_sample(wire)
    post = frontmatter.loads(path.read_text(encoding="utf-8"))
    post["topics"] = ["Kursk offensive"]
    post["source"] = "Agence France-Presse"
    post.content = post.content.replace("Die Welt.", "Die Welt on Saturday.")
    path.write_text(frontmatter.dumps(post) + "\n", encoding="utf-8")
    assert main(["import", str(folder), "--force", "--site", str(wire)]) == 0
    again = frontmatter.loads(path.read_text(encoding="utf-8"))
    assert again["source"] == "AFP" and "Die Welt on Saturday." not in again.content
    assert again["topics"] == ["Kursk offensive"]
    assert [o.action for o in import_paths(load_config(wire), [folder]).outcomes] == ["unchanged"]


def test_an_older_import_without_digest_is_kept_when_it_differs(wire: Path, capsys) -> None:
    folder, path = _import_sample(wire)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    old = "".join(line for line in lines if not line.startswith("import_digest:"))
    path.write_text(old.replace("Die Welt.", "Die Welt on Saturday."), encoding="utf-8")
    assert main(["import", str(folder), "--site", str(wire)]) == 0
    out = capsys.readouterr().out
    assert "no import_digest" in out and "--force to overwrite" in out
    assert "import_digest" not in path.read_text(encoding="utf-8")
    path.write_text(old, encoding="utf-8")  # as an older import wrote it: safe to update
    [outcome] = import_paths(load_config(wire), [folder]).outcomes
    assert outcome.action == "update"
    assert "import_digest:" in path.read_text(encoding="utf-8")


def test_dry_run_shows_the_front_matter_and_the_first_lines_of_the_body(wire: Path, capsys) -> None:
    assert main(["import", str(SAMPLE), "--dry-run", "--site", str(wire)]) == 0
    out = capsys.readouterr().out
    assert "title: NATO Chief Backs Ukraine Offensive in Russia's Kursk Region" in out
    assert "\n          | source: AFP\n" in out and "| import_digest: " in out
    assert "| Ukraine was fully within its rights to launch" in out
    assert "| The offensive launched on Aug. 6" in out
    assert "Chancellor Olaf Scholz" not in out  # only the start of the body
    assert "| ... (12 more lines)" in out


def test_dry_run_of_an_update_shows_what_would_be_written(wire: Path, capsys) -> None:
    folder, path = _import_sample(wire)
    raw = SAMPLE.read_text(encoding="utf-8").replace("Ukraine was fully", "Kyiv was fully")
    (folder / "kursk.txt").write_text(raw, encoding="utf-8")
    before = path.read_bytes()
    assert main(["import", str(folder), "--dry-run", "--site", str(wire)]) == 0
    out = capsys.readouterr().out
    assert "| Kyiv was fully within its rights" in out and "1 would be updated" in out
    assert path.read_bytes() == before


# Only regular files are read, and only up to MAX_RAW_BYTES.


def _main_within(argv: list[str], seconds: float, fifo: Path | None = None) -> int | None:
    """main(argv), or None when it does not finish in time (a reader stuck on a FIFO)."""
    result: list[int] = []
    thread = threading.Thread(target=lambda: result.append(main(argv)), daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive() and fifo is not None:  # let the stuck reader go: a writer that closes
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(seconds)
        return None
    return result[0] if result else None


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_import_refuses_a_fifo_named_on_the_command_line(wire: Path, capsys) -> None:
    fifo = wire.parent / "pipe.txt"
    os.mkfifo(fifo)
    assert _main_within(["import", str(fifo), "--site", str(wire)], 10, fifo) == 1
    out = capsys.readouterr().out
    assert f"skipped   {fifo}: not a regular file (a named pipe)" in out


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
def test_import_refuses_a_fifo_in_a_folder_and_imports_the_rest(wire: Path, capsys) -> None:
    folder = raw_folder(wire.parent, {"a.txt": REUTERS})
    os.mkfifo(folder / "b.txt")
    assert _main_within(["import", str(folder), "--site", str(wire)], 10, folder / "b.txt") == 1
    out = capsys.readouterr().out
    assert f"{folder / 'b.txt'}: not a regular file (a named pipe)" in out
    assert "1 imported, 0 updated, 0 unchanged, 1 skipped" in out


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero on this system")
def test_import_refuses_dev_zero(wire: Path, capsys) -> None:
    assert main(["import", "/dev/zero", "--site", str(wire)]) == 1
    out = capsys.readouterr().out
    assert "skipped   /dev/zero: not a regular file (a character device)" in out


def test_an_oversize_raw_file_is_reported_and_skipped(wire: Path, capsys) -> None:
    big = REUTERS.replace("traders said.", "traders said. " + "x" * MAX_RAW_BYTES)
    folder = raw_folder(wire.parent, {"big.txt": big, "small.txt": DPA_NO_DATE_LINE})
    assert main(["import", str(folder), "--site", str(wire)]) == 1
    out = capsys.readouterr().out
    assert f"skipped   {folder / 'big.txt'}: larger than 2 MB" in out
    assert "1 imported, 0 updated, 0 unchanged, 1 skipped" in out


# Exit status: 1 when a file was skipped, 2 for a bad command line, never a traceback.


def test_empty_binary_and_non_utf8_files_are_skipped_with_a_reason(wire: Path, capsys) -> None:
    folder = raw_folder(wire.parent, {"a-empty.txt": "", "b-blank.txt": "\n \n\t\n"})
    (folder / "c-latin1.txt").write_bytes("# Café\n\nAugust 31, 2024\n\nThé.\n".encode("latin-1"))
    (folder / "d-binary.md").write_bytes(bytes(range(256)) * 4)
    (folder / "e-nul.txt").write_bytes(b"# Title\n\nAugust 31, 2024\n\nText\0\n")
    (folder / "f-bom.txt").write_bytes(b"\xef\xbb\xbf")
    code = main(["import", str(folder), "--site", str(wire)])
    out = capsys.readouterr().out
    assert code == 1
    reasons = {line.split(": ", 1)[0].split("/")[-1]: line for line in out.splitlines()}
    assert "the file is empty" in reasons["a-empty.txt"]
    assert "the file is empty" in reasons["b-blank.txt"]
    assert "not UTF-8 text (byte 5)" in reasons["c-latin1.txt"]
    assert "not UTF-8" in reasons["d-binary.md"]
    assert "a binary file" in reasons["e-nul.txt"]
    assert "the file is empty" in reasons["f-bom.txt"]
    assert "0 imported, 0 updated, 0 unchanged, 6 skipped" in out


def test_a_title_that_gives_no_file_name_is_skipped(wire: Path, capsys) -> None:
    folder = raw_folder(wire.parent, {"q.txt": "# ???\n\nAugust 31, 2024\n\nText.\n"})
    assert main(["import", str(folder), "--site", str(wire)]) == 1
    assert "no file name can be made from the title '???'" in capsys.readouterr().out


def test_a_folder_without_raw_files_says_so(wire: Path, capsys) -> None:
    folder = raw_folder(wire.parent, {"page.html": "<p>hi</p>", "notes.doc": "x"})
    assert main(["import", str(folder), "--site", str(wire)]) == 0
    out = capsys.readouterr().out
    assert f"nothing to import: no .txt, .md, .markdown or .text files in {folder}" in out
    assert "2 other files ignored" in out


def test_a_path_that_does_not_exist_is_a_usage_error(wire: Path, capsys) -> None:
    missing = wire.parent / "no-such-folder"
    assert main(["import", str(missing), str(SAMPLE), "--site", str(wire)]) == 2
    captured = capsys.readouterr()
    assert f"newsdigest: error: {missing} does not exist" in captured.err
    assert not (wire / "content").exists()  # nothing was imported


def test_a_content_folder_that_cannot_be_written_is_reported_per_file(wire: Path, capsys) -> None:
    (wire / "content").write_text("not a folder", encoding="utf-8")
    assert main(["import", str(SAMPLE), "--site", str(wire)]) == 1
    out = capsys.readouterr().out
    assert "skipped" in out and "cannot write content/2024/08/" in out


RAW_PIECES = [
    "# A title", "#", "# ", "By [AFP](#)", "By Jane Doe (Reuters)", "By", "dpa", "(AP)",
    "August 31, 2024", "February 30, 2024", "31.02.2024", "2024-08-31T25:00:00Z", "0001-01-01",
    "Published:", "Published: soon", "Caption. **CREDIT**", "**", "Original url:",
    "Original url: <https://[::1>", "<http://:80/x>", "https://x.example/2024/02/30/a-1234",
    "text", "lower case text", "```", "~~~", "> quote", "- item", "", " ", "\t", "\ufeff",
    "\r", "\x00", "é", "Ω" * 3,
]  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(RAW_PIECES) | st.text(max_size=40), max_size=25))
def test_any_raw_text_parses_or_is_not_an_article(pieces: list[str]) -> None:
    from zoneinfo import ZoneInfo

    try:
        raw = parse_raw("\n".join(pieces), ZoneInfo("America/New_York"))
    except NotAnArticle:
        return
    assert raw.title and raw.body.strip()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.sampled_from(RAW_PIECES), max_size=20) | st.binary(max_size=200).map(list))
def test_any_raw_file_is_imported_or_skipped_never_a_traceback(wire: Path, pieces: list) -> None:
    raw = wire.parent / "fuzz.txt"
    if pieces and isinstance(pieces[0], int):
        raw.write_bytes(bytes(pieces))
    else:
        raw.write_text("\n".join(pieces), encoding="utf-8")
    for force in (False, True):
        [outcome] = import_paths(load_config(wire), [raw], force=force).outcomes
        assert outcome.action in ("import", "update", "unchanged", "kept", "skip")
        assert outcome.action != "skip" or outcome.reason


@pytest.mark.parametrize("url", ["https://[::1/a-story", "http://:80/a-story"])
def test_an_original_url_that_cannot_be_read_is_a_note(wire: Path, url: str) -> None:
    text = f"# Ferry service resumes\nSept. 3, 2024\n\nThe ferry sailed.\n\nOriginal url: {url}\n"
    report = import_paths(load_config(wire), [raw_folder(wire.parent, {"ferry.txt": text})])
    [outcome] = report.outcomes
    assert outcome.action == "import"
    assert f"'Original url:' with a URL that cannot be read: {url}" in outcome.notes
    post = imported(wire, "ferry-service-resumes.md")
    assert "source_url" not in post and "source" not in post


def test_a_date_in_the_first_millennium_keeps_four_digit_years(wire: Path) -> None:
    text = "# Ferry service resumes\n0999-01-02\n\nThe ferry sailed.\n"
    folder = raw_folder(wire.parent, {"ferry.txt": text})
    [first] = import_paths(load_config(wire), [folder]).outcomes
    assert first.target == wire / "content/0999/01/ferry-service-resumes.md"
    assert imported(wire, "ferry-service-resumes.md")["date"] == date(999, 1, 2)
    assert [o.action for o in import_paths(load_config(wire), [folder]).outcomes] == ["unchanged"]


def test_reimport_writes_hand_set_dates_that_are_not_dates_as_valid_yaml(wire: Path) -> None:
    folder, path = _import_sample(wire)
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("date: 2024-08-31\n", 'date: "end of August: tbc"\nupdated: "soon: #2"\n'),
        encoding="utf-8",
    )
    [outcome] = import_paths(load_config(wire), [folder], force=True).outcomes
    assert outcome.action == "update"
    post = frontmatter.loads(path.read_text(encoding="utf-8"))
    assert post["date"] == date(2024, 8, 31)  # forced: the import's date
    assert post["updated"] == "soon: #2"  # hand-set: kept, and still the same text


def test_an_edit_where_the_raw_file_changed_too_keeps_the_whole_file(wire: Path, capsys) -> None:
    folder, path = _import_sample(wire)
    edited = path.read_text(encoding="utf-8").replace("Die Welt.", "Die Welt on Saturday.")
    path.write_text(edited, encoding="utf-8")
    raw = SAMPLE.read_text(encoding="utf-8")
    raw = raw.replace("Die Welt.", "Die Welt, on Saturday.").replace("By [AFP](#)", "By AP")
    (folder / "kursk.txt").write_text(raw, encoding="utf-8")
    assert main(["import", str(folder), "--site", str(wire)]) == 0
    out = capsys.readouterr().out
    assert "kept the file as it is (body, source would change)" in out
    assert "the raw file changed in the same places; --force to overwrite" in out
    assert path.read_text(encoding="utf-8") == edited
