"""Search in a real browser: sites built under a subpath, served, and searched.

Needs Chromium and chromedriver (Debian `chromium`, `chromium-driver`). Skipped when they are
missing, except in CI (the CI variable is set), where a missing browser is a failure.

Besides the demo site, an archive of 80 articles in five languages is built twice: split into
several partitions, and as one single index. The same searches must find the same articles in
both (and in the same order when sorted by date).
"""

from __future__ import annotations

import functools
import http.server
import os
import random
import shutil
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

import pytest
from conftest import article, write_site

from newsdigest import search
from newsdigest.cli import main
from newsdigest.search import Scheme

REPO = Path(__file__).resolve().parent.parent
SEVERAL = Scheme(8, 4, 20, 3, 3, 8)  # about seven partitions for 80 articles
ONE = Scheme(10**9, 1, 10**9, 10**9, 1, 10**9)  # every article in one partition


def chromium_paths() -> tuple[str, str] | None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


def require_chromium() -> tuple[str, str]:
    found = chromium_paths()
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium and chromedriver are required in CI (apt: chromium-driver)")
        pytest.skip("Chromium or chromedriver is not installed")
    return found


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def www(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    """A folder served at http://127.0.0.1:PORT/, for sites built into its subfolders."""
    root = tmp_path_factory.mktemp("www")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield root, f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()


def build_into(site: Path, root: Path, address: str, folder: str, scheme: Scheme) -> str:
    """Build `site` for address/folder/ into root/folder, partitioned by `scheme`."""
    base = f"{address}{folder}/"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SCHEME", scheme)
        assert main(["build", "--site", str(site), "--base-url", base,
                     "--output", str(root / folder), "--quiet"]) == 0  # fmt: skip
    return base


@pytest.fixture(scope="module")
def served_demo(www: tuple[Path, str]) -> str:
    """The demo site built for http://127.0.0.1:PORT/digest/."""
    root, address = www
    return build_into(REPO, root, address, "digest", search.SCHEME)


JAPANESE = "東京で大きな地震が発生しました。気象庁によると津波の心配はありません。"
UKRAINIAN = "Сільські громади отримали нові генератори напередодні опалювального сезону."
GREEK = "Ξεκίνησε ένα νέο πρόγραμμα αναδάσωσης σε περιοχές της Αττικής."
RUSSIAN = "Правительство Москвы готовит новый бюджет на следующий год."
NATIVE = {12: ("ja", JAPANESE), 33: ("uk", UKRAINIAN), 55: ("el", GREEK), 70: ("ru", RUSSIAN)}
WORDS = (
    "river bridge council budget school teacher hospital nurse farmer harvest rain storm "
    "museum painting festival music railway station airport runway factory workers union "
    "strike court judge ruling police inquiry village mayor market prices bakery bread "
    "forest wildfire drought reservoir turbine solar panel battery grid cable satellite "
    "rocket telescope comet glacier ocean coral fishing quota ferry tunnel motorway traffic "
    "cyclists stadium league coach referee library archive manuscript vaccine clinic "
    "research laboratory genome students exam university parliament senator minister "
    "treaty border refugees shelter volunteers donation charity"
)
VOCABULARY = WORDS.split()
PLANTED = [(3, "energy"), (4, "water"), (5, "harbour"), (6, "election"), (7, "cranes")]
TOPICS = ["Energy", "Climate", "Ukraine", "Space", "Health"]
SOURCES = ["AFP", "Reuters", "AP"]


def archive_files(count: int = 80) -> dict[str, str | bytes]:
    """Articles over three months, some at the very same minute, with planted words."""
    files: dict[str, str | bytes] = {}
    start = datetime(2026, 9, 1, 6, 0)
    for n in range(count):
        rng = random.Random(n)
        words = [rng.choice(VOCABULARY) for _ in range(40)]
        planted = [word for step, word in PLANTED if n % step == 0]
        planted += {17: ["quillwort"], 20: ["tokyo"], 48: ["island"], 66: ["andromeda"]}.get(n, [])
        # Short words that longer ones start with ("to", "is", "and"): a partition without
        # "tokyo" must not answer with its pages that say "to".
        body = (
            " ".join(words[:10])
            + " to the "
            + " ".join(words[10:20] + planted)
            + ".\n\n"
            + " ".join(words[20:30])
            + " and it is "
            + " ".join(words[30:])
            + "."
        )
        moment = start + timedelta(hours=26 * {41: 40, 43: 42}.get(n, n))  # two same-minute pairs
        fields: dict[str, object] = {
            "topics": f"[{TOPICS[n % 5]}]",
            "source": SOURCES[n % 3],
        }
        title = f"Dispatch {n}: {words[0]} and {words[1]}"
        if n in NATIVE:
            fields["lang"], body = NATIVE[n]
        files[f"content/{n:03d}.md"] = article(title, moment.isoformat(timespec="minutes"),
                                               body, **fields)  # fmt: skip
    return files


@pytest.fixture(scope="module")
def archive(www: tuple[Path, str], tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """The archive built twice: (partitioned base URL, single-index base URL)."""
    root, address = www
    site = write_site(tmp_path_factory.mktemp("archive") / "site", archive_files(),
                      'title = "Archive"\n')  # fmt: skip
    parts = build_into(site, root, address, "parts", SEVERAL)
    single = build_into(site, root, address, "single", ONE)
    assert len(list((root / "parts/pagefind").iterdir())) >= 6
    assert len(list((root / "single/pagefind").iterdir())) == 2
    return parts, single


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    chromium, driver_path = require_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,900"):  # fmt: skip
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    yield driver
    driver.quit()


def searched(browser: Any, base: str, **params: str) -> tuple[int, list[str]]:
    """Open the search page with these parameters: the count found, and the result links
    (relative to the site's base URL) in the order shown."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(base + "search/?" + urlencode(params))

    def done(driver: Any) -> bool:
        results = driver.find_element(By.CSS_SELECTOR, ".search-results")
        status = driver.find_element(By.CSS_SELECTOR, ".search-status").text
        return results.get_attribute("aria-busy") == "false" and bool(status)

    WebDriverWait(browser, 30).until(done)
    status = browser.find_element(By.CSS_SELECTOR, ".search-status").text
    count = 0 if status.startswith("No ") else int(status.split()[0])
    links = browser.find_elements(By.CSS_SELECTOR, ".search-results .teaser-title a")
    urls = [str(link.get_attribute("href")) for link in links]
    assert all(url.startswith(base) for url in urls), urls
    return count, [url.removeprefix(base) for url in urls]


# -- the demo site ----------------------------------------------------------------------------


def test_typing_a_word_finds_the_article(browser: Any, served_demo: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(served_demo + "search/")
    wait = WebDriverWait(browser, 20)
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, ".search-options").is_displayed())
    box = browser.find_element(By.ID, "search-query")
    box.send_keys("methane")
    wait.until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".search-results a"))
    )
    links = {
        a.text: a.get_attribute("href")
        for a in browser.find_elements(By.CSS_SELECTOR, ".search-results a")
    }
    title = "Survey flights map methane plumes over the Arctic shelf"
    assert title in links, links
    assert links[title].startswith(served_demo + "2026/09/")
    assert "methane" in browser.find_element(By.CSS_SELECTOR, ".search-results mark").text.lower()
    assert "article" in browser.find_element(By.CSS_SELECTOR, ".search-status").text
    assert "q=methane" in browser.current_url


def test_topic_filter_narrows_the_results(browser: Any, served_demo: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    browser.get(served_demo + "search/?q=ukraine")
    wait = WebDriverWait(browser, 20)
    wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, ".search-results li"))
    everything = len(browser.find_elements(By.CSS_SELECTOR, ".search-results li"))
    Select(browser.find_element(By.ID, "search-topic")).select_by_value("Energy")
    wait.until(
        lambda d: 0 < len(d.find_elements(By.CSS_SELECTOR, ".search-results li")) < everything
    )


def test_articles_in_other_languages_are_found_by_a_word_of_their_body(
    browser: Any, served_demo: str
) -> None:
    for word, expected in [("αναδάσωσης", "2026/10/23/"), ("генератори", "2026/10/15/"),
                           ("бюджет", "2026/09/14/")]:  # fmt: skip
        count, urls = searched(browser, served_demo, q=word)
        assert count >= 1 and any(url.startswith(expected) for url in urls), (word, urls)


def test_excerpts_show_the_article_text_not_the_headline(browser: Any, served_demo: str) -> None:
    from selenium.webdriver.common.by import By

    count, _ = searched(browser, served_demo, q="methane")
    assert count >= 1
    first = browser.find_element(By.CSS_SELECTOR, ".search-results li")
    title = first.find_element(By.CSS_SELECTOR, ".teaser-title").text
    summary = first.find_element(By.CSS_SELECTOR, ".teaser-summary").text
    assert title == "Survey flights map methane plumes over the Arctic shelf"
    assert not summary.startswith(title[:20]), summary


# -- partitions against one index -------------------------------------------------------------

QUERIES: list[dict[str, str]] = [
    {"q": "harbour"},
    {"q": "harbour cranes"},
    {"q": "quillwort"},
    {"q": "water", "source": "AFP"},
    {"q": "election", "topic": "Climate"},
    {"q": "glacier"},
    {"q": "energy", "sort": "desc"},
    {"q": "energy", "sort": "asc"},
    {"q": "water", "topic": "Space", "sort": "desc"},
    {"topic": "Ukraine"},  # no words: the newest first
    {"source": "Reuters", "sort": "asc"},
    {"q": "地震"},
    {"q": "генератори"},
    {"q": "αναδάσωσης"},
    {"q": "бюджет"},
    {"q": "dispatch", "sort": "desc"},
    {"q": "tokyo"},
    {"q": "island"},
    {"q": "andromeda", "sort": "asc"},
    {"q": "tokyo harbour"},
]


def test_partitions_find_what_one_index_finds(browser: Any, archive: tuple[str, str]) -> None:
    parts, single = archive
    for params in QUERIES:
        count, found = searched(browser, parts, **params)
        expected_count, expected = searched(browser, single, **params)
        assert count == expected_count, (params, found, expected)
        if params.get("sort") or not params.get("q"):
            assert found == expected, params  # date order: the very same order
        elif count <= 30:
            assert sorted(found) == sorted(expected), params
        assert count > 0, params
    assert searched(browser, parts, q="tokyo")[0] == 1


def test_japanese_and_ukrainian_articles_are_found_by_a_word_of_their_body(
    browser: Any, archive: tuple[str, str]
) -> None:
    parts, _ = archive
    for word in ("地震", "津波", "генератори", "громади"):
        count, urls = searched(browser, parts, q=word)
        assert count == 1, (word, urls)


CLS_OBSERVER = """
window.__shifts = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.__shifts.push(entry.value);
}).observe({ type: "layout-shift", buffered: true });
"""


@pytest.mark.parametrize("width", [390, 1280])
def test_the_search_page_does_not_shift_while_it_fills(
    browser: Any, archive: tuple[str, str], width: int
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    parts, _ = archive
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": 844 if width < 600 else 900,
        "deviceScaleFactor": 1, "mobile": width < 600,
    })  # fmt: skip
    script = browser.execute_cdp_cmd(
        "Page.addScriptToEvaluateOnNewDocument", {"source": CLS_OBSERVER}
    )
    try:
        # A search from the address (no key pressed), then one typed: every shift counts,
        # also those just after a key press, which CLS itself would forgive.
        searched(browser, parts, q="harbour")
        box = browser.find_element(By.ID, "search-query")
        box.clear()
        box.send_keys("dispatch energy")
        WebDriverWait(browser, 20).until(lambda d: "dispatch+energy" in d.current_url)
        WebDriverWait(browser, 20).until(
            lambda d: d.find_element(By.CSS_SELECTOR, ".search-results").get_attribute(
                "aria-busy") == "false"
        )  # fmt: skip
        shifts = browser.execute_script("return window.__shifts")
    finally:
        browser.execute_cdp_cmd(
            "Page.removeScriptToEvaluateOnNewDocument", {"identifier": script["identifier"]}
        )
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    assert sum(shifts) < 0.1, shifts


# -- an archive that changes ------------------------------------------------------------------


def test_after_adding_editing_and_deleting_the_merged_search_is_up_to_date(
    browser: Any, www: tuple[Path, str], tmp_path: Path
) -> None:
    root, address = www
    files = archive_files(40)
    site = write_site(tmp_path / "live", files, 'title = "Live"\n')
    base = build_into(site, root, address, "live", SEVERAL)
    before = bundle_of(root / "live")
    assert searched(browser, base, q="quillwort")[0] == 1
    assert searched(browser, base, q="obsidian")[0] == 0

    (site / "content/017.md").unlink()  # the only article with "quillwort"
    old = site / "content/003.md"
    old.write_text(old.read_text(encoding="utf-8").replace("energy", "obsidian"),
                   encoding="utf-8")  # fmt: skip
    for n in (40, 41):
        (site / f"content/{n:03d}.md").write_text(
            article(f"Late dispatch {n}", f"2026-11-20T1{n % 10}:00", "A quasar was seen."),
            encoding="utf-8",
        )
    build_into(site, root, address, "live", SEVERAL)
    after = bundle_of(root / "live")
    folders = {name.split("/")[1] for name in before.keys() | after.keys()
               if name.count("/") > 1 and before.get(name) != after.get(name)}  # fmt: skip
    partitions = {name.split("/")[1] for name in after if name.count("/") > 1}
    print(f"partitions indexed again: {len(folders)} of {len(partitions)}")
    # Which ones depends on where partitions end (a hash of URLs): the deletion changes the
    # related articles of pages in several of them. test_search_partitions.py checks that
    # exactly the partitions concerned are indexed again; here, that the reader sees it.
    assert 0 < len(folders - (partitions - {n.split("/")[1] for n in before})) <= 5

    assert searched(browser, base, q="quillwort")[0] == 0
    assert searched(browser, base, q="quasar")[0] == 2
    count, urls = searched(browser, base, q="obsidian")
    assert count == 1 and urls[0].startswith("2026/09/04/"), urls


def bundle_of(output: Path) -> dict[str, bytes]:
    folder = output / "pagefind"
    return {
        path.relative_to(output).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
