"""`make lint`: a Swift file's header comment stands on its first line, above the imports,
with a blank line after it.

swift-format keeps a comment that touches an import with that import, and sorting the imports
then carries the header down among them. A blank line makes it the file's header instead. A
`//` comment between two imports, or a header with no blank line before the imports, is
reported; `--fix` moves the comment back to the top and adds the blank line."""
import pathlib
import subprocess
import sys

ROOTS = ["Package.swift", "Sources", "Chapters", "Tests", "Benchmarks"]


def is_import(text):
    return text.startswith("import ") or text.startswith("@testable import ")


def preamble(lines):
    """The index just past the last import, or 0 when a declaration (or a `///` doc comment)
    comes first."""
    last = 0
    for i, line in enumerate(lines):
        text = line.strip()
        if is_import(text):
            last = i + 1
        elif text and not (text.startswith("//") and not text.startswith("///")):
            break
    return last


def misplaced(lines):
    """`//` comment lines that stand after an import and before another one, or a header that
    touches the first import."""
    end = preamble(lines)
    first_import = next((i for i, l in enumerate(lines[:end]) if is_import(l.strip())), None)
    if first_import and lines[first_import - 1].strip().startswith("//") and not lines[first_import - 1].strip().startswith("///"):
        return [first_import - 1]
    seen_import = False
    out = []
    for i, line in enumerate(lines[:end]):
        text = line.strip()
        if is_import(text):
            seen_import = True
        elif text.startswith("//") and seen_import:
            out.append(i)
    return out


def fix(lines):
    end = preamble(lines)
    head = lines[:end]
    comments = [l for l in head if l.strip().startswith("//")]
    imports = [l for l in head if l.strip().startswith(("import ", "@testable import "))]
    plain = [l for l in imports if l.startswith("import ")]
    testable = [l for l in imports if l.startswith("@testable")]
    return comments + (["\n"] if comments else []) + plain + (["\n"] + testable if testable else []) + lines[end:]


def main():
    files = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", *ROOTS],
                           capture_output=True, text=True, check=True).stdout.split()
    bad = []
    for name in files:
        if not name.endswith(".swift"):
            continue
        path = pathlib.Path(name)
        lines = path.read_text().splitlines(keepends=True)
        if misplaced(lines):
            bad.append(name)
            if "--fix" in sys.argv:
                path.write_text("".join(fix(lines)))
    if bad and "--fix" not in sys.argv:
        print("headers below an import (run: python3 scripts/check_headers.py --fix):\n  " + "\n  ".join(bad))
        sys.exit(1)
    print(f"headers: {len(files)} files, {len(bad)} {'fixed' if '--fix' in sys.argv else 'misplaced'}")


if __name__ == "__main__":
    main()
