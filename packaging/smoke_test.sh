#!/usr/bin/env bash
# Smoke-test a built app: version, the built-in analysis on the bundled sample, the window.
#   packaging/smoke_test.sh build/dist/vidi-desktop/vidi-desktop
set -euo pipefail
app="$1"
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
export VIDI_DESKTOP_CACHE_DIR="$out/cache" VIDI_DESKTOP_DATA_DIR="$out/data"

t0=$(date +%s.%N)
"$app" --version
t1=$(date +%s.%N)
echo "start time (--version): $(python3 -c "print(round($t1 - $t0, 2))") s"

"$app" analyze --sample -o "$out/sample.json" -q
python3 - "$out/sample.json" <<'PY'
import json, sys
project = json.load(open(sys.argv[1]))
kinds = sorted({s["kind"] for s in project["suggestions"]})
print(f"analysis: {len(project['suggestions'])} suggestions: {', '.join(kinds)}")
# Silences are their own kind since project schema 3 (silence_cut, not cut_range).
assert {"subtitle_cue", "silence_cut", "highlight_clip"} <= set(kinds), kinds
PY

sample="$(dirname "$app")/_internal/vidi_desktop/_resources/samples/example.mp4"
if "$app" gui --help >/dev/null 2>&1; then
  t0=$(date +%s.%N)
  QT_QPA_PLATFORM=offscreen "$app" gui "$sample" --screenshot "$out/window.png"
  t1=$(date +%s.%N)
  test -s "$out/window.png"
  echo "window: opened on the sample and saved a screenshot in $(python3 -c "print(round($t1 - $t0, 2))") s"
fi
echo "bundle size: $(du -sh "$(dirname "$app")" | cut -f1)"
