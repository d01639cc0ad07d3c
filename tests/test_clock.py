"""Hybrid logical clock: ordering survives wrong wall clocks, merges and counter overflow."""

from __future__ import annotations

import random

from db import clock
from db.clock import Stamp


def test_tick_follows_the_wall_clock_when_it_moves_forward():
    first = clock.tick(None, "A", now=1_000)
    assert first == Stamp(1_000, 0, "A")
    assert clock.tick(first, "A", now=2_000) == Stamp(2_000, 0, "A")


def test_tick_with_the_same_millisecond_increments_the_counter():
    first = clock.tick(None, "A", now=1_000)
    second = clock.tick(first, "A", now=1_000)
    assert second == Stamp(1_000, 1, "A")
    assert second > first


def test_tick_with_wall_clock_going_backwards_still_moves_forward():
    last = Stamp(5_000, 3, "A")
    nxt = clock.tick(last, "A", now=1_000)  # the PC's clock was set back
    assert nxt == Stamp(5_000, 4, "A")
    assert nxt > last
    assert nxt.encode() > last.encode()


def test_counter_overflow_borrows_a_millisecond_and_keeps_order():
    last = Stamp(5_000, 999_999, "A")
    nxt = clock.tick(last, "A", now=5_000)
    assert nxt == Stamp(5_001, 0, "A")
    assert nxt > last
    assert nxt.encode() > last.encode()
    assert len(nxt.encode()) == len(last.encode())


def test_merge_takes_the_later_of_local_and_remote():
    local = Stamp(1_000, 5, "A")
    remote = Stamp(9_000, 2, "B")
    merged = clock.merge(local, remote, "A", now=500)
    assert merged == Stamp(9_000, 3, "A")
    assert merged > remote and merged > local


def test_merge_with_equal_walls_takes_the_higher_counter_plus_one():
    merged = clock.merge(Stamp(7_000, 4, "A"), Stamp(7_000, 9, "B"), "A", now=7_000)
    assert merged == Stamp(7_000, 10, "A")


def test_merge_when_local_is_ahead_keeps_counting_locally():
    merged = clock.merge(Stamp(8_000, 4, "A"), Stamp(7_000, 9, "B"), "A", now=100)
    assert merged == Stamp(8_000, 5, "A")


def test_merge_when_the_wall_clock_is_ahead_resets_the_counter():
    merged = clock.merge(Stamp(8_000, 4, "A"), Stamp(7_000, 9, "B"), "A", now=10_000)
    assert merged == Stamp(10_000, 0, "A")


def test_merge_counter_overflow_borrows_a_millisecond():
    merged = clock.merge(Stamp(7_000, 999_999, "A"), Stamp(7_000, 999_999, "B"), "A", now=7_000)
    assert merged == Stamp(7_001, 0, "A")


def test_merge_with_no_local_stamp_yet():
    merged = clock.merge(None, Stamp(3_000, 1, "B"), "A", now=1_000)
    assert merged == Stamp(3_000, 2, "A")


def test_encode_decode_round_trip_with_uuid_nodes():
    node = "0b7f0a2e-5a8e-4c1e-9a59-3f2d1c9e8b7a"
    stamp = Stamp(1_764_000_000_123, 42, node)
    assert Stamp.decode(stamp.encode()) == stamp
    assert str(stamp) == stamp.encode()


def test_encoded_string_order_equals_stamp_order():
    rng = random.Random(7)
    nodes = ["A", "B", "0b7f0a2e-5a8e-4c1e-9a59-3f2d1c9e8b7a", "ffffffff-0000-0000-0000-000000000000"]
    stamps = [
        Stamp(
            rng.choice([0, 9, 10, 999, 1_000, 1_764_000_000_000, 9_999_999_999_999]),
            rng.choice([0, 1, 9, 10, 99_999, 999_999]),
            rng.choice(nodes),
        )
        for _ in range(400)
    ]
    assert sorted(stamps) == sorted(stamps, key=Stamp.encode)
    for a, b in zip(stamps, stamps[1:], strict=False):
        assert (a < b) == (a.encode() < b.encode())


def test_a_long_run_of_ticks_is_strictly_increasing_whatever_the_wall_clock_does():
    rng = random.Random(3)
    last = None
    now = 1_000_000
    seen = []
    for _ in range(2_000):
        now += rng.choice([-5_000, -1, 0, 0, 0, 1, 3])
        last = clock.tick(last, "A", now=now)
        seen.append(last.encode())
    assert seen == sorted(seen)
    assert len(set(seen)) == len(seen)
