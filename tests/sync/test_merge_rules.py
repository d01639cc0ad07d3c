"""The merge rule on its own: any order of the same changes gives the same record."""

from __future__ import annotations

import itertools
import random

from app.sync import lww
from app.sync.service import backoff_delay
from server.cli import main as server_main


def _s(wall: int, node: str = "a") -> str:
    return f"{wall:013d}-000000-{node}"


def _apply_all(changes):  # type: ignore[no-untyped-def]
    fields, clocks = None, None
    for f, c in changes:
        out = lww.merge(fields, clocks, f, c)
        fields, clocks = out.fields, out.clocks
    return fields


CREATE = (
    {"name": "Jan", "phone": "1", "notes": "", "deleted": False, "erased": False},
    {k: _s(1) for k in ("name", "phone", "notes", "deleted", "erased")},
)
EDIT_PHONE = ({"phone": "2"}, {"phone": _s(5, "b")})
EDIT_NOTES_LATE = ({"notes": "late"}, {"notes": _s(9, "c")})
EDIT_NAME_LATE = ({"name": "Jantje"}, {"name": _s(9, "c")})
DELETE = ({"deleted": True}, {"deleted": _s(3, "d")})
UNDELETE_LATE = ({"deleted": False}, {"deleted": _s(8, "e")})
ERASE = (
    {"erased": True, "name": "Gewist", "phone": ""},
    {k: _s(4, "f") for k in ("erased", "name", "phone")},
)


def test_every_order_gives_the_same_record():
    changes = [EDIT_PHONE, EDIT_NOTES_LATE, EDIT_NAME_LATE, DELETE, UNDELETE_LATE, ERASE]
    results = {repr(sorted(_apply_all([CREATE, *perm]).items())) for perm in itertools.permutations(changes)}
    assert len(results) == 1
    final = _apply_all([CREATE, *changes])
    # Erasure wins forever; a deletion is undone by a later restore (issue 11: undo for
    # 30 days); the erasure's wiped fields never come back, a later edit of a field the
    # erasure did not touch still applies.
    assert final["deleted"] is False and final["erased"] is True
    without_restore = [c for c in changes if c is not UNDELETE_LATE]
    assert _apply_all([CREATE, *without_restore])["deleted"] is True
    assert final["name"] == "Gewist" and final["phone"] == "" and final["notes"] == "late"


def test_losing_value_is_reported_and_equal_stamps_are_idempotent():
    out = lww.merge({"phone": "new"}, {"phone": _s(9)}, {"phone": "old"}, {"phone": _s(5, "b")})
    assert out.won == [] and [(x.lost_value, x.kept_value) for x in out.lost] == [("old", "new")]
    again = lww.merge({"phone": "new"}, {"phone": _s(9)}, {"phone": "new"}, {"phone": _s(9)})
    assert again.won == [] and again.lost == []


def test_backoff_grows_with_jitter_and_a_cap():
    rng = random.Random(3)
    delays = [backoff_delay(n, base=5, cap=300, rng=rng) for n in range(1, 10)]
    assert backoff_delay(0) == 0
    assert 2.5 <= delays[0] <= 5 and 5 <= delays[1] <= 10 and all(d <= 300 for d in delays)
    assert len({round(d, 3) for d in delays}) == len(delays)


def test_server_admin_commands(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 's.db'}"
    assert server_main(["--db", url, "tenant", "add", "Kortrijk"]) == 0
    assert server_main(["--db", url, "tenant", "add", "Kortrijk"]) == 1
    assert server_main(["--db", url, "token", "issue", "--tenant", "Kortrijk", "--location", "krt"]) == 0
    out = capsys.readouterr()
    token = out.out.strip()
    assert len(token) >= 43 and "niet opnieuw getoond" in out.err
    assert server_main(["--db", url, "token", "issue", "--tenant", "Gent", "--location", "GNT"]) == 1
    assert server_main(["--db", url, "token", "list"]) == 0
    listing = capsys.readouterr().out
    assert "KRT" in listing and token not in listing
    assert token.encode() not in (tmp_path / "s.db").read_bytes()
