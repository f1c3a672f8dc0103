"""Lighthouse scores of the demo site: home, article, topic, day and search pages, mobile preset.

    python scripts/lighthouse.py [--lighthouse PATH] [--write]

Builds the demo, serves it on a loopback address and runs Lighthouse (npm `lighthouse`) in
headless Chromium on each page, for performance, accessibility, best practices and SEO. Prints
a Markdown table of the scores; with --write, puts it into docs/lighthouse.md between its
markers. Exits 1 when a score is under 100.

Needs Node.js with Lighthouse installed where it can be found (for example
`npm install --prefix .ci lighthouse`, never committed) and Chromium (Debian: chromium).
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from newsdigest.cli import main as newsdigest  # noqa: E402

PAGES = {
    "home": "",
    "article": "2026/09/09/arctic-methane-survey/",
    "topic": "topics/ukraine/",
    "day": "2026/11/18/",
    "search": "search/",
}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu"
PLACES = (
    REPO / ".ci" / "node_modules" / ".bin" / "lighthouse",
    REPO / "node_modules" / ".bin" / "lighthouse",
)
DOC = REPO / "docs" / "lighthouse.md"
START, END = "<!-- scores -->", "<!-- /scores -->"


class Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def find_lighthouse(given: str | None) -> str:
    if given:
        return given
    for place in PLACES:
        if place.exists():
            return str(place)
    found = shutil.which("lighthouse")
    if found:
        return found
    raise SystemExit("Lighthouse not found: npm install --prefix .ci lighthouse, or --lighthouse")


def audit(lighthouse: str, url: str, report: Path) -> dict[str, int]:
    """The page's score in each category, 0 to 100."""
    command = [
        lighthouse,
        url,
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={CHROME_FLAGS}",
        "--quiet",
    ]
    chrome = os.environ.get("CHROME_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    subprocess.run(command, check=True, env={**os.environ, "CHROME_PATH": chrome}, timeout=300)
    result = json.loads(report.read_text(encoding="utf-8"))
    return {name: round(result["categories"][name]["score"] * 100) for name in CATEGORIES}


def below_100(report: Path) -> list[str]:
    """The audits that cost points, for the summary of a score under 100."""
    result = json.loads(report.read_text(encoding="utf-8"))
    found = []
    for category in CATEGORIES:
        for ref in result["categories"][category]["auditRefs"]:
            item = result["audits"][ref["id"]]
            if ref["weight"] and item["score"] is not None and item["score"] < 1:
                found.append(f"{category}: {ref['id']} ({item.get('displayValue', '')})")
    return found


def table(scores: dict[str, dict[str, int]]) -> str:
    names = ["Performance", "Accessibility", "Best practices", "SEO"]
    lines = ["| Page | URL | " + " | ".join(names) + " |", "|" + " --- |" * (len(names) + 2)]
    for page, found in scores.items():
        values = " | ".join(str(found[category]) for category in CATEGORIES)
        lines.append(f"| {page} | /{PAGES[page]} | {values} |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lighthouse", help="the lighthouse command (else found under .ci/)")
    parser.add_argument("--write", action="store_true", help=f"put the table into {DOC.name}")
    options = parser.parse_args()
    lighthouse = find_lighthouse(options.lighthouse)
    with tempfile.TemporaryDirectory() as root:
        site = Path(root) / "site"
        server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Quiet, directory=str(site))
        )
        base = f"http://127.0.0.1:{server.server_port}/"
        code = newsdigest(
            ["build", "--site", str(REPO), "--base-url", base, "--output", str(site), "--quiet"]
        )
        if code:
            raise SystemExit(code)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        scores: dict[str, dict[str, int]] = {}
        missing: list[str] = []
        try:
            for name, path in PAGES.items():
                report = Path(root) / f"{name}.json"
                scores[name] = audit(lighthouse, base + path, report)
                print(name, scores[name], flush=True)
                missing += [f"{name}: {line}" for line in below_100(report)]
        finally:
            server.shutdown()
    text = table(scores)
    print(text)
    for line in missing:
        print(line)
    if options.write:
        doc = DOC.read_text(encoding="utf-8")
        before, _, rest = doc.partition(START)
        _, _, after = rest.partition(END)
        DOC.write_text(f"{before}{START}\n{text}\n{END}{after}", encoding="utf-8")
    if any(score < 100 for found in scores.values() for score in found.values()):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
