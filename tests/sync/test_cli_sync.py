"""`digibank login / sync / conflicts` and the keyring rules."""

from __future__ import annotations

import io
import json

import keyring
import pytest
from keyring.backends import fail, null

from app.cli import main
from app.credentials import CredentialStore
from app.errors import UserError
from tests.keychains import MemoryKeychain


class PlaintextKeyring(MemoryKeychain):
    """Looks like keyrings.alt's plain-text file backend."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


def _run(capsys, *argv: str, stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:  # type: ignore[no-untyped-def]
    if stdin is not None:
        monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_login_sync_and_conflicts_from_the_command_line(
    tmp_path, sqlite_server, keychain, capsys, monkeypatch
):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    token = server.issue_token("Kortrijk", "KRT")
    d = str(tmp_path / "counter")
    assert _run(capsys, "--data-dir", d, "init", "--location-code", "KRT", "--location-name", "K")[0] == 0
    code, out, err = _run(
        capsys, "--data-dir", d, "login", "--server", server.url, stdin=token + "\n", monkeypatch=monkeypatch
    )
    assert code == 0, err
    assert "Kortrijk" in out and "KRT" in out
    assert list(keychain.secrets.values()) == [token]
    assert token not in (tmp_path / "counter" / "settings.json").read_text()
    code, out, err = _run(capsys, "--data-dir", d, "sync", "--json")
    assert code == 0, err
    result = json.loads(out)
    assert result["pushed"] == 1 and result["tenant"] == "Kortrijk"
    code, out, _ = _run(capsys, "--data-dir", d, "sync")
    assert code == 0 and "Gesynchroniseerd met Kortrijk" in out
    code, out, _ = _run(capsys, "--data-dir", d, "conflicts", "--json")
    assert code == 0 and json.loads(out) == {"domain": [], "fields": []}
    code, out, _ = _run(capsys, "--data-dir", d, "conflicts")
    assert code == 0 and "Geen conflicten" in out
    code, _, err = _run(capsys, "--data-dir", d, "conflicts", "resolve", "double-loan", "nope", "keep")
    assert code == 1 and "bestaat niet" in err
    # Revoked: one clear line, exit 1, nothing lost.
    assert server.cli("token", "revoke", "1") == 0
    code, _, err = _run(capsys, "--data-dir", d, "sync")
    assert code == 1 and "digibank login" in err and len(err.strip().splitlines()) == 1


def test_environment_token_overrides_the_keychain(tmp_path, sqlite_server, capsys, monkeypatch):
    server = sqlite_server
    server.add_tenant("Kortrijk")
    monkeypatch.setenv("DIGIBANK_TOKEN", server.issue_token("Kortrijk", "KRT"))
    d = str(tmp_path / "van")
    code, out, err = _run(capsys, "--data-dir", d, "sync", "--server", server.url, "--json")
    assert code == 0, err
    assert json.loads(out)["location_code"] == "KRT"


@pytest.mark.parametrize("backend", [PlaintextKeyring(), fail.Keyring(), null.Keyring()])
def test_insecure_or_missing_keychains_are_refused_plainly(
    backend, tmp_path, sqlite_server, capsys, monkeypatch
):
    previous = keyring.get_keyring()
    keyring.set_keyring(backend)
    try:
        with pytest.raises(UserError) as err:
            CredentialStore().store("https://sync.example", "secret")
        assert "sleutelhanger" in err.value.message and "DIGIBANK_TOKEN" in err.value.message
        server = sqlite_server
        server.add_tenant("Kortrijk")
        token = server.issue_token("Kortrijk", "KRT")
        code, _, err_text = _run(
            capsys,
            "--data-dir",
            str(tmp_path / "c"),
            "login",
            "--server",
            server.url,
            stdin=token,
            monkeypatch=monkeypatch,
        )
        assert code == 1 and "sleutelhanger" in err_text
        if isinstance(backend, PlaintextKeyring):
            assert backend.secrets == {}
    finally:
        keyring.set_keyring(previous)


def test_sync_without_login_says_what_to_do(tmp_path, capsys):
    code, _, err = _run(capsys, "--data-dir", str(tmp_path / "c"), "sync")
    assert code == 1 and "digibank login" in err
