"""The real programs: `digibank-server` in its own process, `digibank` as a command."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.sync.conftest import free_port

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
# The editable install may predate the `server` package; the checkout comes first.
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def test_server_and_counters_as_separate_programs(tmp_path):
    db = f"sqlite:///{tmp_path / 'server.db'}"
    server_cmd = [str(BIN / "digibank-server"), "--db", db]
    subprocess.run([*server_cmd, "tenant", "add", "Kortrijk"], check=True, capture_output=True, env=ENV)
    issued = subprocess.run(
        [*server_cmd, "token", "issue", "--tenant", "Kortrijk", "--location", "KRT"],
        check=True,
        capture_output=True,
        text=True,
        env=ENV,
    )
    token = issued.stdout.strip()
    port = free_port()
    proc = subprocess.Popen(
        [*server_cmd, "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENV,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if httpx.get(url + "/health").status_code == 200:
                    break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        env = {**ENV, "DIGIBANK_TOKEN": token, "DIGIBANK_LANG": "nl"}
        env["DIGIBANK_PASSPHRASE"] = os.environ["DIGIBANK_PASSPHRASE"]  # set per test (conftest)

        def digibank(folder: str, *args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run(
                [str(BIN / "digibank"), "--data-dir", str(tmp_path / folder), *args],
                capture_output=True,
                text=True,
                env=env,
                timeout=60,
            )

        assert (
            digibank("krt", "init", "--location-code", "KRT", "--location-name", "Kortrijk").returncode == 0
        )
        first = digibank("krt", "sync", "--server", url, "--json")
        assert first.returncode == 0, first.stderr
        assert json.loads(first.stdout)["pushed"] == 1
        van = digibank("van", "sync", "--server", url)
        assert van.returncode == 0 and "Gesynchroniseerd met Kortrijk" in van.stdout
        exports = [digibank(f, "export", "--json").stdout for f in ("krt", "van")]
        assert exports[0] == exports[1] and '"KRT"' in exports[0]
        env["DIGIBANK_TOKEN"] = "wrong"
        refused = digibank("van", "sync", "--server", url)
        assert refused.returncode == 1 and "Traceback" not in refused.stderr
        assert "digibank login" in refused.stderr
    finally:
        proc.terminate()
        proc.wait(timeout=10)
