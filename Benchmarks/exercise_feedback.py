"""How long a learner waits: from saving an exercise to `make check`'s report (debug build).

    python3 Benchmarks/exercise_feedback.py [6.2 9.3 ...]

For each exercise: cut it and let `make check` build and report it open (not timed), then write
the reference code back, as a learner saving a right answer would, and time `make check N=k`
from there to its report: the incremental build and the chapter's tests. Goals (issue 23): under
30 s for a chapter 06 exercise, under 60 s for a Final one. Results go to
Benchmarks/results/exercise-feedback.md.
"""
import pathlib
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
TOOL = [sys.executable, str(ROOT / "scripts" / "exercises.py")]


def run(*args, env=None):
    return subprocess.run(TOOL + list(args), cwd=ROOT, capture_output=True, text=True, env=env)


def measure(exercise_id):
    import os
    chapter, number = exercise_id.split(".")
    env = {**os.environ, "E": number}
    assert run("open", chapter, env=env).returncode == 0
    try:
        opened = run("check", chapter)  # builds the stub: the state the learner starts from
        assert "not yet" in opened.stdout, opened.stdout[-2000:]
    finally:
        assert run("solution", chapter, env=env).returncode == 0  # the learner's right answer, saved
    begin = time.monotonic()
    checked = run("check", chapter)
    took = time.monotonic() - begin
    build = next((line for line in checked.stdout.splitlines() if "done (build" in line), "")
    return took, checked.returncode == 0, build.strip()


def main():
    ids = sys.argv[1:] or ["6.2", "9.3"]
    subprocess.run([str(ROOT / "scripts" / "swift"), "build", "--build-tests"], cwd=ROOT, check=True, capture_output=True)
    rows = []
    for exercise_id in ids:
        took, passed, summary = measure(exercise_id)
        goal = 30 if not exercise_id.startswith("9.") else 60
        rows.append(f"| {exercise_id} | {took:.1f} s | {summary} | {'all done' if passed else 'NOT all done'} | < {goal} s |")
        print(rows[-1], flush=True)
    out = ROOT / "Benchmarks" / "results" / "exercise-feedback.md"
    out.write_text(
        "# Exercise feedback time (debug build, this machine: 2 cores)\n\n"
        "From saving a right answer to `make check N=k`'s report: the incremental build of what\n"
        "changed, then each of the chapter's exercises' tests (`swift test --skip-build --filter`).\n"
        "Measured by `python3 Benchmarks/exercise_feedback.py` after a first build.\n\n"
        "| exercise | save → report | make check's summary | result | goal |\n|---|---|---|---|---|\n" + "\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
