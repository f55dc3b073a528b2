"""The JSON API for publications (articles, resources, job offers, calls), beside the events
of :mod:`web.api`, with the same tokens, errors and conventions.

    POST   /api/v1/posts            publish (``actor``: the publishing actor, by default the
                                    account's own person; followers receive a Create)
    GET    /api/v1/posts/{uuid}     one publication
    PATCH  /api/v1/posts/{uuid}     change some fields (followers receive an Update)
    DELETE /api/v1/posts/{uuid}     delete (followers receive a Delete)

``{uuid}`` ends the publication's URL (``/posts/{uuid}``). A PATCH merges the given fields
into the stored ones, so an absent field stays as it is and ``null`` clears it.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from echofed.errors import Invalid, NotFound
from echofed.services.outbox import schedule_recorded
from echofed.services.publishing import (
    CALL_KINDS,
    POST_KINDS,
    PlaceInput,
    PostInput,
    create_post,
    delete_post,
    publishing_actor,
    typed_summary,
    update_post,
)
from storage.queries.content import post_by_uri
from storage.tables import Account, Actor, Place, Post
from web.api_endpoint import (
    ApiError,
    endpoint,
    iso_datetime,
    publishing_username,
    read_json_body,
    string_field,
    strings_field,
)
from web.openapi import response_object, schema_ref
from web.state import region_of, runtime_of

POST_FIELDS = {
    "kind", "title", "summary", "body", "tags", "image_url", "image_alt", "contract",
    "call_kind", "deadline", "link_url", "city", "attachments",
}


async def _stored(request: Request, session: AsyncSession) -> tuple[Post, Actor, Place | None]:
    return await _stored_by_uri(session, runtime_of(request).urls.post(request.path_params["uuid"]))


async def _stored_by_uri(session: AsyncSession, uri: str) -> tuple[Post, Actor, Place | None]:
    post = await post_by_uri(session, uri)
    if post is None or not post.local:
        raise ApiError(404, "publication introuvable")
    if post.deleted_at is not None:
        raise ApiError(410, "cette publication a été supprimée")
    actor = await session.get(Actor, post.actor_id)
    assert actor is not None
    place = await session.get(Place, post.place_id) if post.place_id else None
    return post, actor, place


def post_json(request: Request, post: Post, actor: Actor, place: Place | None) -> dict[str, Any]:
    return {
        "id": post.uri.removeprefix(runtime_of(request).urls.post("")),
        "uri": post.uri, "url": post.url or post.uri, "kind": post.kind, "title": post.title,
        "summary": post.summary, "body": post.source_md or "", "content_html": post.content_html,
        "tags": list(post.tags), "image_url": post.image_url, "image_alt": post.image_alt,
        "contract": post.contract, "call_kind": post.call_kind,
        "deadline": iso_datetime(post.deadline, "UTC"), "link_url": post.link_url,
        "city": place.city if place and place.city else None,
        "attachments": [a["url"] for a in post.attachments if a.get("url")],
        "actor": actor.username,
        "published_at": iso_datetime(post.published_at, "UTC"),
        "updated_at": iso_datetime(post.updated_at, "UTC"),
    }


def _post_body(post: Post, place: Place | None) -> dict[str, Any]:
    """A stored publication in the input format, for PATCH to merge changes into (the summary
    only when its author typed one, so a new text brings a new drawn summary)."""
    return {
        "kind": post.kind, "title": post.title, "summary": typed_summary(post),
        "body": post.source_md or "", "tags": list(post.tags), "image_url": post.image_url,
        "image_alt": post.image_alt, "contract": post.contract, "call_kind": post.call_kind,
        "deadline": post.deadline, "link_url": post.link_url,
        "city": place.city if place and place.city else None,
        "attachments": [a["url"] for a in post.attachments if a.get("url")],
    }


def _deadline(value: Any, zone: ZoneInfo) -> datetime | None:
    """A date (the end of that day in the region) or an ISO 8601 date-time."""
    if value is None or isinstance(value, datetime):
        return value
    if not isinstance(value, str):
        raise Invalid("deadline", "date AAAA-MM-JJ ou date-heure ISO 8601 attendue")
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(23, 59), tzinfo=zone)
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise Invalid("deadline", "date AAAA-MM-JJ ou date-heure ISO 8601 attendue") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def post_input(data: dict[str, Any], zone: ZoneInfo) -> PostInput:
    unknown = sorted(set(data) - POST_FIELDS)
    if unknown:
        raise Invalid(unknown[0], "champ inconnu")
    city = string_field(data, "city")
    return PostInput(
        kind=string_field(data, "kind", required=True) or "",
        title=string_field(data, "title", required=True) or "",
        body_md=string_field(data, "body") or "",
        summary=string_field(data, "summary") or "",
        tags=strings_field(data, "tags"),
        image_url=string_field(data, "image_url"),
        image_alt=string_field(data, "image_alt") or "",
        attachments=strings_field(data, "attachments"),
        contract=string_field(data, "contract"),
        call_kind=string_field(data, "call_kind"),
        deadline=_deadline(data.get("deadline"), zone),
        link_url=string_field(data, "link_url"),
        place=PlaceInput(city=city) if city else None,
    )


async def _create_post(request: Request, session: AsyncSession, account: Account) -> Response:
    data = await read_json_body(request)
    username = await publishing_username(session, account, data)
    zone = ZoneInfo((await region_of(session)).timezone)
    post_data = post_input({k: v for k, v in data.items() if k != "actor"}, zone)
    await session.commit()
    async with session.begin():
        try:
            actor = await publishing_actor(session, username, account)
        except NotFound as exc:
            raise Invalid("actor", exc.public_message) from None
        uri = (await create_post(session, runtime_of(request).urls, actor, post_data)).uri
    await schedule_recorded(session, request.app.state.fed.scheduler)
    post, actor, place = await _stored_by_uri(session, uri)
    return JSONResponse(
        post_json(request, post, actor, place), status_code=201, headers={"Location": post.url or uri}
    )


async def posts(request: Request) -> Response:
    return await endpoint(_create_post)(request)


async def _get_post(request: Request, session: AsyncSession, account: Account) -> Response:
    return JSONResponse(post_json(request, *await _stored(request, session)))


async def _patch_post(request: Request, session: AsyncSession, account: Account) -> Response:
    changes = await read_json_body(request)
    post, _actor, place = await _stored(request, session)
    if "actor" in changes:
        raise Invalid("actor", "l'auteur d'une publication ne change pas")
    zone = ZoneInfo((await region_of(session)).timezone)
    data = post_input({**_post_body(post, place), **changes}, zone)
    uri = post.uri
    await session.commit()
    async with session.begin():
        await update_post(session, runtime_of(request).urls, uri, data, account=account)
    await schedule_recorded(session, request.app.state.fed.scheduler)
    session.expire_all()
    return JSONResponse(post_json(request, *await _stored(request, session)))


async def _delete_post(request: Request, session: AsyncSession, account: Account) -> Response:
    post, _actor, _place = await _stored(request, session)
    uri = post.uri
    await session.commit()
    async with session.begin():
        await delete_post(session, runtime_of(request).urls, uri, account=account)
    await schedule_recorded(session, request.app.state.fed.scheduler)
    return Response(status_code=204)


async def post(request: Request) -> Response:
    handler = {"GET": _get_post, "PATCH": _patch_post, "DELETE": _delete_post}[request.method]
    return await endpoint(handler)(request)


# ---------------------------------------------------------------------------------------------
# OpenAPI (merged into web.openapi's document)

_NULLABLE_STRING = {"type": ["string", "null"]}
_INPUT: dict[str, Any] = {
    "kind": {"type": "string", "enum": [str(k) for k in POST_KINDS],
             "description": "Un article peut devenir ressource et inversement ; une offre ou un appel garde son type"},
    "title": {"type": "string", "maxLength": 300},
    "summary": {"type": "string", "description": "Tiré du texte si vide"},
    "body": {"type": "string", "description": "Markdown"},
    "tags": {"type": "array", "items": {"type": "string"}},
    "image_url": {"type": ["string", "null"], "format": "uri"},
    "image_alt": {"type": "string", "description": "Ce que montre l'image, pour qui ne la voit pas"},
    "contract": {"type": ["string", "null"], "maxLength": 60},
    "call_kind": {"type": ["string", "null"], "enum": [*CALL_KINDS, None]},
    "deadline": {"type": ["string", "null"], "description": "AAAA-MM-JJ (fin de journée) ou date-heure ISO 8601"},
    "link_url": {"type": ["string", "null"], "format": "uri"},
    "city": _NULLABLE_STRING,
    "attachments": {"type": "array", "items": {"type": "string", "format": "uri"}},
}


def openapi_paths(errors: dict[str, Any]) -> dict[str, Any]:
    return {
        "/api/v1/posts": {
            "post": {
                "operationId": "createPost",
                "summary": "Publier un article, une ressource, une offre d'emploi ou un appel",
                "requestBody": {"required": True, "content": {"application/json": {"schema": schema_ref("PostInput")}}},
                "responses": {
                    "201": response_object("Publiée (en-tête Location : sa page)", "Post"),
                    **errors,
                    "422": response_object("Champ invalide", "Error"),
                },
            },
        },
        "/api/v1/posts/{uuid}": {
            "parameters": [{
                "name": "uuid", "in": "path", "required": True, "schema": {"type": "string"},
                "description": "L'identifiant de la publication (fin de son URL /posts/{uuid})",
            }],
            "get": {
                "operationId": "getPost",
                "summary": "Une publication (article, ressource, offre d'emploi, appel)",
                "responses": {
                    "200": response_object("La publication", "Post"), "401": errors["401"],
                    "404": response_object("Inconnue ou pas d'ici", "Error"),
                    "410": response_object("Supprimée", "Error"),
                },
            },
            "patch": {
                "operationId": "updatePost",
                "summary": "Modifier certains champs (les autres restent ; null efface)",
                "requestBody": {"required": True, "content": {"application/json": {"schema": schema_ref("PostPatch")}}},
                "responses": {
                    "200": response_object("La publication modifiée", "Post"), **errors,
                    "404": response_object("Inconnue ou pas d'ici", "Error"),
                    "410": response_object("Supprimée", "Error"),
                    "422": response_object("Champ invalide", "Error"),
                },
            },
            "delete": {
                "operationId": "deletePost",
                "summary": "Supprimer (les abonné·es reçoivent une suppression)",
                "responses": {
                    "204": {"description": "Supprimée"}, **errors,
                    "404": response_object("Inconnue", "Error"), "410": response_object("Déjà supprimée", "Error"),
                },
            },
        },
    }


def openapi_schemas() -> dict[str, Any]:
    return {
        "PostPatch": {"type": "object", "additionalProperties": False, "properties": _INPUT},
        "PostInput": {
            "type": "object", "additionalProperties": False, "required": ["kind", "title"],
            "properties": {
                **_INPUT,
                "kind": {"type": "string", "enum": [str(k) for k in POST_KINDS]},
                "actor": {"type": "string", "description": "L'acteur qui publie (par défaut : votre personne)"},
            },
        },
        "Post": {
            "type": "object", "required": ["id", "uri", "kind", "title", "actor"],
            "properties": {
                **_INPUT,
                "id": {"type": "string"}, "uri": {"type": "string"}, "url": {"type": "string"},
                "content_html": {"type": "string"}, "actor": {"type": "string"},
                "deadline": {"type": ["string", "null"], "format": "date-time"},
                "published_at": {"type": "string", "format": "date-time"},
                "updated_at": {"type": "string", "format": "date-time"},
            },
        },
    }
