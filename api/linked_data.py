"""What the Linked Data routers share: sources, entity lists and HTTP validators, per generation.

One :class:`LinkedData` lives on ``app.state`` (made on first use by :func:`get_linked_data`). It
caches what is costly to recompute and cannot change within a generation (generations are
immutable): the sources listed in the metadata graph and the sorted entity list of each graph.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path
from typing import Annotated, TypeVar

from fastapi import Depends, Request, Response

from api.dump_files import DumpFiles
from commons_graph.errors import Gone, NotFound
from commons_graph.iris import Iris
from commons_graph.settings import Settings
from graph.store import GraphStore, Snapshot
from loaders.provenance import SourceInfo, list_sources

K = TypeVar("K")
V = TypeVar("V")


class _Lru(OrderedDict[K, V]):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size
        self.lock = threading.Lock()

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        with self.lock:
            if key in self:
                self.move_to_end(key)
                return self[key]
        return self.put(key, make())

    def put(self, key: K, value: V) -> V:
        with self.lock:
            self[key] = value
            while len(self) > self.size:
                self.popitem(last=False)
        return value


@dataclass
class LinkedData:
    store: GraphStore
    settings: Settings
    dump_processes: Executor | None = None  # see api.dump_files.dump_workers

    def __post_init__(self) -> None:
        self.iris = Iris(self.settings.base_url)
        self.context_url = f"{self.settings.base_url}/context.jsonld"
        self._sources: _Lru[str, dict[str, SourceInfo]] = _Lru(4)
        self._entities: _Lru[tuple[str, str], list[str]] = _Lru(64)
        store_dir = self.settings.store
        if self.settings.dump_dir is not None:
            self.dump_dir = self.settings.dump_dir
        elif store_dir is not None:
            self.dump_dir = store_dir / "dumps"
        else:
            self.dump_dir = Path(tempfile.mkdtemp(prefix="commons-graph-dumps-"))
        self.dumps = DumpFiles(self.dump_dir, self.store, self.context_url, self.dump_processes)

    def sources(self, snapshot: Snapshot) -> dict[str, SourceInfo]:
        """The loaded sources of ``snapshot``, by name."""
        return self._sources.get_or_make(
            snapshot.generation,
            lambda: {info.source: info for info in list_sources(snapshot, self.iris)},
        )

    def source(self, snapshot: Snapshot, name: str) -> SourceInfo:
        found = self.sources(snapshot).get(name)
        if found is None:
            known = ", ".join(sorted(self.sources(snapshot))) or "none yet"
            raise NotFound(f"there is no source {name!r} in the graph (sources: {known})")
        return found

    def entity_list(self, snapshot: Snapshot, info: SourceInfo) -> list[str]:
        """The IRIs of the entities of ``info``'s source, sorted (see
        :func:`graph.describe.entities`), from the scan that makes its JSON-LD lines dump."""
        return self._entities.get_or_make(
            (snapshot.generation, info.graph), lambda: self.dumps.entities(snapshot, info)
        )

    def entity_lists(self, snapshot: Snapshot, infos: list[SourceInfo]) -> list[list[str]]:
        """:meth:`entity_list` of each of ``infos``; the missing ones are made side by side."""
        missing = [i for i in infos if (snapshot.generation, i.graph) not in self._entities]
        self.dumps.ensure_all(snapshot, missing, "jsonld")
        return [self.entity_list(snapshot, i) for i in infos]

    def pinned(self, generation: str) -> Snapshot:
        """The snapshot of ``generation`` (a cursor's), or 410 naming the current version."""
        snapshot = self.store.snapshot_at(generation)
        if snapshot is None:
            current = self.store.snapshot().generation
            raise Gone(
                f"store version {generation} is no longer kept (the current one is {current}); "
                "start the harvest again from its first page"
            )
        return snapshot


def get_linked_data(request: Request) -> LinkedData:
    state = request.app.state
    found: LinkedData | None = getattr(state, "linked_data", None)
    if found is None or found.store is not state.store:
        found = LinkedData(state.store, state.settings, getattr(state, "dump_processes", None))
        state.linked_data = found
    return found


LinkedDataDep = Annotated[LinkedData, Depends(get_linked_data)]


# -- HTTP validators ----------------------------------------------------------------------------


def etag_of(*parts: str | bytes) -> str:
    """A strong ETag from the parts that determine a representation."""
    digest = hashlib.blake2b(digest_size=12)
    for part in parts:
        digest.update(part.encode() if isinstance(part, str) else part)
        digest.update(b"\0")
    return f'"{digest.hexdigest()}"'


def http_date(value: str | datetime | None) -> str | None:
    """An xsd:dateTime (or datetime) as an HTTP date."""
    if value is None:
        return None
    when = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return format_datetime(when.astimezone(UTC), usegmt=True)


def validators(etag: str, last_modified: str | None) -> dict[str, str]:
    headers = {"ETag": etag}
    if last_modified:
        headers["Last-Modified"] = last_modified
    return headers


def not_modified(request: Request, etag: str, last_modified: str | None) -> Response | None:
    """A 304 if the request's ``If-None-Match`` (or, without it, ``If-Modified-Since``) holds."""
    headers = validators(etag, last_modified)
    match = request.headers.get("if-none-match")
    if match is not None:
        tags = {t.strip().removeprefix("W/") for t in match.split(",")}
        if "*" in tags or etag in tags:
            return Response(status_code=304, headers=headers)
        return None
    since = request.headers.get("if-modified-since")
    if since and last_modified:
        try:
            if parsedate_to_datetime(last_modified) <= parsedate_to_datetime(since):
                return Response(status_code=304, headers=headers)
        except (TypeError, ValueError):
            return None  # an unreadable date is ignored, as RFC 9110 says
    return None
