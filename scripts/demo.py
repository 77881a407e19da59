"""`make demo N=k`: a chapter's "Try it", replayed against the real server, made for a projector.

    python3 scripts/demo.py 6 .build/debug/Chapter06          # one chapter, pausing between steps
    python3 scripts/demo.py 6 .build/debug/Chapter06 --step 5 # from step 5 (the steps before run quietly)
    python3 scripts/demo.py 6 .build/debug/Chapter06 --full   # bodies whole, tokens uncut
    python3 scripts/demo.py 6 .build/debug/Chapter06 --keep   # leave the server running for questions
    python3 scripts/demo.py all .build/debug                  # every demo, unattended (make test)

Each demo starts its chapter's executable on fresh data (a temporary folder; with MONGODB_URI,
a new database on that server, named in the first line) and a free port, then sends the requests
its lesson shows. Each step prints the curl line that makes the same request against
`make chapter N=k` on port 8000 (cookies in a `jar` file, ids and tokens kept in shell variables
by the line that got them, never pasted), then the status, the headers the step is about, and the
body pretty-printed and shortened by field (`eyJhbGci…(612 chars)`), all within 100 columns. A
status other than the lesson's fails the demo (exit 1).

`all` (make test) also runs every printed line, as printed, with bash and curl against a second,
fresh server of the chapter, and checks each line's status: the lines a learner copies work.
Standard library only.
"""
import builtins
import json
import os
import pathlib
import re
import shlex
import shutil
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
WIDTH = 100
BASE = "http://localhost:8000"


def paint(code, text):
    return f"\033[{code}m{text}\033[0m" if COLOUR else text


TOO_WIDE = []  # lines printed past WIDTH columns: `all` fails on any


def print(*parts, **options):  # noqa: A001 - every line a demo prints is measured
    text = " ".join(str(p) for p in parts)
    for line in text.splitlines():
        if len(re.sub(r"\033\[[0-9;]*m", "", line)) > WIDTH:
            TOO_WIDE.append(line)
    builtins.print(*parts, **options)


class Step:
    """One request. `form` is multipart (a value `@path` is a file, as curl writes it); `big` sends
    `{"a": "x" * big}` (printed as a shell expansion); `save` keeps parts of the answer
    (`{"VIDEO": "data._id"}`) for later steps (`{VIDEO}`); `show` names the headers to print."""

    def __init__(self, say, method, path, expect, json=None, form=None, data=None, headers=None, save=None, cookies=True,
                 big=None, show=(), file=False):
        self.say, self.method, self.path, self.expect, self.file = say, method, path, expect, file
        self.json, self.form, self.data, self.headers = json, form, data, headers or {}
        self.save, self.cookies, self.big, self.show = save or {}, cookies, big, show


class Run:
    """Start the executable with `env` and expect it to exit with `code` (chapter 01)."""

    def __init__(self, say, env, code, expect_log):
        self.say, self.env, self.code, self.expect_log = say, env, code, expect_log


ASHA = {"fullName": "Asha", "email": "asha@example.com", "username": "asha", "password": "chai aur code"}
ASHA_FORM = {"fullName": "Asha Rao", "email": "asha@example.com", "username": "asha", "password": "chai aur code"}
LOGIN = {"username": "asha", "password": "chai aur code"}
JSON_TYPE = {"Content-Type": "application/json"}

DEMOS = {
    "1": dict(product="Chapter01", server=False, steps=[
        Run("The embedded store (no MONGODB_URI): opens ./data, says where", {}, 0, "Embedded store opened"),
        Run("MongoDB that is not there: fails fast with the reason, exit 1",
            {"MONGODB_URI": "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=500"}, 1, "MONGODB connection FAILED"),
        Run("A URI that is not one: exit 1 before any network", {"MONGODB_URI": "mongodb://%zz"}, 1, "MONGODB connection FAILED"),
    ]),
    "2": dict(product="Chapter02", env={"CORS_ORIGIN": "http://localhost:5173"}, steps=[
        Step("A JSON body, parsed", "POST", "/echo", 200, json={"user": {"name": "chai"}}),
        Step("A form, extended: true (nested keys and arrays)", "POST", "/echo", 200,
             data="user[name]=chai&user[tags][]=a&user[tags][]=b"),
        Step("20 kB of JSON, over the 16 kB limit: Hummingbird's own error JSON", "POST", "/echo", 413, big=20000),
        Step("An unknown route: a bare 404, no body (chapter 03 adds one)", "GET", "/nowhere", 404),
        Step("A cookie: see HttpOnly and Secure in Set-Cookie", "POST", "/cookies/theme", 200, json={"value": "dark"},
             show=("Set-Cookie",)),
        Step("CORS preflight from the allowed origin", "OPTIONS", "/echo", 204,
             headers={"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"},
             show=("Access-Control-Allow-Origin", "Access-Control-Allow-Credentials")),
        Step("From another origin: no CORS headers at all", "OPTIONS", "/echo", 404,
             headers={"Origin": "http://evil.example", "Access-Control-Request-Method": "POST"},
             show=("Access-Control-Allow-Origin",)),
    ]),
    "3": dict(product="Chapter03", steps=[
        Step("The healthcheck answers (the original's hangs)", "GET", "/healthcheck", 200),
        Step("An unknown route: now in the API's error shape", "GET", "/nowhere", 404),
        Step("20 kB of JSON: the same shape", "POST", "/echo", 413, big=20000),
        Step("Malformed JSON: one error shape for everything", "POST", "/echo", 400, data='{"broken": ', headers=JSON_TYPE),
        Step("What this server serves, read from its router", "GET", "/routes", 200),
    ]),
    "4": dict(product="Chapter04", steps=[
        Step("Page 2 of the seeded videos, by views: docs, then the page fields", "GET",
             "/videos?page=2&limit=5&sortBy=views&sortType=asc", 200),
        Step("A channel profile: counts from the database", "GET", "/users/c/chaiaurcode", 200),
        Step("limit over 100 is refused, naming the parameter", "GET", "/videos?limit=1000", 400),
    ]),
    "5": dict(product="Chapter05", steps=[
        Step("Register: the password is hashed on save (not in the answer)", "POST", "/users/register", 201, json=ASHA),
        Step("The same email again: the unique index", "POST", "/users/register", 409, json={**ASHA, "username": "asha2"}),
        Step("The right password", "POST", "/users/check", 200, json=LOGIN),
        Step("A wrong one", "POST", "/users/check", 401, json={"username": "asha", "password": "chai"}),
        Step("An operator instead of a string: refused, never a query", "POST", "/users/check", 400,
             json={"email": {"$ne": None}, "password": "x"}),
    ]),
    "6": dict(product="Chapter06", steps=[
        Step("Register", "POST", "/users/register", 201, json=ASHA),
        Step("Log in: tokens in the body and as httpOnly cookies", "POST", "/users/login", 200, json=LOGIN,
             save={"TOKEN": "data.accessToken", "OLD": "data.refreshToken"}, show=("Set-Cookie",)),
        Step("Who am I (the cookie)", "GET", "/users/current-user", 200),
        Step("Who am I (the Bearer header, no cookie)", "GET", "/users/current-user", 200,
             headers={"Authorization": "Bearer {TOKEN}"}, cookies=False),
        Step("Rotate the refresh token: new cookies, OLD is spent", "POST", "/users/refresh-token", 200),
        Step("Someone replays the spent token OLD: reuse, 401", "POST", "/users/refresh-token", 401,
             json={"refreshToken": "{OLD}"}, cookies=False),
        Step("…and that session is over: even the newest cookie gets 401", "GET", "/users/current-user", 401),
        Step("Log in again: a new session", "POST", "/users/login", 200, json=LOGIN, save={"TOKEN": "data.accessToken"}),
        Step("Where Asha is logged in", "GET", "/users/sessions", 200),
        Step("Change the password: every session ends", "POST", "/users/change-password", 200,
             json={"oldPassword": "chai aur code", "newPassword": "masala chai 2"}),
        Step("The access token from before no longer works", "GET", "/users/current-user", 401,
             headers={"Authorization": "Bearer {TOKEN}"}, cookies=False),
        Step("Log in with the new password", "POST", "/users/login", 200, json={"username": "asha", "password": "masala chai 2"}),
        Step("Log out: this session ends, the cookies are cleared", "POST", "/users/logout", 200, show=("Set-Cookie",)),
        Step("Nothing to show now", "GET", "/users/current-user", 401),
    ]),
    "7": dict(product="Chapter07", steps=[
        Step("A field and an image: streamed to public/temp, described, deleted", "POST", "/uploads", 200,
             form={"fullName": "Asha Rao", "avatar": "@samples/me.png"}),
        Step("A text file named me.png: judged by its first bytes, not its name", "POST", "/uploads", 415,
             form={"avatar": "@README.md;filename=me.png"}),
    ]),
    "8": dict(product="Chapter08", steps=[
        Step("Register with an avatar (to the local media folder)", "POST", "/users/register", 201,
             form={**ASHA_FORM, "avatar": "@samples/me.png"}, save={"AVATAR": "data.avatar"}),
        Step("The avatar is served, by the URL the answer gave", "GET", "{AVATAR}", 200, show=("Content-Type",), file=True),
        Step("Without one: refused before anything is stored", "POST", "/users/register", 400,
             form={"fullName": "Ravi", "email": "ravi@example.com", "username": "ravi", "password": "chai aur code"}),
        Step("Log in", "POST", "/users/login", 200, json=LOGIN),
        Step("A new avatar", "PATCH", "/users/avatar", 200, form={"avatar": "@samples/new.png"}),
        Step("The old avatar's file is gone: 404", "GET", "{AVATAR}", 404, file=True),
    ]),
    "final": dict(product="videotube", steps=[
        Step("Register with an avatar", "POST", "/users/register", 201, form={**ASHA_FORM, "avatar": "@samples/me.png"}),
        Step("Log in", "POST", "/users/login", 200, json=LOGIN),
        Step("Publish a video (its duration read from the file)", "POST", "/videos", 201,
             form={"title": "My first video", "description": "Hello", "videoFile": "@samples/clip.mp4",
                   "thumbnail": "@samples/me.png"},
             save={"VIDEO": "data._id"}),
        Step("Search the published videos, with no cookie: reading is public", "GET", "/videos?query=first&sortBy=views", 200,
             cookies=False),
        Step("Watch it: a view, and the watch history", "GET", "/videos/{VIDEO}", 200),
        Step("The watch history: an array, as the course answers it", "GET", "/users/history", 200, show=("X-Total-Count",)),
        Step("Like it", "POST", "/likes/toggle/v/{VIDEO}", 200),
        Step("Comment on it", "POST", "/comments/{VIDEO}", 201, json={"content": "Nice"}),
        Step("A playlist", "POST", "/playlist", 201, json={"name": "Later"}, save={"PLAYLIST": "data._id"}),
        Step("The video into it", "PATCH", "/playlist/add/{VIDEO}/{PLAYLIST}", 200),
        Step("A tweet", "POST", "/tweets", 201, json={"content": "First upload is live"}),
        Step("The channel in figures", "GET", "/dashboard/stats", 200),
        Step("Delete the video: comments, likes, playlist entries, media go with it", "DELETE", "/videos/{VIDEO}", 200),
        Step("The playlist is empty again", "GET", "/playlist/{PLAYLIST}", 200),
        Step("Log out", "POST", "/users/logout", 200),
    ]),
}
ALIASES = {"9": "final"}


def dig(value, path):
    for key in path.split("."):
        value = value[int(key)] if isinstance(value, list) else value[key]
    return value


def fill(value, saved):
    if isinstance(value, str):
        for key, found in saved.items():
            value = value.replace("{" + key + "}", str(found))
        return value
    if isinstance(value, dict):
        return {k: fill(v, saved) for k, v in value.items()}
    return value


def url(step, base, saved):
    """The step's URL: an API path under `base`/api/v1, or a URL an answer gave (`{AVATAR}`)."""
    path = fill(step.path, saved)
    return path if path.startswith("http") else f"{base}/api/v1{path}"


# MARK: What the learner types

VARIABLE = re.compile(r"\{([A-Z]+)\}")  # `{VIDEO}`: a value an earlier step saved


def shell_word(word):
    """A shell word: in double quotes when it uses `$B` or a saved variable (`"$B/videos/$VIDEO"`),
    else in single quotes, so that JSON's `"$ne"` stays text."""
    if "$B" not in word and not VARIABLE.search(word):
        return shlex.quote(word)
    escaped = word.replace("\\", "\\\\").replace('"', '\\"').replace("`", "\\`")
    return '"' + VARIABLE.sub(r"$\1", escaped) + '"'


def curl_words(step):
    """The step as curl's words, quoted for bash."""
    words = ["curl", "-s"]
    if step.file:  # a file, not text: its status and type
        words += ["-o", "/dev/null", "-w", "%{http_code} %{content_type}\\n"]
    elif step.show and not step.save:
        words.append("-i")
    if step.cookies:
        words += ["-b", "jar", "-c", "jar"]
    if step.method != "GET" and not (step.method == "POST" and (step.json or step.form or step.data or step.big)):
        words += ["-X", step.method]
    words = [shell_word(w) for w in words]
    words.append(shell_word(step.path if step.path.startswith("{") else "$B" + step.path))
    for name, value in step.headers.items():
        words += ["-H", shell_word(f"{name}: {value}")]
    if step.json is not None:
        body = json.dumps(step.json)
        if len(body) > WIDTH - 8:  # one word cannot be wrapped: the compact form, when the spaced one is too wide
            body = json.dumps(step.json, separators=(",", ":"))
        words += ["-H", shell_word("Content-Type: application/json"), "-d", shell_word(body)]
    elif step.big:  # the body is built by the shell, not pasted
        words += ["-H", shell_word("Content-Type: application/json"), "-d",
                  '"{\\"a\\": \\"$(head -c %d /dev/zero | tr \'\\0\' x)\\"}"' % step.big]
    elif step.data is not None:
        words += ["-d", shell_word(step.data)]
    for name, value in (step.form or {}).items():
        words += ["-F", shell_word(f"{name}={value}")]
    return words


def printed_lines(step):
    """The shell lines for the step: the curl command (wrapped at WIDTH with `\\`), then one line
    per value it saves, read from the answer it kept (`tee`)."""
    words = curl_words(step)
    tail = []
    if step.save:
        name = next(iter(step.save)).lower()
        words += ["|", "tee", f"{name}.json"]
        tail = [f"{key}=$(scripts/field {path} < {name}.json)" for key, path in step.save.items()]
    lines, line = [], ""
    for word in words:
        if line and len(line) + 1 + len(word) > WIDTH - 4:
            lines.append(line + " \\")
            line = "  " + word
        else:
            line = f"{line} {word}" if line else word
    return lines + [line] + tail


# MARK: What the server answers

def shorten(value, full):
    """Long strings cut (`eyJhbGci…(612 chars)`), long arrays cut to their first two items."""
    if full:
        return value
    if isinstance(value, str) and len(value) > 56 and " " not in value:  # a token, an id, a URL: not a sentence
        return f"{value[:28]}…({len(value)} chars)"
    if isinstance(value, list):
        items = [shorten(v, full) for v in value[:2]]
        return items + ([f"… {len(value) - 2} more"] if len(value) > 2 else [])
    if isinstance(value, dict):
        return {k: shorten(v, full) for k, v in value.items()}
    return value


def show_body(answer, full):
    text = answer.decode("utf-8", "replace")
    if not text:
        return [paint("2", "  (no body)")]
    try:
        document = json.loads(text)
    except ValueError:
        if any(ord(c) < 9 or c == "\ufffd" for c in text):
            return [paint("2", f"  ({len(answer):,} bytes of a file)")]
        return ["  " + line[:WIDTH - 2] for line in text.splitlines()[:6]]
    lines = []

    def render(value, indent, prefix, last):
        """Pretty JSON; an array's objects each on one line, cut at the width."""
        comma = "" if last else ","
        pad = " " * indent
        if isinstance(value, dict) and value:
            lines.append(f"{pad}{prefix}{{")
            for i, (k, v) in enumerate(value.items()):
                render(v, indent + 2, json.dumps(k) + ": ", i == len(value) - 1)
            lines.append(f"{pad}}}{comma}")
        elif isinstance(value, list) and value and not full:
            lines.append(f"{pad}{prefix}[")
            for i, item in enumerate(value):
                one = json.dumps(item, ensure_ascii=False) + ("" if i == len(value) - 1 else ",")
                room = WIDTH - indent - 4
                lines.append(" " * (indent + 2) + (one if len(one) <= room else one[:room - 1] + "…"))
            lines.append(f"{pad}]{comma}")
        elif isinstance(value, list) and value:
            lines.append(f"{pad}{prefix}[")
            for i, item in enumerate(value):
                render(item, indent + 2, "", i == len(value) - 1)
            lines.append(f"{pad}]{comma}")
        else:
            lines.append(f"{pad}{prefix}{json.dumps(value, ensure_ascii=False)}{comma}")

    render(shorten(document, full), 2, "", True)
    if not full:
        lines = [line if len(line) <= WIDTH else line[:WIDTH - 1] + "…" for line in lines]
    return lines


def multipart(form):
    boundary = "demo" + uuid.uuid4().hex
    out = b""
    for name, value in form.items():
        out += f"--{boundary}\r\n".encode()
        if value.startswith("@"):
            path, _, rename = value[1:].partition(";filename=")
            filename = rename or pathlib.Path(path).name
            data = SAMPLES[path.split("/", 1)[1]] if path.startswith("samples/") else (ROOT / path).read_bytes()
            out += f'Content-Disposition: form-data; name="{name}"; filename="{filename}"\r\n\r\n'.encode() + data + b"\r\n"
        else:
            out += f'Content-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
    return out + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


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
        elif step.big:
            body, headers["Content-Type"] = json.dumps({"a": "x" * step.big}).encode(), "application/json"
        elif step.form is not None:
            body, headers["Content-Type"] = multipart(fill(step.form, saved))
        elif step.data is not None:
            body = step.data.encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
        if step.cookies and self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        request = urllib.request.Request(url(step, self.base, saved), data=body, method=step.method, headers=headers)
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


def pause():
    if INTERACTIVE:
        input(paint("2", "  (Enter for the next step)"))


def server_env(demo, options):
    """Fresh data: a temporary folder, or a new database on MONGODB_URI's server."""
    env = {"HOST": "127.0.0.1", "DB_PORT": "", "MONGODB_URI": options["mongo"] or "", **demo.get("env", {})}
    if options["mongo"]:
        env["DB_NAME"] = "demo_" + uuid.uuid4().hex[:12]
    return env


def where(env):
    if env.get("MONGODB_URI"):
        return f"MongoDB at {env['MONGODB_URI']}, a new database {env['DB_NAME']}"
    return "the embedded store, in a fresh temporary folder"


def run_process_steps(demo, executable, folder, options):
    failures = 0
    print(paint("2", "# to follow along: the same lines, in the repository's folder"))
    for number, step in enumerate(demo["steps"], 1):
        print(paint("1", f"\n# {number}. {step.say}"))
        shown = " ".join(f"{k}={shlex.quote(v)}" for k, v in step.env.items())
        print(f"$ {shown + ' ' if shown else ''}make chapter N=1")
        pause()
        env = {**os.environ, "DATA_DIR": str(folder / "data"), "MONGODB_URI": "", **step.env}
        done = subprocess.run([str(executable)], env=env, cwd=ROOT, capture_output=True, text=True, timeout=60)
        output = (done.stdout + done.stderr).strip()
        for line in output.splitlines()[-3:]:
            print(paint("2", "  " + line[:WIDTH - 2]))
        ok = done.returncode == step.code and step.expect_log in output
        print((paint("32", "  exit ") if ok else paint("31", "  exit ")) + f"{done.returncode} (expected {step.code})")
        failures += not ok
    return failures, []


def run_http_steps(demo, executable, folder, options, env):
    process, port = start(executable, folder, env, cwd=ROOT)
    for line in (folder / "server.log").read_text().splitlines():
        if "Server is running" in line:
            print(paint("2", line[:WIDTH - 1] + ("…" if len(line) > WIDTH - 1 else "")))
    run_it = "make run" if executable.name == "videotube" else f"make chapter N={int(executable.name[-2:])}"
    print(paint("2", f"# to follow along: {run_it} in one terminal, then in another, in the repository:"))
    print(f"B={BASE}/api/v1")
    client, saved, failures, script = Client(f"http://127.0.0.1:{port}"), {}, 0, []
    quiet_until = options["step"]
    try:
        for number, step in enumerate(demo["steps"], 1):
            quiet = number < quiet_until
            lines = printed_lines(step)
            script.append((lines, step.expect))
            if not quiet:
                print(paint("1", f"\n# {number}. {step.say}"))
                for line in lines:
                    print(("$ " if line == lines[0] else "  ") + line)
                pause()
            status, answer, headers, elapsed = client.send(step, saved)
            failures += status != step.expect
            if status == step.expect and step.save:
                document = json.loads(answer)
                saved.update({key: dig(document, path) for key, path in step.save.items()})
            if quiet and status == step.expect:
                continue
            colour = "32" if status == step.expect else "31"
            print(f"  {paint('36', step.method)} {paint(colour, status)} {paint('2', f'{elapsed:.1f} ms')}"
                  + ("" if status == step.expect else paint("31", f" (expected {step.expect})")))
            for name in step.show:
                for value in headers.get_all(name) or ["(none)"]:
                    # Each `;` part shortened alone: a cookie's token is cut, its attributes stay.
                    parts = [p if options["full"] or len(p) <= 40 else f"{p[:24]}…({len(p)} chars)" for p in value.split("; ")]
                    line = f"  {name}: "
                    for i, part in enumerate(parts):
                        piece = part + (";" if i < len(parts) - 1 else "")
                        if len(line) + len(piece) + 1 > WIDTH and line.strip():
                            print(paint("33", line.rstrip()))
                            line = "    "
                        line += piece + " "
                    print(paint("33", line.rstrip()))
            for line in show_body(answer, options["full"]):
                print(line)
    finally:
        if options["keep"]:
            print(paint("1", f"\nThe server is still running on port {port} ({where(env)}). Ctrl-C stops it."))
            try:
                process.wait()
            except KeyboardInterrupt:
                pass
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            failures += 1
            print(paint("31", "the server did not stop within 20 s of SIGINT"))
    return failures, script


def replay_printed(name, executable, script, options):
    """Runs the printed lines with bash and curl against a fresh server: each line's status must
    be the step's. A `curl` function adds `-w` with the status on standard error."""
    demo = DEMOS[name]
    with tempfile.TemporaryDirectory(prefix=f"videotube-printed-{name}-") as scratch:
        scratch = pathlib.Path(scratch)
        (scratch / "samples").mkdir()
        for file, data in SAMPLES.items():
            (scratch / "samples" / file).write_bytes(data)
        os.symlink(ROOT / "scripts", scratch / "scripts")
        shutil.copy(ROOT / "README.md", scratch / "README.md")
        process, port = start(executable, scratch / "server", server_env(demo, options), cwd=ROOT)
        try:
            body = ["set -u", "curl() { command curl \"$@\" -w '%{stderr}@@status %{http_code}\\n'; }",
                    f"B=http://localhost:{port}/api/v1"]
            for lines, _ in script:
                body.append("\n".join(lines).replace("localhost:8000", f"localhost:{port}") + " > /dev/null")
            run = subprocess.run(["bash", "-c", "\n".join(body)], cwd=scratch, capture_output=True, text=True, timeout=120)
        finally:
            process.send_signal(signal.SIGINT)
            process.wait(timeout=20)
    got = [int(s) for s in re.findall(r"@@status (\d+)", run.stderr)]
    wanted = [expect for _, expect in script]
    if got != wanted:
        print(paint("31", f"  the printed lines of demo {name} answered {got}, the steps expect {wanted}"))
        print(paint("2", "  " + run.stderr[-400:].replace("\n", "\n  ")))
        return 1
    print(paint("32", f"  the {len(script)} printed lines of demo {name}, run as printed with curl: the same statuses"))
    return 0


def run(name, executable, options):
    demo = DEMOS[name]
    with tempfile.TemporaryDirectory(prefix=f"videotube-demo-{name}-") as folder:
        folder = pathlib.Path(folder)
        if demo.get("server", True):
            env = server_env(demo, options)
            print(paint("1;35", f"== demo {name}: {executable.name} on {where(env)} =="))
            failed, script = run_http_steps(demo, executable, folder, options, env)
        else:
            print(paint("1;35", f"== demo {name}: {executable.name}, started three ways =="))
            failed, script = run_process_steps(demo, executable, folder, options)
    if options["replay"] and script:
        failed += replay_printed(name, executable, script, options)
    return failed


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    flags = sys.argv[1:]
    step = 1
    if "--step" in flags:
        step = int(flags[flags.index("--step") + 1])
        args.remove(str(step))
    name = ALIASES.get(args[0], args[0]) if args else ""
    if len(args) != 2 or (name != "all" and name not in DEMOS):
        sys.exit(f"usage: demo.py {{1..8|9|final|all}} EXECUTABLE-or-BUILD-FOLDER [--step K] [--full] [--keep]")
    options = {"step": step, "full": "--full" in flags, "keep": "--keep" in flags and name != "all",
               "mongo": os.environ.get("MONGODB_URI") or None, "replay": name == "all"}
    target = pathlib.Path(args[1]).resolve()
    if name == "all":
        results = {name: run(name, target / demo["product"], options) for name, demo in DEMOS.items()}
        print("\n" + ", ".join(f"{name}: {'ok' if not failed else f'{failed} failed'}" for name, failed in results.items()))
        for line in TOO_WIDE:
            print(paint("31", f"wider than {WIDTH} columns: ") + line[:60] + "…")
        sys.exit(1 if any(results.values()) or TOO_WIDE else 0)
    failed = run(name, target / DEMOS[name]["product"] if target.is_dir() else target, options)
    print(paint("32", "\nevery step answered as the lesson says") if not failed else paint("31", f"\n{failed} step(s) did not"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
