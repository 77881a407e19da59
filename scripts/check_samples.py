"""Keeps the lessons' sample output true: runs each lesson's "Try it" against its chapter and
compares what it prints with what the lesson shows (`make samples-check`, part of `make test`).

    python3 scripts/check_samples.py .build/debug [LESSON ...]     # e.g. 06 or 06-jwt.md

What a "Try it" section may hold, in its ```sh blocks:
- the line that starts the server (`make chapter N=k`, `make run`, with `VAR=value` in front):
  the checker starts the built binary on a free port and a fresh data folder instead, and each
  `# ` line after it must match a line of the server's log (the start-up line, warnings);
- `make samples`: writes the sample files (scripts/make_samples.py);
- any other line is a shell command, run in order in one bash session in a scratch folder
  (so `jar`, `me.png` and variables carry over), with `localhost:8000` pointed at the server.
  The `# ` lines right after a command are lines of its output, in order (the lines between
  them are not compared); a line starting `#  ` continues the one before. `…` stands for any text; a note at the end of a line, two spaces
  then `(…)`, is prose and not compared. A command with no `# ` lines is run, not compared.
"""
import pathlib
import re
import shutil
import signal
import subprocess
import sys
import tempfile

from workshop.servers import start

ROOT = pathlib.Path(__file__).resolve().parent.parent
NOTES = ROOT / "notes"
BINARIES = {f"{k:02d}": f"Chapter{k:02d}" for k in range(2, 9)} | {"09": "videotube"}
START = re.compile(r"^((?:[A-Z_]+=\S*\s+)*)make (chapter N=\d|run)\b")
MARK = "@@videotube-sample@@"


def try_it_blocks(text):
    """The ```sh blocks of the "## Try it" section (or "## Walk through it")."""
    section = re.search(r"^## (Try it|Walk through it[^\n]*)\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    return re.findall(r"```sh\n(.*?)```", section.group(2), re.S) if section else []


def steps(blocks):
    """(command, [expected lines]) in order; continuation lines (`\\`) joined."""
    out = []
    for block in blocks:
        lines = block.splitlines()
        i = 0
        while i < len(lines):
            line = lines[i]
            if not line.strip():
                i += 1
                continue
            if line.startswith("#"):
                raise SystemExit(f"a `#` line with no command before it: {line!r}")
            command = line
            while command.endswith("\\") and i + 1 < len(lines):
                i += 1
                command = command[:-1] + " " + lines[i].strip()
            expected = []
            while i + 1 < len(lines) and lines[i + 1].startswith("#"):
                i += 1
                text = strip_note(lines[i][2:] if lines[i].startswith("# ") else lines[i][1:])
                if text.startswith(" ") and expected:
                    expected[-1] += text.strip()
                else:
                    expected.append(text)
            out.append((command, expected))
            i += 1
    return out


def strip_note(line):
    return re.sub(r"\s{2,}\([^()]*(\([^()]*\)[^()]*)*\)\s*$", "", line).rstrip()


def pattern(expected):
    return re.compile(".*?".join(re.escape(part) for part in expected.split("…")), re.S)


def matches(expected, actual):
    return pattern(expected).fullmatch(actual.rstrip()) is not None


def check(lesson, build):
    number = lesson.name[:2]
    blocks = try_it_blocks(lesson.read_text())
    if number not in BINARIES or not blocks:
        return []
    problems = []
    scratch = pathlib.Path(tempfile.mkdtemp(prefix=f"samples-{number}-"))
    (scratch / "scripts").symlink_to(ROOT / "scripts")
    process = None
    script = []
    compared = []
    try:
        for command, expected in steps(blocks):
            started = START.match(command)
            if started:
                env = dict(re.findall(r"([A-Z_]+)=(\S*)", started.group(1)))
                env |= {"MONGODB_URI": "", "DB_PORT": "", "HOST": "127.0.0.1"}
                # The folders `make chapter N=k` (or `make run`) gives, inside the scratch folder.
                data = "./data" if number == "09" else f"./data/chapter{number}"
                env = {"DATA_DIR": data, "MEDIA_DIR": f"{data}/media"} | env
                process, port = start(build / BINARIES[number], scratch / "server", env, cwd=scratch)
                log = (scratch / "server" / "server.log").read_text().splitlines()
                for line in expected:
                    line = line.replace("8000", str(port))
                    if not any(matches("…" + line, entry) for entry in log):
                        problems.append(f"the log has no line like: {line}\n    it has:\n      " + "\n      ".join(log))
                continue
            if command.startswith("make samples"):
                command = "python3 scripts/make_samples.py samples"
            elif command.startswith("make "):
                continue
            command = command.replace("localhost:8000", f"localhost:{port}").replace("127.0.0.1:8000", f"127.0.0.1:{port}")
            script.append(f"{command}\necho; echo {MARK}")
            compared.append((command, expected))
        if process is None:
            return [f"{lesson.name}: its Try it never starts the server"]
        run = subprocess.run(["bash", "-c", "\n".join(script)], cwd=scratch, capture_output=True, text=True, timeout=300)
        outputs = run.stdout.split(MARK + "\n")
        for (command, expected), output in zip(compared, outputs):
            lines = [line for line in output.splitlines() if line.strip()]
            at = 0  # the expected lines appear in this order, others may come between them
            for line in expected:
                # Answers name the address they were asked at (media URLs).
                line = line.replace("localhost:8000", f"localhost:{port}").replace("127.0.0.1:8000", f"127.0.0.1:{port}")
                found = next((k for k in range(at, len(lines)) if matches(line, lines[k])), None)
                if found is None:
                    shown = "\n              ".join(lines[at:at + 8]) or "(nothing)"
                    problems.append(f"$ {command}\n    expected: {line}\n    printed:  {shown}")
                    break
                at = found + 1
        if len(outputs) < len(compared):
            problems.append(f"the commands stopped early: {run.stderr[-500:]}")
    finally:
        if process:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=20)
        shutil.rmtree(scratch, ignore_errors=True)
    return [f"{lesson.name}: {p}" for p in problems]


def main():
    build = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".build/debug").resolve()
    wanted = sys.argv[2:]
    lessons = [p for p in sorted(NOTES.glob("0*.md")) if not wanted or any(p.name.startswith(w) for w in wanted)]
    problems, checked = [], 0
    for lesson in lessons:
        found = check(lesson, build)
        checked += bool(try_it_blocks(lesson.read_text())) and lesson.name[:2] in BINARIES
        problems += found
    for p in problems:
        print(p)
    print(f"samples: {checked} lessons' Try it run, {len(problems)} differences")
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
