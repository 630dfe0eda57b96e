"""Data extension: property values of given entities, from the store.

A property is one of the listed extension properties (a path such as schema:address /
schema:postalCode), any Wikidata pid (``P856``: the ``wdt:`` value), or any full IRI. For an entity
that is not a Wikidata item, a Wikidata pid is read on the entity itself and, when it has none
there, on the Wikidata item it links to with cg:wikidata (if that item is loaded).
"""

from __future__ import annotations

from pyoxigraph import Literal, NamedNode

from commons_graph.errors import BadInput
from commons_graph.namespaces import CG, WDT, XSD
from graph.store import Snapshot
from reconcile.engine import ReconcileIndex
from reconcile.vocab import ExtendProperty, extend_property, qid

_INTEGERS = {XSD + t for t in ("integer", "int", "long", "short", "nonNegativeInteger")}
_FLOATS = {XSD + t for t in ("decimal", "double", "float")}
MAX_IDS = 1000


def _walk(snapshot: Snapshot, start: NamedNode, path: tuple[str, ...]) -> list[NamedNode | Literal]:
    nodes: list[NamedNode | Literal] = [start]
    for predicate in path:
        following: list[NamedNode | Literal] = []
        for node in nodes:
            if isinstance(node, NamedNode):
                for q in snapshot.quads(node, NamedNode(predicate), None, None):
                    if isinstance(q.object, NamedNode | Literal) and q.object not in following:
                        following.append(q.object)
        nodes = following
    return nodes


def _value(index: ReconcileIndex, term: NamedNode | Literal) -> dict[str, object]:
    if isinstance(term, NamedNode):
        return {"id": term.value, "name": index.label_of(term.value)}
    datatype = term.datatype.value
    try:
        if datatype in _INTEGERS:
            return {"int": int(term.value)}
        if datatype in _FLOATS:
            return {"float": float(term.value)}
    except ValueError:
        return {"str": term.value}
    if datatype == XSD + "date" and len(term.value) == 10:
        return {"date": f"{term.value}T00:00:00Z"}
    if datatype == XSD + "dateTime" and term.value.endswith("Z"):
        return {"date": term.value}
    return {"str": term.value}


def values_of(
    snapshot: Snapshot, index: ReconcileIndex, entity: str, prop: ExtendProperty, limit: int
) -> list[dict[str, object]]:
    start = NamedNode(entity)
    found = _walk(snapshot, start, prop.path)
    if not found and prop.path[0].startswith(WDT) and qid(entity) is None:
        for item in _walk(snapshot, start, (CG + "wikidata",)):
            if isinstance(item, NamedNode):
                found.extend(_walk(snapshot, item, prop.path))
    rendered = [_value(index, t) for t in found]
    return rendered[:limit] if limit > 0 else rendered


def extend(snapshot: Snapshot, index: ReconcileIndex, request: object) -> dict[str, object]:
    """The data extension response for ``{"ids": [...], "properties": [{"id", "settings"}]}``."""
    if not isinstance(request, dict):
        raise BadInput("'extend' must be a JSON object with 'ids' and 'properties'")
    ids, props = request.get("ids"), request.get("properties")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise BadInput("extend: 'ids' must be a list of entity ids (strings)")
    if len(ids) > MAX_IDS:
        raise BadInput(f"extend: at most {MAX_IDS} ids per request (got {len(ids)})")
    if not isinstance(props, list) or not all(isinstance(p, dict) and "id" in p for p in props):
        raise BadInput("extend: 'properties' must be a list of objects with an 'id'")
    wanted: list[tuple[ExtendProperty, int]] = []
    for p in props:
        settings = p.get("settings") or {}
        limit = settings.get("limit", 0) if isinstance(settings, dict) else 0
        try:
            wanted.append((extend_property(str(p["id"])), int(limit or 0)))
        except (TypeError, ValueError) as err:
            raise BadInput(f"extend: property {p['id']!r} has a bad 'limit' setting") from err
    rows = {
        i: {prop.id: values_of(snapshot, index, i, prop, limit) for prop, limit in wanted}
        for i in ids
    }
    return {"meta": [{"id": prop.id, "name": prop.name} for prop, _ in wanted], "rows": rows}
