"""``GET /metrics``: Prometheus text format.

Counts by state come from the database (the truth, shared by every process); job latency and
outcomes are this process's own histograms and counters.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.requests import Request
from starlette.responses import Response

from storage.queries.federation import delivery_counts, inbox_counts, retrying_count

DELIVERY_STATES = ("pending", "delivered", "failed", "parked")
INBOX_STATES = ("received", "processed", "ignored", "failed")


def _gauge(name: str, help_text: str, samples: list[tuple[str, float]]) -> str:
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    lines += [f"{name}{labels} {value}" for labels, value in samples]
    return "\n".join(lines) + "\n"


async def metrics(request: Request) -> Response:
    runtime = request.app.state.runtime
    async with runtime.sessions() as session:
        deliveries = await delivery_counts(session)
        inbox = await inbox_counts(session)
        retrying = await retrying_count(session)
    text = _gauge(
        "echofed_deliveries", "Deliveries by state",
        [(f'{{state="{s}"}}', deliveries.get(s, 0)) for s in DELIVERY_STATES],
    )
    text += _gauge("echofed_deliveries_retrying", "Pending deliveries already tried", [("", retrying)])
    text += _gauge(
        "echofed_inbox_items", "Received activities by state",
        [(f'{{state="{s}"}}', inbox.get(s, 0)) for s in INBOX_STATES],
    )
    body = text.encode() + generate_latest(REGISTRY)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
