"""Accounts through the real app: sign up, sign in (rate-limited), sign out, password reset,
approval mode, API tokens on the account page, organisation members; CSRF everywhere.

The helpers at the top are shared with test_publish.py and test_api.py.
"""

from __future__ import annotations

import asyncio
import html
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
from argon2 import PasswordHasher
from httpx2 import Response
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.testclient import TestClient

from echofed.app import create_app
from echofed.services import accounts as accounts_service
from echofed.services.accounts import create_account
from echofed.settings import Settings
from storage.engine import make_engine, make_sessionmaker
from storage.queries.accounts import account_by_email
from storage.tables import Account, Actor, ApiToken, Membership
from tests.conftest import TEST_BASE_URL

T = TypeVar("T")
PASSWORD = "une phrase de passe"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@contextmanager
def running_app(database_url: str, tmp_path: Path, **options: Any) -> Iterator[TestClient]:
    """The app, with its uploads under ``tmp_path`` and no geocoder (no network here)."""
    settings = Settings(**{
        "database_url": database_url, "base_url": TEST_BASE_URL, "demo": False,
        "media_dir": str(tmp_path / "media"), "geocoder_url": "", **options,
    })
    with TestClient(create_app(settings), base_url=TEST_BASE_URL) as client:
        yield client


def in_db(database_url: str, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    async def run() -> T:
        engine = make_engine(database_url)
        try:
            async with make_sessionmaker(engine)() as session:
                result = await work(session)
                await session.commit()
                return result
        finally:
            await engine.dispose()

    return asyncio.run(run())


def csrf_of(client: TestClient, path: str) -> str:
    found = CSRF.search(client.get(path).text)
    assert found, f"no CSRF field on {path}"
    return found.group(1)


def post_form(client: TestClient, path: str, data: dict[str, Any], *, page: str | None = None,
              files: Any = None) -> Response:
    """Post a form the way a browser does: with the CSRF token of the page it came from."""
    data = {"csrf": csrf_of(client, page or path), **data}
    return client.post(path, data=data, files=files, follow_redirects=False)


def sign_up(client: TestClient, email: str, username: str, *, name: str = "", password: str = PASSWORD) -> Response:
    return post_form(client, "/inscription", {
        "email": email, "username": username, "display-name": name, "password": password,
    })


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> Response:
    return post_form(client, "/connexion", {"email": email, "password": password})


def sign_out(client: TestClient) -> None:
    assert post_form(client, "/deconnexion", {}, page="/compte").status_code == 303


def error_for(page: str, field: str) -> str | None:
    """The error message shown next to ``field`` (and tied to it), or None."""
    found = re.search(rf'<p class="error" id="{re.escape(field)}-error">(.*?)</p>', page, re.DOTALL)
    if found is None:
        return None
    assert f'href="#{field}"' in page, "the error summary links to the field"
    assert re.search(rf'id="{re.escape(field)}"[^>]*aria-describedby="[^"]*{re.escape(field)}-error', page, re.DOTALL) or \
        re.search(rf'aria-describedby="[^"]*{re.escape(field)}-error[^"]*"[^>]*aria-invalid="true"', page), \
        "the field points at its error"
    text = re.sub(r'<span class="visually-hidden">.*?</span>', "", found.group(1), flags=re.DOTALL)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def count(database_url: str, table: type) -> int:
    async def work(session: AsyncSession) -> int:
        return len((await session.exec(select(table))).all())

    return in_db(database_url, work)


def path_of(response: Response) -> str:
    return urlsplit(response.headers["location"]).path


@pytest.fixture(autouse=True)
def quick_password_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """Cheaper argon2 parameters: these tests are about pages, not about hashing strength
    (a hash still records its parameters, so checking works the same)."""
    monkeypatch.setattr(accounts_service, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


# ---------------------------------------------------------------------------------------------


@pytest.fixture
def client(fresh_sqlite_url: str, tmp_path: Path) -> Iterator[TestClient]:
    with running_app(fresh_sqlite_url, tmp_path) as client:
        yield client


def test_sign_up_sign_out_sign_in(database_url: str, tmp_path: Path) -> None:
    with running_app(database_url, tmp_path) as client:
        page = client.get("/inscription")
        assert page.status_code == 200 and '<html lang="fr">' in page.text
        assert '<label for="email">' in page.text and 'autocomplete="new-password"' in page.text
        response = sign_up(client, "Claire@Example.org", "claire", name="Claire Dupont")
        assert response.status_code == 303 and response.headers["location"] == "/compte"
        account_page = client.get("/compte")
        assert "Claire Dupont" in account_page.text and "@claire@grandest.test" in account_page.text
        sign_out(client)
        assert client.get("/compte", follow_redirects=False).headers["location"] == "/connexion?next=%2Fcompte"
        wrong = sign_in(client, "claire@example.org", "pas le bon")
        assert wrong.status_code == 401
        assert error_for(wrong.text, "email") == "adresse e-mail ou mot de passe incorrect"
        right = post_form(client, "/connexion", {
            "email": "claire@example.org", "password": PASSWORD, "next": "/publier/evenement",
        })
        assert right.status_code == 303 and right.headers["location"] == "/publier/evenement"

    async def check(session: AsyncSession) -> tuple[Account | None, list[Actor]]:
        account = await account_by_email(session, "claire@example.org")
        people = (await session.exec(select(Actor).where(Actor.username == "claire"))).all()
        return account, list(people)

    account, people = in_db(database_url, check)
    assert account is not None and account.is_approved and account.last_sign_in_at is not None
    assert account.password_hash and PASSWORD not in account.password_hash
    assert [p.kind for p in people] == ["Person"] and people[0].account_id == account.id


def test_sign_up_errors_are_shown_next_to_their_fields(client: TestClient, fresh_sqlite_url: str) -> None:
    response = sign_up(client, "pas-une-adresse", "Pas Valide!", password="court")
    assert response.status_code == 422
    assert error_for(response.text, "email") == "adresse e-mail invalide"
    assert error_for(response.text, "username") == "1 à 30 caractères parmi a-z, 0-9 et _"
    assert "8 caractères" in (error_for(response.text, "password") or "")
    assert 'value="pas-une-adresse"' in response.text  # what was typed is kept…
    assert PASSWORD not in response.text and 'value="court"' not in response.text  # …but not passwords
    assert count(fresh_sqlite_url, Account) == 0

    assert sign_up(client, "a@example.org", "alice").status_code == 303
    sign_out(client)
    taken = sign_up(client, "A@example.org", "alice")
    assert taken.status_code == 422
    assert error_for(taken.text, "email") and error_for(taken.text, "username")
    reserved = sign_up(client, "b@example.org", "admin")
    assert "réservé" in (error_for(reserved.text, "username") or "")
    assert count(fresh_sqlite_url, Account) == 1


def test_forms_without_the_session_csrf_token_are_refused(client: TestClient, fresh_sqlite_url: str) -> None:
    forged = client.post("/inscription", data={
        "email": "x@example.org", "username": "x", "password": PASSWORD, "csrf": "forged",
    })
    assert forged.status_code == 403
    assert client.post("/inscription", data={"email": "x@example.org"}).status_code == 403
    assert count(fresh_sqlite_url, Account) == 0
    assert sign_up(client, "x@example.org", "xavier").status_code == 303
    assert client.post("/deconnexion", data={}).status_code == 403
    assert client.get("/compte").status_code == 200  # still signed in
    assert client.post("/compte/jetons", data={"token-name": "ci", "csrf": "nope"}).status_code == 403
    assert count(fresh_sqlite_url, ApiToken) == 0


def test_sign_in_is_rate_limited_per_address_and_client(client: TestClient) -> None:
    assert sign_up(client, "rate@example.org", "rate").status_code == 303
    sign_out(client)
    for _attempt in range(5):
        assert sign_in(client, "rate@example.org", "mauvais mot").status_code == 401
    limited = sign_in(client, "rate@example.org")  # even the right password waits now
    assert limited.status_code == 429
    assert limited.headers["retry-after"] == "300"
    assert "Trop de tentatives" in limited.text
    assert sign_in(client, "other@example.org", "x").status_code == 401  # another address is not blocked


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@pytest.fixture
def mail_log() -> Iterator[_Lines]:
    handler = _Lines()
    logger = logging.getLogger("web.mail")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)


def test_password_reset_through_the_logged_link(client: TestClient, mail_log: _Lines) -> None:
    assert sign_up(client, "reset@example.org", "reset").status_code == 303
    sign_out(client)
    unknown = post_form(client, "/mot-de-passe/oubli", {"email": "nobody@example.org"})
    assert unknown.status_code == 200 and "Si un compte utilise cette adresse" in unknown.text
    assert mail_log.lines == []  # nothing said about addresses without an account
    sent = post_form(client, "/mot-de-passe/oubli", {"email": "reset@example.org"})
    assert sent.text.count("Si un compte utilise cette adresse") == 1
    [message] = mail_log.lines
    assert "To: reset@example.org" in message
    link = re.search(r"https://grandest\.test(/mot-de-passe/nouveau\?token=\S+)", message)
    assert link, message
    form = client.get(link.group(1))
    assert form.status_code == 200 and 'name="token"' in form.text
    mismatch = post_form(client, "/mot-de-passe/nouveau", {
        "token": form.text.split('name="token" value="')[1].split('"')[0],
        "password": "nouveau mot de passe", "password-confirm": "autre chose",
    }, page=link.group(1))
    assert mismatch.status_code == 422 and error_for(mismatch.text, "password-confirm")
    token = re.search(r"token=([^&\s]+)", link.group(1)).group(1)  # type: ignore[union-attr]
    from urllib.parse import unquote

    done = post_form(client, "/mot-de-passe/nouveau", {
        "token": unquote(token), "password": "nouveau mot de passe",
        "password-confirm": "nouveau mot de passe",
    }, page=link.group(1))
    assert done.status_code == 303 and done.headers["location"] == "/compte"
    assert "Votre mot de passe a été changé." in client.get("/compte").text
    sign_out(client)
    assert sign_in(client, "reset@example.org").status_code == 401
    assert sign_in(client, "reset@example.org", "nouveau mot de passe").status_code == 303
    reused = client.get(link.group(1))  # the password changed: the link is spent
    assert reused.status_code == 400 and "plus valide" in reused.text
    assert client.get("/mot-de-passe/nouveau?token=forged").status_code == 400


def test_approval_mode_holds_new_accounts_until_an_admin_approves(fresh_sqlite_url: str, tmp_path: Path) -> None:
    async def make_admin(session: AsyncSession) -> None:
        await create_account(session, email="op@example.org", password=PASSWORD, is_admin=True)

    in_db(fresh_sqlite_url, make_admin)
    with running_app(fresh_sqlite_url, tmp_path, signup_approval=True) as client:
        assert "validés par l'équipe du site" in client.get("/inscription").text
        pending = sign_up(client, "new@example.org", "nouveau")
        assert pending.status_code == 200 and "attend la validation" in pending.text
        assert client.get("/compte", follow_redirects=False).status_code == 303  # not signed in
        refused = sign_in(client, "new@example.org")
        assert refused.status_code == 403 and "validation" in (error_for(refused.text, "email") or "")

        assert sign_in(client, "op@example.org").status_code == 303
        page = client.get("/compte").text
        assert "Comptes en attente de validation" in page and "new@example.org" in page
        account_id = re.search(r"/compte/comptes/(\d+)/approuver", page).group(1)  # type: ignore[union-attr]
        assert client.post(f"/compte/comptes/{account_id}/approuver", data={}).status_code == 403
        approved = post_form(client, f"/compte/comptes/{account_id}/approuver", {}, page="/compte")
        assert approved.status_code == 303
        assert "new@example.org peut maintenant se connecter" in client.get("/compte").text
        sign_out(client)
        assert sign_in(client, "new@example.org").status_code == 303


def test_api_tokens_are_shown_once_and_revocable(client: TestClient, fresh_sqlite_url: str) -> None:
    assert sign_up(client, "t@example.org", "tokens").status_code == 303
    empty = post_form(client, "/compte/jetons", {"token-name": "  "}, page="/compte")
    assert empty.status_code == 422 and error_for(empty.text, "token-name")
    created = post_form(client, "/compte/jetons", {"token-name": "Agenda du musée"}, page="/compte")
    assert created.status_code == 200 and created.headers["cache-control"] == "no-store"
    secret = re.search(r'id="new-token">([^<]+)<', created.text).group(1)  # type: ignore[union-attr]
    assert secret.startswith("ef_") and len(secret) > 40
    later = client.get("/compte").text
    assert "Agenda du musée" in later and secret not in later

    async def stored(session: AsyncSession) -> list[ApiToken]:
        return list((await session.exec(select(ApiToken))).all())

    [token] = in_db(fresh_sqlite_url, stored)
    assert token.token_digest != secret and len(token.token_digest) == 64
    revoked = post_form(client, f"/compte/jetons/{token.id}/revoquer", {}, page="/compte")
    assert revoked.status_code == 303
    assert "Agenda du musée" not in client.get("/compte").text
    assert count(fresh_sqlite_url, ApiToken) == 0


def test_organisation_admins_invite_and_remove_members(client: TestClient, fresh_sqlite_url: str) -> None:
    assert sign_up(client, "editor@example.org", "editrice", name="Eda").status_code == 303
    sign_out(client)
    assert sign_up(client, "boss@example.org", "boss", name="Bea").status_code == 303
    bad = post_form(client, "/compte/organisations/nouvelle", {"name": "Musée", "username": "Musée!"})
    assert bad.status_code == 422 and error_for(bad.text, "username")
    made = post_form(client, "/compte/organisations/nouvelle", {
        "name": "Planétarium de Strasbourg", "username": "planetarium", "summary": "Le **ciel**",
        "city": "Strasbourg", "website": "https://planetarium.example",
    })
    assert made.status_code == 303 and made.headers["location"] == "/compte/organisations/planetarium"
    page = client.get("/compte/organisations/planetarium")
    assert "Planétarium de Strasbourg" in page.text and "boss@example.org" in page.text
    taken = post_form(client, "/compte/organisations/nouvelle", {"name": "X", "username": "planetarium"})
    assert error_for(taken.text, "username") == "cet identifiant est déjà pris"

    org = "/compte/organisations/planetarium"
    unknown = post_form(client, f"{org}/membres", {"email": "ghost@example.org", "role": "editor"}, page=org)
    assert unknown.status_code == 422 and "s'inscrire" in (error_for(unknown.text, "email") or "")
    wrong_role = post_form(client, f"{org}/membres", {"email": "editor@example.org", "role": "owner"}, page=org)
    assert wrong_role.status_code == 422 and error_for(wrong_role.text, "role")
    added = post_form(client, f"{org}/membres", {"email": "editor@example.org", "role": "editor"}, page=org)
    assert added.status_code == 303
    assert "editor@example.org" in client.get(org).text
    assert "Planétarium de Strasbourg" in client.get("/compte").text

    async def ids(session: AsyncSession) -> dict[str, int]:
        return {a.email: a.id for a in (await session.exec(select(Account))).all()}  # type: ignore[misc]

    accounts = in_db(fresh_sqlite_url, ids)
    last_admin = post_form(client, f"{org}/membres/{accounts['boss@example.org']}/retirer", {}, page=org)
    assert last_admin.status_code == 303
    assert "au moins un administrateur" in client.get(org).text

    sign_out(client)
    assert sign_in(client, "editor@example.org").status_code == 303
    assert client.get(org).status_code == 403  # editors publish; only admins manage members
    assert 'value="planetarium"' in client.get("/publier/evenement").text
    sign_out(client)
    assert sign_in(client, "boss@example.org").status_code == 303
    removed = post_form(client, f"{org}/membres/{accounts['editor@example.org']}/retirer", {}, page=org)
    assert removed.status_code == 303
    assert count(fresh_sqlite_url, Membership) == 1


def test_account_and_publishing_pages_speak_english(client: TestClient) -> None:
    from babel.messages.extract import extract_from_file
    from babel.messages.pofile import read_po

    web = Path(__file__).parents[2] / "web"
    english: set[str] = set()
    for po in (web / "locale" / "en").glob("*.po"):
        with po.open("rb") as source:
            english |= {m.id for m in read_po(source) if m.id}
    texts: list[str] = []
    for module in ("forms.py", "pages/accounts.py", "pages/publish.py"):
        texts += [m for _l, m, _c, _x in extract_from_file("python", str(web / module))]
    for template in [*(web / "templates" / "account").glob("*.html"), *(web / "templates" / "publish").glob("*.html")]:
        texts += [m for _l, m, _c, _x in extract_from_file(
            "jinja2.ext:babel_extract", str(template), options={"extensions": "jinja2.ext.i18n"})]
    assert sorted(set(texts) - english) == []

    client.cookies.set("lang", "en")
    page = client.get("/inscription")
    assert '<html lang="en">' in page.text and "Create my account" in page.text
    refused = sign_up(client, "nope", "ok_name")
    assert error_for(refused.text, "email") == "invalid e-mail address"
