"""The Python helpers the workshop's scripts, benchmarks and Python tests share.

- `workshop.servers`: start a built server or `videotube-db` on a free port, wait for it, stop it.
- `workshop.clients`: small HTTP clients and the forms, images and clips the checks send.

Scripts in `scripts/` import it as a sibling folder. The Makefile's virtual environment finds it
through a `.pth` file it writes (`make .venv/.installed`), so the benchmarks and `Tests/python`
import it with no `sys.path` edits.
"""
