"""Starting the built `videotube-db` for the Python tests, in one place."""
import os
import subprocess
import tempfile
import time

import pytest
from workshop.servers import free_port

BINARY = os.environ.get("VIDEOTUBE_DB", ".build/debug/videotube-db")


class Server:
    """A running `videotube-db` on a free port with a fresh data folder; its output in `log`."""

    def __init__(self, *arguments):
        self.data = tempfile.mkdtemp(prefix="videotube-db-")
        self.port = free_port()
        self.log = os.path.join(self.data, "server.log")
        with open(self.log, "w") as out:
            self.proc = subprocess.Popen([BINARY, *arguments], env={**os.environ, "DATA_DIR": self.data, "DB_PORT": str(self.port)},
                                         stdout=out, stderr=subprocess.STDOUT)
        deadline = time.time() + 30
        while "serving" not in self.output():
            if time.time() > deadline or self.proc.poll() is not None:
                self.stop()
                pytest.fail("videotube-db did not start: " + self.output())
            time.sleep(0.05)

    def output(self):
        with open(self.log) as log:
            return log.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
