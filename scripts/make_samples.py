"""Writes the sample files the lessons upload, so no image editor or video tool is needed:

    make samples        # samples/me.png, samples/new.png (two colours), samples/clip.mp4 (42 s)

`clip.mp4` is the smallest MP4 whose header carries a duration (no frames): the server reads
its 42 seconds from the header, as it would from a real video's.
"""
import pathlib
import sys

from make_image import png
from workshop.clients import mp4

SAMPLES = {
    "me.png": png(64, 64, (255, 140, 0)),
    "new.png": png(64, 64, (0, 128, 255)),
    "clip.mp4": mp4(42_000),
}

if __name__ == "__main__":
    folder = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "samples")
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in SAMPLES.items():
        (folder / name).write_bytes(data)
    print(f"wrote {', '.join(str(folder / name) for name in SAMPLES)}")
