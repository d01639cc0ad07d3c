#!/bin/sh
# Install the unpacked bundle for the current user: a menu entry and the icon.
#   tar xzf digibank-balie-*-linux-x86_64.tar.gz && sh digibank-balie/install-linux.sh
# The data folder (~/.local/share/digibank-balie) is never touched by installing,
# upgrading or removing the program.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
APPS=${XDG_DATA_HOME:-$HOME/.local/share}/applications
ICONS=${XDG_DATA_HOME:-$HOME/.local/share}/icons/hicolor/256x256/apps
mkdir -p "$APPS" "$ICONS"
cp "$HERE/digibank.png" "$ICONS/digibank-balie.png"
sed -e "s#^Exec=.*#Exec=$HERE/digibank#" -e "s#^Icon=.*#Icon=digibank-balie#" \
    "$HERE/digibank-balie.desktop" > "$APPS/digibank-balie.desktop"
echo "Digibank Balie staat in het menu ($APPS/digibank-balie.desktop)."
