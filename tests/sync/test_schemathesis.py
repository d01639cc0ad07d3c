"""schemathesis against the server's own OpenAPI schema, on a real uvicorn on loopback:
valid and invalid requests, with a valid token, a wrong token and none. Whatever arrives,
the server never answers 5xx. Seeded and bounded (no shrinking), so a failure reproduces."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from app.sync.protocol import VERSION_HEADER, version_header
from tests.sync.conftest import start_server

pytestmark = pytest.mark.slow

# Per operation, per generation mode, per kind of credentials.
CASES = int(os.environ.get("DIGIBANK_SCHEMATHESIS_CASES", "20"))
COUNTED: list[int] = []


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def running(request, tmp_path_factory):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('st') / 'server.db'}"
    else:
        import uuid

        import psycopg

        admin = request.getfixturevalue("pg_admin_url")
        name = "digibank_st_" + uuid.uuid4().hex[:8]
        with psycopg.connect(admin.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        url = f"{admin.rsplit('/', 1)[0]}/{name}"
    server = start_server(url)
    server.add_tenant("digibank-west")
    token = server.issue_token("digibank-west", "KRT")
    yield server, token
    server.stop()


def _values(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item)
    else:
        yield value


def operations(server):
    schema = schemathesis.openapi.from_dict(server.app.openapi())
    return [result.ok() for result in schema.get_all_operations()]


def fuzz(operation, base_url: str, db_url: str, headers: dict[str, str], mode: GenerationMode) -> list[str]:
    failures: list[str] = []

    @seed(20261201)
    @settings(
        max_examples=CASES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # shrinking could take minutes; the seed reproduces
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def check(case):
        COUNTED.append(1)
        response = case.call(base_url=base_url, headers=headers, timeout=30)
        if response.status_code >= 500:
            failures.append(
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                f"query={case.query!r} body={str(case.body)[:300]!r}"
            )

    try:
        check()
    except Unsatisfiable:
        # No invalid request exists for an operation without parameters (GET /health).
        assert mode is GenerationMode.NEGATIVE
    return failures


@pytest.mark.parametrize("credentials", ["valid token", "wrong token", "no token"])
def test_no_server_error_for_any_request(running, credentials):
    server, token = running
    headers = {VERSION_HEADER: version_header()}
    if credentials == "valid token":
        headers["Authorization"] = f"Bearer {token}"
    elif credentials == "wrong token":
        headers["Authorization"] = "Bearer " + "x" * 43
    failures: list[str] = []
    ops = operations(server)
    assert len(ops) >= 3
    for operation in ops:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += fuzz(operation, server.url, server.db_url, headers, mode)
    print(f"schemathesis ({credentials}, {server.db_url.split(':')[0]}): {len(COUNTED)} cases so far")
    assert not failures, "\n".join(failures[:20])


def test_a_pull_after_beyond_64_bits_is_refused_not_a_server_error(running):
    import httpx

    server, token = running
    headers = {VERSION_HEADER: version_header(), "Authorization": f"Bearer {token}"}
    response = httpx.post(f"{server.url}/sync/pull", json={"after": 2**63, "limit": 10}, headers=headers)
    assert response.status_code == 422


@pytest.mark.parametrize("running", ["postgresql"], indirect=True)
def test_a_nul_in_pull_tables_is_refused_not_a_server_error(running):
    import httpx

    server, token = running
    headers = {VERSION_HEADER: version_header(), "Authorization": f"Bearer {token}"}
    body = {"after": 0, "limit": 10, "tables": ["borrower\x00"]}
    response = httpx.post(f"{server.url}/sync/pull", json=body, headers=headers)
    assert response.status_code < 500
