"""Why a remote fetch failed.

Each error carries ``public_message`` (safe to show a peer or a user), ``detail`` (for logs)
and ``url``::

    FetchError                 base class
    ├── UnsafeTarget           refused by netsafety: scheme, userinfo, private address
    │                          (the ``UnsafeAddress`` is ``reason`` and ``__cause__``)
    ├── TooManyRedirects       more than ``max_redirects`` redirects
    ├── RemoteUnreachable      DNS failure, timeout, refused or broken connection
    ├── RemoteStatus           a final non-2xx answer; ``status``; ``gone`` for 404 and 410
    ├── TooLarge               body above ``max_body_bytes``
    ├── NotJson                not a JSON media type, undecodable, malformed, not an object
    ├── InvalidHandle          (federation.fetch) not ``user@host``
    └── InvalidRemoteObject    (federation.fetch) JSON that is not the object asked for
        └── ForgedObject       its ``id`` is on another origin than the server that sent it
"""

from __future__ import annotations

from federation.netsafety import UnsafeAddress


class FetchError(Exception):
    """Base of every failed remote fetch; see the module docstring."""

    public_message: str = "The remote resource could not be fetched."

    def __init__(self, detail: str, *, url: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.url = url


class UnsafeTarget(FetchError):
    public_message = "The remote address is not an acceptable public http(s) address."

    def __init__(self, reason: UnsafeAddress, *, url: str | None = None) -> None:
        super().__init__(reason.detail, url=url)
        self.reason = reason


class TooManyRedirects(FetchError):
    public_message = "The remote server redirected too many times."


class RemoteUnreachable(FetchError):
    public_message = "The remote server could not be reached."


class RemoteStatus(FetchError):
    public_message = "The remote server refused the request."

    def __init__(self, status: int, *, url: str | None = None) -> None:
        super().__init__(f"HTTP {status} from {url}", url=url)
        self.status = status
        self.public_message = f"The remote server answered HTTP {status}."

    @property
    def gone(self) -> bool:
        """Whether the resource does not exist (404) or no longer exists (410)."""
        return self.status in (404, 410)


class TooLarge(FetchError):
    public_message = "The remote document is too large."


class NotJson(FetchError):
    public_message = "The remote document is not a JSON object."
