"""`serve`: build, serve the output over HTTP, watch, rebuild what changed, reload the browser.

The site is built into `.newsdigest-cache/serve/` (drafts included unless --no-drafts), never
into `public/`, so a preview never ends up published. Its base_url is the local address plus
the site's own base path, so a site published under `/digest/` is previewed under `/digest/`.

Live reload uses Server-Sent Events at `/__newsdigest/events`. A small script is added to HTML
responses as they are sent; the files on disk never contain it. While the last rebuild failed,
HTML responses also carry an overlay with the errors, and the last good site stays served.

The server answers only to the host names of this machine (`Hosts`), never sends a file from
outside the output folder, and spends a thread on a connection only once its request has
arrived (`_Server`).
"""

from __future__ import annotations

import contextlib
import errno
import html
import http.server
import io
import ipaddress
import json
import mimetypes
import posixpath
import queue
import re
import selectors
import socket
import string
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from newsdigest.articles import Selection
from newsdigest.config import CONFIG_FILE, load_config
from newsdigest.errors import BuildFailed, Cancelled, Problem, UsageError
from newsdigest.pipeline import BuildReport
from newsdigest.preview import Preview
from newsdigest.theme import base_path
from newsdigest.watch import QUIET_SECONDS, Watcher

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

EVENTS = "/__newsdigest/events"
LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "[::1]"})
EVERY_ADDRESS = frozenset({"", "0.0.0.0", "::"})
REQUEST_SECONDS = 5.0  # a connection has this long to send its request line and headers
MAX_WAITING = 256  # connections still sending their request; beyond it the oldest is closed
HEAD_LIMIT = 64 * 1024  # bytes of request line and headers; browsers send a few hundred
KEEP_ALIVE_SECONDS = 15.0  # an event stream sends a comment this often, to notice closed tabs
STREAM_SECONDS = 60.0  # an event stream whose client takes longer to accept a write is closed
SEARCH_DELAY = 1.0  # seconds without edits before the search index is refreshed
TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".svg": "image/svg+xml",
    ".wasm": "application/wasm",
    ".pagefind": "application/octet-stream",
    ".pf_meta": "application/octet-stream",
    ".pf_index": "application/octet-stream",
    ".pf_fragment": "application/octet-stream",
    ".pf_filter": "application/octet-stream",
}
OVERLAY_STYLE = (
    "position:fixed;inset:auto 0 0 0;max-height:60vh;overflow:auto;z-index:2147483647;"
    "background:#1b1b1b;color:#fff;font:14px/1.5 ui-monospace,monospace;"
    "padding:1rem 1.25rem;border-top:4px solid #e5484d;white-space:pre-wrap"
)
NOTICE = "newsdigest: the last save did not build; this is the last good page."
RELOAD_SCRIPT = string.Template("""<script>(() => {
  const events = new EventSource("$events");
  const overlay = (problems) => {
    let box = document.getElementById("newsdigest-errors");
    if (!problems.length) { if (box) box.remove(); return; }
    if (!box) {
      box = document.createElement("div");
      box.id = "newsdigest-errors";
      box.setAttribute("role", "alert");
      box.style.cssText = "$style";
      document.body.append(box);
    }
    box.textContent = "$notice\\n\\n" + problems.join("\\n");
  };
  events.addEventListener("reload", () => location.reload());
  events.addEventListener("css", () => {
    for (const link of document.querySelectorAll('link[rel="stylesheet"]')) {
      const url = new URL(link.href); url.searchParams.set("v", Date.now()); link.href = url;
    }
  });
  events.addEventListener("problems", (event) => overlay(JSON.parse(event.data)));
})();</script>
""").substitute(events=EVENTS, style=OVERLAY_STYLE, notice=NOTICE)


NOT_BUILT = b"<!doctype html><title>Not found</title><body><h1>Not found</h1></body>"


class Broadcaster:
    """The open event streams; each gets every event through its own queue."""

    def __init__(self) -> None:
        self.clients: list[queue.Queue[tuple[str, str] | None]] = []
        self.lock = threading.Lock()
        self.sent: list[str] = []  # event names, for tests and the latency benchmark

    def subscribe(self) -> queue.Queue[tuple[str, str] | None]:
        client: queue.Queue[tuple[str, str] | None] = queue.Queue()
        with self.lock:
            self.clients.append(client)
        return client

    def unsubscribe(self, client: queue.Queue[tuple[str, str] | None]) -> None:
        with self.lock:
            if client in self.clients:
                self.clients.remove(client)

    def send(self, event: str, data: str = "{}") -> None:
        with self.lock:
            self.sent.append(event)
            for client in self.clients:
                client.put((event, data))

    def close(self) -> None:
        with self.lock:
            for client in self.clients:
                client.put(None)


class DevServer:
    """The dev build, the HTTP server and the watcher, tied together."""

    def __init__(
        self,
        site_dir: Path,
        host: str = "127.0.0.1",
        port: int = 8000,
        drafts: bool = True,
        future: bool = False,
        quiet: float = QUIET_SECONDS,
        say: Callable[[str], None] = print,
        jobs: int = 1,
        search: bool = True,
    ) -> None:
        self.site_dir = site_dir.resolve()
        self.say = say
        self.events = Broadcaster()
        self.problems: list[Problem] = []
        self.lock = threading.Lock()  # one rebuild, or search index, at a time
        self.stop_search = threading.Event()
        self.rebuilds = 0
        self.last_rebuild_seconds = 0.0
        self.httpd, self.port = bind(host, port, self._handler())
        if port and self.port != port:
            say(f"Port {port} is taken; using {self.port}.")
        config = load_config(self.site_dir)
        self.prefix = base_path(config.base_url)
        self.output = config.cache_dir / "serve"
        self.address = f"http://{host}:{self.port}{self.prefix}"
        self.preview = Preview(
            self.site_dir,
            self.output,
            overrides={"base_url": self.address} | ({} if search else {"search": False}),
            selection=Selection(drafts=drafts, future=future),
            jobs=jobs,
        )
        self.built = False  # a good build has been served
        self.search_pending = False
        self.quiet = quiet
        self.watcher: Watcher | None = None
        self.serving = False
        self.batches: queue.Queue[set[Path] | None] | None = None

    def start(self, build_here: bool = False) -> None:
        """Build once, then serve and watch in background threads.

        With `build_here`, rebuilds wait for `run_builds` in the calling (main) thread, the
        only one where the per-article time limit can stop a runaway Markdown render; else
        they run in the watcher's thread.
        """
        if build_here:
            self.batches = queue.Queue()
        self._rebuild(None)
        config = self.preview.config or load_config(self.site_dir)
        self.watcher = Watcher(
            self.site_dir,
            [config.content_dir, config.templates_dir, config.static_dir, config.locale_dir],
            self.site_dir / CONFIG_FILE,
            self._rebuild if self.batches is None else self.batches.put,
            quiet=self.quiet,
            say=self.say,
        )
        threading.Thread(
            target=self.httpd.serve_forever, name="newsdigest-http", daemon=True
        ).start()
        self.serving = True
        self.say(f"Serving {self.address} (Ctrl-C to stop)")

    def run_builds(self) -> None:
        """Rebuild for each batch the watcher hands over, until interrupted (Ctrl-C)."""
        assert self.batches is not None, "start(build_here=True) first"
        while True:
            try:
                changed = self.batches.get(timeout=0.5)  # wakes up for Ctrl-C
            except queue.Empty:
                continue
            while not self.batches.empty():  # what piled up during a long rebuild: once
                more = self.batches.get()
                changed = None if changed is None or more is None else changed | more
            self._rebuild(changed)

    def stop(self) -> None:
        self.stop_search.set()
        with self.lock, contextlib.suppress(Exception):
            self.preview.save()  # for the next serve to start from
        if self.watcher:
            self.watcher.stop()
        self.events.close()
        if self.serving:  # shutdown() waits for a loop that must have started
            self.httpd.shutdown()
        self.httpd.server_close()

    def _rebuild(self, changed: set[Path] | None) -> None:
        self.stop_search.set()  # a search index in the making is out of date: stop it
        with self.lock:
            self.stop_search.clear()
            self._rebuild_now(changed)
        threading.Thread(target=self._index_when_idle, daemon=True).start()

    def _index_when_idle(self) -> None:
        """Refresh the search index once edits pause, and work out what the next edit of an
        article needs (Preview.prepare); a new edit stops it and goes first.

        The index is built by the same engine into the same transaction as any build: a
        failure leaves the served index as it was and shows the error like any other.
        """
        if self.stop_search.wait(SEARCH_DELAY):
            return
        with self.lock:
            if self.stop_search.is_set():
                return
            try:
                if self.search_pending:
                    self.preview.index(self.stop_search.is_set)
                    self.search_pending = False
                # The first save after a start writes every article (0.6 s at 10,000): an
                # edit meanwhile stops it, and it is done at the next pause.
                warning = self.preview.save(self.stop_search.is_set)
                if not self.stop_search.is_set():
                    self.preview.prepare()
            except Cancelled:
                return
            except BuildFailed as failure:
                self._show(list(failure.problems))
                return
            if warning is not None:
                self.say(str(warning))

    def _rebuild_now(self, changed: set[Path] | None) -> None:
        self.rebuilds += 1
        try:
            result = self.preview.rebuild(changed)
        except BuildFailed as failure:
            self._show(list(failure.problems))
            return
        except UsageError as error:
            self._show([Problem(CONFIG_FILE, str(error))])
            return
        self.built = True
        self.search_pending = result.search_pending
        self.last_rebuild_seconds = result.seconds
        recovered = bool(self.problems)
        self.problems = []
        for warning in result.warnings:
            self.say(str(warning))
        if changed is not None:
            self.say(
                f"Rebuilt {result.rendered} pages, {result.written} files written, "
                f"{result.removed} removed in {result.seconds * 1000:.0f} ms"
            )
        kind = reload_kind(changed, result, recovered)
        if kind != "none":
            self.events.send(kind)

    def _show(self, problems: list[Problem]) -> None:
        """Print the problems and overlay them on the served pages."""
        self.problems = problems
        lines = [str(p) for p in problems]
        for line in lines:
            self.say(line)
        if self.built:
            self.say("The last good site is still served.")
        else:
            self.say("No site could be built yet; fix the errors above and save again.")
        self.events.send("problems", json.dumps(lines))

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        server = self

        class Handler(_Handler):
            dev = server

        return Handler


def reload_kind(changed: set[Path] | None, report: BuildReport, recovered: bool) -> str:
    """How open tabs refresh: "css" swaps stylesheets when only they changed, "reload"
    reloads, "none" when the build changed no file (and no error overlay is to be cleared)."""
    if recovered:
        return "reload"
    if not report.written and not report.removed:
        return "none"
    only_css = bool(changed) and all(path.suffix == ".css" for path in changed or ())
    return "css" if only_css else "reload"


@dataclass(frozen=True)
class Hosts:
    """The host names the server answers to: its defence against DNS rebinding.

    A page on another site can make its own name point at 127.0.0.1 once the browser has loaded
    it ("DNS rebinding") and then read this preview, drafts included, as if it were its own site.
    The browser still sends that site's name in the Host header, so a request is answered only if
    its Host names this machine: localhost, 127.0.0.1, [::1] or the --host given, with or without
    a port. When the server listens on every address (--host 0.0.0.0), a bare IP address is also
    fine, so a phone on the same network can open the preview: a rebinding page can only make
    the browser send its own name, never an address.
    """

    names: frozenset[str]
    any_address: bool

    @classmethod
    def for_host(cls, host: str) -> Hosts:
        name = host.strip().lower()
        if ":" in name and not name.startswith("["):
            name = f"[{name}]"  # how an IPv6 address appears in a Host header
        return cls(LOCAL_NAMES | {name}, host.strip() in EVERY_ADDRESS)

    def allow(self, value: str) -> bool:
        name = _host_name(value)
        if name is None:
            return False
        if name in self.names:
            return True
        return self.any_address and _is_address(name)


_PORT = re.compile(r":[0-9]{1,5}")


def _host_name(value: str) -> str | None:
    """The lower-case name in a Host header value, without its port; None if malformed."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]") + 1
        if end == 0:
            return None
        name, rest = value[:end], value[end:]
    else:
        name, colon, port = value.partition(":")
        rest = colon + port
    if not name or (rest and not _PORT.fullmatch(rest)):
        return None
    return name


def _is_address(name: str) -> bool:
    try:
        ipaddress.ip_address(name.removeprefix("[").removesuffix("]"))
    except ValueError:
        return False
    return True


@dataclass
class _Waiting:
    """A connection whose request head has not all arrived yet."""

    connection: socket.socket
    address: Any  # what accept() gives: (host, port) for IPv4
    deadline: float
    head: bytearray = field(default_factory=bytearray)


_HEAD_END = re.compile(rb"\r?\n\r?\n")
_TOO_LARGE = b"HTTP/1.0 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n\r\n"


class _Doorway:
    """Holds accepted connections, in one thread, until their request head has arrived.

    A connection that has not sent its whole head (request line and headers, up to the blank
    line) within REQUEST_SECONDS of being accepted is closed, however slowly it keeps sending;
    so is the oldest one once more than MAX_WAITING wait, which keeps the process well inside
    its limit of open files. A complete head goes to `arrived` with the bytes read so far.
    """

    def __init__(self, arrived: Callable[[socket.socket, Any, bytes], None]) -> None:
        self.arrived = arrived
        self.selector = selectors.DefaultSelector()
        self.waiting: dict[socket.socket, _Waiting] = {}  # oldest first
        self.incoming: list[tuple[socket.socket, Any]] = []
        self.lock = threading.Lock()
        self.stopped = False
        self.bell, self.ring = socket.socketpair()  # wakes the thread for new connections
        self.bell.setblocking(False)
        self.ring.setblocking(False)
        self.selector.register(self.bell, selectors.EVENT_READ)
        self.thread = threading.Thread(target=self._run, name="newsdigest-doorway", daemon=True)
        self.thread.start()

    def admit(self, connection: socket.socket, address: Any) -> None:
        with self.lock:
            if self.stopped:
                connection.close()
                return
            self.incoming.append((connection, address))
        self._wake()

    def close(self) -> None:
        with self.lock:
            self.stopped = True
        self._wake()
        self.thread.join(timeout=5)
        self.bell.close()
        self.ring.close()

    def _wake(self) -> None:
        with contextlib.suppress(OSError):  # a full buffer: the thread is being woken anyway
            self.ring.send(b"\0")

    def _run(self) -> None:
        try:
            while True:
                with self.lock:
                    if self.stopped:
                        return
                    incoming, self.incoming = self.incoming, []
                for connection, address in incoming:
                    self._wait_for(connection, address)
                for key, _ in self.selector.select(self._until_next_deadline()):
                    if key.fileobj is self.bell:
                        with contextlib.suppress(OSError):
                            self.bell.recv(4096)
                    else:
                        self._read(key.data)
                self._expire()
        finally:
            for waiting in list(self.waiting.values()):
                self._drop(waiting)
            for connection, _ in self.incoming:
                connection.close()
            self.selector.close()

    def _wait_for(self, connection: socket.socket, address: Any) -> None:
        waiting = _Waiting(connection, address, time.monotonic() + REQUEST_SECONDS)
        try:
            connection.setblocking(False)
            self.selector.register(connection, selectors.EVENT_READ, waiting)
        except (OSError, ValueError):
            connection.close()
            return
        self.waiting[connection] = waiting
        while len(self.waiting) > MAX_WAITING:
            self._drop(next(iter(self.waiting.values())))

    def _until_next_deadline(self) -> float | None:
        if not self.waiting:
            return None
        oldest = next(iter(self.waiting.values()))
        return max(0.0, oldest.deadline - time.monotonic())

    def _expire(self) -> None:
        now = time.monotonic()
        while self.waiting:
            oldest = next(iter(self.waiting.values()))
            if oldest.deadline > now:
                return
            self._drop(oldest)

    def _read(self, waiting: _Waiting) -> None:
        try:
            chunk = waiting.connection.recv(HEAD_LIMIT)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(waiting)
            return
        if not chunk:
            self._drop(waiting)  # the client gave up
            return
        start = max(0, len(waiting.head) - 3)
        waiting.head += chunk
        if _HEAD_END.search(waiting.head, start):
            self._forget(waiting)
            try:
                waiting.connection.setblocking(True)
                self.arrived(waiting.connection, waiting.address, bytes(waiting.head))
            except (OSError, RuntimeError):  # gone meanwhile, or no thread to be had
                waiting.connection.close()
        elif len(waiting.head) > HEAD_LIMIT:
            with contextlib.suppress(OSError):
                waiting.connection.send(_TOO_LARGE)
            self._drop(waiting)

    def _forget(self, waiting: _Waiting) -> None:
        del self.waiting[waiting.connection]
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(waiting.connection)

    def _drop(self, waiting: _Waiting) -> None:
        self._forget(waiting)
        waiting.connection.close()


class _Server(http.server.HTTPServer):
    """The HTTP server: a thread for each request that has arrived, none for idle connections.

    A thread per connection (ThreadingHTTPServer) lets anyone who opens connections and sends
    nothing make threads without bound: 1,000 idle connections made 1,007 threads. A fixed pool of
    threads is no cure: idle connections (and the long-lived event streams) would fill it, and a
    page load would wait behind them. So connections wait in the `_Doorway`, one thread for all
    of them, costing a file descriptor each; one that has not sent its request within
    REQUEST_SECONDS is closed, and so is the oldest beyond MAX_WAITING. A request whose head has
    arrived gets a thread that answers it at once (its head is already in memory) and ends; the
    socket timeout bounds a client that stops reading the answer. Threads therefore follow the
    requests being answered and the open event streams, never the connections.
    """

    request_queue_size = 128  # a page with many assets opens many connections at once

    def __init__(
        self,
        address: tuple[str, int],
        handler: type[http.server.BaseHTTPRequestHandler],
        hosts: Hosts,
    ) -> None:
        self.hosts = hosts
        self.heads: dict[socket.socket, bytes] = {}
        self.heads_lock = threading.Lock()
        self.doorway = _Doorway(self._arrived)
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        self.doorway.admit(request, client_address)

    def take_head(self, connection: socket.socket) -> bytes:
        with self.heads_lock:
            return self.heads.pop(connection, b"")

    def _arrived(self, connection: socket.socket, address: Any, head: bytes) -> None:
        with self.heads_lock:
            self.heads[connection] = head
        threading.Thread(
            target=self._respond, args=(connection, address), name="newsdigest-request", daemon=True
        ).start()

    def _respond(self, connection: socket.socket, address: Any) -> None:
        try:
            self.finish_request(connection, address)
        except Exception:
            self.handle_error(connection, address)
        finally:
            self.take_head(connection)
            self.shutdown_request(connection)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # the browser went away or stopped reading: nothing to report
        super().handle_error(request, client_address)

    def server_close(self) -> None:
        super().server_close()
        self.doorway.close()


def bind(
    host: str, port: int, handler: type[http.server.BaseHTTPRequestHandler]
) -> tuple[_Server, int]:
    """The server on `port`, or on the next free port of the following twenty."""
    for candidate in range(port, port + 21):
        try:
            httpd = _Server((host, candidate), handler, Hosts.for_host(host))
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES) and port != 0:
                continue
            raise
        return httpd, httpd.server_address[1]
    raise OSError(f"ports {port} to {port + 20} are all taken; choose one with --port")


class _Replay(io.RawIOBase):
    """The request head the doorway already read, then whatever else the socket brings."""

    def __init__(self, head: bytes, connection: socket.socket) -> None:
        super().__init__()
        self.head = memoryview(head)
        self.connection = connection

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        target = memoryview(buffer).cast("B")
        if self.head:
            size = min(len(target), len(self.head))
            target[:size] = self.head[:size]
            self.head = self.head[size:]
            return size
        return self.connection.recv_into(target)


class _Handler(http.server.BaseHTTPRequestHandler):
    dev: DevServer
    server: _Server
    server_version = "newsdigest"
    timeout = REQUEST_SECONDS  # for the rest of a request, and for each write of an answer

    def setup(self) -> None:
        super().setup()
        self.rfile.close()
        head = self.server.take_head(self.connection)
        self.rfile = io.BufferedReader(_Replay(head, self.connection))

    def log_message(self, format: str, *args: object) -> None:
        pass  # rebuilds are what the terminal should show, not every request

    def do_HEAD(self) -> None:
        if self._host_is_ours():
            self._serve(head=True)

    def do_GET(self) -> None:
        if not self._host_is_ours():
            return
        if urlsplit(self.path).path == EVENTS:
            self._stream_events()
        else:
            self._serve(head=False)

    def _host_is_ours(self) -> bool:
        """True if the request names this machine (see Hosts); else answer 421 and say False."""
        hosts = self.server.hosts
        values = self.headers.get_all("Host") or []
        target = urlsplit(self.path)  # an absolute URL names a host too
        named = not target.scheme or hosts.allow(target.netloc)
        if len(values) == 1 and hosts.allow(values[0]) and named:
            return True
        self._plain(
            421,
            "Misdirected Request: this preview answers only to localhost, 127.0.0.1, [::1] "
            "and the --host it was started with.\n",
        )
        return False

    def _serve(self, head: bool) -> None:
        target = self._resolve()
        if target is None:
            return
        path, status = target
        body = path.read_bytes()
        content_type = TYPES.get(path.suffix) or mimetypes.guess_type(path.name)[0]
        if path.suffix == ".html":
            body = self._decorate(body)
        self.send_response(status)
        self.send_header("Content-Type", content_type or "application/octet-stream")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _resolve(self) -> tuple[Path, int] | None:
        """The file for the request path, or a 301, 400 or 404 answer already sent."""
        raw = urlsplit(self.path).path
        decoded = unquote(raw)
        if "\0" in decoded or "\\" in decoded or not decoded.startswith("/"):
            self._plain(400, "Bad request")
            return None
        segments = decoded.split("/")
        if any(segment in ("..", ".") for segment in segments):
            self._not_found()
            return None
        prefix = self.dev.prefix
        if decoded + "/" == prefix:
            self._redirect(prefix)
            return None
        if not decoded.startswith(prefix):
            if decoded == "/":
                self._redirect(prefix)
            else:
                self._not_found()
            return None
        relative = posixpath.normpath(decoded[len(prefix) :]) if decoded != prefix else ""
        root = self.dev.output.resolve()
        candidate = (root / relative).resolve() if relative not in ("", ".") else root
        if not candidate.is_relative_to(root):
            self._not_found()
            return None
        if candidate.is_dir():
            if not raw.endswith("/"):
                self._redirect(raw + "/")
                return None
            candidate = candidate / "index.html"
        if not candidate.is_file():
            self._not_found()
            return None
        return candidate, 200

    def _not_found(self) -> None:
        root = self.dev.output.resolve()
        page = (root / "404.html").resolve()  # a link out of the output is no 404 page
        body = page.read_bytes() if page.is_relative_to(root) and page.is_file() else NOT_BUILT
        body = self._decorate(body)
        self.send_response(404)
        self.send_header("Content-Type", TYPES[".html"])
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _plain(self, status: int, text: str) -> None:
        body = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _redirect(self, location: str) -> None:
        self.send_response(301)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _decorate(self, body: bytes) -> bytes:
        """The live-reload script, and the error overlay while a rebuild is failing."""
        extra = RELOAD_SCRIPT
        if self.dev.problems:
            listed = "\n".join(html.escape(str(p)) for p in self.dev.problems)
            extra += (
                f'<div id="newsdigest-errors" role="alert" style="{OVERLAY_STYLE}">'
                f"{NOTICE}\n\n{listed}</div>"
            )
        marker = b"</body>"
        index = body.rfind(marker)
        encoded = extra.encode("utf-8")
        return body[:index] + encoded + body[index:] if index >= 0 else body + encoded

    def _stream_events(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        # Nothing more is read from a stream: only a client too slow to take a write ends it.
        self.connection.settimeout(STREAM_SECONDS)
        client = self.dev.events.subscribe()
        try:
            self.wfile.write(b"retry: 500\n\n")
            if self.dev.problems:
                lines = json.dumps([str(p) for p in self.dev.problems])
                self.wfile.write(f"event: problems\ndata: {lines}\n\n".encode())
            self.wfile.flush()
            while True:
                try:
                    item = client.get(timeout=KEEP_ALIVE_SECONDS)
                except queue.Empty:
                    self.wfile.write(b": keep-alive\n\n")  # notices a closed tab
                    self.wfile.flush()
                    continue
                if item is None:
                    return
                event, data = item
                self.wfile.write(f"event: {event}\ndata: {data}\n\n".encode())
                self.wfile.flush()
        except (TimeoutError, BrokenPipeError, ConnectionResetError, OSError):
            return
        finally:
            self.dev.events.unsubscribe(client)


def serve(
    site_dir: Path,
    host: str,
    port: int,
    drafts: bool,
    future: bool,
    say: Callable[[str], None] = print,
    search: bool = True,
) -> int:
    """Run until Ctrl-C; exit status 0."""
    server = DevServer(site_dir, host, port, drafts=drafts, future=future, say=say, search=search)
    try:
        server.start(build_here=True)
        server.run_builds()
    except KeyboardInterrupt:
        say("\nStopped.")
    finally:
        server.stop()
    return 0
