from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from conftest import article, write_site

from newsdigest.articles import Article, Selection
from newsdigest.config import load_config
from newsdigest.content import asset_of, first_paragraph_text, read_article, scan_content
from newsdigest.errors import Problem
from newsdigest.limits import (
    MAX_FRONT_MATTER_BYTES,
    MAX_TOPIC_LENGTH,
    MAX_TOPICS,
    MAX_YAML_VALUES,
    TEXT_LENGTHS,
)

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=ZoneInfo("UTC"))


def load(root: Path, **selection: object):
    """The articles a build would include, oldest first, and every problem."""
    config = load_config(root)
    sources, problems = scan_content(config, {})
    chosen = Selection(now=NOW, **selection)
    problems += [problem for source in sources.values() for problem in source.problems]
    articles = [s.article for s in sources.values() if s.article]
    articles = [article for article in articles if chosen.includes(article, NOW)]
    assets = [asset_of(path, config) for path in sources if not path.endswith(".md")]
    return sorted(articles, key=lambda a: a.sort_key), assets, problems


def read(site: Path, text: str, config: str = "") -> tuple[Article | None, list[Problem]]:
    """Read one content file, content/x.md, the way a build reads it."""
    write_site(site, {"content/x.md": text}, config)
    return read_article(site / "content/x.md", load_config(site))


def only_error(problems: list[Problem]) -> Problem:
    errors = [p for p in problems if p.is_error]
    assert len(errors) == 1, [str(p) for p in problems]
    return errors[0]


def front(*lines: str, body: str = "Body.") -> str:
    return "---\n" + "\n".join(lines) + "\n---\n" + body + "\n"


def alias_bomb(levels: int, width: int = 9) -> list[str]:
    """YAML lines a few hundred bytes long that expand to width**levels values."""
    lines = [f"a0: &a0 [{', '.join(['x'] * width)}]"]
    lines += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * width)}]" for n in range(1, levels)]
    return lines


def test_plain_date_and_naive_time_are_local_to_the_site(site: Path) -> None:
    write_site(
        site,
        {
            "content/a.md": article("Plain date", "2026-10-15"),
            "content/b.md": article("Naive time", "2026-10-15T16:05:00"),
            "content/with-offset.md": article("With offset", "2026-10-15T09:30:00+03:00"),
        },
        'timezone = "America/New_York"',
    )
    articles, _, problems = load(site)
    assert problems == []
    by_title = {a.title: a for a in articles}
    new_york = ZoneInfo("America/New_York")
    assert by_title["Plain date"].published == datetime(2026, 10, 15, tzinfo=new_york)
    assert by_title["Naive time"].published == datetime(2026, 10, 15, 16, 5, tzinfo=new_york)
    assert by_title["With offset"].published.utcoffset() == new_york.utcoffset(
        datetime(2026, 10, 15)
    )
    assert by_title["With offset"].url == "2026/10/15/with-offset/"


def test_a_plain_date_today_is_not_hidden_as_future(site: Path) -> None:
    # Midnight in Tokyo on 25 November is before noon UTC: published, not future.
    write_site(site, {"content/a.md": article("Today", "2026-11-25")}, 'timezone = "Asia/Tokyo"')
    articles, _, _ = load(site)
    assert [a.title for a in articles] == ["Today"]


def test_slugs_are_ascii_and_summary_comes_from_the_first_paragraph(site: Path) -> None:
    write_site(
        site,
        {
            "content/Москва готовит новый бюджет.md": article(
                "Москва готовит новый бюджет",
                "2026-10-15",
                """
        ## A heading first

        The **first** paragraph [with a link](https://example.org) says enough.

        The second.
    """,
            )
        },
    )
    [only], _, _ = load(site)
    assert only.slug == "moskva-gotovit-novyi-biudzhet"
    assert only.summary == "The first paragraph with a link says enough."
    assert only.dek is None


def test_long_first_paragraph_is_cut_at_a_word(site: Path) -> None:
    text = first_paragraph_text("word " * 200)
    assert len(text) <= 241 and text.endswith("word…")


def test_front_matter_errors_name_file_and_line(site: Path) -> None:
    write_site(
        site,
        {
            "content/no-title.md": "---\ndate: 2026-10-15\n---\nx\n",
            "content/bad-date.md": "---\ntitle: T\ndate: 31 Aug\n---\nx\n",
            "content/topics.md": "---\ntitle: T\ndate: 2026-10-15\ntopics: NATO\n---\nx\n",
            "content/yaml.md": "---\ntitle: T\ndate: 2026-10-15\ntopics: [a, b\n---\nx\n",
            "content/latin1.md": "---\ntitle: Caf\xe9\n---\n".encode("latin-1"),
            "content/unknown.md": "---\ntitle: T\ndate: 2026-10-15\ntopic: [a]\n---\nx\n",
            "content/empty.md": "",
        },
    )
    articles, _, problems = load(site)
    assert any(p.path == "content/no-title.md" and "missing title" in p.message for p in problems)
    assert any(
        p.path == "content/bad-date.md" and p.line == 3 and "not a date" in p.message
        for p in problems
    )
    assert any(p.path == "content/topics.md" and p.line == 4 for p in problems)
    assert any(p.path == "content/yaml.md" and "invalid YAML" in p.message for p in problems)
    assert any(p.path == "content/latin1.md" and "UTF-8" in p.message for p in problems)
    assert any(p.path == "content/empty.md" and "empty" in p.message for p in problems)
    warning = next(p for p in problems if p.path == "content/unknown.md")
    assert warning.severity == "warning" and warning.line == 4 and "topics" in (warning.hint or "")
    assert [a.path for a in articles] == ["content/unknown.md"]


def test_drafts_and_future_articles_need_their_flags(site: Path) -> None:
    write_site(
        site,
        {
            "content/draft.md": article("Draft", "2026-10-15", draft="true"),
            "content/future.md": article("Future", "2027-03-01"),
            "content/now.md": article("Now", "2026-10-15"),
        },
    )
    assert [a.title for a in load(site)[0]] == ["Now"]
    assert sorted(a.title for a in load(site, drafts=True)[0]) == ["Draft", "Now"]
    assert sorted(a.title for a in load(site, future=True)[0]) == ["Future", "Now"]


def test_files_beside_articles_are_assets_and_editor_files_are_ignored(site: Path) -> None:
    write_site(
        site,
        {
            "content/2026/a.md": article("A", "2026-10-15", image="{src: map.svg, caption: C}"),
            "content/2026/map.svg": "<svg/>",
            "content/2026/.a.md.swp": "x",
            "content/2026/a.md~": "x",
            "content/2026/4913": "x",
        },
        'default_image = "card.jpg"',  # else an SVG lead image is warned about
    )
    [only], assets, problems = load(site)
    assert problems == []
    assert [a.url for a in assets] == ["2026/map.svg"]
    assert only.image is not None and only.image.url == "2026/map.svg"
    assert only.image.alt == "C"


# Hostile and broken front matter: short errors naming file and line, never a traceback.


def test_a_few_aliases_are_fine(site: Path) -> None:
    found, problems = read(
        site, front("title: T", "date: 2026-10-15", "topics: &t [NATO, Ukraine]", "also: *t")
    )
    assert found is not None and found.topics == ("NATO", "Ukraine")
    assert [p.severity for p in problems] == ["warning"]  # the unknown field `also`


@pytest.mark.parametrize("field", ["draft", "sanitize", "date", "updated", "image", "title"])
def test_an_alias_bomb_is_refused_before_it_is_expanded(site: Path, field: str) -> None:
    lines = ["title: T", "date: 2026-10-15", *alias_bomb(levels=6)]
    lines = [line for line in lines if not line.startswith(f"{field}:")] + [f"{field}: *a5"]
    found, problems = read(site, front(*lines))
    error = only_error(problems)
    assert found is None
    assert "alias" in error.message and f"{MAX_YAML_VALUES:,}" in error.message
    assert error.line is not None and error.line > 1
    assert len(str(error)) < 200, str(error)[:500]


def test_an_alias_that_contains_itself_is_refused(site: Path) -> None:
    found, problems = read(site, front("title: T", "date: 2026-10-15", "topics: &t [a, *t]"))
    error = only_error(problems)
    assert found is None and error.line == 4 and "alias" in error.message


def test_a_long_list_without_aliases_is_no_bomb(site: Path) -> None:
    found, problems = read(
        site, front("title: T", "date: 2026-10-15", f"notes: [{', '.join(['n'] * 2_000)}]")
    )
    assert found is not None, [str(p) for p in problems]


def test_front_matter_past_the_size_cap_is_refused(site: Path) -> None:
    notes = "notes: " + "x" * MAX_FRONT_MATTER_BYTES
    found, problems = read(site, front("title: T", "date: 2026-10-15", notes))
    error = only_error(problems)
    assert found is None and error.path == "content/x.md" and error.line == 1
    assert "64 KB" in error.message and len(str(error)) < 200


@pytest.mark.parametrize(
    "lines",
    [
        ["title: T", "date: 2026-10-15", f"draft: {'x' * 10_000}"],
        ["title: T", "date: 2026-10-15", f"sanitize: [{', '.join(['y'] * 5_000)}]"],
        ["title: T", f"date: {'9' * 4000}"],
        ["title: T", "date: 2026-10-15", f"updated: '{'2' * 9000}'"],
        ["title: T", "date: 2026-10-15", f"image: {{src: a.jpg, {'k' * 5000}: 1}}"],
        ["title: T", "date: 2026-10-15", f"{'z' * 5000}: 1"],
        ["title: T", "date: 2026-10-15", f"topics: *{'u' * 5000}"],
        ["title: T", "date: 2026-10-15", f"topics: [{'[' * 900}"],
        ["title: T", "date: 2026-10-15", "slug: " + "q" * 250],
    ],
    ids=["draft", "sanitize", "date", "updated", "image", "unknown", "alias", "yaml", "slug"],
)
def test_messages_quote_a_value_in_one_short_line(site: Path, lines: list[str]) -> None:
    _, problems = read(site, front(*lines))
    assert problems
    for problem in problems:
        text = str(problem)
        assert len(text) < 250 and "\n" not in text, text[:500]


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ("title: " + "T" * (TEXT_LENGTHS["title"] + 1), "title"),
        ("summary: " + "s" * (TEXT_LENGTHS["summary"] + 1), "summary"),
        ("source: " + "s" * (TEXT_LENGTHS["source"] + 1), "source"),
        ("author: " + "a" * (TEXT_LENGTHS["author"] + 1), "author"),
        ("topics: [NATO, " + "t" * (MAX_TOPIC_LENGTH + 1) + "]", "topic"),
        ("topics: [" + ", ".join(f"T{n}" for n in range(MAX_TOPICS + 1)) + "]", "topics"),
        ("image: {src: a.jpg, caption: " + "c" * (TEXT_LENGTHS["caption"] + 1) + "}", "caption"),
    ],
    ids=["title", "summary", "source", "author", "topic name", "topic count", "caption"],
)
def test_fields_past_their_size_cap_are_errors(site: Path, line: str, field: str) -> None:
    lines = ["date: 2026-10-15", line]
    if not line.startswith("title:"):
        lines.insert(0, "title: T")
    found, problems = read(site, front(*lines))
    error = only_error(problems)
    assert found is None and error.path == "content/x.md"
    assert error.line == lines.index(line) + 2
    assert field in error.message and "at most" in error.message
    assert len(str(error)) < 200


def test_fields_at_their_size_cap_are_fine(site: Path) -> None:
    topics = ", ".join(f"{n:03d}" + "t" * (MAX_TOPIC_LENGTH - 3) for n in range(MAX_TOPICS))
    found, problems = read(
        site,
        front(
            "title: " + "T" * TEXT_LENGTHS["title"],
            "date: 2026-10-15",
            "summary: " + "s" * TEXT_LENGTHS["summary"],
            "author: " + "a" * TEXT_LENGTHS["author"],
            f"topics: [{topics}]",
        ),
    )
    assert found is not None, [str(p) for p in problems]
    assert len(found.topics) == MAX_TOPICS


IMPOSSIBLE_DATES = {
    "30 February": "2024-02-30",
    "month 13": "2024-13-01",
    "hour 24": "2024-08-31T24:00:00",
    "offset +25:00": "2024-08-31T09:00:00+25:00",
    "year 1 with an offset": "0001-01-01T00:00:00+05:00",
    "year 9999 with an offset": "9999-12-31T23:00:00-05:00",
    "year 999": "0999-06-01",
}


@pytest.mark.parametrize("quote", ["", "'"], ids=["unquoted", "quoted"])
@pytest.mark.parametrize("field", ["date", "updated"])
@pytest.mark.parametrize("case", sorted(IMPOSSIBLE_DATES))
def test_impossible_dates_are_errors_with_a_hint(
    site: Path, case: str, field: str, quote: str
) -> None:
    value = quote + IMPOSSIBLE_DATES[case] + quote
    lines = ["title: T", f"date: {value}"] if field == "date" else ["title: T", "date: 2024-08-31"]
    if field == "updated":
        lines.append(f"updated: {value}")
    found, problems = read(site, front(*lines))
    error = only_error(problems)
    assert found is None and error.path == "content/x.md"
    assert error.line == len(lines) + 1
    assert error.message.startswith(f"{field} ") and error.hint
    assert len(str(error)) < 250


def test_dates_at_the_edges_of_the_allowed_years_are_fine(site: Path) -> None:
    found, problems = read(site, front("title: T", "date: 1000-01-01", "updated: 9998-12-31"))
    assert found is not None, [str(p) for p in problems]


@pytest.mark.parametrize(
    "text", ["---\ntitle: x\n", "---\ntitle: x\ndate: 2026-10-15\n\nBody.\n", "---", "---\n"]
)
def test_front_matter_that_never_closes_is_an_error_on_line_1(site: Path, text: str) -> None:
    found, problems = read(site, text)
    error = only_error(problems)
    assert found is None and error.line == 1 and "never closes" in error.message
    assert error.hint and "---" in error.hint


def test_the_line_numbers_count_blank_lines_after_the_opening_fence(site: Path) -> None:
    _, problems = read(site, "---\n\n\ntitle: T\ndate: 31 Aug\n---\nBody.\n")
    assert only_error(problems).line == 5


HOSTILE_URLS = [
    "javascript:alert(1)",
    "JaVaScRiPt:alert(1)",
    "' javascript:alert(1)'",
    '"java\\tscript:alert(1)"',  # the YAML escapes for a tab, a newline and a control character
    '"java\\nscript:alert(1)"',
    '"\\x01javascript:alert(1)"',
    "vbscript:msgbox(1)",
    "'data:text/html,<script>alert(1)</script>'",
    "ftp://example.org/a",
    "file:///etc/passwd",
]


@pytest.mark.parametrize("url", HOSTILE_URLS)
@pytest.mark.parametrize("field", ["source_url", "image"])
def test_urls_other_than_http_https_or_relative_are_errors(
    site: Path, field: str, url: str
) -> None:
    line = f"source_url: {url}" if field == "source_url" else f"image: {{src: {url}, alt: A}}"
    found, problems = read(site, front("title: T", "date: 2026-10-15", line))
    error = only_error(problems)
    assert found is None and error.line == 4
    assert "http" in str(error) and len(str(error)) < 250


@pytest.mark.parametrize(
    "url", ["https://example.org/a", "HTTP://example.org/a", "/abs/photo.jpg", "photo.jpg"]
)
def test_http_https_and_relative_urls_are_fine(site: Path, url: str) -> None:
    found, problems = read(
        site,
        front("title: T", "date: 2026-10-15", f"source_url: {url}", f"image: {{src: {url}}}"),
    )
    assert found is not None, [str(p) for p in problems]
    assert found.source_url == url


@pytest.mark.parametrize(
    ("slug", "cleaned"), [("../../x", "x"), ("a/b", "a-b"), ("Kursk", "kursk")]
)
def test_a_slug_that_had_to_be_cleaned_is_a_warning(site: Path, slug: str, cleaned: str) -> None:
    found, problems = read(site, front("title: T", "date: 2026-10-15", f"slug: {slug}"))
    assert found is not None and found.slug == cleaned
    [warning] = problems
    assert warning.severity == "warning" and warning.path == "content/x.md" and warning.line == 4
    assert repr(slug) in warning.message and repr(cleaned) in warning.message


def test_a_clean_slug_gives_no_warning(site: Path) -> None:
    found, problems = read(site, front("title: T", "date: 2026-10-15", "slug: kursk-2"))
    assert found is not None and found.slug == "kursk-2" and problems == []


def test_summaries_leave_out_scripts_and_styles(site: Path) -> None:
    body = (
        "Officials <script>var tracking = 1;</script>met on "
        "<style>p{color:red}</style>Monday <SCRIPT type=x>track()</SCRIPT>in Kyiv."
    )
    found, _ = read(site, front("title: T", "date: 2026-10-15", body=body))
    assert found is not None and found.summary == "Officials met on Monday in Kyiv."


def test_summaries_get_typographic_quotes_when_bodies_do(site: Path) -> None:
    body = 'He said "yes" -- it\'s done... `"code"` and \\"straight\\".'
    curly, _ = read(site, front("title: T", "date: 2026-10-15", body=body))
    assert curly is not None
    assert curly.summary == (
        'He said \u201cyes\u201d \u2013 it\u2019s done\u2026 "code" and "straight".'
    )
    plain, _ = read(
        site,
        front("title: T", "date: 2026-10-15", body=body),
        config='markdown_extensions = ["extra"]',
    )
    assert plain is not None and plain.summary.startswith('He said "yes" -- it\'s done...')


def test_an_image_name_too_long_for_the_file_system_is_not_found(site: Path) -> None:
    found, problems = read(site, front("title: T", "date: 2026-10-15", f"image: {'p' * 300}.jpg"))
    assert found is not None
    [warning] = problems
    assert warning.severity == "warning" and warning.line == 4 and "not found" in warning.message


def test_a_time_the_clock_skipped_reads_the_same_from_the_file_and_from_the_cache(
    site: Path,
) -> None:
    """02:30 on the day summer time starts does not exist in Berlin: it is 03:30 there."""
    from newsdigest.cache import decode, encode

    write_site(
        site,
        {"content/a.md": article("Spring", "2024-03-31T02:30:00")},
        'timezone = "Europe/Berlin"',
    )
    [spring], _, _ = load(site)
    assert spring.published.isoformat() == "2024-03-31T03:30:00+02:00"
    again = decode(encode(spring), type(spring))
    assert again == spring and repr(again) == repr(spring)
