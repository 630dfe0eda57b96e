"""Clusters: the records of one real organisation, and the cluster's canonical id.

Links are merged strongest first (reviewers' accepted decisions, then automatic links by confidence,
ties by IRI), with union-find. A merge that would put two records of one source into one cluster is
refused (a source lists each organisation once): that link goes to review instead. Only a reviewer
can overrule this, by accepting the pair. A merge that would join the two records of a rejected pair
(directly or through others) is refused too.

The id of a cluster comes from its strongest key, so it depends on the data only, never on the
order of loads or links: ``wd-Q42`` (a Wikidata QID), ``reg-fca-525r`` (registrar and registered
number), ``cuk-R000123`` (Co-ops UK id), else ``h-`` and a hash of the smallest member IRI (without
BASE). Keys that are in conflict (claimed by several records of one source) are never used. If two
clusters would get one id (a merge was refused), the one whose smallest member sorts later gets the
hash suffix too.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from commons_graph.iris import CG, WD
from linking.match import Conflict, Scored
from linking.records import Record

_SLUG = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Cluster:
    id: str
    members: tuple[str, ...]  # record IRIs, sorted
    label: str
    key: str  # the key the id comes from ("wikidata", "registration", "cuks" or "hash")


class _UnionFind:
    def __init__(self, records: Iterable[Record], apart: Iterable[frozenset[str]] = ()) -> None:
        self.apart = [tuple(p) for p in apart if len(p) == 2]  # pairs never to be merged
        self.parent: dict[str, str] = {}
        self.sources: dict[str, set[str]] = {}
        for rec in records:
            self.parent.setdefault(rec.iri, rec.iri)
            self.sources.setdefault(rec.iri, set()).add(rec.source)

    def find(self, x: str) -> str:
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: str, b: str, force: bool) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if not force and self.sources[ra] & self.sources[rb]:
            return False
        roots = {ra, rb}
        for x, y in self.apart:
            if x in self.parent and y in self.parent and {self.find(x), self.find(y)} == roots:
                return False
        low, high = sorted((ra, rb))
        self.parent[high] = low
        self.sources[low] |= self.sources.pop(high)
        return True


def merge(
    records: list[Record],
    links: list[Scored],
    accepted: set[frozenset[str]],
    rejected: Iterable[frozenset[str]] = (),
) -> tuple[dict[str, list[str]], list[Scored]]:
    """Union the records along accepted pairs and automatic links: ({root: members}, refused).
    Records of a rejected pair never end up together, not even through other records."""
    uf = _UnionFind(records, sorted(rejected, key=sorted))
    for pair in sorted(tuple(sorted(p)) for p in accepted):
        if all(iri in uf.parent for iri in pair):
            uf.union(pair[0], pair[1], force=True)
    refused = []
    for link in sorted(links, key=lambda s: (-s.confidence, s.a, s.b)):
        if (
            link.automatic
            and frozenset((link.a, link.b)) not in accepted
            and not uf.union(link.a, link.b, force=False)
        ):
            refused.append(link)
    groups: dict[str, list[str]] = {}
    for iri in sorted(uf.parent):
        groups.setdefault(uf.find(iri), []).append(iri)
    return groups, refused


def _hash(iri: str, base: str) -> str:
    local = iri.removeprefix(base)
    return hashlib.sha1(local.encode("utf-8")).hexdigest()[:16]


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


def _key_id(members: list[Record], conflicted: set[tuple[str, str]]) -> tuple[str, str] | None:
    qids = {q for r in members for q in r.qids if ("wikidata", q) not in conflicted}
    if qids:
        qid = min(qids, key=lambda q: (len(q), q)).removeprefix(WD)
        return f"wd-{qid}", "wikidata"
    regs = {
        (registrar, number)
        for r in members
        for registrar, number in r.registrations
        if ("registration", f"{registrar} {number}") not in conflicted
    }
    if regs:
        registrar, number = min(regs)
        name = registrar.removeprefix(CG).removeprefix("Registrar-")
        return f"reg-{_slug(name)}-{_slug(number)}", "registration"
    cuks = {c for r in members for c in r.cuks_ids if ("cuks", c) not in conflicted}
    if cuks:
        return f"cuk-{_slug(min(cuks)).upper()}", "cuks"
    return None


def _label(members: list[Record]) -> str:
    """The name most members give (Wikidata's own label first), shortest on a tie."""
    counts: Counter[str] = Counter()
    for rec in members:
        for name in rec.names if rec.organisation else rec.names[:1]:
            counts[name.strip()] += 1
    if not counts:
        return members[0].iri
    return min(counts, key=lambda n: (-counts[n], len(n), n))


def clusters(
    records: list[Record], groups: dict[str, list[str]], conflicts: list[Conflict], base: str
) -> list[Cluster]:
    """One cluster per group that holds an organisation record (a Wikidata item alone is not an
    organisation of the graph), in a stable order."""
    by_iri: dict[str, Record] = {}
    for rec in records:
        by_iri.setdefault(rec.iri, rec)
    conflicted = {(c.key, c.value) for c in conflicts}
    planned: list[tuple[str, str, list[Record]]] = []
    for members_iris in groups.values():
        members = [by_iri[i] for i in members_iris]
        if not any(r.organisation for r in members):
            continue
        found = _key_id(members, conflicted)
        ident, key = found if found else (f"h-{_hash(members_iris[0], base)}", "hash")
        planned.append((ident, key, members))
    planned.sort(key=lambda p: (p[0], p[2][0].iri))
    taken: set[str] = set()
    result = []
    for ident, key, members in planned:
        if ident in taken:
            ident = f"{ident}-{_hash(members[0].iri, base)}"
        taken.add(ident)
        result.append(
            Cluster(
                id=ident,
                members=tuple(r.iri for r in members),
                label=_label(members),
                key=key,
            )
        )
    return result
