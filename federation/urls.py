"""The URL shapes that ids are minted under. Other servers store these ids forever: never
change a shape, only add new ones."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@dataclass(frozen=True, slots=True)
class Urls:
    base: str

    @property
    def host(self) -> str:
        return urlsplit(self.base).netloc

    def actor(self, username: str) -> str:
        return f"{self.base}/actors/{username}"

    def key_id(self, username: str) -> str:
        return f"{self.actor(username)}#main-key"

    def inbox(self, username: str) -> str:
        return f"{self.actor(username)}/inbox"

    def outbox(self, username: str) -> str:
        return f"{self.actor(username)}/outbox"

    def followers(self, username: str) -> str:
        return f"{self.actor(username)}/followers"

    def following(self, username: str) -> str:
        return f"{self.actor(username)}/following"

    def profile(self, username: str) -> str:
        return f"{self.base}/@{username}"

    @property
    def shared_inbox(self) -> str:
        return f"{self.base}/inbox"

    @property
    def instance_actor(self) -> str:
        return f"{self.base}/actor"

    def event(self, uuid: str) -> str:
        return f"{self.base}/events/{uuid}"

    def post(self, uuid: str) -> str:
        return f"{self.base}/posts/{uuid}"

    def place(self, uuid: str) -> str:
        return f"{self.base}/places/{uuid}"

    def activity(self, uuid: str) -> str:
        return f"{self.base}/activities/{uuid}"

    def is_local(self, uri: str) -> bool:
        return urlsplit(uri).netloc == self.host
