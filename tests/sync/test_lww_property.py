"""Property: `lww.merge` gives the same record whatever order the same changes arrive in.

Client and server both fold changes into records with this one function, and each
replica sees the changes in another order (its own first, then the server's log, a
re-pull from the start, a retried batch). The changes are realistic: one stamp is one
write (stamps are unique, each with its own values); a creation carries every field; an
erasure carries every field (scrubbed) under its stamp, as the push sends it; `erased` is
sticky; `deleted` follows its clock (a creation is the first write of a record, a deletion
can be undone by a later restore).
"""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from app.sync import lww
from db import clock

TEXT_FIELDS = ("name", "phone", "note")
Change = tuple[dict[str, Any], dict[str, str]]

texts = st.text(alphabet="abc", max_size=3)
stamps = st.builds(
    lambda wall, counter, node: clock.Stamp(wall, counter, node).encode(),
    st.integers(1, 40),
    st.integers(0, 3),
    st.sampled_from(["KRT", "WVL", "BUS"]),
)


@st.composite
def write(draw: st.DrawFn, stamp: str, first: bool = False) -> Change:
    later = ["edit", "edit", "delete", "restore", "erase"]
    kind = draw(st.sampled_from(["create", *later] if first else later))
    if kind == "create":
        fields: dict[str, Any] = {n: draw(texts) for n in TEXT_FIELDS}
        fields.update(deleted=False, erased=False)
    elif kind == "edit":
        names = draw(st.lists(st.sampled_from(TEXT_FIELDS), min_size=1, unique=True))
        fields = {n: draw(texts) for n in names}
    elif kind == "delete":
        fields = {"deleted": True}
    elif kind == "restore":
        fields = {"deleted": False}
    else:  # the push sends every field of an erased record (not `deleted`), see outbox.py
        fields = {n: draw(st.sampled_from(["", "?"])) for n in TEXT_FIELDS}
        fields["erased"] = True
    return fields, {n: stamp for n in fields}


@st.composite
def histories(draw: st.DrawFn) -> list[Change]:
    unique = sorted(draw(st.lists(stamps, min_size=1, max_size=7, unique=True)))
    return [draw(write(s, first=i == 0)) for i, s in enumerate(unique)]


def fold(changes: list[Change]) -> tuple[dict[str, Any] | None, dict[str, str] | None]:
    fields: dict[str, Any] | None = None
    clocks: dict[str, str] | None = None
    for in_fields, in_clocks in changes:
        out = lww.merge(fields, clocks, in_fields, in_clocks)
        fields, clocks = out.fields, out.clocks
    return fields, clocks


@settings(max_examples=400, deadline=None, database=None)
@given(data=st.data())
def test_any_order_of_the_same_changes_gives_the_same_record(data: st.DataObject) -> None:
    changes = data.draw(histories())
    shuffled = data.draw(st.permutations(changes))
    assert fold(shuffled) == fold(changes)


@settings(max_examples=300, deadline=None, database=None)
@given(data=st.data())
def test_a_change_delivered_again_changes_nothing(data: st.DataObject) -> None:
    changes = data.draw(histories())
    again = data.draw(st.lists(st.sampled_from(changes), max_size=4))
    order = data.draw(st.permutations(changes + again))
    assert fold(order) == fold(changes)


@settings(max_examples=300, deadline=None, database=None)
@given(data=st.data())
def test_erased_sticks_deleted_follows_its_clock_and_an_erasure_wins(data: st.DataObject) -> None:
    changes = data.draw(histories())
    fields, clocks = fold(data.draw(st.permutations(changes)))
    assert fields is not None and clocks is not None
    deletions = [(c["deleted"], f["deleted"]) for f, c in changes if "deleted" in f]
    if deletions:  # the newest deletion or restore stands
        assert fields["deleted"] is max(deletions)[1]
    erasures = [(f, c) for f, c in changes if f.get("erased") is True]
    if erasures:
        assert fields["erased"] is True
        # The latest erasure's scrubbed values stand, whatever was edited around it.
        latest_fields, latest_clocks = max(erasures, key=lambda fc: fc[1]["erased"])
        for name in TEXT_FIELDS:
            assert fields[name] == latest_fields[name]
            assert clocks[name] == latest_clocks[name]
    else:
        # Without erasure, each field holds the value of its newest write.
        for name in (*TEXT_FIELDS, "deleted"):
            writes = [(c[name], f[name]) for f, c in changes if name in f]
            if writes and name != "deleted":
                assert fields[name] == max(writes)[1]
