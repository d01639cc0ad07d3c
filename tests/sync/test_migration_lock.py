"""Several server processes started at once on a new PostgreSQL database: migrations run
under an advisory lock, once, and every process comes up."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]

MIGRATE = """
import sys
from server.database import Database
database = Database(sys.argv[1])
database.migrate()
database.dispose()
print("ok")
"""


def test_concurrent_migrations_on_postgresql(pg_database, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", MIGRATE, pg_database],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(6)
    ]
    outcomes = []
    for p in procs:
        out, err = p.communicate(timeout=120)
        outcomes.append((p.returncode, out, err))
    failed = [err[-500:] for code, _out, err in outcomes if code != 0]
    assert failed == [], failed
    engine = create_engine(pg_database)
    with engine.connect() as conn:
        versions = conn.execute(text("select version_num from server_alembic_version")).all()
    engine.dispose()
    assert len(versions) == 1
