"""The one place that makes outgoing HTTP requests: safe GETs of remote documents and signed
POSTs to remote inboxes.

Every GET (``RemoteClient.get_json``, ``get_jrd``, ``get_document``) goes through, in order:

1. ``netsafety.check_url`` before each hop — the first request and every redirect, which are
   followed by hand, at most ``ClientPolicy.max_redirects`` of them: http(s) only, no userinfo,
   and a host that resolves only to public addresses (unless ``allow_private``). A refused URL
   is never requested.
2. At connect time, ``PublicAddressBackend`` resolves the host again, refuses it if any address
   is not public, and connects to one of the addresses it has just checked; TLS still verifies
   the certificate and sends SNI for the host *name*. A DNS answer that changes between step 1
   and the connection (DNS rebinding) therefore cannot reach a private address.
   Residual risks: both checks trust the system resolver, so ``/etc/hosts`` entries apply; a
   transport passed in (``httpx2.MockTransport``, ``ASGITransport`` in tests) skips step 2,
   while step 1 still resolves the URL's host; ``allow_private`` turns both checks off
   (development and loopback tests only).
3. One deadline of ``ClientPolicy.timeout`` seconds for the whole call: DNS, connection,
   redirects and body together, so a server trickling bytes cannot hold a worker.
4. ``Content-Length`` above ``max_body_bytes`` is refused up front, and the (decoded) body is
   counted while streaming and abandoned as soon as it passes the cap.
5. A JSON media type (activity+json, ld+json, json, jrd+json), valid JSON, and an object.

``post_activity`` signs (draft-cavage, with ``Digest``) and POSTs one activity, and never raises
for HTTP or network failures: it returns a ``PostOutcome`` for the delivery layer to judge. It
runs on aiohttp (``posting``: half the CPU of the httpx2 path per POST) with the same two
checks: ``netsafety.check_url_form`` before the request (a literal address, which aiohttp
connects to directly, must be public), and at connect time ``PublicResolver``, which resolves
the name with ``netsafety.resolve_public`` so the connection goes to an address just checked.

Connections. One ``httpx2.AsyncClient`` per ``RemoteClient`` for GETs (and one aiohttp session,
opened on the first POST, with the same limits per host and in all). Its transport keeps one small
pool per origin, of ``connections_per_host`` connections, rather than one large shared pool
(``docs/decisions.md`` §2: a shared pool of 50 collapsed signed-POST throughput); pools idle
for longer than their keep-alive are closed. At most ``total_connections`` requests are in
flight at once across all hosts; a call waits for a slot before its deadline starts. The
delivery layer limits concurrent deliveries to one host with ``host_semaphore(host)``, sized
like the per-host pool, so excess deliveries wait there rather than inside a pool.

This package is the public entry point; its modules are ``remote`` (``RemoteClient`` and the
values it takes and returns), ``policy`` (``ClientPolicy``), ``transport`` (steps 2 and the
per-origin pools), ``posting`` (the POSTs), ``responses`` (steps 4 and 5) and ``errors`` (the ``FetchError`` tree, each
with a ``public_message`` safe to show a peer or a user, a ``detail`` for logs and the ``url``).
"""

from __future__ import annotations

from federation.client.errors import (
    FetchError,
    NotJson,
    RemoteStatus,
    RemoteUnreachable,
    TooLarge,
    TooManyRedirects,
    UnsafeTarget,
)
from federation.client.policy import ClientPolicy
from federation.client.remote import (
    ACTIVITY_CONTENT_TYPE,
    AS_ACCEPT,
    JRD_ACCEPT,
    REDIRECT_STATUSES,
    PostOutcome,
    RemoteClient,
    RemoteDocument,
    Signer,
    parse_retry_after,
)
from federation.client.responses import ERROR_TEXT_CHARS, JSON_MEDIA_TYPES
from federation.client.transport import PublicAddressBackend, RemoteTransport

__all__ = [
    "ACTIVITY_CONTENT_TYPE",
    "AS_ACCEPT",
    "ERROR_TEXT_CHARS",
    "JRD_ACCEPT",
    "JSON_MEDIA_TYPES",
    "REDIRECT_STATUSES",
    "ClientPolicy",
    "FetchError",
    "NotJson",
    "PostOutcome",
    "PublicAddressBackend",
    "RemoteClient",
    "RemoteDocument",
    "RemoteStatus",
    "RemoteTransport",
    "RemoteUnreachable",
    "Signer",
    "TooLarge",
    "TooManyRedirects",
    "UnsafeTarget",
    "parse_retry_after",
]
