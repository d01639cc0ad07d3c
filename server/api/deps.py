"""Request dependencies: a session per request and the location behind the bearer token.

The tenant comes from the token alone; nothing in a request body can choose it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.i18n import _
from server.database import Database
from server.models import LocationToken, Tenant
from server.security import hash_token
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
    database: DatabaseDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Location:
    if credentials is None or not credentials.credentials or len(credentials.credentials) > 200:
        raise unauthorized()
    with database.sessions() as session:
        row = session.execute(
            select(LocationToken, Tenant)
            .join(Tenant, Tenant.id == LocationToken.tenant_id)
            .where(LocationToken.token_hash == hash_token(credentials.credentials))
        ).first()
    if row is None or row[0].revoked:
        raise unauthorized()
    token, tenant = row
    return Location(tenant.id, tenant.name, token.location_code, token.id, token.scope or "counter")


CurrentLocation = Annotated[Location, Depends(current_location)]
