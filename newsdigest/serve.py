"""`serve`: build, serve the output over HTTP, watch, rebuild what changed, reload the browser.

The site is built into `.newsdigest-cache/serve/` (drafts included unless --no-drafts), never
into `public/`, so a preview never ends up published. Its base_url is the local address plus
the site's own base path, so a site published under `/digest/` is previewed under `/digest/`.

Live reload uses Server-Sent Events at `/__newsdigest/events`. A small script is added to HTML
responses as they are sent; the files on disk never contain it. While the last rebuild failed,
HTML responses also carry an overlay with the errors, and the last good site stays served.
"""

from __future__ import annotations

import errno
import html
import http.server
import json
import mimetypes
import posixpath
import queue
import string
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from newsdigest.articles import Selection
from newsdigest.config import CONFIG_FILE, load_config
from newsdigest.errors import BuildFailed, Problem, UsageError
from newsdigest.pipeline import BuildReport
from newsdigest.preview import Preview
from newsdigest.search import Cancelled
from newsdigest.theme import base_path
from newsdigest.watch import QUIET_SECONDS, Watcher

EVENTS = "/__newsdigest/events"
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
        if self.port != port:
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

    def start(self) -> None:
        """Build once, then serve and watch in background threads."""
        self._rebuild(None)
        config = self.preview.config or load_config(self.site_dir)
        self.watcher = Watcher(
            self.site_dir,
            [config.content_dir, config.templates_dir, config.static_dir],
            self.site_dir / CONFIG_FILE,
            self._rebuild,
            quiet=self.quiet,
            say=self.say,
        )
        threading.Thread(
            target=self.httpd.serve_forever, name="newsdigest-http", daemon=True
        ).start()
        self.say(f"Serving {self.address} (Ctrl-C to stop)")

    def stop(self) -> None:
        self.stop_search.set()
        if self.watcher:
            self.watcher.stop()
        self.events.close()
        self.httpd.shutdown()
        self.httpd.server_close()

    def _rebuild(self, changed: set[Path] | None) -> None:
        self.stop_search.set()  # a search index in the making is out of date: stop it
        with self.lock:
            self.stop_search.clear()
            self._rebuild_now(changed)
        if self.search_pending:
            threading.Thread(target=self._index_when_idle, daemon=True).start()

    def _index_when_idle(self) -> None:
        """Refresh the search index once edits pause; a new edit stops it and goes first.

        The index is built by the same engine into the same transaction as any build: a
        failure leaves the served index as it was and shows the error like any other.
        """
        if self.stop_search.wait(SEARCH_DELAY):
            return
        with self.lock:
            if self.stop_search.is_set():
                return
            try:
                self.preview.index(self.stop_search.is_set)
            except Cancelled:
                return
            except BuildFailed as failure:
                self._show(list(failure.problems))
                return
            self.search_pending = False

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


class _Server(http.server.ThreadingHTTPServer):
    request_queue_size = 128  # a page with many assets opens many connections at once
    daemon_threads = True


def bind(
    host: str, port: int, handler: type[http.server.BaseHTTPRequestHandler]
) -> tuple[http.server.ThreadingHTTPServer, int]:
    """The server on `port`, or on the next free port of the following twenty."""
    for candidate in range(port, port + 21):
        try:
            httpd = _Server((host, candidate), handler)
        except OSError as error:
            if error.errno in (errno.EADDRINUSE, errno.EACCES) and port != 0:
                continue
            raise
        return httpd, httpd.server_address[1]
    raise OSError(f"ports {port} to {port + 20} are all taken; choose one with --port")


class _Handler(http.server.BaseHTTPRequestHandler):
    dev: DevServer
    server_version = "newsdigest"

    def log_message(self, format: str, *args: object) -> None:
        pass  # rebuilds are what the terminal should show, not every request

    def do_HEAD(self) -> None:
        self._serve(head=True)

    def do_GET(self) -> None:
        if urlsplit(self.path).path == EVENTS:
            self._stream_events()
        else:
            self._serve(head=False)

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
        page = self.dev.output / "404.html"
        body = page.read_bytes() if page.is_file() else NOT_BUILT
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
        client = self.dev.events.subscribe()
        try:
            self.wfile.write(b"retry: 500\n\n")
            if self.dev.problems:
                lines = json.dumps([str(p) for p in self.dev.problems])
                self.wfile.write(f"event: problems\ndata: {lines}\n\n".encode())
            self.wfile.flush()
            while True:
                try:
                    item = client.get(timeout=15)
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
        server.start()
        threading.Event().wait()
    except KeyboardInterrupt:
        say("\nStopped.")
    finally:
        server.stop()
    return 0
