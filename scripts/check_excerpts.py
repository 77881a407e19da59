"""make test: the Swift excerpts in notes/ say what the code says.

Every ```swift block in a lesson starts with a comment naming where it comes from:

    // Sources/Course/06-Auth/VerifyJWT.swift          the excerpt is that file's code
    // Illustrative: ...                                 a sketch, not the project's code

For a named file, every line of the excerpt (blank lines and lines with `…` aside) must appear in
the file, whitespace-trimmed and in the same order; `// (abridged)` after the path allows the
excerpt to leave lines out, which it always may. A trailing `// comment` on an excerpt line is
ignored when comparing, so a lesson may annotate. A block with neither comment fails.

An excerpt never shows an exercise's answer: one that shares three or more lines with the
reference region of an exercise (`// EXERCISE k.i` … `// END EXERCISE k.i`) fails. A lesson shows
the Node original and says what the region must do; `make solution` shows the reference.
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
import exercises  # noqa: E402  (the exercises tool reads the regions)


def code(line):
    """The line without a trailing `// comment`, trimmed (strings containing // are rare here)."""
    stripped = line.strip()
    if stripped.startswith("//"):
        return ""
    return re.sub(r"\s+//\s.*$", "", stripped).strip()


def check(lesson, number, block):
    lines = block.split("\n")
    head = lines[0].strip()
    if head.lower().startswith("// illustrative"):
        return []
    match = re.match(r"//\s+((?:Sources|Chapters|Tests|Benchmarks)/\S+\.swift)", head)
    if not match:
        return [f"{lesson}: swift block {number} names no source file and is not marked // Illustrative"]
    source = ROOT / match.group(1)
    if not source.exists():
        return [f"{lesson}: swift block {number} names {match.group(1)}, which does not exist"]
    wanted = [code(l) for l in lines[1:]]
    wanted = [w for w in wanted if w and "…" not in w]
    have = [code(l) for l in source.read_text().split("\n")]
    regions = exercises.scan_lines(source, source.read_text().splitlines(keepends=True))
    for region in regions:
        answer = {code(l) for l in region.body if len(code(l)) > 8}  # not braces and `do {`
        shown = [line for line in wanted if line in answer]
        if len(shown) >= 3:
            return [f"{lesson}: swift block {number} shows {len(shown)} lines of exercise {region.id}'s answer "
                    f"(e.g. `{shown[0][:60]}`): say what the region must do instead"]
    at = 0
    for line in wanted:
        try:
            at = have.index(line, at) + 1
        except ValueError:
            return [f"{lesson}: swift block {number} ({match.group(1)}): not in the file, or out of order: {line}"]
    return []


def main():
    problems = []
    blocks = 0
    for lesson in sorted((ROOT / "notes").glob("*.md")):
        for number, block in enumerate(re.findall(r"```swift\n(.*?)```", lesson.read_text(), re.S), start=1):
            blocks += 1
            problems += check(lesson.name, number, block)
    for problem in problems:
        print(problem)
    print(f"excerpts: {blocks} swift blocks in notes/, {len(problems)} drifted")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
