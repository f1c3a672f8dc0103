"""Photos in several sizes: which copies a site publishes, and what pages say of them (pure).

How images fit the build (docs/images.md says it for users):

- Reading. A raster image below content/ (JPEG, PNG, WebP) is a content file like any other:
  when its signature (size, modification time, inode) changes, content.read_source reads its
  header (imaging.probe: size, EXIF orientation, format, a digest of its bytes) into
  `Source.picture`, and the build state keeps that. A build with nothing changed opens no
  image; a build after one photo changed opens that one.
- Planning. Each readable image is a set of output files with one owner each in the plan, so a
  clash with any other file is reported like any other: its full-size copy at its own URL
  (metadata cut out) and smaller copies at WIDTHS narrower than it (never wider),
  `photo-480w.jpg` beside `photo.jpg`. They are `Rendition`s, split from the copied assets
  by `split_assets`.
- Writing. A copy's fingerprint is the source's digest, its width and imaging.ENCODING: it is
  made again only when one of them changes, and its bytes come from the image cache
  (cache.ImageCache, keyed by the same) when any earlier build made them (photos.py).
- Pages. An article's Entry names the images it shows: its lead image, and the images of its
  body (found when the file is read, see `body_pictures`). A page's fingerprint covers the
  size of each image its articles show there (`shown_key`: the lead image of a listed
  article, every image of one shown in full), and the default image's: a photo replaced by
  one of another size renders again the pages that show it, and only those.
- Templates get a view of each image (`picture(url)`): its size, a srcset of its copies and
  the copy for social cards (`social_card(article)`); article bodies get width, height, srcset
  and lazy loading on the images of the site (`with_sizes`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from html import escape
from pathlib import Path
from urllib.parse import unquote

from newsdigest.articles import Article, Asset, Entry, Picture, Source, lead_picture
from newsdigest.config import Config
from newsdigest.imaging import ENCODING
from newsdigest.urls import clean_url, join_base, resolve_url

# The widths of the smaller copies, in pixels: phones (1x to 3x) and desktops pick among them.
WIDTHS = (320, 480, 800, 1200)
# Social cards (Open Graph, JSON-LD): about this wide, as Facebook and LinkedIn advise.
CARD_WIDTH = 1200
# How wide an image of an article body is shown by the default theme: the text's measure
# (about 36rem) on wide screens, the screen less its margins on phones.
BODY_SIZES = "(min-width: 40rem) 36rem, calc(100vw - 2.5rem)"


@dataclass(frozen=True, slots=True)
class Rendition:
    """One output file made from a source image: its full-size copy (width 0) or a smaller one."""

    url: str  # site-relative: the output file
    source: Path
    picture: Picture
    width: int

    @property
    def fingerprint(self) -> str:
        return f"picture\0{self.picture.digest}\0{self.width}\0{ENCODING}"


def copy_url(url: str, width: int) -> str:
    """The URL of an image's copy `width` pixels wide: photo.jpg -> photo-480w.jpg."""
    stem, dot, suffix = url.rpartition(".")
    return f"{stem}-{width}w.{suffix}" if dot else f"{url}-{width}w"


def widths_of(picture: Picture) -> tuple[int, ...]:
    """The widths of its smaller copies: those of WIDTHS narrower than the image."""
    if not picture.resizable:
        return ()
    return tuple(width for width in WIDTHS if width < picture.width)


def pictures_of(sources: Mapping[str, Source]) -> dict[str, Picture]:
    """Every readable raster image below content/, by its site-relative URL."""
    return {
        clean_url(path.removeprefix("content/")): source.picture
        for path, source in sources.items()
        if source.picture is not None
    }


def split_assets(
    assets: Iterable[Asset], pictures: Mapping[str, Picture]
) -> tuple[tuple[Asset, ...], tuple[Rendition, ...]]:
    """The files beside the articles copied as they are, and the copies made of images."""
    plain: list[Asset] = []
    made: list[Rendition] = []
    for asset in assets:
        picture = pictures.get(asset.url)
        if picture is None:
            plain.append(asset)
            continue
        made.append(Rendition(asset.url, asset.source, picture, 0))
        made += [
            Rendition(copy_url(asset.url, width), asset.source, picture, width)
            for width in widths_of(picture)
        ]
    return tuple(plain), tuple(made)


# -- what pages show, and what their fingerprints cover ------------------------------------


def _size_key(pictures: Mapping[str, Picture], url: str) -> str:
    picture = pictures.get(url)
    if picture is None:
        return "-"
    return f"{picture.width}x{picture.height}{'' if picture.resizable else '!'}"


def shown_key(entry: Entry | None, pictures: Mapping[str, Picture], full: bool) -> str:
    """What a page shows of an article's images: the lead image's size where the article is
    listed, the size of every image it shows where it is shown in full."""
    if entry is None:
        return ""
    urls = (entry.image, *entry.pictures) if full else (entry.image,)
    return ",".join(_size_key(pictures, url) for url in urls if url)


def sizes_shown(article: Article, pictures: Mapping[str, Picture]) -> str:
    """The size of every image an article shows: what its full rendering depends on."""
    urls = (lead_picture(article), *article.pictures)
    return ",".join(_size_key(pictures, url) for url in urls if url)


_BODY_IMAGE = re.compile(r"""[^\s"'()<>\[\]]+?\.(?:jpe?g|png|webp)(?=[\s"'()<>\]#?]|$)""", re.I)
_EXTERNAL = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*:|/|#)")
# What every match holds: most bodies have none, and looking for it is some seventy times
# faster than trying _BODY_IMAGE at each character (which made this the slowest step of
# reading an article).
_IMAGE_SUFFIX = re.compile(r"\.(?:jpe?g|png|webp)", re.I)


def body_pictures(body: str, asset_dir: str) -> tuple[str, ...]:
    """The site-relative URLs of the raster images a Markdown body may show, in order.

    A generous look at the text rather than a render: every relative path ending in an image
    suffix counts, in Markdown or HTML or a reference, even one in a code block. Counting one
    too many costs nothing (a page's fingerprint then covers an image it does not show); one
    too few would leave a page with an old size after its photo changed.
    """
    if not _IMAGE_SUFFIX.search(body):
        return ()
    found: dict[str, None] = {}
    for match in _BODY_IMAGE.finditer(body):
        text = match.group(0).lstrip("<")
        if _EXTERNAL.match(text):
            continue
        found[resolve_url(asset_dir, unquote(text))] = None
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Shown:
    """An image of the site as templates get it (`picture(url)`)."""

    src: str  # the full-size copy's URL, with the base path
    width: int
    height: int
    srcset: str  # every copy with its width, the full-size one last
    card: str  # absolute URL of the copy for social cards
    card_width: int
    card_height: int


@dataclass(frozen=True, slots=True)
class Card:
    """The image of a page's social card (og:image, JSON-LD): absolute URL, size if known."""

    url: str
    width: int
    height: int
    alt: str


class Gallery:
    """The site's images for this build: views for templates, keys for fingerprints."""

    def __init__(self, pictures: Mapping[str, Picture], config: Config) -> None:
        self.pictures = pictures
        self.config = config
        self.prefix = _base_path(config.base_url)

    def use(self, pictures: Mapping[str, Picture]) -> None:
        """This build's images, in place of the last build's."""
        self.pictures = pictures

    def view(self, url: str) -> Shown | None:
        """The image at this site-relative URL, if the site publishes it in several sizes."""
        picture = self.pictures.get(url) if isinstance(url, str) else None
        if picture is None:
            return None
        widths = widths_of(picture)
        candidates = [f"{self.prefix}{copy_url(url, w)} {w}w" for w in widths]
        candidates.append(f"{self.prefix}{url} {picture.width}w")
        card = max((w for w in widths if w <= CARD_WIDTH), default=0)
        if picture.width <= CARD_WIDTH or not card:
            card_url, card_width, card_height = url, picture.width, picture.height
        else:
            card_url, card_width = copy_url(url, card), card
            card_height = max(1, round(picture.height * card / picture.width))
        return Shown(
            self.prefix + url,
            picture.width,
            picture.height,
            ", ".join(candidates),
            join_base(self.config.base_url, card_url),
            card_width,
            card_height,
        )

    def card(self, article: Article | None = None, fallback: bool = True) -> Card | None:
        """The social card image of an article's page (or of any page, without one): a raster
        copy of its lead image, else (with `fallback`) the site's default_image, else none."""
        image = article.image if article is not None else None
        if image is not None and image.url:
            found = self._card(image.url, image.alt)
            if found is not None:
                return found
        if fallback and self.config.default_image:
            return self._card(self.config.default_image, "")
        return None

    def _card(self, url: str, alt: str) -> Card | None:
        if url.lower().split("?")[0].endswith(".svg"):
            return None  # social networks show no SVG
        local = clean_url(url) if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", url) else None
        shown = self.view(local) if local is not None else None
        if shown is not None:
            return Card(shown.card, shown.card_width, shown.card_height, alt)
        return Card(url if local is None else join_base(self.config.base_url, local), 0, 0, alt)

    @property
    def common(self) -> str:
        """What every page's fingerprint covers: the default image's size."""
        default = self.config.default_image
        return _size_key(self.pictures, clean_url(default)) if default else ""


def _base_path(base_url: str) -> str:
    path = re.sub(r"^[a-zA-Z][a-zA-Z0-9+.-]*://[^/]*", "", base_url) or "/"
    return path if path.endswith("/") else path + "/"


# -- images in article bodies ---------------------------------------------------------------

_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_SRC = re.compile(r"""\ssrc\s*=\s*(?:"([^"]*)"|'([^']*)')""", re.IGNORECASE)


def with_sizes(html: str, gallery: Gallery, responsive: bool = True) -> str:
    """Body HTML whose images of the site carry width and height (no layout shift when they
    arrive), and for pages a srcset, sizes and lazy loading; an attribute the author wrote is
    kept."""
    if "<img" not in html and "<IMG" not in html:
        return html
    prefix = gallery.prefix

    def sized(match: re.Match[str]) -> str:
        tag = match.group(0)
        found = _SRC.search(tag)
        if found is None:
            return tag
        src = unquote(found.group(1) if found.group(1) is not None else found.group(2))
        if not src.startswith(prefix):
            return tag
        shown = gallery.view(src[len(prefix) :])
        if shown is None:
            return tag
        lower = tag.lower()
        added = []
        if not re.search(r"\s(width|height)\s*=", lower):
            added.append(f'width="{shown.width}" height="{shown.height}"')
        if responsive and " srcset" not in lower:
            added.append(f'srcset="{escape(shown.srcset)}" sizes="{BODY_SIZES}"')
        if responsive and " loading" not in lower:
            added.append('loading="lazy" decoding="async"')
        if not added:
            return tag
        end = len(tag) - (2 if tag.endswith("/>") else 1)
        return tag[:end].rstrip() + " " + " ".join(added) + tag[end:]

    return _IMG.sub(sized, html)
