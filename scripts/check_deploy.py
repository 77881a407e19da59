"""`make deploy-check` (part of `make test`): the deployment recipe in deploy/, tried for real.

    python3 scripts/check_deploy.py .build/debug/videotube

nginx runs deploy/nginx.conf (only its ports changed) in front of the server started with the
settings deploy/videotube.service gives it (TRUSTED_PROXIES=127.0.0.1); clients connect from
other loopback addresses (127.0.0.2, 127.0.0.3), as two people on the internet would. Through
nginx: register, log in, upload a video, watch it; then the login limit counts each client
address on its own, and a forged X-Forwarded-For changes nothing. systemd-analyze checks the unit.
"""
import http.client
import json
import pathlib
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from make_samples import SAMPLES
from workshop.clients import BOUNDARY, FORM_HEADERS, form
from workshop.servers import clear_of_minute_edge, free_port, start

ROOT = pathlib.Path(__file__).resolve().parent.parent
problems = []


def check(condition, what):
    print(("  ok    " if condition else "  FAILED ") + what)
    if not condition:
        problems.append(what)


class FromAddress(http.client.HTTPConnection):
    """A connection from a chosen loopback address, as a client elsewhere."""

    def __init__(self, port, source):
        super().__init__("127.0.0.1", port, timeout=30, source_address=(source, 0))


def call(port, source, method, path, body=b"", headers=None):
    connection = FromAddress(port, source)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def nginx_config(folder, listen, upstream):
    site = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "listen 80;" in site and "server 127.0.0.1:8000;" in site, "deploy/nginx.conf no longer has the lines this check adapts"
    site = site.replace("listen 80;", f"listen 127.0.0.1:{listen};").replace("server 127.0.0.1:8000;", f"server 127.0.0.1:{upstream};")
    (folder / "site.conf").write_text(site)
    paths = "\n".join(f"    {kind}_temp_path {folder}/{kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (folder / "nginx.conf").write_text(f"""worker_processes 1;
daemon off;
pid {folder}/nginx.pid;
error_log {folder}/error.log;
events {{}}
http {{
    access_log {folder}/access.log;
{paths}
    include {folder}/site.conf;
}}
""")


def main():
    binary = pathlib.Path(sys.argv[1]).resolve()
    if not shutil.which("nginx"):
        sys.exit("nginx is missing: `make test-deps` installs it")
    folder = pathlib.Path(tempfile.mkdtemp(prefix="deploy-check-"))
    # The service's settings (deploy/videotube.service), on free ports and a scratch folder.
    service = (ROOT / "deploy" / "videotube.service").read_text()
    assert "TRUSTED_PROXIES=127.0.0.1" in service
    server, port = start(binary, folder / "server", {"TRUSTED_PROXIES": "127.0.0.1", "HOST": "127.0.0.1", "MONGODB_URI": "",
                                                     "ACCESS_TOKEN_SECRET": "a" * 32, "REFRESH_TOKEN_SECRET": "r" * 32,
                                                     "BCRYPT_COST": "4", "DB_PORT": ""}, cwd=ROOT)
    listen = free_port()
    nginx_config(folder, listen, port)
    nginx = subprocess.Popen(["nginx", "-p", str(folder), "-c", str(folder / "nginx.conf")], stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", listen), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        print(f"deploy-check: nginx on {listen} (deploy/nginx.conf) in front of the server on {port}")
        me = "127.0.0.2"
        fields = [("fullName", "Deployer"), ("email", "deploy@example.com"), ("username", "deployer"), ("password", "chai aur code")]
        status, _ = call(listen, me, "POST", "/api/v1/users/register", form(fields, [("avatar", "me.png", SAMPLES["me.png"])]), FORM_HEADERS)
        check(status == 201, f"register through nginx: {status}")
        clear_of_minute_edge()  # this login and the wrong ones below are counted in one clock minute
        status, body = call(listen, me, "POST", "/api/v1/users/login", json.dumps({"username": "deployer", "password": "chai aur code"}).encode(),
                            {"Content-Type": "application/json"})
        check(status == 200, f"log in through nginx: {status}")
        bearer = {"Authorization": "Bearer " + json.loads(body)["data"]["accessToken"]} if status == 200 else {}
        video = form([("title", "Deployed"), ("description", "through nginx")],
                     [("videoFile", "clip.mp4", SAMPLES["clip.mp4"]), ("thumbnail", "me.png", SAMPLES["me.png"])])
        status, body = call(listen, me, "POST", "/api/v1/videos", video, {**FORM_HEADERS, **bearer})
        check(status == 201, f"upload a video through nginx: {status}")
        video_id = json.loads(body)["data"]["_id"] if status == 201 else "0" * 24
        status, body = call(listen, me, "GET", f"/api/v1/videos/{video_id}", b"", bearer)
        check(status == 200 and json.loads(body)["data"]["views"] == 1, f"watch it through nginx: {status}")
        media = json.loads(body)["data"]["videoFile"] if status == 200 else ""
        check(call(listen, me, "GET", media)[0] == 200, f"its file is served through nginx ({media})")

        # The login limit (5 tries a minute at an account from one address, the login above
        # included) sees each client by the address nginx saw.
        wrong = json.dumps({"username": "deployer", "password": "not it"}).encode()
        tries = [call(listen, me, "POST", "/api/v1/users/login", wrong, {"Content-Type": "application/json"})[0] for _ in range(5)]
        check(tries == [401, 401, 401, 401, 429], f"from {me}, after its login: four wrong passwords, then 429: {tries}")
        other = call(listen, "127.0.0.3", "POST", "/api/v1/users/login", wrong, {"Content-Type": "application/json"})[0]
        check(other == 401, f"another client, 127.0.0.3, has its own count: {other}")
        forged = call(listen, "127.0.0.3", "POST", "/api/v1/users/login", wrong,
                      {"Content-Type": "application/json", "X-Forwarded-For": me})[0]
        check(forged == 401, f"127.0.0.3 claiming to be {me} in X-Forwarded-For is still counted as itself: {forged}")
    finally:
        nginx.send_signal(signal.SIGQUIT)
        nginx.wait(timeout=20)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=40)
        shutil.rmtree(folder, ignore_errors=True)

    if shutil.which("systemd-analyze"):
        unit = pathlib.Path(tempfile.mkdtemp()) / "videotube.service"
        unit.write_text(service.replace("/opt/videotube/videotube", str(binary)))
        run = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True, text=True)
        # A fresh machine has no `videotube` user yet (the unit's install steps create it).
        errors = [l for l in (run.stdout + run.stderr).splitlines() if l.strip() and "user" not in l.lower()]
        check(not errors, "systemd-analyze verify deploy/videotube.service: " + ("; ".join(errors) or "no complaint"))
    if problems:
        sys.exit(f"deploy-check: {len(problems)} check(s) failed")
    print("deploy-check: the recipe in deploy/ serves the API through nginx with each client's own address")


if __name__ == "__main__":
    main()
