"""``GET /healthz``: 200 when the database answers, 503 otherwise."""

from __future__ import annotations

import logging
import time

from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import JSONResponse

log = logging.getLogger(__name__)


async def healthz(request: Request) -> JSONResponse:
    runtime = request.app.state.runtime
    started = time.perf_counter()
    try:
        async with runtime.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001  (any database failure means "not healthy")
        log.warning("health check failed", extra={"error": repr(exc)})
        return JSONResponse({"status": "error", "database": "unreachable"}, status_code=503)
    elapsed_ms = round((time.perf_counter() - started) * 1000, 2)
    return JSONResponse({"status": "ok", "database": "ok", "database_ms": elapsed_ms})
