"""French by default, English by Accept-Language or the switch, on the real app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from echofed.app import create_app
from echofed.settings import Settings
from web.i18n import negotiate


@pytest.fixture
def client(fresh_sqlite_url: str) -> Iterator[TestClient]:
    settings = Settings(database_url=fresh_sqlite_url, base_url="https://grandest.test", demo=False)
    with TestClient(create_app(settings), base_url="https://grandest.test") as client:
        yield client


def test_negotiation() -> None:
    assert negotiate(None, "") == "fr"
    assert negotiate(None, "en-GB,en;q=0.9,fr;q=0.8") == "en"
    assert negotiate(None, "de-DE, fr;q=0.5") == "fr"
    assert negotiate("en", "fr") == "en"
    assert negotiate("xx", "en") == "en"


def test_pages_follow_the_language(client: TestClient) -> None:
    french = client.get("/")
    assert '<html lang="fr">' in french.text and "Prochains événements" in french.text
    english = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="en">' in english.text and "Upcoming events" in english.text
    switched = client.get("/langue/en?next=/", follow_redirects=False)
    assert switched.status_code == 303 and switched.headers["location"] == "/"
    assert "Upcoming events" in client.get("/").text  # the cookie now says English
    assert client.get("/langue/en?next=https://evil.example/", follow_redirects=False).headers["location"] == "/"
