"""`make demo N=k`: a chapter's "Try it", replayed against the real server.

    python3 scripts/demo.py 6 .build/debug/Chapter06        # one chapter, pausing between steps
    python3 scripts/demo.py all .build/debug                # every demo, unattended (make test)

Each demo starts its chapter's executable on a fresh temporary data folder and a free port,
sends the requests its lesson shows, prints each one (method, path, status, time, the body
trimmed and coloured, and the same request as an HTTPie command to try by hand), and stops
the server. In a terminal it pauses before each step; piped or in `make test` it does not. A
status other than the one the lesson promises fails the demo (exit 1), so the lessons' answers
are checked on every `make test`.

Standard library only (urllib, not HTTPie itself), so a demo needs nothing installed. The
printed `http ...` lines are for learners who have HTTPie (`apt-get install httpie`), to run
against `make chapter N=k` on its usual port, 8000 (the demo itself uses a free port, gone
when it ends); after a login it prints the ACCESS and REFRESH shell variables those lines use.
"""
import json
import os
import pathlib
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

from make_samples import SAMPLES
from workshop.servers import start

ROOT = pathlib.Path(__file__).resolve().parent.parent
COLOUR = sys.stdout.isatty() and os.environ.get("NO_COLOR") is None
INTERACTIVE = sys.stdin.isatty() and sys.stdout.isatty()


def paint(code, text):
    return f"\033[{code}m{text}\033[0m" if COLOUR else text


FILES = {**SAMPLES, "notes.pdf": b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"}


class Step:
    """One request. `form` is multipart (a value starting with @ is one of FILES); `save` keeps
    parts of the answer (`{"VIDEO": "data._id"}`) for later paths and bodies (`{VIDEO}`)."""

    def __init__(self, say, method, path, expect, json=None, form=None, data=None, headers=None, save=None, cookies=True):
        self.say, self.method, self.path, self.expect = say, method, path, expect
        self.json, self.form, self.data, self.headers = json, form, data, headers or {}
        self.save, self.cookies = save or {}, cookies


class Run:
    """Start the executable with `env` and expect it to exit with `code` (chapter 01)."""

    def __init__(self, say, env, code, expect_log):
        self.say, self.env, self.code, self.expect_log = say, env, code, expect_log


ASHA = {"fullName": "Asha", "email": "asha@example.com", "username": "asha", "password": "chai aur code"}
ASHA_FORM = {"fullName": "Asha Rao", "email": "asha@example.com", "username": "asha", "password": "chai aur code"}
LOGIN = {"username": "asha", "password": "chai aur code"}

DEMOS = {
    "1": dict(product="Chapter01", server=False, steps=[
        Run("The embedded store (no MONGODB_URI): opens ./data, says where", {}, 0, "Embedded store opened"),
        Run("MongoDB that is not there: fails fast with the reason, exit 1",
            {"MONGODB_URI": "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500"}, 1, "MONGODB connection FAILED"),
        Run("A URI that is not one: exit 1 before any network", {"MONGODB_URI": "mongodb://%zz"}, 1, "MONGODB connection FAILED"),
    ]),
    "2": dict(product="Chapter02", env={"CORS_ORIGIN": "http://localhost:5173"}, steps=[
        Step("A JSON body, parsed", "POST", "/api/v1/echo", 200, json={"user": {"name": "chai"}}),
        Step("A form, extended: true (nested keys and arrays)", "POST", "/api/v1/echo", 200,
             data="user[name]=chai&user[tags][]=a&user[tags][]=b"),
        Step("Over the 16 kB limit: Hummingbird's own error JSON", "POST", "/api/v1/echo", 413, json={"a": "x" * 20000}),
        Step("An unknown route: a bare 404, no body (chapter 03 adds one)", "GET", "/api/v1/nowhere", 404),
        Step("A cookie, httpOnly and Secure", "POST", "/api/v1/cookies/theme", 200, json={"value": "dark"}),
        Step("CORS preflight from the allowed origin", "OPTIONS", "/api/v1/echo", 204,
             headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"}),
        Step("From another origin: no CORS at all", "OPTIONS", "/api/v1/echo", 404,
             headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}),
    ]),
    "3": dict(product="Chapter03", steps=[
        Step("The healthcheck answers (the original's hangs)", "GET", "/api/v1/healthcheck", 200),
        Step("An unknown route: now in the API's error shape", "GET", "/api/v1/nowhere", 404),
        Step("Over the 16 kB limit: the same shape", "POST", "/api/v1/echo", 413, json={"a": "x" * 20000}),
        Step("Malformed JSON: one error shape for everything", "POST", "/api/v1/echo", 400, data='{"broken": ',
             headers={"Content-Type": "application/json"}),
    ]),
    "4": dict(product="Chapter04", steps=[
        Step("Page 2 of the seeded videos, by views", "GET", "/api/v1/videos?page=2&limit=5&sortBy=views&sortType=asc", 200),
        Step("A channel profile: counts from the database", "GET", "/api/v1/users/c/chaiaurcode", 200),
        Step("limit over 100 is refused, naming the parameter", "GET", "/api/v1/videos?limit=1000", 400),
    ]),
    "5": dict(product="Chapter05", steps=[
        Step("Register: the password is hashed on save", "POST", "/api/v1/users/register", 201, json=ASHA),
        Step("The same email again: the unique index", "POST", "/api/v1/users/register", 409,
             json={**ASHA, "username": "asha2"}),
        Step("The right password", "POST", "/api/v1/users/check", 200, json=LOGIN),
        Step("A wrong one", "POST", "/api/v1/users/check", 401, json={"username": "asha", "password": "chai"}),
        Step("An operator instead of a string", "POST", "/api/v1/users/check", 400,
             json={"email": {"$ne": None}, "password": "x"}),
    ]),
    "6": dict(product="Chapter06", steps=[
        Step("Register", "POST", "/api/v1/users/register", 201, json=ASHA),
        Step("Log in: tokens in the body and as cookies", "POST", "/api/v1/users/login", 200, json=LOGIN,
             save={"TOKEN": "data.accessToken"}),
        Step("Who am I (the cookie)", "GET", "/api/v1/users/current-user", 200),
        Step("Who am I (the Bearer header, no cookie)", "GET", "/api/v1/users/current-user", 200,
             headers={"Authorization": "Bearer {TOKEN}"}, cookies=False),
        Step("Rotate the refresh token", "POST", "/api/v1/users/refresh-token", 200),
        Step("Where Asha is logged in", "GET", "/api/v1/users/sessions", 200),
        Step("Change the password: every session ends", "POST", "/api/v1/users/change-password", 200,
             json={"oldPassword": "chai aur code", "newPassword": "masala chai 2"}),
        Step("The old access token no longer works", "GET", "/api/v1/users/current-user", 401,
             headers={"Authorization": "Bearer {TOKEN}"}, cookies=False),
        Step("Log in with the new password", "POST", "/api/v1/users/login", 200,
             json={"username": "asha", "password": "masala chai 2"}),
        Step("Log out: this session ends", "POST", "/api/v1/users/logout", 200),
        Step("Nothing to show now", "GET", "/api/v1/users/current-user", 401),
    ]),
    "7": dict(product="Chapter07", steps=[
        Step("A field and an image: streamed to public/temp, described, deleted", "POST", "/api/v1/uploads", 200,
             form={"fullName": "Asha Rao", "avatar": "@me.png"}),
        Step("A PDF named as an avatar: judged by its first bytes", "POST", "/api/v1/uploads", 415,
             form={"avatar": "@notes.pdf"}),
    ]),
    "8": dict(product="Chapter08", steps=[
        Step("Register with an avatar (to the local media folder)", "POST", "/api/v1/users/register", 201, form={**ASHA_FORM, "avatar": "@me.png"}),
        Step("Without one: refused before anything is stored", "POST", "/api/v1/users/register", 400,
             form={"fullName": "Ravi", "email": "ravi@example.com", "username": "ravi", "password": "chai aur code"}),
        Step("Log in", "POST", "/api/v1/users/login", 200, json=LOGIN),
        Step("A new avatar: the old file is deleted", "PATCH", "/api/v1/users/avatar", 200, form={"avatar": "@new.png"}),
    ]),
    "final": dict(product="videotube", steps=[
        Step("Register with an avatar", "POST", "/api/v1/users/register", 201, form={**ASHA_FORM, "avatar": "@me.png"}),
        Step("Log in", "POST", "/api/v1/users/login", 200, json=LOGIN),
        Step("Publish a video (its duration read from the file)", "POST", "/api/v1/videos", 201,
             form={"title": "My first video", "description": "Hello", "videoFile": "@clip.mp4", "thumbnail": "@me.png"},
             save={"VIDEO": "data._id"}),
        Step("Search the published videos, with no cookie: reading is public", "GET", "/api/v1/videos?query=first&sortBy=views", 200,
             cookies=False),
        Step("Watch it: a view, and the watch history", "GET", "/api/v1/videos/{VIDEO}", 200),
        Step("The watch history: an array, as the course answers it", "GET", "/api/v1/users/history", 200),
        Step("Like it", "POST", "/api/v1/likes/toggle/v/{VIDEO}", 200),
        Step("Comment on it", "POST", "/api/v1/comments/{VIDEO}", 201, json={"content": "Nice"}),
        Step("A playlist", "POST", "/api/v1/playlist", 201, json={"name": "Later"}, save={"PLAYLIST": "data._id"}),
        Step("The video into it", "PATCH", "/api/v1/playlist/add/{VIDEO}/{PLAYLIST}", 200),
        Step("A tweet", "POST", "/api/v1/tweets", 201, json={"content": "First upload is live"}),
        Step("The channel in figures", "GET", "/api/v1/dashboard/stats", 200),
        Step("Delete the video: comments, likes, playlist entries, media go with it", "DELETE", "/api/v1/videos/{VIDEO}", 200),
        Step("The playlist is empty again", "GET", "/api/v1/playlist/{PLAYLIST}", 200),
        Step("Log out", "POST", "/api/v1/users/logout", 200),
    ]),
}


def dig(value, path):
    for key in path.split("."):
        value = value[key]
    return value


def fill(value, saved):
    if isinstance(value, str):
        for key, found in saved.items():
            value = value.replace("{" + key + "}", str(found))
        return value
    if isinstance(value, dict):
        return {k: fill(v, saved) for k, v in value.items()}
    return value


def multipart(form):
    boundary = "demo" + uuid.uuid4().hex
    out = b""
    for name, value in form.items():
        out += f"--{boundary}\r\n".encode()
        if value.startswith("@"):
            file = value[1:]
            kind = {"png": "image/png", "pdf": "application/pdf", "mp4": "video/mp4"}[file.rsplit(".", 1)[1]]
            out += f'Content-Disposition: form-data; name="{name}"; filename="{file}"\r\nContent-Type: {kind}\r\n\r\n'.encode()
            out += FILES[file] + b"\r\n"
        else:
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


SHELL_NAMES = {"accessToken": "$ACCESS", "refreshToken": "$REFRESH"}


def httpie(step, base, saved, cookies):
    """The same request as an HTTPie command line. The cookies go in a `Cookie:` header, because
    HTTPie's sessions (Python's cookiejar) do not send Secure cookies over plain http."""
    saved = {key: "$" + key for key in saved}  # what a step saved is a shell variable by hand
    words = ["http", "--form" if step.form else None, step.method, base + fill(step.path, saved)]
    for name, value in fill(step.headers, saved).items():
        words.append(f"{name}:{value}")
    if step.cookies and cookies:
        words.append("Cookie:" + "; ".join(f"{k}={SHELL_NAMES.get(k, v)}" for k, v in cookies.items()))
    if step.json is not None:
        words += [f"{k}:={json.dumps(v)}" if not isinstance(v, str) else f"{k}={v}" for k, v in fill(step.json, saved).items()]
    if step.form:
        words += [f"{k}@{v[1:]}" if v.startswith("@") else f"{k}={v}" for k, v in fill(step.form, saved).items()]
    line = " ".join(shlex.quote(w) if "$" not in w else f'"{w}"' for w in words if w)
    if step.data is not None:
        line = f"echo {shlex.quote(step.data[:60])} | {line}"
    return line if len(line) < 300 else line[:297] + "..."


class Client:
    """urllib with a cookie jar of its own: the server's cookies are Secure, and a browser (or
    curl) sends those to localhost over plain HTTP, which Python's cookiejar will not."""

    def __init__(self, base):
        self.base, self.cookies = base, {}

    def send(self, step, saved):
        headers = dict(fill(step.headers, saved))
        body = None
        if step.json is not None:
            body, headers["Content-Type"] = json.dumps(fill(step.json, saved)).encode(), "application/json"
        elif step.form is not None:
            body, headers["Content-Type"] = multipart(fill(step.form, saved))
        elif step.data is not None:
            body = step.data.encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if step.cookies and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(self.base + fill(step.path, saved), data=body, method=step.method, headers=headers)
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                status, answer, got = response.status, response.read(), response.headers
        except urllib.error.HTTPError as error:
            status, answer, got = error.code, error.read(), error.headers
        elapsed = (time.perf_counter() - started) * 1000
        if step.cookies:
            for line in got.get_all("Set-Cookie") or []:
                name, _, rest = line.partition("=")
                value = rest.split(";", 1)[0]
                if "max-age=0" in line.lower() or not value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = value
        return status, answer, got, elapsed


def show_body(answer):
    text = answer.decode("utf-8", "replace")
    try:
        text = json.dumps(json.loads(text), separators=(",", ":"), ensure_ascii=False)
    except ValueError:
        pass
    text = text if len(text) <= 300 else text[:297] + "..."
    return paint("2", text) if text else paint("2", "(no body)")


def pause():
    if INTERACTIVE:
        input(paint("2", "  (Enter for the next step)"))


def run_process_steps(demo, executable, folder):
    failures = 0
    for step in demo["steps"]:
        print(paint("1", f"\n# {step.say}"))
        shown = " ".join(f"{k}={shlex.quote(v)}" for k, v in step.env.items())
        print(f"$ {shown + ' ' if shown else ''}{executable}")
        pause()
        env = {**os.environ, "DATA_DIR": str(folder / "data"), "MONGODB_URI": "", **step.env}
        done = subprocess.run([str(executable)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
        output = (done.stdout + done.stderr).strip()
        for line in output.splitlines()[-3:]:
            print(paint("2", "  " + line[:200]))
        ok = done.returncode == step.code and step.expect_log in output
        print((paint("32", "  exit ") if ok else paint("31", "  exit ")) + f"{done.returncode} (expected {step.code})")
        failures += not ok
    return failures


def run_http_steps(demo, executable, folder):
    env = {"HOST": "127.0.0.1", "MONGODB_URI": "", "DB_PORT": "", **demo.get("env", {})}
    process, port = start(executable, folder, env, cwd=ROOT)
    for line in (folder / "server.log").read_text().splitlines():
        if "Server is running" in line:
            print(paint("2", line[:220]))
    base = f"http://127.0.0.1:{port}"
    client, saved, failures = Client(base), {}, 0
    try:
        for step in demo["steps"]:
            print(paint("1", f"\n# {step.say}"))
            print("$ " + httpie(step, "http://127.0.0.1:8000", saved, client.cookies))
            pause()
            status, answer, headers, elapsed = client.send(step, saved)
            colour = "32" if status == step.expect else "31"
            print(f"  {paint('36', step.method)} {fill(step.path, saved)} → {paint(colour, status)}"
                  f" {paint('2', f'{elapsed:.1f} ms')}" + ("" if status == step.expect else paint("31", f" (expected {step.expect})")))
            if step.method == "OPTIONS" or not answer:
                for name in ("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials"):
                    if headers.get(name):
                        print(paint("2", f"  {name}: {headers[name]}"))
            print("  " + show_body(answer))
            tokens = [f"{SHELL_NAMES[k][1:]}={v}" for k, v in client.cookies.items() if k in SHELL_NAMES]
            if tokens and "Set-Cookie" in headers:
                print(paint("2", "  (to repeat the next steps by hand: " + " ".join(tokens) + ")"))
            failures += status != step.expect
            if status == step.expect and step.save:
                document = json.loads(answer)
                saved.update({key: dig(document, path) for key, path in step.save.items()})
                print(paint("2", "  (saved: " + " ".join(f"{key}={saved[key]}" for key in step.save) + ")"))
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            failures += 1
            print(paint("31", "the server did not stop within 20 s of SIGINT"))
    return failures


def run(name, executable):
    demo = DEMOS[name]
    print(paint("1;35", f"== demo {name}: {executable.name} on a fresh temporary data folder =="))
    with tempfile.TemporaryDirectory(prefix=f"videotube-demo-{name}-") as folder:
        folder = pathlib.Path(folder)
        if demo.get("server", True):
            return run_http_steps(demo, executable, folder)
        return run_process_steps(demo, executable, folder)


def main():
    if len(sys.argv) != 3 or (sys.argv[1] != "all" and sys.argv[1] not in DEMOS):
        sys.exit(f"usage: demo.py {{{'|'.join(DEMOS)}|all}} EXECUTABLE-or-BUILD-FOLDER")
    target = pathlib.Path(sys.argv[2]).resolve()
    if sys.argv[1] == "all":
        results = {name: run(name, target / demo["product"]) for name, demo in DEMOS.items()}
        print("\n" + ", ".join(f"{name}: {'ok' if not failed else f'{failed} failed'}" for name, failed in results.items()))
        sys.exit(1 if any(results.values()) else 0)
    failed = run(sys.argv[1], target / DEMOS[sys.argv[1]]["product"] if target.is_dir() else target)
    print(paint("32", "\nevery step answered as the lesson says") if not failed else paint("31", f"\n{failed} step(s) did not"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
