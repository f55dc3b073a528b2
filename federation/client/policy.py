"""How the remote client behaves: deadline, body cap, redirects and connection limits."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClientPolicy:
    """How the remote client behaves; built by the composition root from the settings.

    ``timeout`` bounds a whole call (DNS, connection, redirects and body), in seconds;
    ``connections_per_host`` sizes each per-origin pool and ``host_semaphore``;
    ``total_connections`` bounds requests in flight across all hosts.
    """

    allow_private: bool = False
    timeout: float = 10.0
    max_body_bytes: int = 1024 * 1024
    max_redirects: int = 3
    user_agent: str = "echofed"
    connections_per_host: int = 4
    total_connections: int = 100

    def __post_init__(self) -> None:
        if self.timeout <= 0 or self.max_body_bytes <= 0 or self.max_redirects < 0:
            raise ValueError("timeout and max_body_bytes must be positive, max_redirects >= 0")
        if self.connections_per_host < 1 or self.total_connections < 1:
            raise ValueError("connection limits must be at least 1")
