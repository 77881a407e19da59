#!/bin/bash
# The house in figures (CONTRIBUTING.md's layout rules), for a tree: bash scripts/house_stats.sh [DIR]
# Lines per teaching module inside and outside its Extras/ or Hardening/ folder, the production
# extras left in teaching folders, file sizes, lines past 120 columns, exercise markup in the
# reference code, and comment lines that carry a bracketed aside.
cd "${1:-.}" || exit 2
echo "lines per teaching module (outside extras folders / in them):"
for d in Sources/Course/*/; do
  all=$(find "$d" -name '*.swift' -print0 | xargs -0 cat | wc -l)
  extra=$(find "$d" \( -path '*/Hardening/*' -o -path '*/Extras/*' \) -name '*.swift' -print0 | xargs -0 -r cat | wc -l)
  echo "  $(basename "$d"): $((all - extra)) / $extra"
done
defs="actor RateLimiter|struct Throttle|struct CrossSiteGuard|struct CrossSiteRefusal|struct DeviceCookies|struct TrustedProxies"
defs="$defs|ChannelInboundHandler|ChannelDuplexHandler|WireServer.start|struct QueryTimeLimitMiddleware"
hard=$(grep -rlE "$defs" Sources/Course --include='*.swift' | grep -vE "/(Hardening|Extras)/")
teaching=$(find Sources/Course -name '*.swift' | grep -vE "/(Hardening|Extras)/" | xargs cat | wc -l)
echo "production extras' lines in teaching folders: $(echo "$hard" | grep . | xargs -r cat | wc -l) of $teaching"
echo "$hard" | grep . | sed 's/^/  /'
for d in Sources/Course Sources/Final; do
  find "$d" -name '*.swift' -exec wc -l {} + | grep -v ' total$' | awk '{print $1}' | sort -n > /tmp/house-sizes.$$
  n=$(wc -l < /tmp/house-sizes.$$)
  echo "$d: $n files, median $(sed -n "$(((n + 1) / 2))p" /tmp/house-sizes.$$) lines, p90 $(sed -n "$(((n * 9 + 9) / 10))p" /tmp/house-sizes.$$)"
done
rm -f /tmp/house-sizes.$$
python3 - <<'PY'
import pathlib, re, sys
sys.path.insert(0, "scripts")
import exercises as tool
for folder in ["Sources/Course", "Sources/Final", "Chapters"]:
    lines = [l for p in pathlib.Path(folder).rglob("*.swift") for l in p.read_text().splitlines()]
    print(f"{folder}: {sum(len(l) > 120 for l in lines)} of {len(lines)} lines over 120 columns")
exercises = tool.scan()
print(f"exercise markup in the reference code: {sum(e.header_end - e.begin + 1 for e in exercises)} lines for {len(exercises)} exercises")
total = aside = 0
for folder in ["Sources/Course", "Sources/Final", "Chapters"]:
    for path in pathlib.Path(folder).rglob("*.swift"):
        for line in path.read_text().splitlines():
            text = line.strip()
            if not text.startswith("//") or "EXERCISE" in text:
                continue
            total += 1
            prose = re.sub(r"`[^`]*`", "``", text.lstrip("/"))
            aside += bool(re.search(r"(^|\s)\([^)]*\s[^)]*\)?", prose))
print(f"comment lines with a bracketed aside (more than one word, outside code): {aside} of {total} ({aside / total:.0%})")
PY
