"""The text index beside the store: SQLite with FTS5, one file per store generation.

``<store>/reconcile/<generation>.sqlite`` holds every entity (its features as JSON), its identifiers
(``ident``: kind, value → entity) and an FTS5 table of its folded names with *tags* (one token per
type, broader type and source) so that a type or source filter is part of the text query. A build
reuses the entities of every source whose load stamp (last load time and triple count, from the
provenance graph) is unchanged since the previous index file, and reads only the sources that were
loaded since; so the after-publish hook costs one source's read, and a write that loads nothing
(the link step, a SPARQL Update elsewhere) costs a copy.

An in-memory store gets an in-memory index (built by the API on first use).
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from commons_graph.iris import Iris
from graph.store import Snapshot
from linking import normalise as norm
from loaders.provenance import list_sources
from reconcile.entities import SKIPPED, Entity, read_entities
from reconcile.vocab import ancestors

#: Bump when the file layout or the entity features change: older files are rebuilt.
FORMAT_VERSION = "1"

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (source TEXT PRIMARY KEY, graph TEXT NOT NULL, stamp TEXT NOT NULL);
CREATE TABLE entity (id INTEGER PRIMARY KEY, iri TEXT NOT NULL, source TEXT NOT NULL,
                     data TEXT NOT NULL);
CREATE TABLE ident (kind TEXT NOT NULL, value TEXT NOT NULL, entity INTEGER NOT NULL);
CREATE VIRTUAL TABLE names USING fts5(text, tags, tokenize = 'unicode61 remove_diacritics 2');
"""
_INDEXES = """
CREATE INDEX ident_kv ON ident (kind, value);
CREATE INDEX entity_iri ON entity (iri);
CREATE VIRTUAL TABLE names_vocab USING fts5vocab(names, col);
"""


def tag(kind: str, iri: str) -> str:
    """The FTS token of a type (``kind`` "ty") or a source graph ("so"): letters and digits only,
    so that no IRI ever reaches the FTS query syntax."""
    return kind + hashlib.sha1(iri.encode("utf-8")).hexdigest()[:12]


def name_text(names: Iterable[str]) -> str:
    """What the FTS table holds for a list of names: each folded, and its distinctive-word form
    (legal-form words dropped, co-operative spelled "coop")."""
    parts: list[str] = []
    for name in names:
        parts.append(norm.fold(name))
        key = norm.name_key(name)
        if key:
            parts.append(key)
    return " ; ".join(parts)


def entity_tags(entity: Entity, graph: str) -> str:
    tags = {tag("so", graph)}
    for cls in entity.types:
        tags.update(tag("ty", c) for c in ancestors(cls))
    return " ".join(sorted(tags))


def index_file(snapshot: Snapshot) -> Path | None:
    """Where the index of this generation lives (None for an in-memory store)."""
    if snapshot.path is None:
        return None
    return snapshot.path.parent.parent / "reconcile" / f"{snapshot.generation}.sqlite"


def _stamps(snapshot: Snapshot, iris: Iris) -> dict[str, tuple[str, str]]:
    """{source: (graph, stamp)} of the loaded, non-reference sources."""
    return {
        s.source: (s.graph, f"{s.modified}|{s.triples}")
        for s in list_sources(snapshot, iris)
        if s.format not in SKIPPED
    }


#: Entities inserted at a time: the build holds one batch of rows, not the whole index.
BATCH = 1_000


def _previous_stamps(path: Path | None) -> dict[str, tuple[str, str]] | None:
    """{source: (graph, stamp)} of a previous index file, or None when it cannot be reused."""
    if path is None or not path.is_file():
        return None
    try:
        conn = open_file(path)
        try:
            version = conn.execute("SELECT value FROM meta WHERE key = 'version'").fetchone()
            if version is None or version[0] != FORMAT_VERSION:
                return None
            return {s: (g, st) for s, g, st in conn.execute("SELECT * FROM sources")}
        finally:
            conn.close()
    except sqlite3.Error:
        return None  # a damaged or foreign file: rebuild from the store


def _previous_entities(path: Path, source: str) -> list[Entity] | None:
    """The entities of one source in a previous index file, in their order there; None when the
    file cannot be read."""
    try:
        conn = open_file(path)
        try:
            rows = conn.execute("SELECT data FROM entity WHERE source = ? ORDER BY id", (source,))
            return [Entity.from_json(json.loads(data)) for (data,) in rows]
        finally:
            conn.close()
    except sqlite3.Error:
        return None


def _entities(
    snapshot: Snapshot, stamps: dict[str, tuple[str, str]], previous: Path | None
) -> Iterator[tuple[str, str, list[Entity]]]:
    """(source, graph, its entities) of each source in name order: the entities of the previous
    index file when the source's stamp is unchanged since, else read from the snapshot. One
    source's entities are held at a time."""
    old = _previous_stamps(previous)
    for source in sorted(stamps):
        graph, stamp = stamps[source]
        entities = None
        if old is not None and previous is not None and old.get(source) == (graph, stamp):
            entities = _previous_entities(previous, source)
        if entities is None:
            entities = read_entities(snapshot, graph, source)
        yield source, graph, entities


def _insert(
    conn: sqlite3.Connection,
    rows: list[tuple[int, str, str, str]],
    idents: list[tuple[str, str, int]],
    texts: list[tuple[int, str, str]],
) -> None:
    """Insert one batch of entities (their rows, identifiers and names) and empty the lists."""
    conn.executemany("INSERT INTO entity VALUES (?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO ident VALUES (?, ?, ?)", idents)
    conn.executemany("INSERT INTO names (rowid, text, tags) VALUES (?, ?, ?)", texts)
    rows.clear()
    idents.clear()
    texts.clear()


def build(
    snapshot: Snapshot, iris: Iris, target: str | Path, previous: Path | None = None
) -> sqlite3.Connection:
    """Write the index of ``snapshot`` into ``target`` (a path or ":memory:") and return it open.
    The entities are inserted :data:`BATCH` at a time, in one transaction."""
    stamps = _stamps(snapshot, iris)
    conn = sqlite3.connect(str(target), check_same_thread=False)
    conn.executescript(_SCHEMA)
    rows: list[tuple[int, str, str, str]] = []
    idents: list[tuple[str, str, int]] = []
    texts: list[tuple[int, str, str]] = []
    rowid = 0
    with conn:
        for source, graph, entities in _entities(snapshot, stamps, previous):
            for entity in entities:
                rowid += 1
                rows.append((rowid, entity.iri, source, json.dumps(entity.to_json())))
                idents.extend((kind, value, rowid) for kind, value in entity.ids)
                texts.append((rowid, name_text(entity.names), entity_tags(entity, graph)))
                if len(rows) >= BATCH:
                    _insert(conn, rows, idents, texts)
            del entities
        _insert(conn, rows, idents, texts)
        conn.executemany(
            "INSERT INTO sources VALUES (?, ?, ?)", [(s, g, st) for s, (g, st) in stamps.items()]
        )
        conn.executemany(
            "INSERT INTO meta VALUES (?, ?)",
            [("version", FORMAT_VERSION), ("generation", snapshot.generation)],
        )
        conn.executescript(_INDEXES)
        conn.execute("INSERT INTO names (names) VALUES ('optimize')")
    return conn


def latest_file(folder: Path) -> Path | None:
    files = sorted(folder.glob("gen-*.sqlite")) if folder.is_dir() else []
    return files[-1] if files else None


def build_file(snapshot: Snapshot, iris: Iris) -> Path | None:
    """Build the index file of ``snapshot`` (if it has none yet) beside the store, from the latest
    older one; delete the files of generations the store no longer has. None for memory stores."""
    path = index_file(snapshot)
    if path is None:
        return None
    if path.is_file():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    tmp.unlink(missing_ok=True)
    build(snapshot, iris, tmp, latest_file(path.parent)).close()
    os.replace(tmp, path)
    collect_garbage(path)
    return path


def collect_garbage(current: Path) -> None:
    """Delete index files of generations that the store has deleted."""
    gens = current.parent.parent / "gens"
    for old in current.parent.glob("gen-*.sqlite"):
        if old != current and not (gens / old.stem).exists():
            old.unlink(missing_ok=True)


def open_file(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)


def fts_terms(conn: sqlite3.Connection) -> dict[str, int]:
    """{term: number of entities whose names contain it}."""
    return dict(conn.execute("SELECT term, doc FROM names_vocab WHERE col = 'text'").fetchall())


def load_entities(conn: sqlite3.Connection) -> list[Entity]:
    """Every entity, by row id (row ``i`` at position ``i - 1``)."""
    return [
        Entity.from_json(json.loads(data))
        for (data,) in conn.execute("SELECT data FROM entity ORDER BY id")
    ]


def fts_query(tokens: Sequence[str], tags: Sequence[str], every: bool = False) -> str:
    """An FTS5 query: any (or ``every``) of ``tokens`` in the names, and (when given) any of
    ``tags``. Every token is a quoted string (quotes doubled), so no input is ever FTS syntax."""
    names = (" AND " if every else " OR ").join('"' + t.replace('"', '""') + '"' for t in tokens)
    if not tags:
        return f"text : ({names})"
    kinds = " OR ".join('"' + t.replace('"', '""') + '"' for t in tags)
    return f"(text : ({names})) AND (tags : ({kinds}))"
