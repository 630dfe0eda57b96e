"""Named derivations that mappings refer to with ``derive = [...]`` on a node.

A derivation gets the raw values of the node's fields that have an ``id`` and returns extra
``(predicate CURIE, term)`` pairs.
"""

from __future__ import annotations

from collections.abc import Callable

from pyoxigraph import Literal, NamedNode

from commons_graph.iris import CG
from loaders.mapping_spec import table_index

Derived = list[tuple[str, NamedNode | Literal]]
Derivation = Callable[[dict[str, list[str]]], Derived]


def openness(values: dict[str, list[str]]) -> Derived:
    """Openness of a collection from its rights, per the Open Definition.

    Open when every rights value is an open licence or public-domain statement; open in the US
    only when some are open only there (RightsStatements NoC-US); not open when any is not open;
    unknown when a value is unknown ("Other") or there are none.
    """
    rights = values.get("rights", [])
    index = table_index("rights", "value")
    verdicts = {index[r]["open"] if r in index else "unknown" for r in rights} or {"unknown"}
    if "unknown" in verdicts:
        concept = "OpennessUnknown"
    elif "no" in verdicts:
        concept = "NotOpen"
    elif "us-only" in verdicts:
        concept = "OpenInUSOnly"
    else:
        concept = "Open"
    return [("cg:openness", NamedNode(CG + concept))]


DERIVATIONS: dict[str, Derivation] = {"openness": openness}
