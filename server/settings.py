"""Server settings (environment variables DIGIBANK_*, or the command line)."""

from __future__ import annotations

from pathlib import Path

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServerSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIGIBANK_", extra="ignore")

    # sqlite:///path for a small digibank on one PC; postgresql+psycopg://... in production.
    server_db: str = "sqlite:///digibank-server.db"
    # A file holding the database URL (DIGIBANK_SERVER_DB_FILE, e.g. a secret mounted by
    # systemd or Docker): a password in it never shows in `ps` or the shell history.
    # DIGIBANK_SERVER_DB or --db, when given, take precedence.
    server_db_file: str = ""
    # Stamps further ahead of the server's own clock than this are refused per change
    # ("clock-ahead") and stay in the client's outbox: a wrong client clock must not
    # win every merge for years nor drag every other replica's clock with it.
    max_clock_ahead_s: int = 7 * 86400
    # Differences larger than this between client and server time are reported.
    skew_warning_s: int = 300
    # Request bodies above this many bytes are refused (413) before they are read or
    # parsed; a full push batch of ordinary records is far below it.
    max_body_bytes: int = 8 * 1024 * 1024
    # Failed authentications per client address (and per token prefix) in a minute before
    # further attempts are answered 429 with Retry-After.
    auth_failures_per_minute: int = 10

    @model_validator(mode="after")
    def _url_from_file(self) -> ServerSettings:
        if self.server_db_file and "server_db" not in self.model_fields_set:
            self.server_db = Path(self.server_db_file).expanduser().read_text(encoding="utf-8").strip()
        return self


def has_password(url: str) -> bool:
    """Whether a database URL carries a password (shown in `ps` when given as an argument)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).password is not None
    except (ArgumentError, ValueError):
        return False
