"""A location the server already knows: the handshake check before any data moves.

The server answers the handshake with the id of its `location` record that carries
the token's code (`known_location_id`). A counter whose own location has that code
but another id was set up as a NEW location while the location already exists (a
replacement PC that ran a fresh `init`): pushing would give the tenant two KRT
locations and pulling would clash on the code, so the round stops here, with what to do.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session, sessionmaker

from app.credentials import CredentialStore
from app.i18n import _
from app.sync.protocol import HandshakeAnswer
from app.sync.transport import Offline, SyncError, Unauthorized
from db.changes import write_state

log = logging.getLogger(__name__)

# The location code of the token at the last handshake: `init --join` takes over
# only the location whose token this PC synced with.
TOKEN_CODE_KEY = "sync_token_location_code"


class LocationTaken(SyncError):
    def __init__(self, code: str) -> None:
        super().__init__(
            _(
                "Deze locatiecode {code} bestaat al op de server: deze pc vervangt een bestaande "
                "locatie? Kies dan 'Deze pc vervangt een bestaande locatie' bij de eerste start."
            ).format(code=code),
            code="location-taken",
            command=f"digibank init --join {code}",
        )


def check_handshake(
    sessions: sessionmaker[Session], answer: HandshakeAnswer, location_id: str, local_code: str
) -> None:
    """Remember the token's code; stop the round if this PC duplicates a known location."""
    with sessions() as s, s.begin():
        write_state(s, TOKEN_CODE_KEY, answer.location_code)
    known = answer.known_location_id
    if location_id and known and local_code == answer.location_code and known != location_id:
        log.warning("location %s is %s on the server, %s here: round stopped", local_code, known, location_id)
        raise LocationTaken(local_code)


def first_login(
    sessions: sessionmaker[Session], url: str, token: str, store: CredentialStore | None = None
) -> HandshakeAnswer:
    """`login` for the first start, with what to do in the words of that moment: there
    is nothing waiting yet, and 'digibank login' means nothing to someone in the window."""
    from app.sync.account import clean_url, login  # account → service → this module

    try:
        return login(sessions, url, token, store)
    except Unauthorized as exc:
        raise SyncError(
            _(
                "De server kent deze sleutel niet (fout getypt of ingetrokken): vraag de beheerder "
                "de sleutel van de locatie die deze pc vervangt."
            ),
            code=exc.code,
        ) from exc
    except Offline as exc:
        raise SyncError(
            _(
                "De server {url} is niet bereikbaar: kijk het adres en de netwerkverbinding na "
                "en probeer opnieuw."
            ).format(url=clean_url(url)),
            code=exc.code,
        ) from exc
