"""Matching one reconciliation query: identifiers first, then names weighed with evidence.

1. **Identifiers.** A Wikidata QID, a website host, a Co-ops UK id, a registrar plus registered
   number (or a Companies House number) or an ISIL, given as a query property (or as the query
   text itself, for a QID or a Co-ops UK id), finds the entities that carry it. Each scores 100.
2. **Names.** The query text is folded (case, accents and punctuation removed; every spelling of
   "co-operative" the same; legal-form words such as "Limited" dropped) and looked up in the FTS5
   index, rarest words first, with indexed words one or two edits away standing in for words the
   index does not know (typos). The best :data:`~reconcile.engine.CANDIDATES` by BM25 are then
   scored with rapidfuzz (``token_sort_ratio``, so word order does not matter) against each of
   the entity's names and aliases: the name score, 0-100.
3. **Evidence.** Each query property adds to or takes from the name score (see :data:`WEIGHTS`):
   a postcode that agrees adds 10 (the same district 3), one that differs takes 15; a different
   country takes 25; a website host that agrees adds 15; a city that agrees adds 5. A property
   the entity has no value for changes nothing. The score is kept within 0-100.
4. **Rank, then cut.** Every candidate is scored and sorted (score, then name score, then IRI)
   before ``limit`` is applied, so ``limit`` never changes which candidates come first.

``match`` is true only when the top candidate clearly wins (:func:`decide`): it is the only
candidate with an identifier hit, or it scores at least :data:`MATCH_SCORE`, its name score is at
least :data:`MATCH_NAME`, no property contradicts it, and it leads the next candidate by at least
:data:`MATCH_GAP`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from commons_graph.errors import BadInput
from linking import normalise as norm
from reconcile.engine import NameForms, ReconcileIndex
from reconcile.entities import Entity, country_codes, registrars, registration_key
from reconcile.vocab import Evidence, evidence_for, expand, qid

MATCH_SCORE = 90.0
MATCH_NAME = 85.0
MATCH_GAP = 8.0
DEFAULT_LIMIT = 5
MAX_LIMIT = 100
#: (agrees, partly agrees, differs) adjustments of each kind of evidence, in score points.
WEIGHTS: dict[str, tuple[float, float, float]] = {
    "postcode": (10.0, 3.0, -15.0),
    "country": (3.0, 3.0, -25.0),
    "city": (5.0, 0.0, -5.0),
    "website": (15.0, 15.0, -5.0),
}
#: Candidates kept after the name pass (with every identifier hit and every same-postcode one).
STAGE1 = 50
#: Candidates rescored with rarity-weighted word coverage (stage 2 of Matcher.candidates).
RESCORE = 10
#: Two words are the same word (a typo apart) from this rapidfuzz ratio on.
TOKEN_MATCH = 80.0
_CUKS = re.compile(r"^[A-Z]{1,2}[0-9]{5,7}$")
_ID_EVIDENCE = {"qid": "qid", "cuks": "cuks", "isil": "isil", "website": "web"}


@dataclass(frozen=True)
class Query:
    text: str
    types: tuple[str, ...] = ()
    type_strict: str = "any"
    limit: int = DEFAULT_LIMIT
    properties: tuple[tuple[Evidence, str, tuple[str, ...]], ...] = ()  # (evidence, pid, values)


@dataclass
class Candidate:
    position: int
    entity: Entity
    name_score: float = 0.0
    score: float = 0.0
    identifier: bool = False
    contradicted: bool = False
    features: dict[str, float | bool] = field(default_factory=dict)


def _values(raw: object, where: str) -> tuple[str, ...]:
    items = raw if isinstance(raw, list) else [raw]
    out: list[str] = []
    for item in items:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            out.append(item["id"])
        elif isinstance(item, str | int | float) and not isinstance(item, bool):
            out.append(str(item))
        else:
            raise BadInput(f"{where}: a property value must be a string, a number or {{'id': …}}")
    return tuple(v.strip() for v in out if str(v).strip())


def parse_query(key: str, raw: object) -> Query:
    """One query of a batch, checked; errors name the query's key and the field."""
    where = f"query {key!r}"
    if not isinstance(raw, dict):
        raise BadInput(f"{where}: a query must be a JSON object")
    unknown = set(raw) - {"query", "type", "limit", "properties", "type_strict"}
    if unknown:
        raise BadInput(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    text = raw.get("query", "")
    if not isinstance(text, str):
        raise BadInput(f"{where}: 'query' must be a string")
    types = raw.get("type") or []
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or not all(isinstance(t, str) for t in types):
        raise BadInput(f"{where}: 'type' must be a type id or a list of type ids")
    limit = raw.get("limit", DEFAULT_LIMIT)
    if not isinstance(limit, int | float) or isinstance(limit, bool) or limit < 0:
        raise BadInput(f"{where}: 'limit' must be a non-negative number")
    strict = raw.get("type_strict", "any")
    if strict not in ("any", "should", "all"):
        raise BadInput(f"{where}: 'type_strict' must be any, should or all")
    props = raw.get("properties") or []
    if not isinstance(props, list):
        raise BadInput(f"{where}: 'properties' must be a list of {{pid, v}}")
    parsed: list[tuple[Evidence, str, tuple[str, ...]]] = []
    for prop in props:
        if not isinstance(prop, dict) or not isinstance(prop.get("pid"), str) or "v" not in prop:
            raise BadInput(f"{where}: each property must be an object with 'pid' and 'v'")
        evidence, iri = evidence_for(prop["pid"])
        parsed.append((evidence, iri, _values(prop["v"], f"{where}, property {prop['pid']!r}")))
    if not text.strip() and not any(v for _, _, v in parsed):
        raise BadInput(f"{where}: give a 'query' text or at least one property value")
    return Query(
        text.strip(),
        tuple(expand(t) for t in types),
        str(strict),
        min(int(limit) or DEFAULT_LIMIT, MAX_LIMIT),
        tuple(parsed),
    )


class Matcher:
    """Scores queries against one open index."""

    def __init__(self, index: ReconcileIndex) -> None:
        self.index = index
        self.codes = country_codes()
        self.registrars = registrars()
        self._weights: dict[str, float] = {}

    # -- identifiers -----------------------------------------------------------------------------
    def _identifiers(self, query: Query) -> list[tuple[str, str]]:
        ids: list[tuple[str, str]] = []
        registrar = number = None
        for evidence, iri, values in query.properties:
            for value in values:
                if evidence.key == "qid" and (q := qid(expand(value))) is not None:
                    ids.append(("qid", q))
                elif evidence.key == "cuks":
                    ids.append(("cuks", value.upper()))
                elif evidence.key == "isil":
                    ids.append(("isil", value.upper()))
                elif evidence.key == "website" and (web := norm.web_key(value)) is not None:
                    ids.append(("web", web))
                elif evidence.key == "registrar":
                    registrar = self.registrars.get(expand(value)) or self.registrars.get(
                        norm.fold(value)
                    )
                elif evidence.key == "number":
                    number = value
                    if iri.endswith("P2622"):
                        registrar = self.registrars.get("companies house")
        if registrar and number and (key := registration_key(registrar, number)):
            ids.append(("registration", key))
        text = query.text.strip()
        if (q := qid(expand(text))) is not None:
            ids.append(("qid", q))
        elif _CUKS.fullmatch(text.upper()):
            ids.append(("cuks", text.upper()))
        return ids

    # -- scoring ---------------------------------------------------------------------------------
    def _idf(self, token: str) -> float:
        weight = self._weights.get(token)
        if weight is None:
            df = self.index.terms.get(token, 0)
            weight = max(0.5, math.log((len(self.index.entities) + 1) / (df + 1)))
            self._weights[token] = weight
        return weight

    def _coverage(self, these: tuple[str, ...], those: tuple[str, ...]) -> float:
        """How much of ``these`` (weighted by rarity) ``those`` contain, allowing typos."""
        total = found = 0.0
        for token in these:
            weight = self._idf(token)
            total += weight
            if token in those:
                found += weight
            elif hit := process.extractOne(
                token, those, scorer=fuzz.ratio, score_cutoff=TOKEN_MATCH
            ):
                found += weight * hit[1] / 100
        return found / total if total else 0.0

    def _weighted(self, tokens: tuple[str, ...], forms: NameForms) -> float:
        """The best F-measure of rarity-weighted word coverage over the entity's names."""
        best = 0.0
        for name in forms.tokens:
            recall, precision = self._coverage(tokens, name), self._coverage(name, tokens)
            if recall + precision:
                best = max(best, 2 * recall * precision / (recall + precision))
        return 100 * best

    def _evidence(self, key: str, values: tuple[str, ...], entity: Entity) -> float | None:
        """1 agrees, 0.5 partly agrees (postcode district), 0 differs, None: nothing to compare."""
        if key == "postcode":
            if not entity.postcodes:
                return None
            codes = [norm.postcode(v) or norm.fold(v) for v in values]
            if any(c in entity.postcodes for c in codes):
                return 1.0
            districts = {norm.postcode_district(p) for p in entity.postcodes}
            return 0.5 if any(norm.postcode_district(c) in districts for c in codes) else 0.0
        if key == "country":
            if not entity.countries:
                return None
            wanted = {
                self.codes.get(v) or self.codes.get(norm.fold(v)) or v.upper() for v in values
            }
            return 1.0 if wanted & set(entity.countries) else 0.0
        if key == "city":
            if not entity.cities:
                return None
            best = max(
                fuzz.ratio(norm.fold(v), norm.fold(c)) for v in values for c in entity.cities
            )
            return 1.0 if best >= 90 else round(best / 100, 2) if best >= 70 else 0.0
        if key == "website":
            if not entity.webs:
                return None
            return 1.0 if {norm.web_key(v) for v in values} & set(entity.webs) else 0.0
        return None

    def _adjust(self, query: Query, candidate: Candidate) -> float:
        """The evidence's points for ``candidate``; fills its features."""
        points = 0.0
        for evidence, _, values in query.properties:
            if evidence.key not in WEIGHTS:
                continue
            value = self._evidence(evidence.key, values, candidate.entity)
            if value is None:
                continue
            candidate.features[evidence.key] = value
            agree, partly, differ = WEIGHTS[evidence.key]
            points += agree if value == 1.0 else partly if value > 0 else differ
            candidate.contradicted |= value == 0.0
        return points

    def _filter(self, query: Query, position: int) -> bool:
        if not query.types:
            return True
        entity = self.index.entities[position]
        graph = self.index.sources.get(entity.source, "")
        hits = [self.index.has_type(entity, graph, t) for t in query.types]
        return all(hits) if query.type_strict == "all" else any(hits)

    def candidates(self, query: Query) -> list[Candidate]:
        """Every candidate, scored and ranked; ``limit`` is applied by the caller.

        Stage 1 scores every candidate the index found by ``token_sort_ratio`` of the distinctive
        words (one rapidfuzz call for all their names) plus the evidence; stage 2 rescores the
        best :data:`RESCORE` with rarity-weighted word coverage, so that "Palm Housing Co-op" is
        not taken for "Lime Housing Co-op" because two of three words agree."""
        index = self.index
        id_hits: set[int] = set()
        for kind, ident in self._identifiers(query):
            id_hits.update(p for p in index.identifier(kind, ident) if self._filter(query, p))
        tags = [t for type_iri in query.types for t in index.type_tags(type_iri)]
        tokens = norm.name_tokens(query.text) or tuple(norm.fold(query.text).split())
        found = index.search(tokens, tags) if tokens else []
        positions = [*sorted(id_hits), *(p for p in found if p not in id_hits)]
        if query.types and not tags:
            positions = [p for p in positions if p in id_hits or self._filter(query, p)]
        key = " ".join(tokens)
        choices: list[str] = []
        owners: list[int] = []
        for i, position in enumerate(positions):
            for name in index.forms(position).keys:
                choices.append(name)
                owners.append(i)
        first = [0.0] * len(positions)
        for _choice, value, at in process.extract(
            key, choices, scorer=fuzz.token_sort_ratio, processor=None, limit=None
        ):
            first[owners[at]] = max(first[owners[at]], float(value))
        postcodes = {
            norm.postcode(v) or norm.fold(v)
            for e, _, values in query.properties
            if e.key == "postcode"
            for v in values
        }
        best = sorted(range(len(positions)), key=lambda i: -first[i])[:STAGE1]
        kept = sorted(
            set(best)
            | {
                i
                for i, p in enumerate(positions)
                if p in id_hits or postcodes.intersection(index.entities[p].postcodes)
            }
        )
        scored: list[Candidate] = []
        for i in kept:
            position = positions[i]
            candidate = Candidate(position, index.entities[position])
            candidate.name_score = first[i] if key else 0.0
            candidate.score = candidate.name_score + self._adjust(query, candidate)
            if position in id_hits:
                candidate.identifier = True
                candidate.features["identifier"] = True
            scored.append(candidate)
        scored.sort(key=lambda c: -c.score)
        for candidate in scored[:RESCORE]:
            if key:
                weighted = self._weighted(tokens, index.forms(candidate.position))
                shift = (weighted - candidate.name_score) / 2
                candidate.name_score = round(candidate.name_score + shift, 1)
                candidate.score += shift
            candidate.features["name"] = candidate.name_score
        for candidate in scored:
            candidate.features.setdefault("name", round(candidate.name_score, 1))
            score = 100.0 if candidate.identifier else candidate.score
            candidate.score = round(max(0.0, min(100.0, score)), 1)
        scored.sort(key=lambda c: (-c.score, -c.name_score, c.entity.iri))
        return scored


def decide(ranked: list[Candidate]) -> bool:
    """Whether the first candidate clearly wins (the rule in the module docstring)."""
    if not ranked:
        return False
    top = ranked[0]
    if top.identifier:
        return sum(1 for c in ranked if c.identifier) == 1
    second = ranked[1].score if len(ranked) > 1 else 0.0
    return (
        top.score >= MATCH_SCORE
        and top.name_score >= MATCH_NAME
        and not top.contradicted
        and top.score - second >= MATCH_GAP
    )
