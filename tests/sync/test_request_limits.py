"""Token first, size capped: a huge body is refused before it is read or parsed, with or
without a valid token, declared or streamed (chunked), and the server's memory stays small.

The server runs in its own process (`digibank-server serve`), so its peak memory (VmHWM)
is its own."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.sync.protocol import VERSION_HEADER, version_header
from server.database import Database
from server.models import LocationToken, Tenant
from server.security import hash_token, new_token
from tests.sync.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


@pytest.fixture
def server_process(tmp_path):  # type: ignore[no-untyped-def]
    url = f"sqlite:///{tmp_path / 'server.db'}"
    database = Database(url)
    database.migrate()
    token = new_token()
    with database.sessions() as s, s.begin():
        tenant = Tenant(name="Kortrijk", last_seq=0)
        s.add(tenant)
        s.flush()
        s.add(LocationToken(tenant_id=tenant.id, location_code="KRT", token_hash=hash_token(token)))
    database.dispose()
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DIGIBANK_SERVER_DB": url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            if httpx.get(base + "/health").status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or proc.poll() is not None:
            proc.kill()
            raise RuntimeError("server did not start")
        time.sleep(0.1)
    yield proc, port, token
    proc.terminate()
    proc.wait(timeout=10)


def _raw_push(port: int, token: str | None, body_size: int, chunked: bool) -> tuple[int, dict]:  # type: ignore[type-arg]
    """Send a push of body_size bytes (valid JSON: one huge string) over a plain socket,
    stopping as soon as the server answers; returns (status, answer)."""
    head = b'{"batch_id":"b1","changes":[],"x":"'
    tail = b'"}'
    lines = [
        "POST /sync/push HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Content-Type: application/json",
        f"{VERSION_HEADER}: {version_header()}",
        "Connection: close",
    ]
    if token:
        lines.append(f"Authorization: Bearer {token}")
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {body_size}")
    sock = socket.create_connection(("127.0.0.1", port))
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    filler = b"a" * MB
    parts = [head, *([filler] * ((body_size - len(head) - len(tail)) // MB)), tail]
    try:
        for part in parts:
            if select.select([sock], [], [], 0)[0]:
                break  # the server has answered: stop sending
            sock.sendall(b"%x\r\n%s\r\n" % (len(part), part) if chunked else part)
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    data = b""
    sock.settimeout(30)
    try:
        while chunk := sock.recv(65536):
            data += chunk
    except (ConnectionResetError, TimeoutError):
        pass
    sock.close()
    status_line, _, rest = data.partition(b"\r\n")
    status = int(status_line.split()[1])
    body = rest.split(b"\r\n\r\n", 1)[1]
    if b"transfer-encoding: chunked" in rest.lower().split(b"\r\n\r\n", 1)[0]:
        body = body.split(b"\r\n", 1)[1].rsplit(b"\r\n0\r\n", 1)[0]
    return status, json.loads(body)


def test_a_50_mb_push_is_refused_before_it_is_read(server_process):
    proc, port, token = server_process
    before = _kib(proc.pid, "VmRSS")
    for who in (None, token):
        status, answer = _raw_push(port, who, 50 * MB, chunked=False)
        assert status == 413 and answer["code"] == "too-large" and "te groot" in answer["message"]
    # Streamed without a length: the valid token's body is cut off at the limit (413);
    # without a token nothing is read at all (401 first).
    status, answer = _raw_push(port, token, 50 * MB, chunked=True)
    assert status == 413 and answer["code"] == "too-large"
    status, answer = _raw_push(port, None, 50 * MB, chunked=True)
    assert status == 401
    # A body just under the limit is read and parsed as usual (a schema answer, not 413).
    status, answer = _raw_push(port, token, 7 * MB, chunked=True)
    assert status == 422
    peak = _kib(proc.pid, "VmHWM")
    print(f"server peak {peak // 1024} MB, before {before // 1024} MB")
    assert peak < 200 * 1024, f"peak {peak // 1024} MB (before the pushes: {before // 1024} MB)"
    # The server still answers ordinary pushes.
    ok = httpx.post(
        f"http://127.0.0.1:{port}/sync/push",
        json={"batch_id": "b2", "changes": []},
        headers={VERSION_HEADER: version_header(), "Authorization": f"Bearer {token}"},
    )
    assert ok.status_code == 200


def _post(server, token: str, path: str, content: bytes) -> httpx.Response:  # type: ignore[no-untyped-def]
    return httpx.post(
        server.url + path,
        content=content,
        headers={
            "Content-Type": "application/json",
            VERSION_HEADER: version_header(),
            "Authorization": f"Bearer {token}",
        },
    )


def test_deeply_nested_json_is_a_plain_4xx(sqlite_server):
    sqlite_server.add_tenant("Kortrijk")
    token = sqlite_server.issue_token("Kortrijk", "KRT")
    for depth in (1000, 100_000, 1_000_000):
        response = _post(sqlite_server, token, "/sync/push", b"[" * depth + b"]" * depth)
        assert 400 <= response.status_code < 500, depth
        response = _post(
            sqlite_server,
            token,
            "/sync/push",
            b'{"batch_id":"b","changes":[{"fields":' + b'{"a":' * depth + b"1" + b"}" * depth + b"}]}",
        )
        assert 400 <= response.status_code < 500, depth


def test_too_many_changes_and_too_long_texts_are_refused(sqlite_server):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    stamp = f"{int(time.time() * 1000):013d}-000000-loc"

    def change(i: int, fields: dict) -> dict:  # type: ignore[type-arg]
        return {
            "change_id": f"c{i}",
            "table": "borrower",
            "row_id": f"r{i}",
            "stamp": stamp,
            "fields": fields,
            "clocks": {k: stamp for k in fields},
        }

    many = {"batch_id": "b1", "changes": [change(i, {"notes": "x"}) for i in range(1001)]}
    response = _post(server, token, "/sync/push", json.dumps(many).encode())
    assert response.status_code == 422
    # Per value: db/rules.py's limits (text 1,000,000 characters, a JSON document 64 kB).
    from db.rules import JSON_MAX_BYTES, TEXT_MAX_LENGTH

    big = {
        "batch_id": "b2",
        "changes": [
            change(1, {"notes": "x" * (TEXT_MAX_LENGTH + 1)}),
            change(2, {"notes": "ok"}),
            {**change(3, {"specs": {"cpu": "x" * JSON_MAX_BYTES}}), "table": "device"},
        ],
    }
    response = _post(server, token, "/sync/push", json.dumps(big).encode())
    assert response.status_code == 200
    results = response.json()["results"]
    assert (results[0]["status"], results[0]["reason"]) == ("rejected", "bad-value")
    assert results[1]["reason"] != "bad-value"
    assert (results[2]["status"], results[2]["reason"]) == ("rejected", "bad-value")
