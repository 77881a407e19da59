"""Writes a small solid-colour PNG for trying the upload chapters (07, 08) without an image editor.

    python3 scripts/make_image.py me.png              # 64 x 64, orange
    python3 scripts/make_image.py new.png 0 128 255   # another colour, so the two differ

Only the standard library: a PNG is a signature and three chunks (IHDR, IDAT, IEND), each with
its length and CRC-32, and IDAT is the zlib-compressed rows.
"""
import struct
import sys
import zlib


def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width, height, rgb):
    row = b"\x00" + bytes(rgb) * width  # filter type 0, then the pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(row * height)) + chunk(b"IEND", b"")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 5):
        sys.exit("usage: make_image.py FILE.png [RED GREEN BLUE]")
    colour = tuple(int(v) for v in sys.argv[2:5]) if len(sys.argv) == 5 else (255, 140, 0)
    with open(sys.argv[1], "wb") as out:
        out.write(png(64, 64, colour))
    print(f"wrote {sys.argv[1]}")
