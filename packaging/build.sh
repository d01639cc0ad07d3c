#!/usr/bin/env bash
# Build the one-folder desktop bundle on Linux from a fresh clone:
#   bash packaging/build.sh
# → dist/digibank-balie/ (run dist/digibank-balie/digibank) and
#   dist/digibank-balie-<version>-linux-x86_64.tar.gz for an administrator to unpack.
# Needs python3 (3.11+) with venv and network access to the package registry; installs
# what the build needs into build/venv only.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
PY=${PYTHON:-python3}
VENV=build/venv
[ -x "$VENV/bin/python" ] || "$PY" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q . "pyinstaller>=6.10,<7"
VERSION=$("$VENV/bin/python" -c 'from importlib.metadata import version; print(version("digibank-balie"))')
"$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
    --distpath dist --workpath build/pyinstaller packaging/digibank.spec
BUNDLE=dist/digibank-balie
cp packaging/digibank-balie.desktop resources/icons/digibank.png packaging/install-linux.sh "$BUNDLE/"
TARBALL=dist/digibank-balie-$VERSION-linux-x86_64.tar.gz
tar -C dist -czf "$TARBALL" digibank-balie
echo "bundle:  $BUNDLE ($(du -sh "$BUNDLE" | cut -f1))"
echo "archive: $TARBALL ($(du -sh "$TARBALL" | cut -f1))"
