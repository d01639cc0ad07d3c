#!/bin/sh
# collect_specs.sh — gather the hardware specs of THIS computer for Digibank Balie.
#
# How to use (technician at the refurbishing bench):
#   1. Copy this script to a USB stick.
#   2. Start the refurbished laptop from a live Linux USB (e.g. Debian live or ShredOS with
#      a shell), plug in the stick and open a terminal in the stick's folder.
#   3. Run:  sudo sh collect_specs.sh
#   4. Next to this script appear  <serial>.json  (lshw -json) and, where dmidecode is
#      present,  <serial>-dmidecode.txt . Take the stick to the counter PC and run
#        digibank specs import /media/usb          (the whole folder at once)
#      Devices are matched by serial number; unknown serials become new intake records.
#
# Why root: without it lshw and dmidecode cannot read the serial number, the memory
# banks or the battery, and the import would miss them.
# Why the serial in the file name: some machines report no serial inside lshw (virtual
# machines, boards with "To be filled by O.E.M."); the importer then uses the file name.
# The script only reads; it never changes the disk of the laptop (the stick is the only
# place it writes to).

set -u

HERE=$(cd "$(dirname "$0")" && pwd)

if [ "$(id -u)" -ne 0 ]; then
    echo "Start dit script als root: sudo sh $0" >&2
    exit 1
fi

if ! command -v lshw >/dev/null 2>&1; then
    echo "lshw ontbreekt. Installeer het (apt-get install lshw) of gebruik een live-USB waar het op staat." >&2
    exit 1
fi

# The serial: from the firmware (sysfs needs no extra tool), then dmidecode, else a time stamp
# so nothing is overwritten. Keep only characters that are safe in a file name.
serial=""
if [ -r /sys/class/dmi/id/product_serial ]; then
    serial=$(cat /sys/class/dmi/id/product_serial 2>/dev/null)
fi
if [ -z "$serial" ] && command -v dmidecode >/dev/null 2>&1; then
    serial=$(dmidecode -s system-serial-number 2>/dev/null | head -n 1)
fi
case "$(printf '%s' "$serial" | tr '[:upper:]' '[:lower:]')" in
    ""|"to be filled by o.e.m."|"default string"|"system serial number"|"not specified"|"0")
        serial="onbekend-$(date +%Y%m%d-%H%M%S)" ;;
esac
serial=$(printf '%s' "$serial" | tr -c 'A-Za-z0-9._-' '_' )

json="$HERE/$serial.json"
tmp="$json.tmp"
# -quiet: no progress lines mixed into the output. Written to a temporary file first and
# renamed when complete, so a pulled stick never leaves a half file that looks whole.
if lshw -json -quiet > "$tmp" 2>/dev/null && [ -s "$tmp" ]; then
    mv "$tmp" "$json"
    echo "Geschreven: $json"
else
    rm -f "$tmp"
    echo "lshw gaf geen uitvoer; probeer opnieuw als root." >&2
    exit 1
fi

if command -v dmidecode >/dev/null 2>&1; then
    dmi="$HERE/$serial-dmidecode.txt"
    if dmidecode > "$dmi.tmp" 2>/dev/null && [ -s "$dmi.tmp" ]; then
        mv "$dmi.tmp" "$dmi"
        echo "Geschreven: $dmi"
    else
        rm -f "$dmi.tmp"
        echo "dmidecode gaf geen uitvoer (geen probleem: de lshw-gegevens volstaan)." >&2
    fi
fi

sync  # flush to the stick before it is pulled out
echo "Klaar. Serienummer: $serial"
