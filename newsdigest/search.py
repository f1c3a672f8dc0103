"""The search index: Pagefind, run over the new article pages before they are committed.

Pagefind (the `pagefind[bin]` wheel ships its binary; nothing is downloaded at run time) is
given the new article pages (staged when they changed, else from the current output), and the
bundle it hands back is staged like any page: all or nothing, and unchanged bundle files are
not rewritten. The build runs this only when an article page changed since the last index.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
import re
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cbor2

from newsdigest.config import Config
from newsdigest.errors import Problem
from newsdigest.output import Transaction

BUNDLE = "pagefind"
# Pagefind's ready-made UIs; our search page uses pagefind.js with its own small script.
_UNUSED = re.compile(r"^pagefind-(?:component-ui|modular-ui|ui|highlight)\.(?:js|css)$")


@dataclass(frozen=True, slots=True)
class SearchIndex:
    files: frozenset[str]  # every bundle file of the new site
    changed: frozenset[str]  # those staged because their bytes changed
    problems: tuple[Problem, ...] = ()


def pagefind_executable() -> Path | None:
    try:
        import pagefind_bin
    except ImportError:
        return None
    try:
        return Path(pagefind_bin.get_executable())
    except (FileNotFoundError, OSError):
        return None


class Cancelled(Exception):
    """The caller no longer wants this index (the dev server has a newer edit to build)."""


def index_articles(
    article_files: Sequence[str],
    transaction: Transaction,
    config: Config,
    cancelled: Callable[[], bool] = lambda: False,
) -> SearchIndex:
    """Stage the Pagefind bundle for these article pages (files relative to the output)."""
    executable = pagefind_executable()
    if executable is None:
        warning = Problem(
            "search/",
            "search index not built: the Pagefind binary is missing",
            hint='pip install "pagefind[bin]"',
            severity="warning",
        )
        return SearchIndex(frozenset(), frozenset(), (warning,))
    try:
        with PagefindService(executable) as service:
            index = service.new_index({"force_language": config.language.split("-")[0]})
            # One page at a time, in order: the same pages give the same index.
            for name in sorted(article_files):
                if cancelled():
                    raise Cancelled
                url = "/" + name.removesuffix("index.html")
                html = transaction.staged_file(name).read_text(encoding="utf-8")
                service.add_file(index, url, html)
            bundle = canonical_filters(service.get_files(index))
    except (OSError, ValueError, LookupError, PagefindError) as error:
        problem = Problem("search/", f"Pagefind failed: {error}")
        return SearchIndex(frozenset(), frozenset(), (problem,))
    files: set[str] = set()
    staged: set[str] = set()
    for relative, data in sorted(bundle.items()):
        if _UNUSED.match(relative):
            continue
        name = f"{BUNDLE}/{relative}"
        files.add(name)
        if transaction.put(name, data):
            staged.add(name)
    return SearchIndex(frozenset(files), frozenset(staged))


def canonical_filters(bundle: dict[str, bytes]) -> dict[str, bytes]:
    """Pagefind's bundle with the filter files' values sorted, so it is deterministic.

    Pagefind writes the filters, and each filter's values, in the order of a Rust HashMap,
    which is seeded at random per process: the filter files, and through their names the
    metadata file and pagefind-entry.json, change on every run although nothing else does.
    Sorting them and naming the files after their new content gives the same bytes for the
    same pages.
    """
    bundle = dict(bundle)
    entry = json.loads(bundle["pagefind-entry.json"])
    for language in entry["languages"].values():
        meta_name = f"pagefind.{language['hash']}.pf_meta"
        meta = _unpack(bundle.pop(meta_name))
        prefix = language["hash"].split("_")[0]
        for reference in meta[3]:  # [[filter name, file hash], ...]
            name, values = _unpack(bundle.pop(f"filter/{reference[1]}.pf_filter"))
            data = _pack([name, sorted(values, key=lambda value: value[0])])
            reference[1] = f"{prefix}_{hashlib.sha256(data).hexdigest()[:7]}"
            bundle[f"filter/{reference[1]}.pf_filter"] = data
        meta[3].sort(key=lambda reference: reference[0])
        data = _pack(meta)
        language["hash"] = f"{prefix}_{hashlib.sha256(data).hexdigest()[:10]}"
        bundle[f"pagefind.{language['hash']}.pf_meta"] = data
    text = json.dumps(entry, ensure_ascii=False, separators=(",", ":"))
    bundle["pagefind-entry.json"] = text.encode("utf-8")
    return bundle


_PACKED = b"pagefind_dcd"  # Pagefind's files: gzip of this marker and a CBOR document


def _unpack(packed: bytes) -> Any:
    data = gzip.decompress(packed)
    if not data.startswith(_PACKED):
        raise PagefindError("unexpected file format in the Pagefind bundle")
    return cbor2.loads(data[len(_PACKED) :])


def _pack(document: Any) -> bytes:
    return gzip.compress(_PACKED + cbor2.dumps(document), mtime=0)


class PagefindError(Exception):
    """Pagefind answered a request with an error."""


class PagefindService:
    """Pagefind's `--service` protocol: base64 JSON messages ended by commas over stdin/stdout.

    The `pagefind` Python package speaks it too, but polls for each answer every 100 ms, which
    is most of a second per ten articles; here each request waits for its answer directly.
    Pages are added one by one in a fixed order because `pagefind --site` indexes in parallel
    and numbers pages in whatever order they finish, which changes the bytes of every build.
    """

    def __init__(self, executable: Path) -> None:
        self.executable = executable
        self.next_id = 0
        self.buffer = b""

    def __enter__(self) -> PagefindService:
        self.process = subprocess.Popen(
            [str(self.executable), "--service"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            if stream is not None:
                stream.close()

    def request(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.next_id += 1
        message = {"message_id": self.next_id, "payload": payload}
        assert self.process.stdin is not None
        self.process.stdin.write(base64.b64encode(json.dumps(message).encode("utf-8")) + b",")
        self.process.stdin.flush()
        while True:
            message = self._read_message()
            try:
                answer = json.loads(base64.b64decode(message, validate=True))
            except ValueError:  # (binascii.Error is one) not a message: log noise, skip it
                continue
            if not isinstance(answer, dict) or answer.get("message_id") not in (self.next_id, None):
                continue
            response = answer["payload"]
            if response.get("type") == "Error":
                raise PagefindError(response.get("message", "unknown error"))
            return response

    def _read_message(self) -> bytes:
        """One comma-ended message. The bundle arrives as one message of tens of megabytes,
        so chunks are collected in a list and joined once, not appended to one another."""
        assert self.process.stdout is not None
        descriptor = self.process.stdout.fileno()
        chunks = [self.buffer]
        end = self.buffer.find(b",")
        while end < 0:
            chunk = os.read(descriptor, 1 << 20)
            if not chunk:
                raise PagefindError("the Pagefind process stopped")
            chunks.append(chunk)
            end = chunk.find(b",")
        data = b"".join(chunks)
        message, _, self.buffer = data.partition(b",")
        return message

    def new_index(self, config: dict[str, Any]) -> int:
        return int(self.request({"type": "NewIndex", "config": config})["index_id"])

    def add_file(self, index: int, url: str, html: str) -> None:
        self.request(
            {"type": "AddFile", "index_id": index, "url": url, "file_contents": html,
             "file_path": None}
        )  # fmt: skip

    def get_files(self, index: int) -> dict[str, bytes]:
        """The whole bundle, in memory: no files written behind our back."""
        answer = self.request({"type": "GetFiles", "index_id": index})
        return {file["path"]: base64.b64decode(file["content"]) for file in answer["files"]}
