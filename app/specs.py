"""Hardware specs read from the refurbished machine itself.

`lshw -json` (and `dmidecode` text where present), produced by
resources/scripts/collect_specs.sh from a USB stick, parsed into the fields a
device record keeps; plus the Dutch rows screens and printouts show. No database
work here: app/bench.py imports the parsed specs into devices.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from app.errors import UserError
from app.i18n import _

# Values firmware writes when nobody filled in a serial or a name.
PLACEHOLDERS = frozenset(
    {
        "",
        "0",
        "none",
        "n/a",
        "na",
        "default string",
        "to be filled by o.e.m.",
        "system serial number",
        "system product name",
        "system manufacturer",
        "not specified",
        "not applicable",
        "chassis serial number",
        "0123456789",
        "123456789",
        "unknown",
    }
)


class SpecsError(Exception):
    """A specs file that cannot be used; the message says why, in Dutch."""


@dataclass
class ParsedSpecs:
    serial: str = ""
    vendor: str = ""
    model: str = ""
    kind: str = ""
    specs: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    cleaned: bool = False  # unreadable characters were replaced (see _valid_text)


def human_bytes(size: int | float | None) -> str:
    """Decimal sizes as sellers and labels use them: 256 GB, 1 TB; RAM rounds to whole GB."""
    if not size:
        return ""
    size = float(size)
    for unit, factor in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if size >= factor * 0.95:
            value = size / factor
            return f"{value:.0f} {unit}" if value >= 10 or value.is_integer() else f"{value:.1f} {unit}"
    return f"{size:.0f} B"


def human_ram(size: int | None) -> str:
    if not size:
        return ""
    gib = size / 2**30
    return f"{gib:.0f} GB" if gib >= 1 else f"{size / 2**20:.0f} MB"


def _clean(value: Any) -> str:
    text = " ".join(str(value or "").split())
    return "" if text.lower() in PLACEHOLDERS else text


_UNSTORABLE = re.compile("[\ud800-\udfff\x00]")


def _valid_text(value: Any) -> tuple[Any, bool]:
    """The document with every lone UTF-16 surrogate (lshw escapes a broken byte of a
    firmware string as `\\ud83d`) replaced by U+FFFD: such a text can be neither stored
    nor sent. Answers (document, whether anything was replaced)."""
    if isinstance(value, str):
        fixed = _UNSTORABLE.sub("\ufffd", value)
        return fixed, fixed != value
    if isinstance(value, list):
        pairs = [_valid_text(v) for v in value]
        return [v for v, _c in pairs], any(c for _v, c in pairs)
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        changed = False
        for k, v in value.items():
            k2, c1 = _valid_text(k)
            v2, c2 = _valid_text(v)
            out[k2] = v2
            changed = changed or c1 or c2
        return out, changed
    return value, False


def _walk(node: dict[str, Any]) -> Iterable[dict[str, Any]]:
    yield node
    for child in node.get("children", []) or []:
        if isinstance(child, dict):
            yield from _walk(child)


def _storage_type(node: dict[str, Any], parent_desc: str) -> str:
    words = (
        " ".join(
            str(node.get(k, "")) for k in ("product", "description", "logicalname", "businfo", "id")
        ).lower()
        + " "
        + parent_desc.lower()
    )
    caps = node.get("capabilities") or {}
    if "nvme" in words:
        return "nvme"
    if "ssd" in words or "solid" in words or caps.get("nonrotational") or "emmc" in words or "mmc" in words:
        return "ssd"
    if caps.get("rotational") or re.search(r"\b\d{4,5}\s*rpm\b", words) or "hdd" in words:
        return "hdd"
    if "virtio" in words or "virtual" in words:
        return "virtual"
    return "unknown"


def storage_type_names() -> dict[str, str]:
    return {
        "nvme": _("NVMe-SSD"),
        "ssd": _("SSD"),
        "hdd": _("harde schijf"),
        "virtual": _("virtuele schijf"),
        "unknown": _("schijf"),
    }


def parse_lshw(text: str) -> ParsedSpecs:
    """Read `lshw -json` output (one object, or a list of them as newer lshw versions write)."""
    if not text.strip():
        raise SpecsError(_("het bestand is leeg"))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecsError(
            _(
                "geen geldige JSON (afgebroken of beschadigd bij regel {line}); maak het bestand opnieuw"
            ).format(line=exc.lineno)
        ) from None
    data, cleaned = _valid_text(data)
    if isinstance(data, list):
        data = next((d for d in data if isinstance(d, dict) and d.get("class") == "system"), None)
    if not isinstance(data, dict) or data.get("class") != "system":
        raise SpecsError(_("dit is geen uitvoer van 'lshw -json' (geen systeemgegevens gevonden)"))

    out = ParsedSpecs(
        serial=_clean(data.get("serial")),
        vendor=_clean(data.get("vendor")),
        model=_clean(data.get("product")),
    )
    version = _clean(data.get("version"))
    if out.vendor.lower() == "lenovo" and version:  # Lenovo keeps the readable name (ThinkPad T480) here
        out.model = version
    chassis = (
        str((data.get("configuration") or {}).get("chassis", "")) + " " + str(data.get("description", ""))
    )
    chassis = chassis.lower()
    specs: dict[str, Any] = {"source": "lshw"}
    if out.vendor:
        specs["vendor"] = out.vendor
    if out.model:
        specs["model"] = out.model
    if out.serial:
        specs["serial"] = out.serial

    cpus: list[str] = []
    ram = 0
    disks: list[dict[str, Any]] = []
    battery: dict[str, Any] = {}

    def visit(node: dict[str, Any], parent: dict[str, Any]) -> None:
        nonlocal ram
        cls = node.get("class")
        if cls == "processor" and not node.get("disabled"):
            name = _clean(node.get("product")) or _clean(node.get("version"))
            if name:
                cpus.append(name)
        elif cls == "memory" and str(node.get("id", "")).startswith("memory") and node.get("size"):
            # The "System memory" node carries the total; banks below it repeat it per module.
            desc = str(node.get("description", "")).lower()
            if "system" in desc:
                ram = max(ram, int(node["size"]))
        elif cls in ("disk", "volume") and node.get("size") and cls == "disk":
            size = int(node["size"])
            logical = node.get("logicalname")
            logical = logical[0] if isinstance(logical, list) else logical
            if (
                str(logical or "").startswith("/dev/sr")
                or "cd-rom" in str(node.get("description", "")).lower()
            ):
                return
            disks.append(
                {
                    "size_bytes": size,
                    "size": human_bytes(size),
                    "type": _storage_type(
                        node, f"{parent.get('description', '')} {parent.get('product', '')}"
                    ),
                    # An NVMe namespace carries no name: its controller (the parent) does.
                    "model": _clean(node.get("product")) or _clean(parent.get("product")),
                    "serial": _clean(node.get("serial")) or _clean(parent.get("serial")),
                }
            )
        elif cls == "power" or str(node.get("id", "")).startswith("battery"):
            battery.update(
                {
                    k: v
                    for k, v in {
                        "vendor": _clean(node.get("vendor")),
                        "model": _clean(node.get("product")),
                        "capacity_mwh": int(node["capacity"]) if node.get("capacity") else None,
                        "chemistry": _clean((node.get("configuration") or {}).get("chemistry")),
                    }.items()
                    if v
                }
            )
        for child in node.get("children", []) or []:
            if isinstance(child, dict):
                visit(child, node)

    visit(data, {})
    if cpus:
        specs["cpu"] = cpus[0]
        specs["cpu_count"] = len(cpus)
    else:
        out.missing.append(_("processor"))
    if ram:
        specs["ram_bytes"] = ram
        specs["ram"] = human_ram(ram)
    else:
        out.missing.append(_("werkgeheugen"))
    if disks:
        specs["storage"] = disks
        specs["storage_summary"] = storage_summary(disks)
    else:
        out.missing.append(_("opslag"))
    if battery:
        specs["battery"] = battery
    if "notebook" in chassis or "laptop" in chassis or "portable" in chassis or battery:
        out.kind = "laptop"
    elif "desktop" in chassis or "tower" in chassis:
        out.kind = "desktop"
    out.specs = specs
    out.cleaned = cleaned
    return out


def storage_summary(disks: list[dict[str, Any]]) -> str:
    names = storage_type_names()
    return " + ".join(f"{d['size']} {names.get(d.get('type', 'unknown'), d.get('type', ''))}" for d in disks)


_DMI_SECTION = re.compile(r"^([A-Z][A-Za-z /-]+)$")


def _dmi_size(text: str) -> int:
    m = re.match(r"(\d+)\s*(kB|KB|MB|GB|TB)", text.strip())
    if not m:
        return 0
    factor = {"kB": 2**10, "KB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40}[m.group(2)]
    return int(m.group(1)) * factor


def parse_dmidecode(text: str) -> ParsedSpecs:
    """Read `dmidecode` text: system identity, processor, memory modules, battery."""
    if "Handle 0x" not in text and "DMI" not in text:
        raise SpecsError(_("dit is geen uitvoer van 'dmidecode'"))
    sections: list[tuple[str, dict[str, str]]] = []
    current: dict[str, str] | None = None
    for raw in text.splitlines():
        line = raw.rstrip()
        if not line or line.startswith("Handle 0x") or line.startswith("#"):
            current = None if not line else current
            continue
        if not raw.startswith(("\t", " ")) and _DMI_SECTION.match(line):
            current = {}
            sections.append((line.strip(), current))
        elif current is not None and ":" in line:
            key, _sep, value = line.strip().partition(":")
            current.setdefault(key.strip(), value.strip())
    out = ParsedSpecs()
    specs: dict[str, Any] = {"source": "dmidecode"}
    ram = 0
    for name, values in sections:
        if name == "System Information":
            out.vendor = _clean(values.get("Manufacturer"))
            out.model = _clean(values.get("Product Name"))
            version = _clean(values.get("Version"))
            if out.vendor.lower() == "lenovo" and version:  # Lenovo keeps the readable name here
                out.model = version
            out.serial = _clean(values.get("Serial Number"))
        elif name == "Processor Information" and "cpu" not in specs:
            cpu = _clean(values.get("Version"))
            if cpu:
                specs["cpu"] = cpu
        elif name == "Memory Device":
            ram += _dmi_size(values.get("Size", ""))
        elif name == "Portable Battery":
            capacity = re.match(r"(\d+)", values.get("Design Capacity", ""))
            specs["battery"] = {
                k: v
                for k, v in {
                    "vendor": _clean(values.get("Manufacturer")),
                    "model": _clean(values.get("Name")),
                    "capacity_mwh": int(capacity.group(1)) if capacity else None,
                    "chemistry": _clean(values.get("Chemistry") or values.get("SBDS Chemistry")),
                }.items()
                if v
            }
        elif name == "Chassis Information":
            kind = values.get("Type", "").lower()
            if kind in ("notebook", "laptop", "portable", "convertible", "sub notebook"):
                out.kind = "laptop"
            elif kind in ("desktop", "tower", "mini tower", "all in one"):
                out.kind = "desktop"
    if ram:
        specs["ram_bytes"] = ram
        specs["ram"] = human_ram(ram)
    for key in ("vendor", "model", "serial"):
        if getattr(out, key):
            specs[key] = getattr(out, key)
    if "battery" in specs and not out.kind:
        out.kind = "laptop"
    if not out.serial and not out.model and "cpu" not in specs:
        raise SpecsError(_("geen systeemgegevens gevonden in de dmidecode-uitvoer"))
    out.specs = specs
    return out


def merge_specs(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A new lshw run wins over older values; dmidecode only fills gaps (lshw knows more).
    Empty values never wipe known ones."""
    merged = dict(old or {})
    fill_only = new.get("source") == "dmidecode"
    for key, value in new.items():
        if key == "source":
            sources = set(str(merged.get("source", "")).split("+")) - {""}
            sources.add(str(value))
            merged["source"] = "+".join(sorted(sources))
        elif value in (None, "", [], {}):
            continue
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            inner = dict(merged[key])
            for k, v in value.items():
                if v not in (None, "") and not (fill_only and inner.get(k) not in (None, "")):
                    inner[k] = v
            merged[key] = inner
        elif not (fill_only and merged.get(key) not in (None, "", [], {})):
            merged[key] = value
    return merged


@dataclass
class FileResult:
    path: Path
    ok: bool
    message: str
    tag: str = ""
    created: bool = False


@dataclass
class ImportReport:
    files: list[FileResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if not f.ok]

    @property
    def imported(self) -> list[FileResult]:
        return [f for f in self.files if f.ok]


def specs_files(path: Path) -> list[Path]:
    """The files to import: one file, or the .json and .txt files of a folder (not nested)."""
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".json", ".txt"))
        # lshw first, so a dmidecode file of the same laptop adds to it instead of starting it.
        return sorted(files, key=lambda p: (p.suffix.lower() != ".json", p.name))
    if path.is_file():
        return [path]
    raise UserError(_("Bestand of map '{path}' bestaat niet.").format(path=path))


def serial_from_filename(path: Path) -> str:
    """collect_specs.sh names its files `<serial>.json` / `<serial>-dmidecode.txt`."""
    stem = path.stem
    for suffix in ("-dmidecode", "_dmidecode", "-lshw", "_lshw"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
    # collect_specs.sh writes "onbekend-<time>" when the firmware had no serial either.
    if stem.lower() in ("lshw", "dmidecode", "specs", "") or stem.lower().startswith("onbekend-"):
        return ""
    return stem


def parse_specs(file: Path, text: str) -> ParsedSpecs:
    """dmidecode text or `lshw -json`, told apart by name and content."""
    if file.suffix.lower() == ".txt" or text.lstrip().startswith("# dmidecode"):
        return parse_dmidecode(text)
    return parse_lshw(text)


def specs_lines(specs: dict[str, Any]) -> list[tuple[str, str]]:
    """Specs as (label, value) rows in Dutch, for screens and printouts."""
    rows: list[tuple[str, str]] = []
    if specs.get("cpu"):
        rows.append((_("Processor"), str(specs["cpu"])))
    if specs.get("ram"):
        rows.append((_("Werkgeheugen"), str(specs["ram"])))
    if specs.get("storage_summary"):
        rows.append((_("Opslag"), str(specs["storage_summary"])))
    battery = specs.get("battery") or {}
    if battery:
        parts = [str(battery.get("vendor", "")), str(battery.get("model", ""))]
        if battery.get("capacity_mwh"):
            parts.append(f"{int(battery['capacity_mwh']) / 1000:.1f} Wh".replace(".", ","))
        rows.append((_("Batterij"), " ".join(p for p in parts if p)))
    for key, label in (("vendor", _("Merk")), ("model", _("Model")), ("serial", _("Serienummer"))):
        if specs.get(key):
            rows.append((label, str(specs[key])))
    return rows
