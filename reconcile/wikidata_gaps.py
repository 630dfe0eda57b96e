"""What the survey and the directories know that the matching Wikidata items lack.

A record is compared with the Wikidata item it names with cg:wikidata when that item is loaded
(in a source of format ``wikidata``). Records that share their QID with other records
(cg:sharedWikidataId) are left out: which of them the item describes is for a person to decide.

For each property the record gives a value for, the item either lacks the property (*missing*: a
statement to add, with the record as its reference) or has other values (*mismatch*: for people to
review, never added automatically):

* P856 official website (compared by host), P17 country (a UK nation counts as the UK),
  P31 instance of (the record's most specific class with a Wikidata equivalent; an item with any
  other P31 is a mismatch, as it may be a subclass), P625 coordinates (a mismatch beyond 1 km),
  P7704 Europeana entity and P373 Commons category (from the record's open-collection links).
"""

from __future__ import annotations

import math
import re
from dataclasses import asdict, dataclass
from urllib.parse import unquote, urlsplit

from pyoxigraph import Literal, NamedNode, QuerySolutions, Variable

from commons_graph.errors import BadInput
from commons_graph.iris import Iris
from commons_graph.namespaces import CG, RDF_TYPE, SCHEMA, WD, WDT
from graph.store import Snapshot
from linking import normalise as norm
from loaders.provenance import list_sources
from reconcile.vocab import ancestors, qid, wikidata_equivalents

PROPERTIES = ("P856", "P17", "P31", "P625", "P7704", "P373")
NEAR_KM = 1.0
_UK = {WD + q: WD + "Q145" for q in ("Q21", "Q22", "Q25", "Q26")}
_WKT = re.compile(r"Point\(\s*(-?[0-9.]+)\s+(-?[0-9.]+)\s*\)", re.IGNORECASE)
_EUROPEANA = re.compile(r"/collections/organi[sz]ation/([0-9]+)")
_LINKED = """PREFIX cg: <https://w3id.org/commons-graph/ns#>
SELECT ?g ?r ?item ?wg WHERE {
  GRAPH ?wg { ?item a <http://wikiba.se/ontology#Item> }
  GRAPH ?g { ?r cg:wikidata ?item FILTER NOT EXISTS { ?r cg:sharedWikidataId true } }
}"""


@dataclass(frozen=True)
class Statement:
    item: str  # QID
    property: str  # Wikidata pid
    kind: str  # "missing" or "mismatch"
    value: str  # the record's value, as QuickStatements writes it
    wikidata: tuple[str, ...]  # the item's values (for a mismatch)
    record: str  # the record's IRI: the reference URL
    source: str
    retrieved: str  # the record's load date, YYYY-MM-DD

    def to_json(self) -> dict[str, object]:
        return asdict(self)

    def quickstatement(self) -> str:
        """One QuickStatements V1 line, referenced by the record (S854) and its load date (S813)."""
        return "\t".join(
            (
                self.item,
                self.property,
                self.value,
                "S854",
                _string(self.record),
                "S813",
                f"+{self.retrieved}T00:00:00Z/11",
            )
        )


def _string(text: str) -> str:
    return '"' + text.replace('"', "'").replace("\t", " ").replace("\n", " ") + '"'


def _objects(snapshot: Snapshot, subject: NamedNode, predicate: str) -> list[NamedNode | Literal]:
    return [
        q.object
        for q in snapshot.quads(subject, NamedNode(predicate), None, None)
        if isinstance(q.object, NamedNode | Literal)
    ]


def _point(wkt: str) -> tuple[float, float] | None:
    match = _WKT.search(wkt)
    return (float(match.group(2)), float(match.group(1))) if match else None


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def _record_values(snapshot: Snapshot, record: NamedNode) -> dict[str, list[str]]:
    """{pid: the record's values in QuickStatements form}."""
    values: dict[str, list[str]] = {p: [] for p in PROPERTIES}
    values["P856"] = [_string(o.value) for o in _objects(snapshot, record, SCHEMA + "url")]
    values["P17"] = sorted(
        {_UK.get(o.value, o.value) for o in _objects(snapshot, record, CG + "country")}
    )
    equivalents = {cg: wd for wd, cg in wikidata_equivalents().items()}
    classes = [o.value for o in _objects(snapshot, record, RDF_TYPE.value)]
    broader = {a for c in classes for a in ancestors(c)[1:]}
    values["P31"] = [
        equivalents[c] for c in sorted(classes) if c in equivalents and c not in broader
    ]
    for geo in _objects(snapshot, record, SCHEMA + "geo"):
        if isinstance(geo, NamedNode):
            lat = _objects(snapshot, geo, SCHEMA + "latitude")
            lon = _objects(snapshot, geo, SCHEMA + "longitude")
            if lat and lon:
                values["P625"] = [f"@{lat[0].value}/{lon[0].value}"]
    for platform in _objects(snapshot, record, CG + "openCollection"):
        if not isinstance(platform, NamedNode):
            continue
        for url in _objects(snapshot, platform, SCHEMA + "url"):
            parts = urlsplit(url.value)
            if parts.hostname and parts.hostname.endswith("europeana.eu"):
                if match := _EUROPEANA.search(parts.path):
                    values["P7704"].append(_string(f"organization/{match.group(1)}"))
            elif parts.hostname == "commons.wikimedia.org" and "/Category:" in parts.path:
                category = unquote(parts.path.split("/Category:", 1)[1]).replace("_", " ")
                values["P373"].append(_string(category.strip()))
    return {p: list(dict.fromkeys(v)) for p, v in values.items()}


def _item_values(snapshot: Snapshot, item: NamedNode, pid: str) -> list[str]:
    found = _objects(snapshot, item, WDT + pid)
    if pid == "P625":
        return [f"@{p[0]}/{p[1]}" for o in found if (p := _point(o.value))]
    if pid in ("P17", "P31"):
        return [o.value for o in found]
    return [_string(o.value) for o in found]


def _agrees(pid: str, ours: str, theirs: list[str]) -> bool:
    if pid == "P856":
        key = norm.web_key(ours.strip('"'))
        return any(norm.web_key(t.strip('"')) == key for t in theirs)
    if pid == "P625":
        a, b = ours[1:].split("/"), [t[1:].split("/") for t in theirs]
        here = (float(a[0]), float(a[1]))
        return any(_km(here, (float(t[0]), float(t[1]))) <= NEAR_KM for t in b)
    if pid == "P373":
        return norm.fold(ours) in {norm.fold(t) for t in theirs}
    return ours in theirs


def _qs(pid: str, value: str) -> str:
    return (qid(value) or value) if pid in ("P17", "P31") else value


def gaps(
    snapshot: Snapshot,
    iris: Iris,
    sources: set[str] | None = None,
    properties: set[str] | None = None,
) -> list[Statement]:
    """Missing and mismatched statements, by item then property; filtered by record source and
    by property when those are given."""
    for p in properties or ():
        if p not in PROPERTIES:
            raise BadInput(f"property {p!r} is not compared; use one of {', '.join(PROPERTIES)}")
    infos = list_sources(snapshot, iris)
    known = {s.source for s in infos}
    for s in sources or ():
        if s not in known:
            raise BadInput(f"source {s!r} is not loaded; loaded: {', '.join(sorted(known))}")
    by_graph = {s.graph: s for s in infos}
    out: list[Statement] = []
    for wikidata in (s for s in infos if s.format == "wikidata"):
        rows = snapshot.query(_LINKED, substitutions={Variable("wg"): NamedNode(wikidata.graph)})
        assert isinstance(rows, QuerySolutions)
        for row in rows:
            info = by_graph.get(row["g"].value)
            record, item = row["r"], row["item"]
            if info is None or info.format == "wikidata" or not isinstance(record, NamedNode):
                continue
            if (sources and info.source not in sources) or not isinstance(item, NamedNode):
                continue
            ours = _record_values(snapshot, record)
            for pid in PROPERTIES:
                if (properties and pid not in properties) or not ours[pid]:
                    continue
                theirs = _item_values(snapshot, item, pid)
                if any(_agrees(pid, v, theirs) for v in ours[pid]):
                    continue
                out.append(
                    Statement(
                        item=qid(item.value) or item.value,
                        property=pid,
                        kind="mismatch" if theirs else "missing",
                        value=_qs(pid, ours[pid][0]),
                        wikidata=tuple(_qs(pid, t) for t in theirs),
                        record=record.value,
                        source=info.source,
                        retrieved=info.modified[:10],
                    )
                )
    out.sort(key=lambda s: (s.item, PROPERTIES.index(s.property), s.record))
    return out
