#!/usr/bin/env python3
"""Draws Concord's app icon (a teal rounded square with a white open ring) into the PNG and
ICO files tauri.conf.json lists. Standard library only; run it from anywhere."""

import math
import struct
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
TEAL = (31, 111, 120)
WHITE = (255, 255, 255)
SAMPLES = 4  # per axis, for smooth edges


def coverage(x: float, y: float) -> tuple[float, float]:
    """How much of the unit-square point (x, y) is background tile and how much ring."""
    margin, radius = 0.0625, 0.19
    cx = min(max(x, margin + radius), 1 - margin - radius)
    cy = min(max(y, margin + radius), 1 - margin - radius)
    in_tile = math.hypot(x - cx, y - cy) <= radius
    dx, dy = x - 0.5, y - 0.5
    distance = math.hypot(dx, dy)
    angle = math.degrees(math.atan2(-dy, dx)) % 360
    in_ring = 0.2 <= distance <= 0.3 and not (angle < 40 or angle > 320)
    return (1.0 if in_tile else 0.0), (1.0 if in_tile and in_ring else 0.0)


def pixels(size: int) -> bytes:
    rows = bytearray()
    for py in range(size):
        rows.append(0)  # PNG filter type: none
        for px in range(size):
            tile = ring = 0.0
            for sy in range(SAMPLES):
                for sx in range(SAMPLES):
                    t, r = coverage(
                        (px + (sx + 0.5) / SAMPLES) / size, (py + (sy + 0.5) / SAMPLES) / size
                    )
                    tile += t
                    ring += r
            n = SAMPLES * SAMPLES
            tile, ring = tile / n, ring / n
            mix = ring / tile if tile else 0.0
            colour = [round(TEAL[i] * (1 - mix) + WHITE[i] * mix) for i in range(3)]
            rows.extend(colour + [round(255 * tile)])
    return bytes(rows)


def png(size: int) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)  # 8-bit RGBA
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(pixels(size), 9))
        + chunk(b"IEND", b"")
    )


def ico(images: dict[int, bytes]) -> bytes:
    """An ICO whose entries are PNG images, as Windows Vista and later read them."""
    out = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    for size, data in images.items():
        dim = 0 if size >= 256 else size
        out += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(data), offset)
        offset += len(data)
    return out + b"".join(images.values())


def main() -> None:
    made = {size: png(size) for size in (16, 32, 48, 128, 256, 512)}
    (HERE / "32x32.png").write_bytes(made[32])
    (HERE / "128x128.png").write_bytes(made[128])
    (HERE / "128x128@2x.png").write_bytes(made[256])
    (HERE / "icon.png").write_bytes(made[512])
    (HERE / "icon.ico").write_bytes(ico({s: made[s] for s in (16, 32, 48, 256)}))


if __name__ == "__main__":
    main()
