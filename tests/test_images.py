"""Photos: published with their size and smaller copies, without what cameras write about where
and with what they were taken, made once, shown on social cards, in feeds and on the lists."""

from __future__ import annotations

import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import article, build_site, output_files, problems_of, write_site
from PIL import ExifTags, Image

from newsdigest import photos
from newsdigest.cli import main
from newsdigest.errors import BuildFailed

BASE = "https://example.org/"
SERIAL = "SERIAL-4711"


def photo(
    width: int = 2400,
    height: int = 1600,
    kind: str = "JPEG",
    orientation: int | None = None,
    gps: bool = True,
) -> bytes:
    """A photo as a phone saves it: a gradient, with GPS position and camera serial in EXIF."""
    image = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "Phonemaker"
    if orientation:
        exif[0x0112] = orientation
    if gps:
        place = exif.get_ifd(ExifTags.IFD.GPSInfo)
        place[1], place[2] = "N", (55.0, 45.0, 0.0)
        place[3], place[4] = "E", (37.0, 37.0, 0.0)
    exif.get_ifd(ExifTags.IFD.Exif)[0xA431] = SERIAL
    out = io.BytesIO()
    image.save(out, kind, exif=exif.tobytes())
    return out.getvalue()


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, dict(attrs)))


def tags(html: bytes, name: str) -> list[dict[str, str | None]]:
    parser = Tags()
    parser.feed(html.decode("utf-8"))
    return [attrs for tag, attrs in parser.found if tag == name]


def meta(html: bytes, prop: str) -> str | None:
    return next((str(m["content"]) for m in tags(html, "meta") if m.get("property") == prop), None)


def srcset(value: str | None) -> list[tuple[str, int]]:
    pairs = [part.strip().rsplit(" ", 1) for part in str(value).split(",")]
    return [(url, int(width.removesuffix("w"))) for url, width in pairs]


def story_site(site: Path, image: bytes, config: str = "", **files: str | bytes) -> Path:
    return write_site(
        site,
        {
            "content/2026/lead.md": article(
                "The lead story",
                "2026-10-01T09:00:00",
                "First paragraph.\n\n![A chart of the day](chart.png)",
                image="{src: photo.jpg, alt: Ships in the harbour, caption: The harbour}",
                topics="[Ports]",
            ),
            "content/2026/photo.jpg": image,
            "content/2026/chart.png": photo(900, 600, "PNG"),
            **files,
        },
        f'base_url = "{BASE}"\n' + config,
    )


@pytest.fixture
def built(site: Path) -> Path:
    story_site(site, photo())
    build_site(site)
    return site


def page(site: Path, url: str) -> bytes:
    return (site / "public" / url / "index.html").read_bytes()


def test_a_large_jpeg_lead_image_has_its_size_and_smaller_copies_that_exist(built: Path) -> None:
    html = page(built, "2026/10/01/lead")
    [lead] = [img for img in tags(html, "img") if img["alt"] == "Ships in the harbour"]
    assert (lead["width"], lead["height"]) == ("2400", "1600")
    assert lead["src"] == "/2026/photo.jpg"
    assert lead["sizes"]
    candidates = srcset(lead["srcset"])
    assert [width for _, width in candidates] == [320, 480, 800, 1200, 2400]
    original = (built / "content/2026/photo.jpg").stat().st_size
    for url, width in candidates:
        file = built / "public" / url.lstrip("/")
        with Image.open(file) as copy:
            assert copy.size == (width, width * 2 // 3)  # the width it claims, never upscaled
        if width < 2400:
            assert file.stat().st_size < original
    assert candidates[1][0] == "/2026/photo-480w.jpg"


def test_exif_gps_and_serial_are_gone_from_every_published_copy(built: Path) -> None:
    images = {
        name: data for name, data in output_files(built).items() if name.endswith((".jpg", ".png"))
    }
    assert len(images) == 5 + 4  # the photo and four copies; the chart and three
    for name, data in images.items():
        assert SERIAL.encode() not in data and b"Phonemaker" not in data, name
        with Image.open(io.BytesIO(data)) as image:
            exif = image.getexif()
            assert ExifTags.IFD.GPSInfo not in exif and not exif.get_ifd(ExifTags.IFD.GPSInfo)
            assert not image.info.get("exif"), name


def test_orientation_is_applied_before_the_exif_goes(site: Path) -> None:
    story_site(site, photo(1600, 1000, orientation=6))  # taken with the phone on its side
    build_site(site)
    for name in ("photo.jpg", "photo-800w.jpg"):
        with Image.open(site / "public/2026" / name) as image:
            assert image.height > image.width, name
            assert not image.getexif()
    [lead] = [i for i in tags(page(site, "2026/10/01/lead"), "img") if i["src"].endswith("jpg")]
    assert (lead["width"], lead["height"]) == ("1000", "1600")


def test_an_image_without_metadata_to_cut_keeps_its_bytes(site: Path) -> None:
    plain = photo(600, 400, gps=False)
    clean = io.BytesIO()
    Image.open(io.BytesIO(plain)).save(clean, "JPEG", quality=70)
    story_site(site, clean.getvalue())
    build_site(site)
    assert (site / "public/2026/photo.jpg").read_bytes() == clean.getvalue()


def test_a_second_build_resizes_nothing_not_even_into_another_folder(
    site: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    story_site(site, photo())
    made: list[int] = []
    real = photos.make_copies

    def counting(data, picture, copies):  # type: ignore[no-untyped-def]
        made.append(len(copies))
        return real(data, picture, copies)

    monkeypatch.setattr(photos, "make_copies", counting)
    build_site(site)
    assert sum(made) == 5 + 4
    first = output_files(site)
    made.clear()
    (site / "content/2026/lead.md").write_text(
        (site / "content/2026/lead.md").read_text().replace("First", "The first")
    )
    report = build_site(site)
    assert made == [] and report.written >= 1
    assert main(["build", "--site", str(site), "--output", str(site / "other"), "--quiet"]) == 0
    assert made == []  # from the cache: an unchanged image is never resized twice
    other = output_files(site, "other")
    assert {n: d for n, d in other.items() if n.endswith(".jpg")} == {
        n: d for n, d in first.items() if n.endswith(".jpg")
    }


def test_copies_are_the_same_bytes_on_every_build(site: Path, tmp_path: Path) -> None:
    story_site(site, photo())
    build_site(site)
    first = output_files(site)
    for folder in (site / "public", site / ".newsdigest-cache"):
        import shutil

        shutil.rmtree(folder)
    build_site(site)
    assert output_files(site) == first


def test_og_image_and_json_ld_name_an_absolute_raster_copy_about_1200_px_wide(
    built: Path,
) -> None:
    html = page(built, "2026/10/01/lead")
    assert meta(html, "og:image") == f"{BASE}2026/photo-1200w.jpg"
    assert (meta(html, "og:image:width"), meta(html, "og:image:height")) == ("1200", "800")
    assert meta(html, "og:image:alt") == "Ships in the harbour"
    ld = json.loads(re.search(rb'ld\+json">(.*?)</script>', html).group(1))  # type: ignore[union-attr]
    assert ld["image"] == [f"{BASE}2026/photo-1200w.jpg"]


def test_an_svg_lead_image_falls_back_to_the_default_image(site: Path) -> None:
    files = {
        "content/2026/map.md": article("A map", "2026-10-02", image="{src: map.svg, alt: A map}"),
        "content/2026/map.svg": "<svg xmlns='http://www.w3.org/2000/svg'/>",
    }
    story_site(site, photo(), **files)
    report = build_site(site)
    [warning] = [w for w in report.warnings if "SVG" in w.message]
    assert warning.path == "content/2026/map.md" and warning.line == 4
    html = page(site, "2026/10/02/map")
    assert meta(html, "og:image") is None and b"summary_large_image" not in html
    (site / "pyproject.toml").write_text(
        f'[tool.newsdigest]\nbase_url = "{BASE}"\ndefault_image = "2026/photo.jpg"\n'
    )
    report = build_site(site)
    assert not [w for w in report.warnings if "SVG" in w.message]
    html = page(site, "2026/10/02/map")
    assert meta(html, "og:image") == f"{BASE}2026/photo-1200w.jpg"
    assert meta(page(site, ""), "og:image") == f"{BASE}2026/photo-1200w.jpg"  # any page
    assert b'<img src="/2026/map.svg" alt="A map">' in html  # the SVG is shown as it is


def test_feeds_carry_the_lead_image(built: Path) -> None:
    atom = (built / "public/feed.xml").read_text()
    assert '&lt;img src="https://example.org/2026/photo-1200w.jpg"' in atom
    assert 'width="1200" height="800"&gt;&lt;figcaption&gt;The harbour' in atom
    feed = json.loads((built / "public/feed.json").read_text())
    assert feed["items"][0]["image"] == f"{BASE}2026/photo-1200w.jpg"


def test_summary_feeds_carry_the_lead_image_too(site: Path) -> None:
    story_site(site, photo(), "[tool.newsdigest.feeds]\nfull_content = false\n")
    build_site(site)
    atom = (site / "public/feed.xml").read_text()
    assert '<content type="html"' in atom and "photo-1200w.jpg" in atom
    assert "First paragraph." in atom


def test_body_images_get_their_size_a_srcset_and_lazy_loading(built: Path) -> None:
    [chart] = [i for i in tags(page(built, "2026/10/01/lead"), "img") if "chart" in str(i["src"])]
    assert (chart["width"], chart["height"]) == ("900", "600")
    assert [w for _, w in srcset(chart["srcset"])] == [320, 480, 800, 900]
    assert chart["loading"] == "lazy" and chart["decoding"] == "async" and chart["sizes"]
    atom = (built / "public/feed.xml").read_text()
    assert 'chart.png" width="900" height="600"&gt;' in atom and "srcset" not in atom


def test_lists_show_the_lead_photo_of_the_first_story_lazily_below_the_fold(
    site: Path,
) -> None:
    files = {
        "content/2026/older.md": article(
            "Yesterday's story", "2026-09-30T10:00:00", image="{src: photo.jpg, alt: Old}"
        ),
        "content/2026/second.md": article(
            "A second story", "2026-10-01T08:00:00", image="{src: photo.jpg, alt: Second}"
        ),
    }
    story_site(site, photo(), **files)
    build_site(site)
    home = tags(page(site, ""), "img")
    first, thumb, below = home
    assert first["alt"] == "Ships in the harbour" and first["class"] == "teaser-photo"
    assert "loading" not in first  # above the fold: at once
    assert thumb["alt"] == "Second" and thumb["class"] == "teaser-thumb"
    assert below["alt"] == "Old" and below["loading"] == "lazy"
    for image in home:
        assert image["width"] and image["height"] and image["srcset"]
    day = tags(page(site, "2026/10/01"), "img")
    assert [i["class"] for i in day] == ["teaser-photo", "teaser-thumb"]


def test_a_copy_named_like_a_file_beside_it_is_a_clash_naming_both(site: Path) -> None:
    story_site(site, photo(), **{"content/2026/photo-480w.jpg": photo(100, 80)})
    with pytest.raises(BuildFailed) as failure:
        build_site(site)
    text = problems_of(failure.value)
    assert "2026/photo-480w.jpg is also written by" in text
    assert "photo.jpg" in text and "photo-480w.jpg" in text


def test_a_damaged_image_is_a_warning_naming_it_and_is_copied_as_it_is(site: Path) -> None:
    story_site(site, photo(), **{"content/2026/broken.jpg": b"\xff\xd8not a photo"})
    report = build_site(site)
    [warning] = [w for w in report.warnings if w.path == "content/2026/broken.jpg"]
    assert "cannot be read" in warning.message
    assert (site / "public/2026/broken.jpg").read_bytes() == b"\xff\xd8not a photo"


def test_a_truncated_photo_is_an_error_naming_it_not_a_traceback(
    site: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    story_site(site, photo()[:3000])
    assert main(["build", "--site", str(site), "--quiet"]) == 1
    err = capsys.readouterr().err
    assert "content/2026/photo.jpg" in err and "Traceback" not in err
    assert not (site / "public").exists()


def test_a_decompression_bomb_is_published_at_its_own_size_without_being_decoded(
    site: Path,
) -> None:
    bomb = io.BytesIO()
    Image.new("1", (12_000, 9_000)).save(bomb, "PNG")  # 108 million pixels in a small file
    story_site(site, photo(), **{"content/2026/bomb.png": bomb.getvalue()})
    report = build_site(site)
    [warning] = [w for w in report.warnings if w.path == "content/2026/bomb.png"]
    assert "not resized" in warning.message
    assert not list((site / "public/2026").glob("bomb-*"))
    assert (site / "public/2026/bomb.png").stat().st_size <= len(bomb.getvalue())


def test_the_images_a_body_may_show_are_found_in_its_text_and_a_body_without_one_has_none() -> None:
    from newsdigest.pictures import body_pictures

    body = (
        "Words, words.\n\n![Chart](chart.png) and <img src='photos/Crowd.JPG' alt=''>\n"
        "[ref]: pics/map.webp#top\n\nElsewhere: https://example.com/a.png, /images/b.jpg, #c.png"
    )
    assert body_pictures(body, "2024/08/") == (
        "2024/08/chart.png", "2024/08/photos/Crowd.JPG", "2024/08/pics/map.webp",
    )  # fmt: skip
    assert body_pictures("No picture here. Just a .pdf and a png.", "2024/08/") == ()


def test_images_in_a_folder_beside_the_articles_folder_are_found_with_dot_dot(site: Path) -> None:
    """`../photos/x.jpg` from content/2026/10/ is content/2026/photos/x.jpg, published at
    2026/photos/x.jpg: the lead image and a body image get that address and their sizes."""
    write_site(
        site,
        {
            "content/2026/10/harbour.md": article(
                "The harbour",
                "2026-10-01T09:00:00",
                "First paragraph.\n\n![The crowd](../photos/crowd.jpg)",
                image="{src: ../photos/ships.jpg, alt: Ships}",
            ),
            "content/2026/photos/ships.jpg": photo(1600, 1000),
            "content/2026/photos/crowd.jpg": photo(900, 600),
        },
        f'base_url = "{BASE}"\n',
    )
    build_site(site)
    html = page(site, "2026/10/01/harbour")
    images = {img["alt"]: img for img in tags(html, "img")}
    assert images["Ships"]["src"] == "/2026/photos/ships.jpg"
    assert images["The crowd"]["src"] == "/2026/photos/crowd.jpg"
    for alt, width in (("Ships", "1600"), ("The crowd", "900")):
        assert images[alt]["width"] == width
        for url, _ in srcset(images[alt]["srcset"]):
            assert (site / "public" / url.lstrip("/")).is_file(), url
    assert meta(html, "og:image") == f"{BASE}2026/photos/ships-1200w.jpg"


def test_an_image_written_in_html_in_the_body_is_found_like_one_in_markdown(site: Path) -> None:
    """`<img src="chart.png">` and `<a href="../photos/ships.jpg">`, as docs/images.md says:
    where the file is published, with its size and smaller copies."""
    write_site(
        site,
        {
            "content/2026/10/harbour.md": article(
                "The harbour",
                "2026-10-01T09:00:00",
                '<p><img src="chart.png" alt="Chart"></p>\n\n'
                "<figure><img src='../photos/crowd.jpg' alt='Crowd'>"
                '<a href="../photos/crowd.jpg">full size</a></figure>\n\n'
                '`<img src="code.png">` stays as it is written.',
            ),
            "content/2026/10/chart.png": photo(900, 600, "PNG"),
            "content/2026/photos/crowd.jpg": photo(900, 600),
        },
        'base_url = "https://example.org/digest/"\n',
    )
    build_site(site)
    html = page(site, "2026/10/01/harbour")
    images = {img["alt"]: img for img in tags(html, "img")}
    assert images["Chart"]["src"] == "/digest/2026/10/chart.png"
    assert images["Crowd"]["src"] == "/digest/2026/photos/crowd.jpg"
    assert images["Chart"]["width"] == "900" and images["Crowd"]["srcset"]
    assert [a["href"] for a in tags(html, "a") if a.get("href", "").endswith(".jpg")] == [
        "/digest/2026/photos/crowd.jpg"
    ]
    assert b'<code>&lt;img src="code.png"&gt;</code>' in html
