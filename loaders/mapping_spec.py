"""The declarative mapping format: TOML files in ``mappings/``, validated by pydantic.

A mapping says, for one CSV layout, which column becomes which triple: predicate, value parser,
datatype or language, IRI template, value table. ``mappings/README.md`` documents every key.
"""

from __future__ import annotations

import csv
import tomllib
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from commons_graph.errors import BadInput
from loaders.values import PARSERS

MAPPINGS_DIR = Path(__file__).resolve().parent.parent / "mappings"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FieldSpec(_Strict):
    column: str = Field("", description="CSV column; '{i}' is replaced in repeated nodes")
    constant: str | None = Field(
        None,
        description="a fixed text used instead of a column; its triple is only added to a node "
        "that has triples from columns (e.g. the registrar of a registration whose number is given)",
    )
    fallback: str | None = Field(None, description="column read when 'column' is empty")
    split: str | None = Field(None, description="separator of several values in one cell")
    predicate: str
    id: str | None = Field(None, description="name used by derivations and shared-value checks")
    node: str = "entity"
    parse: str = "text"
    value: Literal["literal", "iri", "entity"] = "literal"
    datatype: str | None = None
    lang: str | None = None
    template: str | None = Field(None, description="IRI template with {value}")
    entity_source: str | None = Field(None, description="source of the entity a value names")
    table: str | None = None
    match: str = "value"
    take: str | None = None
    unknown_predicate: str | None = Field(
        None, description="where a value whose table row has no output goes, as raw text"
    )
    required: bool = False
    invalid: Literal["reject", "drop"] = "reject"
    invalid_predicate: str | None = Field(
        None, description="keep unparseable text under this predicate instead of rejecting"
    )

    @model_validator(mode="after")
    def _check(self) -> FieldSpec:
        if bool(self.column) == (self.constant is not None):
            raise ValueError("give exactly one of 'column' and 'constant'")
        if self.parse not in PARSERS:
            raise ValueError(f"unknown parser {self.parse!r}; known: {sorted(PARSERS)}")
        if self.table and not self.take:
            raise ValueError("a field with a table needs 'take' (the table column to output)")
        if self.value == "entity" and not self.entity_source:
            raise ValueError("value = 'entity' needs entity_source")
        return self


class NodeSpec(_Strict):
    types: list[str] = []
    link: str | None = Field(None, description="predicate from the entity to this node")
    fragment: str | None = Field(None, description="IRI fragment; '{i}' for repeated nodes")
    repeat: list[int] | None = None
    kind: str | None = Field(None, description="count emitted nodes under this kind")
    derive: list[str] = []


class SharedSpec(_Strict):
    """Flag records that claim one identifier, without merging them."""

    field: str = Field(description="the id of the field whose parsed value is the identifier")
    flag: str
    conflict_type: str
    conflict_member: str
    conflict_value: str
    value_template: str | None = Field(
        None,
        description="IRI template with {value} for the conflicting identifier (else a literal)",
    )


class Mapping(_Strict):
    format: str
    layout: str
    description: str
    default_source: str
    kind: str
    licence: str
    columns: list[str]
    key: str | None = None
    key_parse: str | None = Field(None, description="parser that turns the key cell into the key")
    key_columns: list[str] | None = Field(None, description="hash these columns for a key")
    key_prefix_column: str | None = None
    duplicate_keys: Literal["reject", "number"] = Field(
        "reject", description="a repeated key is rejected, or numbered -2, -3, ... in file order"
    )
    prefixes: dict[str, str]
    entity: NodeSpec
    nodes: dict[str, NodeSpec] = {}
    fields: list[FieldSpec]
    shared: list[SharedSpec] = []

    @model_validator(mode="after")
    def _check(self) -> Mapping:
        if (self.key is None) == (self.key_columns is None):
            raise ValueError("give exactly one of 'key' and 'key_columns'")
        if self.key_parse is not None and self.key_parse not in PARSERS:
            raise ValueError(f"unknown key parser {self.key_parse!r}; known: {sorted(PARSERS)}")
        known = set(self.columns)
        for f in self.fields:
            used = [c for c in (f.column, f.fallback) if c]
            names = {c.replace("{i}", str(i)) for c in used for i in self._repeat(f.node)}
            if missing := names - known:
                raise ValueError(f"field column(s) {sorted(missing)} are not in 'columns'")
            if f.node != "entity" and f.node not in self.nodes:
                raise ValueError(f"field {f.column!r} names unknown node {f.node!r}")
        return self

    def _repeat(self, node: str) -> list[int]:
        spec = self.nodes.get(node)
        return spec.repeat if spec and spec.repeat else [0]

    def expand(self, curie: str) -> str:
        prefix, sep, local = curie.partition(":")
        if sep and prefix in self.prefixes and not local.startswith("//"):
            return self.prefixes[prefix] + local
        if curie.startswith(("http://", "https://")):
            return curie
        raise BadInput(f"mapping {self.format}/{self.layout}: cannot expand {curie!r}")


@cache
def load_mapping(name: str) -> Mapping:
    path = MAPPINGS_DIR / f"{name}.toml"
    try:
        with open(path, "rb") as fh:
            return Mapping.model_validate(tomllib.load(fh))
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise BadInput(f"mapping {path}: {err}") from err
    except ValidationError as err:
        raise BadInput(f"mapping {path} is invalid:\n{err}") from err


@cache
def load_table(name: str) -> tuple[tuple[str, ...], tuple[dict[str, str], ...]]:
    """A value table from ``mappings/tables/{name}.csv``: its header and rows."""
    path = MAPPINGS_DIR / "tables" / f"{name}.csv"
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            rows = tuple(dict(r) for r in reader)
            return tuple(reader.fieldnames or ()), rows
    except OSError as err:
        raise BadInput(f"value table {path}: {err}") from err


@cache
def table_index(name: str, match: str) -> dict[str, dict[str, str]]:
    header, rows = load_table(name)
    if match not in header:
        raise BadInput(f"value table {name} has no column {match!r}")
    return {r[match]: r for r in rows if r[match]}
