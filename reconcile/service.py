"""The Reconciliation Service API 0.2 documents: manifest, results, suggest, preview, propose.

Every function returns plain JSON-ready data (or HTML for the preview); the router only reads
parameters and chooses the transport (JSON or JSONP).
"""

from __future__ import annotations

import html

from commons_graph.errors import BadInput, NotFound, PayloadTooLarge
from linking import normalise as norm
from reconcile.engine import ReconcileIndex
from reconcile.entities import Entity
from reconcile.match import Candidate, Matcher, decide, parse_query
from reconcile.vocab import EVIDENCE, EXTEND_PROPERTIES, ontology_types

#: Queries per batch that the manifest asks OpenRefine to send (a larger batch gets 413).
BATCH_SIZE = 50
#: How the service decides ``match``: the manifest's documentation and the README say the same.
MATCH_RULE = (
    "Identifiers first: a Wikidata QID, website host, Co-ops UK id, registrar plus registered "
    "number, or ISIL given as a property scores 100, and is a match when exactly one candidate "
    "carries it. Otherwise candidates are scored by name (case, accents, word order, legal-form "
    "words and small typos do not count) plus property evidence (postcode, country, city, "
    "website), and match is true only when the first scores at least 90, its name at least 85, "
    "no property contradicts it, and it leads the second by at least 8 points."
)
PREVIEW_WIDTH, PREVIEW_HEIGHT = 400, 160


def manifest(base_url: str) -> dict[str, object]:
    """The service manifest; ``base_url`` is where /reconcile is served from."""
    service = f"{base_url}/reconcile"
    return {
        "versions": ["0.2"],
        "name": "Commons Graph: co-operatives and heritage institutions",
        "identifierSpace": f"{base_url}/id/",
        "schemaSpace": "https://w3id.org/commons-graph/ns#",
        "documentation": f"{base_url}/reconcile/docs",
        "serviceVersion": "1",
        "batchSize": BATCH_SIZE,
        "defaultTypes": [
            {"id": c, "name": t.name}
            for c, t in ontology_types().items()
            if c.endswith(("#Organisation", "#Cooperative", "#HeritageInstitution"))
        ],
        "view": {"url": "{{id}}"},
        "preview": {
            "url": f"{service}/preview?id={{{{id}}}}",
            "width": PREVIEW_WIDTH,
            "height": PREVIEW_HEIGHT,
        },
        "suggest": {
            kind: {"service_url": base_url, "service_path": f"/reconcile/suggest/{kind}"}
            for kind in ("entity", "type", "property")
        },
        "extend": {
            "propose_properties": {
                "service_url": base_url,
                "service_path": "/reconcile/propose_properties",
            },
            "property_settings": [
                {
                    "name": "limit",
                    "label": "Limit",
                    "type": "number",
                    "default": 0,
                    "help_text": "Most values returned per row (0: all of them)",
                }
            ],
        },
    }


def _types(index: ReconcileIndex, entity: Entity) -> list[dict[str, str]]:
    return [{"id": t, "name": index.label_of(t)} for t in entity.types] or [
        {"id": index.sources.get(entity.source, entity.source), "name": entity.source}
    ]


def describe(index: ReconcileIndex, entity: Entity) -> str:
    """A one-line description: the entity's own, or its type, place and source."""
    if entity.description:
        return entity.description
    kind = index.label_of(entity.types[-1]) if entity.types else "record"
    place = ", ".join(x for x in (*entity.cities[:1], *entity.countries[:1]) if x)
    return f"{kind}{f' in {place}' if place else ''} ({entity.source})"


def _candidate(index: ReconcileIndex, c: Candidate, match: bool) -> dict[str, object]:
    return {
        "id": c.entity.iri,
        "name": c.entity.label,
        "description": describe(index, c.entity),
        "score": c.score,
        "match": match,
        "type": _types(index, c.entity),
        "features": [{"id": k, "value": v} for k, v in c.features.items()],
    }


def reconcile_batch(matcher: Matcher, batch: object) -> dict[str, object]:
    """``{key: {"result": [candidates]}}`` for a batch ``{key: query}``."""
    if not isinstance(batch, dict):
        raise BadInput("'queries' must be a JSON object of {key: query}")
    if len(batch) > BATCH_SIZE:
        raise PayloadTooLarge(
            f"the batch has {len(batch)} queries; this service takes at most {BATCH_SIZE} "
            "(the manifest's batchSize)"
        )
    parsed = {str(key): parse_query(str(key), raw) for key, raw in batch.items()}
    out: dict[str, object] = {}
    for key, query in parsed.items():
        ranked = matcher.candidates(query)
        match = decide(ranked)
        out[key] = {
            "result": [
                _candidate(matcher.index, c, match and i == 0)
                for i, c in enumerate(ranked[: query.limit])
            ]
        }
    return out


# -- suggest ------------------------------------------------------------------------------------


def suggest_entities(index: ReconcileIndex, prefix: str, cursor: int, limit: int = 10) -> object:
    words = norm.fold(prefix).split()
    positions = index.prefix(words, [], cursor + limit)[cursor:]
    return {
        "result": [
            {
                "id": index.entities[p].iri,
                "name": index.entities[p].label,
                "description": describe(index, index.entities[p]),
                "notable": _types(index, index.entities[p]),
            }
            for p in positions
        ]
    }


def _matches(prefix: str, *texts: str) -> bool:
    wanted = norm.fold(prefix)
    return any(norm.fold(t).startswith(wanted) or f" {wanted}" in f" {norm.fold(t)}" for t in texts)


def suggest_types(index: ReconcileIndex, prefix: str, cursor: int, limit: int = 10) -> object:
    found = [t for t in index.types.values() if _matches(prefix, t.name, t.id)]
    found.sort(key=lambda t: (t.id not in ontology_types(), len(t.name), t.name))
    return {
        "result": [
            {
                "id": t.id,
                "name": t.name,
                **({"description": t.description} if t.description else {}),
            }
            for t in found[cursor : cursor + limit]
        ]
    }


def suggest_properties(prefix: str, cursor: int, limit: int = 10) -> object:
    rows: list[dict[str, str]] = [
        {"id": e.ids[0], "name": e.name, "description": f"matching: {e.description}"}
        for e in EVIDENCE
    ]
    rows += [
        {"id": p.id, "name": p.name, "description": "data extension"}
        for p in EXTEND_PROPERTIES
        if p.id not in {r["id"] for r in rows}
    ]
    found = [r for r in rows if _matches(prefix, r["name"], r["id"])]
    return {"result": found[cursor : cursor + limit]}


def propose_properties(index: ReconcileIndex, type_id: str | None, limit: int) -> object:
    """The extension properties worth fetching for entities of ``type_id``: Wikidata properties
    for a Wikidata class, all of them otherwise."""
    wikidata_class = (
        bool(type_id)
        and type_id not in ontology_types()
        and (type_id not in index.sources.values())
    )
    chosen = [p for p in EXTEND_PROPERTIES if p.id.startswith("P") or not wikidata_class]
    proposal: dict[str, object] = {
        "properties": [{"id": p.id, "name": p.name} for p in chosen[: limit or None]],
        "limit": limit,
    }
    if type_id:
        proposal["type"] = type_id
    return proposal


# -- preview ------------------------------------------------------------------------------------


def preview(index: ReconcileIndex, entity_id: str) -> str:
    """A small HTML card of one entity."""
    position = index.by_iri.get(entity_id)
    if position is None:
        raise NotFound(f"no entity {entity_id!r} in the reconciliation index")
    e = index.entities[position]
    rows: list[tuple[str, str]] = [("type", ", ".join(index.label_of(t) for t in e.types))]
    rows += [("also", "; ".join(e.names[1:4]))] if len(e.names) > 1 else []
    rows += [("place", ", ".join([*e.cities[:1], *e.postcodes[:1], *e.countries[:1]]))]
    rows += [("website", ", ".join(e.webs[:2])), ("source", e.source)]
    cells = "".join(
        f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>" for k, v in rows if v
    )
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>'
        f"{html.escape(e.label)}</title><style>body{{font:13px sans-serif;margin:6px}}"
        "th{text-align:left;color:#555;padding-right:8px;vertical-align:top}</style></head><body>"
        f'<a href="{html.escape(e.iri, quote=True)}" target="_blank"><b>{html.escape(e.label)}</b>'
        f"</a><br><small>{html.escape(describe(index, e))}</small><table>{cells}</table>"
        "</body></html>"
    )
