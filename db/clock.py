"""Hybrid logical clock (HLC) stamps.

A stamp is (wall milliseconds, counter, node). Encoded as a fixed-width string so
that plain string comparison in SQL and Python orders stamps correctly; the node
(location id) breaks ties so two locations never produce equal stamps.

A PC whose wall clock is wrong still orders its edits after everything it has
seen: ticking never goes below the last stamp, and merging takes the maximum.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

_COUNTER_MAX = 999_999


def wall_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True, order=True)
class Stamp:
    wall: int
    counter: int
    node: str

    def encode(self) -> str:
        return f"{self.wall:013d}-{self.counter:06d}-{self.node}"

    @classmethod
    def decode(cls, text: str) -> Stamp:
        wall, counter, node = text.split("-", 2)
        return cls(int(wall), int(counter), node)

    def __str__(self) -> str:
        return self.encode()


ZERO = Stamp(0, 0, "")


def tick(last: Stamp | None, node: str, now: int | None = None) -> Stamp:
    """Next stamp for a local event, after `last` and never before the wall clock."""
    now = wall_ms() if now is None else now
    last = last or ZERO
    if now > last.wall:
        return Stamp(now, 0, node)
    if last.counter >= _COUNTER_MAX:
        # Keep the fixed width (and so the string order): borrow one millisecond.
        return Stamp(last.wall + 1, 0, node)
    return Stamp(last.wall, last.counter + 1, node)


def merge(last: Stamp | None, remote: Stamp, node: str, now: int | None = None) -> Stamp:
    """Stamp after receiving `remote`: later than both it and our own last stamp."""
    now = wall_ms() if now is None else now
    last = last or ZERO
    wall = max(now, last.wall, remote.wall)
    if wall == last.wall == remote.wall:
        counter = max(last.counter, remote.counter) + 1
    elif wall == last.wall:
        counter = last.counter + 1
    elif wall == remote.wall:
        counter = remote.counter + 1
    else:
        counter = 0
    if counter > _COUNTER_MAX:
        return Stamp(wall + 1, 0, node)
    return Stamp(wall, counter, node)
