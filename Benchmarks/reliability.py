"""`make reliability`: what the Final server survives, each fault injected for real against the
built binary, and what it kept. `--quick` (run by `make test`, on the debug build) does every
part with less load and fewer cycles.

    python Benchmarks/reliability.py .build/release [--quick]

1. kill -9 during a write storm, again and again: every acknowledged write is there after the
   restart, no unique index holds a duplicate, and the store opens every time.
2. 200 concurrent registrations of one username: exactly one user.
3. MongoDB gone (MONGODB_URI pointing at a `videotube-db` that is killed mid-run): 503 in the
   API's shape, then recovery without restarting the server when it is back.
4. Slow clients (heads and bodies trickling in) while others are served; oversized heads and
   bodies refused early.
5. Graceful shutdown under load: requests in flight finish, no temp file is left, the store
   opens again; a request cut is only one sent on an idle keep-alive connection as the server
   closed it (HTTP/1.1's keep-alive race), and it never ran (tweets stored = tweets answered 201).
6. A request that never finishes (a client stops sending its body) does not hold a SIGTERM for
   ever: after SHUTDOWN_GRACE the process logs it and exits.
7. Two instances as one: two Final servers on one `videotube-db` (MONGODB_URI), a client
   alternating between them: a session started on one is refreshed and ended on the other;
   likes and subscriptions raced across both end consistent; the login limit holds across both.
8. schemathesis over the OpenAPI document, signed in (not with --quick): over 1,000 generated
   requests, no 5xx, every answer as documented.

The checks read the data through the server's own wire port (DB_PORT) with pymongo, beside the
API. Exit status 1 when any check fails; the figures go to Benchmarks/results/reliability.json.
"""
import collections
import json
import pathlib
import random
import shutil
import signal
import socket
import statistics
import sys
import tempfile
import threading
import time

HERE = pathlib.Path(__file__).resolve().parent
import report
from workshop import servers
from workshop.clients import BOUNDARY, FORM_HEADERS, PASSWORD, PNG, Client, form, log_in, mp4, register, request

BOUNDARY_BYTES = BOUNDARY.encode()
PASSWORD_TEXT = PASSWORD

QUICK = "--quick" in sys.argv
SETTINGS = {
    "ACCESS_TOKEN_SECRET": "a" * 32, "REFRESH_TOKEN_SECRET": "r" * 32, "BCRYPT_COST": "4",
    "AUTH_RATE_LIMIT_PER_ADDRESS": "0", "AUTH_RATE_LIMIT_PER_ACCOUNT": "0", "AUTH_RATE_LIMIT_ACCOUNT_CEILING": "0",
    "AUTH_RATE_LIMIT_REFRESH": "0", "LOG_LEVEL": "notice",
}
failures = []


def check(condition, what):
    if not condition:
        failures.append(what)
        print(f"  FAILED: {what}", flush=True)
    return condition


def start(build, folder, extra=None, product="videotube", ready="Server is running"):
    env = {**SETTINGS, "TEMP_DIR": f"{folder}/temp", **(extra or {})}
    return servers.start(pathlib.Path(build) / product, folder, env, ready=ready)


def stop(process, sig=signal.SIGTERM):
    process.send_signal(sig)
    return process.wait(timeout=30)


def mongo(port):
    import pymongo
    return pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true", serverSelectionTimeoutMS=5000)["videotube"]


# 1. kill -9 during a write storm ------------------------------------------------------------

def kill_cycles(build, cycles):
    folder = pathlib.Path(tempfile.mkdtemp(prefix="reliability-kill-"))
    wire = servers.free_port()
    acknowledged, opens, lost, duplicates = [], 0, 0, 0
    try:
        for cycle in range(cycles + 1):
            process, port = start(build, folder, {"DB_PORT": str(wire)})
            opens += 1
            db = mongo(wire)
            stored = {t["content"] for t in db.tweets.find({}, {"content": 1})}
            missing = [c for c in acknowledged if c not in stored]
            lost += len(missing)
            check(not missing, f"cycle {cycle}: {len(missing)} acknowledged tweets missing after kill -9, e.g. {missing[:3]}")
            names = collections.Counter(u["username"] for u in db.users.find({}, {"username": 1}))
            twice = {name: n for name, n in names.items() if n > 1}
            duplicates += len(twice)
            check(not twice, f"cycle {cycle}: duplicate usernames under the unique index: {twice}")
            db.client.close()
            if cycle == cycles:
                check(stop(process) == 0, "the last start stops with exit 0")
                break
            if cycle == 0:
                assert register(port, "writer") == 201
            headers, _ = log_in(port, "writer")
            stopping = threading.Event()
            lock = threading.Lock()

            def write(thread):
                client, i = Client(port), 0
                while not stopping.is_set():
                    content = f"c{cycle}-t{thread}-{i}"
                    status, _ = client.request("POST", "/api/v1/tweets", json.dumps({"content": content}).encode(), headers, retry=False)
                    if status == 201:
                        with lock:
                            acknowledged.append(content)
                    i += 1

            def race(thread):
                client, k = Client(port), 0
                while not stopping.is_set():  # two threads race for each name
                    register(port, f"dup{cycle}x{k}", f"dup{cycle}x{k}t{thread}@example.com", client)
                    k += 1

            threads = [threading.Thread(target=write, args=(t,)) for t in range(4)]
            threads += [threading.Thread(target=race, args=(t,)) for t in range(2)]
            for t in threads:
                t.start()
            time.sleep(random.uniform(0.4, 1.2))
            process.kill()  # SIGKILL: no flush, no goodbye
            process.wait()
            stopping.set()
            for t in threads:
                t.join()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"cycles": cycles, "acknowledged writes": len(acknowledged), "clean opens": opens, "lost": lost, "duplicates": duplicates}


# 2. 200 concurrent registrations of one username ----------------------------------------------

def same_name(build, clients_count):
    folder = pathlib.Path(tempfile.mkdtemp(prefix="reliability-register-"))
    wire = servers.free_port()
    process, port = start(build, folder, {"DB_PORT": str(wire), "BCRYPT_QUEUE_LIMIT": str(clients_count)})
    try:
        barrier = threading.Barrier(clients_count)
        statuses = collections.Counter()
        lock = threading.Lock()

        def one(i):
            barrier.wait()
            status = register(port, "samename", f"same{i}@example.com")
            with lock:
                statuses[status] += 1

        threads = [threading.Thread(target=one, args=(i,)) for i in range(clients_count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        users = mongo(wire).users.count_documents({"username": "samename"})
        check(users == 1, f"{clients_count} registrations of one name made {users} users")
        check(statuses[201] == 1 and statuses[201] + statuses[409] == clients_count,
              f"one 201 and the rest 409, not {dict(statuses)}")
        stop(process)
    finally:
        process.kill()
        shutil.rmtree(folder, ignore_errors=True)
    return {"registrations": clients_count, "statuses": dict(statuses), "users": users}


# 3. MongoDB goes away and comes back ----------------------------------------------------------

def mongodb_down(build):
    folder = pathlib.Path(tempfile.mkdtemp(prefix="reliability-mongo-"))
    db_port = servers.free_port()
    database, _ = start(build, folder / "db", {"DB_PORT": str(db_port)}, "videotube-db", "videotube-db serving")
    process, port = start(build, folder / "app", {"MONGODB_URI": f"mongodb://127.0.0.1:{db_port}/"})
    figures = {}
    try:
        assert register(port, "mona") == 201
        headers, _ = log_in(port, "mona")
        routes = {"healthcheck": ("/api/v1/healthcheck", {}), "current-user": ("/api/v1/users/current-user", headers)}

        def until(status, limit):
            """Seconds until every route answers `status` (in the API's shape), or None."""
            begin = time.monotonic()
            while time.monotonic() - begin < limit:
                answers = [request(port, "GET", path, b"", h, timeout=limit) for path, h in routes.values()]
                if all(s == status and json.loads(b).get("statusCode") == status for s, b in answers):
                    return time.monotonic() - begin
                time.sleep(0.05)
            return None

        check(until(200, 5) is not None, "both routes answer 200 while MongoDB is up")
        database.kill()
        database.wait()
        killed = time.monotonic()
        first_503 = {}

        def watch(name, path, h):
            """Seconds from the kill until this route answers 503 in the API's shape."""
            while time.monotonic() - killed < 20:
                status, body = request(port, "GET", path, b"", h, timeout=30)
                if status == 503 and json.loads(body).get("statusCode") == 503:
                    first_503[name] = round(time.monotonic() - killed, 2)
                    return
                time.sleep(0.05)

        watchers = [threading.Thread(target=watch, args=(name, *route)) for name, route in routes.items()]
        for t in watchers:
            t.start()
        for t in watchers:
            t.join()
        for name in routes:
            figures[f"{name}: first 503 after MongoDB died (s)"] = first_503.get(name)
            check(first_503.get(name, 99) <= 2.5, f"{name} answers 503 in the API's shape within 2 s of MongoDB dying ({first_503.get(name)})")
        database, _ = start(build, folder / "db", {"DB_PORT": str(db_port)}, "videotube-db", "videotube-db serving")
        back = until(200, 30)
        figures["recovered after MongoDB returned (s)"] = round(back, 2) if back else None
        check(back is not None, "200 again without restarting the server once MongoDB is back")
        check(process.poll() is None, "the server kept running throughout")
        stop(process)
        stop(database)
    finally:
        process.kill()
        database.kill()
        shutil.rmtree(folder, ignore_errors=True)
    return figures


# 4. Slow clients, oversized heads and bodies --------------------------------------------------

def slow_clients(build, seconds, trickling):
    folder = pathlib.Path(tempfile.mkdtemp(prefix="reliability-slow-"))
    process, port = start(build, folder)
    figures = {}
    try:
        stopping = threading.Event()

        def trickle(kind):
            with socket.create_connection(("127.0.0.1", port)) as s:
                if kind == "body":
                    s.sendall(b"POST /api/v1/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 10000\r\n\r\n")
                else:
                    s.sendall(b"GET /api/v1/healthcheck HTTP/1.1\r\n")
                while not stopping.is_set():
                    try:
                        s.sendall(b"X-A: b\r\n" if kind == "head" else b"{")
                    except OSError:
                        return
                    stopping.wait(0.2)

        threads = [threading.Thread(target=trickle, args=("head" if i % 2 else "body",)) for i in range(trickling)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        latencies, statuses = [], collections.Counter()
        client = Client(port)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            begin = time.perf_counter()
            statuses[client.call("GET", "/api/v1/healthcheck")] += 1
            latencies.append((time.perf_counter() - begin) * 1000)
        stopping.set()
        for t in threads:
            t.join()
        latencies.sort()
        figures["trickling clients"] = trickling
        figures["healthchecks meanwhile"] = len(latencies)
        figures["p50 ms"] = round(statistics.median(latencies), 2)
        figures["p99 ms"] = round(latencies[int(len(latencies) * 0.99) - 1], 2)
        check(set(statuses) == {200}, f"every healthcheck answered 200 beside the slow clients, not {dict(statuses)}")
        check(figures["p99 ms"] < 50, f"healthcheck p99 under 50 ms beside {trickling} slow clients ({figures['p99 ms']} ms)")

        begin = time.monotonic()
        status, _ = request(port, "GET", "/api/v1/healthcheck", b"", {"X-Big": "a" * 200_000}, timeout=10)
        figures["200 kB head"] = f"{status or 'closed'} in {(time.monotonic() - begin) * 1000:.0f} ms"
        check(status in (0, 400, 431) and time.monotonic() - begin < 2, f"a 200 kB head is refused at once ({status})")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            begin = time.monotonic()
            s.sendall(b"POST /api/v1/users/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 1000000000\r\n\r\n{")
            reply = s.recv(4096)
            figures["1 GB body announced"] = f"{reply.split(b' ')[1].decode() if reply else 'closed'} in {(time.monotonic() - begin) * 1000:.0f} ms"
            check(reply.startswith(b"HTTP/1.1 413"), f"a 1 GB body is refused with 413 before it is read ({reply[:40]!r})")
        check(request(port, "GET", "/api/v1/healthcheck")[0] == 200, "the server serves on afterwards")
        stop(process)
    finally:
        process.kill()
        shutil.rmtree(folder, ignore_errors=True)
    return figures


# 5. Graceful shutdown under load -------------------------------------------------------------

def graceful_shutdown(build, load_threads):
    folder = pathlib.Path(tempfile.mkdtemp(prefix="reliability-shutdown-"))
    process, port = start(build, folder)
    try:
        assert register(port, "uploader") == 201
        headers, _ = log_in(port, "uploader")
        video = form([("title", "In flight"), ("description", "sent while the server stops")],
                     [("videoFile", "v.mp4", mp4(30_000, 3_000_000)), ("thumbnail", "t.png", PNG)])
        records, lock = [], threading.Lock()
        stopping = threading.Event()

        def fast():
            client = Client(port)
            while not stopping.is_set():
                begin = time.monotonic()
                reused = client.connection is not None  # sent on a keep-alive connection that served one before
                status, _ = client.request("POST", "/api/v1/tweets", b'{"content": "still here"}', headers, retry=False)
                with lock:
                    records.append((begin, time.monotonic(), status, "tweet" if not reused else "tweet, reused connection"))
                if status == 0:
                    return

        def slow_upload():
            begin = time.monotonic()
            with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
                head = (f"POST /api/v1/videos HTTP/1.1\r\nHost: x\r\nAuthorization: {headers['Authorization']}\r\n"
                        f"Content-Type: {FORM_HEADERS['Content-Type']}\r\nContent-Length: {len(video)}\r\n\r\n").encode()
                s.sendall(head)
                for i in range(0, len(video), 100_000):  # about 1.5 s on the way
                    s.sendall(video[i:i + 100_000])
                    time.sleep(0.05)
                reply = s.recv(4096)
            status = int(reply.split(b" ")[1]) if reply.startswith(b"HTTP/1.1 ") else 0
            with lock:
                records.append((begin, time.monotonic(), status, "upload"))

        threads = [threading.Thread(target=fast) for _ in range(load_threads)] + [threading.Thread(target=slow_upload) for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.6)
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=30)
        stopping.set()
        for t in threads:
            t.join()
        in_flight = [r for r in records if r[0] < signalled < r[1]]
        cut = [r for r in in_flight if r[2] == 0]
        # HTTP/1.1's keep-alive race: a server may close an idle connection at any moment, and
        # a request the client sends on it just then is never read (RFC 9112, 9.3.1 and 9.6:
        # the client retries it). Graceful shutdown closes idle connections at once, so a
        # request on a reused connection may meet that close. Anything else cut is a loss.
        raced = [r for r in cut if r[3] == "tweet, reused connection"]
        lost = [r for r in cut if r not in raced]
        uploads = [r for r in records if r[3] == "upload"]
        check(code == 0, f"exit 0 after SIGTERM under load, not {code}")
        check(all(r[2] == 201 for r in uploads), f"both uploads in flight finish with 201: {[r[2] for r in uploads]}")
        check(not lost, f"{len(lost)} of {len(in_flight)} requests in flight were cut on a connection that was not idle")
        left = list((folder / "temp").glob("*")) if (folder / "temp").exists() else []
        check(not left, f"no temp file left: {left[:3]}")
        wire = servers.free_port()
        again, _ = start(build, folder, {"DB_PORT": str(wire)})
        # A cut request never ran: the tweets stored are exactly those answered 201, so a client
        # may send a cut one again without making it twice.
        stored = mongo(wire).tweets.count_documents({})
        created = sum(1 for r in records if r[2] == 201 and r[3] != "upload")
        check(stored == created, f"tweets stored ({stored}) = tweets answered 201 ({created})")
        check(stop(again) == 0, "the store opens again and stops cleanly")
        return {"requests": len(records), "in flight at SIGTERM": len(in_flight), "cut": len(cut),
                "cut on an idle keep-alive connection (the client's race)": len(raced), "tweets stored = 201s": stored == created,
                "uploads finished": sum(r[2] == 201 for r in uploads), "exit": code, "temp files left": len(left),
                "stopped within (s)": round(time.monotonic() - signalled, 2)}
    finally:
        process.kill()
        shutil.rmtree(folder, ignore_errors=True)


# 6. A request stuck at shutdown ---------------------------------------------------------------

def stuck_shutdown(build):
    """A client sends an upload's head and a few bytes of its body, then nothing: the request
    never finishes, so a graceful stop would wait for ever. SHUTDOWN_GRACE (2 s here) ends it."""
    folder = pathlib.Path(tempfile.mkdtemp(prefix="reliability-stuck-"))
    process, port = start(build, folder, {"SHUTDOWN_GRACE": "2", "HTTP_IDLE_TIMEOUT": "600", "LOG_LEVEL": "info"})
    try:
        assert register(port, "stuck") == 201
        headers, _ = log_in(port, "stuck")
        stuck = socket.create_connection(("127.0.0.1", port), timeout=30)
        stuck.sendall((f"POST /api/v1/videos HTTP/1.1\r\nHost: x\r\nAuthorization: {headers['Authorization']}\r\n"
                       f"Content-Type: {FORM_HEADERS['Content-Type']}\r\nContent-Length: 5000000\r\n\r\n").encode() + b"--" + BOUNDARY_BYTES)
        time.sleep(0.5)
        served = request(port, "GET", "/api/v1/healthcheck")[0]
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        try:
            code = process.wait(timeout=30)
        except Exception:
            code = None
        took = round(time.monotonic() - signalled, 2)
        log = (folder / "server.log").read_text()
        check(served == 200, f"the server serves beside the stuck request ({served})")
        check(code == 1, f"the process ends by itself after SIGTERM, with status 1 (it abandoned a request), not {code}")
        check("SHUTDOWN_GRACE" in log, "the log says why it exited without the request")
        stuck.close()
        left = list((folder / "temp").glob("*")) if (folder / "temp").exists() else []
        return {"exit": code, "ended after SIGTERM (s)": took, "grace (s)": 2, "temp files left": len(left)}
    finally:
        process.kill()
        shutil.rmtree(folder, ignore_errors=True)


# 7. Two instances as one ----------------------------------------------------------------------

def two_instances(build):
    """Two Final servers behind an imaginary load balancer: one database (a `videotube-db`,
    through MONGODB_URI), the same secrets, and a client that goes to either."""
    import http.cookies
    folder = pathlib.Path(tempfile.mkdtemp(prefix="reliability-two-"))
    db_port = servers.free_port()
    database, _ = start(build, folder / "db", {"DB_PORT": str(db_port)}, "videotube-db", "videotube-db serving")
    shared = {"MONGODB_URI": f"mongodb://127.0.0.1:{db_port}/", "MEDIA_DIR": str(folder / "media"),
              "AUTH_RATE_LIMIT_PER_ACCOUNT": "5", "AUTH_RATE_LIMIT_PER_ADDRESS": "0"}
    a, port_a = start(build, folder / "a", shared)
    b, port_b = start(build, folder / "b", shared)
    figures = {}
    try:
        def login(port, username, password=PASSWORD_TEXT):
            status, body = request(port, "POST", "/api/v1/users/login", json.dumps({"username": username, "password": password}).encode(),
                                   {"Content-Type": "application/json"})
            return status, (json.loads(body)["data"] if status == 200 else None)

        assert register(port_a, "twin") == 201
        status, tokens = login(port_a, "twin")
        check(status == 200, "log in on A")
        def refreshed(port, token):
            status, body = request(port, "POST", "/api/v1/users/refresh-token", json.dumps({"refreshToken": token}).encode(),
                                   {"Content-Type": "application/json"})
            return status, (json.loads(body)["data"] if status == 200 else {})

        def bearer(data):
            return {"Authorization": f"Bearer {data.get('accessToken', '')}", "Content-Type": "application/json"}

        status, renewed = refreshed(port_b, tokens["refreshToken"])
        check(status == 200, f"A's session refreshed on B ({status})")
        check(request(port_a, "GET", "/api/v1/users/current-user", b"", bearer(renewed))[0] == 200, "B's new access token works on A")
        check(request(port_b, "POST", "/api/v1/users/logout", b"", bearer(renewed))[0] == 200, "log out on B")
        after = request(port_a, "GET", "/api/v1/users/current-user", b"", bearer(renewed))[0]
        check(after == 401, f"the session logged out on B is over on A at once ({after})")

        # A refresh token replayed on the other instance is reuse: the whole session ends.
        status, tokens = login(port_a, "twin")
        status, renewed = refreshed(port_b, tokens["refreshToken"])
        replayed, _ = refreshed(port_a, tokens["refreshToken"])
        ended = request(port_b, "GET", "/api/v1/users/current-user", b"", bearer(renewed))[0]
        check(replayed == 401 and ended == 401, f"a spent refresh token replayed on A is refused, and ends the session on B ({replayed}, {ended})")

        # Likes and subscriptions raced across both instances.
        assert register(port_b, "creator") == 201
        creator, creator_id = log_in(port_b, "creator")
        fan, _ = log_in(port_a, "twin")
        video = form([("title", "Twins"), ("description", "raced")], [("videoFile", "v.mp4", mp4(5_000)), ("thumbnail", "t.png", PNG)])
        status, body = request(port_b, "POST", "/api/v1/videos", video, {**FORM_HEADERS, "Authorization": creator["Authorization"]})
        video_id = json.loads(body)["data"]["_id"]
        toggles = 20
        answers = []

        def toggle(i, path):
            answers.append(request(port_a if i % 2 else port_b, "POST", path, b"", fan)[0])

        for path in (f"/api/v1/likes/toggle/v/{video_id}", f"/api/v1/subscriptions/c/{creator_id}"):
            threads = [threading.Thread(target=toggle, args=(i, path)) for i in range(toggles)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        check(all(s == 200 for s in answers), f"every toggle on either instance answers 200: {collections.Counter(answers)}")
        db = mongo(db_port)
        likes = db.likes.count_documents({"video": __import__("bson").ObjectId(video_id)})
        subscriptions = db.subscriptions.count_documents({"channel": __import__("bson").ObjectId(creator_id)})
        check(likes <= 1 and subscriptions <= 1, f"toggles raced across both leave at most one like and one subscription: {likes}, {subscriptions}")
        status, body = request(port_a, "POST", f"/api/v1/likes/toggle/v/{video_id}", b"", fan)
        check(status == 200 and json.loads(body)["data"] == {"isLiked": likes == 0}, f"the next toggle agrees with what is stored ({body[:80]})")

        # The login limit (5 tries a minute at one account from one address) holds across both
        # instances: an account nobody has logged in to yet, tried from A and B in turn.
        assert register(port_a, "guarded") == 201
        servers.clear_of_minute_edge()  # the seven tries are counted in one clock minute
        wrong = [login(port_a if i % 2 else port_b, "guarded", "not the password")[0] for i in range(7)]
        check(wrong[:5] == [401] * 5 and wrong[5:] == [429, 429], f"five wrong passwords across A and B, then 429 on either: {wrong}")
        figures = {"logout on B ends the session on A": after == 401, "replay on A ends the session on B": ended == 401, "likes left": likes, "subscriptions left": subscriptions,
                   "wrong logins split across A and B": wrong}
        check(stop(a) == 0 and stop(b) == 0, "both instances stop cleanly")
        stop(database)
    finally:
        for p in (a, b, database):
            p.kill()
        shutil.rmtree(folder, ignore_errors=True)
    return figures


# 8. schemathesis over the OpenAPI document ----------------------------------------------------

def schemathesis(build, examples):
    """Generated requests for every documented operation, signed in: no 5xx, every answer's status,
    content type, headers and body as documented, schema-violating input refused. Two checks are
    left out, each for a reason: `positive_data_acceptance` (a schema cannot say that a file must
    really be an image, that one cannot subscribe to oneself, or that login needs an email *or* a
    username: those are 4xx by rule) and `unsupported_method` (an undeclared method is a 404 here,
    as in Express, not a 405). Logout, change-password and the session routes are left out because
    they end the session the run signs in with."""
    import re
    import subprocess
    folder = pathlib.Path(tempfile.mkdtemp(prefix="reliability-schemathesis-"))
    process, port = start(build, folder)
    try:
        assert register(port, "schema") == 201
        headers, _ = log_in(port, "schema")
        tool = pathlib.Path(sys.executable).parent / "schemathesis"
        run = subprocess.run(
            [str(tool), "run", f"http://127.0.0.1:{port}/api/v1/openapi.json", "-H", f"Authorization: {headers['Authorization']}",
             "--checks", "all", "--exclude-checks", "unsupported_method,positive_data_acceptance", "-n", str(examples), "--seed", "1",
             "--exclude-path-regex", "logout|change-password|sessions"],
            capture_output=True, text=True, timeout=900, cwd=folder)  # its cache (.schemathesis/) stays in the temporary folder
        counts = re.search(r"(\d+) generated, (\d+) (passed|found)", run.stdout)
        generated = int(counts.group(1)) if counts else 0
        check(run.returncode == 0, "schemathesis found no failure:\n" + run.stdout[-3000:])
        check(generated >= 1000, f"at least 1,000 generated requests ({generated})")
        check(request(port, "GET", "/api/v1/healthcheck")[0] == 200, "the server serves on after schemathesis")
        stop(process)
        return {"generated requests": generated, "failures": 0 if run.returncode == 0 else "see above"}
    finally:
        process.kill()
        shutil.rmtree(folder, ignore_errors=True)


def main():
    build = pathlib.Path(sys.argv[1]).resolve()
    print(f"Reliability ({'quick' if QUICK else 'full'}) against {build}\n", flush=True)
    parts = [
        ("kill -9 during a write storm", lambda: kill_cycles(build, 3 if QUICK else 20)),
        ("concurrent registrations of one username", lambda: same_name(build, 50 if QUICK else 200)),
        ("MongoDB gone, then back", lambda: mongodb_down(build)),
        ("slow clients, oversized heads and bodies", lambda: slow_clients(build, 2 if QUICK else 6, 20 if QUICK else 100)),
        ("graceful shutdown under load", lambda: graceful_shutdown(build, 4 if QUICK else 16)),
        ("a request stuck at shutdown", lambda: stuck_shutdown(build)),
        ("two instances on one database", lambda: two_instances(build)),
    ]
    if not QUICK:  # schemathesis is installed by `make reliability` (Benchmarks/requirements.txt)
        parts.append(("schemathesis over /api/v1/openapi.json", lambda: schemathesis(build, 25)))
    figures = {}
    for name, run in parts:
        begin = time.monotonic()
        print(f"- {name} ...", flush=True)
        figures[name] = run()
        print(f"  {json.dumps(figures[name])} ({time.monotonic() - begin:.1f} s)", flush=True)
    print(f"\n{len(failures)} check(s) failed" if failures else "\nevery check held")
    if not QUICK:
        report.record("reliability", {"parts": figures, "failed checks": failures})
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
