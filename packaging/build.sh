#!/usr/bin/env bash
# Build the standalone Linux app (one folder) and smoke-test it.
#   packaging/build.sh            -> build/dist/vidi-desktop/vidi-desktop
# Needs the project installed in .venv (README command 1) plus `pip install -e '.[package]'`.
# Reproducible: fixed hash seed and source date; the same checkout and wheels give the same files.
set -euo pipefail
cd "$(dirname "$0")/.."
PY="${PYTHON:-.venv/bin/python}"
export PYTHONHASHSEED=0
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}"

"$PY" -m PyInstaller --version >/dev/null 2>&1 || "$PY" -m pip install -q 'pyinstaller>=6.10'
start=$(date +%s)
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN \
  --distpath build/dist --workpath build/pyinstaller packaging/vidi-desktop.spec
echo "built in $(( $(date +%s) - start )) s"

app=build/dist/vidi-desktop/vidi-desktop
bash packaging/smoke_test.sh "$app"
