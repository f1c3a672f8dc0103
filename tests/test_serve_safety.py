"""The dev server under attack: foreign host names, idle connections, replaced folders, paths."""

from __future__ import annotations

import http.client
import logging
import os
import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import article, write_site

from newsdigest.serve import DevServer
from newsdigest.watch import Watcher

SECRET = "SECRET-MARKER-77d2"
ARTICLE_URL = "/digest/2026/10/01/first-title/"


def wait_for(condition: Callable[[], object], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def exchange(port: int, request: bytes, host: str = "127.0.0.1") -> tuple[int, bytes]:
    """Send raw request bytes; the status and the whole answer."""
    with socket.create_connection((host, port), timeout=10) as connection:
        connection.sendall(request)
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    return int(data.split(b" ", 2)[1]), data


def get(port: int, path: str, host_header: str | None = None) -> tuple[int, str]:
    """GET with this Host header value (default: the one a browser sends for our address)."""
    host = f"127.0.0.1:{port}" if host_header is None else host_header
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    status, data = exchange(port, request.encode())
    return status, data.decode("utf-8", "replace")


def body_of(page: str) -> str:
    return page.split("\r\n\r\n", 1)[1]


@pytest.fixture
def served(site: Path) -> Iterator[DevServer]:
    write_site(
        site,
        {
            "content/one.md": article(
                "First title", "2026-10-01T09:00:00", "Body one.", slug="first-title"
            ),
            "content/a-draft.md": article("A draft", "2026-10-03", "Draft body.", draft="true"),
        },
        config=f'title = "Dev"\nbase_url = "https://example.org/digest/"\n# {SECRET}\n',
    )
    server = DevServer(site, port=0, quiet=0.05, say=lambda _: None)
    server.start()
    yield server
    server.stop()


# -- 1. DNS rebinding: only local host names are answered --------------------------------


def test_local_host_names_are_answered(served: DevServer) -> None:
    for host in ("localhost", "LOCALHOST", "LocalHost:{port}", "127.0.0.1", "127.0.0.1:{port}",
                 "[::1]", "[::1]:{port}", "[::1]:8000"):  # fmt: skip
        status, page = get(served.port, "/digest/", host.format(port=served.port))
        assert status == 200 and "A draft" in page, host


def test_a_foreign_host_name_is_refused(served: DevServer) -> None:
    hosts = ("evil.example", "evil.example:{port}", "localhost.evil.example",
             "127.0.0.1.nip.io:{port}", "127.0.0.2", "[::2]", "localhost:abc",
             "localhost:{port}:1", "::1", "localhost.", "")  # fmt: skip
    for path in ("/digest/", "/digest/2026/10/03/a-draft/", "/__newsdigest/events"):
        for host in hosts:
            status, page = get(served.port, path, host.format(port=served.port))
            assert status == 421, (host, path, status)
            assert "text/plain" in page and "Misdirected" in body_of(page)
            assert "draft" not in body_of(page).lower() and SECRET not in page
            assert "EventSource" not in page


def test_a_request_without_a_host_header_is_refused(served: DevServer) -> None:
    for request in (b"GET /digest/ HTTP/1.0\r\n\r\n", b"HEAD /digest/ HTTP/1.1\r\n\r\n"):
        status, data = exchange(served.port, request)
        assert status == 421 and b"A draft" not in data


def test_two_host_headers_are_refused(served: DevServer) -> None:
    request = (
        f"GET /digest/ HTTP/1.1\r\nHost: 127.0.0.1:{served.port}\r\nHost: evil.example\r\n\r\n"
    )
    assert exchange(served.port, request.encode())[0] == 421


def test_a_host_in_the_request_target_must_be_local_too(served: DevServer) -> None:
    assert get(served.port, "http://evil.example/digest/")[0] == 421
    assert get(served.port, f"http://localhost:{served.port}/digest/")[0] == 200


def test_the_host_given_with_host_is_answered(site: Path) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01")})
    server = DevServer(site, host="127.0.0.2", port=0, say=lambda _: None)
    server.start()
    try:
        request = f"GET / HTTP/1.1\r\nHost: 127.0.0.2:{server.port}\r\n\r\n".encode()
        assert exchange(server.port, request, host="127.0.0.2")[0] == 200
        request = b"GET / HTTP/1.1\r\nHost: evil.example\r\n\r\n"
        assert exchange(server.port, request, host="127.0.0.2")[0] == 421
    finally:
        server.stop()


def test_listening_on_every_address_answers_ip_addresses_but_no_other_name(site: Path) -> None:
    write_site(site, {"content/a.md": article("A", "2026-10-01")})
    server = DevServer(site, host="0.0.0.0", port=0, say=lambda _: None)
    server.start()
    try:
        # A phone on the same network asks for the laptop's address; a rebinding page cannot
        # make the browser send a bare address, only its own name.
        assert get(server.port, "/", f"192.168.1.20:{server.port}")[0] == 200
        assert get(server.port, "/", "[fe80::1]")[0] == 200
        assert get(server.port, "/", "evil.example")[0] == 421
    finally:
        server.stop()


# -- 2. Idle connections -------------------------------------------------------------------


def test_1000_idle_connections_cost_no_threads_and_pages_still_answer(served: DevServer) -> None:
    threads_before = threading.active_count()
    idle: list[socket.socket] = []
    try:
        for _ in range(1000):  # connect, then say nothing: what a stalled or hostile client does
            idle.append(socket.create_connection(("127.0.0.1", served.port), timeout=10))
        time.sleep(0.3)  # give the server time to accept them all
        started = time.monotonic()
        status, page = get(served.port, "/digest/")
        assert status == 200 and "First title" in page
        assert time.monotonic() - started < 2.0
        assert threading.active_count() - threads_before < 20
    finally:
        for connection in idle:
            connection.close()


def closed_by_server(connection: socket.socket) -> bool:
    try:
        return connection.recv(1024) == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


def test_a_connection_that_does_not_finish_its_request_is_closed(served: DevServer) -> None:
    silent = socket.create_connection(("127.0.0.1", served.port), timeout=0.2)
    dribbling = socket.create_connection(("127.0.0.1", served.port), timeout=0.2)
    dribbling.sendall(b"GET /digest/ HTTP/1.1\r\n")
    started = time.monotonic()
    try:
        # The dribbling client sends a header line every half second, never the blank line:
        # each read succeeds, yet the request as a whole must not take forever.
        while time.monotonic() - started < 12:
            try:
                dribbling.sendall(b"X-Slow: 1\r\n")
            except OSError:
                break
            if closed_by_server(dribbling):
                break
            time.sleep(0.3)
        assert time.monotonic() - started < 10, "a slow request head was never cut off"
        wait_for(lambda: closed_by_server(silent), timeout=10)
        assert time.monotonic() - started < 10
        assert get(served.port, "/digest/")[0] == 200
    finally:
        silent.close()
        dribbling.close()


def test_the_event_stream_outlives_the_request_timeout(served: DevServer) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", served.port, timeout=60)
    connection.request("GET", "/__newsdigest/events")
    response = connection.getresponse()
    events: list[str] = []

    def read() -> None:
        try:
            for raw in response:
                if raw.startswith(b"event: "):
                    events.append(raw.decode().strip().removeprefix("event: "))
        except (OSError, ValueError):
            pass

    threading.Thread(target=read, daemon=True).start()
    wait_for(lambda: served.events.clients)
    time.sleep(7)  # longer than a request may take to arrive
    (served.site_dir / "content/one.md").write_text(article("Later", "2026-10-01T09:00:00"))
    wait_for(lambda: "reload" in events)
    connection.close()


# -- 3. Replaced input folders ---------------------------------------------------------------


def page_says(server: DevServer, path: str, text: str) -> bool:
    status, page = get(server.port, path)
    return status == 200 and text in page


def test_content_deleted_and_made_again_is_still_watched(served: DevServer) -> None:
    content = served.site_dir / "content"
    shutil.rmtree(content)
    content.mkdir()
    (content / "one.md").write_text(
        article("Made again", "2026-10-01T09:00:00", "Again.", slug="made-again")
    )
    wait_for(lambda: page_says(served, "/digest/2026/10/01/made-again/", "Again."))
    time.sleep(0.3)
    (content / "one.md").write_text(
        article("Saved later", "2026-10-01T09:00:00", "Later.", slug="saved-later")
    )
    wait_for(lambda: page_says(served, "/digest/2026/10/01/saved-later/", "Later."))
    assert get(served.port, "/digest/2026/10/03/a-draft/")[0] == 404  # gone with the old folder


def test_content_swapped_with_mv_is_still_watched(served: DevServer) -> None:
    site = served.site_dir
    (site / "content.new").mkdir()
    (site / "content.new/one.md").write_text(
        article("Swapped in", "2026-10-01T09:00:00", "New.", slug="swapped-in")
    )
    os.rename(site / "content", site / "content.old")
    os.rename(site / "content.new", site / "content")
    wait_for(lambda: page_says(served, "/digest/2026/10/01/swapped-in/", "New."))
    assert get(served.port, "/digest/2026/10/03/a-draft/")[0] == 404  # left in content.old
    time.sleep(0.3)
    (site / "content/one.md").write_text(
        article("Saved after", "2026-10-01T09:00:00", "After.", slug="saved-after")
    )
    wait_for(lambda: page_says(served, "/digest/2026/10/01/saved-after/", "After."))
    # The old folder is no input any more: editing it changes nothing.
    rebuilds = served.rebuilds
    (site / "content.old/a-draft.md").write_text(article("Old", "2026-10-03", draft="true"))
    time.sleep(0.5)
    assert served.rebuilds == rebuilds


def test_static_swapped_with_mv_is_still_watched(served: DevServer) -> None:
    site = served.site_dir
    (site / "static").mkdir()
    (site / "static/extra.css").write_text("p { color: red }")
    wait_for(lambda: page_says(served, "/digest/extra.css", "red"))
    (site / "static.new").mkdir()
    (site / "static.new/extra.css").write_text("p { color: green }")
    os.rename(site / "static", site / "static.old")
    os.rename(site / "static.new", site / "static")
    wait_for(lambda: page_says(served, "/digest/extra.css", "green"))
    time.sleep(0.3)
    (site / "static/extra.css").write_text("p { color: blue }")
    wait_for(lambda: page_says(served, "/digest/extra.css", "blue"))


class Batches:
    """A watcher's batches, as they come."""

    def __init__(self, site: Path) -> None:
        self.seen: list[set[Path]] = []
        self.watcher = Watcher(
            site,
            [site / "content", site / "templates", site / "static"],
            site / "pyproject.toml",
            self.seen.append,
            quiet=0.05,
            say=lambda _: None,
        )

    def any_has(self, path: Path) -> bool:
        return any(path in batch for batch in self.seen)


def test_a_replaced_input_folder_is_reported_as_the_site_folder(site: Path) -> None:
    write_site(site, {"content/a.md": "x", "static/s.css": "p {}"})
    batches = Batches(site)
    try:
        shutil.rmtree(site / "content")
        wait_for(lambda: batches.any_has(site), timeout=10)
        batches.seen.clear()
        os.rename(site / "static", site / "elsewhere")  # moved away
        wait_for(lambda: batches.any_has(site), timeout=10)
        batches.seen.clear()
        (site / "templates").mkdir()  # a folder that was not there at the start
        wait_for(lambda: batches.any_has(site), timeout=10)
        batches.seen.clear()
        time.sleep(0.2)
        (site / "templates/day.html").write_text("day")
        wait_for(lambda: batches.any_has(site / "templates/day.html"), timeout=10)
    finally:
        batches.watcher.stop()


def test_lost_file_events_are_reported_as_the_site_folder(site: Path) -> None:
    write_site(site, {"content/a.md": "x"})
    batches = Batches(site)
    try:
        # The kernel's event queue overflowed: watchdog can only say so in its log.
        logging.getLogger("watchdog.observers.inotify_c").warning(
            "Inotify queue overflowed; filesystem events were lost"
        )
        wait_for(lambda: batches.any_has(site), timeout=10)
    finally:
        batches.watcher.stop()


# -- 4. A quiet stop --------------------------------------------------------------------------


def test_stopping_the_watcher_while_files_change_logs_nothing(
    site: Path, caplog: pytest.LogCaptureFixture
) -> None:
    write_site(site, {"content/a.md": "x"})
    done = threading.Event()

    def churn() -> None:
        number = 0
        while not done.is_set():
            (site / f"content/{number % 20}.md").write_text("x")
            number += 1

    threading.Thread(target=churn, daemon=True).start()
    try:
        with caplog.at_level(logging.WARNING):
            for _ in range(30):
                watcher = Watcher(
                    site, [site / "content"], site / "pyproject.toml", lambda _: None,
                    say=lambda _: None,
                )  # fmt: skip
                time.sleep(0.03)
                watcher.stop()
    finally:
        done.set()
    assert [r.getMessage() for r in caplog.records if r.name.startswith("watchdog")] == []


# -- 5. Nothing outside the output folder ------------------------------------------------------


def test_encoded_traversal_never_leaves_the_output(served: DevServer) -> None:
    targets = [
        "/digest/../pyproject.toml",
        "/digest/%2e%2e/pyproject.toml",
        "/digest/%2E%2E/%2E%2E/pyproject.toml",
        "/digest/..%2fpyproject.toml",
        "/digest/..%2F..%2Fpyproject.toml",
        "/digest/.%2e/pyproject.toml",
        "/digest/%2e./pyproject.toml",
        "/digest/%252e%252e/pyproject.toml",  # encoded twice
        "/digest/%252e%252e%252fpyproject.toml",
        "/digest/..%252f..%252fpyproject.toml",
        "/digest/%2e%2e%5cpyproject.toml",
        "/digest/..\\pyproject.toml",
        "/digest/%c0%ae%c0%ae/pyproject.toml",  # overlong UTF-8 dots
        "/digest/" + "%2e%2e/" * 12 + "etc/passwd",
        "/digest/%2fetc%2fpasswd",
        "//etc/passwd",
        "/digest/../../pyproject.toml",
        "/digest/%2E%2E%2F%2E%2E%2Fpyproject.toml",
        "/digest/%2e%2e%5c%2e%2e%5cpyproject.toml",
        "/digest//etc/passwd",
        "/etc/passwd",
        "/digest/%00",
        "http://127.0.0.1/digest/../../pyproject.toml",
    ]
    for target in targets:
        status, page = get(served.port, target)
        assert status in (400, 404), (target, status)
        assert SECRET not in page and "root:" not in page


def test_a_symlink_in_the_output_pointing_outside_is_not_found(
    served: DevServer, tmp_path: Path
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET)
    (served.output / "leak.txt").symlink_to(outside / "secret.txt")
    (served.output / "leaked-folder").symlink_to(outside, target_is_directory=True)
    (served.output / "config.toml").symlink_to(served.site_dir / "pyproject.toml")
    for path in ("leak.txt", "leaked-folder/secret.txt", "leaked-folder/", "config.toml"):
        status, page = get(served.port, "/digest/" + path)
        assert status == 404 and SECRET not in page, path
    (served.output / "inside.txt").symlink_to(served.output / "feed.xml")
    assert get(served.port, "/digest/inside.txt")[0] == 200  # within the output: fine


def test_a_404_page_that_is_a_symlink_outside_is_not_sent(
    served: DevServer, tmp_path: Path
) -> None:
    (tmp_path / "secret.html").write_text(f"<body>{SECRET}</body>")
    page = served.output / "404.html"
    page.unlink()
    page.symlink_to(tmp_path / "secret.html")
    status, answer = get(served.port, "/digest/nowhere/")
    assert status == 404 and SECRET not in answer
