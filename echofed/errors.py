"""The error tree of echofed's services, each with a message that is safe to show.

    EchofedError            base; ``public_message`` is shown to users, ``detail`` is logged
    ├── NotFound            the thing asked for does not exist (HTTP 404)
    ├── Invalid             bad input; ``field`` names the offending field (HTTP 422)
    ├── Conflict            already exists / state does not allow it (HTTP 409)
    └── Forbidden           the caller may not do this (HTTP 403)

Errors are raised where they are detected and caught only at the edges (HTTP handlers, CLI,
jobs), which turn them into a status code, an exit status or a failed row.
"""

from __future__ import annotations


class EchofedError(Exception):
    status_code = 400

    def __init__(self, public_message: str, *, detail: str | None = None) -> None:
        super().__init__(public_message)
        self.public_message = public_message
        self.detail = detail or public_message


class NotFound(EchofedError):
    status_code = 404


class Invalid(EchofedError):
    status_code = 422

    def __init__(self, field: str, public_message: str) -> None:
        super().__init__(f"{field}: {public_message}")
        self.field = field
        self.reason = public_message


class Conflict(EchofedError):
    status_code = 409


class Forbidden(EchofedError):
    status_code = 403
