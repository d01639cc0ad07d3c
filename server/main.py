"""The server's app factory."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.i18n import _
from server.api.routes import sync
from server.database import Database
from server.guard import SyncGuard
from server.settings import ServerSettings

log = logging.getLogger(__name__)


def _error(status: int, code: str, message: str, **extra: Any) -> JSONResponse:
    return JSONResponse(status_code=status, content={"code": code, "message": message, **extra})


def create_app(settings: ServerSettings | None = None, migrate: bool = True) -> FastAPI:
    settings = settings or ServerSettings()
    database = Database(settings.server_db)
    if migrate:
        database.migrate()
    app = FastAPI(title="Digibank sync server", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.settings = settings
    app.state.database = database

    # Version, size and token before the body is read or parsed (server/guard.py).
    app.add_middleware(SyncGuard, database=database, settings=settings)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        reasons = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "problem": e.get("msg", "")}
            for e in exc.errors()[:20]
        ]
        return _error(422, "invalid-request", _("Het verzoek is ongeldig."), reasons=reasons)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        detail = exc.detail if isinstance(exc.detail, dict) else {"code": "http", "message": str(exc.detail)}
        return JSONResponse(status_code=exc.status_code, content=detail, headers=exc.headers)

    @app.get("/health")
    def health() -> dict[str, bool]:
        return {"ok": True}

    app.include_router(sync.router)
    return app
