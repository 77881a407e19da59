"""The workshop's exercises: regions of the real code that a learner writes back.

    make exercise N=6 [E=2] [FORCE=1]   cut chapter 6's exercises (or 6.2 alone), leaving stubs
    make exercise N=9 E=comments        cut a whole controller of the course's TODO files
    make check N=6                      build, run each exercise's tests, say what is done
    make check                          progress over the whole course (no build)
    make solution N=6 [E=2]             put the reference code back (your attempt is kept)
    make hint N=6 E=2                   what must hold, the recipe, where it is, and what grades it
    make watch N=6                      check again each time a file is saved (Ctrl-C stops)

An exercise is marked in the Swift source where its concept lives, by one line before its
reference code and one after:

    // EXERCISE 6.2: verifyJWT — find the token, verify it, load the user and their session
    ...the reference code...
    // END EXERCISE 6.2

What must hold, the recipe, the tests that grade it and its stub are in scripts/exercises.toml:

    [exercises."6.2"]
    requirement = "A request gets past verifyJWT only with a valid, unexpired access token ..."
    hint = "`Self.accessToken(in:)` finds the token; `sessions.tokens.verifyAccess` checks it."
    graded_by = ["Chapter06Tests.AuthFlow"]
    stub = ["throw ExerciseNotDone(\"6.2\")"]

A cut region holds the requirement, as a comment, above the stub; `make hint` shows the recipe.

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
import functools
import hashlib
import json
import os
import pathlib
import re
import subprocess
import sys
import textwrap
import time
import tomllib

ROOT = pathlib.Path(__file__).resolve().parent.parent
LOCK = ROOT / "scripts" / "exercises.lock"
MARKUP = ROOT / "scripts" / "exercises.toml"
STATE = ROOT / ".exercises"
BUNDLE = ROOT / ".build" / "debug" / "videotube-workshopPackageTests.xctest"
SOURCES = ["Sources", "Chapters"]

BEGIN = re.compile(r"^(\s*)// EXERCISE (\d+\.\d+): (.*)$")
END = re.compile(r"^\s*// END EXERCISE (\d+\.\d+)\s*$")


def markup(table="exercises"):
    """scripts/exercises.toml: each exercise's requirement, hint, graded tests and stub; with
    `table="groups"`, chapter 9's controllers, each a list of exercises cut together."""
    return _read_toml(MARKUP).get(table, {})


@functools.cache
def _read_toml(path):
    """A TOML file, parsed once per process (scan() and select() ask for it per file and per call)."""
    with open(path, "rb") as file:
        return tomllib.load(file)


class Exercise:
    def __init__(self, path, id, title, indent, begin, end, lines, fields):
        self.path, self.id, self.title, self.indent = path, id, title, indent
        self.header_end, self.begin, self.end = begin + 1, begin, end  # body: lines[begin + 1:end]
        self.lines = lines
        self.requirement = fields.get("requirement", "")
        self.hint = fields.get("hint", "")
        self.graded_by = list(fields.get("graded_by", []))
        # A cut region holds what must hold, as a comment, above code that compiles and throws.
        said = textwrap.wrap(self.requirement, max(40, 100 - len(indent) - 3), break_long_words=False, break_on_hyphens=False)
        self.stub_code = list(fields.get("stub", []))
        self.stub = [f"{indent}// {line}\n" for line in said] + [indent + s + "\n" for s in self.stub_code]

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
    fields = markup()
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.swift")):
            found += scan_lines(path, path.read_text().splitlines(keepends=True), fields)
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
    copy = 1
    while kind == "attempts" and (folder / name).exists():  # two attempts kept in one second: both kept
        copy += 1
        name = f"{exercise.id}-{time.strftime('%Y%m%d-%H%M%S')}-{copy}.swift"
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


def scan_lines(path, lines, fields=None):
    """The exercises in one file's lines. Everything between the two marker lines, comments
    included, is the body: the learner's, or the reference."""
    fields = markup() if fields is None else fields
    out, i = [], 0
    while i < len(lines):
        match = BEGIN.match(lines[i])
        if not match:
            i += 1
            continue
        indent, id, title = match.groups()
        end = i + 1
        while end < len(lines) and not (END.match(lines[end]) and END.match(lines[end]).group(1) == id):
            end += 1
        if end == len(lines):
            sys.exit(f"{path}: EXERCISE {id} has no END EXERCISE {id}")
        out.append(Exercise(path, id, title, indent, i, end, lines, fields.get(id, {})))
        i = end + 1
    return out


def select(chapter, number=None):
    """Chapter `chapter`'s exercises, or one (`number`), or for chapter 9 a controller's by name
    (`comments`: every handler of the course's comment.controller.js at once)."""
    chosen = [e for e in scan() if e.chapter == str(int(chapter)) or (chapter in ("9", "final") and e.chapter == "9")]
    if number and not str(number).isdigit():
        group = markup("groups").get(str(number))
        if group is None or str(int(chapter)) != "9":
            names = ", ".join(markup("groups")) or "none"
            sys.exit(f"no exercise {chapter}.{number}: chapter 9's controllers are {names}")
        return [e for id in group["exercises"] for e in chosen if e.id == id]
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
        print(f"  {exercise.id} {exercise.title}\n      {where}\n      what must hold: {exercise.requirement}\n"
              f"      the recipe, if you want it: make hint N={exercise.chapter} E={exercise.id.split('.')[1]}")
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


def run_tests(exercises, reached=None):
    """Runs the tests of `exercises` in one test process: {id: (passed, tests run, first failure)}.

    Each test is attributed to the exercises whose `Graded by` patterns match its name, read from
    swift-testing's xunit report. A test process that crashes fails every exercise it was testing.
    `reached`, a set, receives the exercises whose stub ran (ExerciseNotDone writes its id to the
    file named by EXERCISES_REACHED)."""
    import tempfile
    import xml.etree.ElementTree as ElementTree
    pattern = "|".join(p for e in exercises for p in e.graded_by)
    with tempfile.TemporaryDirectory() as folder:
        report = pathlib.Path(folder) / "report.xml"
        stubs = pathlib.Path(folder) / "reached"
        # The test bundle is run directly, once for every exercise checked: its xunit report
        # says which tests failed, so which exercises are done.
        try:
            run = subprocess.run([str(BUNDLE), "--testing-library", "swift-testing", "--filter", pattern, "--xunit-output", str(report)],
                                 cwd=ROOT, capture_output=True, text=True, timeout=600,
                                 env={**os.environ, "EXERCISES_REACHED": str(stubs)})
            output, returncode = re.sub(r"\x1b\[[0-9;]*m", "", run.stdout + run.stderr), run.returncode
        except subprocess.TimeoutExpired:  # tests that never end fail, as a crash does
            output, returncode = "Fatal error: the tests did not finish within 10 minutes", 1
        try:
            cases = ElementTree.parse(report).getroot().iter("testcase") if report.exists() else []
            results = [(f"{c.get('classname')}/{c.get('name')}", c.find("failure")) for c in cases]
        except ElementTree.ParseError:  # the process died while writing its report
            results = []
        if reached is not None and stubs.exists():
            reached.update(stubs.read_text().split())
    issues = [l.strip() for l in output.splitlines() if "Expectation failed" in l or "recorded an issue" in l]
    crashed = not results and returncode != 0
    if crashed and len(exercises) > 1:  # a crash hides which test failed: one exercise at a time
        return {k: v for e in exercises for k, v in run_tests([e]).items()}
    out = {}
    for exercise in exercises:
        mine = [(name, failure) for name, failure in results if any(re.match(p, name) for p in exercise.graded_by)]
        if crashed:
            crash = next((l.strip() for l in output.splitlines() if "Fatal error" in l), "the tests crashed")
            out[exercise.id] = (False, -1, crash)
            continue
        failed = [name for name, failure in mine if failure is not None]
        first = next((i for i in issues if any(f.split("/")[1].split("(")[0] in i for f in failed)), failed[0] if failed else "")
        out[exercise.id] = (bool(mine) and not failed, len(mine), first if mine else f"no test matched {exercise.graded_by}")
    return out


def products_for(chapters):
    """The products the tests of `chapters` need built: the test bundle, and every chapter
    executable those tests start as a process."""
    needed = set()
    for chapter in chapters:
        folder = ROOT / "Tests" / (f"Chapter{int(chapter):02d}Tests" if int(chapter) <= 8 else "FinalTests")
        for path in folder.glob("*.swift"):
            needed.update(re.findall(r'"(Chapter0[1-8])"', path.read_text()))
    return ["videotube-workshopPackageTests"] + sorted(needed)


# The compile errors a JavaScript developer meets first, each with one line of advice.
ADVICE = [
    (r"cannot assign to value: '.*' is a 'let' constant", "A `let` never changes (JS `const`): declare it with `var` to change it."),
    (r"missing argument label '(\w+):'", "Swift calls name their arguments: write the label, as in `f(\\1: value)`."),
    (r"extraneous argument label", "This parameter takes no label: pass the value alone."),
    (r"value of optional type .* must be unwrapped", "It may be nil: unwrap it first (`guard let x = x else { throw … }`) or give a default (`x ?? y`)."),
    (r"call can throw but is not marked with 'try'", "The call can fail: put `try` in front of it (Swift's `await`-like marker for errors)."),
    (r"expression is 'async' but is not marked with 'await'", "The call is asynchronous: put `await` in front of it, as in JS."),
    (r"cannot find '(\w+)' in scope", "No `\\1` is visible here: check its spelling, and whether it is a property (`self.\\1`) or needs an import."),
    (r"cannot convert value of type '(.*)' to expected argument type '(.*)'", "The types differ: Swift converts nothing by itself (`Int(x)`, `String(x)`)."),
    (r"missing return in", "Every path of the function must `return` a value (or `throw`)."),
    (r"has no member '(\w+)'", "No `\\1` on this type: the hint names the calls to use; autocomplete lists the rest."),
]


def explain(output):
    """Each compile error with the source lines under it (swiftc draws the line and a caret), and
    one line of advice when it is a common one."""
    lines = output.splitlines()
    shown, out = set(), []
    for i, line in enumerate(lines):
        # The error lines themselves, not swiftc's drawing of them (`  |  `- error: …`) nor its summary.
        if "error:" not in line or line in shown or re.match(r"^\s*(\d+\s*)?\|", line) or "command failed" in line:
            continue
        shown.add(line)
        out.append(line.strip())
        out += ["    " + l for l in lines[i + 1:i + 6] if re.match(r"^\s*(\d+\s*\||\|)", l)]
        for pattern, advice in ADVICE:
            match = re.search(pattern, line)
            if match:
                out.append("    advice: " + match.expand(advice))
                break
        if len(shown) == 5:
            break
    return "\n  ".join(out or lines[-10:])


def build(products=None, exit_on_error=True):
    """Builds what changed: `products` (the test bundle and the executables the tests start), or
    everything with its tests. It says what it builds, line by line, as SwiftPM goes."""
    print("Building (only what changed)...", flush=True)
    begin = time.monotonic()
    swift = str(ROOT / "scripts" / "swift")  # one fixed environment: see that script
    commands = [[swift, "build", "--product", p] for p in products] if products else [[swift, "build", "--build-tests"]]
    for command in commands:
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output, last = [], 0.0
        for line in process.stdout:
            output.append(line)
            step = re.match(r"^\[(\d+)/(\d+)\] (Compiling|Linking|Emitting module) (\S+)", line)
            if step and time.monotonic() - last > 5:  # a progress line every few seconds, not every file
                print(f"  {step.group(1)}/{step.group(2)} {step.group(3).lower()} {step.group(4)}", flush=True)
                last = time.monotonic()
        if process.wait() != 0:
            print("The code does not compile yet:\n  " + explain("".join(output)))
            if exit_on_error:
                sys.exit(1)
            return None
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
    chosen = select(chapter)
    took = build(products_for([chapter]))
    progress = progress_file()
    begin = time.monotonic()
    reached = set()
    outcome = run_tests(chosen, reached)
    results, waiting = [], set()
    for exercise in chosen:
        passed, _, first = outcome[exercise.id]
        results.append(passed)
        if passed:
            progress[exercise.id] = digest(exercise.body)
            print(f"  done      {exercise.id} {exercise.title}")
        else:
            progress.pop(exercise.id, None)
            # The reference cannot be wrong (make exercises-prove): when it fails, its tests go
            # through an exercise of the chapter that is still cut, which is the one to write.
            cut = [e.id for e in chosen if e.id != exercise.id and e.state(lock) == "open"]
            ran = [id for id in cut if id in reached]  # the other cut stubs that ran while its tests did
            if cut and exercise.state(lock) == "reference":
                first_write, why = ran or cut, f"its tests go through {', '.join(ran or cut)}, still cut"
            elif exercise.state(lock) == "open" and exercise.id not in reached and ran:
                # A stub that never ran cannot be what failed: its tests stopped at another one first.
                first_write, why = ran, f"its tests stop at {', '.join(ran)} before they reach it"
            else:
                first_write = None
            if first_write:
                print(f"  waiting   {exercise.id} {exercise.title}\n            {why}: "
                      f"write {'that one' if len(first_write) == 1 else 'those'} first")
                waiting.add(exercise.id)
                continue
            print(f"  not yet   {exercise.id} {exercise.title}\n            {first}\n            "
                  f"requirement and recipe: make hint N={exercise.chapter} E={exercise.id.split('.')[1]}")
    STATE.mkdir(exist_ok=True)
    (STATE / "progress.json").write_text(json.dumps(progress, indent=1))
    # Chapter 9's controllers that hold the learner's work (cut or written): one line each.
    done = {e.id for e, passed in zip(chosen, results) if passed}
    mine = {e.id for e in chosen if e.state(lock) != "reference"}
    for name, group in (markup("groups") if str(int(chapter)) == "9" else {}).items():
        ids = set(group["exercises"])
        if ids & mine:
            also = f" ({len(ids & waiting)} waiting)" if ids & waiting else ""
            print(f"  {name}: {len(ids & done)} of {len(ids)} done{also}")
    print(f"{sum(results)} of {len(results)} done (build {took:.1f} s, tests {time.monotonic() - begin:.1f} s)")
    sys.exit(0 if all(results) else 1)


def cmd_hint(chapter, number=None):
    for exercise in select(chapter, number):
        print(f"{exercise.id} {exercise.title}\n  where:       {exercise.path.relative_to(ROOT)}:{exercise.begin + 1}\n"
              f"  must hold:   {exercise.requirement}\n  the recipe:  {exercise.hint}\n"
              f"  graded by:   {', '.join(exercise.graded_by)}")


def cmd_watch(chapter):
    """make watch: check the chapter again each time a Swift file under Sources/ or Chapters/ is
    saved (polling their times twice a second), until Ctrl-C."""
    def stamp():
        return max(p.stat().st_mtime_ns for folder in SOURCES for p in (ROOT / folder).rglob("*.swift"))
    seen = None
    print(f"Watching Sources/ and Chapters/: make check N={chapter} runs on every save. Ctrl-C stops.", flush=True)
    try:
        while True:
            now = stamp()
            if now != seen:
                seen = now
                subprocess.run([sys.executable, __file__, "check", chapter], cwd=ROOT)
                print(f"-- {time.strftime('%H:%M:%S')}: watching for the next save (Ctrl-C stops)", flush=True)
            time.sleep(0.5)
    except KeyboardInterrupt:
        print()


def cmd_lock():
    exercises = scan()
    lock = {e.id: {"file": str(e.path.relative_to(ROOT)), "title": e.title, "sha256": digest(e.body)} for e in exercises}
    for e in exercises:
        if not e.stub_code or not e.graded_by or not e.hint or not e.requirement:
            sys.exit(f"{e.id}: every exercise needs a requirement, a hint, graded_by and a stub in scripts/exercises.toml")
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
        outcome = run_tests(scan())
        for exercise in scan():
            passed, count, first = outcome[exercise.id]
            graded = count != 0 and not passed  # -1: the tests crashed, which fails them too
            print(f"  {exercise.id:5} cut: {count:2} tests, {'fail (graded)' if graded else 'NOT GRADED: ' + (first or 'they pass')}  {exercise.title}",
                  flush=True)
            if not graded:
                ungraded.append(exercise.id)
    finally:
        for path, text in originals.items():
            path.write_text(text)
    build()
    outcome = run_tests(scan())
    for exercise in scan():
        passed, count, first = outcome[exercise.id]
        print(f"  {exercise.id:5} restored: {count:2} tests, {'pass' if passed else 'FAIL: ' + first}", flush=True)
        if not passed:
            ungraded.append(exercise.id)
    if ungraded:
        sys.exit(f"exercises not proven graded: {sorted(set(ungraded))}")
    print(f"{len(exercises)} exercises: each one's tests fail while it is cut and pass with the reference")


def cmd_lessons():
    """Each lesson's "Your turn" lists every exercise of its chapter, with its file (notes-check)."""
    missing = []
    exercises = scan()
    for exercise in exercises:
        lesson = next((ROOT / "notes").glob(f"{int(exercise.chapter):02d}-*.md"), None)
        text = lesson.read_text() if lesson else ""
        turn = text.split("## Your turn", 1)[1] if "## Your turn" in text else ""
        row = f"| {exercise.id} |"
        if row not in turn or str(exercise.path.relative_to(ROOT)) not in turn:
            missing.append(f"{exercise.id} ({lesson.name if lesson else 'no lesson'})")
    if missing:
        sys.exit("lessons whose Your turn misses an exercise or its file: " + ", ".join(missing))
    print(f"exercises: every one of {len(exercises)} listed in its lesson's Your turn")


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    command, rest = args[0], [("9" if a == "final" else a) for a in args[1:]]
    number = os.environ.get("E") or None
    if command == "open":
        cmd_open(rest[0], number, force=os.environ.get("FORCE") == "1")
    elif command == "solution":
        cmd_solution(rest[0], number)
    elif command == "check":
        cmd_check(rest[0] if rest and rest[0] else None)
    elif command == "hint":
        cmd_hint(rest[0], number)
    elif command == "watch":
        cmd_watch(rest[0])
    elif command == "lock":
        cmd_lock()
    elif command == "prove":
        cmd_prove()
    elif command == "lessons":
        cmd_lessons()
    elif command == "list":
        for e in scan():
            print(f"{e.id:5} {e.title}  ({e.path.relative_to(ROOT)}:{e.begin + 1}; graded by {', '.join(e.graded_by)})")
        for name, group in markup("groups").items():
            print(f"E={name}: {group['title']} ({', '.join(group['exercises'])})")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
