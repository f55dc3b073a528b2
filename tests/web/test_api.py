"""The JSON API through the real app: bearer tokens, event create/list/read/update/delete
(federated through the outbox), 401/403/422 answers, and the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.routing import Route
from starlette.testclient import TestClient

from storage.tables import Event
from tests.web.test_account_pages import (
    count,
    post_form,
    quick_password_hashes,  # noqa: F401 (an autouse fixture)
    running_app,
    sign_out,
    sign_up,
)
from tests.web.test_publish import YEAR, activities, with_organisation

EVENT: dict[str, Any] = {
    "actor": "vaisseau",
    "title": "Nuit des étoiles",
    "start": f"{YEAR}-08-09T21:00",
    "end": f"{YEAR}-08-10T01:00",
    "timezone": "Europe/Paris",
    "description": "Observation **guidée**",
    "place": {"name": "Le Vaisseau", "address": "1 bis rue Philippe Dollinger", "postcode": "67100",
              "city": "Strasbourg", "lat": 48.5764, "lon": 7.7651},
    "category": "sortie_nature",
    "tags": ["astronomie"],
    "audience": ["familles"],
    "price": "Gratuit",
}


def new_token(client: TestClient, name: str = "agenda") -> str:
    page = post_form(client, "/compte/jetons", {"token-name": name}, page="/compte")
    return re.search(r'id="new-token">([^<]+)<', page.text).group(1)  # type: ignore[union-attr]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_api_event_lifecycle(database_url: str, tmp_path: Path) -> None:
    with running_app(database_url, tmp_path) as client:
        with_organisation(client)
        auth = bearer(new_token(client))
        sign_out(client)  # the API needs no session, only the token
        created = client.post("/api/v1/events", json=EVENT, headers=auth)
        assert created.status_code == 201, created.text
        event = created.json()
        uuid = event["id"]
        assert created.headers["location"] == f"https://grandest.test/events/{uuid}"
        assert event["start"] == f"{YEAR}-08-09T21:00:00+02:00" and event["timezone"] == "Europe/Paris"
        assert event["place"]["street"] == "1 bis rue Philippe Dollinger" and event["place"]["lat"] == 48.5764
        assert event["actor"] == "vaisseau" and event["organizer"]["handle"] == "@vaisseau@grandest.test"
        assert event["content_html"].strip() == "<p>Observation <strong>guidée</strong></p>"

        listed = client.get("/api/v1/events", headers=auth).json()
        assert [e["id"] for e in listed["items"]] == [uuid] and listed["next"] is None
        assert client.get(f"/api/v1/events/{uuid}", headers=auth).json()["title"] == "Nuit des étoiles"

        patched = client.patch(f"/api/v1/events/{uuid}", headers=auth,
                               json={"title": "Nuit des étoiles (complet)", "status": "postponed"})
        assert patched.status_code == 200, patched.text
        body = patched.json()
        assert (body["title"], body["status"]) == ("Nuit des étoiles (complet)", "postponed")
        assert body["place"]["city"] == "Strasbourg" and body["tags"] == ["astronomie"]  # the rest stays
        assert body["start"] == event["start"]

        assert client.delete(f"/api/v1/events/{uuid}", headers=auth).status_code == 204
        assert client.get(f"/api/v1/events/{uuid}", headers=auth).status_code == 410
        assert client.get(f"/events/{uuid}").status_code == 410
        assert client.get("/api/v1/events", headers=auth).json()["items"] == []
    uri = f"https://grandest.test/events/{uuid}"
    assert activities(database_url) == [("Create", uri), ("Update", uri), ("Update", uri), ("Delete", uri)]


@pytest.fixture
def client(fresh_sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with running_app(fresh_sqlite_url, tmp_path) as client:
        with_organisation(client)
        yield client


def test_api_needs_a_valid_token(client: TestClient, fresh_sqlite_url: str) -> None:
    token = new_token(client)
    missing = client.post("/api/v1/events", json=EVENT)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert "error" in missing.json()
    assert client.get("/api/v1/events", headers={"Authorization": f"Basic {token}"}).status_code == 401
    assert client.get("/api/v1/events", headers=bearer("ef_" + "x" * 43)).status_code == 401
    assert client.get("/api/v1/actors/vaisseau", headers=bearer(token)).status_code == 200
    token_id = re.search(r"/compte/jetons/(\d+)/revoquer", client.get("/compte").text).group(1)  # type: ignore[union-attr]
    assert post_form(client, f"/compte/jetons/{token_id}/revoquer", {}, page="/compte").status_code == 303
    assert client.get("/api/v1/actors/vaisseau", headers=bearer(token)).status_code == 401
    assert client.get("/api/v1/openapi.json").status_code == 200  # the description is public
    assert count(fresh_sqlite_url, Event) == 0


def test_api_refuses_actors_the_account_does_not_publish_for(client: TestClient, fresh_sqlite_url: str) -> None:
    owner = bearer(new_token(client))
    uuid = client.post("/api/v1/events", json=EVENT, headers=owner).json()["id"]
    assert client.get("/api/v1/actors/vaisseau", headers=owner).json()["may_publish"] is True
    sign_out(client)
    assert sign_up(client, "other@example.org", "autre").status_code == 303
    other = bearer(new_token(client))
    assert client.get("/api/v1/actors/vaisseau", headers=other).json()["may_publish"] is False
    posing = client.post("/api/v1/events", json=EVENT, headers=other)
    assert posing.status_code == 403 and "vaisseau" in posing.json()["error"]
    assert client.patch(f"/api/v1/events/{uuid}", json={"title": "Pirate"}, headers=other).status_code == 403
    assert client.patch(f"/api/v1/events/{uuid}", json={"status": "cancelled"}, headers=other).status_code == 403
    assert client.delete(f"/api/v1/events/{uuid}", headers=other).status_code == 403
    own = client.post("/api/v1/events", json={**EVENT, "actor": None}, headers=other)
    assert own.status_code == 201 and own.json()["actor"] == "autre"  # defaults to the account's person
    unchanged = client.get(f"/api/v1/events/{uuid}", headers=other).json()
    assert (unchanged["title"], unchanged["status"]) == ("Nuit des étoiles", "scheduled")
    assert client.get("/api/v1/events/nope", headers=other).status_code == 404
    assert client.get("/api/v1/actors/personne", headers=other).status_code == 404


INVALID = [
    ({"title": None}, "title"),
    ({"title": ""}, "title"),
    ({"colour": "blue"}, "colour"),
    ({"start": "demain soir"}, "start"),
    ({"end": f"{YEAR}-08-09T20:00"}, "end"),
    ({"place": {"city": "Strasbourg", "lat": 48.5}}, "lat"),
    ({"place": {"city": "Strasbourg", "altitude": 140}}, "place.altitude"),
    ({"capacity": "dix"}, "capacity"),
    ({"tags": "astronomie"}, "tags"),
    ({"category": "bal"}, "category"),
    ({"actor": "personne"}, "actor"),
    ({"status": "cancelled"}, "status"),
]


def test_api_names_the_invalid_field(client: TestClient, fresh_sqlite_url: str) -> None:
    auth = bearer(new_token(client))
    for change, field in INVALID:
        answer = client.post("/api/v1/events", json={**EVENT, **change}, headers=auth)
        assert answer.status_code == 422, (change, answer.text)
        assert answer.json()["field"] == field and answer.json()["error"], change
    assert count(fresh_sqlite_url, Event) == 0


def test_api_refuses_bodies_it_cannot_read(client: TestClient) -> None:
    auth = bearer(new_token(client))
    assert client.post("/api/v1/events", content="title=x", headers={
        **auth, "Content-Type": "application/x-www-form-urlencoded"}).status_code == 415
    assert client.post("/api/v1/events", content="{nope", headers={
        **auth, "Content-Type": "application/json"}).status_code == 400
    assert client.post("/api/v1/events", json=[EVENT], headers=auth).status_code == 422
    huge = {**EVENT, "description": "x" * 300_000}
    assert client.post("/api/v1/events", json=huge, headers=auth).status_code == 413
    uuid = client.post("/api/v1/events", json=EVENT, headers=auth).json()["id"]
    moved = client.patch(f"/api/v1/events/{uuid}", json={"actor": "sam"}, headers=auth)
    assert moved.status_code == 422 and moved.json()["field"] == "actor"
    assert client.patch(f"/api/v1/events/{uuid}", json={"status": "fini"}, headers=auth).json()["field"] == "status"


def test_api_lists_upcoming_events_with_filters_and_pages(client: TestClient) -> None:
    auth = bearer(new_token(client))
    for day, category, city in ((3, "atelier", "Metz"), (1, "sortie_nature", "Strasbourg"),
                                (2, "atelier", "Strasbourg")):
        event = {**EVENT, "title": f"Jour {day}", "start": f"{YEAR}-05-0{day}T10:00", "end": None,
                 "category": category, "place": {"name": "Ici", "city": city}}
        assert client.post("/api/v1/events", json=event, headers=auth).status_code == 201
    first = client.get("/api/v1/events?limit=2", headers=auth).json()
    assert [e["title"] for e in first["items"]] == ["Jour 1", "Jour 2"]
    second = client.get(first["next"], headers=auth).json()
    assert [e["title"] for e in second["items"]] == ["Jour 3"] and second["next"] is None

    def titles(query: str) -> list[str]:
        answer = client.get(f"/api/v1/events?{query}", headers=auth)
        assert answer.status_code == 200, answer.text
        return [e["title"] for e in answer.json()["items"]]

    assert titles("category=atelier") == ["Jour 2", "Jour 3"]
    assert titles("city=strasbourg") == ["Jour 1", "Jour 2"]
    assert titles(f"from={YEAR}-05-02&to={YEAR}-05-02") == ["Jour 2"]
    assert titles("category=atelier&city=Metz") == ["Jour 3"]
    for query, field in (("limit=0", "limit"), ("category=bal", "category"), ("from=hier", "from"),
                         ("cursor=%%%", "cursor"), (f"from={YEAR}-05-03&to={YEAR}-05-01", "to")):
        answer = client.get(f"/api/v1/events?{query}", headers=auth)
        assert answer.status_code == 422 and answer.json()["field"] == field, query


def test_openapi_document_is_valid_and_describes_every_api_route(client: TestClient) -> None:
    validator = pytest.importorskip("openapi_spec_validator")
    document = client.get("/api/v1/openapi.json").json()
    validator.validate(document)
    assert document["openapi"].startswith("3.1")
    assert document["servers"] == [{"url": "https://grandest.test"}]
    for route in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.path.startswith("/api/"):
            described = document["paths"][route.path]
            assert {m.lower() for m in route.methods or ()} - {"head"} <= set(described), route.path
