"""The app answers: health check with the database, home page with upcoming events."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from echofed.app import create_app
from echofed.settings import Settings


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=database_url, base_url="https://grandest.test", demo=False)
    with TestClient(create_app(settings), base_url="https://grandest.test") as client:
        yield client


def test_healthz_checks_the_database(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"


def test_healthz_reports_an_unreachable_database(tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(
        database_url="postgresql+asyncpg://nobody@127.0.0.1:1/none", base_url="https://x.test"
    )
    with TestClient(create_app(settings)) as client:
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "unreachable"}


def test_home_page_is_french_and_empty_at_first(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    assert "Aucun événement à venir" in response.text


def test_unknown_page_is_a_404_page(client: TestClient) -> None:
    response = client.get("/nulle-part")
    assert response.status_code == 404
    assert "Erreur 404" in response.text
    assert client.get("/nulle-part", headers={"Accept": "application/json"}).json() == {
        "error": "Not Found"
    }
