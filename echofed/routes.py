"""The route table: every URL the instance answers, in one place."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from echofed.health import healthz
from echofed.metrics import metrics
from federation import routes as fed_routes
from federation import wellknown
from federation.routes import federation_routes
from federation.vocab.jsonld import is_activity_json
from web import api, api_posts, feeds, openapi
from web.i18n import switch_language
from web.pages import accounts, admin, interact, lists, objects, publish, search
from web.pages import actors as actor_pages
from web.pages import agenda as agenda_pages
from web.pages import map as map_pages
from web.pages.actors import profile
from web.pages.home import home
from web.templating import STATIC_DIR


def negotiated(
    activity: Callable[[Request], Awaitable[Response]], page: Callable[[Request], Awaitable[Response]]
) -> Callable[[Request], Awaitable[Response]]:
    """One URL, two representations: ActivityStreams JSON for servers, HTML for browsers."""

    async def endpoint(request: Request) -> Response:
        if is_activity_json(request.headers.get("accept", "")):
            return await activity(request)
        return await page(request)

    return endpoint


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
        # Feeds (before /events/{uuid}, which would otherwise take "x.ics" as a uuid)
        Route("/events/{uuid}.ics", feeds.event_ics, methods=["GET"], name="event_ics"),
        Route("/agenda.ics", feeds.agenda_ics, methods=["GET"], name="agenda_ics"),
        Route("/agenda.rss", feeds.agenda_rss, methods=["GET"], name="agenda_rss"),
        Route("/agenda.atom", feeds.agenda_atom, methods=["GET"], name="agenda_atom"),
        Route("/articles.rss", feeds.articles_rss, methods=["GET"], name="articles_rss"),
        Route("/articles.atom", feeds.articles_atom, methods=["GET"], name="articles_atom"),
        Route("/@{username}/events.ics", feeds.actor_ics, methods=["GET"], name="actor_ics"),
        Route("/actors/{username}/events.ics", feeds.actor_ics, methods=["GET"]),
        Route("/@{username}/feed.atom", feeds.actor_atom, methods=["GET"], name="actor_atom"),
        Route("/events/{uuid}", negotiated(fed_routes.event_object, objects.event_page), methods=["GET"]),
        Route("/posts/{uuid}", negotiated(fed_routes.post_object, objects.post_page), methods=["GET"]),
        Route("/activities/{uuid}", fed_routes.activity_object, methods=["GET"]),
        Route("/places/{uuid}", negotiated(fed_routes.place_object, objects.venue_page), methods=["GET"]),
        Route("/@{username}", profile, methods=["GET"], name="profile"),
        Route("/langue/{code}", switch_language, methods=["GET"], name="language"),
        # Accounts, publishing, media, JSON API
        Route("/inscription", accounts.signup, methods=["GET", "POST"], name="signup"),
        Route("/connexion", accounts.signin, methods=["GET", "POST"], name="signin"),
        Route("/deconnexion", accounts.signout, methods=["POST"], name="signout"),
        Route("/mot-de-passe/oubli", accounts.forgot_password, methods=["GET", "POST"]),
        Route("/mot-de-passe/nouveau", accounts.new_password, methods=["GET", "POST"]),
        Route("/compte", accounts.account_page, methods=["GET"], name="account"),
        Route("/compte/jetons", accounts.create_token, methods=["POST"]),
        Route("/compte/jetons/{token_id:int}/revoquer", accounts.revoke_token, methods=["POST"]),
        Route("/compte/comptes/{account_id:int}/approuver", accounts.approve, methods=["POST"]),
        Route("/compte/organisations/nouvelle", accounts.new_organisation, methods=["GET", "POST"]),
        Route("/compte/organisations/{username}", accounts.organisation, methods=["GET"]),
        Route("/compte/organisations/{username}/membres", accounts.invite, methods=["POST"]),
        Route("/compte/organisations/{username}/membres/{account_id:int}/retirer", accounts.remove,
              methods=["POST"]),
        # Instance administration: followed regions and relays, region follow requests
        Route("/admin/regions", admin.regions, methods=["GET"], name="admin_regions"),
        Route("/admin/regions/{action}", admin.region_action, methods=["POST"]),
        Route("/publier/evenement", publish.event_new, methods=["GET", "POST"], name="publish_event"),
        Route("/publier/evenement/modifier", publish.event_edit, methods=["GET", "POST"]),
        Route("/publier/evenement/statut", publish.event_status, methods=["GET", "POST"]),
        Route("/publier/evenement/supprimer", publish.event_delete, methods=["GET", "POST"]),
        Route("/publier/publication/modifier", publish.post_edit, methods=["GET", "POST"]),
        Route("/publier/publication/supprimer", publish.post_delete, methods=["GET", "POST"]),
        Route("/publier/adresse", publish.address_search, methods=["GET"]),
        Route("/publier/{kind:str}", publish.post_new, methods=["GET", "POST"]),
        Route("/media/{name}", publish.media, methods=["GET"], name="media"),
        Route("/api/v1/openapi.json", openapi.openapi_json, methods=["GET"]),
        Route("/api/v1/events", api.events, methods=["GET", "POST"]),
        Route("/api/v1/events/{uuid}", api.event, methods=["GET", "PATCH", "DELETE"]),
        Route("/api/v1/actors/{username}", api.actor, methods=["GET"]),
        Route("/api/v1/posts", api_posts.posts, methods=["POST"]),
        Route("/api/v1/posts/{uuid}", api_posts.post, methods=["GET", "PATCH", "DELETE"]),
        # Public pages: lists, search, reply moderation, following and interacting from elsewhere
        Route("/articles", lists.articles, methods=["GET"], name="articles"),
        Route("/offres", lists.job_offers, methods=["GET"], name="offers"),
        Route("/recherche", search.search, methods=["GET"], name="search"),
        Route("/events/{uuid}/reponses/{id:int}/masquer", objects.hide_reply, methods=["POST"]),
        Route("/suivre-a-distance", actor_pages.remote_follow, methods=["POST"], name="remote_follow"),
        Route("/authorize_interaction", interact.authorize_interaction, methods=["GET"]),
        Route("/authorize_interaction", interact.interact, methods=["POST"]),
        # Agenda and live map (vendor mounts before /static)
        Route("/agenda", agenda_pages.agenda, methods=["GET"], name="agenda"),
        Route("/carte", map_pages.map_page, methods=["GET"], name="map"),
        Route("/carte/evenements.geojson", map_pages.events_geojson, methods=["GET"], name="map_geojson"),
        Route("/carte/flux", map_pages.live_updates, methods=["GET"], name="map_stream"),
        *map_pages.vendor_mounts(),
        Mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static"),
    ]
