"""The map: the page and its packaged assets, the GeoJSON endpoint, and the live stream read by
a real HTTP client from a uvicorn server on loopback while the database changes underneath."""

from __future__ import annotations

import asyncio
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx2
import pytest
import uvicorn
from sqlmodel import select
from starlette.testclient import TestClient

from echofed.app import create_app
from echofed.services.accounts import ActorInput, create_actor
from echofed.services.publishing import (
    EventInput,
    PlaceInput,
    create_event,
    delete_event,
    set_event_status,
)
from echofed.settings import Settings
from storage.columns import utcnow
from storage.queries.agenda import position_token
from storage.tables import Event
from tests.conftest import TEST_BASE_URL, Db
from tests.web.test_agenda import METZ, NANCY, TOULOUSE, YEAR, add_event, make_actor
from web.pages import map as map_module


class TiledSettings(Settings):
    map_tiles_url: str = "https://tiles.example/{z}/{x}/{y}.png"
    map_attribution: str = "© Exemple & contributeurs"


@contextmanager
def app_client(
    database_url: str, settings_class: type[Settings] = Settings
) -> Iterator[TestClient]:
    settings = settings_class(database_url=database_url, base_url=TEST_BASE_URL, demo=False)
    with TestClient(create_app(settings), base_url=TEST_BASE_URL) as client:
        yield client


async def seed(db: Db) -> dict[str, Event]:
    async with db.sessions() as session:
        org = await make_actor(session, "vaisseau")
        remote = await make_actor(session, "museum", "occitanie.test")
        start = datetime(YEAR, 7, 4, 18, tzinfo=UTC)
        events = {
            "metz": await add_event(
                session,
                org,
                "Nuit des étoiles",
                start,
                category="sortie_nature",
                city="Metz",
                at=METZ,
                timezone="Europe/Paris",
            ),
            "nancy": await add_event(
                session,
                org,
                "Atelier robots",
                start + timedelta(days=1),
                category="atelier",
                city="Nancy",
                at=NANCY,
            ),
            "toulouse": await add_event(
                session,
                remote,
                "Fête de la science",
                start + timedelta(days=20),
                category="festival",
                city="Toulouse",
                at=TOULOUSE,
            ),
            "fiji": await add_event(
                session, org, "Récif", start, at=(-17.7, 179.5), timezone="Pacific/Fiji"
            ),
            "online": await add_event(
                session, org, "Webinaire", start, online_url="https://visio.example/"
            ),
        }
        await session.commit()
        return events


# ---------------------------------------------------------------------------------------------
# Page and GeoJSON


async def test_map_page_uses_packaged_assets_and_lists_the_events(db: Db) -> None:
    await seed(db)
    with app_client(db.url) as client:
        html = client.get("/carte").text
        for asset in (
            "/static/vendor/leaflet/leaflet.js",
            "/static/vendor/leaflet/leaflet.css",
            "/static/vendor/leaflet.markercluster/leaflet.markercluster.js",
            "/static/vendor/leaflet.markercluster/MarkerCluster.Default.css",
            "/static/map.js",
        ):
            assert asset in html
            assert client.get(asset).status_code == 200, asset
        assert client.get("/static/vendor/leaflet/images/marker-icon.png").status_code == 200
        assert not re.search(
            r'<(script|link)[^>]+(src|href)="(https?:)?//(?!grandest\.test/)', html
        )  # no CDN
        found = re.search(r'data-config="([^"]*)"', html)
        assert found
        config = json.loads(
            found.group(1)
            .replace("&#34;", '"')
            .replace("&amp;", "&")
        )
        assert config["tiles"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
        assert config["attribution"] == "© OpenStreetMap contributors"
        assert config["bounds"] == [[47.4, 3.3], [50.2, 8.3]] and config["zoom"] == 8
        assert (
            config["geojson"] == "/carte/evenements.geojson" and config["stream"] == "/carte/flux"
        )
        assert "Fond de carte : © OpenStreetMap contributors" in html
        # The list alternative: located events only, as links, with the subscriptions
        assert '<a href="https://grandest.test/events/' in html and "Nuit des étoiles" in html
        assert "Webinaire" not in html
        assert 'href="/agenda.ics"' in html
        filtered = client.get("/carte?categorie=atelier").text
        assert "Atelier robots" in filtered and "Nuit des étoiles" not in filtered
        assert "/carte/evenements.geojson?categorie=atelier" in filtered
        english = client.get("/carte", headers={"Accept-Language": "en"}).text
        assert "Events map" in english and "The map's events, as a list" in english
    with app_client(db.url, TiledSettings) as client:
        html = client.get("/carte").text
        assert "https://tiles.example/{z}/{x}/{y}.png" in html
        assert "Fond de carte : © Exemple &amp; contributeurs" in html


async def test_geojson_filters_by_bbox_dates_and_agenda_filters(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    events = await seed(db)
    with app_client(db.url) as client:
        whole = client.get("/carte/evenements.geojson")
        assert whole.status_code == 200 and whole.headers["content-type"].startswith(
            "application/geo+json"
        )
        body = whole.json()
        assert (
            body["type"] == "FeatureCollection" and body["limit"] == 2000 and not body["truncated"]
        )
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+Z_\d+", body["stream_from"])
        by_title = {f["properties"]["title"]: f for f in body["features"]}
        assert set(by_title) == {
            "Nuit des étoiles",
            "Atelier robots",
            "Fête de la science",
            "Récif",
        }
        metz = by_title["Nuit des étoiles"]
        assert metz["id"] == events["metz"].uri
        assert metz["geometry"] == {"type": "Point", "coordinates": [METZ[1], METZ[0]]}
        properties = metz["properties"]
        assert properties["starts_at"] == f"{YEAR}-07-04T20:00:00+02:00"  # the event's own zone
        assert properties["timezone"] == "Europe/Paris" and properties["city"] == "Metz"
        assert properties["category"] == "sortie_nature" and properties["status"] == "scheduled"
        assert properties["local"] is True and properties["origin"] == "grandest.test"
        assert properties["url"] == events["metz"].url and properties["uri"] == events["metz"].uri
        assert by_title["Récif"]["properties"]["starts_at"].endswith("+12:00")
        remote = by_title["Fête de la science"]["properties"]
        assert remote["local"] is False and remote["origin"] == "occitanie.test"

        def titles(query: str) -> set[str]:
            response = client.get("/carte/evenements.geojson?" + query)
            assert response.status_code == 200, response.text
            return {f["properties"]["title"] for f in response.json()["features"]}

        assert titles("bbox=5.5,48.9,6.5,49.3") == {"Nuit des étoiles"}
        assert titles("bbox=5.5,48.5,6.5,49.3") == {"Nuit des étoiles", "Atelier robots"}
        assert titles("bbox=170,-50,-170,50") == {"Récif"}  # across the antimeridian
        assert titles(f"du={YEAR}-07-05") == {"Atelier robots", "Fête de la science"}
        assert titles(f"au={YEAR}-07-04") == {"Nuit des étoiles", "Récif"}
        assert titles("bbox=-5,40,10,51&origine=suivies") == {"Fête de la science"}
        assert titles("categorie=atelier&categorie=festival") == {
            "Atelier robots",
            "Fête de la science",
        }
        assert titles("lat=49.12&lon=6.18&rayon=60&categorie=atelier") == {"Atelier robots"}

        for bad, message in [
            ("bbox=1,2,3", "quatre nombres"),
            ("bbox=a,b,c,d", "quatre nombres"),
            ("bbox=0,nan,1,1", "quatre nombres"),
            ("bbox=200,0,1,1", "longitudes"),
            ("bbox=0,-91,1,1", "latitudes"),
            ("bbox=0,10,1,5", "le sud"),
            ("du=hier", "du : Date attendue"),
        ]:
            response = client.get("/carte/evenements.geojson?" + bad)
            assert response.status_code == 400, bad
            assert message in response.json()["error"], (bad, response.json())
        english = client.get(
            "/carte/evenements.geojson?bbox=1,2", headers={"Accept-Language": "en"}
        )
        assert english.json() == {"error": "bbox expects four numbers: west,south,east,north."}

        monkeypatch.setattr(map_module, "MAP_LIMIT", 2)
        capped = client.get("/carte/evenements.geojson").json()
        assert len(capped["features"]) == 2 and capped["truncated"] is True and capped["limit"] == 2


# ---------------------------------------------------------------------------------------------
# Live stream over real HTTP


@dataclass
class Served:
    url: str
    app: Any
    server: uvicorn.Server
    thread: threading.Thread


@contextmanager
def served(database_url: str) -> Iterator[Served]:
    """The app under uvicorn, in a thread, on a free loopback port."""
    settings = Settings(database_url=database_url, base_url=TEST_BASE_URL, demo=False)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = create_app(settings)
    config = uvicorn.Config(
        app,
        log_level="warning",
        ws="none",
        lifespan="on",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "server did not start"
        time.sleep(0.02)
    try:
        yield Served(f"http://127.0.0.1:{port}", app, server, thread)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


class Stream:
    """An event-stream reader: each message as a dict of its fields, ``None`` at the end."""

    def __init__(self, client: httpx2.AsyncClient, response: httpx2.Response) -> None:
        self.client = client
        self.response = response
        self.messages: asyncio.Queue[dict[str, str] | None] = asyncio.Queue()
        self.reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, url: str, headers: dict[str, str] | None = None) -> Stream:
        client = httpx2.AsyncClient(timeout=httpx2.Timeout(10.0, read=30.0), trust_env=False)
        response = await client.send(client.build_request("GET", url, headers=headers), stream=True)
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return cls(client, response)

    async def _read(self) -> None:
        block: dict[str, str] = {}
        try:
            async for line in self.response.aiter_lines():
                if not line:
                    if block:
                        self.messages.put_nowait(block)
                    block = {}
                    continue
                name, _sep, value = line.partition(":")
                block[name or "comment"] = value.removeprefix(" ")
        except httpx2.HTTPError:  # the connection closed under us: that is the end
            pass
        finally:
            self.messages.put_nowait(None)

    async def next(self, *kinds: str, timeout: float = 8.0) -> dict[str, Any]:
        """The next message of one of ``kinds`` (others are skipped), its data decoded."""
        async with asyncio.timeout(timeout):
            while True:
                message = await self.messages.get()
                assert message is not None, f"stream ended before a {kinds} message"
                if message.get("event") in kinds:
                    decoded: dict[str, Any] = dict(message)
                    decoded["json"] = json.loads(message["data"]) if "data" in message else None
                    return decoded

    async def ended(self, timeout: float) -> bool:
        try:
            async with asyncio.timeout(timeout):
                while await self.messages.get() is not None:
                    pass
        except TimeoutError:
            return False
        return True

    async def close(self) -> None:
        self.reader.cancel()
        try:
            await self.reader
        except asyncio.CancelledError:
            pass
        await self.response.aclose()
        await self.client.aclose()


async def _wait(check: Any, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        await asyncio.sleep(0.05)
    return False


async def test_live_stream_sends_creations_cancellations_and_deletions(
    db: Db, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(map_module, "POLL_SECONDS", 0.2)
    async with db.sessions() as session:
        org = await create_actor(
            session,
            db.urls,
            ActorInput(username="vaisseau", kind="Organization", name="Le Vaisseau"),
        )
        remote = await make_actor(session, "museum", "occitanie.test")
        await session.commit()
    with served(db.url) as app:
        stream = await Stream.open(app.url + "/carte/flux")
        filtered = await Stream.open(app.url + "/carte/flux?categorie=atelier")
        try:
            hello = await stream.next("hello")
            assert re.fullmatch(r".+Z_\d+", hello["id"]) and hello["retry"] == "3000"
            await filtered.next("hello")

            # A local event published through the service (as the CLI or a web form would)
            async with db.sessions() as session:
                event = await create_event(
                    session,
                    db.urls,
                    org,
                    EventInput(
                        title="Nuit des étoiles",
                        start=f"{YEAR}-08-09T21:00",
                        timezone="Europe/Paris",
                        category="sortie_nature",
                        place=PlaceInput(
                            name="Parc", city="Metz", latitude=METZ[0], longitude=METZ[1]
                        ),
                    ),
                )
                await session.commit()
            upsert = await stream.next("upsert")
            feature = upsert["json"]
            assert (
                feature["id"] == event.uri and feature["properties"]["title"] == "Nuit des étoiles"
            )
            assert feature["geometry"]["coordinates"] == [METZ[1], METZ[0]]
            assert feature["properties"]["starts_at"] == f"{YEAR}-08-09T21:00:00+02:00"
            assert "id" in upsert  # a position to resume from
            # …which the "atelier" map does not show: it is told to drop it, nothing more
            dropped = await filtered.next("upsert", "delete")
            assert dropped["event"] == "delete" and dropped["json"]["properties"] == {
                "uri": event.uri
            }

            async with db.sessions() as session:
                await set_event_status(session, db.urls, event.uri, "cancelled")
                await session.commit()
            cancel = await stream.next("cancel", "upsert")
            assert (
                cancel["event"] == "cancel"
                and cancel["json"]["properties"]["status"] == "cancelled"
            )

            # A remote event arriving late keeps its origin's old timestamps: seen by its new id
            async with db.sessions() as session:
                old = utcnow() - timedelta(days=3)
                remote_event = await add_event(
                    session,
                    remote,
                    "Atelier fossiles",
                    datetime(YEAR, 8, 10, 9, tzinfo=UTC),
                    category="atelier",
                    city="Toulouse",
                    at=TOULOUSE,
                    published_at=old,
                    updated_at=old,
                )
                await session.commit()
            for reader in (stream, filtered):
                arrived = await reader.next("upsert")
                assert arrived["json"]["properties"]["uri"] == remote_event.uri
                assert arrived["json"]["properties"]["origin"] == "occitanie.test"

            async with db.sessions() as session:
                await delete_event(session, db.urls, event.uri)
                await session.commit()
            deleted = await stream.next("delete")
            assert deleted["json"]["id"] == event.uri and deleted["json"]["geometry"] is None
            position = deleted["id"]
        finally:
            await stream.close()
            await filtered.close()

        # The client went away: the server is left with no connection and no running stream
        assert await _wait(
            lambda: not app.server.server_state.connections and not app.server.server_state.tasks
        )

        # Reconnecting with Last-Event-ID replays what changed meanwhile
        async with db.sessions() as session:
            row = (await session.exec(select(Event).where(Event.uri == remote_event.uri))).one()
            row.title, row.updated_at = "Atelier fossiles (complet)", utcnow()
            session.add(row)
            await session.commit()
        resumed = await Stream.open(app.url + "/carte/flux", {"Last-Event-ID": position})
        try:
            hello = await resumed.next("hello", "reload")
            assert hello["event"] == "hello"
            again = await resumed.next("upsert")
            assert again["json"]["properties"]["title"] == "Atelier fossiles (complet)"
        finally:
            await resumed.close()

        # A position from long ago (or garbage) asks the client to reload the map
        stale = position_token(utcnow() - timedelta(hours=2), 1)
        for token in (stale, "garbage"):
            old_reader = await Stream.open(app.url + "/carte/flux", {"Last-Event-ID": token})
            try:
                assert (await old_reader.next("hello", "reload"))["event"] == "reload"
            finally:
                await old_reader.close()


async def test_live_stream_ends_by_itself_and_on_shutdown(
    fresh_sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(map_module, "POLL_SECONDS", 0.1)
    monkeypatch.setattr(map_module, "KEEPALIVE_SECONDS", 0.3)
    with served(fresh_sqlite_url) as app:
        monkeypatch.setattr(map_module, "STREAM_LIFETIME", 1.0)
        short = await Stream.open(app.url + "/carte/flux")
        try:
            await short.next("hello")
            keepalive = await asyncio.wait_for(short.messages.get(), 3.0)
            assert (
                keepalive is not None
                and keepalive.get("comment") == "keep-alive"
                and "id" in keepalive
            )
            assert await short.ended(4.0)  # bounded lifetime
        finally:
            await short.close()
        monkeypatch.setattr(map_module, "STREAM_LIFETIME", 600.0)
        bad = httpx2.get(app.url + "/carte/flux?quand=jamais", trust_env=False)
        assert bad.status_code == 400 and "quand" in bad.json()["error"]

        # The app asks its streams to end (e.g. before a restart)
        stopped = await Stream.open(app.url + "/carte/flux")
        await stopped.next("hello")
        map_module.stop_live_streams(app.app)
        assert await stopped.ended(2.0)
        await stopped.close()
        app.app.state.map_streams_closing = False

        # The server stops with a stream open: it ends within its graceful-shutdown delay
        lasting = await Stream.open(app.url + "/carte/flux")
        await lasting.next("hello")
        started = time.monotonic()
        app.server.should_exit = True
        await asyncio.to_thread(app.thread.join, 15)
        assert not app.thread.is_alive() and time.monotonic() - started < 12
        assert await lasting.ended(2.0)
        await lasting.close()
