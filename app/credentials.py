"""The location's sync token, kept in the operating system's keychain.

Only real OS keychains are trusted (Windows Credential Locker, macOS Keychain,
Secret Service, KWallet). Plain-text, "encrypted file" (asks for a password on a
terminal), fail and null backends are refused with a clear message: a secret is
never stored silently in clear text. `DIGIBANK_TOKEN` overrides the keychain for
scripts and headless servers.
"""

from __future__ import annotations

import logging
import os
from typing import Any

import keyring
from keyring.backend import KeyringBackend
from keyring.backends import chainer

from app.errors import UserError
from app.i18n import _

log = logging.getLogger(__name__)

SERVICE = "digibank-balie"
ENV_TOKEN = "DIGIBANK_TOKEN"
# Module prefixes of backends that keep secrets in a real OS keychain.
TRUSTED_MODULES: tuple[str, ...] = (
    "keyring.backends.Windows",
    "keyring.backends.macOS",
    "keyring.backends.SecretService",
    "keyring.backends.kwallet",
    "keyring.backends.libsecret",
)


def _account(server_url: str) -> str:
    return "token@" + server_url.strip().rstrip("/")


def _trusted(backend: KeyringBackend) -> bool:
    module = type(backend).__module__
    return any(module == m or module.startswith(m + ".") for m in TRUSTED_MODULES)


def _no_keychain() -> UserError:
    return UserError(
        _(
            "Er is geen veilige sleutelhanger van het besturingssysteem beschikbaar, dus de "
            "sleutel wordt niet bewaard (nooit als leesbare tekst). Meld aan in een gewone "
            "bureaubladsessie, of geef de sleutel in scripts mee via DIGIBANK_TOKEN."
        ),
        code="no-keyring",
    )


class CredentialStore:
    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._backend = backend

    def _keychain(self) -> KeyringBackend:
        backend = self._backend or keyring.get_keyring()
        candidates: list[Any] = (
            list(backend.backends) if isinstance(backend, chainer.ChainerBackend) else [backend]
        )
        for candidate in candidates:
            if _trusted(candidate):
                return candidate
        log.warning("no trusted keyring backend (have %s)", type(backend).__module__)
        raise _no_keychain()

    def store(self, server_url: str, token: str) -> None:
        try:
            self._keychain().set_password(SERVICE, _account(server_url), token)
        except UserError:
            raise
        except Exception as exc:  # D-Bus missing, locked keychain, …
            log.warning("keyring store failed: %s", exc)
            raise _no_keychain() from exc

    def read(self, server_url: str) -> str | None:
        env = os.environ.get(ENV_TOKEN)
        if env:
            return env.strip()
        try:
            return self._keychain().get_password(SERVICE, _account(server_url))
        except UserError:
            raise
        except Exception as exc:
            log.warning("keyring read failed: %s", exc)
            raise _no_keychain() from exc

    def delete(self, server_url: str) -> None:
        try:
            self._keychain().delete_password(SERVICE, _account(server_url))
        except keyring.errors.PasswordDeleteError:
            pass
        except UserError:
            raise
        except Exception as exc:
            raise _no_keychain() from exc

    def token_for(self, server_url: str) -> str:
        token = self.read(server_url)
        if not token:
            raise UserError(
                _(
                    "Deze computer is nog niet aangemeld bij {url}: gebruik 'digibank login --server {url}'."
                ).format(url=server_url),
                code="not-logged-in",
            )
        return token
