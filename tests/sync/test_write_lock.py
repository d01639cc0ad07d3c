"""Writes under the lock: clock, codes and the pending push batch are read and written
inside SQLite's write lock (BEGIN IMMEDIATE), so two writers on one data folder — the
window and the sync thread, or the window and a command-line sync — never interleave.

Each test forces the dangerous interleaving: the first writer is paused at the point
where, without the lock, it has read but not yet written; the second writer is started
and given the chance to read the same stale value. With the lock the second writer waits
at BEGIN and reads only after the first has committed.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable

from sqlalchemy import event, select

from app.borrowers import BorrowerInput
from app.context import open_context
from app.export import export_json
from app.inventory import DeviceInput
from app.sync.service import SyncService
from app.sync.transport import FaultyTransport, HttpTransport
from db import clock
from db.base import OutboxEntry
from db.changes import HLC_KEY, read_state
from server.models import AppliedBatch
from tests.sync.conftest import make_replica

# How long the paused writer gives the other one to get ahead. Without the lock the other
# one gets there at once; with the lock it cannot before the pause ends. The outcome is
# asserted, never the time.
CHANCE_S = 1.5
HOUR_MS = 3_600_000


def _real_ms() -> int:
    return clock.wall_ms()


class _Second:
    """Runs `work` in a thread; `reached` is set when it got to the point that matters."""

    def __init__(self, work: Callable[[], object]) -> None:
        self.reached = threading.Event()
        self.error: BaseException | None = None
        self._work = work
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        try:
            self._work()
        except BaseException as exc:  # reported by join()
            self.error = exc

    def start_and_give_chance(self) -> None:
        self._thread.start()
        self.reached.wait(CHANCE_S)

    def join(self) -> None:
        self._thread.join(30)
        assert not self._thread.is_alive()
        if self.error is not None:
            raise self.error


def test_window_edit_during_a_pulled_page_orders_after_the_page(tmp_path, sqlite_server, replicas):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    other = make_replica(
        tmp_path,
        "other",
        server,
        server.issue_token("Kortrijk", "OTH"),
        "OTH",
        wall_clock=lambda: _real_ms() + HOUR_MS,  # an hour ahead: allowed, and it moves our clock
    )
    hooks: dict[str, Callable[[str], None]] = {}
    a = make_replica(
        tmp_path,
        "a",
        server,
        server.issue_token("Kortrijk", "KRT"),
        "KRT",
        crash_hook=lambda where: hooks.get(where, lambda _w: None)(where),
    )
    replicas += [other, a]
    card = a.ctx.borrowers.add(BorrowerInput("Jan", "Peeters", "8500")).card_number
    a.sync()
    other.sync()
    other.ctx.borrowers.edit(card, phone="056 22 22 22")  # stamped an hour ahead
    other.sync()
    remote_stamp = other.ctx.borrowers.get(card).clocks["phone"]

    # The "window": a second context on A's data folder, as the GUI has next to its sync thread.
    window = open_context(tmp_path / "a", actor="window")
    try:
        edit = _Second(lambda: window.borrowers.edit(card, phone="056 11 11 11"))
        window.sessions.kw["info"]["wall_clock"] = lambda: (edit.reached.set(), _real_ms())[1]

        def during_page(_where: str) -> None:
            hooks.pop("in-page")
            edit.start_and_give_chance()

        hooks["in-page"] = during_page
        a.sync()
        edit.join()
    finally:
        window.close()

    with a.ctx.sessions() as s:
        stamps = [e.stamp for e in s.scalars(select(OutboxEntry).order_by(OutboxEntry.seq))]
        hlc = read_state(s, HLC_KEY)
    assert stamps == sorted(stamps)  # this replica's clock never went backwards
    # The window's edit is stamped after the other location's edit that the page brought.
    assert a.ctx.borrowers.get(card).clocks["phone"] == stamps[-1] > remote_stamp
    assert hlc >= stamps[-1]
    # The edit was made after the page was seen, so it wins everywhere.
    a.sync(), other.sync()
    assert a.ctx.borrowers.get(card).phone == "056 11 11 11"
    assert other.ctx.borrowers.get(card).phone == "056 11 11 11"
    assert export_json(a.ctx.sessions) == export_json(other.ctx.sessions)


def test_two_writers_never_get_the_same_tag(tmp_path, replicas):
    first = open_context(tmp_path / "a", actor="window")
    first.locations.initialise("KRT", "Kortrijk")
    second = open_context(tmp_path / "a", actor="cli")
    try:
        other = _Second(lambda: second.devices.add(DeviceInput("laptop", "Dell", "E7450")))
        second.sessions.kw["info"]["wall_clock"] = lambda: (other.reached.set(), _real_ms())[1]
        paused = {"done": False}

        def first_clock() -> int:
            # Called while the first add is flushing: its tag is chosen, not yet written.
            if not paused["done"]:
                paused["done"] = True
                other.start_and_give_chance()
            return _real_ms()

        first.sessions.kw["info"]["wall_clock"] = first_clock
        tag = first.devices.add(DeviceInput("laptop", "Lenovo", "T480")).asset_tag
        other.join()
        tags = [d.asset_tag for d in first.devices.list()]
    finally:
        second.close()
        first.close()
    assert tag == "KRT-000001"
    assert sorted(tags) == ["KRT-000001", "KRT-000002"]


def test_two_concurrent_rounds_never_send_a_change_under_two_batch_ids(tmp_path, sqlite_server, replicas):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    window = make_replica(tmp_path, "a", server, token, "KRT")
    replicas.append(window)
    for n in range(3):
        window.ctx.borrowers.add(BorrowerInput("Jan", f"Peeters{n}", "8500"))

    # The "command line": its own context and service on the same data folder.
    cli = open_context(tmp_path / "a", actor="cli")
    try:
        cli_round = _Second(lambda: cli_service.run_once())

        def cli_plan(path: str, _n: int) -> None:
            if path == "/sync/push":
                cli_round.reached.set()
            return None

        cli_service = SyncService(
            cli.sessions, FaultyTransport(HttpTransport(server.url, token), plan=cli_plan)
        )
        paused = {"done": False}

        def before_write(conn, _cursor, statement, params, _context, _many) -> None:  # type: ignore[no-untyped-def]
            # The window's round has chosen its batch and is about to record it.
            writes = statement.startswith(("UPDATE local_state", "INSERT INTO local_state"))
            if not paused["done"] and writes and "sync_pending_batch" in repr(params):
                paused["done"] = True
                cli_round.start_and_give_chance()

        event.listen(window.ctx.engine, "before_cursor_execute", before_write)
        window.service.run_once()
        cli_round.join()
        event.remove(window.ctx.engine, "before_cursor_execute", before_write)
    finally:
        cli.close()
    assert paused["done"]
    with server.database.sessions() as s:
        answers = list(s.scalars(select(AppliedBatch.answer)))
    sent = Counter(r["change_id"] for a in answers for r in a["results"])
    with window.ctx.sessions() as s:
        assert set(sent) == set(s.scalars(select(OutboxEntry.change_id)))  # location + 3 borrowers
    assert set(sent.values()) == {1}, "a change was sent under two batch ids"
    again = window.service.run_once()
    assert again.waiting == 0 and again.pushed == 0


def test_readers_are_not_blocked_by_a_writer(tmp_path):
    writer = open_context(tmp_path / "a", actor="sync")
    writer.locations.initialise("KRT", "Kortrijk")
    reader = open_context(tmp_path / "a", actor="window")
    try:
        with writer.sessions() as s, s.begin():
            s.add(OutboxEntry(table_name="x", row_id="r", stamp="s", origin="o", payload={}))
            s.flush()  # the write lock is held from here to the end of the block
            # The window reads meanwhile (a read-only session: deferred BEGIN, WAL snapshot).
            with reader.sessions() as r:
                assert r.scalar(select(OutboxEntry.seq).where(OutboxEntry.row_id == "r")) is None
                assert reader.locations.current().code == "KRT"
    finally:
        reader.close()
        writer.close()
