"""The IRI scheme: entities, source graphs and the stable vocabulary namespace."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

from pyoxigraph import NamedNode

from commons_graph.errors import BadInput

#: The ontology namespace. It is stable: it never depends on the deployment's BASE.
CG = "https://w3id.org/commons-graph/ns#"
WD = "http://www.wikidata.org/entity/"

_SOURCE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
META_SOURCE = "meta"


def check_source(name: str) -> str:
    """A source name is a lower-case slug; it becomes a path segment of IRIs."""
    if not _SOURCE.fullmatch(name) or name in {META_SOURCE, "org", "links", "changes"}:
        raise BadInput(
            f"source name {name!r} is not allowed: use lower-case letters, digits and '-' "
            "(and not 'meta', 'org', 'links' or 'changes', which are reserved)"
        )
    return name


@dataclass(frozen=True)
class Iris:
    """Builds the deployment's IRIs from BASE."""

    base: str

    def entity(self, source: str, key: str, fragment: str | None = None) -> NamedNode:
        iri = f"{self.base}/id/{source}/{quote(key.strip(), safe='')}"
        return NamedNode(f"{iri}#{fragment}" if fragment else iri)

    def graph(self, source: str) -> NamedNode:
        return NamedNode(f"{self.base}/graph/{source}")

    @property
    def meta_graph(self) -> NamedNode:
        return NamedNode(f"{self.base}/graph/{META_SOURCE}")

    def load_activity(self, source: str, stamp: str) -> NamedNode:
        return NamedNode(f"{self.base}/load/{source}/{stamp}")

    def source_of_graph(self, graph: NamedNode) -> str | None:
        prefix = f"{self.base}/graph/"
        return graph.value[len(prefix) :] if graph.value.startswith(prefix) else None
