"""An open index: the entities in memory, the FTS5 table for candidates, identifiers, types.

:class:`ReconcileIndex` is what a request uses; :class:`IndexHolder` keeps the one of the store's
current generation for the API, opening the file the after-publish hook wrote or building it (in
memory for an in-memory store) when the generation changed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import OSA

from commons_graph.iris import Iris
from graph.store import GraphStore, Snapshot
from linking import normalise as norm
from reconcile import index as ix
from reconcile.entities import Entity
from reconcile.vocab import TypeInfo, ancestors, ontology_types, qid

#: Most distinct name tokens (with typo variants) an FTS query uses; the rarest are chosen.
MAX_TOKENS = 10
#: Most entities the rarest query words may select (see ReconcileIndex.search).
POSTINGS = 600
#: Candidates read by BM25 when every query word is common, whatever ``limit`` asks for.
CANDIDATES = 200


@dataclass(frozen=True)
class NameForms:
    folded: tuple[str, ...]  # each name folded
    keys: tuple[str, ...]  # each name's distinctive words, joined
    tokens: tuple[tuple[str, ...], ...]  # each name's distinctive words


class ReconcileIndex:
    """One generation's index, open. Safe to share between threads."""

    def __init__(self, conn: sqlite3.Connection, generation: str) -> None:
        self.conn = conn
        self.generation = generation
        self._lock = threading.Lock()
        self.entities: list[Entity] = ix.load_entities(conn)
        self.by_iri: dict[str, int] = {e.iri: i for i, e in enumerate(self.entities)}
        self.terms: dict[str, int] = ix.fts_terms(conn)
        self._by_length: dict[int, list[str]] = {}
        self._deletions: dict[str, list[str]] = {}
        for term in self.terms:
            self._by_length.setdefault(len(term), []).append(term)
            if len(term) >= 4 and not term.isdigit():
                for deleted in _deletions(term):
                    self._deletions.setdefault(deleted, []).append(term)
        self._forms: dict[int, NameForms] = {}
        self.sources: dict[str, str] = dict(conn.execute("SELECT source, graph FROM sources"))

    def close(self) -> None:
        self.conn.close()

    # -- lookups ---------------------------------------------------------------------------------
    def identifier(self, kind: str, value: str) -> list[int]:
        """Entities (positions) that carry the identifier."""
        with self._lock:
            rows = self.conn.execute(
                "SELECT entity FROM ident WHERE kind = ? AND value = ?", (kind, value)
            ).fetchall()
        return [r[0] - 1 for r in rows]

    def forms(self, position: int) -> NameForms:
        found = self._forms.get(position)
        if found is None:
            names = self.entities[position].names[:40]
            tokens = tuple(t for t in map(norm.name_tokens, names) if t)
            found = NameForms(
                tuple(norm.fold(n) for n in names), tuple(" ".join(t) for t in tokens), tokens
            )
            self._forms[position] = found
        return found

    def variants(self, token: str) -> list[str]:
        """The token if the index has it, else indexed words one edit away (found through an
        index of single-letter deletions, so in microseconds), or two edits away for words of
        eight letters or more (compared with the indexed words of about the same length)."""
        if token in self.terms or len(token) < 4:
            return [token] if token in self.terms else []
        near = {t for d in _deletions(token) for t in self._deletions.get(d, ())}
        found = sorted(t for t in near if OSA.distance(token, t) <= 1)
        if found or len(token) < 8:
            return found[:4]
        same_length = [
            t for n in range(len(token) - 2, len(token) + 3) for t in self._by_length.get(n, ())
        ]
        hits = process.extract(token, same_length, scorer=OSA.distance, score_cutoff=2, limit=4)
        return [term for term, _, _ in hits]

    def search(self, tokens: Sequence[str], tags: Sequence[str]) -> list[int]:
        """Entities whose names hold the query's rarest words (typos replaced by indexed words one
        or two edits away), only those with one of ``tags`` when tags are given.

        Words are taken rarest first while the entities holding them number at most
        :data:`POSTINGS`, so that a long name costs no more than a short one and a common word
        ("housing", "museum") never floods the candidates. When even the rarest word is common,
        the entities holding *all* the words are taken instead, the best :data:`CANDIDATES` by
        BM25."""
        chosen: list[str] = []
        for token in dict.fromkeys(tokens):
            for variant in self.variants(token):
                if variant not in chosen:
                    chosen.append(variant)
        if not chosen:
            return []
        chosen.sort(key=lambda t: (self.terms.get(t, 0), t))
        picked: list[str] = []
        total = 0
        for term in chosen[:MAX_TOKENS]:
            if picked and total + self.terms.get(term, 0) > POSTINGS:
                break
            picked.append(term)
            total += self.terms.get(term, 0)
        if total <= POSTINGS:
            sql = "SELECT rowid FROM names WHERE names MATCH ?"
            args: tuple[str | int, ...] = (ix.fts_query(picked, tags),)
        else:
            sql = "SELECT rowid FROM names WHERE names MATCH ? ORDER BY rank LIMIT ?"
            args = (ix.fts_query(chosen[:MAX_TOKENS], tags, every=True), CANDIDATES)
        with self._lock:
            rows = self.conn.execute(sql, args).fetchall()
        return [r[0] - 1 for r in rows]

    def prefix(self, words: Sequence[str], tags: Sequence[str], limit: int) -> list[int]:
        """Entities whose names hold every word, the last one as a prefix (for suggest)."""
        if not words:
            return []
        parts = ['"' + w.replace('"', '""') + '"' for w in words]
        parts[-1] += " *"
        query = "text : (" + " AND ".join(parts) + ")"
        if tags:
            query += " AND tags : (" + " OR ".join(f'"{t}"' for t in tags) + ")"
        with self._lock:
            rows = self.conn.execute(
                "SELECT rowid FROM names WHERE names MATCH ? ORDER BY rank LIMIT ?",
                (query, limit),
            ).fetchall()
        return [r[0] - 1 for r in rows]

    # -- types -----------------------------------------------------------------------------------
    @cached_property
    def types(self) -> dict[str, TypeInfo]:
        """Every type one can reconcile against: the vocabulary's organisation classes, the
        Wikidata classes of the loaded items, and each loaded source."""
        found: dict[str, TypeInfo] = dict(ontology_types())
        for entity in self.entities:
            for cls in entity.types:
                if cls not in found:
                    found[cls] = TypeInfo(cls, self.label_of(cls))
        for source, graph in self.sources.items():
            found[graph] = TypeInfo(graph, f"any record of {source}", f"every entity of {source}")
        return found

    def label_of(self, iri: str) -> str:
        """The name of an entity or class IRI if the index knows it, else its QID or IRI."""
        position = self.by_iri.get(iri)
        if position is not None and self.entities[position].names:
            return self.entities[position].names[0]
        info = ontology_types().get(iri)
        return info.name if info else (qid(iri) or iri)

    def type_tags(self, type_iri: str) -> list[str]:
        """The FTS tags a type filter stands for (a source graph, or a class and its equivalent)."""
        if type_iri in self.sources.values():
            return [ix.tag("so", type_iri)]
        return [ix.tag("ty", ancestors(type_iri)[0]), ix.tag("ty", type_iri)]

    def has_type(self, entity: Entity, graph: str, type_iri: str) -> bool:
        if type_iri in self.sources.values():
            return graph == type_iri
        wanted = ancestors(type_iri)[0]
        return any(wanted in ancestors(c) or c == type_iri for c in entity.types)


def _deletions(term: str) -> set[str]:
    """The term and every form of it with one letter deleted."""
    return {term, *(term[:i] + term[i + 1 :] for i in range(len(term)))}


def open_index(snapshot: Snapshot, iris: Iris) -> ReconcileIndex:
    """The index of ``snapshot``: its file (built now if missing), or built in memory."""
    path = ix.build_file(snapshot, iris)
    if path is None:
        return ReconcileIndex(ix.build(snapshot, iris, ":memory:"), snapshot.generation)
    return ReconcileIndex(ix.open_file(path), snapshot.generation)


class IndexHolder:
    """The index of the store's current generation, reopened when the generation changes."""

    def __init__(self, store: GraphStore, iris: Iris) -> None:
        self.store, self.iris = store, iris
        self._current: ReconcileIndex | None = None
        self._lock = threading.Lock()

    def ready(self) -> ReconcileIndex | None:
        """The open index if it is the current generation's (cheap: no building)."""
        current = self._current
        if current is not None and current.generation == self.store.snapshot().generation:
            return current
        return None

    def get(self) -> ReconcileIndex:
        """The current generation's index, opened or built now if need be (may take seconds)."""
        snapshot = self.store.snapshot()
        with self._lock:
            current = self._current
            if current is None or current.generation != snapshot.generation:
                current = open_index(snapshot, self.iris)
                self._current = current
            return current
