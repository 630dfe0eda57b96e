"""What every loader produces, and the context it is given.

A loader turns one input into a stream of :class:`Mapped` records (the triples of one entity) and
:class:`Rejected` records (a row or entity that could not be mapped, with where and why). The
pipeline in :mod:`loaders.pipeline` writes the first into the source graph and the second into the
rejects file; loaders never touch the store.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import BinaryIO, Protocol

from pyoxigraph import NamedNode, Quad, Triple

from commons_graph.iris import Iris


@dataclass(frozen=True)
class Mapped:
    """The statements of one record, as quads in ``LoadContext.target_graph`` (or as triples).
    ``kind`` is what it counts as ("organisation", "item", ...).

    A loader that maps in worker processes hands the statements over already serialised:
    ``nquads`` is then the record's N-Quads (every quad in ``LoadContext.target_graph``, written
    with ``pyoxigraph.serialize``) and ``triples`` is empty. Consumers that only need to tell
    whether a record changed use :meth:`digest`, which never materialises the quads.
    """

    triples: Sequence[Quad | Triple]
    kind: str
    extra: dict[str, int] = field(default_factory=dict)  # e.g. {"platform": 3}
    #: False for triples that are not a record of the input (e.g. conflicts found across rows)
    is_record: bool = True
    #: the record's entity; its nested nodes are the other subjects of ``triples``
    entity: NamedNode | None = None
    #: the statements as N-Quads in the target graph, instead of ``triples`` (b"": not used)
    nquads: bytes = b""
    #: the entity's classes, where the loader knows them (the change feed records them with each
    #: activity; None: it looks them up in the written graph)
    types: tuple[NamedNode, ...] | None = None

    def digest(self) -> bytes:
        """A stable SHA-256 of the record's statements, for load steps that detect changes
        (the change feed) without materialising quads: equal statements, equal digests.

        It hashes the sorted N-Quads lines of the statements, so neither their order nor their
        form matters: ``nquads`` and the same quads in ``triples`` give the same digest.
        """
        if self.nquads:
            lines = self.nquads.splitlines(keepends=True)
        else:
            lines = [str(statement).encode("utf-8") + b" .\n" for statement in self.triples]
        lines.sort()
        return hashlib.sha256(b"".join(lines)).digest()


@dataclass(frozen=True)
class Rejected:
    """A record that could not be mapped. ``raw`` is its verbatim text, for the rejects file."""

    line: int
    field: str | None
    reason: str
    raw: str


@dataclass(frozen=True)
class Header:
    """The input's verbatim preamble (a CSV header line), written at the top of the rejects file."""

    raw: str


Record = Mapped | Rejected | Header


@dataclass(frozen=True)
class LoadContext:
    """What a loader may know: where the input came from and how IRIs are built."""

    source: str
    input_name: str
    iris: Iris
    options: dict[str, object] = field(default_factory=dict)
    #: the named graph being loaded; None means the source's graph
    graph: NamedNode | None = None

    @property
    def target_graph(self) -> NamedNode:
        """Loaders build their statements as quads in this graph (cheaper than triples, which the
        store would have to turn into quads)."""
        return self.graph if self.graph is not None else self.iris.graph(self.source)

    def entity(self, key: str, fragment: str | None = None) -> NamedNode:
        return self.iris.entity(self.source, key, fragment)


class Loader(Protocol):
    """One source format. Implementations live one per module in ``loaders/``."""

    #: the FORMAT name on the command line
    name: str
    #: the licence IRI of data in this format, recorded in the provenance (None: not known)
    licence: str | None
    #: the suffix of the rejects file (".csv", ".jsonl", ...)
    rejects_suffix: str

    def default_source(self, head: bytes) -> str:
        """The source name used when ``--source`` is not given; ``head`` is the input's first
        bytes (decompressed), for formats whose files come in several layouts."""
        ...

    def records(self, stream: BinaryIO, ctx: LoadContext) -> Iterator[Record]:
        """Stream the records of the input (a binary stream, already decompressed).

        Yield a :class:`Header` first if the format has one. Raise
        :class:`~commons_graph.errors.BadInput` when the input as a whole is unusable (wrong
        columns, not UTF-8, ...); yield :class:`Rejected` for a single bad record and go on.
        """
        ...
