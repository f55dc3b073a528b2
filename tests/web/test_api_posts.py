"""The JSON API for publications through the real app: read, change some fields (federated
as an Update through the outbox), delete; 403/404/410/422 answers."""

from __future__ import annotations

from pathlib import Path

from starlette.testclient import TestClient

from tests.web.test_account_pages import (
    path_of,
    post_form,
    quick_password_hashes,  # noqa: F401 (an autouse fixture)
    running_app,
    sign_out,
    sign_up,
)
from tests.web.test_api import bearer, new_token
from tests.web.test_publish import YEAR, activities, with_organisation


def _offer(client: TestClient) -> str:
    created = post_form(client, "/publier/offre", {
        "as": "vaisseau", "title": "Médiateur·rice scientifique", "body": "Un *CDD*.",
        "contract": "CDD 12 mois", "deadline": f"{YEAR}-03-31", "city": "Strasbourg",
        "link-url": "https://vaisseau.example/emploi", "tags": "emploi",
    })
    assert created.status_code == 303
    return path_of(created).removeprefix("/posts/")


def test_api_reads_changes_and_deletes_a_publication(database_url: str, tmp_path: Path) -> None:
    with running_app(database_url, tmp_path) as client:
        with_organisation(client)
        uuid = _offer(client)
        auth = bearer(new_token(client))
        sign_out(client)
        url = f"/api/v1/posts/{uuid}"

        post = client.get(url, headers=auth).json()
        assert (post["id"], post["kind"], post["actor"]) == (uuid, "job_offer", "vaisseau")
        assert (post["contract"], post["city"], post["body"]) == ("CDD 12 mois", "Strasbourg", "Un *CDD*.")
        assert post["summary"].startswith("Un CDD")

        patched = client.patch(url, headers=auth, json={
            "title": "Médiateur·rice scientifique (H/F)", "body": "Un **CDD** de 12 mois.",
            "deadline": f"{YEAR}-04-15", "link_url": None,
        })
        assert patched.status_code == 200, patched.text
        body = patched.json()
        assert body["title"] == "Médiateur·rice scientifique (H/F)"
        assert "<strong>CDD</strong>" in body["content_html"]
        assert "12 mois" in body["summary"]  # drawn from the new text
        assert body["deadline"].startswith(f"{YEAR}-04-15T21:59") and body["link_url"] is None
        assert (body["contract"], body["city"], body["tags"]) == ("CDD 12 mois", "Strasbourg", ["emploi"])
        assert "(H/F)" in client.get(f"/posts/{uuid}").text

        for change, field in (({"kind": "article"}, "kind"), ({"call_kind": "fête"}, "call-kind"),
                              ({"colour": "bleu"}, "colour"), ({"title": ""}, "title"),
                              ({"deadline": "bientôt"}, "deadline"), ({"actor": "sam"}, "actor"),
                              ({"contract": "x" * 61}, "contract")):
            refused = client.patch(url, headers=auth, json=change)
            assert refused.status_code == 422 and refused.json()["field"] == field, change
        assert client.get("/api/v1/posts/inconnu", headers=auth).status_code == 404
        assert client.patch(url, json={"title": "x"}).status_code == 401

        assert sign_up(client, "autre@example.org", "autre").status_code == 303
        other = bearer(new_token(client))
        assert client.get(url, headers=other).status_code == 200  # public
        assert client.patch(url, headers=other, json={"title": "Pirate"}).status_code == 403
        assert client.delete(url, headers=other).status_code == 403
        assert client.get(url, headers=auth).json()["title"] == "Médiateur·rice scientifique (H/F)"

        assert client.delete(url, headers=auth).status_code == 204
        assert client.get(url, headers=auth).status_code == 410
        assert client.patch(url, headers=auth, json={"title": "x"}).status_code == 410
        assert client.get(f"/posts/{uuid}").status_code == 410
    uri = f"https://grandest.test/posts/{uuid}"
    assert activities(database_url) == [("Create", uri), ("Update", uri), ("Delete", uri)]


def test_api_publishes_a_call_as_an_organisation(database_url: str, tmp_path: Path) -> None:
    with running_app(database_url, tmp_path) as client:
        with_organisation(client)
        auth = bearer(new_token(client))
        sign_out(client)
        call = {
            "actor": "vaisseau", "kind": "call", "call_kind": "volunteers",
            "title": "Bénévoles pour la Fête de la science", "body": "Accueil du public, *deux jours*.",
            "deadline": f"{YEAR}-09-15", "city": "Strasbourg", "tags": ["bénévolat"],
        }
        created = client.post("/api/v1/posts", headers=auth, json=call)
        assert created.status_code == 201, created.text
        body = created.json()
        assert (body["kind"], body["call_kind"], body["actor"], body["city"]) == (
            "call", "volunteers", "vaisseau", "Strasbourg")
        assert "<em>deux jours</em>" in body["content_html"]
        assert created.headers["location"] == body["url"]
        assert client.get(f"/api/v1/posts/{body['id']}", headers=auth).json()["title"] == call["title"]
        assert "Bénévoles pour la Fête de la science" in client.get(f"/posts/{body['id']}").text

        # Refusals change nothing: no token, a bad field, an actor the account may not use.
        assert client.post("/api/v1/posts", json=call).status_code == 401
        for change, field in (({"kind": "roman"}, "kind"), ({"title": ""}, "title"),
                              ({"actor": "inconnu"}, "actor"), ({"colour": "bleu"}, "colour")):
            refused = client.post("/api/v1/posts", headers=auth, json={**call, **change})
            assert refused.status_code == 422 and refused.json()["field"] == field, change
        assert sign_up(client, "autre@example.org", "autre").status_code == 303
        other = bearer(new_token(client))
        assert client.post("/api/v1/posts", headers=other, json=call).status_code == 403
    assert activities(database_url) == [("Create", body["uri"])]
