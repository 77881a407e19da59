"""The workshop's exercises: regions of the real code that a learner writes back.

    make exercise N=6 [E=2] [FORCE=1]   cut chapter 6's exercises (or 6.2 alone), leaving stubs
    make check N=6                      build, run each exercise's tests, say what is done
    make check                          progress over the whole course (no build)
    make solution N=6 [E=2]             put the reference code back (your attempt is kept)

An exercise is marked in the Swift source where its concept lives:

    // EXERCISE 6.2: verifyJWT — find the token, verify it, load the user and their session
    // Hint: `Self.accessToken(in:)` finds the token; `sessions.tokens.verifyAccess` checks it.
    // Graded by: Chapter06Tests.AuthFlow
    // Stub: throw ExerciseNotDone("6.2")
    ...the reference code...
    // END EXERCISE 6.2

Cutting replaces the reference code with the stub (which compiles and throws a named error,
so the rest of the chapter runs) and keeps the reference in .exercises/solutions/. Nothing is
ever thrown away: a region that holds your edits is not cut unless you ask (FORCE=1), and
whatever it held is kept in .exercises/attempts/ first. Git is not needed; when .exercises/ is
gone, the reference comes back from git's HEAD.

scripts/exercises.lock holds each reference region's SHA-256, so the tool can tell the
reference, a stub and your own code apart. After changing reference code: `make exercises-lock`.
`make exercises-prove` (part of `make test`) cuts every exercise, builds once, and checks that
each exercise's tests fail while it is cut; the full test run that follows checks they pass.
"""
import hashlib
import json
import os
import pathlib
import re
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
LOCK = ROOT / "scripts" / "exercises.lock"
STATE = ROOT / ".exercises"
SOURCES = ["Sources", "Chapters"]

BEGIN = re.compile(r"^(\s*)// EXERCISE (\d+\.\d+): (.*)$")
END = re.compile(r"^\s*// END EXERCISE (\d+\.\d+)\s*$")


class Exercise:
    def __init__(self, path, id, title, indent, header, begin, end, lines):
        self.path, self.id, self.title, self.indent = path, id, title, indent
        self.header_end, self.begin, self.end = header, begin, end  # body: lines[header:end]
        self.lines = lines
        fields = {}
        key = None
        for line in lines[begin + 1:header]:
            text = line.strip()[2:].strip()
            match = re.match(r"^(Hint|Graded by|Stub):\s*(.*)$", text)
            if match:
                key = match.group(1)
                fields.setdefault(key, []).append(match.group(2))
            elif key:
                fields[key].append(text)
        self.hint = " ".join(fields.get("Hint", []))
        self.graded_by = [g.strip() for g in " ".join(fields.get("Graded by", [])).split(",") if g.strip()]
        self.stub = [indent + s + "\n" for s in fields.get("Stub", [])]

    @property
    def chapter(self):
        return self.id.split(".")[0]

    @property
    def body(self):
        return self.lines[self.header_end:self.end]

    def state(self, lock):
        if self.body == self.stub:
            return "open"
        if digest(self.body) == lock.get(self.id, {}).get("sha256"):
            return "reference"
        return "edited"


def digest(lines):
    return hashlib.sha256("".join(lines).encode()).hexdigest()


def scan():
    """Every exercise in the sources, in order of id."""
    found = []
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.swift")):
            found += scan_lines(path, path.read_text().splitlines(keepends=True))
    return sorted(found, key=lambda e: [int(p) for p in e.id.split(".")])


def replace(exercise, new_body):
    """Writes `new_body` into the exercise's region of its file."""
    lines = exercise.path.read_text().splitlines(keepends=True)
    current = next(e for e in scan_lines(exercise.path, lines) if e.id == exercise.id)
    lines[current.header_end:current.end] = new_body
    exercise.path.write_text("".join(lines))


def read_lock():
    return json.loads(LOCK.read_text()) if LOCK.exists() else {}


def keep(kind, exercise, body):
    folder = STATE / kind
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{exercise.id}.swift" if kind == "solutions" else f"{exercise.id}-{time.strftime('%Y%m%d-%H%M%S')}.swift"
    (folder / name).write_text("".join(body))
    return folder / name


def reference(exercise, lock):
    """The reference body: from .exercises/solutions, else from git's HEAD; checked by its digest."""
    want = lock.get(exercise.id, {}).get("sha256")
    saved = STATE / "solutions" / f"{exercise.id}.swift"
    if saved.exists():
        body = saved.read_text().splitlines(keepends=True)
        if digest(body) == want:
            return body
    try:
        relative = exercise.path.relative_to(ROOT)
        text = subprocess.run(["git", "show", f"HEAD:{relative}"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
        lines = text.splitlines(keepends=True)
        for candidate in scan_lines(exercise.path, lines):
            if candidate.id == exercise.id and digest(candidate.body) == want:
                return candidate.body
    except (subprocess.CalledProcessError, FileNotFoundError):
        pass
    return None


def scan_lines(path, lines):
    out, i = [], 0
    while i < len(lines):
        match = BEGIN.match(lines[i])
        if not match:
            i += 1
            continue
        indent, id, title = match.groups()
        header = i + 1
        while header < len(lines) and lines[header].strip().startswith("//") and not END.match(lines[header]):
            header += 1
        end = header
        while end < len(lines) and not (END.match(lines[end]) and END.match(lines[end]).group(1) == id):
            end += 1
        if end == len(lines):
            sys.exit(f"{path}: EXERCISE {id} has no END EXERCISE {id}")
        out.append(Exercise(path, id, title, indent, header, i, end, lines))
        i = end + 1
    return out


def select(chapter, number=None):
    chosen = [e for e in scan() if e.chapter == str(int(chapter)) or (chapter in ("9", "final") and e.chapter == "9")]
    if number:
        chosen = [e for e in chosen if e.id.split(".")[1] == str(number)]
    if not chosen:
        sys.exit(f"no exercise {chapter}{'.' + str(number) if number else ''} (make check lists them)")
    return chosen


# MARK: commands

def cmd_open(chapter, number=None, force=False):
    lock = read_lock()
    for exercise in select(chapter, number):
        state = exercise.state(lock)
        where = f"{exercise.path.relative_to(ROOT)}:{exercise.begin + 1}"
        if state == "open":
            print(f"  {exercise.id} is open already: {where}")
            continue
        if state == "edited":
            if not force:
                print(f"  {exercise.id} holds your own code ({where}): left as it is. FORCE=1 cuts it (your code is kept first).")
                continue
            print(f"  {exercise.id}: your code is kept in {keep('attempts', exercise, exercise.body).relative_to(ROOT)}")
        else:
            keep("solutions", exercise, exercise.body)
        replace(exercise, exercise.stub)
        print(f"  {exercise.id} {exercise.title}\n      {where}\n      hint: {exercise.hint}")
    print(f"Write each one, then: make check N={chapter}")


def cmd_solution(chapter, number=None):
    lock = read_lock()
    for exercise in select(chapter, number):
        state = exercise.state(lock)
        if state == "reference":
            print(f"  {exercise.id} holds the reference already")
            continue
        body = reference(exercise, lock)
        if body is None:
            sys.exit(f"  {exercise.id}: no reference found (.exercises/solutions/ is gone and git has none): left as it is")
        if state == "edited":
            print(f"  {exercise.id}: your code is kept in {keep('attempts', exercise, exercise.body).relative_to(ROOT)}")
        replace(exercise, body)
        print(f"  {exercise.id} {exercise.title}: reference code restored")


def run_tests(exercise):
    """Runs the exercise's tests: (passed, how many ran, the first failing expectation or error)."""
    pattern = "|".join(exercise.graded_by)
    run = subprocess.run(["swift", "test", "--skip-build", "--filter", pattern], cwd=ROOT, capture_output=True, text=True)
    output = run.stdout + run.stderr
    first = next((l.strip() for l in output.splitlines() if "Expectation failed" in l or "recorded an issue" in l or "error:" in l), "")
    ran = re.search(r"Test run with (\d+) tests?", output)
    count = int(ran.group(1)) if ran else 0
    if count == 0:
        return False, 0, f"no test matched {pattern}"
    return run.returncode == 0, count, first


def build():
    print("Building (only what changed)...", flush=True)
    begin = time.monotonic()
    run = subprocess.run(["swift", "build", "--build-tests"], cwd=ROOT, capture_output=True, text=True)
    if run.returncode != 0:
        errors = [l for l in (run.stdout + run.stderr).splitlines() if "error:" in l]
        print("The code does not compile yet:\n  " + "\n  ".join(errors[:10]))
        sys.exit(1)
    return time.monotonic() - begin


def progress_file():
    path = STATE / "progress.json"
    return json.loads(path.read_text()) if path.exists() else {}


def cmd_check(chapter=None):
    lock = read_lock()
    if chapter is None:
        progress = progress_file()
        print("| exercise | state | where |\n|---|---|---|")
        for exercise in scan():
            state = exercise.state(lock)
            passed = progress.get(exercise.id) == digest(exercise.body)
            shown = ("done" if passed else "written, not checked") if state == "edited" else \
                ("open" if state == "open" else ("done (reference)" if passed else "not started"))
            print(f"| {exercise.id} {exercise.title} | {shown} | {exercise.path.relative_to(ROOT)}:{exercise.begin + 1} |")
        return
    took = build()
    progress = progress_file()
    results = []
    for exercise in select(chapter):
        begin = time.monotonic()
        passed, _, first = run_tests(exercise)
        results.append(passed)
        if passed:
            progress[exercise.id] = digest(exercise.body)
            print(f"  done      {exercise.id} {exercise.title}")
        else:
            progress.pop(exercise.id, None)
            print(f"  not yet   {exercise.id} {exercise.title}\n            {first}\n            hint: {exercise.hint}")
        print(f"            ({time.monotonic() - begin:.1f} s of tests)", flush=True)
    STATE.mkdir(exist_ok=True)
    (STATE / "progress.json").write_text(json.dumps(progress, indent=1))
    print(f"{sum(results)} of {len(results)} done (build {took:.1f} s)")
    sys.exit(0 if all(results) else 1)


def cmd_lock():
    exercises = scan()
    lock = {e.id: {"file": str(e.path.relative_to(ROOT)), "title": e.title, "sha256": digest(e.body)} for e in exercises}
    for e in exercises:
        if not e.stub or not e.graded_by or not e.hint:
            sys.exit(f"{e.id}: every exercise needs a Hint, a Graded by and a Stub line")
        if e.body == e.stub:
            sys.exit(f"{e.id} is cut: restore it (make solution) before locking")
    LOCK.write_text(json.dumps(lock, indent=1, ensure_ascii=False) + "\n")
    print(f"locked {len(lock)} exercises")


def cmd_prove():
    """Cuts every exercise, builds once, checks each exercise's tests fail; restores them all,
    builds again, and checks the same tests pass."""
    lock = read_lock()
    exercises = scan()
    stale = [e.id for e in exercises if e.state(lock) != "reference"]
    missing = sorted(set(lock) - {e.id for e in exercises})
    if stale or missing:
        sys.exit(f"exercises not at their reference (edited, cut, or the lock is out of date: make exercises-lock): {stale + missing}")
    originals = {e.path: e.path.read_text() for e in exercises}
    ungraded = []
    try:
        for exercise in exercises:
            replace(exercise, exercise.stub)
        build()
        for exercise in scan():
            passed, count, first = run_tests(exercise)
            graded = count > 0 and not passed
            print(f"  {exercise.id:5} cut: {count:2} tests, {'fail (graded)' if graded else 'NOT GRADED: ' + (first or 'they pass')}  {exercise.title}",
                  flush=True)
            if not graded:
                ungraded.append(exercise.id)
    finally:
        for path, text in originals.items():
            path.write_text(text)
    build()
    for exercise in scan():
        passed, count, first = run_tests(exercise)
        print(f"  {exercise.id:5} restored: {count:2} tests, {'pass' if passed else 'FAIL: ' + first}", flush=True)
        if not passed:
            ungraded.append(exercise.id)
    if ungraded:
        sys.exit(f"exercises not proven graded: {sorted(set(ungraded))}")
    print(f"{len(exercises)} exercises: each one's tests fail while it is cut and pass with the reference")


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    command, rest = args[0], args[1:]
    number = os.environ.get("E") or None
    if command == "open":
        cmd_open(rest[0], number, force=os.environ.get("FORCE") == "1")
    elif command == "solution":
        cmd_solution(rest[0], number)
    elif command == "check":
        cmd_check(rest[0] if rest and rest[0] else None)
    elif command == "lock":
        cmd_lock()
    elif command == "prove":
        cmd_prove()
    elif command == "list":
        for e in scan():
            print(f"{e.id:5} {e.title}  ({e.path.relative_to(ROOT)}:{e.begin + 1}; graded by {', '.join(e.graded_by)})")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
