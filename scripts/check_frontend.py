"""A frontend on another origin, in a real browser (`make frontend-check`, part of `make test`).

Frontends written for the course's backend run on their own dev server (vite's :5173) and call
the API on :8000 with cookies. This check is such a page: served from another port of
`localhost`, it loads the public video list logged out, logs in (cookies), reads the signed-in
user, shows the avatar by the URL the API gave, plays the video by its `videoFile` URL and seeks
in it (the browser asks for a byte range: 206), reads a list answered as an array, and logs out.
Headless Chromium from Debian's package, driven by Playwright from PyPI (`executable_path`: no
browser download). The video is a real WebM made with the ffmpeg that the imageio-ffmpeg wheel
carries.

    .venv/bin/python scripts/check_frontend.py .build/debug/videotube
"""
import functools
import http.server
import json
import pathlib
import shutil
import subprocess
import sys
import tempfile
import threading

from workshop.clients import FORM_HEADERS, JSON, PASSWORD, PNG, form, register, request
from workshop.servers import free_port, start

PAGE = """<!doctype html>
<html><head><meta charset="utf-8"><title>VideoTube frontend check</title></head>
<body>
<img id="avatar" alt="avatar"> <video id="player" muted playsinline></video>
<script>
const API = "__API__";
const results = {};
const get = (path) => fetch(API + path, {credentials: "include"});
const event = (element, name) => new Promise((resolve, reject) => {
  element.addEventListener(name, resolve, {once: true});
  element.addEventListener("error", () => reject(new Error(name + ": media error " + (element.error && element.error.code))), {once: true});
});
(async () => {
  try {
    const home = await get("/videos");                      // the home page, before anyone logs in
    results.publicList = [home.status, (await home.json()).data.docs.length];
    const login = await fetch(API + "/users/login", {
      method: "POST", credentials: "include", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({username: "asha", password: "__PASSWORD__"}),
    });
    results.login = login.status;
    const me = await get("/users/current-user");             // the cookie, not a token in the page
    const user = (await me.json()).data;
    results.currentUser = [me.status, user.username];
    const avatar = document.getElementById("avatar");
    avatar.src = user.avatar;
    await avatar.decode();
    results.avatar = [user.avatar, avatar.naturalWidth];
    const list = await (await get("/videos")).json();
    const video = list.data.docs[0];
    results.videoFile = video.videoFile;
    const player = document.getElementById("player");
    player.src = video.videoFile;                            // <video src={video.videoFile}>
    await event(player, "loadedmetadata");
    results.duration = player.duration;
    player.currentTime = player.duration / 2;
    await event(player, "seeked");
    results.seekedTo = player.currentTime;
    await player.play();
    await new Promise((resolve) => setTimeout(resolve, 300));
    player.pause();
    results.playedTo = player.currentTime;
    const liked = await fetch(API + "/likes/toggle/v/" + video._id, {method: "POST", credentials: "include"});
    const likes = await get("/likes/videos");
    results.likedVideos = [liked.status, Array.isArray((await likes.json()).data), likes.headers.get("X-Total-Count")];
    const logout = await fetch(API + "/users/logout", {method: "POST", credentials: "include"});
    results.logout = [logout.status, (await get("/users/current-user")).status];
  } catch (error) {
    results.error = String(error);
  }
  results.done = true;
  window.results = results;
})();
</script>
</body></html>
"""


def webm(folder):
    """A real, playable 4-second WebM (VP8), from the ffmpeg inside the imageio-ffmpeg wheel."""
    import imageio_ffmpeg

    path = folder / "clip.webm"
    subprocess.run(
        [imageio_ffmpeg.get_ffmpeg_exe(), "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=4:size=160x120:rate=10",
         "-c:v", "libvpx", "-b:v", "200k", "-y", str(path)],
        check=True)
    return path.read_bytes()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def serve_page(folder, port):
    """The page's own origin, as vite's dev server would be (only loopback)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(QuietHandler, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main():
    binary = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".build/debug/videotube").resolve()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("frontend-check: chromium is not installed (make frontend-check installs it)")
    from playwright.sync_api import sync_playwright

    place = pathlib.Path(tempfile.mkdtemp(prefix="frontend-check-"))
    page_port = free_port()
    page_origin = f"http://localhost:{page_port}"
    server, api_port = start(binary, place / "api", {"CORS_ORIGIN": page_origin, "TEMP_DIR": str(place / "temp"),
                                                      "HOST": "127.0.0.1", "MONGODB_URI": ""})
    checks = []

    def check(ok, what):
        checks.append(ok)
        print(("  ok   " if ok else "  FAIL ") + what)

    try:
        clip = webm(place)
        assert register(api_port, "asha") == 201
        status, body = request(api_port, "POST", "/api/v1/users/login", json.dumps({"username": "asha", "password": PASSWORD}).encode(), JSON)
        token = json.loads(body)["data"]["accessToken"]
        upload = form([("title", "A real video"), ("description", "played in Chromium")],
                      [("videoFile", "clip.webm", clip), ("thumbnail", "t.png", PNG)])
        status, body = request(api_port, "POST", "/api/v1/videos", upload, {**FORM_HEADERS, "Authorization": f"Bearer {token}"})
        assert status == 201, f"upload: {status} {body[:300]}"
        request(api_port, "POST", "/api/v1/users/logout", b"", {"Authorization": f"Bearer {token}"})

        site = place / "site"
        site.mkdir()
        api = f"http://localhost:{api_port}/api/v1"
        (site / "index.html").write_text(PAGE.replace("__API__", api).replace("__PASSWORD__", PASSWORD))
        page_server = serve_page(site, page_port)
        media = []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-dev-shm-usage",
                                                                                  "--autoplay-policy=no-user-gesture-required"])
            page = browser.new_page()
            page.on("response", lambda r: media.append((r.url, r.status, r.request.headers.get("range"))) if "/media/" in r.url else None)
            page.goto(f"{page_origin}/index.html")
            page.wait_for_function("window.results && window.results.done", timeout=60_000)
            results = page.evaluate("window.results")
            browser.close()
        page_server.shutdown()

        print(f"frontend-check: a page at {page_origin} against the API at http://localhost:{api_port} (Chromium {chromium})")
        check("error" not in results, f"the page ran to its end ({results.get('error', 'no error')})")
        check(results.get("publicList") == [200, 1], f"logged out, GET /videos lists the video: {results.get('publicList')}")
        check(results.get("login") == 200, f"login with cookies: {results.get('login')}")
        check(results.get("currentUser") == [200, "asha"], f"the cookie signs the next request in: {results.get('currentUser')}")
        avatar = results.get("avatar") or ["", 0]
        check(avatar[0].startswith(f"http://localhost:{api_port}/media/avatars/") and avatar[1] > 0,
              f"the avatar loads from the URL the API gave: {avatar}")
        video_file = results.get("videoFile") or ""
        check(video_file.startswith(f"http://localhost:{api_port}/media/videos/"), f"videoFile is absolute: {video_file}")
        duration = results.get("duration") or 0
        check(3.5 <= duration <= 4.5, f"the video's metadata loads: {duration:.2f} s")
        seeked = results.get("seekedTo") or 0
        check(abs(seeked - duration / 2) < 0.5, f"seeking moves currentTime to the middle: {seeked:.2f} s")
        check((results.get("playedTo") or 0) >= seeked, f"it plays on from there: {results.get('playedTo')}")
        ranged = [entry for entry in media if entry[0] == video_file and entry[1] == 206]
        check(bool(ranged), f"the server answered the browser's byte ranges with 206: {[(s, r) for _, s, r in media if 'videos' in _][:4]}")
        check(results.get("likedVideos") == [200, True, "1"], f"a list the course answers as an array, its total readable: {results.get('likedVideos')}")
        check(results.get("logout") == [200, 401], f"logout clears the cookies: {results.get('logout')}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(place, ignore_errors=True)
    failed = checks.count(False)
    print(f"frontend-check: {len(checks) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
