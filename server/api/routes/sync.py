"""Sync endpoints: handshake, push, pull. Plain `def`: they run in the thread pool."""

from __future__ import annotations

import time

from fastapi import APIRouter, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.sync.protocol import (
    PROTOCOL_VERSION,
    SCHEMA_VERSION,
    HandshakeAnswer,
    HandshakeRequest,
    PullRequest,
    PushAnswer,
    PushRequest,
)
from server import store
from server.api.deps import CurrentLocation, DatabaseDep, SessionDep, SettingsDep
from server.models import MergedRecord, Tenant

router = APIRouter(prefix="/sync", tags=["sync"])


@router.post("/handshake", response_model=HandshakeAnswer)
def handshake(
    request: HandshakeRequest, location: CurrentLocation, session: SessionDep, settings: SettingsDep
) -> HandshakeAnswer:
    head = session.get(Tenant, location.tenant_id)
    return HandshakeAnswer(
        protocol=PROTOCOL_VERSION,
        schema_version=SCHEMA_VERSION,
        server_time_ms=int(time.time() * 1000),
        tenant=location.tenant_name,
        location_code=location.location_code,
        head=head.last_seq if head else 0,
        known_location_id=_known_location_id(session, location.tenant_id, location.location_code),
        server_id=head.server_id if head else "",
        max_clock_ahead_ms=settings.max_clock_ahead_s * 1000,
        skew_warning_ms=settings.skew_warning_s * 1000,
        token_scope=location.scope,
    )


def _known_location_id(session: Session, tenant_id: int, code: str) -> str:
    """The tenant's merged `location` record with this code (the first created, if a
    mix-up made two): a counter set up anew under it is stopped before data moves."""
    rows = session.execute(
        select(MergedRecord.row_id, MergedRecord.fields).where(
            MergedRecord.tenant_id == tenant_id, MergedRecord.table_name == "location"
        )
    ).all()
    known = [
        (str(fields.get("created_at") or ""), row_id)
        for row_id, fields in rows
        if fields.get("code") == code and not fields.get("deleted")
    ]
    return min(known)[1] if known else ""


@router.post("/push", response_model=PushAnswer)
def push(
    request: PushRequest,
    location: CurrentLocation,
    session: SessionDep,
    database: DatabaseDep,
    settings: SettingsDep,
) -> PushAnswer:
    with database.serialised(), session.begin():
        return store.apply_push(
            session, location.tenant_id, request, settings.max_clock_ahead_s * 1000, scope=location.scope
        )


@router.post("/pull", response_class=Response)
def pull(
    request: PullRequest, location: CurrentLocation, session: SessionDep, database: DatabaseDep
) -> Response:
    """Answer: a `PullAnswer` (written out directly, see store.read_page)."""
    with session.begin(), database.snapshot(session):
        body = store.read_page(session, location.tenant_id, request)
    return Response(content=body, media_type="application/json")
