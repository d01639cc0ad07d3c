"""A counter whose clock is days ahead or a year behind still syncs causally."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from app.borrowers import BorrowerInput
from app.export import export_json
from db import clock
from db.base import OutboxEntry
from db.changes import HLC_KEY, read_state
from tests.sync.conftest import make_replica

DAY_MS = 86_400_000


def _now() -> int:
    return int(time.time() * 1000)


def _hlc_wall(replica) -> int:  # type: ignore[no-untyped-def]
    with replica.ctx.sessions() as s:
        return clock.Stamp.decode(read_state(s, HLC_KEY)).wall


def test_skewed_clocks_sync_causally_with_a_warning(tmp_path, server, replicas):
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    ahead = make_replica(
        tmp_path,
        "c",
        server,
        server.issue_token("Kortrijk", "CCC"),
        "CCC",
        wall_clock=lambda: _now() + 3 * DAY_MS,
    )
    behind = make_replica(
        tmp_path,
        "d",
        server,
        server.issue_token("Kortrijk", "DDD"),
        "DDD",
        wall_clock=lambda: _now() - 365 * DAY_MS,
    )
    replicas += [a, ahead, behind]
    card = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    assert not a.sync().clock_warning
    ahead.sync()
    ahead.ctx.borrowers.edit(card, phone="056 33 33 33")
    result = ahead.sync()
    assert result.clock_warning and abs(result.skew_ms + 3 * DAY_MS) < 60_000
    assert result.pushed == 1 and result.held == 0
    # A sees the edit from the future and still orders its own next edit after it.
    a.sync()
    a.ctx.borrowers.edit(card, phone="056 11 11 11")
    a.sync()
    # The counter a year behind: what it writes after a sync still comes after what it saw.
    result = behind.sync()
    assert result.clock_warning and abs(result.skew_ms - 365 * DAY_MS) < 60_000
    behind.ctx.borrowers.edit(card, phone="056 44 44 44")
    behind.sync(), a.sync(), ahead.sync()
    assert {r.ctx.borrowers.get(card).phone for r in (a, ahead, behind)} == {"056 44 44 44"}
    assert export_json(a.ctx.sessions) == export_json(ahead.ctx.sessions) == export_json(behind.ctx.sessions)


def test_a_clock_years_ahead_never_drags_the_server_or_others(tmp_path, server, replicas):
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    wild = make_replica(
        tmp_path,
        "w",
        server,
        server.issue_token("Kortrijk", "WLD"),
        wall_clock=lambda: _now() + 10 * 365 * DAY_MS,
    )
    replicas += [a, wild]
    card = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    a.sync(), wild.sync()
    wild.ctx.borrowers.edit(card, phone="056 99 99 99")
    result = wild.sync()
    # Seen by nobody yet, the edit is stamped again at the server's time and sent (never
    # held for ten years); staff are warned about the clock.
    assert result.clock_warning and result.held == 0 and result.waiting == 0
    assert result.restamped == 1 and result.pushed == 1
    with wild.ctx.sessions() as s:
        assert s.scalar(select(func.count()).where(OutboxEntry.pushed_batch.is_(None))) == 0
    other = a.sync()
    assert abs(other.skew_ms) < 60_000  # the server still tells its own, true time
    assert _hlc_wall(a) < _now() + 60_000  # and A's clock was not dragged ten years ahead
    assert a.ctx.borrowers.get(card).phone == "056 99 99 99"
