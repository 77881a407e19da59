"""`make bench`: what the Final server's bounds hold under abuse (release build).

    python Benchmarks/hardening_bench.py .build/release/videotube

1. A login flood: 50 clients logging in as fast as they can (bcrypt cost 10, no rate limits, so
   the hashing queue is what holds), while one client asks for the healthcheck every 10 ms. The
   healthcheck's p99 shows whether hashing stays off the event loop. Goal: under 20 ms.
2. A multipart flood: 16 clients sending abusive forms to the unauthenticated register route (a
   thousand parts, an endless header line, a 4 MB file of carriage returns) while the server's
   resident memory is sampled. Goal: peak under 64 MB over idle.

Every figure is measured in this run, on this machine, with its raw numbers.
"""
import http.client
import os
import statistics
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts"))
import servers  # noqa: E402
from clients import FORM_HEADERS, PNG, Client, call, form, rss_mb  # noqa: E402

DURATION = float(os.environ.get("BENCH_SECONDS", "6"))


def start(binary, extra):
    folder = tempfile.mkdtemp(prefix="hardening-bench-")
    env = {"TEMP_DIR": f"{folder}/temp", "ACCESS_TOKEN_SECRET": "a" * 32, "REFRESH_TOKEN_SECRET": "r" * 32, **extra}
    return servers.start(binary, folder, env)


def login_flood(binary):
    proc, port = start(binary, {"BCRYPT_COST": "10", "AUTH_RATE_LIMIT_PER_ADDRESS": "0", "AUTH_RATE_LIMIT_PER_ACCOUNT": "0"})
    try:
        fields = [("fullName", "Bench"), ("email", "bench@example.com"), ("username", "bench"), ("password", "chai aur code")]
        assert call(port, "POST", "/api/v1/users/register", form(fields, [("avatar", "a.png", PNG)]), FORM_HEADERS) == 201
        stop = time.monotonic() + DURATION
        statuses, lock = {}, threading.Lock()

        def log_in(i):
            body = b'{"username": "bench", "password": "' + (b"chai aur code" if i % 2 else b"wrong guess") + b'"}'
            client = Client(port)
            while time.monotonic() < stop:
                status = client.call("POST", "/api/v1/users/login", body, {"Content-Type": "application/json"})
                with lock:
                    statuses[status] = statuses.get(status, 0) + 1

        latencies = []

        def watch():
            client = Client(port)
            while time.monotonic() < stop:
                begin = time.perf_counter()
                client.call("GET", "/api/v1/healthcheck")
                latencies.append((time.perf_counter() - begin) * 1000)
                time.sleep(0.01)

        threads = [threading.Thread(target=log_in, args=(i,)) for i in range(50)] + [threading.Thread(target=watch)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        latencies.sort()
        p50 = statistics.median(latencies)
        p99 = latencies[int(len(latencies) * 0.99) - 1] if latencies else float("nan")
        return p50, p99, len(latencies), statuses
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def multipart_flood(binary):
    proc, port = start(binary, {"AUTH_RATE_LIMIT_PER_ADDRESS": "0"})
    try:
        time.sleep(0.5)
        idle = rss_mb(proc.pid)
        bodies = [
            form([(f"f{i}", "") for i in range(1000)], []),  # a thousand parts
            f"--{BOUNDARY}\r\nX-Pad: ".encode() + b"a" * 2_000_000,  # an endless header line
            form([("fullName", "")], [("avatar", "a.png", PNG + b"\r" * 4_000_000)]),  # 4 MB of carriage returns
        ]
        stop = time.monotonic() + DURATION
        sent, peak = [0], [idle]

        def flood(i):
            while time.monotonic() < stop:
                call(port, "POST", "/api/v1/users/register", bodies[i % len(bodies)], FORM_HEADERS)
                sent[0] += 1

        def sample():
            while time.monotonic() < stop:
                peak[0] = max(peak[0], rss_mb(proc.pid))
                time.sleep(0.05)

        threads = [threading.Thread(target=flood, args=(i,)) for i in range(16)] + [threading.Thread(target=sample)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        alive = call(port, "GET", "/api/v1/healthcheck") == 200
        return idle, peak[0], sent[0], alive
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main():
    binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".build/release/videotube")
    print("Hardening benchmark (release build; figures from this run)\n")
    p50, p99, samples, statuses = login_flood(binary)
    shown = ", ".join(f"{count}x {status or 'cut'}" for status, count in sorted(statuses.items()))
    print("| what | figure | goal |")
    print("|---|---|---|")
    print(f"| healthcheck during a 50-client login flood (bcrypt cost 10) | p50 {p50:.1f} ms, p99 {p99:.1f} ms ({samples} checks) | p99 < 20 ms |")
    print(f"| the flood's logins | {shown} | 503 when the hashing queue is full |")
    idle, peak, sent, alive = multipart_flood(binary)
    print(f"| memory during a 16-client multipart flood ({sent} abusive forms) | idle {idle:.0f} MB, peak {peak:.0f} MB: +{peak - idle:.0f} MB | < 64 MB over idle |")
    print(f"| healthcheck after the flood | {'200' if alive else 'no answer'} | 200 |")


if __name__ == "__main__":
    main()
