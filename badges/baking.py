"""Baked badges: the medal image carrying its Open Badges 2.0 assertion, as SVG or PNG.

Baking spec: https://www.imsglobal.org/sites/default/files/Badges/OBv2p0Final/baking/index.html
The generated medal is always the picture, also for badges whose ruleset names its own image: we
would otherwise have to fetch (and trust) a remote file to bake into.
"""

from __future__ import annotations

import io
import json

from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from .images import badge_svg, name_lines, tier_colours

SIZE = 256


def _json(assertion: dict) -> str:
    # "\u003e" for ">" parses to the same JSON, and can never close the SVG's CDATA section ("]]>").
    return json.dumps(assertion, ensure_ascii=False, separators=(",", ":")).replace(">", "\\u003e")


def bake_svg(name: str, tier: str | None, assertion: dict) -> str:
    svg = badge_svg(name, tier)
    head, rest = svg.split("<svg ", 1)
    tag_end = rest.index(">") + 1
    element = (f'<openbadges:assertion verify="{assertion["id"]}"><![CDATA[{_json(assertion)}]]>'
               "</openbadges:assertion>")
    return f'{head}<svg xmlns:openbadges="http://openbadges.org" {rest[:tag_end]}{element}{rest[tag_end:]}'


def _font(size: int):
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError):  # Pillow built without FreeType: the small bitmap font
        return ImageFont.load_default()


def medal_png(name: str, tier: str | None) -> Image.Image:
    """The same medal as images.badge_svg, drawn with Pillow."""
    fill, rim = tier_colours(tier)
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 248, 248), fill=rim)
    draw.ellipse((20, 20, 236, 236), fill=fill)
    draw.ellipse((32, 32, 224, 224), outline=(255, 255, 255, 153), width=3)
    star = [(128, 44), (136, 60), (154, 63), (141, 75), (144, 93), (128, 85), (112, 93), (115, 75), (102, 63), (120, 60)]
    draw.polygon(star, fill=(255, 255, 255, 217))
    lines = name_lines(name)
    font = _font(22 if len(lines) == 1 else 19)
    first_y = 128 if len(lines) == 1 else 116
    for i, line in enumerate(lines):
        draw.text((128, first_y + i * 26), line, fill="white", font=font, anchor="ms")
    if tier:
        draw.text((128, 196), tier[:20], fill="white", font=_font(14), anchor="ms")
    return image


def bake_png(name: str, tier: str | None, assertion: dict) -> bytes:
    """The medal as PNG with an uncompressed iTXt chunk, keyword "openbadges", holding the assertion JSON."""
    info = PngInfo()
    info.add_itxt("openbadges", _json(assertion), zip=False)
    out = io.BytesIO()
    medal_png(name, tier).save(out, format="PNG", pnginfo=info)
    return out.getvalue()
