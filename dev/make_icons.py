"""Draw the add-in's icons (a navy shield with "UG", the workbook's colours) at 16, 32, 64 and
80 px into xl_underskud/excel/server_project/static/images/icons/ (committed; the server serves
them and the manifest refers to them).

Developer tool, not part of the package: `python dev/make_icons.py` (needs Pillow and the
DejaVu Sans Bold Condensed font). Each size is drawn at 8x and reduced, so edges are smooth.
"""
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

NAVY, GOLD, WHITE = (31, 56, 100, 255), (255, 192, 0, 255), (255, 255, 255, 255)
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSansCondensed-Bold.ttf"
OUT = (Path(__file__).resolve().parents[1] / "xl_underskud" / "excel" / "server_project"
       / "static" / "images" / "icons")
SCALE = 8


def shield(size: int) -> Image.Image:
    s = size * SCALE
    img = Image.new("RGBA", (s, s), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    m = s * 0.03
    top, left, right, bottom = m, m, s - m, s - m
    shoulder = s * 0.62  # where the straight sides turn into the point
    outline = [(left, top), (right, top), (right, shoulder), ((left + right) / 2, bottom),
               (left, shoulder)]
    d.polygon(outline, fill=NAVY)
    # a gold band along the top edge: the workbook's highlight colour, visible at 16 px
    band = s * 0.12
    d.rectangle([left, top, right, top + band], fill=GOLD)
    text = "UG"
    font = ImageFont.truetype(FONT, int(s * (0.50 if size <= 16 else 0.46)))
    box = d.textbbox((0, 0), text, font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    x = (s - w) / 2 - box[0]
    y = top + band + (shoulder - top - band - h) / 2 - box[1] + s * 0.04
    d.text((x, y), text, font=font, fill=WHITE)
    return img.resize((size, size), Image.LANCZOS)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for size in (16, 32, 64, 80):
        shield(size).save(OUT / f"ug-{size}.png", optimize=True)
        print(OUT / f"ug-{size}.png")
