"""`make bench`: HTTP throughput side by side, with wrk (Debian's package) on loopback.

    python Benchmarks/http_bench.py .build/release

Three servers, built and started here, each answering the same JSON healthcheck:
- the Final server (release), with its whole middleware stack and a database ping;
- Node + Express with the course's app.js middleware (Benchmarks/express/app.js);
- bare Hummingbird, no middleware (Benchmarks/BareHummingbird).
Then the Final server's authenticated `GET /api/v1/videos` page on a store of 10,000 videos.

Each server is measured in turn, twice, in the same run; a figure is the better of its two rounds,
and the ratios are taken between figures of this run only (the machine is shared and noisy).
"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
import report
from workshop import clients, servers

SECONDS = int(os.environ.get("BENCH_SECONDS", "5"))
CONNECTIONS = 64
SECRETS = {"ACCESS_TOKEN_SECRET": "a" * 32, "REFRESH_TOKEN_SECRET": "r" * 32}


def wrk(url, headers=()):
    """One wrk run: requests/s, p50 and p99 in ms, and the count of non-2xx answers."""
    command = ["wrk", "-t1", f"-c{CONNECTIONS}", f"-d{SECONDS}s", "--latency"]
    for header in headers:
        command += ["-H", header]
    out = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def percentile(p):
        value, unit = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    return {"rps": rps, "p50": percentile(50), "p99": percentile(99), "errors": int(errors.group(1)) if errors else 0}


def best_of_two(url, headers=()):
    subprocess.run(["wrk", "-t1", "-c8", "-d1s", url], capture_output=True)  # warm-up
    rounds = [wrk(url, headers) for _ in range(2)]
    best = max(rounds, key=lambda r: r["rps"])
    best["rounds"] = [round(r["rps"]) for r in rounds]
    return best


def serve(command, env, folder):
    process, port = servers.start(command, folder, env, cwd=folder)
    return process, f"http://127.0.0.1:{port}"


def stop(process):
    process.terminate()
    process.wait(timeout=15)


def seed_videos(build, folder, count):
    """The demo channel (`videotube seed`), then `count` videos of its creator written through the
    Final server's own wire port (DB_PORT) with pymongo, as a learner would load data."""
    import pymongo
    from bson import ObjectId
    import datetime

    env = {**os.environ, **SECRETS, "DATA_DIR": f"{folder}/data", "MEDIA_DIR": f"{folder}/media", "LOG_LEVEL": "warning"}
    subprocess.run([str(build / "videotube"), "seed"], env=env, cwd=folder, check=True, capture_output=True)
    wire = servers.free_port()
    process, base = serve(build / "videotube", {**SECRETS, "DB_PORT": str(wire), "LOG_LEVEL": "notice"}, folder)
    try:
        db = pymongo.MongoClient(f"mongodb://127.0.0.1:{wire}/?directConnection=true")["videotube"]
        owner = db.users.find_one({"username": "chaiaurcode"})["_id"]
        start = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
        batch = []
        for i in range(count):
            at = start + datetime.timedelta(minutes=i)
            batch.append({
                "_id": ObjectId(), "videoFile": f"{base}/media/videos/v{i}.mp4", "thumbnail": f"{base}/media/thumbnails/t{i}.png",
                "title": f"Video {i}", "description": "A seeded video for the benchmark", "duration": 60.0 + i % 600,
                "views": (i * 7919) % 100_000, "isPublished": True, "owner": owner, "createdAt": at, "updatedAt": at,
            })
            if len(batch) == 1000:
                db.videos.insert_many(batch)
                batch = []
        if batch:
            db.videos.insert_many(batch)
        total = db.videos.count_documents({})
    finally:
        stop(process)
    return total


def main():
    build = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".build/release").resolve()
    if not shutil.which("wrk"):
        sys.exit("wrk is missing: `make bench` installs it")
    folder = pathlib.Path(tempfile.mkdtemp(prefix="http-bench-"))
    (folder / "public").mkdir()
    rows = {}
    health = "/api/v1/healthcheck"
    try:
        for name, command, env in [
            ("Final server", build / "videotube", {**SECRETS}),
            ("Final server, LOG_LEVEL=notice", build / "videotube", {**SECRETS, "LOG_LEVEL": "notice"}),
            # Debian's node-* packages live in /usr/share/nodejs, which a nodejs from elsewhere
            # (NodeSource's) does not search by itself.
            ("Node + Express", ["node", HERE / "express" / "app.js"],
             {"PUBLIC_DIR": str(folder / "public"), "NODE_PATH": "/usr/share/nodejs:/usr/lib/nodejs"}),
            ("bare Hummingbird", build / "BareHummingbird", {}),
        ]:
            process, base = serve(command, env, folder)
            try:
                rows[name] = best_of_two(base + health)
            finally:
                stop(process)
        videos = seed_videos(build, folder, 10_000)
        process, base = serve(build / "videotube", {**SECRETS}, folder)
        try:
            headers, _ = clients.log_in(int(base.rsplit(":", 1)[1]), "chaiaurcode")
            rows["Final server, videos page (10k, signed in)"] = best_of_two(
                base + "/api/v1/videos?page=3&limit=10&sortBy=createdAt&sortType=desc", [f"Authorization: {headers['Authorization']}"])
        finally:
            stop(process)
    finally:
        shutil.rmtree(folder, ignore_errors=True)

    final, express, bare = rows["Final server"], rows["Node + Express"], rows["bare Hummingbird"]
    quiet = rows["Final server, LOG_LEVEL=notice"]
    print(f"HTTP, wrk -t1 -c{CONNECTIONS} -d{SECONDS}s on loopback, the better of two rounds ({videos} videos seeded)\n")
    print("| server, route | req/s (rounds) | p50 | p99 | non-2xx |")
    print("|---|---|---|---|---|")
    for name, row in rows.items():
        route = "healthcheck" if "videos" not in name else "GET /api/v1/videos"
        print(f"| {name}, {route} | {row['rps']:,.0f} ({', '.join(f'{r:,}' for r in row['rounds'])}) | {row['p50']:.2f} ms | "
              f"{row['p99']:.2f} ms | {row['errors']} |")
    ratios = {
        "healthcheck: Final / Express": final["rps"] / express["rps"],
        "healthcheck: Final / bare Hummingbird": final["rps"] / bare["rps"],
        "healthcheck: Final (LOG_LEVEL=notice) / bare Hummingbird": quiet["rps"] / bare["rps"],
        "healthcheck: bare Hummingbird / Express": bare["rps"] / express["rps"],
    }
    print()
    for name, ratio in ratios.items():
        print(f"- {name}: {ratio:.2f}x")
    report.record("http", {"seconds": SECONDS, "connections": CONNECTIONS, "videos": videos, "rows": rows, "ratios": ratios})


if __name__ == "__main__":
    main()
