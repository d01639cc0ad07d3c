"""Generated digibanks for the benchmarks, cached outside the project folder.

Generating the large digibank (100,000 devices, 50,000 borrowers, 1,000,000 loans) takes
minutes, so each size is made once and kept under the cache folder, keyed by the
generator's version, the size and the seed: changing benchmarks/generate.py means bumping
`GENERATOR_VERSION`, and a new folder is made.

The cache folder is `$DIGIBANK_BENCH_CACHE`, else `$XDG_CACHE_HOME/digibank-bench`, else
`~/.cache/digibank-bench` — never inside the repository (a 1 GB database must not be committed).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

# Bump when benchmarks/generate.py makes different data: old caches are then left unused.
GENERATOR_VERSION = 1
# A fixed day, so a cached digibank is the same whenever it was made.
TODAY = dt.date(2026, 12, 1)
SEED = 1
BENCH_PASSPHRASE = "benchmark-wachtwoord"


@dataclass(frozen=True)
class Size:
    name: str
    devices: int
    borrowers: int
    loans: int
    helpdesk: int
    trainings: int


SIZES = {
    "quick": Size("quick", 2_000, 1_000, 10_000, 2_000, 50),
    "medium": Size("medium", 20_000, 10_000, 200_000, 40_000, 400),
    "large": Size("large", 100_000, 50_000, 1_000_000, 200_000, 2_000),
}


def cache_root() -> Path:
    explicit = os.environ.get("DIGIBANK_BENCH_CACHE")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "digibank-bench"


def dataset(size: Size, report=lambda line: print(line, file=sys.stderr, flush=True)) -> Path:
    """The data folder of a generated digibank of this size (made once, then reused)."""
    from app import config

    os.environ.setdefault("DIGIBANK_PASSPHRASE", BENCH_PASSPHRASE)
    key = f"v{GENERATOR_VERSION}-{size.name}-{size.devices}-{size.borrowers}-{size.loans}-s{SEED}"
    folder = cache_root() / key
    done = folder / "generated.ok"
    if done.exists():
        return folder
    from benchmarks.generate import generate

    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    report(f"generating the {size.name} digibank into {folder} (once; cached) …")
    # The generator prints its progress; stdout is for the benchmark table.
    with contextlib.redirect_stdout(sys.stderr):
        generate(
            folder,
            devices=size.devices,
            borrowers=size.borrowers,
            loans=size.loans,
            helpdesk=size.helpdesk,
            trainings=size.trainings,
            seed=SEED,
            today=TODAY,
            report=report,
        )
    assert (folder / config.DB_FILE).exists()
    done.write_text(dt.datetime.now().isoformat(timespec="seconds") + "\n")
    return folder


def plain_copy(folder: Path) -> Path:
    """An unencrypted copy of a cached digibank (`sqlcipher_export`), for encrypted vs plain."""
    from app import config
    from db.engine import cipher_connect

    plain = folder.parent / (folder.name + "-plain")
    done = plain / "copied.ok"
    if done.exists():
        return plain
    shutil.rmtree(plain, ignore_errors=True)
    plain.mkdir(parents=True)
    if (folder / "settings.json").exists():
        shutil.copyfile(folder / "settings.json", plain / "settings.json")
    with cipher_connect(folder / config.DB_FILE, os.environ["DIGIBANK_PASSPHRASE"]) as src:
        src.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain / config.DB_FILE),))
        src.execute("SELECT sqlcipher_export('plain')")
        src.execute("DETACH DATABASE plain")
    done.write_text("ok\n")
    return plain
