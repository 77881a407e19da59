"""Runs the commands of notes/instructors.md (part of `make test`), so the guide cannot go stale.

    python3 scripts/check_instructors.py .build/debug

Each ```sh block line of the guide, in order, section by section:
- `make demo …`, `make whatsnew …`, `make samples`, `make test-deps`: run as written (debug builds
  that `make test` has made already; the demos on fresh data);
- `make demo … KEEP=1`: run until it says its server is still running, then stopped;
- `make chapter …`, `make chapters …`: started on free ports (PORT, or PORT_A and PORT_B), and
  left running for the lines after them in the same section, which reach them through
  `localhost:8000` / `:8001`; stopped at the section's end (each must say it is running);
- `make -n …`, and anything that builds for release or changes the learner's files (`run`,
  `db`, `exercise`, `solution`): checked with `make -n` (the target exists, its recipe expands);
- `MONGODB_URI=mongodb://127.0.0.1:27017 …`: a `videotube-db` is started on a free port for the
  section, and the URI points at it;
- any other line (curl): run with bash; it must exit 0 and print something (a make line: exit 0).
Exits 1 naming each line that failed.
"""
import os
import pathlib
import re
import signal
import subprocess
import sys
import tempfile
import time

from workshop.servers import free_port, start

ROOT = pathlib.Path(__file__).resolve().parent.parent
GUIDE = ROOT / "notes" / "instructors.md"
RUNS = {"demo", "whatsnew", "samples", "test-deps"}
SERVES = {"chapter", "chapters"}
DRY = {"run", "db", "exercise", "solution", "check", "dist", "bench", "reliability"}


def sections(text):
    """(title, [command lines]) for each `##`/`###` section, from its ```sh blocks."""
    out = []
    for part in re.split(r"^(?=##+ )", text, flags=re.M):
        title = part.splitlines()[0] if part.strip() else ""
        lines = []
        for block in re.findall(r"```sh\n(.*?)```", part, re.S):
            for line in block.splitlines():
                command = line.split("  #")[0].strip()
                if command and not command.startswith("#"):
                    lines.append(command)
        if lines:
            out.append((title, lines))
    return out


def wait_for(log, count, process, marker="Server is running", timeout=120):
    deadline = time.time() + timeout
    while log.read_text().count(marker) < count:
        if process.poll() is not None or time.time() > deadline:
            return False
        time.sleep(0.1)
    return True


def main():
    build = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".build/debug").resolve()
    failures, ran, dry, served = [], 0, 0, 0
    scratch = pathlib.Path(tempfile.mkdtemp(prefix="instructors-"))
    for title, lines in sections(GUIDE.read_text(encoding="utf-8")):
        running, ports, database = [], {}, None
        try:
            for line in lines:
                env = {**os.environ, "NO_COLOR": "1"}
                command = line
                if "MONGODB_URI=mongodb://127.0.0.1:27017" in command:
                    if database is None:
                        ports["27017"] = str(free_port())
                        database, _ = start(build / "videotube-db", scratch / f"db-{ports['27017']}", {"DB_PORT": ports["27017"]},
                                            ready="videotube-db serving")
                    command = command.replace("27017", ports["27017"])
                words = re.sub(r"^(\w+=\S+\s+)*", "", command).split()
                target = words[1] if len(words) > 1 and words[0] == "make" else None
                if target == "-n" or target in DRY:
                    args = words[2:] if target == "-n" else words[1:]
                    done = subprocess.run(["make", "-n", *args], cwd=ROOT, capture_output=True, text=True, env=env, timeout=60)
                    dry += 1
                    if done.returncode != 0:
                        failures.append(f"{title}: `{line}`: make -n failed: {done.stderr.strip()[:300]}")
                elif target == "demo" and "KEEP=1" in command:  # the demo, then its server left running: stopped once it says so
                    log = scratch / f"serve{served}.log"
                    served += 1
                    process = subprocess.Popen(["bash", "-c", f"exec env {command}"], cwd=ROOT, env=env, stdout=log.open("w"),
                                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
                    running.append(process)
                    if not wait_for(log, 1, process, marker="is still running"):
                        failures.append(f"{title}: `{line}` did not keep its server: {log.read_text()[-400:]}")
                elif target in SERVES:
                    log = scratch / f"serve{served}.log"
                    served += 1
                    if target == "chapters":
                        ports["8000"], ports["8001"] = str(free_port()), str(free_port())
                        env |= {"PORT_A": ports["8000"], "PORT_B": ports["8001"]}
                        count = 2
                    else:
                        ports["8000"] = str(free_port())
                        env |= {"PORT": ports["8000"], "DATA_DIR": str(scratch / f"data{served}")}
                        count = 1
                    full = command.replace("27017", ports.get("27017", "27017"))
                    process = subprocess.Popen(["bash", "-c", f"exec env {full}"], cwd=ROOT, env=env, stdout=log.open("w"),
                                               stderr=subprocess.STDOUT, start_new_session=True)
                    running.append(process)
                    if not wait_for(log, count, process):
                        failures.append(f"{title}: `{line}` did not start: {log.read_text()[-400:]}")
                else:
                    for original, port in ports.items():
                        command = command.replace(f"localhost:{original}", f"localhost:{port}").replace(f"127.0.0.1:{original}", f"127.0.0.1:{port}")
                    done = subprocess.run(["bash", "-c", command], cwd=ROOT, capture_output=True, text=True, env=env, timeout=600,
                                          stdin=subprocess.DEVNULL)
                    ran += 1
                    if done.returncode != 0 or (target is None and not done.stdout.strip()):  # a curl line must answer
                        failures.append(f"{title}: `{line}` exited {done.returncode}: {(done.stdout + done.stderr)[-400:]}")
        finally:
            for process in running:
                try:
                    os.killpg(process.pid, signal.SIGINT)
                    process.wait(timeout=30)
                except ProcessLookupError:
                    pass  # it had stopped already (its failure, if any, is recorded)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
            if database:
                database.send_signal(signal.SIGINT)
                database.wait(timeout=30)
    for failure in failures:
        print("  FAIL " + failure)
    print(f"instructors: notes/instructors.md: {ran} commands run, {served} servers started and stopped, {dry} checked with make -n; "
          f"{len(failures)} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
