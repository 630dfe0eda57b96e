"""Candidate pairs, their evidence and their confidence; identifier conflicts.

Keys, strongest first: the Wikidata QID, the registrar plus registered number, the Co-ops UK id,
the website (a ``.coop`` domain or another host), the normalised name plus postcode, and the name
plus the distance between coordinates. Records of one source are never paired with each other
(a source lists each organisation once); when several records of one source claim one identifier,
that identifier is a *conflict*: it is reported, and pairs that rest on it only go to review.

A web host that several records of one source use (a shared-hosting or platform domain, a
co-operative group's domain used by its outlets and member societies) is not a key at all.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import combinations

from linking import normalise as norm
from linking.records import Record

#: Links at or above this confidence are automatic (owl:sameAs); below it they go to review.
AUTO = 0.9
#: Pairs below this confidence are dropped.
REVIEW = 0.5
#: A name or postcode block larger than this is too common to compare all its pairs.
MAX_BLOCK = 40
#: How far apart two records' coordinates may be for the name + distance key, in metres.
NEAR_METRES = 250.0
#: Every key, in order of strength; ``disabled_keys`` options name them.
KEYS = ("wikidata", "registration", "cuks", "web", "name-postcode", "name-geo")
#: The identifier keys: several records of one source with one value are a conflict.
_IDENTIFIERS = ("wikidata", "registration", "cuks")


@dataclass(frozen=True)
class Conflict:
    """Several records of one source claim one identifier."""

    key: str  # one of KEYS
    value: str
    claimants: tuple[str, ...]  # record IRIs, sorted


@dataclass
class Candidate:
    """A pair of records (a < b by IRI) and what the keys found about it."""

    a: Record
    b: Record
    keys: dict[str, str] = field(default_factory=dict)  # key -> the value both records share
    conflicted: set[str] = field(default_factory=set)  # keys whose value is a conflict


@dataclass(frozen=True)
class Scored:
    """A scored pair: the link the linker proposes."""

    a: str
    b: str
    confidence: float
    method: str
    evidence: tuple[str, ...]

    @property
    def automatic(self) -> bool:
        return self.confidence >= AUTO


def _value_keys(rec: Record, shared_webs: set[str]) -> Iterator[tuple[str, str]]:
    for qid in rec.qids:
        yield "wikidata", qid
    for registrar, number in rec.registrations:
        yield "registration", f"{registrar} {number}"
    for cuks in rec.cuks_ids:
        yield "cuks", cuks
    for web in rec.webs - shared_webs:
        yield "web", web


def shared_webs(records: Iterable[Record], limit: int = 2) -> set[str]:
    """Web keys used by more than ``limit`` records of one source, or by 2 or more records of a
    source that are not otherwise alike (different names)."""
    users: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for rec in records:
        for web in rec.webs:
            users[(rec.source, web)].append(rec)
    shared = set()
    for (_, web), recs in users.items():
        if len(recs) > limit or (
            len(recs) > 1 and len(set.union(*(r.name_keys for r in recs))) > len(recs[0].name_keys)
        ):
            shared.add(web)
    return shared


def _blocks(
    records: list[Record], webs: set[str], disabled: frozenset[str]
) -> dict[tuple[str, str], list[Record]]:
    """{(key, value): the records that have that value}; keys not in KEYS only make pairs."""
    by_value: dict[tuple[str, str], list[Record]] = defaultdict(list)
    name_postcode, name_geo = "name-postcode" not in disabled, "name-geo" not in disabled
    for rec in records:
        for key, value in _value_keys(rec, webs):
            if key not in disabled:
                by_value[(key, value)].append(rec)
        if name_postcode:
            for name in rec.name_keys:
                by_value[("name", name)].append(rec)
            if rec.postcodes:
                words = [w for w in rec.words if len(w) > 2]
                for code in rec.postcodes:
                    by_value[("postcode", code)].append(rec)
                    district = norm.postcode_district(code)
                    for word in words:
                        by_value[("district-word", f"{district} {word}")].append(rec)
        if name_geo and rec.geo is not None:
            lat, lon = rec.geo
            by_value[("cell", f"{round(lat * 100)} {round(lon * 60)}")].append(rec)
    return by_value


def candidates(
    records: list[Record], disabled: frozenset[str] = frozenset()
) -> tuple[list[Candidate], list[Conflict], set[str]]:
    """Candidate pairs (in a stable order), the identifier conflicts and the shared web keys."""
    webs = shared_webs(records)
    pairs: dict[tuple[str, str, str, str], Candidate] = {}
    conflicts: list[Conflict] = []
    by_value = _blocks(records, webs, disabled)
    # Blocks of KEYS go in the order of their values: a pair that shares two values of one key
    # keeps the last as evidence. The other blocks only make pairs, in any order.
    keyed = sorted(b for b, recs in by_value.items() if b[0] in KEYS and len(recs) > 1)
    others = [b for b, recs in by_value.items() if b[0] not in KEYS and 1 < len(recs) <= MAX_BLOCK]
    for key, value in [*keyed, *others]:
        recs, is_key, conflicted = by_value[(key, value)], key in KEYS, False
        if key in _IDENTIFIERS and any(n > 1 for n in Counter(r.source for r in recs).values()):
            conflicted = True
            conflicts.append(Conflict(key, value, tuple(sorted({r.iri for r in recs}))))
        for x, y in combinations(recs, 2):
            if x.source == y.source:
                continue
            a, b = (x, y) if (x.iri, x.graph) < (y.iri, y.graph) else (y, x)
            if a.iri == b.iri:
                continue
            cand = pairs.get(ident := (a.iri, a.graph, b.iri, b.graph))
            if cand is None:
                cand = pairs[ident] = Candidate(a, b)
            if is_key:
                cand.keys[key] = value
                if conflicted:
                    cand.conflicted.add(key)
    return [pairs[k] for k in sorted(pairs)], conflicts, webs


def _name_score(a: Record, b: Record) -> tuple[float, bool]:
    """(best Dice of two names, whether two names have the same key)."""
    if a.name_keys & b.name_keys:
        return 1.0, True
    best = 0.0
    for x in a.tokens:
        for y in b.tokens:
            best = max(best, norm.name_similarity(x, y))
    return best, False


def _metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * 6_371_000 * math.asin(min(1.0, math.sqrt(h)))


def _different_registrations(a: Record, b: Record) -> bool:
    """Both records are registered with one registrar, under different numbers."""
    numbers_a: dict[str, set[str]] = defaultdict(set)
    for registrar, number in a.registrations:
        numbers_a[registrar].add(number)
    return any(
        registrar in numbers_a and number not in numbers_a[registrar]
        for registrar, number in b.registrations
    )


class Scorer:
    """Turns candidates into scored links. It knows how common each name is per source, so that
    a name shared by several records is weaker evidence than a unique one."""

    def __init__(self, records: list[Record]) -> None:
        self.name_count: Counter[tuple[str, str]] = Counter(
            (rec.source, name) for rec in records for name in rec.name_keys
        )

    def _unique(self, rec: Record, other: Record) -> bool:
        shared = rec.name_keys & other.name_keys
        return any(
            self.name_count[(rec.source, n)] == 1 and self.name_count[(other.source, n)] == 1
            for n in shared
        )

    def score(self, cand: Candidate) -> Scored | None:
        a, b = cand.a, cand.b
        name, same_key = _name_score(a, b)
        codes = a.postcodes & b.postcodes
        districts = {norm.postcode_district(c) for c in a.postcodes} & {
            norm.postcode_district(c) for c in b.postcodes
        }
        evidence = [f"{k}={v}" for k, v in sorted(cand.keys.items())]
        evidence.append(f"name similarity {name:.2f}")
        if codes:
            evidence.append(f"postcode {min(codes)}")
        elif districts:
            evidence.append(f"postcode district {min(districts)}")
        metres = _metres(a.geo, b.geo) if a.geo and b.geo else None
        if metres is not None:
            evidence.append(f"{metres:.0f} m apart")
        unique = same_key and self._unique(a, b)
        if unique:
            evidence.append("name unique in both sources")

        def done(confidence: float, method: str) -> Scored | None:
            if confidence < REVIEW:
                return None
            return Scored(a.iri, b.iri, round(confidence, 3), method, tuple(evidence))

        for key, strong in (("wikidata", 1.0), ("registration", 0.98), ("cuks", 0.98)):
            if key in cand.keys:
                if key in cand.conflicted:
                    return done(0.6 + 0.2 * name, f"{key} (conflict)")
                return done(strong if name >= 0.2 else 0.75, key)
        if _different_registrations(a, b):
            evidence.append("different registered numbers")
            return done(0.6 if same_key or name >= 0.75 else 0.0, "name (registrations differ)")
        if "web" in cand.keys:
            coop = cand.keys["web"].endswith(".coop")
            if name >= 0.5:
                return done(0.96 if coop else 0.93, "web")
            return done(0.7 if coop else 0.6, "web")
        if codes and same_key:
            return done(0.97, "name-postcode")
        if metres is not None and metres <= NEAR_METRES and same_key:
            return done(0.92, "name-geo")
        if unique and districts:
            return done(0.93, "name-district")
        if unique:
            return done(0.9, "name")
        if codes:
            return done(max(0.5, 0.85 * name), "postcode")
        if metres is not None and metres <= NEAR_METRES:
            return done(max(0.5, 0.85 * name), "distance")
        if same_key:
            return done(0.7 if districts else 0.55, "name")
        if districts and name >= 0.5:
            return done(0.8 * name, "name-district")
        if name >= 0.75:
            return done(0.7 * name, "similar name")
        return None


def score_all(records: list[Record], disabled: frozenset[str] = frozenset()) -> MatchResult:
    cands, conflicts, webs = candidates(records, disabled)
    scorer = Scorer(records)
    scored = [s for s in map(scorer.score, cands) if s is not None]
    return MatchResult(scored, conflicts, webs)


@dataclass(frozen=True)
class MatchResult:
    links: list[Scored]
    conflicts: list[Conflict]
    shared_webs: set[str]
