"""A process killed mid-write leaves a consistent database whose outbox matches its data."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from app.context import open_context
from db.engine import cipher_connect
from db.models import Device
from tests.conftest import TEST_PASSPHRASE
from tests.test_outbox import outbox_problems

ROOT = Path(__file__).resolve().parent.parent

WRITER = r"""
import datetime as dt
import sys

from app.borrowers import BorrowerInput
from app.context import open_context
from app.inventory import DeviceInput
from db.models import DataWipe

ctx = open_context(sys.argv[1], actor="crash-test")
ctx.settings.max_open_loans_per_borrower = 10**9
if not ctx.locations.is_initialised():
    ctx.locations.initialise("KRT", "Kortrijk balie")
round_no = int(sys.argv[2])
card = ctx.borrowers.add(BorrowerInput("Jan", f"Peeters{round_no}", "8500")).card_number
i = 0
while True:
    tag = ctx.devices.add(DeviceInput("laptop", "Lenovo", "T480", f"R{round_no}-{i}")).asset_tag
    ctx.devices.set_status(tag, "wiping")
    device = ctx.devices.get(tag)
    with ctx.sessions() as s, s.begin():
        s.add(DataWipe(device_id=device.id, method="nwipe", result="passed", ended_at=dt.datetime.now()))
    ctx.devices.set_status(tag, "ready")
    ctx.loans.checkout(tag, card)  # loan + device status in one transaction
    ctx.loans.return_device(tag)
    ctx.devices.edit(tag, notes=f"ronde {round_no} stap {i}", serial=f"R{round_no}-{i}-x")
    ctx.borrowers.edit(card, phone=f"0470 00 {i % 100:02d} 00")
    print(tag, flush=True)  # everything up to here is committed
    i += 1
"""


def test_killed_writer_leaves_a_consistent_database(tmp_path):
    data = tmp_path / "data"
    rng = random.Random(20261127)
    committed: list[str] = []
    for round_no in range(4):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(data), str(round_no)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            # Kill after a random number of completed rounds: the writer is then somewhere in
            # the middle of its next transactions (no sleeps: we follow its own progress).
            for _ in range(rng.randint(1, 6)):
                line = writer.stdout.readline()
                assert line, writer.stderr.read()
                committed.append(line.strip())
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=30)
        finally:
            if writer.poll() is None:
                writer.kill()
                writer.wait(timeout=30)
            writer.stdout.close()
            writer.stderr.close()
        assert writer.returncode == -signal.SIGKILL

        with cipher_connect(data / "digibank.db", TEST_PASSPHRASE) as raw:
            assert raw.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert raw.execute("PRAGMA foreign_key_check").fetchall() == []
        raw.close()

        ctx = open_context(data, actor="checker")
        try:
            with ctx.sessions() as s:
                assert outbox_problems(s) == []
                tags = set(s.scalars(select(Device.asset_tag)))
                assert set(committed) <= tags, "a write reported as committed was lost"
                assert s.scalar(select(func.count()).select_from(Device)) >= len(committed)
            # The open-loan rule still holds: at most one open loan per device.
            views = ctx.loans.list(open_only=True)
            assert len({v.device.id for v in views}) == len(views)
            for view in views:
                assert view.device.status == "on-loan"
        finally:
            ctx.close()
