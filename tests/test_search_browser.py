"""Search in a real browser: the demo site built under a subpath, served, and searched.

Needs Chromium and chromedriver (Debian `chromium`, `chromium-driver`). Skipped when they are
missing, except in CI (the CI variable is set), where a missing browser is a failure.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from newsdigest.cli import main

REPO = Path(__file__).resolve().parent.parent


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


@pytest.fixture(scope="module")
def served_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The demo site built for http://127.0.0.1:PORT/digest/ and served from a folder root."""
    root = tmp_path_factory.mktemp("www")
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    base = f"http://127.0.0.1:{server.server_port}/digest/"
    assert main(["build", "--site", str(REPO), "--base-url", base,
                 "--output", str(root / "digest"), "--quiet"]) == 0  # fmt: skip
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    extensions_map: ClassVar[dict[str, str]] = {
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".wasm": "application/wasm",
        ".js": "text/javascript",
    }

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
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


def test_typing_a_word_finds_the_article(browser, served_demo: str) -> None:
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


def test_topic_filter_narrows_the_results(browser, served_demo: str) -> None:
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
