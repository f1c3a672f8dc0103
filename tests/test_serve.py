"""The dev server: served pages, live reload, errors in the browser, bursts, path safety."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import article, output_files, write_site
from test_images import photo

from newsdigest import pipeline
from newsdigest.articles import Entry, Selection, entry_of
from newsdigest.config import load_config
from newsdigest.pipeline import BuildOptions, build
from newsdigest.preview import Preview
from newsdigest.serve import DevServer, reload_kind
from newsdigest.site import Site, make_site

REPO = Path(__file__).resolve().parent.parent
SECRET = "SECRET-MARKER-4f1c"


def wait_for(condition: Callable[[], object], timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


def get(port: int, path: str) -> tuple[int, str, str]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path)
    response = connection.getresponse()
    body = response.read().decode("utf-8", "replace")
    connection.close()
    return response.status, response.getheader("Content-Type") or "", body


class EventLog:
    """An open /__newsdigest/events stream, recording event names as they come."""

    def __init__(self, port: int) -> None:
        self.events: list[str] = []
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.connection.request("GET", "/__newsdigest/events")
        self.response = self.connection.getresponse()
        assert self.response.getheader("Content-Type").startswith("text/event-stream")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        try:
            for raw in self.response:
                line = raw.decode().strip()
                if line.startswith("event: "):
                    self.events.append(line.removeprefix("event: "))
        except (OSError, ValueError):
            pass


@pytest.fixture
def served(site: Path) -> Iterator[DevServer]:
    write_site(
        site,
        {
            "content/first-title.md": article("First title", "2026-10-01T09:00:00", "Body one."),
            "content/second.md": article("Second", "2026-10-02T09:00:00", "Body two."),
            "content/draft.md": article("A draft", "2026-10-03", "Draft.", draft="true"),
        },
        config=f'title = "Dev"\nbase_url = "https://example.org/digest/"\n# {SECRET}\n',
    )
    server = DevServer(site, port=0, quiet=0.05, say=lambda _: None)
    server.start()
    yield server
    server.stop()


def test_pages_are_served_with_the_reload_script_only_on_the_wire(served: DevServer) -> None:
    status, kind, body = get(served.port, "/digest/")
    assert status == 200 and kind == "text/html; charset=utf-8"
    assert "First title" in body and "A draft" in body  # serve shows drafts
    assert 'new EventSource("/__newsdigest/events")' in body
    on_disk = (served.output / "index.html").read_text(encoding="utf-8")
    assert "EventSource" not in on_disk
    assert not (served.site_dir / "public").exists()  # a preview never lands in public/
    assert get(served.port, "/digest/feed.xml")[1].startswith("application/xml")
    assert get(served.port, "/digest/style.css")[1] == "text/css; charset=utf-8"
    status, _, body = get(served.port, "/digest/nowhere/")
    assert status == 404 and "Page not found" in body
    assert get(served.port, "/")[0] == 301
    assert get(served.port, "/digest/archive")[0] == 301
    assert f"http://127.0.0.1:{served.port}/digest/" in get(served.port, "/digest/")[2]


def test_an_edit_is_served_and_a_reload_event_is_sent(served: DevServer) -> None:
    events = EventLog(served.port)
    wait_for(lambda: served.events.clients)
    path = served.site_dir / "content/first-title.md"
    path.write_text(
        article("Edited title", "2026-10-01T09:00:00", "Body one.", slug="edited-title")
    )
    wait_for(lambda: "Edited title" in get(served.port, "/digest/2026/10/01/edited-title/")[2])
    wait_for(lambda: "reload" in events.events)
    assert get(served.port, "/digest/2026/10/01/first-title/")[0] == 404  # the old URL is gone


def test_a_broken_edit_keeps_the_last_good_site_and_shows_the_error(served: DevServer) -> None:
    events = EventLog(served.port)
    wait_for(lambda: served.events.clients)
    path = served.site_dir / "content/second.md"
    path.write_text("---\ntitle: Second\ndate: not a date\n---\nBody two.\n")
    wait_for(lambda: "problems" in events.events)
    status, _, body = get(served.port, "/digest/2026/10/02/second/")
    assert status == 200 and "Body two." in body
    assert '<div id="newsdigest-errors"' in body and "content/second.md:3: error: date" in body
    seen = len(events.events)
    path.write_text(
        article("Second, fixed", "2026-10-02T09:00:00", "Body two.", slug="second-fixed")
    )
    # The pages are written a moment before the error is cleared and the reload sent.
    wait_for(lambda: "reload" in events.events[seen:])
    assert "Second, fixed" in get(served.port, "/digest/2026/10/02/second-fixed/")[2]
    assert '<div id="newsdigest-errors"' not in get(served.port, "/digest/")[2]
    # The files are in place just before the event goes out: wait for it, not race it.
    wait_for(lambda: events.events[-1] == "reload")


def test_a_burst_of_200_writes_gives_one_rebuild(served: DevServer) -> None:
    before = served.rebuilds
    for number in range(200):
        (served.site_dir / f"content/burst-{number}.md").write_text(
            article(f"Burst {number}", "2026-10-04T10:00:00")
        )
    wait_for(lambda: get(served.port, "/digest/2026/10/04/burst-199/")[0] == 200)
    time.sleep(0.5)
    # One quiet period covers the burst; a machine that stalls longer than the quiet period
    # in the middle of the writes may split it once.
    assert served.rebuilds - before in (1, 2)


def test_atomic_saves_count_and_swap_files_do_not(served: DevServer) -> None:
    before = served.rebuilds
    (served.site_dir / "content/.first-title.md.swp").write_text("swap")
    (served.site_dir / "content/4913").write_text("vim probe")
    time.sleep(0.4)
    assert served.rebuilds == before
    temporary = served.site_dir / "content/first-title.md___jb_tmp___"
    temporary.write_text(
        article("Saved atomically", "2026-10-01T09:00:00", slug="saved-atomically")
    )
    os.replace(temporary, served.site_dir / "content/first-title.md")
    wait_for(lambda: get(served.port, "/digest/2026/10/01/saved-atomically/")[0] == 200)


def raw_request(port: int, target: str) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(
            f"GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode()
        )
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    return status, data


@pytest.mark.parametrize(
    "target",
    [
        "/digest/../pyproject.toml",
        "/digest/../../pyproject.toml",
        "/digest/%2e%2e/%2e%2e/pyproject.toml",
        "/digest/%2E%2E%2F%2E%2E%2Fpyproject.toml",
        "/digest/..%2f..%2f..%2fpyproject.toml",
        "/digest/%2e%2e%5c%2e%2e%5cpyproject.toml",
        "/digest//etc/passwd",
        "/etc/passwd",
        "/digest/%00",
        "http://127.0.0.1/digest/../../pyproject.toml",
        "/digest/" + "%2e%2e/" * 10 + "etc/passwd",
    ],
)
def test_paths_never_leave_the_output(served: DevServer, target: str) -> None:
    status, data = raw_request(served.port, target)
    assert status in (400, 404), (target, status)
    assert SECRET.encode() not in data and b"root:" not in data


def test_ctrl_c_stops_cleanly(site: Path) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01")})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", "--site", str(site), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if get(port, "/")[0] in (200, 301):
                break
        except OSError:
            time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert "Traceback" not in err and "Stopped." in out


def test_serve_stops_a_runaway_article_with_the_time_limit(site: Path) -> None:
    """`serve` rebuilds in its main thread, where a Markdown render can be interrupted."""
    write_site(site, {"content/a.md": article("A", "2026-10-01")})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, str(REPO / "build.py"), "serve", "--site", str(site), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True).start()
    try:
        wait_for(lambda: any("Serving" in line for line in lines), timeout=30)
        (site / "content/slow.md").write_text(article("Slow", "2026-10-02", "[" * 20_000))
        wait_for(lambda: any("took longer than" in line for line in lines), timeout=60)
        assert any(line.startswith("content/slow.md: error:") for line in lines), lines
        assert get(port, "/")[0] == 200  # the last good site is still served
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)
    assert process.returncode == 0


def test_the_next_free_port_is_taken_and_said(site: Path) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01")})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        said: list[str] = []
        server = DevServer(site, port=port, say=said.append)
        try:
            assert server.port != port and f"Port {port} is taken" in said[0]
        finally:
            server.httpd.server_close()


# -- incremental rebuilds equal full builds ---------------------------------------------


def full_build_files(site: Path, output: Path, base_url: str) -> dict[str, bytes]:
    config = load_config(site, {"base_url": base_url, "output_dir": str(output)})
    build(config, BuildOptions(selection=Selection(drafts=True), jobs=1, fingerprint=False))
    return output_files(output.parent, output.name)


# One event told by two agencies: a story.
REPORT_AFP = article(
    "Fire tears through warehouse in Lyon, three firefighters hurt",
    "2026-10-02T07:40:00",
    "A huge fire destroyed a logistics warehouse in the Vaise district of Lyon overnight, "
    "injuring three firefighters, the Rhône prefecture said. More than 120 firefighters fought "
    "the blaze. Prefect Fabienne Buccio said there was no toxic risk.",
    source="AFP",
)
REPORT_DPA = article(
    "Lyon warehouse destroyed by major fire",
    "2026-10-02T09:00:00",
    "A major fire at a storage hall in Lyon has left three firefighters injured, according to "
    "the prefecture of the Rhône department. Around 120 firefighters were in Vaise. Prefect "
    "Buccio said measurements showed no toxic substances.",
    source="dpa",
)


def test_every_kind_of_change_gives_what_a_full_build_gives(site: Path, tmp_path: Path) -> None:
    base = "http://127.0.0.1:9/"
    write_site(
        site,
        {
            "content/one.md": article("One", "2026-10-01T09:00:00", "Body.", topics="[Alpha]"),
            "content/two.md": article("Two", "2026-10-02T09:00:00", "Body.", topics="[Alpha, B]"),
            "content/three.md": article("Three", "2026-10-03T09:00:00", "Body.", topics="[B]"),
            "static/extra.css": "p { color: red }",
        },
        config='title = "Inc"\n',
    )
    dev = Preview(site, tmp_path / "dev", {"base_url": base}, Selection(drafts=True))
    dev.rebuild()

    def same() -> None:
        dev.index()
        expected = full_build_files(site, tmp_path / "full", base)
        assert output_files(tmp_path, "dev") == expected

    same()
    kept_out = REPORT_DPA.replace("source:", "story: none\nsource:")
    new_footer = '[tool.newsdigest]\ntitle = "Inc"\n[tool.newsdigest.edition]\nfooter = "Bye"\n'
    steps: list[tuple[str, Callable[[], set[Path]]]] = [
        ("edit a body", lambda: write(site / "content/two.md",
                                      article("Two", "2026-10-02T09:00:00", "New body.",
                                              topics="[Alpha, B]"))),
        ("retitle and move a day", lambda: write(site / "content/one.md",
                                                 article("Uno", "2026-10-05T09:00:00", "Body.",
                                                         topics="[C]"))),
        ("add an article", lambda: write(site / "content/four.md",
                                         article("Four", "2026-10-04T09:00:00", topics="[B]"))),
        ("delete an article", lambda: remove(site / "content/three.md")),
        ("add an image", lambda: write_bytes(site / "content/pic.png", b"\x89PNG")),
        ("a lead photo", lambda: write_bytes(site / "content/photo.jpg", photo(900, 600))
         | write(site / "content/four.md", article("Four", "2026-10-04T09:00:00", topics="[B]",
                                                   image="{src: photo.jpg, alt: A photo}"))),
        ("the photo in another size", lambda: write_bytes(site / "content/photo.jpg",
                                                          photo(600, 900))),
        ("override a template", lambda: write(site / "templates/topic.html",
                                              '{% extends "base.html" %}{% block main %}'
                                              "<h1>{{ topic.name }}</h1>{% endblock %}")),
        ("override a macro file", lambda: write(site / "templates/_macros.html",
                                                (REPO / "templates/_macros.html").read_text()
                                                .replace("teaser-title", "teaser-title x"))),
        ("change a stylesheet", lambda: write(site / "static/extra.css", "p { color: blue }")),
        ("two agencies report one event", lambda: write(site / "content/afp.md", REPORT_AFP)
                                                  | write(site / "content/dpa.md", REPORT_DPA)),
        ("a report leaves its story", lambda: write(site / "content/dpa.md", kept_out)),
        ("a report joins it again", lambda: write(site / "content/dpa.md", REPORT_DPA)),
        ("change the edition's footer", lambda: write(site / "pyproject.toml", new_footer)),
        ("drop the override", lambda: remove(site / "templates/topic.html")),
        ("add a page", lambda: write(site / "content/pages/about.md",
                                     "---\ntitle: About\n---\nWho we are.\n")),
        ("credit an author and a source", lambda: write(site / "content/four.md",
                                                        article("Four", "2026-10-04T09:00:00",
                                                                topics="[B]", author="Jane Doe",
                                                                source="[AFP, Reuters]"))),
        ("add an alias", lambda: write(site / "content/two.md",
                                       article("Two", "2026-10-02T09:00:00", "New body.",
                                               topics="[Alpha, B]", aliases="[/old/two/]"))),
        ("move the page", lambda: write(site / "content/pages/about.md",
                                        "---\ntitle: About us\nslug: about-us\n"
                                        "aliases: [/about/]\n---\nWho we are.\n")),
        ("describe the author", lambda: write(site / "pyproject.toml",
                                              '[tool.newsdigest]\ntitle = "Inc"\n'
                                              '[tool.newsdigest.authors."Jane Doe"]\n'
                                              'bio = "Writes."\n'
                                              '[[tool.newsdigest.menu]]\n'
                                              'name = "About"\nurl = "/about-us/"\n')),
        ("drop the author", lambda: write(site / "content/four.md",
                                          article("Four", "2026-10-04T09:00:00", topics="[B]"))),
        ("change the config", lambda: write(site / "pyproject.toml",
                                            '[tool.newsdigest]\ntitle = "Renamed"\n')),
        ("write an article in Ukrainian", lambda: write(site / "content/two.md",
                                                        article("Два", "2026-10-02T09:00:00",
                                                                topics="[Alpha, B]", lang="uk"))),
        ("change the language", lambda: write(site / "pyproject.toml",
                                              '[tool.newsdigest]\ntitle = "Renamed"\n'
                                              'language = "de"\n')),
    ]  # fmt: skip
    for label, change in steps:
        changed = change()
        result = dev.rebuild(changed)
        assert reload_kind(changed, result, recovered=False) != "none", label
        same()
    day = (tmp_path / "dev/2026/10/02/index.html").read_text(encoding="utf-8")
    assert day.count("data-story=") == 1  # the two reports, one story
    unchanged = dev.rebuild({site / "content/two.md"})
    assert reload_kind({site / "content/two.md"}, unchanged, recovered=False) == "none"


def test_only_what_a_change_touches_is_rendered(site: Path, tmp_path: Path) -> None:
    files = {
        f"content/{n}.md": article(f"Story {n}", f"2026-{n % 3 + 8:02}-{n % 20 + 1:02}T09:00:00",
                                   topics=f"[T{n % 4}]")
        for n in range(60)
    }  # fmt: skip
    files["static/extra.css"] = "p {}"
    write_site(site, files)
    dev = Preview(site, tmp_path / "dev", {}, Selection())
    total = dev.rebuild().rendered
    edit = dev.rebuild(write(site / "content/7.md", (site / "content/7.md").read_text() + "More."))
    # Its page, its neighbours', and the lists and feeds that hold it: day, month, year,
    # topic, home, archive, topics, the feeds, the sitemap.
    assert 0 < edit.rendered <= 16 < total / 5
    changed = write(site / "static/extra.css", "p { margin: 0 }")
    css = dev.rebuild(changed)
    assert reload_kind(changed, css, recovered=False) == "css"
    assert css.rendered == 0 and css.written == 1
    template = dev.rebuild(write(site / "templates/day.html", '{% extends "base.html" %}'))
    day_pages = len(list((tmp_path / "dev").glob("2026/*/*/index.html")))
    assert template.rendered == day_pages < total


def write(path: Path, text: str) -> set[Path]:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return {path}


def write_bytes(path: Path, data: bytes) -> set[Path]:
    path.write_bytes(data)
    return {path}


def remove(path: Path) -> set[Path]:
    path.unlink()
    return {path}


def test_related_worked_out_again_only_near_changes_equals_from_scratch(tmp_path: Path) -> None:
    import random
    from dataclasses import replace

    def worked_out(site: Site) -> dict[str, tuple[Entry, tuple[str, ...]]]:
        return {e.path: (e, site.neighbours[e.path].related) for e in site.entries}

    site = write_site(tmp_path / "s", {})
    (site / "content").mkdir()
    config = load_config(site)
    rng = random.Random(7)
    from newsdigest.content import read_article

    articles = []
    for n in range(300):
        path = site / f"content/{n}.md"
        topics = ", ".join(rng.sample(["A", "B", "C", "D", "E", "F"], rng.randint(1, 3)))
        path.write_text(article(f"N {n}", f"2026-{n % 12 + 1:02}-{n % 28 + 1:02}T{n % 24:02}:00:00",
                                topics=f"[{topics}]"))  # fmt: skip
        articles.append(read_article(path, config)[0])
    before = make_site(map(entry_of, articles), config)
    for _ in range(20):
        changed = set()
        for _ in range(3):
            index = rng.randrange(len(articles))
            changed.add(articles[index].path)
            new_topics = tuple(rng.sample(["A", "B", "C", "G"], rng.randint(1, 2)))
            articles[index] = replace(articles[index], topics=new_topics, title="changed")
        if rng.random() < 0.3:
            changed.add(articles.pop(rng.randrange(len(articles))).path)
        after = make_site(map(entry_of, articles), config, worked_out(before))
        assert after == make_site(map(entry_of, articles), config)
        before = after


def test_2000_requests_over_50_connections_all_succeed(served: DevServer) -> None:
    from concurrent.futures import ThreadPoolExecutor

    paths = ["/digest/", "/digest/feed.xml", "/digest/archive/", "/digest/nowhere/"]

    def fetch(number: int) -> int:
        status, _, body = get(served.port, paths[number % len(paths)])
        assert body
        return status

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(fetch, range(2000)))
    assert statuses.count(404) == 500 and statuses.count(200) == 1500


def test_a_templates_folder_made_while_serving_is_watched(served: DevServer) -> None:
    templates = served.site_dir / "templates"
    templates.mkdir()
    time.sleep(0.3)  # the folder is watched once its creation is seen
    (templates / "day.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Day override</h1>{% endblock %}'
    )
    wait_for(lambda: "Day override" in get(served.port, "/digest/2026/10/01/")[2])


def test_a_settled_save_is_handled_sooner_than_a_write_in_progress() -> None:
    from newsdigest.watch import Debouncer

    batches: list[tuple[float, set[Path]]] = []
    debouncer = Debouncer(lambda paths: batches.append((time.monotonic(), paths)), 0.8, 0.01)
    try:
        started = time.monotonic()
        debouncer.add(Path("a.md"), False)  # written to, not closed yet
        debouncer.add(Path("a.md"), True)  # closed: settled
        wait_for(lambda: batches, timeout=5)
        assert batches[0][1] == {Path("a.md")} and batches[0][0] - started < 0.6
        started = time.monotonic()
        debouncer.add(Path("b.md"), False)
        time.sleep(0.3)
        assert len(batches) == 1  # still being written: the long quiet period holds
        wait_for(lambda: len(batches) == 2, timeout=5)
        assert batches[1][0] - started >= 0.75
    finally:
        debouncer.stop()


def test_when_edits_pause_the_server_works_out_what_the_next_edit_needs(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Which pages show each article is worked out once edits pause, not by the next edit of
    an article, which then waits for nothing but its pages. (With a search index, the
    index's own build, when edits pause, works it out too.)"""
    write_site(
        site,
        {f"content/{n}.md": article(f"Story {n}", f"2026-10-0{n}T09:00:00") for n in (1, 2, 3)},
        config="search = false\n",
    )
    server = DevServer(site, port=0, quiet=0.05, say=lambda _: None)
    server.start()
    try:

        def prepared() -> bool:
            state = server.preview.state
            index = state.index if state is not None else None
            return index is not None and index.readers is not None

        wait_for(prepared)
        asked: list[int] = []
        real = pipeline.readers
        monkeypatch.setattr(pipeline, "readers", lambda pages: asked.append(1) or real(pages))
        (site / "content/2.md").write_text(article("Story 2", "2026-10-02T09:00:00", "Edited."))
        wait_for(lambda: "Edited." in get(server.port, "/2026/10/02/2/")[2])
        assert asked == []
    finally:
        server.stop()
