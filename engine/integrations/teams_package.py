"""The Teams app package: manifest.json (Teams manifest schema 1.16) and its two icons, zipped.

Teams installs a bot from such a zip (uploaded in Teams or the Developer Portal); the manifest names
the bot's Microsoft app id, where it may be used (personal chat, teams, group chats) and the commands
Teams suggests as people type. The icons are drawn here with Pillow so the package needs no files:
color.png 192x192 in full colour, outline.png 32x32 white on transparent, as Teams requires.
"""

from __future__ import annotations

import io
import json
import math
import uuid
import zipfile
from urllib.parse import urlsplit

from PIL import Image, ImageDraw

from .teams_bot_cards import COMMANDS

MANIFEST_VERSION = "1.16"
SCHEMA = f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ACCENT = "#5B5FC7"
SCOPES = ["personal", "team", "groupChat"]


class PackageError(ValueError):
    """An option the package cannot be built from; the message says which and why."""


def manifest(url: str, app_id: str, *, version: str = "1.0.0") -> dict:
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise PackageError(f"--url must be this server's public https address (e.g. https://plaudit.example.com), not {url!r}")
    try:
        app_id = str(uuid.UUID(app_id))
    except ValueError:
        raise PackageError(f"--app-id must be the bot's Microsoft app id, a GUID such as "
                           f"00000000-0000-0000-0000-000000000000; {app_id!r} is not one") from None
    base = url.rstrip("/")
    commands = [{"title": usage.split(" ")[0], "description": what[:128]} for usage, what in COMMANDS]
    return {
        "$schema": SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version,
        "id": app_id,
        "developer": {"name": "Plaudit", "websiteUrl": base, "privacyUrl": base, "termsOfUseUrl": base},
        "name": {"short": "Plaudit", "full": "Plaudit: recognition and kudos"},
        "description": {
            "short": "Give kudos and see where you stand, right in Teams.",
            "full": ("Plaudit recognises the people who help others learn. Thank colleagues with kudos that name your "
                     "company's values (kudos @name message #value), see your points, level, ranks and closest "
                     "badges (me), and the leaders of a board (top)."),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": ACCENT,
        "bots": [{
            "botId": app_id,
            "scopes": SCOPES,
            "supportsFiles": False,
            "isNotificationOnly": False,
            "commandLists": [{"scopes": SCOPES, "commands": commands}],
        }],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [parts.hostname],
    }


def _star(size: int, margin: float) -> list[tuple[float, float]]:
    centre, outer = size / 2, size / 2 - margin
    inner = outer * 0.45
    points = []
    for i in range(10):
        radius = outer if i % 2 == 0 else inner
        angle = -math.pi / 2 + i * math.pi / 5
        points.append((centre + radius * math.cos(angle), centre + radius * math.sin(angle)))
    return points


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def color_icon() -> bytes:
    image = Image.new("RGBA", (192, 192), ACCENT)
    ImageDraw.Draw(image).polygon(_star(192, 36), fill="white")
    return _png(image)


def outline_icon() -> bytes:
    image = Image.new("RGBA", (32, 32), (0, 0, 0, 0))  # transparent: Teams tints the white shape itself
    ImageDraw.Draw(image).polygon(_star(32, 2), fill=(255, 255, 255, 255))
    return _png(image)


def package(url: str, app_id: str) -> bytes:
    """The zip Teams uploads: the three files at its top level."""
    data = manifest(url, app_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(data, indent=2))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()
