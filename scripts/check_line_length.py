"""`make lint`: the teaching code (Sources/Course, Sources/Final, Chapters) stays within 120
columns, comments included. swift-format wraps code at the nearest `.swift-format`'s lineLength
(120 in those folders) but never rewraps a comment, so this counts every line, in characters."""
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
FOLDERS = ["Sources/Course", "Sources/Final", "Chapters"]
LIMIT = 120

long = [f"{path.relative_to(ROOT)}:{n}: {len(line)} columns"
        for folder in FOLDERS for path in sorted((ROOT / folder).rglob("*.swift"))
        for n, line in enumerate(path.read_text().splitlines(), 1) if len(line) > LIMIT]
if long:
    sys.exit(f"lines over {LIMIT} columns in the teaching code:\n  " + "\n  ".join(long))
print(f"line length: every line of {', '.join(FOLDERS)} within {LIMIT} columns")
