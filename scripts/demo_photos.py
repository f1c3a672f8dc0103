"""Draw the demo site's photos (JPEG scenes made of gradients and shapes) beside their articles.

    python scripts/demo_photos.py

The demo needs photos to show what the theme does with them, and a repository must not carry
pictures of unknown origin: these are drawn here, the same bytes on every run (fixed seeds,
fixed quality). The articles name them in their front matter.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

REPO = Path(__file__).resolve().parent.parent
WIDTH, HEIGHT = 1600, 1067
Color = tuple[int, int, int]


def gradient(top: Color, bottom: Color, height: int = HEIGHT) -> Image.Image:
    """A vertical gradient from top to bottom, as a sky or a wall."""
    column = Image.new("RGB", (1, height))
    for y in range(height):
        t = y / max(1, height - 1)
        shade = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        column.putpixel((0, y), shade)
    return column.resize((WIDTH, height))


def grain(image: Image.Image, seed: int, amount: int = 6) -> Image.Image:
    """A little noise and softness, so that shapes read as a photo rather than a drawing."""
    rnd = random.Random(seed)
    noise = Image.new("L", (WIDTH // 4, HEIGHT // 4))
    noise.putdata([128 + rnd.randint(-amount, amount) for _ in range(noise.width * noise.height)])
    noise = noise.resize(image.size).convert("RGB")
    softened = image.filter(ImageFilter.GaussianBlur(1.2))
    return Image.blend(softened, noise, 0.03)


def harbour_warehouse(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    """Shelves of medicine boxes in a warehouse, lit from above."""
    for x in range(200, WIDTH, 400):
        draw.polygon([(x - 40, 0), (x + 40, 0), (x + 240, HEIGHT), (x - 240, HEIGHT)],
                     fill=(246, 247, 240))  # fmt: skip
    for shelf in range(5):
        y = 180 + shelf * 170
        draw.rectangle((0, y + 120, WIDTH, y + 136), fill=(92, 96, 104))
        x = 20
        while x < WIDTH - 60:
            w, h = rnd.randint(60, 130), rnd.randint(60, 115)
            tone = rnd.choice([(232, 236, 240), (214, 226, 238), (240, 230, 214), (200, 60, 60)])
            draw.rectangle((x, y + 120 - h, x + w, y + 120), fill=tone, outline=(150, 150, 160))
            draw.rectangle((x + 8, y + 128 - h, x + w - 8, y + 140 - h), fill=(60, 110, 170))
            x += w + rnd.randint(4, 14)


def city_dusk(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    """A skyline at dusk, with lit windows."""
    draw.ellipse((1080, 520, 1260, 700), fill=(255, 196, 120))
    x = 0
    while x < WIDTH:
        w, h = rnd.randint(70, 170), rnd.randint(220, 640)
        top = HEIGHT - h
        draw.rectangle((x, top, x + w, HEIGHT), fill=(34 + rnd.randint(0, 12), 36, 58))
        for wy in range(top + 20, HEIGHT - 20, 34):
            for wx in range(x + 12, x + w - 18, 26):
                if rnd.random() < 0.45:
                    draw.rectangle((wx, wy, wx + 12, wy + 16), fill=(255, 214, 140))
        x += w + rnd.randint(2, 10)


def bunting(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    """Strings of coloured flags above a street lined with people."""
    for row in range(4):
        y0 = 120 + row * 150
        points = [(x, y0 + 60 * math.sin(x / WIDTH * math.pi)) for x in range(0, WIDTH + 1, 40)]
        draw.line(points, fill=(70, 60, 50), width=4)
        for (x1, y1), (x2, y2) in itertools.pairwise(points):
            colour = rnd.choice([(255, 153, 51), (19, 136, 8), (240, 240, 240), (0, 56, 168)])
            draw.polygon([(x1 + 4, y1), (x2 - 4, y2), ((x1 + x2) / 2, (y1 + y2) / 2 + 60)],
                         fill=colour)  # fmt: skip
    for x in range(-20, WIDTH, 46):
        h = rnd.randint(170, 240)
        tone = rnd.choice([(60, 40, 30), (110, 70, 50), (150, 100, 70)])
        draw.ellipse((x + 6, HEIGHT - h - 40, x + 42, HEIGHT - h - 4), fill=tone)
        draw.rounded_rectangle(
            (x, HEIGHT - h, x + 48, HEIGHT + 30),
            18,
            fill=rnd.choice([(200, 40, 90), (250, 200, 60), (40, 120, 160)]),
        )


def columns(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    """A bank's columned front under a winter sky."""
    draw.rectangle((160, 300, WIDTH - 160, 360), fill=(226, 222, 210))
    draw.polygon([(140, 300), (WIDTH / 2, 150), (WIDTH - 140, 300)], fill=(236, 232, 220))
    for x in range(230, WIDTH - 200, 150):
        draw.rectangle((x, 360, x + 70, HEIGHT - 140), fill=(240, 236, 226))
        for groove in range(x + 12, x + 70, 14):
            draw.line((groove, 370, groove, HEIGHT - 150), fill=(205, 200, 188), width=2)
    for step in range(4):
        y = HEIGHT - 140 + step * 35
        draw.rectangle((120 - step * 30, y, WIDTH - 120 + step * 30, y + 35),
                       fill=(200 - step * 12, 196 - step * 12, 186 - step * 12))  # fmt: skip


def sea_ice(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    """Broken sea ice under a grey sky, a research ship on the horizon."""
    draw.rectangle((0, 470, WIDTH, HEIGHT), fill=(40, 70, 92))
    for _ in range(70):
        cx, cy = rnd.randint(-100, WIDTH + 100), rnd.randint(480, HEIGHT + 60)
        size = 20 + (cy - 470) * rnd.uniform(0.15, 0.35)
        points = [
            (cx + size * math.cos(a) * rnd.uniform(0.6, 1.2),
             cy + size * 0.35 * math.sin(a) * rnd.uniform(0.6, 1.2))
            for a in (i * math.pi / 4 for i in range(8))
        ]  # fmt: skip
        draw.polygon(points, fill=(228 + rnd.randint(-10, 10), 238, 244))
    draw.rectangle((1140, 430, 1330, 468), fill=(180, 40, 36))
    draw.rectangle((1190, 392, 1270, 430), fill=(236, 236, 236))
    draw.rectangle((1225, 360, 1235, 392), fill=(60, 60, 60))


def turbines(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    """Wind turbines on a sea at midday."""
    draw.rectangle((0, 700, WIDTH, HEIGHT), fill=(46, 96, 128))
    for y in range(710, HEIGHT, 18):
        for x in range(rnd.randint(0, 60), WIDTH, 120):
            draw.line((x, y, x + 50, y), fill=(120, 170, 196), width=2)
    for x, scale in ((260, 1.0), (700, 0.7), (1050, 0.55), (1340, 0.45), (1500, 0.35)):
        top = 700 - 520 * scale
        draw.rectangle((x - 7 * scale, top, x + 7 * scale, 700), fill=(244, 244, 244))
        for angle in (math.pi / 2 + 0.3, math.pi / 2 + 0.3 + 2.09, math.pi / 2 + 0.3 + 4.19):
            tip = (x + 260 * scale * math.cos(angle), top - 260 * scale * math.sin(angle))
            draw.line((x, top, *tip), fill=(250, 250, 250), width=max(3, round(12 * scale)))


def card(draw: ImageDraw.ImageDraw, rnd: random.Random) -> None:
    """The site's card: newsprint columns under a red masthead rule."""
    draw.rectangle((0, 0, WIDTH, 150), fill=(164, 22, 26))
    for column in range(4):
        x = 90 + column * 370
        draw.rectangle((x, 230, x + 320, 290), fill=(40, 40, 40))
        for line in range(12):
            width = 320 if line % 5 != 4 else rnd.randint(120, 260)
            draw.rectangle((x, 330 + line * 52, x + width, 346 + line * 52), fill=(150, 148, 142))


SCENES: dict[str, tuple[Callable[[ImageDraw.ImageDraw, random.Random], None], Color, Color]] = {
    "content/2026/11/drug-stockpile.jpg": (harbour_warehouse, (236, 238, 242), (196, 200, 208)),
    "content/2026/11/remittances-city.jpg": (city_dusk, (44, 52, 110), (236, 130, 96)),
    "content/2026/11/polling-street.jpg": (bunting, (140, 196, 236), (250, 236, 210)),
    "content/2026/11/central-bank.jpg": (columns, (150, 164, 180), (214, 218, 224)),
    "content/2026/11/offshore-wind.jpg": (turbines, (120, 176, 226), (214, 232, 244)),
    "content/2026/09/sea-ice.jpg": (sea_ice, (150, 156, 164), (208, 212, 216)),
    "content/ledger-card.jpg": (card, (251, 250, 247), (241, 238, 230)),
}


def main() -> None:
    for number, (name, (scene, top, bottom)) in enumerate(sorted(SCENES.items())):
        rnd = random.Random(number)
        image = gradient(top, bottom)
        scene(ImageDraw.Draw(image), rnd)
        if name.endswith("ledger-card.jpg"):
            image = image.resize((1200, 630))  # the shape social networks ask of a card
        else:
            image = grain(image, number)
        path = REPO / name
        image.save(path, "JPEG", quality=78, optimize=True, progressive=True)
        print(f"{name}: {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
