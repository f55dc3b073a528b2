"""The OpenAPI 3.1 description of the JSON API, served at ``/api/v1/openapi.json`` without a
token.

Written by hand: the event and actor paths here, the publication paths and schemas from
:mod:`web.api_posts` (``openapi_paths``, ``openapi_schemas``); tests validate the document and
check that it describes every ``/api/`` route. ``schema_ref`` and ``response_object`` build its
Reference and Response Objects.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from echofed.services.publishing import AUDIENCES, CATEGORIES
from storage.tables import EventStatus
from web.api import DEFAULT_LIMIT, MAX_LIMIT
from web.state import runtime_of


async def openapi_json(request: Request) -> Response:
    """``/api/v1/openapi.json``: the document, for this instance's base URL."""
    return JSONResponse(openapi_document(runtime_of(request).urls.base))


def schema_ref(name: str) -> dict[str, str]:
    """A Reference Object to ``#/components/schemas/{name}``."""
    return {"$ref": f"#/components/schemas/{name}"}


def response_object(description: str, schema: str | None = None) -> dict[str, Any]:
    """A Response Object, with a JSON body of the named schema if given."""
    answer: dict[str, Any] = {"description": description}
    if schema is not None:
        answer["content"] = {"application/json": {"schema": schema_ref(schema)}}
    return answer


_ERRORS = {
    "401": response_object("Jeton manquant, invalide ou révoqué", "Error"),
    "403": response_object("Le compte ne peut pas publier pour cet acteur", "Error"),
}
_NULLABLE_STRING = {"type": ["string", "null"]}
_PLACE_PROPERTIES: dict[str, Any] = {
    "name": {"type": "string"}, "street": {"type": "string"}, "postcode": {"type": "string"},
    "city": {"type": "string"}, "region": {"type": "string"},
    "country": {"type": "string", "description": "Code pays, FR par défaut"},
    "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
    "lon": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
}
_INPUT_PROPERTIES: dict[str, Any] = {
    "actor": {"type": "string", "description": "Identifiant de l'acteur local (personne ou organisation) ; par défaut, le profil du compte"},
    "title": {"type": "string", "maxLength": 300},
    "start": {"type": "string", "description": "ISO 8601 ; sans décalage, heure du fuseau de l'événement", "examples": ["2031-08-09T21:00"]},
    "end": _NULLABLE_STRING,
    "timezone": {"type": ["string", "null"], "description": "Nom IANA ; celui de la région par défaut", "examples": ["Europe/Paris"]},
    "all_day": {"type": "boolean"},
    "description": {"type": "string", "description": "Markdown"},
    "place": {"oneOf": [schema_ref("PlaceInput"), {"type": "null"}]},
    "online_url": {"type": ["string", "null"], "format": "uri"},
    "category": {"type": ["string", "null"], "enum": [*CATEGORIES, None]},
    "tags": {"type": "array", "items": {"type": "string"}},
    "audience": {"type": "array", "items": {"type": "string", "enum": list(AUDIENCES)}},
    "price": _NULLABLE_STRING,
    "accessibility": {"type": "string"},
    "image_url": {"type": ["string", "null"], "format": "uri"},
    "image_alt": {"type": "string"},
    "capacity": {"type": ["integer", "null"], "minimum": 1},
    "join_mode": {"type": "string", "enum": ["free", "restricted", "external"]},
    "registration_url": {"type": ["string", "null"], "format": "uri"},
}
_STATUS = {"type": "string", "enum": [s.value for s in EventStatus]}


def openapi_document(base_url: str) -> dict[str, Any]:
    from web import api_posts  # it builds on this module, hence imported here

    uuid_parameter = {
        "name": "uuid", "in": "path", "required": True, "schema": {"type": "string"},
        "description": "L'identifiant de l'événement (fin de son URL /events/{uuid})",
    }
    json_body = lambda schema: {
        "required": True, "content": {"application/json": {"schema": schema_ref(schema)}},
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "echofed API",
            "version": "1.0.0",
            "summary": "Publier et lire les événements d'une instance régionale echofed",
            "description": (
                "Les jetons se créent sur la page /compte et s'envoient dans l'en-tête "
                "`Authorization: Bearer …`. Les erreurs sont des objets `Error` ; une entrée "
                "invalide (422) nomme le champ fautif dans `field`."
            ),
        },
        "servers": [{"url": base_url}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/api/v1/events": {
                "get": {
                    "operationId": "listEvents",
                    "summary": "Événements à venir (ou en cours), les plus proches d'abord",
                    "parameters": [
                        {"name": "category", "in": "query", "schema": {"type": "string", "enum": list(CATEGORIES)}},
                        {"name": "city", "in": "query", "schema": {"type": "string"}},
                        {"name": "from", "in": "query", "description": "AAAA-MM-JJ ou date-heure ISO 8601 (par défaut : maintenant)", "schema": {"type": "string"}},
                        {"name": "to", "in": "query", "description": "AAAA-MM-JJ (inclus) ou date-heure ISO 8601", "schema": {"type": "string"}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}},
                        {"name": "cursor", "in": "query", "description": "Reprise après la page précédente (voir `next`)", "schema": {"type": "string"}},
                    ],
                    "responses": {
                        "200": response_object("Une page d'événements", "EventPage"),
                        "401": _ERRORS["401"],
                        "422": response_object("Filtre invalide", "Error"),
                    },
                },
                "post": {
                    "operationId": "createEvent",
                    "summary": "Publier un événement (fédéré aux abonné·es)",
                    "requestBody": json_body("EventInput"),
                    "responses": {
                        "201": {**response_object("Créé", "Event"), "headers": {"Location": {"schema": {"type": "string"}}}},
                        "400": response_object("JSON illisible", "Error"),
                        **_ERRORS,
                        "413": response_object("Corps trop volumineux", "Error"),
                        "415": response_object("Corps non JSON", "Error"),
                        "422": response_object("Champ invalide", "Error"),
                    },
                },
            },
            "/api/v1/events/{uuid}": {
                "parameters": [uuid_parameter],
                "get": {
                    "operationId": "getEvent",
                    "summary": "Un événement",
                    "responses": {
                        "200": response_object("L'événement", "Event"),
                        "401": _ERRORS["401"],
                        "404": response_object("Inconnu", "Error"),
                        "410": response_object("Supprimé", "Error"),
                    },
                },
                "patch": {
                    "operationId": "updateEvent",
                    "summary": "Modifier certains champs (les autres restent), ou l'état",
                    "requestBody": json_body("EventPatch"),
                    "responses": {
                        "200": response_object("L'événement modifié", "Event"),
                        **_ERRORS,
                        "404": response_object("Inconnu ou pas d'ici", "Error"),
                        "410": response_object("Supprimé", "Error"),
                        "422": response_object("Champ invalide", "Error"),
                    },
                },
                "delete": {
                    "operationId": "deleteEvent",
                    "summary": "Supprimer (les abonné·es reçoivent une suppression)",
                    "responses": {
                        "204": {"description": "Supprimé"},
                        **_ERRORS,
                        "404": response_object("Inconnu", "Error"),
                        "410": response_object("Déjà supprimé", "Error"),
                    },
                },
            },
            **api_posts.openapi_paths(_ERRORS),
            "/api/v1/actors/{username}": {
                "get": {
                    "operationId": "getActor",
                    "summary": "Un acteur local (personne, organisation, groupe)",
                    "parameters": [{"name": "username", "in": "path", "required": True, "schema": {"type": "string"}}],
                    "responses": {
                        "200": response_object("L'acteur", "Actor"),
                        "401": _ERRORS["401"],
                        "404": response_object("Inconnu", "Error"),
                    },
                },
            },
            "/api/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "Ce document",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1", "content": {"application/json": {"schema": {"type": "object"}}}}},
                },
            },
        },
        "components": {
            "securitySchemes": {
                "bearerAuth": {"type": "http", "scheme": "bearer", "description": "Jeton créé sur /compte"},
            },
            "schemas": {
                "Error": {
                    "type": "object", "required": ["error"],
                    "properties": {
                        "error": {"type": "string", "description": "Message lisible"},
                        "field": {"type": "string", "description": "Le champ fautif (422)"},
                    },
                },
                "PlaceInput": {"type": "object", "additionalProperties": False, "properties": {
                    **_PLACE_PROPERTIES,
                    "address": {"type": "string", "description": "Synonyme de street"},
                    "latitude": {"type": "number"}, "longitude": {"type": "number"},
                }},
                "Place": {"type": "object", "properties": _PLACE_PROPERTIES},
                "EventInput": {
                    "type": "object", "additionalProperties": False, "required": ["title", "start"],
                    "properties": _INPUT_PROPERTIES,
                },
                "EventPatch": {
                    "type": "object", "additionalProperties": False,
                    "properties": {
                        **{k: v for k, v in _INPUT_PROPERTIES.items() if k != "actor"},
                        "status": _STATUS,
                    },
                },
                "Organizer": {"type": "object", "properties": {
                    "username": {"type": "string"}, "domain": {"type": "string"},
                    "name": {"type": "string"}, "uri": {"type": "string"},
                    "url": {"type": "string"}, "handle": {"type": "string"},
                }},
                "Event": {
                    "type": "object",
                    "required": ["uri", "title", "start", "timezone", "status", "organizer"],
                    "properties": {
                        "id": {"type": ["string", "null"], "description": "Pour /api/v1/events/{uuid} (événements locaux)"},
                        "uri": {"type": "string"}, "url": {"type": "string"},
                        "local": {"type": "boolean"}, "status": _STATUS,
                        **{k: v for k, v in _INPUT_PROPERTIES.items() if k not in ("actor", "place")},
                        "actor": _NULLABLE_STRING,
                        "place": {"oneOf": [schema_ref("Place"), {"type": "null"}]},
                        "content_html": {"type": "string"},
                        "is_free": {"type": "boolean"},
                        "organizer": schema_ref("Organizer"),
                        "published_at": {"type": "string", "format": "date-time"},
                        "updated_at": {"type": "string", "format": "date-time"},
                    },
                },
                "EventPage": {
                    "type": "object", "required": ["items", "next"],
                    "properties": {
                        "items": {"type": "array", "items": schema_ref("Event")},
                        "next": {"type": ["string", "null"], "description": "URL de la page suivante"},
                    },
                },
                **api_posts.openapi_schemas(),
                "Actor": {
                    "type": "object",
                    "properties": {
                        "username": {"type": "string"}, "handle": {"type": "string"},
                        "kind": {"type": "string", "enum": ["Person", "Organization", "Group"]},
                        "name": {"type": "string"}, "summary_html": {"type": "string"},
                        "uri": {"type": "string"}, "url": {"type": "string"},
                        "city": _NULLABLE_STRING, "website": _NULLABLE_STRING,
                        "icon_url": _NULLABLE_STRING, "followers_url": _NULLABLE_STRING,
                        "may_publish": {"type": "boolean", "description": "Ce jeton peut publier pour cet acteur"},
                    },
                },
            },
        },
    }
