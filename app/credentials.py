"""Secrets in the operating system's keychain: the sync token and the database key.

Only real OS keychains are trusted (Windows Credential Locker, macOS Keychain,
Secret Service, KWallet). Plain-text, "encrypted file" (asks for a password on a
terminal), fail and null backends are refused with a clear message: a secret is
never stored silently in clear text. `DIGIBANK_TOKEN` overrides the keychain for
scripts and headless servers.

The database key (SQLCipher) is 32 random bytes made at first start and kept in
the keychain, one per data folder. Where no trustworthy keychain exists, a
passphrase chosen by the user is the key: asked at start by the window or on a
terminal, or given in `DIGIBANK_PASSPHRASE` (scripts, tests). There is never a
silent fallback to a key in a file or to no encryption.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.errors import UserError
from app.i18n import _

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger(__name__)

SERVICE = "digibank-balie"
ENV_TOKEN = "DIGIBANK_TOKEN"
ENV_PASSPHRASE = "DIGIBANK_PASSPHRASE"
MIN_PASSPHRASE = 8
# Module prefixes of backends that keep secrets in a real OS keychain.
TRUSTED_MODULES: tuple[str, ...] = (
    "keyring.backends.Windows",
    "keyring.backends.macOS",
    "keyring.backends.SecretService",
    "keyring.backends.kwallet",
    "keyring.backends.libsecret",
)


def _password_delete_error() -> type[Exception]:
    import keyring.errors

    return keyring.errors.PasswordDeleteError


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
        # keyring is imported when a keychain is first asked (a script with DIGIBANK_PASSPHRASE
        # never needs it; issue 13: start-up).
        import keyring
        from keyring.backends import chainer

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
        except _password_delete_error():
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
                    "Deze computer is nog niet aangemeld bij {url}: meld aan in het tabblad Synchronisatie."
                ).format(url=server_url),
                code="not-logged-in",
                command=f"digibank login --server {server_url}",
            )
        return token


# --- The database key -------------------------------------------------------------------

# ask(new) → the passphrase the person typed; `new` means "choose one" (ask twice).
# It raises UserError when the person cancels. None: nobody can be asked (no terminal).
AskPassphrase = Callable[[bool], str]


def _key_account(db_path: Path) -> str:
    return "database-key@" + str(Path(db_path).resolve())


def raw_key(hex_key: str) -> str:
    """SQLCipher's raw-key form: no PBKDF2 per connection (the key is random already)."""
    return f"x'{hex_key}'"


def check_new_passphrase(passphrase: str) -> str:
    if len(passphrase) < MIN_PASSPHRASE:
        raise UserError(
            _("Kies een wachtwoord van minstens {n} tekens voor de database.").format(n=MIN_PASSPHRASE),
            code="passphrase-too-short",
        )
    return passphrase


def no_database_key() -> UserError:
    return UserError(
        _(
            "De database is versleuteld, maar er is geen veilige sleutelhanger en geen wachtwoord: "
            "start het programma in een terminal of geef het wachtwoord mee via DIGIBANK_PASSPHRASE."
        ),
        code="no-database-key",
    )


def wrong_database_key() -> UserError:
    return UserError(
        _("Het wachtwoord van de database klopt niet (of de sleutel hoort bij een andere database)."),
        code="wrong-database-key",
    )


def terminal_passphrase(new: bool, prompt: str = "") -> str:
    """The command line's question on a terminal (getpass: nothing is echoed)."""
    import getpass

    if not prompt:
        prompt = _("Kies een wachtwoord voor de database: ") if new else _("Wachtwoord van de database: ")
    try:
        first = getpass.getpass(prompt)
        if new and getpass.getpass(_("Nog eens, ter controle: ")) != first:
            raise UserError(_("De twee wachtwoorden zijn niet gelijk."), code="passphrase-mismatch")
    except EOFError:
        raise no_database_key() from None
    return first


ENV_BACKUP_PASSPHRASE = "DIGIBANK_BACKUP_PASSPHRASE"


def backup_passphrase(new: bool) -> str:
    """A backup's own passphrase: DIGIBANK_BACKUP_PASSPHRASE, else asked on a terminal."""
    import sys

    env = os.environ.get(ENV_BACKUP_PASSPHRASE)
    if env:
        return check_new_passphrase(env) if new else env
    if not sys.stdin.isatty():
        raise UserError(
            _("Geef het wachtwoord van de back-up via DIGIBANK_BACKUP_PASSPHRASE of start in een terminal."),
            code="no-backup-passphrase",
        )
    prompt = _("Kies een wachtwoord voor de back-up: ") if new else _("Wachtwoord van de back-up: ")
    typed = terminal_passphrase(new, prompt)
    return check_new_passphrase(typed) if new else typed


class DatabaseKeys:
    """Finds (or, for a new or still unencrypted database, makes) the key of one data folder."""

    def __init__(self, backend: KeyringBackend | None = None) -> None:
        self._store = CredentialStore(backend)
        self.source = ""  # "env", "keychain" or "asked": where the last key came from

    def _keychain_or_none(self) -> KeyringBackend | None:
        try:
            return self._store._keychain()
        except UserError:
            return None

    def keychain_name(self) -> str | None:
        """The trusted keychain's backend (`digibank selftest`), or None: a passphrase then."""
        keychain = self._keychain_or_none()
        return None if keychain is None else f"{type(keychain).__module__}.{type(keychain).__name__}"

    def has_stored_key(self, db_path: Path) -> bool:
        keychain = self._keychain_or_none()
        try:
            return keychain is not None and bool(keychain.get_password(SERVICE, _key_account(db_path)))
        except Exception:  # a locked keychain: the key is not available now
            return False

    def key_for(self, db_path: Path, *, exists_encrypted: bool, ask: AskPassphrase | None) -> str:
        """The SQLCipher key for `db_path`. `exists_encrypted`: an encrypted file is there."""
        env = os.environ.get(ENV_PASSPHRASE)
        if env:
            self.source = "env"
            return env if exists_encrypted else check_new_passphrase(env)
        keychain = self._keychain_or_none()
        if keychain is not None:
            try:
                stored = keychain.get_password(SERVICE, _key_account(db_path))
                if stored:
                    self.source = "keychain"
                    return raw_key(stored)
                if not exists_encrypted:
                    return self._new_key(keychain, db_path)
            except Exception as exc:  # locked keychain, D-Bus gone: ask rather than fail silently
                log.warning("keyring unusable for the database key: %s", type(exc).__name__)
        # An encrypted database whose key is not in a keychain was made with a passphrase.
        if ask is None:
            raise no_database_key()
        self.source = "asked"
        passphrase = ask(not exists_encrypted)
        return passphrase if exists_encrypted else check_new_passphrase(passphrase)

    def _new_key(self, keychain: KeyringBackend, db_path: Path) -> str:
        import secrets

        hex_key = secrets.token_hex(32)
        keychain.set_password(SERVICE, _key_account(db_path), hex_key)
        # Only use a key that can be read back: a key that is lost makes the data unreadable.
        if keychain.get_password(SERVICE, _key_account(db_path)) != hex_key:
            raise RuntimeError("keychain did not keep the database key")
        log.info("new database key stored in the keychain")
        self.source = "keychain"
        return raw_key(hex_key)
