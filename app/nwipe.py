"""nwipe (ShredOS) logs as evidence of a wipe.

A log counts only when it is a complete nwipe log of *this* device's disk: it has a
start ("Invoking method … on /dev/…"), an end after that start (the summary's
"Total Throughput" line, or nwipe's closing line) and a result per disk (the
"Drive Status" table); and the disk serial (and model) in it match the disk in the
device's imported specs where those are known, otherwise a technician confirms the
disk. The layout follows nwipe's own logging.c and device.c:

    [2026/11/30 14:02:11]  notice: Found /dev/sda,  ATA-SSD, Samsung SSD 860 EVO 250GB, 250 GB, S/N=S3YJ…
    [2026/11/30 14:02:40]  notice: Invoking method 'Fill With Zeros' on /dev/sda
    ********************************* Drive Status *********************************
    !   Device | Status | Thru-put | HH:MM:SS | Model/Serial Number
           sda | Erased | 159 MB/s | 00:26:12 | Samsung SSD 860 E/S3YJ…
    [2026/11/30 14:29:03] Total Throughput 159 MB/s, Fill With Zeros, 1R+B+VL

The summary table cuts the model to 17 characters, so models are compared by prefix.
No database work here: app/bench.py records the wipe.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from app.errors import UserError
from app.formatting import datetime_be
from app.i18n import _

# What nwipe writes instead of a serial: anonymised (-q) or not readable (some USB adapters).
NO_SERIAL = frozenset({"", "XXXXXXXXXXXXXXX", "???????????????"})


@dataclass(frozen=True)
class NwipeDisk:
    """One row of the "Drive Status" table, with the full model from the "Found" line."""

    name: str  # sda, nvme0n1
    status: str  # erased, failed, uaborted, insanity (nwipe's words, lower case)
    model: str
    serial: str

    @property
    def passed(self) -> bool:
        return self.status == "erased"

    def label(self) -> str:
        parts = [self.model or _("onbekend model")]
        parts.append(
            _("serienummer {serial}").format(serial=self.serial) if self.serial else _("geen serienummer")
        )
        return f"/dev/{self.name} ({', '.join(parts)})"


@dataclass
class NwipeLog:
    """What an nwipe log says about one wipe run."""

    tool: str = "nwipe"
    method_name: str = ""
    started_at: dt.datetime | None = None
    ended_at: dt.datetime | None = None
    fatal: bool = False
    disks: list[NwipeDisk] = field(default_factory=list)

    @property
    def serials(self) -> list[str]:
        return [d.serial for d in self.disks if d.serial]

    @property
    def result(self) -> str:
        return "passed" if self.disks and not self.fatal and all(d.passed for d in self.disks) else "failed"

    def result_for(self, disks: Sequence[NwipeDisk]) -> str:
        return "passed" if disks and not self.fatal and all(d.passed for d in disks) else "failed"


_STAMP = re.compile(r"^\[(\d{4}/\d{1,2}/\d{1,2} \d{1,2}:\d{1,2}:\d{1,2})\]")
_VERSION = re.compile(r"(?:info:|nwipe:)\s+nwipe\s+(?:version\s+)?(\d+\.\d+(?:\.\d+)?)", re.IGNORECASE)
_METHOD = re.compile(r"Invoking method '([^']+)' on (/dev/\S+)")
_FOUND = re.compile(r"Found (/dev/\S+?),\s*[^,]*,\s*(.*),\s*[^,]*,\s*S/N=(.*)$")
_OLD_SERIAL = re.compile(r"Device (/dev/\S+) has serial number (\S*)")
_STATUS_HEADER = re.compile(r"Device\s*\|\s*Status\s*\|")
_ROW = re.compile(r"^\s*!?\s*(\S+)\s*\|\s*([A-Za-z-]+)\s*\|[^|]*\|[^|]*\|\s*(.*?)\s*$")
_TOTAL = re.compile(r"\]\s*Total Throughput")
_CLOSING = re.compile(r"Nwipe (?:successfully completed|exited with errors|was aborted)", re.IGNORECASE)


def _stamp(text: str, number: int) -> dt.datetime:
    try:
        return dt.datetime.strptime(text, "%Y/%m/%d %H:%M:%S")
    except ValueError:
        raise UserError(
            _(
                "Regel {line} van het nwipe-logboek heeft een ongeldige datum '{stamp}': het bestand is "
                "beschadigd of aangepast."
            ).format(line=number, stamp=text)
        ) from None


def parse_nwipe_log(text: str) -> NwipeLog:
    """Read an nwipe/ShredOS log. Raises UserError when it is not a complete one."""
    if "nwipe" not in text.lower():
        raise UserError(_("Dit is geen nwipe-logboek (het woord 'nwipe' komt er niet in voor)."))
    info = NwipeLog()
    found: dict[str, tuple[str, str]] = {}
    rows: list[tuple[str, str, str]] = []
    starts: list[dt.datetime] = []
    total_at: dt.datetime | None = None
    closing_at: dt.datetime | None = None
    in_status_table = False
    version, shredos = "", False
    for number, line in enumerate(text.splitlines(), start=1):
        m = _STAMP.match(line)
        when = _stamp(m.group(1), number) if m else None
        v = _VERSION.search(line)
        if v and not version:
            version = v.group(1)
        shredos = shredos or "shredos" in line.lower()
        if re.search(r"\bfatal:", line, re.IGNORECASE):
            info.fatal = True
        f = _FOUND.search(line)
        if f:
            found[f.group(1).removeprefix("/dev/")] = (f.group(2).strip(), _serial(f.group(3)))
        o = _OLD_SERIAL.search(line)
        if o:
            name = o.group(1).removeprefix("/dev/")
            found[name] = (found.get(name, ("", ""))[0], _serial(o.group(2)))
        mm = _METHOD.search(line)
        if mm:
            info.method_name = info.method_name or mm.group(1)
            if when is not None:
                starts.append(when)
        if when is not None and _TOTAL.search(line):
            total_at = when
        if when is not None and _CLOSING.search(line):
            closing_at = when
        if _STATUS_HEADER.search(line):
            in_status_table = True
            continue
        if in_status_table:
            row = _ROW.match(line)
            if row and not row.group(2).isdigit():
                rows.append((row.group(1), row.group(2), row.group(3)))
            elif line.startswith("*") or when is not None:
                in_status_table = False
    for name, status, model_serial in rows:
        model, _slash, serial = model_serial.rpartition("/")
        full_model, found_serial = found.get(name, ("", ""))
        info.disks.append(
            NwipeDisk(
                name=name,
                status=status.strip("-").lower(),
                model=full_model or model.strip(),
                serial=_serial(serial) or found_serial,
            )
        )
    info.tool = "nwipe" + (f" {version}" if version else "") + (" (ShredOS)" if shredos else "")
    info.started_at = min(starts) if starts else None
    info.ended_at = total_at or closing_at
    _check_complete(info)
    return info


def _serial(text: str) -> str:
    value = text.strip()
    return "" if value in NO_SERIAL else value


def _check_complete(info: NwipeLog) -> None:
    missing = []
    if info.started_at is None:
        missing.append(_("een begin (de regel 'Invoking method … on /dev/…')"))
    if info.ended_at is None:
        missing.append(_("een einde (de regel 'Total Throughput …' of 'Nwipe successfully completed')"))
    if not info.disks:
        missing.append(_("het resultaat per schijf (de tabel 'Drive Status')"))
    if missing:
        raise UserError(
            _(
                "Dit nwipe-logboek is niet volledig: er ontbreekt {what}. Lees het volledige logbestand "
                "van nwipe in (nwipe_log_….txt op de ShredOS-stick)."
            ).format(what=", ".join(missing))
        )
    assert info.started_at is not None and info.ended_at is not None
    if info.ended_at <= info.started_at:
        raise UserError(
            _(
                "Dit nwipe-logboek eindigt ({end}) niet na zijn begin ({start}): de klok van de wis-pc "
                "sprong of het bestand is aangepast. Wis opnieuw met een juiste klok."
            ).format(end=_when(info.ended_at), start=_when(info.started_at))
        )


def _when(value: dt.datetime) -> str:
    return value.strftime("%d/%m/%Y %H:%M:%S")


# -- which disks of the log are this device's -----------------------------------------


def known_disks(specs: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The device's disks from its imported specs that carry a serial (only those can be matched)."""
    return [d for d in (specs or {}).get("storage") or [] if isinstance(d, dict) and _norm(d.get("serial"))]


def _norm(value: object) -> str:
    return re.sub(r"\s+", "", str(value or "")).upper()


def _norm_model(value: object) -> str:
    text = _norm(value)
    return text[3:] if text.startswith("ATA") and len(text) > 3 else text


def models_agree(a: str, b: str) -> bool:
    """nwipe cuts models to 17 characters and libparted may prefix "ATA": compare by prefix."""
    x, y = _norm_model(a), _norm_model(b)
    return not x or not y or x.startswith(y) or y.startswith(x)


@dataclass(frozen=True)
class DiskMatch:
    """The outcome of holding a log against a device's known disks."""

    disks: list[NwipeDisk]  # the log's disks that are this device's
    needs_confirmation: bool  # the specs cannot tell: a technician must confirm the disk
    question: str = ""  # what to ask the technician, naming the disk(s) of the log


def match_disks(info: NwipeLog, specs: dict[str, Any] | None, tag: str) -> DiskMatch:
    """Raises UserError for a log of another disk; says when a person must confirm."""
    known = known_disks(specs)
    listed = ", ".join(d.label() for d in info.disks)
    question = _("Het nwipe-logboek gaat over {disks}. Is dat de schijf van {tag}?").format(
        disks=listed, tag=tag
    )
    if not known:
        return DiskMatch(list(info.disks), True, question)
    by_serial = {_norm(d.serial): d for d in info.disks if d.serial}
    matched: list[NwipeDisk] = []
    missing: list[dict[str, Any]] = []
    for disk in known:
        hit = by_serial.get(_norm(disk.get("serial")))
        if hit is None:
            missing.append(disk)
            continue
        if not models_agree(hit.model, str(disk.get("model") or "")):
            raise UserError(
                _(
                    "Het serienummer {serial} klopt, maar het model in het logboek ({log}) is niet dat "
                    "van de schijf van {tag} ({specs}): kijk na welke schijf gewist werd."
                ).format(serial=hit.serial, log=hit.model, tag=tag, specs=disk.get("model"))
            )
        matched.append(hit)
    unnamed = [d for d in info.disks if not d.serial]
    if not missing:
        return DiskMatch(matched, False)
    wanted = ", ".join(f"{d.get('model') or _('schijf')} ({d.get('serial')})" for d in missing)
    if unnamed:
        # The log cannot name the disk (anonymised, or a USB adapter hid the serial).
        return DiskMatch(
            matched + unnamed,
            True,
            _(
                "Het nwipe-logboek noemt geen serienummer voor {disks}. Is dat de schijf {wanted} van {tag}?"
            ).format(disks=", ".join(d.label() for d in unnamed), wanted=wanted, tag=tag),
        )
    if matched:
        raise UserError(
            _(
                "De schijf {wanted} van {tag} staat niet in dit nwipe-logboek: wis alle schijven "
                "van het toestel."
            ).format(wanted=wanted, tag=tag)
        )
    raise UserError(
        _(
            "Dit nwipe-logboek gaat over een andere schijf ({log}) dan die van {tag} ({wanted}): lees het "
            "logboek van dit toestel in."
        ).format(log=listed, tag=tag, wanted=wanted)
    )


def ended_before(info: NwipeLog, returned: dt.datetime | None) -> str:
    """A refusal when the log's wipe ended before the device's last return, else ""."""
    if returned is None or info.ended_at is None or info.ended_at > returned:
        return ""
    return _(
        "Dit nwipe-logboek eindigt op {end}, vóór het laatste terugbrengen ({returned}): het is een oudere "
        "wissing en telt niet. Klopt de klok van de wis-pc?"
    ).format(end=datetime_be(info.ended_at), returned=datetime_be(returned))
