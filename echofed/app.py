"""The application factory (``uvicorn --factory echofed.app:create_app``)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response

from echofed.errors import EchofedError
from echofed.jobs import EmbeddedRunner, open_arq_scheduler
from echofed.logs import configure_logging
from echofed.routes import routes
from echofed.runtime import federation_for, open_runtime
from echofed.settings import Settings, load_settings
from federation.routes import InboxShortcut
from web.i18n import LocaleMiddleware
from web.templating import make_templates

log = logging.getLogger(__name__)
JSON_TYPES = ("application/json", "application/activity+json", "application/ld+json")


def _wants_json(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return request.url.path.startswith(("/api/", "/.well-known/")) or any(
        t in accept for t in JSON_TYPES
    )


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return JSONResponse({"error": message}, status_code=status)
    body = (
        f'<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>{status}</title>'
        f"</head><body><main><h1>Erreur {status}</h1><p>{_escape(message)}</p>"
        '<p><a href="/">Retour à l\'accueil</a></p></main></body></html>'
    )
    return HTMLResponse(body, status_code=status)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    return _error(request, exc.status_code, exc.detail or "")


async def _domain_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, EchofedError)
    return _error(request, exc.status_code, exc.public_message)


async def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", extra={"path": request.url.path})
    return _error(request, 500, "erreur interne")


@asynccontextmanager
async def _scheduler(settings: Settings) -> AsyncIterator[tuple[Any, EmbeddedRunner | None]]:
    if settings.runs_embedded_worker or settings.redis_url is None:
        runner = EmbeddedRunner(
            concurrency=settings.worker_concurrency, sweep_seconds=settings.sweep_seconds
        )
        yield runner, runner
        return
    scheduler = await open_arq_scheduler(settings.redis_url)
    try:
        yield scheduler, None
    finally:
        await scheduler.close()


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()
    configure_logging(settings.log_level, settings.log_format)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        async with open_runtime(settings) as runtime:
            app.state.runtime = runtime
            async with _scheduler(settings) as (scheduler, runner), federation_for(runtime, scheduler) as fed:
                app.state.fed = fed
                if runner is not None:
                    runner.start(fed)
                log.info(
                    "echofed ready",
                    extra={"base_url": runtime.urls.base, "embedded_worker": runner is not None},
                )
                try:
                    yield
                finally:
                    if runner is not None:
                        await runner.stop()

    https = (settings.base_url or "").startswith("https://")
    if https and settings.insecure_secret:
        log.warning("ECHOFED_SECRET_KEY is the development default: set a secret in production")
    app = Starlette(
        routes=routes(),
        lifespan=lifespan,
        middleware=[
            Middleware(InboxShortcut),
            Middleware(LocaleMiddleware),
            Middleware(
                SessionMiddleware, secret_key=settings.secret_key, session_cookie="echofed_session",
                same_site="lax", https_only=https, max_age=30 * 86400,
            ),
        ],
        exception_handlers={
            HTTPException: _http_error,
            EchofedError: _domain_error,
            Exception: _unexpected,
        },
    )
    app.state.settings = settings
    app.state.templates = make_templates()
    return app
