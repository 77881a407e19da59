#!/usr/bin/env bash
# make docs-check: starts the Final server, renders /api-docs in headless Chromium (Debian's
# package), and checks that the page lists every operation of /api/v1/openapi.json.
set -euo pipefail
server=${1:?usage: check_api_docs.sh PATH-TO-videotube}
chromium=$(command -v chromium || command -v chromium-browser) || { echo "docs-check: chromium is not installed"; exit 1; }
place=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$place"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
PORT=$port DATA_DIR=$place/data MEDIA_DIR=$place/media TEMP_DIR=$place/temp "$server" > "$place/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do grep -q "Server is running" "$place/server.log" && break; sleep 0.1; done
"$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --user-data-dir="$place/chrome" \
    --virtual-time-budget=20000 --dump-dom "http://127.0.0.1:$port/api-docs" > "$place/page.html" 2> "$place/chromium.log" || true
python3 - "$port" "$place/page.html" <<'PY'
import html, json, re, sys, urllib.request
document = json.load(urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}/api/v1/openapi.json", timeout=5))
page = open(sys.argv[2], encoding="utf-8").read()
# Swagger UI renders each operation as an element with id "operations-<tag>-<operationId>".
shown = set(re.findall(r'id="operations-[^"]*?-([A-Za-z0-9_]+)"', page))
wanted = {op["operationId"]: f'{method.upper()} {path}' for path, item in document["paths"].items() for method, op in item.items()}
missing = sorted(route for operation, route in wanted.items() if operation not in shown)
if missing:
    sys.exit(f"docs-check: {len(missing)} of {len(wanted)} operations are not on the page: {missing[:5]} (page: {len(page)} bytes)")
print(f"docs-check: Swagger UI at /api-docs lists all {len(wanted)} operations of /api/v1/openapi.json")
PY
