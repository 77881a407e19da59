"""Starting a built server from the Python helpers (`make demo`, `make bench`, the Python tests),
in one place: a free port, a fresh data folder, the output in a log, and a wait for the line that
says it listens."""
import os
import pathlib
import socket
import subprocess
import time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(binary, folder, env=None, cwd=None, ready="Server is running", timeout=60):
    """Starts `binary` (or a command, as a list) on a free `PORT` with its data and media under `folder` (and `env` over the
    environment), its output in `folder/server.log`. Returns `(process, port)` once the log says
    `ready`; exits with the log when the server stops or does not get there within `timeout`."""
    folder = pathlib.Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = folder / "server.log"
    full_env = {**os.environ, "PORT": str(port), "DATA_DIR": str(folder / "data"), "MEDIA_DIR": str(folder / "media"), **(env or {})}
    with open(log_path, "w") as log:
        command = [str(part) for part in binary] if isinstance(binary, (list, tuple)) else [str(binary)]
        process = subprocess.Popen(command, env=full_env, cwd=cwd or folder, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + timeout
    while ready not in log_path.read_text():
        if process.poll() is not None:
            raise SystemExit(f"{binary} stopped at start-up:\n" + log_path.read_text())
        if time.time() > deadline:
            process.kill()
            raise SystemExit(f"{binary} did not start within {timeout} s:\n" + log_path.read_text())
        time.sleep(0.05)
    return process, port


def clear_of_minute_edge(need=20):
    """Waits, if needed, until at least `need` seconds are left in this clock minute. The shared
    login counts are kept per clock minute (every instance agrees on the window), so a check
    that expects its tries to be counted together must not straddle a minute's end."""
    left = 60 - time.time() % 60
    if left < need:
        time.sleep(left + 0.2)
