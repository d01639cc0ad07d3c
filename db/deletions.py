"""Which deletions can be undone, and for how long — the same figures on counters and server.

The program deletes (sets the tombstone `deleted`) only a few kinds of record: a helpdesk
visit logged by mistake, a device record that duplicates another one, and loans deleted by
earlier versions or a coordinator. Those can be restored by a coordinator for 30 days
(app/deletions.py); a restore is an ordinary change whose newer clock beats the tombstone
(app/sync/lww.py). After 30 days the tombstone is final: the server refuses a later restore
(server/store.py), so a stale or crafted change cannot bring back what everyone forgot.
Un-ticking an attendance is not such a deletion: ticking again is the correction.
"""

from __future__ import annotations

UNDO_DAYS = 30
UNDO_MS = UNDO_DAYS * 24 * 3600 * 1000
RESTORABLE = ("device", "helpdesk_visit", "loan")
TOMBSTONE_FINAL = "tombstone-final"


def stamp_ms(stamp: str | None) -> int | None:
    """The wall-clock milliseconds inside a hybrid-logical-clock stamp, None if none."""
    head = (stamp or "").split("-", 1)[0]
    return int(head) if head.isdigit() else None


def is_final(tombstone_stamp: str | None, now_ms: int) -> bool:
    """True when a tombstone made at this stamp can no longer be undone."""
    made = stamp_ms(tombstone_stamp)
    return made is not None and now_ms - made > UNDO_MS
