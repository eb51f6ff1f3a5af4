"""`ndrbot teams package`: the Teams app package (manifest.json + two icons, zipped) for one bot.

The manifest template is `deploy/teams/manifest.json` (in a checkout) or the packaged copy; the
operator's ids replace its `{{...}}` fields. The icons are drawn here (plain PNGs: a 192 px colour
square and a 32 px white outline on transparency), so the package needs no image tools.
"""

from __future__ import annotations

import json
import re
import struct
import uuid
import zipfile
import zlib
from pathlib import Path

CHECKOUT_TEMPLATE = Path(__file__).resolve().parent.parent / "deploy" / "teams" / "manifest.json"


def template() -> Path:
    """The manifest template: the checkout's, else the copy packaged with ndrbot."""
    if CHECKOUT_TEMPLATE.is_file():
        return CHECKOUT_TEMPLATE
    return Path(__file__).resolve().parent / "data" / "teams-manifest.json"


_FIELD = re.compile(r"\{\{([A-Z_]+)\}\}")
ACCENT = (0x2B, 0x57, 0x9A)


def _png(size: int, pixel: bytes, *, alpha: bool, outline: bool = False) -> bytes:
    """A square PNG, filled with `pixel` (or only its border, for the outline icon)."""
    channels = 4 if alpha else 3
    clear = bytes(channels)
    rows = []
    for y in range(size):
        row = bytearray(b"\x00")  # filter: none
        for x in range(size):
            edge = x < 2 or y < 2 or x >= size - 2 or y >= size - 2
            row += pixel if (edge or not outline) else clear
        rows.append(bytes(row))
    header = struct.pack(">IIBBBBB", size, size, 8, 6 if alpha else 2, 0, 0, 0)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def build_package(app_id: str, out: Path, *, developer: str, website: str) -> Path:
    """Write the zip to `out`; ValueError for an app id that is not a GUID or a bad website."""
    try:
        app_id = str(uuid.UUID(app_id))
    except ValueError:
        raise ValueError(
            f"{app_id!r} is not an app id (the bot's Application (client) ID, a GUID)"
        ) from None
    if not website.startswith("https://"):
        raise ValueError(f"{website!r}: Teams wants an https:// website address")
    values = {"APP_ID": app_id, "DEVELOPER_NAME": developer, "WEBSITE_URL": website}
    text = _FIELD.sub(lambda m: json.dumps(values[m.group(1)])[1:-1], template().read_text())
    manifest = json.loads(text)  # a template turned invalid would fail here, not in Teams
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("manifest.json", json.dumps(manifest, indent=2))
        package.writestr("color.png", _png(192, bytes(ACCENT), alpha=False))
        package.writestr("outline.png", _png(32, b"\xff\xff\xff\xff", alpha=True, outline=True))
    return out
