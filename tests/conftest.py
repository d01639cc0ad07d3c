"""Shared fixtures. Qt runs offscreen; every data folder lives in tmp_path."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("DIGIBANK_LANG", "nl")

import datetime as dt  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

from app import i18n  # noqa: E402
from app.context import AppContext, open_context  # noqa: E402
from db.models import DataWipe  # noqa: E402

TEST_PASSPHRASE = "test-wachtwoord-balie"


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test may touch the real user data folder or keyring."""
    monkeypatch.setenv("DIGIBANK_DATA_DIR", str(tmp_path / "default-data"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.delenv("DIGIBANK_TOKEN", raising=False)
    # Every test database is encrypted with this passphrase (no keychain in tests);
    # tests of the key's other sources unset it themselves.
    monkeypatch.setenv("DIGIBANK_PASSPHRASE", TEST_PASSPHRASE)
    i18n.set_language("nl")


@pytest.fixture(scope="module")
def module_environment(tmp_path_factory: pytest.TempPathFactory):
    """The same isolation for a module-scoped fixture (it runs before the autouse one)."""
    with pytest.MonkeyPatch.context() as mp:
        base = tmp_path_factory.mktemp("module-env")
        mp.setenv("DIGIBANK_DATA_DIR", str(base / "default-data"))
        mp.setenv("XDG_DATA_HOME", str(base / "xdg-data"))
        mp.setenv("XDG_CONFIG_HOME", str(base / "xdg-config"))
        mp.delenv("DIGIBANK_TOKEN", raising=False)
        mp.setenv("DIGIBANK_PASSPHRASE", TEST_PASSPHRASE)
        yield


@pytest.fixture
def keychain(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A trusted in-memory keychain (as an OS keychain would be) for this test only."""
    import keyring

    from app import credentials
    from tests.keychains import MemoryKeychain

    previous = keyring.get_keyring()
    backend = MemoryKeychain()
    monkeypatch.setattr(credentials, "TRUSTED_MODULES", (*credentials.TRUSTED_MODULES, "tests.keychains"))
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keychain():
    """As on a bare Linux session: keyring's fail backend (keyring caches its choice per
    process, so the environment variable alone is not enough)."""
    import keyring
    from keyring.backends import fail

    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


@pytest.fixture
def ctx(tmp_path: Path) -> AppContext:
    """An initialised, empty counter 'KRT'."""
    context = open_context(tmp_path / "data", actor="test")
    context.locations.initialise("KRT", "Kortrijk balie")
    yield context
    context.close()


def make_ready(ctx: AppContext, tag: str, wiped_at: dt.datetime | None = None) -> None:
    """Record a passed wipe (now, by the context's clock) and set the device ready: the normal
    refurbishing path, also after a return."""
    device = ctx.devices.get(tag)
    ended = wiped_at or ctx.now().replace(microsecond=0)
    with ctx.sessions() as s, s.begin():
        s.add(DataWipe(device_id=device.id, method="nwipe", result="passed", ended_at=ended))
    ctx.devices.set_status(tag, "ready")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Markers for a fast daily subset (`-m "not gui and not e2e and not postgres and not slow"`),
    set from what a test uses rather than by hand, so none is forgotten."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        path = item.nodeid
        if "qtbot" in fixtures or path.startswith("tests/ui/") or "_ui" in path.split("::")[0]:
            item.add_marker(pytest.mark.gui)
        if "e2e" in path or "installed_command" in path or "subprocess" in path:
            item.add_marker(pytest.mark.e2e)
        callspec = getattr(item, "callspec", None)
        params = callspec.params.values() if callspec is not None else ()
        if {"pg_database", "pg_admin_url"} & fixtures or any(p == "postgresql" for p in params):
            item.add_marker(pytest.mark.postgres)
