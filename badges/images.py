"""A generated badge image: a round medal in the tier's colour with the badge's name.

Deterministic (same name and tier, same bytes) and self-contained: no fonts, scripts or links.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

TIER_COLOURS = {
    "bronze": ("#CD7F32", "#8C5523"),
    "silver": ("#C0C0C0", "#7D7D7D"),
    "gold": ("#D4AF37", "#9C7E1E"),
}
DEFAULT_COLOURS = ("#4F6BED", "#2B3F9E")
LINE_CHARS = 14
MAX_LINES = 2


def tier_colours(tier: str | None) -> tuple[str, str]:
    """(fill, rim) for a tier name; Bronze, Silver and Gold by name, anything else the default."""
    return TIER_COLOURS.get((tier or "").strip().lower(), DEFAULT_COLOURS)


def name_lines(name: str) -> list[str]:
    """The name in at most two short lines, words kept whole where they fit, "…" when cut."""
    words = name.split()
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        if len(candidate) <= LINE_CHARS:
            current = candidate
            continue
        if current:
            lines.append(current)
        current = word
    if current:
        lines.append(current)
    lines = [line if len(line) <= LINE_CHARS else line[:LINE_CHARS - 1] + "…" for line in lines] or [""]
    if len(lines) > MAX_LINES:
        last = lines[MAX_LINES - 1]
        lines = lines[:MAX_LINES - 1] + [(last[:LINE_CHARS - 1].rstrip("…") + "…")]
    return lines


def _attr(text: str) -> str:
    return escape(text, {'"': "&quot;"})


def badge_svg(name: str, tier: str | None = None) -> str:
    fill, rim = tier_colours(tier)
    label = f"{name} ({tier})" if tier else name
    lines = name_lines(name)
    size = 22 if len(lines) == 1 else 19
    first_y = 128 if len(lines) == 1 else 116
    text = "".join(
        f'<text x="128" y="{first_y + i * 26}" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" '
        f'font-size="{size}" font-weight="700" fill="#FFFFFF">{escape(line)}</text>'
        for i, line in enumerate(lines))
    tier_text = (f'<text x="128" y="196" text-anchor="middle" font-family="Helvetica, Arial, sans-serif" '
                 f'font-size="14" fill="#FFFFFF" opacity="0.9">{escape(tier[:20])}</text>') if tier else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256" role="img" '
        f'aria-label="{_attr(label)}">'
        f"<title>{escape(label)}</title>"
        f'<circle cx="128" cy="128" r="120" fill="{rim}"/>'
        f'<circle cx="128" cy="128" r="108" fill="{fill}"/>'
        f'<circle cx="128" cy="128" r="96" fill="none" stroke="#FFFFFF" stroke-opacity="0.6" stroke-width="3"/>'
        f'<path d="M128 44 l8 16 l18 3 l-13 12 l3 18 l-16 -8 l-16 8 l3 -18 l-13 -12 l18 -3 z" fill="#FFFFFF" fill-opacity="0.85"/>'
        f"{text}{tier_text}"
        "</svg>\n"
    )
