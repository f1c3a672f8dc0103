"""Screenshots of the demo site: home, article, topic, day, author, source, about, search and
404 at 390 and 1280 px wide, a story told by three agencies (its day page and one report's
page), and a day's e-mail edition at 600 and 360 px (the widths of a mail client and of a
phone), in light and dark mode, into screenshots/ (git-ignored). Look at them before a theme
change lands.

    python scripts/screenshots.py [--out screenshots] [--language de]

With --language, the demo is built in that language (`language = "de"`), and each file
name starts with it: de-home-390-light.png.

Needs Chromium and chromedriver (Debian: chromium, chromium-driver) and selenium.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import re
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsdigest.cli import main as newsdigest  # noqa: E402

PAGES = {
    "home": "",
    "article": "2026/09/09/arctic-methane-survey/",
    "topic": "topics/ukraine/",
    "day": "2026/11/18/",
    "author": "authors/marta-kowalczyk/",
    "source": "sources/afp/",
    "about": "about/",
    "search": "search/?q=gas",
    "404": "404.html",
    "story-day": "2026/11/10/",
    "story-report": "2026/11/10/nato-allies-pool-money-to-buy-air-defences-faster/",
    "edition": "2026/11/10/edition/",
}
WIDTHS = (390, 1280)
# An e-mail is read in a column of about 600 px, or on a phone.
EDITION_WIDTHS = (600, 360)


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def browser():  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)


def full_height(driver, width: int) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.support.ui import WebDriverWait

    driver.set_window_size(width, 900)
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(int(height) + 120, 4000))
    # Photos below the first screen load lazily: wait until the taller window has them.
    WebDriverWait(driver, 20).until(
        lambda d: d.execute_script(
            "return [...document.images].every(i => i.complete && i.naturalWidth > 0)"
        )
    )
    time.sleep(0.5)  # decoding="async": loaded is not yet painted


def demo_in(language: str | None, root: Path) -> Path:
    """The demo site, or a copy of it whose settings name another language."""
    if not language:
        return REPO
    site = root / "demo"
    shutil.copytree(REPO / "content", site / "content")
    settings = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    settings = re.sub(r'(?m)^language = ".*"\n', "", settings)
    settings = settings.replace(
        "[tool.newsdigest]\n", f'[tool.newsdigest]\nlanguage = "{language}"\n', 1
    )
    (site / "pyproject.toml").write_text(settings, encoding="utf-8")
    return site


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "screenshots")
    parser.add_argument("--language", help="build the demo in this language (de, ru, ar...)")
    options = parser.parse_args()
    options.out.mkdir(parents=True, exist_ok=True)
    prefix = f"{options.language}-" if options.language else ""
    with tempfile.TemporaryDirectory() as root, tempfile.TemporaryDirectory() as scratch:
        site = demo_in(options.language, Path(scratch))
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Quiet, directory=root)
        )
        base = f"http://127.0.0.1:{server.server_port}/"
        code = newsdigest(
            ["build", "--site", str(site), "--base-url", base, "--output", f"{root}/site",
             "--quiet"]
        )  # fmt: skip
        if code:
            raise SystemExit(code)
        shutil.copytree(f"{root}/site", root, dirs_exist_ok=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        driver = browser()
        try:
            for scheme in ("light", "dark"):
                driver.execute_cdp_cmd(
                    "Emulation.setEmulatedMedia",
                    {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
                )
                for name, path in PAGES.items():
                    for width in EDITION_WIDTHS if name == "edition" else WIDTHS:
                        driver.get(base + path)
                        if name == "search":
                            from selenium.webdriver.common.by import By
                            from selenium.webdriver.support.ui import WebDriverWait

                            WebDriverWait(driver, 20).until(
                                lambda d: d.find_elements(By.CSS_SELECTOR, ".search-results li")
                            )
                        full_height(driver, width)
                        target = options.out / f"{prefix}{name}-{width}-{scheme}.png"
                        driver.save_screenshot(str(target))
                        print(target)
        finally:
            driver.quit()
            server.shutdown()


if __name__ == "__main__":
    main()
