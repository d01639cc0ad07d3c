#!/usr/bin/env bash
# Build the one-folder desktop bundle on Linux from a fresh clone:
#   bash packaging/build.sh
# → dist/digibank-balie/ (run dist/digibank-balie/digibank) and
#   dist/digibank-balie-<version>-linux-x86_64.tar.gz for an administrator to unpack.
# Needs python3 (3.11+) with venv and access to the package registry; installs what the
# build needs into build/venv only.
# DIST_DIR / BUILD_DIR move the outputs (the test builds under its temporary folder);
# BUILD_PYTHON names a Python that already has the program and PyInstaller (the test's).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
DIST=${DIST_DIR:-$ROOT/dist}
BUILD=${BUILD_DIR:-$ROOT/build}
if [ -n "${BUILD_PYTHON:-}" ]; then
    BPY=$BUILD_PYTHON
else
    VENV=$BUILD/venv
    [ -x "$VENV/bin/python" ] || "${PYTHON:-python3}" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q ".[desktop]" "pyinstaller>=6.10,<7"
    BPY=$VENV/bin/python
fi
VERSION=$("$BPY" -c 'from importlib.metadata import version; print(version("digibank-balie"))')
"$BPY" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath "$DIST" --workpath "$BUILD/pyinstaller" packaging/digibank.spec
BUNDLE=$DIST/digibank-balie
cp packaging/digibank-balie.desktop resources/icons/digibank.png packaging/install-linux.sh "$BUNDLE/"
TARBALL=$DIST/digibank-balie-$VERSION-linux-x86_64.tar.gz
tar -C "$DIST" -czf "$TARBALL" digibank-balie
echo "bundle:  $BUNDLE ($(du -sh "$BUNDLE" | cut -f1))"
echo "archive: $TARBALL ($(du -sh "$TARBALL" | cut -f1))"
