"""The freshness window of a signed request: its ``Date``, ``created`` and ``expires``."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from federation.signatures.errors import MalformedSignature, StaleDate


def as_utc(moment: datetime) -> datetime:
    """The aware ``moment`` in UTC; ``ValueError`` for a naive one."""
    if moment.tzinfo is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(UTC)


def from_timestamp(value: int) -> datetime:
    """A ``created``/``expires`` timestamp as an instant; ``MalformedSignature`` if out of range."""
    try:
        return datetime.fromtimestamp(value, UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise MalformedSignature(f"timestamp {value} out of range") from exc


def check_moment(moment: datetime, window: tuple[datetime, datetime], what: str) -> None:
    """Raise ``StaleDate`` unless ``moment`` lies within ``window`` (``what`` names it)."""
    if moment < window[0]:
        raise StaleDate(f"{what} {moment.isoformat()} is too old")
    if moment > window[1]:
        raise StaleDate(f"{what} {moment.isoformat()} is in the future")


def check_date(value: str | None, window: tuple[datetime, datetime]) -> None:
    """Raise unless the signed ``Date`` header is present, parsable and within ``window``."""
    if value is None:
        raise MalformedSignature("signed Date header is absent")
    try:
        sent = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError) as exc:
        raise MalformedSignature(f"unparsable Date {value!r}") from exc
    if sent.tzinfo is None:  # "-0000" means UTC with unknown origin
        sent = sent.replace(tzinfo=UTC)
    check_moment(sent, window, "Date")
