"""`make exercises-mutate N=6 [E=2]`: is every line of an exercise's reference graded?

For each exercise chosen, each line of its reference region is deleted in turn, each element of
a one-line pipeline (`[[stage], [stage]]`) left out in turn, and each `if` / `guard` / `while`
condition without bindings is negated; each such mutant is built and the
exercise's graded tests run (scripts/exercises.py). A mutant that compiles and still passes every
graded test *survives*: the grade would say "done" for code that lacks that line. Survivors are
listed with their line; the reference is written back after each mutant, whatever happens.

    python3 scripts/mutate.py 6 [2]          # chapter 6 (exercise 6.2 alone)
    python3 scripts/mutate.py all            # every exercise (long: one build per mutant)
    python3 scripts/mutate.py changed        # those whose region or tests changed since their last run

The figures go to Benchmarks/results/mutation.md (one section per run). An exercise with no
survivor is recorded in scripts/mutation.lock with a digest of its region and of its chapter's
tests; `changed` (part of `make test`) mutates only the exercises whose digest differs, so CI
checks every exercise whose region or graded tests changed, and costs nothing otherwise.
"""
import hashlib
import json
import datetime
import pathlib
import re
import subprocess
import sys
import time

import exercises as tool

RESULTS = tool.ROOT / "Benchmarks" / "results" / "mutation.md"
LOCK = tool.ROOT / "scripts" / "mutation.lock"


def fingerprint(exercise):
    """The region's reference and every test of its chapter: what a mutation run's verdict rests on."""
    folder = tool.ROOT / "Tests" / (f"Chapter{int(exercise.chapter):02d}Tests" if int(exercise.chapter) <= 8 else "FinalTests")
    digest = hashlib.sha256("".join(exercise.body).encode())
    for path in sorted(folder.glob("*.swift")):
        digest.update(path.read_bytes())
    return digest.hexdigest()
SKIP = re.compile(r"^[\s\}\)\]\{]*$|^\s*//|^\s*(\} else \{|do \{|\} catch.*\{|default:|case .*:)\s*$")
CONDITION = re.compile(r"^(\s*)(guard|if|while) (.+?)( else \{.*| \{.*)$")


def stages(line):
    """The one-line array literal after `= ` (a pipeline: `[[stage], [stage]]`), as the text
    before it, its top-level elements that are literals themselves, and the text after it; None
    when the line has no such array of two or more."""
    start = line.find("= [")
    if start < 0:
        return None
    depth, element, elements, i = 0, 0, [], start + 2
    j = i
    while j < len(line):
        c = line[j]
        if c == '"':  # a string holds no bracket of the literal: skip to its end
            j = line.find('"', j + 1)
            if j < 0:
                return None
        elif c in "[(":
            depth += 1
            if depth == 2 and c == "[":
                element = j
        elif c in "])":
            depth -= 1
            if depth == 1 and c == "]":
                elements.append(line[element:j + 1])
            if depth == 0:
                inner = line[i + 1:j]
                if len(elements) < 2 or inner.replace(" ", "") != ",".join(elements).replace(" ", ""):
                    return None
                return line[:i], elements, line[j + 1:]
        j += 1
    return None


def mutants(body):
    """(kind, line number in the region, the line, the mutated body)."""
    for i, line in enumerate(body):
        if SKIP.match(line):
            continue
        yield "delete", i, line, body[:i] + body[i + 1:]
        literal = stages(line)
        if literal:  # each stage of a one-line pipeline left out in turn
            before, elements, after = literal
            for k in range(len(elements)):
                kept = ", ".join(elements[:k] + elements[k + 1:])
                yield f"drop stage {k + 1} of", i, line, body[:i] + [f"{before}[{kept}]{after}"] + body[i + 1:]
        match = CONDITION.match(line.rstrip("\n"))
        if match and not re.search(r"\b(let|var|case)\b|,", match.group(3)):
            indent, keyword, condition, rest = match.groups()
            yield "negate", i, line, body[:i] + [f"{indent}{keyword} !({condition}){rest}\n"] + body[i + 1:]


def builds(chapter):
    swift = str(tool.ROOT / "scripts" / "swift")
    for product in tool.products_for([chapter]):
        if subprocess.run([swift, "build", "--product", product], cwd=tool.ROOT, capture_output=True).returncode != 0:
            return False
    return True


def mutate(exercise):
    reference = list(exercise.body)
    survivors, killed, stillborn = [], 0, 0
    try:
        for kind, i, line, body in mutants(reference):
            tool.replace(exercise, body)
            if not builds(exercise.chapter):
                stillborn += 1
                continue
            passed, count, first = tool.run_tests([exercise])[exercise.id]
            if passed:
                survivors.append(f"{kind} line {i + 1}: {line.strip()}")
                print(f"    SURVIVES {kind} line {i + 1}: {line.strip()}", flush=True)
            else:
                killed += 1
    finally:
        tool.replace(exercise, reference)
    return killed, stillborn, survivors


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    lock = tool.read_lock()
    recorded = json.loads(LOCK.read_text()) if LOCK.exists() else {}
    if args[0] == "changed":
        chosen = [e for e in tool.scan() if recorded.get(e.id) != fingerprint(e)]
        if not chosen:
            print(f"mutation: every exercise's region and tests are as when it last had no surviving mutant ({LOCK.name})")
            return
        print(f"mutation: {len(chosen)} exercises changed since their last run: {', '.join(e.id for e in chosen)}")
    elif args[0] == "all":
        chosen = tool.scan()
    else:
        chosen = tool.select("9" if args[0] == "final" else args[0], args[1] if len(args) > 1 else None)
    stale = [e.id for e in chosen if e.state(lock) != "reference"]
    if stale:
        sys.exit(f"exercises not at their reference (make solution first): {stale}")
    rows, began = [], time.monotonic()
    for exercise in chosen:
        print(f"  {exercise.id} {exercise.title}", flush=True)
        killed, stillborn, survivors = mutate(exercise)
        rows.append((exercise.id, killed, stillborn, survivors))
        if survivors:
            recorded.pop(exercise.id, None)
        else:
            recorded[exercise.id] = fingerprint(exercise)
        LOCK.write_text(json.dumps(dict(sorted(recorded.items())), indent=1) + "\n")
        print(f"  {exercise.id}: {killed} killed, {len(survivors)} survived, {stillborn} did not compile", flush=True)
    tool.build(tool.products_for(sorted({e.chapter for e in chosen})))  # the reference, built again
    total = sum(len(s) for *_, s in rows)
    minutes = (time.monotonic() - began) / 60
    print(f"mutation: {len(rows)} exercises, {sum(k for _, k, _, _ in rows)} mutants killed, {total} survived ({minutes:.0f} min)")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    with RESULTS.open("a") as out:
        out.write(f"\n## {datetime.date.today()}: make exercises-mutate {' '.join(args)} ({minutes:.0f} min)\n\n")
        out.write("| exercise | killed | survived | did not compile | survivors |\n|---|---|---|---|---|\n")
        for id, killed, stillborn, survivors in rows:
            out.write(f"| {id} | {killed} | {len(survivors)} | {stillborn} | {'; '.join(f'`{s}`' for s in survivors)} |\n")
    sys.exit(1 if total else 0)


if __name__ == "__main__":
    main()
