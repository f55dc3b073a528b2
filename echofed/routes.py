"""The route table: every URL the instance answers, in one place."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from echofed.health import healthz
from web.pages.home import home
from web.templating import STATIC_DIR


def routes() -> list[BaseRoute]:
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/", home, methods=["GET"], name="home"),
        Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]
