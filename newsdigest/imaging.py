"""Raster images through Pillow: read a header, strip metadata, make smaller copies.

The only module that decodes or encodes an image. It works on bytes and returns bytes or
problems, never raises for a bad file: a photo is input like any other, and a damaged one is
a message naming it. Everything it writes is deterministic: fixed quality settings, no
timestamps, no metadata but the colour profile, so the same source gives the same bytes on
every build (see ENCODING).

Privacy: nothing a camera or phone writes about where and with what a photo was taken (EXIF:
GPS position, camera serial number, owner; XMP; IPTC; comments; PNG text) is kept in any copy,
the full-size one included. The EXIF orientation is applied to the pixels first, so that a
photo taken sideways is still shown upright once the tag that turned it is gone.
"""

from __future__ import annotations

import hashlib
import io
import struct
import warnings
from dataclasses import dataclass

import PIL
from PIL import Image, ImageOps

from newsdigest.articles import Picture

# Suffixes of the images published in several sizes; the format each should hold.
RASTER = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".webp": "WEBP"}
# More pixels than this is not decoded (a "decompression bomb": a small file that fills
# gigabytes of memory). Such an image is published at its own size, without smaller copies.
MAX_PIXELS = 100_000_000
# Everything that decides the bytes of a copy: a change of any of them makes every copy anew.
JPEG_QUALITY = 75
WEBP_QUALITY = 75
ENCODING = f"pillow {PIL.__version__}; jpeg q{JPEG_QUALITY} progressive; webp q{WEBP_QUALITY} m4"
_ORIENTATION = 0x0112
_TURNED_SIDEWAYS = (5, 6, 7, 8)


class ImageError(Exception):
    """A raster image that cannot be read or written; the message says why, for a reader."""


def is_raster(name: str) -> bool:
    """True for a file name with one of RASTER's suffixes."""
    dot = name.rfind(".")
    return dot >= 0 and name[dot:].lower() in RASTER


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:32]


def probe(data: bytes) -> Picture:
    """The image's size, format and digest, from its header: its pixels are not decoded.

    Raises ImageError when the bytes are not an image Pillow reads.
    """
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                width, height = image.size
                kind = str(image.format or "")
                orientation = _orientation(image)
                animated = bool(getattr(image, "is_animated", False))
    except Image.DecompressionBombError:
        raise ImageError(f"more than {MAX_PIXELS // 1_000_000} million pixels") from None
    except Exception as error:  # Pillow raises many kinds (OSError, SyntaxError, struct.error)
        raise ImageError(_reason(error)) from None
    if kind not in RASTER.values():
        raise ImageError(f"a {kind or 'file of unknown kind'}, not a JPEG, PNG or WebP image")
    if width < 1 or height < 1:
        raise ImageError("has no pixels")
    turned = orientation not in (0, 1)
    if orientation in _TURNED_SIDEWAYS:
        width, height = height, width
    resizable = width * height <= MAX_PIXELS and not animated
    return Picture(width, height, kind, digest_of(data), turned and resizable, resizable)


def _orientation(image: Image.Image) -> int:
    try:
        value = image.getexif().get(_ORIENTATION, 1)
    except Exception:  # a damaged EXIF block: shown as stored
        return 1
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _reason(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    if text.startswith("cannot identify image file"):
        return "not an image, or a damaged one"
    return text[:120]


@dataclass(frozen=True, slots=True)
class Copy:
    """One file to make from a source image: its width (0: the source's own size)."""

    width: int
    format: str


def make_copies(data: bytes, picture: Picture, copies: tuple[Copy, ...]) -> list[bytes]:
    """The bytes of each copy, in order; ImageError when the image cannot be decoded.

    The full-size copy keeps the source's compressed data when no rotation is needed (only
    metadata is cut out, losslessly); every other copy is decoded once, turned upright and
    resized.
    """
    made: dict[int, bytes] = {}
    if not picture.turned:
        for copy in copies:
            if copy.width == 0:
                stripped = strip_metadata(data, picture.format)
                if stripped is not None:
                    made[0] = stripped
    missing = [copy for copy in copies if copy.width not in made]
    if missing:
        if not picture.resizable:
            raise ImageError("too large to decode, and its metadata cannot be cut out")
        image = _decoded(data)
        for copy in missing:
            made[copy.width] = _encoded(_resized(image, copy.width), copy.format, copy.width == 0)
    return [made[copy.width] for copy in copies]


def _decoded(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as opened:
                icc = opened.info.get("icc_profile")
                upright = ImageOps.exif_transpose(opened)
                upright.load()
    except Exception as error:  # truncated or damaged data shows only when decoded
        raise ImageError(_reason(error)) from None
    image = _plain_mode(upright)
    if icc:
        image.info["icc_profile"] = icc
    return image


def _plain_mode(image: Image.Image) -> Image.Image:
    """A mode every encoder and the resampler handle: palettes and 16-bit greys become RGB(A)."""
    if image.mode in ("RGB", "RGBA", "L", "LA", "CMYK"):
        return image
    transparent = image.mode in ("P", "PA") and "transparency" in image.info
    return image.convert("RGBA" if transparent or image.mode.endswith("A") else "RGB")


def _resized(image: Image.Image, width: int) -> Image.Image:
    if width == 0 or width >= image.width:
        return image
    height = max(1, round(image.height * width / image.width))
    resized = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    resized.info["icc_profile"] = image.info.get("icc_profile")
    return resized


def _encoded(image: Image.Image, kind: str, full: bool) -> bytes:
    out = io.BytesIO()
    icc = image.info.get("icc_profile")
    extra = {"icc_profile": icc} if icc else {}
    if kind == "JPEG":
        if image.mode not in ("RGB", "L", "CMYK"):
            image = image.convert("RGB")
        quality = 90 if full else JPEG_QUALITY  # a full-size copy is re-encoded only to turn it
        image.save(out, "JPEG", quality=quality, optimize=True, progressive=True, **extra)
    elif kind == "PNG":
        if image.mode == "CMYK":
            image = image.convert("RGB")
        image.save(out, "PNG", optimize=True, **extra)
    else:
        if image.mode not in ("RGB", "RGBA"):
            image = image.convert("RGBA" if "A" in image.mode else "RGB")
        image.save(out, "WEBP", quality=WEBP_QUALITY, method=4, **extra)
    return out.getvalue()


# -- metadata cut out of the compressed file, without decoding it ---------------------------


def strip_metadata(data: bytes, kind: str) -> bytes | None:
    """The file without its metadata, its image data untouched; None if it cannot be parsed
    (the caller then re-encodes it)."""
    try:
        if kind == "JPEG":
            return _jpeg_without_metadata(data)
        if kind == "PNG":
            return _png_without_metadata(data)
        if kind == "WEBP":
            return _webp_without_metadata(data)
    except (IndexError, ValueError, struct.error):
        return None
    return None


# JPEG segments kept: JFIF (APP0), the ICC colour profile (APP2), Adobe's colour transform
# (APP14) and everything that is not an application segment or a comment.
_JPEG_DROPPED = {0xE1, *range(0xE3, 0xEE), 0xEF, 0xFE}


def _jpeg_without_metadata(data: bytes) -> bytes | None:
    if data[:2] != b"\xff\xd8":
        return None
    out = bytearray(b"\xff\xd8")
    at = 2
    while at < len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker == 0xFF:  # fill byte
            at += 1
            continue
        if marker == 0xDA:  # start of scan: the compressed data follows, kept as it is
            out += data[at:]
            return bytes(out)
        if marker in (0x01, *range(0xD0, 0xD8)):
            out += data[at : at + 2]
            at += 2
            continue
        (length,) = struct.unpack(">H", data[at + 2 : at + 4])
        if length < 2 or at + 2 + length > len(data):
            return None
        if marker not in _JPEG_DROPPED:
            out += data[at : at + 2 + length]
        at += 2 + length
    return None


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_DROPPED = {b"eXIf", b"tEXt", b"zTXt", b"iTXt", b"tIME"}


def _png_without_metadata(data: bytes) -> bytes | None:
    if not data.startswith(_PNG_SIGNATURE):
        return None
    out = bytearray(_PNG_SIGNATURE)
    at = len(_PNG_SIGNATURE)
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(data):
            return None
        if kind not in _PNG_DROPPED:
            out += data[at:end]
        at = end
        if kind == b"IEND":
            return bytes(out)
    return None


_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def _webp_without_metadata(data: bytes) -> bytes | None:
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    body = bytearray()
    at = 12
    end = min(len(data), 8 + struct.unpack("<I", data[4:8])[0])
    while at + 8 <= end:
        kind = data[at : at + 4]
        (size,) = struct.unpack("<I", data[at + 4 : at + 8])
        stop = at + 8 + size + (size & 1)
        if stop > len(data) + 1:
            return None
        chunk = bytearray(data[at:stop])
        if kind == b"VP8X":
            chunk[8] &= ~(_VP8X_EXIF | _VP8X_XMP) & 0xFF
        if kind not in (b"EXIF", b"XMP "):
            body += chunk
        at = stop
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + bytes(body)
