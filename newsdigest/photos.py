"""Make the planned copies of images (pictures.Rendition) into the build's transaction.

Each source image is read once and decoded at most once for all of its copies that are due.
A copy that any earlier build made comes from the image cache instead, under a key made of
the hash of the source's bytes, the width and imaging.ENCODING: an image is never resized
twice, whichever output folder it is built into. Many images are made over the worker
processes, as pages are rendered.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path

from newsdigest.cache import ImageCache
from newsdigest.errors import Problem
from newsdigest.imaging import ENCODING, Copy, ImageError, digest_of, make_copies, probe
from newsdigest.output import Transaction
from newsdigest.pictures import Rendition
from newsdigest.workers import Batch, in_batches

# Images (not copies) below which making them here costs less than starting workers.
PARALLEL_IMAGES = 24
_SETTINGS = hashlib.sha256(ENCODING.encode()).hexdigest()[:12]


@dataclass(frozen=True, slots=True)
class Made:
    changed: tuple[str, ...]  # staged: their bytes differ from the output's
    kept: tuple[str, ...]  # made (or taken from the cache) to the bytes the output holds
    resized: int  # copies decoded and encoded in this build, not taken from the cache
    problems: tuple[Problem, ...]


def cache_key(digest: str, width: int) -> str:
    return f"{digest}-{width}-{_SETTINGS}"


def make_renditions(
    renditions: Sequence[Rendition],
    cache: ImageCache,
    transaction: Transaction,
    site_dir: Path,
    jobs: int,
) -> Made:
    """Put each rendition's bytes into the transaction; every problem, naming the image."""
    groups = [list(group) for _, group in groupby(renditions, key=lambda r: r.source)]

    def work(batch: Batch) -> Made:
        changed: list[str] = []
        kept: list[str] = []
        problems: list[Problem] = []
        resized = 0
        for group in groups[batch[1] : batch[2]]:
            try:
                made, count = _made(group, cache)
            except (OSError, ImageError) as error:
                problems.append(_problem(group[0].source, site_dir, error))
                continue
            resized += count
            for rendition, data in zip(group, made, strict=True):
                (changed if transaction.put(rendition.url, data) else kept).append(rendition.url)
        return Made(tuple(changed), tuple(kept), resized, tuple(problems))

    results = list(in_batches(work, [len(groups)], jobs, threshold=PARALLEL_IMAGES))
    for result in results:
        transaction.adopt(result.changed, result.kept)  # from a worker: the parent notes
    return Made(
        tuple(url for result in results for url in result.changed),
        tuple(url for result in results for url in result.kept),
        sum(result.resized for result in results),
        tuple(problem for result in results for problem in result.problems),
    )


def _made(group: list[Rendition], cache: ImageCache) -> tuple[list[bytes], int]:
    """The bytes of each rendition of one image, and how many were made rather than found."""
    data = group[0].source.read_bytes()
    digest = digest_of(data)
    picture = group[0].picture
    if picture.digest != digest:  # changed since its header was read: read it again
        picture = probe(data)
    found = {r.width: cache.get(cache_key(digest, r.width)) for r in group}
    missing = tuple(Copy(width, picture.format) for width, bytes_ in found.items() if not bytes_)
    if missing:
        for copy, made in zip(missing, make_copies(data, picture, missing), strict=True):
            found[copy.width] = made
            cache.put(cache_key(digest, copy.width), made)
    return [found[r.width] or b"" for r in group], len(missing)


def _problem(source: Path, site_dir: Path, error: Exception) -> Problem:
    name = (
        source.relative_to(site_dir).as_posix() if source.is_relative_to(site_dir) else str(source)
    )
    if isinstance(error, OSError):
        return Problem(name, f"cannot read: {error.strerror or error}")
    return Problem(
        name,
        f"image cannot be published: {error}",
        hint="open it in an image editor and save it again, or remove it",
    )
