"""The daily edition by e-mail: `newsdigest edition` writes one multipart/alternative message
(plain text and HTML that mail clients render), and every build publishes it as a web page and
as plain text, linked from its day page."""

from __future__ import annotations

import re
import shutil
from email import message_from_bytes, policy
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import article, build_site, nu_check, problems_of, write_site

from newsdigest.cli import main
from newsdigest.errors import BuildFailed

LABELLED = Path(__file__).parent / "fixtures" / "stories"
BASE = "https://digest.example.org/news/"
DAY = "2025/03/10"
FOOTER = "To unsubscribe, write to news@digest.example.org or visit https://digest.example.org/x"
SETTINGS = f"""
title = "The Wire Digest"
base_url = "{BASE}"
timezone = "Europe/Paris"
language = "en-GB"  # day first: "Monday, 10 March 2025"

[tool.newsdigest.edition]
header = "Good morning. Here is what the agencies reported."
footer = "{FOOTER}"
from = "The Wire Digest <news@digest.example.org>"
reply_to = "desk@digest.example.org"
"""


@pytest.fixture
def wire(site: Path) -> Path:
    """Six days of wire reports, several of them stories told by two to four agencies."""
    shutil.copytree(LABELLED / "content", site / "content")
    return write_site(site, {}, SETTINGS)


def edition(site: Path, *flags: str) -> bytes:
    target = site.parent / "edition.eml"
    assert main(["edition", "--site", str(site), "--output", str(target), *flags]) == 0
    return target.read_bytes()


def parse(data: bytes) -> EmailMessage:
    parsed = message_from_bytes(data, policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def parts(data: bytes) -> tuple[EmailMessage, str, str]:
    message = parse(data)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return message, text.get_content(), html.get_content()


def day_articles(site: Path, day: str) -> tuple[set[str], set[str]]:
    """The built URLs of the day's articles, and of every other article."""
    built = {
        p.parent.relative_to(site / "public").as_posix() + "/"
        for p in (site / "public").glob("20*/*/*/*/index.html")
        if p.parent.name != "edition"
    }
    return {u for u in built if u.startswith(day)}, {u for u in built if not u.startswith(day)}


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        for name, value in attrs:
            if name in ("href", "src") and value is not None:
                self.urls.append(value)


def links(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


# -- the message -----------------------------------------------------------------------------


def test_the_message_holds_every_article_of_the_day_and_no_other(wire: Path) -> None:
    build_site(wire)
    ours, others = day_articles(wire, DAY)
    assert len(ours) == 6 and others
    message, text, html = parts(edition(wire, "2025-03-10"))
    for url in ours:
        assert BASE + url in text, url
        assert f'href="{BASE + url}"' in html, url
    for url in others:
        assert BASE + url not in text and BASE + url not in html, url
    assert message["Subject"] == "The Wire Digest – Monday, 10 March 2025"
    assert message["From"] == "The Wire Digest <news@digest.example.org>"
    assert message["Reply-To"] == "desk@digest.example.org"
    assert message["Message-ID"].endswith("@digest.example.org>")
    assert "2025-03-10" in message["Message-ID"]
    assert message["Content-Language"] == "en-GB"


def test_the_html_part_has_no_script_no_stylesheet_and_only_absolute_urls(wire: Path) -> None:
    _, _, html = parts(edition(wire, "2025-03-10"))
    page = links(html)
    tags = [tag for tag, _ in page.tags]
    assert "script" not in tags and "link" not in tags
    assert page.urls and all(url.startswith(("https://", "http://")) for url in page.urls)
    assert all(url.startswith(BASE) for url in page.urls if url not in FOOTER)
    styled = [attrs for tag, attrs in page.tags if attrs.get("style")]
    assert len(styled) > 20  # the CSS is inlined...
    assert html.count("<style") == 1 and "prefers-color-scheme: dark" in html  # ...but dark mode
    assert 'class="story" data-story=' in html  # a story told by several agencies, once


def test_the_text_part_is_72_columns_with_headlines_sources_summaries_and_links(
    wire: Path,
) -> None:
    _, text, _ = parts(edition(wire, "2025-03-10"))
    for line in text.splitlines():
        assert len(line) <= 72 or re.fullmatch(r" *https?://\S+", line), line
    assert "1. Portugal's centre-right wins snap election" in text
    assert "Reported by AFP, Reuters, dpa" in text
    assert "A huge fire destroyed a logistics warehouse" not in text  # the newest report leads
    assert "A major fire at a storage hall in Lyon" in text
    assert "Good morning. Here is what the agencies reported." in text
    assert "To unsubscribe, write to news@digest.example.org" in text


def test_the_same_site_gives_the_same_bytes(wire: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = edition(wire, "2025-03-10")
    assert edition(wire, "2025-03-10") == first
    boundary = parse(first).get_boundary()
    assert boundary is not None and boundary.startswith("=_edition_")
    assert parse(first)["Date"] == "Mon, 10 Mar 2025 23:40:00 +0100"  # its newest article
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1741600000")
    dated = parse(edition(wire, "2025-03-10"))
    assert dated["Date"] == "Mon, 10 Mar 2025 10:46:40 +0100"


def test_the_newest_day_is_the_default_and_articles_limits_the_stories(wire: Path) -> None:
    message, text, html = parts(edition(wire))
    assert message["Subject"].endswith("Saturday, 15 March 2025")
    _, text, html = parts(edition(wire, "2025-03-10", "--articles", "2"))
    assert text.count("\n1. ") == 1 and "\n2. " in text and "\n3. " not in text
    assert html.count('<article class="story"') == 2
    assert "Lyon" not in text  # the third story of the day


def test_the_html_part_is_the_published_edition_page(wire: Path) -> None:
    build_site(wire)
    _, text, html = parts(edition(wire, "2025-03-10"))
    published = wire / "public" / DAY / "edition"
    assert (published / "index.html").read_text(encoding="utf-8") == html
    assert (wire / "public" / DAY / "edition.txt").read_text(encoding="utf-8") == text
    day = (wire / "public" / DAY / "index.html").read_text(encoding="utf-8")
    assert 'href="/news/2025/03/10/edition/"' in day
    assert 'href="/news/2025/03/10/edition.txt"' in day


def test_the_day_is_written_in_the_sites_language(wire: Path) -> None:
    settings = wire / "pyproject.toml"
    text = settings.read_text()
    settings.write_text(text.replace('language = "en-GB"', 'language = "de"'))
    message, _, html = parts(edition(wire, "2025-03-12"))
    assert message["Subject"] == "The Wire Digest – Mittwoch, 12. März 2025"
    assert '<html lang="de">' in html


def test_standard_output(wire: Path, capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    assert main(["edition", "--site", str(wire), "--output", "-", "2025-03-10"]) == 0
    out = capfdbinary.readouterr().out
    assert parse(out)["Subject"].startswith("The Wire Digest")


# -- what cannot be made ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        (["2025-03-20"], "no published articles on 2025-03-20; the newest day with articles is "
                         "2025-03-15"),
        (["--base-url", "/"], "an e-mail's links must be absolute"),
    ],
)  # fmt: skip
def test_an_edition_that_cannot_be_made_is_a_usage_error(
    wire: Path, capsys: pytest.CaptureFixture[str], flags: list[str], expected: str
) -> None:
    target = wire.parent / "x.eml"
    assert main(["edition", "--site", str(wire), "--output", str(target), *flags]) == 2
    assert expected in capsys.readouterr().err
    assert not target.exists()


def test_a_bad_date_or_count_is_named(wire: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for flags, said in (
        (["10.03.2025"], "'10.03.2025' is not a date such as 2026-11-18"),
        (["--articles", "0"], "--articles: must be at least 1"),
    ):
        with pytest.raises(SystemExit) as done:
            main(["edition", "--site", str(wire), "--output", "x.eml", *flags])
        assert done.value.code == 2
        assert said in capsys.readouterr().err


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ('form = "a@b.org"', "edition.form: unknown setting (did you mean 'from'?)"),
        ('from = "not an address"', "edition.from: 'not an address' is not an e-mail address"),
        ('from = "a@b.org, c@d.org"', "edition.from: 'a@b.org, c@d.org' must be one address"),
        ("header = 3", "edition.header: must be a string, not 3"),
        ('reply_to = "x@y.org\\nBcc: z@evil.org"', "edition.reply_to: must be one line"),
    ],
)
def test_edition_settings_are_checked_with_clear_errors(
    site: Path, capsys: pytest.CaptureFixture[str], line: str, expected: str
) -> None:
    write_site(
        site,
        {"content/a.md": article("A", "2025-03-10")},
        f'base_url = "{BASE}"\n[tool.newsdigest.edition]\n{line}\n',
    )
    assert main(["edition", "--site", str(site), "--output", str(site / "a.eml")]) == 1
    assert expected in capsys.readouterr().err


def test_without_from_the_message_is_written_with_a_warning(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_site(site, {"content/a.md": article("A", "2025-03-10")}, f'base_url = "{BASE}"\n')
    assert main(["edition", "--site", str(site), "--output", str(site / "a.eml")]) == 0
    assert "warning: the edition has no From header" in capsys.readouterr().err
    assert parse((site / "a.eml").read_bytes())["From"] is None


# -- what mail clients get ------------------------------------------------------------------------


def test_the_html_part_passes_the_nu_html_checker(wire: Path, tmp_path: Path) -> None:
    _, _, html = parts(edition(wire, "2025-03-10"))
    folder = tmp_path / "checked"
    folder.mkdir()
    (folder / "edition.html").write_text(html, encoding="utf-8")
    status, report = nu_check(folder)
    assert status == 0, report[-3000:]


LAYOUT = """
const frame = document.querySelector('.frame').getBoundingClientRect();
const heads = [...document.querySelectorAll('h2')].map(h => h.getBoundingClientRect());
const body = getComputedStyle(document.body);
const story = getComputedStyle(document.querySelector('h2 a'));
return {scroll: document.documentElement.scrollWidth, frame: frame.width, left: frame.left,
        heads: heads.filter(h => h.right > window.innerWidth + 1).length,
        background: body.backgroundColor, ink: story.color};
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [600, 360])
def test_the_html_part_reads_at_600_and_360_pixels(
    chromium, wire: Path, tmp_path: Path, width: int, scheme: str
) -> None:
    _, _, html = parts(edition(wire, "2025-03-10"))
    page = tmp_path / "edition.html"
    page.write_text(html, encoding="utf-8")
    chromium.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )
    chromium.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 400},
    )
    chromium.get(page.as_uri())
    layout = chromium.execute_script(LAYOUT)
    assert layout["scroll"] <= width  # nothing wider than the screen
    assert layout["frame"] <= 600 and layout["heads"] == 0
    dark = scheme == "dark"
    background = [int(n) for n in re.findall(r"\d+", layout["background"])[:3]]
    ink = [int(n) for n in re.findall(r"\d+", layout["ink"])[:3]]
    assert (sum(background) < 150) == dark and (sum(ink) > 450) == dark, layout


def test_an_article_on_an_editions_url_is_a_clash_naming_it(site: Path) -> None:
    write_site(site, {"content/edition.md": article("Edition", "2026-10-01")})
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    assert "2026/10/01/edition/ is also the URL of content/edition.md" in problems_of(failure.value)
