"""Lists of publications: ``/articles`` (articles and resources, by kind and tag) and
``/offres`` (job offers and calls, open ones unless asked otherwise). Every filter is in the
URL, so a filtered list can be bookmarked and shared."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from storage.columns import utcnow
from storage.queries.pages import OFFER_KINDS, PUBLICATION_KINDS, offers, publications
from web.pages.objects import display_helpers
from web.state import page_context, sessions_of, templates_of

PAGE_SIZE = 20
MAX_PAGE = 500


def _page(request: Request) -> int:
    try:
        return max(1, min(int(request.query_params.get("page", "1")), MAX_PAGE))
    except ValueError:
        return 1


def _kinds(request: Request, allowed: tuple[str, ...]) -> tuple[str, tuple[str, ...]]:
    kind = request.query_params.get("type", "")
    return (kind, (kind,)) if kind in allowed else ("", allowed)


async def articles(request: Request) -> Response:
    kind, kinds = _kinds(request, PUBLICATION_KINDS)
    tag = request.query_params.get("tag", "").strip().lstrip("#").lower()[:60]
    page = _page(request)
    async with sessions_of(request)() as session:
        rows = await publications(
            session, kinds=kinds, tag=tag or None, limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE
        )
        params = {key: value for key, value in (("type", kind), ("tag", tag)) if value}
        context = await page_context(
            request, session,
            items=rows[:PAGE_SIZE], has_more=len(rows) > PAGE_SIZE, page=page,
            kind=kind, tag=tag, params=params, **display_helpers(),
        )
    return templates_of(request).TemplateResponse(request, "pages/articles.html", context)


async def job_offers(request: Request) -> Response:
    kind, kinds = _kinds(request, OFFER_KINDS)
    include_closed = request.query_params.get("closes") == "1"
    page = _page(request)
    async with sessions_of(request)() as session:
        rows = await offers(
            session, now=utcnow(), kinds=kinds, include_closed=include_closed,
            limit=PAGE_SIZE + 1, offset=(page - 1) * PAGE_SIZE,
        )
        params = {key: value for key, value in (("type", kind), ("closes", "1" if include_closed else "")) if value}
        context = await page_context(
            request, session,
            items=rows[:PAGE_SIZE], has_more=len(rows) > PAGE_SIZE, page=page,
            kind=kind, include_closed=include_closed, params=params,
            **display_helpers(),
        )
    return templates_of(request).TemplateResponse(request, "pages/offers.html", context)
