"""ActivityPub endpoints: actor documents, collections, inboxes, authorized fetch.

The same URLs serve HTML to browsers: without an ActivityStreams Accept header an actor URL
redirects to its profile page.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from federation import signatures
from federation.actors import ActorUnavailable, actor_for_key
from federation.batching import Batcher, shared
from federation.cache import Rendered
from federation.context import Federation
from federation.documents import actor_document
from federation.inbox.receive import block_domains, fetched_lately, receive, verifies
from federation.vocab.collections import collection_to_json, page_to_json
from federation.vocab.jsonld import AS_CONTENT_TYPE, is_activity_json
from storage.queries.actors import actor_by_uri, local_actor
from storage.queries.federation import count_outbox, outbox_page
from storage.queries.inbox import SignerContext, signer_contexts
from storage.queries.moderation import instance_blocks
from storage.queries.social import count_followers, count_following, followers_page, following_page
from storage.tables import Actor

PAGE_SIZE = 40


def fed_of(request: Request) -> Federation:
    fed: Federation = request.app.state.fed
    return fed


def wants_activity_json(request: Request) -> bool:
    return is_activity_json(request.headers.get("accept", ""))


AS_HEADERS = {"Vary": "Accept, Signature", "Cache-Control": "max-age=60"}


def activity_json(document: dict[str, Any], status: int = 200) -> Response:
    return rendered_activity(document, status).response()


def rendered_activity(document: dict[str, Any], status: int = 200, html_url: str | None = None) -> Rendered:
    return Rendered.of_json(
        document, AS_CONTENT_TYPE.split(";")[0], headers=AS_HEADERS, status=status, html_url=html_url
    )


async def require_signed_fetch(request: Request) -> Response | None:
    """In authorized-fetch mode, an unsigned or badly signed GET gets 401, a blocked one 403."""
    fed = fed_of(request)
    if not fed.config.authorized_fetch:
        return None
    raw = request.scope.get("raw_path") or request.url.path.encode()
    target = raw.decode("latin-1") + (f"?{request.url.query}" if request.url.query else "")
    try:
        parsed = signatures.inspect_request(
            "GET", target, dict(request.headers), None, now=fed.clock(),
            max_past=fed.config.signature_max_age, max_future=fed.config.signature_max_future,
            scheme=request.url.scheme,
        )
        domains = block_domains(parsed.key_id)
        # The common case: a stored key that verifies, nobody blocked; the signed GETs arriving
        # at the same moment are looked up together, in one statement.
        batcher = shared(fed, "signed-fetch", lambda: Batcher(
            lambda batch: _signer_batch(fed, batch), key=id, max_size=128, parallel=1,
        ))
        known: SignerContext = await batcher.submit((parsed.key_id, domains))
        if known.blocked:
            return JSONResponse({"error": "authorized fetch: blocked"}, status_code=403)
        if known.signer_key_pem and verifies(parsed, known.signer_key_pem):
            return None
        async with fed.sessions() as session:
            if await instance_blocks(session, actor_uris=[], domains=domains) is not None:
                return JSONResponse({"error": "authorized fetch: blocked"}, status_code=403)
            signer = await actor_for_key(fed, session, parsed.key_id)
            try:
                signatures.verify_signature(parsed, signer.public_key_pem or "")
            except signatures.SignatureError:
                if fetched_lately(signer.fetched_at, fed.clock()):
                    raise  # fetched a moment ago: refetching cannot help, as in the inbox
                # The key may have rotated: refetch once before refusing, as the inbox does.
                signer = await actor_for_key(fed, session, parsed.key_id, refresh=True)
                signatures.verify_signature(parsed, signer.public_key_pem or "")
            if await instance_blocks(session, actor_uris=[signer.uri], domains=[]) is not None:
                return JSONResponse({"error": "authorized fetch: blocked"}, status_code=403)
            await session.commit()
    except (signatures.SignatureError, ActorUnavailable) as exc:
        message = getattr(exc, "public_message", "signature required")
        return JSONResponse({"error": f"authorized fetch: {message}"}, status_code=401)
    return None


async def _signer_batch(fed: Federation, batch: list[tuple[str, list[str]]]) -> dict[int, SignerContext]:
    async with fed.sessions() as session:
        connection = await session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        found = await signer_contexts(connection, batch)
    return {id(question): context for question, context in zip(batch, found, strict=True)}


async def _local(request: Request) -> Actor | None:
    """The local actor named in the path, or the instance actor for ``/actor/…``."""
    fed = fed_of(request)
    async with fed.sessions() as session:
        if "username" not in request.path_params:
            return await actor_by_uri(session, fed.urls.instance_actor)
        actor = await local_actor(session, request.path_params["username"])
    if actor is None or actor.kind == "Application":
        return None
    return actor


def _not_found() -> JSONResponse:
    return JSONResponse({"error": "not found"}, status_code=404)


async def _actor_rendered(request: Request) -> Rendered | None:
    """The actor's document, from the last few seconds' renderings or the database."""
    fed = fed_of(request)
    key = ("actor", request.path_params.get("username"))
    rendered = fed.documents.get(key)
    if rendered is None:
        actor = await _local(request)
        if actor is None:
            return None
        rendered = fed.documents.put(key, rendered_activity(actor_document(actor, fed.urls), html_url=actor.url))
    return rendered


async def actor_endpoint(request: Request) -> Response:
    rendered = await _actor_rendered(request)
    if rendered is None:
        return _not_found()
    if not wants_activity_json(request):
        return RedirectResponse(rendered.html_url or "/", status_code=303, headers={"Vary": "Accept"})
    refused = await require_signed_fetch(request)
    if refused is not None:
        return refused
    return rendered.response()


async def instance_actor_endpoint(request: Request) -> Response:
    """Always public, even in authorized-fetch mode: remote servers fetch it to verify our
    own signed fetches."""
    rendered = await _actor_rendered(request)
    return _not_found() if rendered is None else rendered.response()


def _page_number(request: Request) -> int | None:
    value = request.query_params.get("page")
    if value is None:
        return None
    try:
        return max(1, int(value))
    except ValueError:
        return 1


async def _follow_collection(request: Request, *, followers: bool) -> Response:
    actor = await _local(request)
    if actor is None:
        return _not_found()
    refused = await require_signed_fetch(request)
    if refused is not None:
        return refused
    fed = fed_of(request)
    collection_id = actor.followers_url if followers else actor.following_url
    assert collection_id is not None and actor.id is not None
    page = _page_number(request)
    async with fed.sessions() as session:
        total = await (count_followers if followers else count_following)(session, actor.id)
        if page is None:
            return activity_json(collection_to_json(collection_id, total, first=f"{collection_id}?page=1"))
        after_id = _cursor(request, "after") or 0
        before_id = _cursor(request, "before")
        query = followers_page if followers else following_page
        rows = await query(session, actor.id, after_id=after_id, before_id=before_id, limit=PAGE_SIZE)
    items = [a.uri for _, a in rows]
    next_page = (
        f"{collection_id}?page={page + 1}&after={rows[-1][0].id}" if len(rows) == PAGE_SIZE else None
    )
    prev_page = None
    if page > 1:
        prev_page = f"{collection_id}?page={page - 1}"
        if rows and page > 2:
            prev_page += f"&before={rows[0][0].id}"
    return activity_json(
        page_to_json(
            str(request.url.include_query_params()), collection_id, items, total=total,
            next_page=next_page, prev_page=prev_page,
        )
    )


def _cursor(request: Request, name: str) -> int | None:
    value = request.query_params.get(name)
    return int(value) if value and value.isdigit() else None


async def followers_endpoint(request: Request) -> Response:
    return await _follow_collection(request, followers=True)


async def following_endpoint(request: Request) -> Response:
    return await _follow_collection(request, followers=False)


async def outbox_endpoint(request: Request) -> Response:
    """The outbox and its pages, kept a few seconds like the actor document (the largest
    public document we serve: 40 activities per page)."""
    fed = fed_of(request)
    key = ("outbox", request.path_params.get("username"), request.url.query)
    rendered = fed.documents.get(key)
    if rendered is not None:
        refused = await require_signed_fetch(request)
        return refused or rendered.response()
    actor = await _local(request)
    if actor is None:
        return _not_found()
    refused = await require_signed_fetch(request)
    if refused is not None:
        return refused
    rendered = await _outbox(request, actor)
    return fed.documents.put(key, rendered).response()


async def _outbox(request: Request, actor: Actor) -> Rendered:
    fed = fed_of(request)
    assert actor.outbox is not None and actor.id is not None
    page = _page_number(request)
    async with fed.sessions() as session:
        total = await count_outbox(session, actor.id)
        if page is None:
            return rendered_activity(collection_to_json(actor.outbox, total, first=f"{actor.outbox}?page=1"))
        activities = await outbox_page(
            session, actor.id, before_id=_cursor(request, "before"),
            after_id=_cursor(request, "after"), limit=PAGE_SIZE,
        )
    items = [{k: v for k, v in a.payload.items() if k != "@context"} for a in activities]
    next_page = (
        f"{actor.outbox}?page={page + 1}&before={activities[-1].id}"
        if len(activities) == PAGE_SIZE else None
    )
    prev_page = None
    if page > 1:
        prev_page = f"{actor.outbox}?page={page - 1}"
        if activities and page > 2:
            prev_page += f"&after={activities[0].id}"
    return rendered_activity(
        page_to_json(
            str(request.url.include_query_params()), actor.outbox, items, total=total,
            next_page=next_page, prev_page=prev_page,
        )
    )


async def shared_inbox_endpoint(request: Request) -> Response:
    return await receive(fed_of(request), request, None)


async def actor_inbox_endpoint(request: Request) -> Response:
    return await receive(fed_of(request), request, request.path_params["username"])


async def instance_inbox_endpoint(request: Request) -> Response:
    return await receive(fed_of(request), request, None)


class InboxShortcut:
    """ASGI middleware: a POST to an inbox goes straight to :func:`receive`. Server-to-server
    deliveries are by far the busiest requests and need none of what the browser pages do
    (cookie session, language negotiation, the error pages); the route table is searched in
    order, and 5-10 % of an inbox request's CPU went to the middleware and that search. The
    inbox routes below stay, for whatever this does not take."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive_: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST":
            path, root = scope["path"], scope.get("root_path", "")
            recipient = inbox_recipient(path[len(root):] if root and path.startswith(root) else path)
            if recipient is not NOT_AN_INBOX:
                request = Request(scope, receive_)
                response = await receive(fed_of(request), request, recipient)
                await response(scope, receive_, send)
                return
        await self.app(scope, receive_, send)


NOT_AN_INBOX = "/"  # no username contains a slash


def inbox_recipient(path: str) -> str | None:
    """For an inbox path (see ``federation_routes``): None for the shared and the instance
    actor's inboxes, else the username; ``NOT_AN_INBOX`` for any other path."""
    if path in ("/inbox", "/actor/inbox"):
        return None
    if path.startswith("/actors/") and path.endswith("/inbox"):
        username = path[len("/actors/"):-len("/inbox")]
        if username and "/" not in username:
            return username
    return NOT_AN_INBOX


def federation_routes() -> list[Route]:
    return [
        Route("/inbox", shared_inbox_endpoint, methods=["POST"]),
        Route("/actor", instance_actor_endpoint, methods=["GET"]),
        Route("/actor/inbox", instance_inbox_endpoint, methods=["POST"]),
        Route("/actor/outbox", outbox_endpoint, methods=["GET"]),
        Route("/actor/followers", followers_endpoint, methods=["GET"]),
        Route("/actor/following", following_endpoint, methods=["GET"]),
        Route("/actors/{username}", actor_endpoint, methods=["GET"]),
        Route("/actors/{username}/inbox", actor_inbox_endpoint, methods=["POST"]),
        Route("/actors/{username}/outbox", outbox_endpoint, methods=["GET"]),
        Route("/actors/{username}/followers", followers_endpoint, methods=["GET"]),
        Route("/actors/{username}/following", following_endpoint, methods=["GET"]),
    ]


async def _object_response(request: Request, uri: str) -> Response:
    from federation.documents import event_document, post_document, tombstone_document
    from storage.queries.content import event_by_uri, post_by_uri
    from storage.queries.interactions import participant_count
    from storage.tables import Place

    fed = fed_of(request)
    refused = await require_signed_fetch(request)
    if refused is not None:
        return refused
    async with fed.sessions() as session:
        event = await event_by_uri(session, uri)
        if event is not None and event.local:
            if event.deleted_at is not None:
                return activity_json(tombstone_document(uri, "Event", event.deleted_at), 410)
            if event.visibility == "followers":
                return _not_found()
            actor = await session.get(Actor, event.actor_id)
            place = await session.get(Place, event.place_id) if event.place_id else None
            assert actor is not None
            count = await participant_count(session, uri)
            return activity_json(event_document(event, actor, place, fed.urls, participant_count=count))
        post = await post_by_uri(session, uri)
        if post is not None and post.local:
            if post.deleted_at is not None:
                return activity_json(tombstone_document(uri, "Article", post.deleted_at), 410)
            actor = await session.get(Actor, post.actor_id)
            place = await session.get(Place, post.place_id) if post.place_id else None
            assert actor is not None
            return activity_json(post_document(post, actor, place, fed.urls))
    return _not_found()


async def event_object(request: Request) -> Response:
    return await _object_response(request, fed_of(request).urls.event(request.path_params["uuid"]))


async def post_object(request: Request) -> Response:
    return await _object_response(request, fed_of(request).urls.post(request.path_params["uuid"]))


async def activity_object(request: Request) -> Response:
    from sqlmodel import select

    from storage.tables import OutboxActivity

    fed = fed_of(request)
    refused = await require_signed_fetch(request)
    if refused is not None:
        return refused
    uri = fed.urls.activity(request.path_params["uuid"])
    async with fed.sessions() as session:
        activity = (await session.exec(select(OutboxActivity).where(OutboxActivity.uri == uri))).first()
    if activity is None or not activity.public:
        return _not_found()
    return activity_json(activity.payload)


async def place_object(request: Request) -> Response:
    from federation.documents import place_data_of
    from federation.vocab.objects import place_to_json
    from storage.queries.content import place_by_uri

    fed = fed_of(request)
    refused = await require_signed_fetch(request)
    if refused is not None:
        return refused
    async with fed.sessions() as session:
        venue = await place_by_uri(session, fed.urls.place(request.path_params["uuid"]))
    data = place_data_of(venue)
    if venue is None or data is None:
        return _not_found()
    return activity_json(place_to_json(data))
