"""A real uvicorn server on loopback, on SQLite and on PostgreSQL, and counter replicas.

PostgreSQL: DIGIBANK_TEST_PG_URL (set by .ci/run), else a throw-away cluster started
here with initdb + pg_ctl (as .ci/run does) and stopped at the end. Each test gets a
fresh database.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
import uvicorn
from sqlalchemy import select

from app.context import AppContext, open_context
from app.sync.service import SyncResult, SyncService
from app.sync.transport import FaultyTransport, HttpTransport, SyncError
from server.cli import main as server_cli
from server.main import create_app
from server.models import LocationToken, Tenant
from server.security import hash_token, new_token
from server.settings import ServerSettings

PGBIN = Path("/usr/lib/postgresql/15/bin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    env = os.environ.get("DIGIBANK_TEST_PG_URL")
    if env:
        yield env
        return
    root = Path(tempfile.mkdtemp(prefix="digibank-pg-"))
    root.chmod(0o755)
    run: list[str] = []
    if os.getuid() == 0:
        shutil.chown(root, "postgres")
        run = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    subprocess.run(
        [*run, str(PGBIN / "initdb"), "-D", str(root / "data"), "-U", "postgres", "--auth=trust"],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        [
            *run,
            str(PGBIN / "pg_ctl"),
            "-D",
            str(root / "data"),
            "-l",
            str(root / "log"),
            "-w",
            "-o",
            f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*run, str(PGBIN / "pg_ctl"), "-D", str(root / "data"), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def pg_database(pg_admin_url: str) -> Iterator[str]:
    name = "digibank_" + uuid.uuid4().hex[:12]
    with psycopg.connect(_plain(pg_admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = pg_admin_url.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(_plain(pg_admin_url), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class RunningServer:
    url: str
    db_url: str
    app: object
    _server: uvicorn.Server
    _thread: threading.Thread
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def database(self):  # type: ignore[no-untyped-def]
        return self.app.state.database  # type: ignore[attr-defined]

    def add_tenant(self, name: str) -> None:
        with self.database.sessions() as s, s.begin():
            s.add(Tenant(name=name, last_seq=0))

    def issue_token(self, tenant: str, code: str, scope: str = "counter") -> str:
        token = new_token()
        with self.database.sessions() as s, s.begin():
            t = s.scalar(select(Tenant).where(Tenant.name == tenant))
            s.add(
                LocationToken(tenant_id=t.id, location_code=code, token_hash=hash_token(token), scope=scope)
            )
        return token

    def cli(self, *args: str) -> int:
        return server_cli(["--db", self.db_url, *args])

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self.database.dispose()


def start_server(db_url: str, **settings: object) -> RunningServer:
    app = create_app(ServerSettings(server_db=db_url, **settings))
    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="error", lifespan="off", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("server did not start")
        time.sleep(0.01)
    return RunningServer(f"http://127.0.0.1:{port}", db_url, app, server, thread)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'server.db'}"
    return request.getfixturevalue("pg_database")


@pytest.fixture
def server(backend: str) -> Iterator[RunningServer]:
    running = start_server(backend)
    yield running
    running.stop()


@pytest.fixture
def sqlite_server(tmp_path: Path) -> Iterator[RunningServer]:
    running = start_server(f"sqlite:///{tmp_path / 'server.db'}")
    yield running
    running.stop()


@dataclass
class Replica:
    ctx: AppContext
    transport: FaultyTransport
    service: SyncService

    def sync(self, max_rounds: int = 60) -> SyncResult:
        """Rounds until one completes (dropped requests fail a round, as in real life)."""
        last: Exception | None = None
        for _ in range(max_rounds):
            try:
                return self.service.run_once()
            except SyncError as exc:
                last = exc
        raise AssertionError(f"no round completed: {last}")


def make_replica(
    tmp_path: Path,
    name: str,
    server: RunningServer,
    token: str,
    code: str | None = None,
    rng: random.Random | None = None,
    drop_before: float = 0.0,
    drop_after: float = 0.0,
    wall_clock: Callable[[], int] | None = None,
    page_size: int = 2000,
    crash_hook: Callable[[str], None] | None = None,
    plan: Callable[[str, int], str | None] | None = None,
) -> Replica:
    ctx = open_context(tmp_path / name, actor=name)
    if wall_clock is not None:
        ctx.sessions.kw["info"]["wall_clock"] = wall_clock
    if code:
        ctx.locations.initialise(code, f"Locatie {code}")
    transport = FaultyTransport(
        HttpTransport(server.url, token), rng or random.Random(1), drop_before, drop_after, plan
    )
    service = SyncService(ctx.sessions, transport, page_size=page_size, crash_hook=crash_hook)
    return Replica(ctx, transport, service)


@pytest.fixture
def replicas() -> Iterator[list[Replica]]:
    made: list[Replica] = []
    yield made
    for r in made:
        r.ctx.close()
