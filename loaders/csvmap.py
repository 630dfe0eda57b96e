"""The CSV mapping engine: one declarative mapping per layout, one loader per format.

``CsvLoader(format, mappings)`` picks the layout whose columns match the file's header, then maps
each row to the triples of one entity ``{BASE}/id/{source}/{key}`` and its nested nodes. A row
that cannot be mapped is rejected with its line, field and reason, and the rest of the file loads.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import BinaryIO

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, serialize

from commons_graph.errors import BadInput
from commons_graph.iris import Iris
from commons_graph.namespaces import RDF_TYPE, XSD
from loaders.base import Header, LoadContext, Mapped, Record, Rejected
from loaders.derive import DERIVATIONS, Derived
from loaders.mapping_spec import FieldSpec, Mapping, NodeSpec, load_mapping, table_index
from loaders.values import PARSERS

XSD_BOOLEAN = NamedNode(XSD + "boolean")
TermMaker = Callable[[str], NamedNode | Literal | None]


class RowError(Exception):
    def __init__(self, column: str | None, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


@dataclass(frozen=True)
class _Field:
    spec: FieldSpec
    column: str
    index: int | None  # None: a constant
    fallback: int | None
    predicate: NamedNode
    node: str  # node name with {i} resolved
    make: TermMaker
    unknown_predicate: NamedNode | None
    invalid_predicate: NamedNode | None


class _Compiled:
    """A mapping resolved against one header: column indexes, expanded IRIs, term makers."""

    def __init__(self, mapping: Mapping, header: Sequence[str], iris: Iris) -> None:
        self.mapping = mapping
        self.iris = iris
        pos = {name: i for i, name in enumerate(header)}
        self.width = len(header)
        self.key_index = pos[mapping.key] if mapping.key else None
        self.key_indexes = [pos[c] for c in mapping.key_columns or ()]
        self.nodes: dict[str, NodeSpec] = {}
        self.fragments: dict[str, str] = {}
        self.fields: list[_Field] = []
        for name, spec in mapping.nodes.items():
            for i in spec.repeat or [0]:
                node = name.replace("{i}", str(i))
                self.nodes[node] = spec
                self.fragments[node] = (spec.fragment or node).replace("{i}", str(i))
        for f in mapping.fields:
            repeat = mapping.nodes[f.node].repeat if f.node in mapping.nodes else None
            for i in repeat or [0]:
                column = f.column.replace("{i}", str(i))
                fallback = f.fallback.replace("{i}", str(i)) if f.fallback else None
                self.fields.append(
                    _Field(
                        spec=f,
                        column=column,
                        index=pos[column] if column else None,
                        fallback=pos[fallback] if fallback else None,
                        predicate=NamedNode(mapping.expand(f.predicate)),
                        node=f.node.replace("{i}", str(i)),
                        make=self._term_maker(f),
                        unknown_predicate=self._opt(f.unknown_predicate),
                        invalid_predicate=self._opt(f.invalid_predicate),
                    )
                )
        # constants last: they only join nodes that already have triples from columns
        self.fields.sort(key=lambda fld: fld.index is None)
        self.types = {
            node: [NamedNode(mapping.expand(t)) for t in spec.types]
            for node, spec in [("entity", mapping.entity), *self.nodes.items()]
        }
        self.links = {n: self._opt(s.link) for n, s in self.nodes.items()}

    def _opt(self, curie: str | None) -> NamedNode | None:
        return NamedNode(self.mapping.expand(curie)) if curie else None

    def _term_maker(self, f: FieldSpec) -> TermMaker:
        if f.value == "literal":
            if f.lang:
                lang = f.lang
                return lambda v: Literal(v, language=lang)
            if f.datatype:
                dt = NamedNode(self.mapping.expand(f.datatype))
                return lambda v: Literal(v, datatype=dt)
            return Literal
        if f.value == "iri":
            template = f.template or "{value}"
            return lambda v: NamedNode(template.replace("{value}", v))
        source = f.entity_source or ""
        return lambda v: self.iris.entity(source, v)


class CsvLoader:
    """A loader for one CSV format with one or more layouts (mapping files)."""

    rejects_suffix = ".csv"

    def __init__(self, name: str, mapping_names: Sequence[str]) -> None:
        self.name = name
        self._mapping_names = tuple(mapping_names)

    @property
    def mappings(self) -> list[Mapping]:
        return [load_mapping(n) for n in self._mapping_names]

    @property
    def licence(self) -> str:
        return self.mappings[0].licence

    def _layout(self, header: Sequence[str], where: str) -> Mapping:
        got = set(header)
        for mapping in self.mappings:
            if set(mapping.columns) <= got:
                return mapping
        best = min(self.mappings, key=lambda m: len(set(m.columns) - got))
        missing = sorted(set(best.columns) - got)
        raise BadInput(
            f"{where + ': ' if where else ''}the columns are not those of a {self.name} file "
            f"({best.layout} layout): "
            f"missing {', '.join(repr(c) for c in missing[:8])}"
            + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        )

    def default_source(self, head: bytes) -> str:
        first = head.decode("utf-8", errors="replace").lstrip("\ufeff").splitlines()
        header = next(csv.reader(first[:1]), [])
        return self._layout(header, "").default_source

    def records(self, stream: BinaryIO, ctx: LoadContext) -> Iterator[Record]:
        text = io.TextIOWrapper(stream, encoding="utf-8", errors="strict", newline="")
        lines = _Recorder(text)
        reader = csv.reader(lines)
        try:
            header = next(reader)
        except StopIteration:
            raise BadInput(f"{ctx.input_name}: the file is empty") from None
        if header:
            header[0] = header[0].lstrip("\ufeff")
        yield Header(lines.take())
        compiled = _Compiled(self._layout(header, ctx.input_name), header, ctx.iris)
        yield from _RowMapper(compiled, ctx).run(reader, lines)


class _Recorder:
    """Iterates a text stream's lines for csv.reader and keeps the verbatim text of a record."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self._text = text
        self._buffer: list[str] = []
        self.line = 0

    def __iter__(self) -> _Recorder:
        return self

    def __next__(self) -> str:
        line = self._text.readline()
        if not line:
            raise StopIteration
        self._buffer.append(line)
        self.line += 1
        return line

    def take(self) -> str:
        raw = "".join(self._buffer)
        self._buffer.clear()
        return raw


class _RowMapper:
    def __init__(self, compiled: _Compiled, ctx: LoadContext) -> None:
        self.c = compiled
        self.m = compiled.mapping
        self.ctx = ctx
        self.graph = ctx.target_graph
        self.seen: dict[str, int] = {}
        self.shared: dict[str, dict[str, list[NamedNode]]] = {s.field: {} for s in self.m.shared}

    def run(self, reader: Iterator[list[str]], lines: _Recorder) -> Iterator[Record]:
        start = lines.line + 1
        for row in reader:
            raw = lines.take()
            try:
                yield self._map(row)
            except RowError as err:
                yield Rejected(start, err.column, err.reason, raw)
            start = lines.line + 1
        if self.m.shared:
            yield from self._conflicts()

    def _key(self, row: list[str]) -> str:
        if self.c.key_index is not None:
            key = row[self.c.key_index].strip()
            if key and self.m.key_parse:
                try:
                    parsed = PARSERS[self.m.key_parse](key)
                except ValueError as err:
                    raise RowError(self.m.key, f"the key is not valid: {err}") from None
                key = parsed if isinstance(parsed, str) else ""
            if not key:
                raise RowError(self.m.key, "the key column is empty")
            return key
        parts = [row[i].strip() for i in self.c.key_indexes]
        digest = hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:12]
        return f"{parts[0]}-{digest}" if self.m.key_prefix_column else digest

    def _map(self, row: list[str]) -> Mapped:
        if len(row) != self.c.width:
            raise RowError(None, f"the row has {len(row)} fields, the header {self.c.width}")
        key = self._key(row)
        if key in self.seen:
            if self.m.duplicate_keys == "reject":
                raise RowError(
                    self.m.key, f"duplicate key {key!r}, first seen in record {self.seen[key]}"
                )
            base, n = key, 2
            while (key := f"{base}-{n}") in self.seen:
                n += 1
        entity = self.ctx.entity(key)
        # a node's IRI is the entity's with its fragment (as LoadContext.entity makes it)
        node_iris: dict[str, NamedNode] = {"entity": entity}
        by_node: dict[str, list[Quad]] = {}
        values: dict[str, dict[str, list[str]]] = {}
        for f in self.c.fields:
            if f.index is None:  # a constant
                if f.node != "entity" and f.node not in by_node:
                    continue
                cell = f.spec.constant or ""
            else:
                cell = row[f.index].strip()
                if not cell and f.fallback is not None:
                    cell = row[f.fallback].strip()
            if not cell and not f.spec.required:
                continue  # most cells of a wide table are empty: no terms to make
            subject = node_iris.get(f.node)
            if subject is None:
                subject = NamedNode(f"{entity.value}#{self.c.fragments[f.node]}")
                node_iris[f.node] = subject
            for term, raw in self._terms(f, cell):
                by_node.setdefault(f.node, []).append(Quad(subject, term[0], term[1], self.graph))
                if f.spec.id:
                    values.setdefault(f.node, {}).setdefault(f.spec.id, []).append(raw)
        triples = [Quad(entity, RDF_TYPE, t, self.graph) for t in self.c.types["entity"]]
        triples += by_node.pop("entity", [])
        types = tuple(  # each once, in order
            dict.fromkeys(
                q.object
                for q in triples
                if q.predicate == RDF_TYPE and isinstance(q.object, NamedNode)
            )
        )
        extra: dict[str, int] = {}
        for node, node_triples in by_node.items():
            spec = self.c.nodes[node]
            node_iri = node_iris[node]
            triples += [Quad(node_iri, RDF_TYPE, t, self.graph) for t in self.c.types[node]]
            triples += node_triples
            if link := self.c.links[node]:
                triples.append(Quad(entity, link, node_iri, self.graph))
            for name in spec.derive:
                triples += _derived(
                    node_iri, DERIVATIONS[name](values.get(node, {})), self.m, self.graph
                )
            if spec.kind:
                extra[spec.kind] = extra.get(spec.kind, 0) + 1
        for s in self.m.shared:
            for value in values.get("entity", {}).get(s.field, []):
                self.shared[s.field].setdefault(value, []).append(entity)
        self.seen[key] = len(self.seen) + 1
        # serialised once, here: the writer loads the bytes and the change feed hashes them
        nquads = serialize(triples, format=RdfFormat.N_QUADS)
        assert nquads is not None  # no output was given: serialize returns the bytes
        return Mapped((), self.m.kind, extra, entity=entity, nquads=nquads, types=types)

    def _terms(
        self, f: _Field, cell: str
    ) -> Iterator[tuple[tuple[NamedNode, NamedNode | Literal], str]]:
        if not cell:
            if f.spec.required:
                raise RowError(f.column, "a required value is empty")
            return
        parts = [p.strip() for p in cell.split(f.spec.split)] if f.spec.split else [cell]
        for part in filter(None, parts):
            try:
                parsed = PARSERS[f.spec.parse](part)
            except ValueError as err:
                yield from _invalid(f, part, str(err))
                continue
            for value in [parsed] if isinstance(parsed, str) else parsed or []:
                yield from self._term(f, value)

    def _term(
        self, f: _Field, value: str
    ) -> Iterator[tuple[tuple[NamedNode, NamedNode | Literal], str]]:
        out = value
        if f.spec.table:
            row = table_index(f.spec.table, f.spec.match).get(value)
            if row is None:
                if f.unknown_predicate is not None:
                    yield (f.unknown_predicate, Literal(value)), value
                elif f.spec.invalid == "reject":
                    raise RowError(f.column, f"{value!r} is not in value table {f.spec.table!r}")
                return
            out = row[f.spec.take or "value"]
            if not out:  # the table knows the value and says it has no IRI: unknown
                if f.unknown_predicate is not None:
                    yield (f.unknown_predicate, Literal(value)), value
                return
        try:
            term = f.make(out)
        except ValueError as err:
            yield from _invalid(f, value, f"{out!r} is not a valid term ({err})")
            return
        if term is not None:
            yield (f.predicate, term), value

    def _conflicts(self) -> Iterator[Record]:
        triples: list[Quad] = []
        count = 0
        for s in self.m.shared:
            flag = NamedNode(self.m.expand(s.flag))
            member = NamedNode(self.m.expand(s.conflict_member))
            value_p = NamedNode(self.m.expand(s.conflict_value))
            template = s.value_template
            for value, entities in sorted(self.shared[s.field].items()):
                if len(entities) < 2:
                    continue
                count += 1
                node = self.ctx.entity(f"conflict-{s.field}-{value}")
                triples.append(
                    Quad(node, RDF_TYPE, NamedNode(self.m.expand(s.conflict_type)), self.graph)
                )
                ident = (
                    NamedNode(template.replace("{value}", value)) if template else Literal(value)
                )
                triples.append(Quad(node, value_p, ident, self.graph))
                for e in entities:
                    triples.append(Quad(e, flag, Literal("true", datatype=XSD_BOOLEAN), self.graph))
                    triples.append(Quad(node, member, e, self.graph))
        if count:
            yield Mapped(triples, "identifier-conflict", {"identifier-conflict": count}, False)


def _invalid(f: _Field, text: str, reason: str) -> Iterator[tuple[tuple[NamedNode, Literal], str]]:
    """An unusable value: kept as text under the field's invalid_predicate, dropped, or rejected."""
    if f.invalid_predicate is not None:
        yield (f.invalid_predicate, Literal(text)), text
    elif f.spec.invalid == "reject":
        raise RowError(f.column, reason)


def _derived(node: NamedNode, derived: Derived, mapping: Mapping, graph: NamedNode) -> list[Quad]:
    return [Quad(node, NamedNode(mapping.expand(p)), o, graph) for p, o in derived]
