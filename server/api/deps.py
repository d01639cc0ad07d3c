"""Request dependencies: a session per request and the location behind the bearer token.

The tenant comes from the token alone; nothing in a request body can choose it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from app.i18n import _
from server.database import Database
from server.settings import ServerSettings

_bearer = HTTPBearer(auto_error=False)


def get_database(request: Request) -> Database:
    return request.app.state.database


def get_settings(request: Request) -> ServerSettings:
    return request.app.state.settings


def get_session(database: Annotated[Database, Depends(get_database)]) -> Iterator[Session]:
    with database.sessions() as session:
        yield session


DatabaseDep = Annotated[Database, Depends(get_database)]
SettingsDep = Annotated[ServerSettings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


@dataclass(frozen=True)
class Location:
    tenant_id: int
    tenant_name: str
    location_code: str
    token_id: int
    scope: str = "counter"


def unauthorized() -> HTTPException:
    return HTTPException(
        status_code=401,
        detail={
            "code": "unauthorized",
            "message": _("Deze sleutel wordt niet (meer) aanvaard door de server."),
        },
        headers={"WWW-Authenticate": "Bearer"},
    )


def current_location(
    request: Request,
    database: DatabaseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Location:
    # server/guard.py checked the token before the body was read; this is the same check
    # for an app mounted without the guard.
    checked = getattr(request.state, "location", None)
    if isinstance(checked, Location):
        return checked
    from server.guard import lookup_token

    location = lookup_token(database, credentials.credentials if credentials else None)
    if location is None:
        raise unauthorized()
    return location


CurrentLocation = Annotated[Location, Depends(current_location)]
