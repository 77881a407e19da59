"""Where the benchmarks keep their figures: each writes `Benchmarks/results/<name>.json` (the raw
numbers of its last run on this machine), and `summarize.py` turns them into `summary.md` and
`ratios.png` beside them."""
import datetime
import json
import pathlib
import platform

FOLDER = pathlib.Path(__file__).resolve().parent / "results"


def record(name, figures):
    FOLDER.mkdir(exist_ok=True)
    figures = {"measured": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "machine": f"{platform.machine()}, {len(__import__('os').sched_getaffinity(0))} cores", **figures}
    (FOLDER / f"{name}.json").write_text(json.dumps(figures, indent=2) + "\n")
