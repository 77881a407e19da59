#!/usr/bin/env bash
# make dist-check: copies dist/videotube to a new folder, starts it from an unrelated working
# directory with the Swift toolchain hidden (a mount namespace with an empty tmpfs over it, so a
# binary that still loaded libswiftCore.so from it would fail at once), and checks that it serves
# (healthcheck, the API page's files), keeps its data in its own folder, and stops cleanly on
# SIGTERM. A debug dist (make test's) loads Swift's runtime from the toolchain, so for it the
# toolchain stays visible; the release dist is the one a deployer copies, and the one hidden.
set -euo pipefail
dist=${1:-dist/videotube}
[ -x "$dist/videotube" ] || { echo "no $dist/videotube: run make dist first"; exit 1; }
place=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$place"' EXIT
cp -r "$dist" "$place/videotube"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
toolchain=$(dirname "$(dirname "$(readlink -f "$(command -v swift)")")")   # e.g. /opt/swift/usr
hide=()
if ldd "$place/videotube/bin/videotube" | grep -q libswiftCore; then
    echo "dist-check: this build loads Swift's runtime from $toolchain (a debug build), so the toolchain stays visible"
else
    # root: a mount namespace of our own; anyone else: a user namespace too (unshare -r).
    hide=(unshare -m --propagation private)
    [ "$(id -u)" = 0 ] || hide=(unshare -r -m --propagation private)
    hide+=(sh -c 'mount -t tmpfs tmpfs "$0" && [ ! -e "$0/bin/swift" ] && exec "$@"' "$toolchain")
fi
cd /
PORT=$port BCRYPT_COST=4 "${hide[@]}" "$place/videotube/videotube" > "$place/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do
    grep -q "Server is running" "$place/server.log" && break
    kill -0 "$pid" 2>/dev/null || { cat "$place/server.log"; echo "dist-check: the server exited"; exit 1; }
    sleep 0.1
done
fail() { echo "dist-check: $*"; cat "$place/server.log"; exit 1; }
health=$(python3 - "$port" <<'PY'
import sys, urllib.request
print(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/healthcheck", timeout=5).read().decode())
PY
) || fail "no healthcheck"
[[ $health == *'"database":"up"'* ]] || fail "healthcheck said $health"
python3 - "$port" <<'PY' || fail "the API page's files are not served"
import sys, urllib.request
for path in ["/api-docs", "/api-docs/swagger-ui-bundle.js", "/api/v1/openapi.json"]:
    assert urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}{path}", timeout=5).status == 200, path
PY
[ -d "$place/videotube/data/videotube" ] || fail "the data folder is not beside the binary"
kill -TERM "$pid"
wait "$pid" || fail "did not stop cleanly"
grep -q "Server stopped gracefully" "$place/server.log" || fail "no graceful stop"
echo "dist-check: dist/videotube started from / on port $port${hide:+ with $toolchain hidden}, served, kept its data beside it, stopped cleanly"
