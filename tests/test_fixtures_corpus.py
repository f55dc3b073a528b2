"""The real-world ActivityPub corpus under tests/fixtures/ stays valid and documented.

Every ``*.json`` file (outside ``keys/`` and ``signatures/``, which have their own owners)
must parse, look like an ActivityStreams object, a WebFinger JRD, a NodeInfo document or
a list of typed objects, and be listed in ``tests/fixtures/README.md`` with its provenance.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
README = FIXTURES / "README.md"
EXCLUDED_DIRS = {"keys", "signatures"}


def _corpus_files() -> list[Path]:
    return sorted(
        path
        for path in FIXTURES.rglob("*.json")
        if path.relative_to(FIXTURES).parts[0] not in EXCLUDED_DIRS
    )


CORPUS = _corpus_files()


def _rel(path: Path) -> str:
    return path.relative_to(FIXTURES).as_posix()


def _is_jrd(doc: dict) -> bool:
    # WebFinger JRD (RFC 7033) or a /.well-known/nodeinfo links document.
    links = doc.get("links")
    return isinstance(links, list) and all(
        isinstance(link, dict) and "rel" in link for link in links
    )


def _is_nodeinfo(doc: dict) -> bool:
    software = doc.get("software")
    return (
        isinstance(doc.get("version"), str)
        and isinstance(software, dict)
        and "name" in software
        and isinstance(doc.get("protocols"), list)
    )


def _has_type(doc: object) -> bool:
    return isinstance(doc, dict) and isinstance(doc.get("type"), (str, list)) and bool(doc["type"])


def test_corpus_is_not_empty() -> None:
    assert len(CORPUS) >= 40, f"expected the fixture corpus, found {len(CORPUS)} files"
    servers = {path.relative_to(FIXTURES).parts[0] for path in CORPUS}
    assert {"mastodon", "mobilizon", "gancio"} <= servers


@pytest.mark.parametrize("path", CORPUS, ids=_rel)
def test_fixture_is_valid_activitystreams_or_discovery_json(path: Path) -> None:
    raw = path.read_text(encoding="utf-8")
    doc = json.loads(raw)
    if isinstance(doc, list):
        assert doc, f"{_rel(path)}: empty list"
        assert all(_has_type(item) for item in doc), f"{_rel(path)}: list item without type"
        return
    assert isinstance(doc, dict), f"{_rel(path)}: top level must be an object or a list"
    assert _has_type(doc) or _is_jrd(doc) or _is_nodeinfo(doc), (
        f"{_rel(path)}: neither an ActivityStreams object with a type, a JRD, nor NodeInfo"
    )
    if _has_type(doc) and not _is_jrd(doc):
        # Anything with a type that is not a bare embedded fragment carries an id,
        # except the Gancio location inputs, which test id-less parsing on purpose.
        assert "id" in doc or path.parent.name == "gancio", f"{_rel(path)}: no id"


@pytest.mark.parametrize("path", CORPUS, ids=_rel)
def test_fixture_is_listed_in_readme(path: Path) -> None:
    readme = README.read_text(encoding="utf-8")
    assert f"`{_rel(path)}`" in readme, f"{_rel(path)} is not documented in {README.name}"


def test_readme_lists_no_missing_files() -> None:
    readme = README.read_text(encoding="utf-8")
    listed = {
        cell.strip("`")
        for line in readme.splitlines()
        if line.startswith("| `")
        for cell in [line.split("|")[1].strip()]
        if cell.endswith(".json`")
    }
    present = {_rel(path) for path in CORPUS}
    assert listed - present == set(), f"README lists files that do not exist: {listed - present}"
