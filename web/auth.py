"""Who is signed in (a signed session cookie), CSRF tokens for every form, and sign-in rate
limiting."""

from __future__ import annotations

import hmac
import secrets
import time
from collections import OrderedDict, deque

from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.exceptions import HTTPException
from starlette.requests import Request

from storage.tables import Account

SESSION_ACCOUNT = "account_id"
SESSION_CSRF = "csrf"


def csrf_token(request: Request) -> str:
    token = request.session.get(SESSION_CSRF)
    if not token:
        token = secrets.token_urlsafe(32)
        request.session[SESSION_CSRF] = token
    return str(token)


def check_csrf(request: Request, submitted: object) -> None:
    """Refuse a form whose token is not this session's (403, nothing changed)."""
    expected = request.session.get(SESSION_CSRF)
    if not expected or not isinstance(submitted, str) or not hmac.compare_digest(expected, submitted):
        raise HTTPException(403, "Jeton de formulaire invalide ou expiré : rechargez la page.")


async def current_account(request: Request, session: AsyncSession) -> Account | None:
    account_id = request.session.get(SESSION_ACCOUNT)
    if not isinstance(account_id, int):
        return None
    account = await session.get(Account, account_id)
    if account is None or not account.is_approved:
        return None
    return account


def sign_in(request: Request, account: Account) -> None:
    request.session.clear()
    request.session[SESSION_ACCOUNT] = account.id
    request.session[SESSION_CSRF] = secrets.token_urlsafe(32)


def sign_out(request: Request) -> None:
    request.session.clear()


class RateLimiter:
    """At most ``limit`` attempts per key in ``window`` seconds (per process), in bounded memory.

    Keys are kept in the order of their latest attempt, so those whose window has passed are
    at the front and are dropped as new attempts come in. Beyond ``max_keys`` live keys the
    least recently tried is forgotten: a flood of new keys can then reset an old key's count,
    which is better than refusing everyone or growing without end.
    """

    def __init__(self, limit: int = 5, window: float = 300.0, *, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._hits: OrderedDict[str, deque[float]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._hits)

    def allow(self, key: str, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        self._forget_expired(now)
        hits = self._hits.get(key)
        if hits is None:
            while len(self._hits) >= self.max_keys:
                self._hits.popitem(last=False)
            hits = self._hits[key] = deque(maxlen=self.limit)
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) >= self.limit:
            return False
        hits.append(now)
        self._hits.move_to_end(key)
        return True

    def _forget_expired(self, now: float) -> None:
        while self._hits:
            key, hits = next(iter(self._hits.items()))
            if hits and hits[-1] > now - self.window:
                return
            del self._hits[key]
