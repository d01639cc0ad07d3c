"""A clock that ran ahead recovers (case 3), and a local edit always orders after the
value it replaces (case 2's second half)."""

from __future__ import annotations

import time

from app.borrowers import BorrowerInput
from app.context import open_context
from app.export import export_json
from db import clock
from db.changes import HLC_KEY, read_state
from db.models import Borrower
from tests.sync.conftest import make_replica

DAY_MS = 86_400_000
YEAR_MS = 365 * DAY_MS
SKEW_WARNING_MS = 300_000  # the server's default DIGIBANK_SKEW_WARNING_S, in ms


def _now() -> int:
    return int(time.time() * 1000)


def _hlc_wall(ctx) -> int:  # type: ignore[no-untyped-def]
    with ctx.sessions() as s:
        return clock.Stamp.decode(read_state(s, HLC_KEY)).wall


def test_one_edit_a_year_ahead_then_corrected_holds_nothing_back(tmp_path, sqlite_server, replicas):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    offset = {"ms": 0}
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    van = make_replica(
        tmp_path,
        "van",
        server,
        server.issue_token("Kortrijk", "VAN"),
        "VAN",
        wall_clock=lambda: _now() + offset["ms"],
    )
    replicas += [a, van]
    card = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    a.sync(), van.sync()

    offset["ms"] = YEAR_MS  # someone typed the wrong year, made one edit offline ...
    van.ctx.borrowers.edit(card, phone="056 99 99 99")
    offset["ms"] = 0  # ... and the clock was put right
    van.ctx.borrowers.edit(card, email="jan@example.be")
    van.ctx.borrowers.edit(card, phone="056 22 22 22")

    result = van.sync()
    assert result.held == 0 and result.waiting == 0 and result.refused_waiting == 0
    assert result.pushed == 3 and result.restamped == 3
    assert not result.clock_warning  # the clock itself is right now
    assert _hlc_wall(van.ctx) < _now() + 60_000  # the HLC came back
    borrower = van.ctx.borrowers.get(card)
    assert max(borrower.clocks.values()) < clock.Stamp(_now() + 60_000, 0, "").encode()
    assert borrower.updated_at == borrower.clocks["phone"]

    a.sync()
    # The edits kept their order (the last phone wins) and reached the other counter,
    # whose clock never moved ahead by more than the allowed skew.
    assert a.ctx.borrowers.get(card).phone == "056 22 22 22"
    assert a.ctx.borrowers.get(card).email == "jan@example.be"
    assert _hlc_wall(a.ctx) < _now() + SKEW_WARNING_MS
    assert van.sync().pushed == 0
    assert export_json(a.ctx.sessions) == export_json(van.ctx.sessions)

    # Later edits sync at once, on both sides.
    a.ctx.borrowers.edit(card, phone="056 33 33 33")
    a.sync(), van.sync()
    assert van.ctx.borrowers.get(card).phone == "056 33 33 33"


def test_a_round_with_the_clock_a_year_ahead_warns_and_still_sends(tmp_path, sqlite_server, replicas):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    a = make_replica(tmp_path, "a", server, server.issue_token("Kortrijk", "KRT"), "KRT")
    van = make_replica(
        tmp_path,
        "van",
        server,
        server.issue_token("Kortrijk", "VAN"),
        "VAN",
        wall_clock=lambda: _now() + YEAR_MS,
    )
    replicas += [a, van]
    card = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    a.sync(), van.sync()
    van.ctx.borrowers.edit(card, phone="056 99 99 99")
    result = van.sync()
    assert result.clock_warning and result.skew_warning_ms == SKEW_WARNING_MS
    assert result.held == 0 and result.pushed == 1
    a.sync()
    assert a.ctx.borrowers.get(card).phone == "056 99 99 99"
    assert _hlc_wall(a.ctx) < _now() + SKEW_WARNING_MS


def test_the_skew_warning_threshold_comes_from_the_server(tmp_path, replicas):
    from tests.sync.conftest import start_server

    server = start_server(f"sqlite:///{tmp_path / 'server.db'}", skew_warning_s=3600)
    try:
        server.add_tenant("Kortrijk")
        van = make_replica(
            tmp_path,
            "van",
            server,
            server.issue_token("Kortrijk", "VAN"),
            "VAN",
            wall_clock=lambda: _now() + 30 * 60_000,
        )
        replicas.append(van)
        result = van.sync()
        assert result.skew_warning_ms == 3_600_000 and not result.clock_warning  # 30 min < 1 h
    finally:
        server.stop()


def test_an_edit_orders_after_the_field_clock_it_replaces(tmp_path):
    ctx = open_context(tmp_path / "a", actor="test")
    try:
        ctx.locations.initialise("KRT", "Kortrijk")
        card = ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
        # A value written elsewhere with a stamp a month ahead of this replica's clock (as
        # after a clock was brought back, or a restore).
        ahead = clock.Stamp(_now() + 30 * DAY_MS, 0, "other").encode()
        with ctx.sessions() as s, s.begin():
            s.info["applying_remote"] = True
            b = s.query(Borrower).filter_by(card_number=card).one()
            b.phone = "056 00 00 00"
            b.clocks = {**b.clocks, "phone": ahead}
        ctx.borrowers.edit(card, phone="056 11 11 11")
        edited = ctx.borrowers.get(card)
        assert edited.phone == "056 11 11 11"
        assert edited.clocks["phone"] > ahead
    finally:
        ctx.close()
