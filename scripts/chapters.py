"""`make chapters A=5 B=6`: two chapters side by side, each on fresh data, for showing what changed.

    python3 scripts/chapters.py 5 6 .build/debug

Chapter A listens on PORT_A (8000), chapter B on PORT_B (8001), each on a temporary data folder
of its own (or, with MONGODB_URI, a new database each). Their logs go to the terminal, each line
tagged with its chapter. Ctrl-C stops both; so does either one stopping.
"""
import os
import pathlib
import signal
import subprocess
import sys
import tempfile
import threading
import uuid

from whatsnew import PRODUCTS


def main():
    names = sys.argv[1:3]
    if len(names) != 2 or not all(n in {str(k) for k in range(1, 10)} | {"final"} for n in names):
        sys.exit("usage: chapters.py A B [BUILD-FOLDER]   (chapters 1..9 or final; e.g. 5 6)")
    build = pathlib.Path(sys.argv[3] if len(sys.argv) > 3 else ".build/debug").resolve()
    ports = [os.environ.get("PORT_A", "8000"), os.environ.get("PORT_B", "8001")]
    processes = []
    with tempfile.TemporaryDirectory(prefix="chapters-") as scratch:
        for name, port in zip(names, ports):
            k = 9 if name == "final" else int(name)
            folder = pathlib.Path(scratch) / f"chapter{k:02d}"
            env = {**os.environ, "PORT": port, "HOST": "127.0.0.1", "DATA_DIR": str(folder), "MEDIA_DIR": str(folder / "media"),
                   "DB_PORT": ""}
            if env.get("MONGODB_URI"):
                env["DB_NAME"] = f"chapter{k:02d}_{uuid.uuid4().hex[:8]}"
            process = subprocess.Popen([str(build / PRODUCTS[k])], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            tag = f"[{k:02d} :{port}]"

            def relay(stream=process.stdout, tag=tag):
                for line in stream:
                    print(f"{tag} {line}", end="", flush=True)

            threading.Thread(target=relay, daemon=True).start()
            processes.append(process)
        print(f"chapter {names[0]} on http://127.0.0.1:{ports[0]}, chapter {names[1]} on http://127.0.0.1:{ports[1]}, "
              "each on fresh data; Ctrl-C stops both", flush=True)
        try:
            while all(p.poll() is None for p in processes):
                try:
                    processes[0].wait(timeout=0.5)
                except subprocess.TimeoutExpired:
                    pass
        except KeyboardInterrupt:
            pass
        finally:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGINT)
            for process in processes:
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()


if __name__ == "__main__":
    main()
