"""A small virtual Belgian eID card for the vsmartcard `vpcd` reader driver, and a private pcscd.

The card speaks vpcd's socket protocol: vpcd (the driver inside pcscd) listens on a TCP port, the
card connects to it; every message is a 2-byte big-endian length and a payload. A payload of one
byte is a control message (0x00 power off, 0x01 power on, 0x02 reset, 0x04 "send your ATR"); any
other payload is a command APDU, answered with a response APDU.

The card serves what the program reads: SELECT FILE by path from the MF (00 A4 08 0C, path
3F00 DF01 4031 identity / 4033 address) and READ BINARY (00 B0 offset Le). As on a real card, a
Le longer than the rest of the file is answered 6C xx (xx = bytes left) and an offset past the end
6B 00. The files hold the BEID TLV layout (tag, length, value; the tag numbers as documented for
BELPIC: identity 01 card number, 06 national number, 07 last name, 08 first names, 09 third
initial, 0A nationality, 0B birth place, 0C birth date, 0D sex; address 01 street and number,
02 postcode, 03 municipality). Other files (the photo 4035, keys, certificates) answer 6A 82.

pcscd in this container (pcsc-lite 1.9.9, Debian 12), measured: as root, `pcscd --foreground
--config DIR` (`-c`: a private reader.conf.d naming vpcd on a port of our own) starts in well under
a second and prints "daemon ready". The daemon ignores PCSCLITE_CSOCK_NAME (only the client library
reads it): it always serves /run/pcscd/pcscd.comm and writes /run/pcscd/pcscd.pid, so only one
pcscd can run on the machine; the fixture refuses to start when another one is running. vpcd opens
two slots, on PORT and PORT+1 ("Virtual PCD 00 00" and "… 00 01"), listening on all interfaces.
`--auto-exit` is not used: the fixture ends the daemon itself (SIGTERM).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

VPCD_DRIVER = Path("/usr/lib/pcsc/drivers/serial/libifdvpcd.so")
# A Belgian eID applet's ATR (the classic BELPIC one, as readers report it).
BEID_ATR = bytes.fromhex("3B9813400AA503010101AD1311")

SW_OK = b"\x90\x00"
SW_NOT_FOUND = b"\x6a\x82"
SW_WRONG_P1P2 = b"\x6b\x00"
SW_INS_UNKNOWN = b"\x6d\x00"
SW_CLA_UNKNOWN = b"\x6e\x00"


def tlv(tag: int, value: bytes) -> bytes:
    """One BEID TLV; a length of 128 or more: 7-bit groups, high bit set on all but the last."""
    groups = [len(value) & 0x7F]
    rest = len(value) >> 7
    while rest:
        groups.insert(0, 0x80 | (rest & 0x7F))
        rest >>= 7
    return bytes([tag, *groups]) + value


@dataclass
class Person:
    last_name: str = "Van den Broeck"
    first_names: str = "Marie-Louise Josephine"
    third_initial: str = "A"
    birth_date: str = "14 MAAR 1957"
    birth_place: str = "Zwijndrecht"
    national_number: str = "57031412345"
    card_number: str = "592123456789"
    street: str = "Kerkstraat 12 bus 3"
    postcode: str = "2070"
    municipality: str = "Zwijndrecht"
    extra_files: dict[str, bytes] = field(default_factory=dict)

    def identity_file(self) -> bytes:
        fields = [
            (0x01, self.card_number.encode()),
            (0x02, bytes(range(16))),  # chip number
            (0x03, b"01.02.2024"),
            (0x04, b"01.02.2034"),
            (0x05, b"Zwijndrecht"),
            (0x06, self.national_number.encode()),
            (0x07, self.last_name.encode()),
            (0x08, self.first_names.encode()),
            (0x09, self.third_initial.encode()),
            (0x0A, b"Belg"),
            (0x0B, self.birth_place.encode()),
            (0x0C, self.birth_date.encode()),
            (0x0D, b"V"),
            (0x0F, b"1"),  # document type
            (0x10, b"0"),  # special status
            (0x11, bytes(20)),  # photo hash
        ]
        return b"".join(tlv(tag, value) for tag, value in fields)

    def address_file(self) -> bytes:
        return (
            tlv(0x01, self.street.encode())
            + tlv(0x02, self.postcode.encode())
            + tlv(0x03, self.municipality.encode())
        )

    def files(self) -> dict[str, bytes]:
        return {
            "3F00DF014031": self.identity_file(),
            "3F00DF014033": self.address_file(),
            # Present on the card but never read by the program (the test checks it is not asked for).
            "3F00DF014035": b"\xff\xd8JPEG photo",
            **self.extra_files,
        }


class VirtualBeid:
    """The card: connects to vpcd and answers until stopped. `commands` records every APDU."""

    def __init__(self, port: int, person: Person) -> None:
        self.port = port
        self.person = person
        self.commands: list[bytes] = []
        self._selected: bytes | None = None
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self._thread = threading.Thread(target=self._run, name="virtual-beid", daemon=True)

    def start(self, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                self._sock = socket.create_connection(("127.0.0.1", self.port), timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"vpcd is not listening on 127.0.0.1:{self.port}") from None
                time.sleep(0.1)
        self._sock.settimeout(0.5)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._sock is not None:
            with suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
            self._sock.close()
        self._thread.join(timeout=5)

    def _recv_exact(self, n: int) -> bytes | None:
        assert self._sock is not None
        data = b""
        while len(data) < n:
            if self._stop.is_set():
                return None
            try:
                chunk = self._sock.recv(n - len(data))
            except TimeoutError:
                continue
            except OSError:
                return None
            if not chunk:
                return None
            data += chunk
        return data

    def _send(self, payload: bytes) -> None:
        assert self._sock is not None
        self._sock.sendall(struct.pack(">H", len(payload)) + payload)

    def _run(self) -> None:
        while not self._stop.is_set():
            head = self._recv_exact(2)
            if head is None:
                return
            (size,) = struct.unpack(">H", head)
            payload = self._recv_exact(size)
            if payload is None:
                return
            if size == 1:
                if payload[0] == 0x04:
                    self._send(BEID_ATR)
                elif payload[0] in (0x00, 0x02):
                    self._selected = None
                continue
            self.commands.append(payload)
            self._send(self.answer(payload))

    def answer(self, apdu: bytes) -> bytes:
        if len(apdu) < 4:
            return b"\x67\x00"
        cla, ins, p1, p2 = apdu[:4]
        if cla != 0x00:
            return SW_CLA_UNKNOWN
        if ins == 0xA4:  # SELECT FILE
            lc = apdu[4] if len(apdu) > 4 else 0
            path = apdu[5 : 5 + lc].hex().upper()
            if p1 != 0x08:  # only "select by path from the MF", as the program uses
                return SW_WRONG_P1P2
            if path not in self.person.files():
                self._selected = None
                return SW_NOT_FOUND
            self._selected = path.encode()
            return SW_OK
        if ins == 0xB0:  # READ BINARY
            if self._selected is None:
                return b"\x69\x86"  # no current EF
            data = self.person.files()[self._selected.decode()]
            offset = (p1 << 8) | p2
            le = apdu[4] if len(apdu) > 4 else 0
            le = le or 256
            if offset >= len(data):
                return SW_WRONG_P1P2
            left = len(data) - offset
            if le > left:
                return bytes([0x6C, min(left, 255)])
            return data[offset : offset + le] + SW_OK
        return SW_INS_UNKNOWN


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def missing_tools() -> list[str]:
    missing = [p for p in ("pcscd",) if shutil.which(p) is None and not Path("/usr/sbin/pcscd").exists()]
    if not VPCD_DRIVER.exists():
        missing.append(str(VPCD_DRIVER))
    try:
        import smartcard  # noqa: F401
    except ImportError:
        missing.append("pyscard")
    return missing


PCSCD_SOCKET = Path("/run/pcscd/pcscd.comm")
PCSCD_PID = Path("/run/pcscd/pcscd.pid")


def _running_pcscd() -> int | None:
    try:
        pid = int(PCSCD_PID.read_text().strip("\0 \n"))  # pcscd ends the file with a NUL
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


@contextmanager
def private_pcscd(tmp: Path, port: int | None = None) -> Iterator[int]:
    """A pcscd of our own whose one vpcd reader waits on `port` for the card; yields the port."""
    other = _running_pcscd()
    if other is not None:
        raise RuntimeError(f"another pcscd (pid {other}) is running: the test needs the only one")
    port = port or free_port()
    conf = tmp / "reader.conf.d"
    conf.mkdir(parents=True, exist_ok=True)
    # DEVICENAME /dev/null:PORT makes vpcd listen (as a server) on PORT for a card to connect.
    (conf / "vpcd").write_text(
        f'FRIENDLYNAME "Virtual PCD"\nDEVICENAME   /dev/null:{port}\n'
        f"LIBPATH      {VPCD_DRIVER}\nCHANNELID    {port}\n",
        encoding="utf-8",
    )
    log_path = tmp / "pcscd.log"
    log = log_path.open("wb")
    env = {k: v for k, v in os.environ.items() if k != "PCSCLITE_CSOCK_NAME"}
    proc = subprocess.Popen(
        ["/usr/sbin/pcscd", "--foreground", "--config", str(conf)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 20
        while _running_pcscd() != proc.pid or not PCSCD_SOCKET.exists():
            if proc.poll() is not None:
                raise RuntimeError(f"pcscd ended at once: {log_path.read_text(errors='replace')}")
            if time.monotonic() > deadline:
                raise RuntimeError("pcscd did not start in 20 s")
            time.sleep(0.05)
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
