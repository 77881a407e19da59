"""`make whatsnew N=k`: what chapter k adds to the one before, for an instructor's first slide.

    python3 scripts/whatsnew.py 6 .build/debug

The module(s) chapter k introduces (its `Sources/Course/NN*` folders) with each file's lines, its
executable, the routes its server serves that chapter k-1's does not (read from each running
server's own router: `GET /api/v1/routes` from chapter 03 on, the start-up line before), the
exercises it sets and the lesson to read. Both servers run on fresh temporary data and stop.
"""
import json
import pathlib
import re
import signal
import sys
import tempfile
import urllib.request

from workshop.servers import start

ROOT = pathlib.Path(__file__).resolve().parent.parent
PRODUCTS = {k: f"Chapter{k:02d}" for k in range(1, 9)} | {9: "videotube"}


def lines(path):
    return sum(1 for _ in path.open(encoding="utf-8"))


def routes(build, chapter, scratch):
    """The (method, path) pairs chapter `chapter`'s server serves; empty for chapter 01 (no server)."""
    if chapter < 2:
        return []
    process, port = start(build / PRODUCTS[chapter], scratch / f"c{chapter}", {"HOST": "127.0.0.1", "MONGODB_URI": "", "DB_PORT": ""})
    try:
        if chapter >= 3:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/routes", timeout=10) as answer:
                return [(r["method"], r["path"]) for r in json.load(answer)["data"]]
        banner = next(line for line in (scratch / f"c{chapter}" / "server.log").read_text().splitlines() if "Server is running" in line)
        listed = banner.split(" — ", 1)[1].split("; ")[0]  # chapter 02 lists all of its few routes
        return [(method, path) for methods, path in (entry.split(" ", 1) for entry in listed.split(", ")) for method in methods.split("|")]
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in {str(k) for k in range(1, 10)} | {"final"}:
        sys.exit("usage: whatsnew.py N (1..9, or final) [BUILD-FOLDER]")
    k = 9 if sys.argv[1] == "final" else int(sys.argv[1])
    build = pathlib.Path(sys.argv[2] if len(sys.argv) > 2 else ".build/debug").resolve()
    lesson = next(ROOT.glob(f"notes/{k:02d}-*.md"))
    title = lesson.read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
    print(f"Chapter {title}")
    folders = sorted(ROOT.glob(f"Sources/Course/{k:02d}*-*")) if k < 9 else [ROOT / "Sources/Final"]
    for folder in folders:
        files = sorted(p for p in folder.rglob("*.swift"))
        print(f"\n  module {folder.relative_to(ROOT)}: {len(files)} files, {sum(map(lines, files))} lines")
        for file in files:
            print(f"    {lines(file):5d}  {file.relative_to(folder)}")
    if k < 9:
        executable = next(ROOT.glob(f"Chapters/{k:02d}-*"))
        files = sorted(executable.glob("*.swift"))
        print(f"\n  executable {executable.relative_to(ROOT)} ({PRODUCTS[k]}): {', '.join(f.name for f in files)}, "
              f"{sum(map(lines, files))} lines")
    with tempfile.TemporaryDirectory(prefix="whatsnew-") as scratch:
        scratch = pathlib.Path(scratch)
        before, now = routes(build, k - 1, scratch), routes(build, k, scratch)
    added = [route for route in now if route not in before]
    gone = [route for route in before if route not in now]
    if k == 1:
        print("\n  routes: none yet (chapter 01 connects to the database and exits; chapter 02 is the first server)")
    else:
        print(f"\n  routes: {len(now)} served, {len(added)} new over chapter {k - 1:02d}" + (f", {len(gone)} no longer" if gone else ""))
    for method, path in added:
        print(f"    + {method:6s} {path}")
    for method, path in gone:
        print(f"    - {method:6s} {path}")
    exercises = re.findall(r"^\| (\d\.\d+) \| ([^|]+) \|", lesson.read_text(encoding="utf-8"), re.M)
    if exercises:
        print(f"\n  exercises (make exercise N={k}, make check N={k}):")
        for number, what in exercises:
            print(f"    {number}  {what.strip()}")
    print(f"\n  lesson: {lesson.relative_to(ROOT)}    demo: make demo N={k}    run: "
          + ("make chapter N=9 (debug) or make run" if k == 9 else f"make chapter N={k}"))


if __name__ == "__main__":
    main()
