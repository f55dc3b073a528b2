"""The route table: every URL the instance answers, in one place."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from echofed.health import healthz
from echofed.metrics import metrics
from federation import wellknown
from federation.routes import federation_routes
from web.pages.actors import profile
from web.pages.home import home
from web.templating import STATIC_DIR


def routes() -> list[BaseRoute]:
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
        Route("/", home, methods=["GET"], name="home"),
        Route("/.well-known/webfinger", wellknown.webfinger, methods=["GET"], name="webfinger"),
        Route("/.well-known/host-meta", wellknown.host_meta, methods=["GET"], name="host_meta"),
        Route("/.well-known/host-meta.json", wellknown.host_meta_json, methods=["GET"]),
        Route("/.well-known/nodeinfo", wellknown.nodeinfo, methods=["GET"], name="nodeinfo"),
        Route("/nodeinfo/2.0", wellknown.nodeinfo_2_0, methods=["GET"], name="nodeinfo_2_0"),
        Route("/nodeinfo/2.1", wellknown.nodeinfo_2_1, methods=["GET"], name="nodeinfo_2_1"),
        *federation_routes(),
        Route("/@{username}", profile, methods=["GET"], name="profile"),
        Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]
