"""The link step: read the records of every source, match, cluster, and replace the links graph.

It runs from ``commons-graph link`` and after each load (:func:`after_publish`, registered in
:mod:`loaders.hooks`). After a load it first compares a fingerprint of its inputs (which sources
hold organisation records, and the digest and size of each one's last load; the reviewers'
decisions; the disabled keys) with the one stored in the links graph, and does nothing when they
are equal: loading the outlets, a vocabulary, or the same file again costs a few index lookups.

After the automatic links are merged, the review-only keys of :mod:`linking.similar` add pairs to
review. The links graph is then replaced by its changes only (:mod:`linking.replace`), read by the
store while Python computes; when nothing changed, nothing is written at all.
"""

from __future__ import annotations

import gc
import hashlib
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pyoxigraph import NamedNode, Quad

from commons_graph.errors import BadInput
from commons_graph.iris import Iris
from commons_graph.namespaces import CG, PROV
from graph.store import GraphStore, Snapshot, Writer
from linking import graph as lg
from linking.cluster import Cluster, clusters, merge
from linking.match import KEYS, Conflict, Scored, score_all
from linking.records import LINKS_FORMAT, Record, read_records, record_graphs
from linking.replace import replace, statements
from linking.similar import REVIEW_KEYS, review_links
from loaders.provenance import LoadReport, list_sources, provenance_quads

#: Changes whenever the linker's results for the same input would change.
LINKER_VERSION = "2"
REFUSED = "not merged automatically: it would join records that must stay apart (two records of one source, or a pair a reviewer rejected)"


@dataclass
class LinkReport:
    """What one run of the link step did."""

    skipped: bool = False
    records: int = 0
    automatic: int = 0
    review: int = 0
    decisions: int = 0
    clusters: int = 0
    conflicts: int = 0
    shared_webs: int = 0
    seconds: float = 0.0
    by_method: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if self.skipped:
            return "links: nothing relevant changed since the last link step"
        return (
            f"links: {self.records:,} records → {self.clusters:,} organisations; "
            f"{self.automatic:,} automatic links, {self.review:,} to review, "
            f"{self.decisions:,} decisions, {self.conflicts:,} identifier conflicts "
            f"({self.seconds:.1f} s)"
        )


@dataclass
class Outcome:
    """The result of linking one snapshot, before it is written."""

    records: list[Record]
    links: list[tuple[Scored, NamedNode, str | None]]  # (link, status, note)
    clusters: list[Cluster]
    conflicts: list[Conflict]
    decisions: dict[frozenset[str], lg.Decision]
    shared_webs: set[str]


def _checksum(snapshot: Snapshot, dataset: NamedNode, meta: NamedNode) -> str:
    """The digest of the input of the dataset's last load, from the metadata graph."""
    for load in snapshot.quads(dataset, NamedNode(PROV + "wasGeneratedBy"), None, meta):
        if isinstance(load.object, NamedNode):
            for used in snapshot.quads(load.object, NamedNode(PROV + "used"), None, meta):
                if isinstance(used.object, NamedNode):
                    for sha in snapshot.quads(used.object, NamedNode(CG + "sha256"), None, meta):
                        return lg.text(sha.object)
    return ""


def fingerprint(snapshot: Snapshot, iris: Iris, disabled: frozenset[str]) -> str:
    """A digest of everything the links depend on (see the module doc)."""
    parts = [LINKER_VERSION, " ".join(sorted(disabled))]
    sources = {s.graph: s for s in list_sources(snapshot, iris)}
    for graph in sorted(record_graphs(snapshot, iris)):
        triples = sources[graph].triples if graph in sources else 0
        parts.append(f"{graph} {triples} {_checksum(snapshot, NamedNode(graph), iris.meta_graph)}")
    for d in sorted(lg.read_decisions(snapshot, iris).values(), key=lambda d: sorted(d.pair)):
        parts.append(f"{sorted(d.pair)} {d.accepted} {d.created}")
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def _check_keys(disabled: frozenset[str]) -> None:
    unknown = disabled - {*KEYS, *REVIEW_KEYS}
    if unknown:
        names = ", ".join((*KEYS, *REVIEW_KEYS))
        raise BadInput(f"unknown link keys {sorted(unknown)}; the keys are {names}")


def compute(
    snapshot: Snapshot,
    iris: Iris,
    disabled: frozenset[str] = frozenset(),
    records: list[Record] | None = None,
) -> Outcome:
    """Link the records of ``snapshot`` (read from it unless given; nothing is written)."""
    _check_keys(disabled)
    if records is None:
        records = read_records(snapshot, iris)
    match = score_all(records, disabled)
    decisions = lg.read_decisions(snapshot, iris)
    accepted = {p for p, d in decisions.items() if d.accepted}
    rejected = {p for p, d in decisions.items() if not d.accepted}
    candidates = [s for s in match.links if frozenset((s.a, s.b)) not in rejected]
    groups, refused = merge(records, candidates, accepted, rejected)
    root = {iri: r for r, members in groups.items() for iri in members}
    refused_pairs = {frozenset((s.a, s.b)) for s in refused}
    known = {frozenset((s.a, s.b)) for s in match.links} | decisions.keys()
    review_only = review_links(records, root, known, disabled)
    links: list[tuple[Scored, NamedNode, str | None]] = []
    seen: set[frozenset[str]] = set()
    for s in [*match.links, *review_only]:
        pair = frozenset((s.a, s.b))
        seen.add(pair)
        if pair in decisions:
            links.append((s, lg.ACCEPTED if pair in accepted else lg.REJECTED, None))
        elif s.automatic and pair not in refused_pairs:
            links.append((s, lg.AUTOMATIC, None))
        elif pair in refused_pairs:
            links.append((s, lg.TO_REVIEW, REFUSED))
        elif root.get(s.a) != root.get(s.b):  # pairs already in one organisation need no review
            links.append((s, lg.TO_REVIEW, None))
    for pair, d in sorted(decisions.items(), key=lambda kv: sorted(kv[0])):
        if pair not in seen:
            status = lg.ACCEPTED if d.accepted else lg.REJECTED
            decided = Scored(d.a, d.b, 1.0, "review", ("decided by a reviewer",))
            links.append((decided, status, None))
    return Outcome(
        records=records,
        links=links,
        clusters=clusters(records, groups, match.conflicts, iris.base),
        conflicts=match.conflicts,
        decisions=decisions,
        shared_webs=match.shared_webs,
    )


def _quads(iris: Iris, outcome: Outcome, fp: str) -> Iterator[Quad]:
    yield lg.fingerprint_quad(iris, fp)
    for link, status, note in outcome.links:
        yield from lg.link_quads(iris, link, status, note)
    for cluster in outcome.clusters:
        yield from lg.cluster_quads(iris, cluster)
    for conflict in outcome.conflicts:
        yield from lg.conflict_quads(iris, conflict)
    for decision in outcome.decisions.values():
        yield from lg.decision_quads(iris, decision)


def _write(
    writer: Writer, iris: Iris, outcome: Outcome, fp: str, report: LinkReport, old: set[bytes]
) -> None:
    """Write the links graph (``old``: its statements now) and its provenance; when the links
    graph does not change, nothing is written (its provenance still describes it)."""
    started = datetime.now(UTC)
    graph = iris.graph(lg.LINKS_SOURCE)
    quads = list(_quads(iris, outcome, fp))
    unchanged = not replace(writer, graph, quads, old)
    if unchanged and next(writer.snapshot().quads(graph, None, None, iris.meta_graph), None):
        return
    prov = LoadReport(
        source=lg.LINKS_SOURCE,
        format=LINKS_FORMAT,
        graph=graph.value,
        input=f"link step {LINKER_VERSION}",
        sha256=fp,
        licence=None,
        started=started,
        ended=datetime.now(UTC),
        read=report.records,
        loaded=report.clusters,
        quads=len(quads),
        kinds={
            "organisation": report.clusters,
            "automatic-link": report.automatic,
            "link-to-review": report.review,
            "identifier-conflict": report.conflicts,
        },
    )
    writer.retract(graph, iris.meta_graph)
    writer.add(provenance_quads(iris, prov))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector. The link step makes a few hundred thousand objects
    that live until it ends (records, blocks, candidates, statements) and form no cycles; the
    collector would walk all of them again and again, which cost a third of the step's Python
    time. Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def link(
    store: GraphStore,
    iris: Iris,
    *,
    disabled: frozenset[str] = frozenset(),
    only_if_changed: bool = False,
) -> LinkReport:
    """Recompute the links graph (see the module doc); with ``only_if_changed``, skip the work
    when the fingerprint of the inputs is the one the links graph was computed from."""
    start = time.perf_counter()
    if only_if_changed:
        before = store.snapshot()
        if lg.stored_fingerprint(before, iris) == fingerprint(before, iris, disabled):
            return LinkReport(skipped=True, seconds=time.perf_counter() - start)
    _check_keys(disabled)
    with (
        _collector_paused(),
        store.write() as writer,
        ThreadPoolExecutor(1, thread_name_prefix="link-old") as pool,
    ):
        snapshot = writer.snapshot()
        fp = fingerprint(snapshot, iris, disabled)
        records = read_records(snapshot, iris)
        # the links graph as it is, read by the store while Python computes the new one
        old = pool.submit(statements, snapshot, iris.graph(lg.LINKS_SOURCE))
        outcome = compute(snapshot, iris, disabled, records)
        report = LinkReport(
            records=len(outcome.records),
            automatic=sum(1 for _, st, _ in outcome.links if st == lg.AUTOMATIC),
            review=sum(1 for _, st, _ in outcome.links if st == lg.TO_REVIEW),
            decisions=len(outcome.decisions),
            clusters=len(outcome.clusters),
            conflicts=len(outcome.conflicts),
            shared_webs=len(outcome.shared_webs),
        )
        for s, st, _ in outcome.links:
            if st in (lg.AUTOMATIC, lg.ACCEPTED):
                report.by_method[s.method] = report.by_method.get(s.method, 0) + 1
        _write(writer, iris, outcome, fp, report, old.result())
    report.seconds = time.perf_counter() - start
    return report


def after_publish(store: GraphStore, iris: Iris, report: LoadReport) -> None:
    """The after-publish hook: relink when a load changed what the links depend on."""
    if report.format in ("reference", LINKS_FORMAT) or report.source == lg.LINKS_SOURCE:
        return
    link(store, iris, only_if_changed=True)
