"""The counter verifies the server's certificate: a self-signed server is refused with a
plain "not trusted" message, and trusted through the documented CA-bundle setting
(DIGIBANK_CA_BUNDLE or the `ca_bundle` setting); plain http only to this computer unless
explicitly allowed."""

from __future__ import annotations

import datetime as dt
import ipaddress
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from app.errors import UserError
from app.sync import transport
from app.sync.protocol import HandshakeAnswer, HandshakeRequest
from app.sync.transport import CertificateRefused, HttpTransport
from server.main import create_app
from server.models import LocationToken, Tenant
from server.security import hash_token, new_token
from server.settings import ServerSettings
from tests.sync.conftest import free_port


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA and a server certificate for 127.0.0.1/localhost signed by it."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Digibank test CA"))
        .issuer_name(_name("Digibank test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("127.0.0.1"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .add_extension(x509.ExtendedKeyUsage([x509.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_pem, cert_pem, key_pem = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    cert_pem.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return ca_pem, cert_pem, key_pem


@pytest.fixture(autouse=True)
def _default_policy(monkeypatch) -> Iterator[None]:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("DIGIBANK_CA_BUNDLE", raising=False)
    transport.configure()
    yield
    transport.configure()


@pytest.fixture
def tls_server(tmp_path) -> Iterator[tuple[str, str, Path]]:  # type: ignore[no-untyped-def]
    ca_pem, cert_pem, key_pem = _certificates(tmp_path)
    app = create_app(ServerSettings(server_db=f"sqlite:///{tmp_path / 'server.db'}"))
    token = new_token()
    with app.state.database.sessions() as s, s.begin():
        tenant = Tenant(name="Kortrijk", last_seq=0)
        s.add(tenant)
        s.flush()
        s.add(LocationToken(tenant_id=tenant.id, location_code="KRT", token_hash=hash_token(token)))
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        log_level="error",
        lifespan="off",
        ssl_certfile=str(cert_pem),
        ssl_keyfile=str(key_pem),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.01)
    yield f"https://127.0.0.1:{port}", token, ca_pem
    server.should_exit = True
    thread.join(timeout=10)
    app.state.database.dispose()


def _handshake(url: str, token: str) -> HandshakeAnswer:
    return HttpTransport(url, token).post(
        "/sync/handshake", HandshakeRequest(client_time_ms=1), HandshakeAnswer
    )


def test_an_untrusted_certificate_is_named_as_such(tls_server):
    url, token, _ca = tls_server
    with pytest.raises(CertificateRefused) as err:
        _handshake(url, token)
    assert "het certificaat van de server wordt niet vertrouwd" in err.value.message.lower()
    assert "niet bereikbaar" not in err.value.message


def test_the_ca_bundle_from_the_environment_or_the_settings_is_trusted(tls_server, monkeypatch):
    url, token, ca = tls_server
    monkeypatch.setenv("DIGIBANK_CA_BUNDLE", str(ca))
    assert _handshake(url, token).tenant == "Kortrijk"
    monkeypatch.delenv("DIGIBANK_CA_BUNDLE")
    transport.configure(ca_bundle=str(ca))
    assert _handshake(url, token).tenant == "Kortrijk"
    transport.configure(ca_bundle=str(ca.parent / "missing.pem"))
    with pytest.raises(UserError, match="bestaat niet"):
        _handshake(url, token)


def test_the_settings_key_reaches_the_transport_when_a_context_opens(tmp_path, tls_server):
    from app.context import open_context

    url, token, ca = tls_server
    ctx = open_context(tmp_path / "counter", actor="t")
    try:
        ctx.settings.ca_bundle = str(ca)
        ctx.save_settings()
    finally:
        ctx.close()
    ctx = open_context(tmp_path / "counter", actor="t")
    try:
        assert _handshake(url, token).tenant == "Kortrijk"
    finally:
        ctx.close()


@pytest.mark.parametrize("url", ["http://192.0.2.10:8765", "http://sync.digibank.be", "http://[2001:db8::1]"])
def test_plain_http_to_another_computer_needs_explicit_consent(url):
    with pytest.raises(UserError, match="--insecure-http"):
        HttpTransport(url, "token")
    transport.configure(insecure_http=True)
    assert HttpTransport(url, "token").base_url == url
    assert transport.insecure_http_allowed()


@pytest.mark.parametrize("url", ["http://127.0.0.1:8765", "http://localhost:8765", "http://[::1]:8765"])
def test_plain_http_to_this_computer_is_fine(url):
    assert HttpTransport(url, "token").base_url == url


def test_the_status_bar_warns_while_insecure_http_is_allowed(qtbot, ctx, tmp_path):
    from app.sync.account import SyncState
    from ui.sync.status import SyncStatus

    status = SyncStatus(SyncState(ctx.sessions))
    qtbot.addWidget(status)
    assert status.insecure_label.isHidden()
    transport.configure(insecure_http=True)
    status.refresh()
    assert not status.insecure_label.isHidden()
    assert "http" in status.insecure_label.text()
    assert status.grab().save(str(tmp_path / "status.png"))


def test_settings_set_ca_bundle_and_insecure_http(tmp_path):
    from app.config import Settings
    from app.settings_service import change

    settings = Settings()
    pem = tmp_path / "ca.pem"
    pem.write_text("-----BEGIN CERTIFICATE-----\n")
    change(settings, "ca_bundle", str(pem))
    assert settings.ca_bundle == str(pem.resolve())
    with pytest.raises(UserError, match="bestaat niet"):
        change(settings, "ca_bundle", str(tmp_path / "nope.pem"))
    change(settings, "ca_bundle", "")
    assert settings.ca_bundle == ""
    change(settings, "insecure_http", "ja")
    assert settings.insecure_http is True
    with pytest.raises(UserError):
        change(settings, "insecure_http", "misschien")
