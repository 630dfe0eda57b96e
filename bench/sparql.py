"""Section "sparql": /sparql over real HTTP with all the shared data, beside its ceiling and a peer.

A fresh on-disk store gets every shared source (:data:`bench.common.ALL_DATA`, about 0.9M quads).
Then the same query mix runs three ways:

* **ours**: this project's app under uvicorn on a loopback port, in its own process with the
  default settings (query worker processes with the time limit, row cap, streaming);
* **ceiling**: pyoxigraph in this process, on the same store generation (``Store.read_only``), the
  result serialised by pyoxigraph (SPARQL JSON, N-Triples) — the engine without HTTP;
* **peer**: rdflib-endpoint under uvicorn, serving the same quads from an rdflib ``Dataset`` with a
  union default graph. rdflib is slow: its runs are bounded by ``--sparql-peer-seconds`` per phase
  (at least one pass of the mix), so it answers fewer queries than the others.

The client is the standard library's ``http.client`` (what SPARQLWrapper's urllib uses), one
persistent connection per thread, on this same 2-core machine: its CPU time counts against the
servers. httpx costs about 0.4 ms more per request on the client side alone, which the overhead
figure would then count as the server's. Latency is measured at concurrency 1 (``--sparql-rounds``
passes of the mix, after a warm-up pass); ours and the ceiling are timed interleaved, query by
query, so that a change in the machine's load between two phases does not show up as overhead;
throughput is queries per second over the whole mix at concurrency 1 and 8 (threads, one
connection each). Targets: point lookup p50 <= 2 ms over HTTP; mix throughput >= 10x the peer's
at concurrency 8; HTTP adds <= 1.5 ms over the ceiling at p50 (:func:`added`), for every query.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx
from pyoxigraph import QueryResultsFormat, QuerySolutions, QueryTriples, RdfFormat, Store

from bench.common import ALL_DATA, BASE, REPO, TMP_ROOT, num, option, shared, table, title, verdict
from commons_graph.iris import Iris
from graph import DiskStore
from loaders.pipeline import load

POINT_P50_MS = 2.0
PEER_RATIO = 10.0
OVERHEAD_MS = 1.5
CONCURRENCY = (1, 8)
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"

_PREFIXES = """PREFIX schema: <http://schema.org/>
PREFIX cg: <https://w3id.org/commons-graph/ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX wdt: <http://www.wikidata.org/prop/direct/>
PREFIX cuk: <http://bench.example.org/id/coops-uk/>
PREFIX glam: <http://bench.example.org/id/glam-survey/>
PREFIX wd: <http://www.wikidata.org/entity/>
"""


@dataclass(frozen=True)
class Query:
    name: str
    kind: str
    text: str
    accept: str = RESULTS_JSON


#: The mix. Entity IRIs use bench.common.BASE (http://bench.example.org); predicates are those of
#: mappings/*.toml and of the Wikibase RDF model.
MIX: tuple[Query, ...] = (
    Query("org by IRI", "point lookup", "SELECT ?p ?o WHERE { cuk:R000006 ?p ?o }"),
    Query("institution by IRI", "point lookup",
          "SELECT ?p ?o WHERE { glam:thomas-mann-archiv-eth-bibliothek-zuerich ?p ?o }"),
    Query("org by CUK id", "point lookup",
          'SELECT ?org ?name WHERE { ?org cg:cuksId "R002167" ; schema:name ?name }'),
    Query("retail in Manchester", "faceted + LIMIT",
          'SELECT ?org ?name WHERE { ?a schema:addressLocality "Manchester" . ?org schema:address '
          '?a ; cg:sector "Retail" ; schema:name ?name } LIMIT 20'),
    Query("museums in DE", "faceted + LIMIT",
          'SELECT ?i ?name WHERE { ?i a cg:Museum ; cg:countryCode "DE" ; schema:name ?name } '
          "LIMIT 20"),
    Query("orgs per sector", "GROUP BY",
          "SELECT ?sector (COUNT(?org) AS ?n) WHERE { ?org cg:sector ?sector } GROUP BY ?sector "
          "ORDER BY DESC(?n)"),
    Query("institutions per country", "GROUP BY",
          "SELECT ?country (COUNT(?i) AS ?n) WHERE { ?i a cg:HeritageInstitution ; cg:countryCode "
          "?country } GROUP BY ?country ORDER BY DESC(?n) LIMIT 10"),
    Query("housing with website", "OPTIONAL",
          'SELECT ?org ?name ?url WHERE { ?org cg:sector "Housing" ; schema:name ?name . '
          "OPTIONAL { ?org schema:url ?url } } LIMIT 50"),
    Query("postcode by path", "property path",
          "SELECT ?org ?pc WHERE { ?org schema:address/schema:postalCode ?pc "
          'FILTER(STRSTARTS(?pc, "BS1 ")) } LIMIT 20'),
    Query("class closure", "property path",
          "SELECT ?item ?class WHERE { ?item wdt:P31/wdt:P279* ?class } LIMIT 50"),
    Query("Bristol as a graph", "CONSTRUCT",
          "CONSTRUCT { ?org schema:name ?name ; schema:postalCode ?pc } WHERE { ?a "
          'schema:addressLocality "Bristol" ; schema:postalCode ?pc . ?org schema:address ?a ; '
          "schema:name ?name } LIMIT 100", N_TRIPLES),
)  # fmt: skip

Latencies = dict[str, list[float]]  # query name -> milliseconds


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("sparql section")
    group.add_argument("--sparql-rounds", type=int, default=60, help="passes of the mix (60)")
    group.add_argument(
        "--sparql-peer-seconds", type=float, default=60.0, help="time bound per peer phase (60)"
    )


# -- the three ways of answering ------------------------------------------------------------------
def in_process(store: Store) -> Callable[[Query], int]:
    """The ceiling: evaluate and serialise with pyoxigraph in this process; returns bytes."""

    def answer(query: Query) -> int:
        result = store.query(_PREFIXES + query.text, use_default_graph_as_union=True)
        if isinstance(result, QuerySolutions):
            data = result.serialize(format=QueryResultsFormat.JSON)
        elif isinstance(result, QueryTriples):
            data = result.serialize(format=RdfFormat.N_TRIPLES)
        else:
            data = result.serialize(format=QueryResultsFormat.JSON)
        return len(data or b"")

    return answer


def over_http(connection: http.client.HTTPConnection, path: str) -> Callable[[Query], int]:
    def answer(query: Query) -> int:
        target = f"{path}?{urlencode({'query': _PREFIXES + query.text})}"
        connection.request("GET", target, headers={"Accept": query.accept})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise RuntimeError(f"{query.name}: {response.status} {body[:300]!r}")
        return len(body)

    return answer


def latencies(
    answers: dict[str, Callable[[Query], int]], rounds: int, budget: float | None
) -> dict[str, Latencies]:
    """``rounds`` passes of the mix after a warm-up pass (fewer if ``budget`` seconds run out),
    each query asked of every engine of ``answers`` in turn (interleaved)."""
    for query in MIX:
        for answer in answers.values():
            answer(query)
    out: dict[str, Latencies] = {name: {q.name: [] for q in MIX} for name in answers}
    deadline = None if budget is None else time.monotonic() + budget
    for _ in range(rounds):
        for query in MIX:
            for name, answer in answers.items():
                start = time.perf_counter()
                answer(query)
                out[name][query.name].append((time.perf_counter() - start) * 1000)
        if deadline is not None and time.monotonic() > deadline:
            break
    return out


def throughput(
    make: Callable[[], tuple[Callable[[Query], int], Callable[[], None]]],
    workers: int,
    rounds: int,
    budget: float | None,
) -> tuple[float, int]:
    """(queries/s, queries answered) over ``rounds`` passes of the mix by ``workers`` threads."""
    work = [q for _ in range(rounds) for q in MIX]
    lock, done = threading.Lock(), [0]
    deadline = None if budget is None else time.monotonic() + budget
    errors: list[BaseException] = []

    def worker() -> None:
        answer, close = make()
        try:
            while deadline is None or time.monotonic() < deadline:
                with lock:
                    if not work:
                        return
                    query = work.pop()
                answer(query)
                with lock:
                    done[0] += 1
        except (OSError, http.client.HTTPException, RuntimeError) as err:
            errors.append(err)
        finally:
            close()

    threads = [threading.Thread(target=worker) for _ in range(workers)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - start
    if errors:
        raise RuntimeError(f"{len(errors)} workers failed, first: {errors[0]}")
    return done[0] / elapsed, done[0]


# -- servers ---------------------------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class Server:
    """``python -m bench.sparql_serve ENGINE DATA PORT`` in a subprocess, until :meth:`stop`."""

    def __init__(self, engine: str, data: Path, log: Path, ready_seconds: float) -> None:
        self.url = f"http://127.0.0.1:{_free_port()}/sparql"
        port = self.url.rsplit(":", 1)[1].split("/")[0]
        self._log = log.open("wb")
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "bench.sparql_serve", engine, str(data), port],
            cwd=REPO,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self._wait(ready_seconds, log)

    def _wait(self, seconds: float, log: Path) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                raise RuntimeError(f"the server exited: {log.read_text()[-500:]}")
            try:
                if httpx.get(self.url, params={"query": "ASK {}"}, timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"the server did not answer within {seconds:.0f} s")

    def client(self) -> tuple[Callable[[Query], int], Callable[[], None]]:
        url = urlsplit(self.url)
        connection = http.client.HTTPConnection(url.hostname or "127.0.0.1", url.port, timeout=600)
        return over_http(connection, url.path), connection.close

    def stop(self) -> None:
        self._proc.terminate()
        try:
            self._proc.wait(20)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()
        self._log.close()


# -- the section -----------------------------------------------------------------------------------
def added(ours: Sequence[float], ceiling: Sequence[float]) -> float:
    """What HTTP adds at p50: the median over the passes of (HTTP answer - in-process answer), the
    two timed one right after the other, so that a slow spell of the machine slows both sides."""
    return statistics.median(o - c for o, c in zip(ours, ceiling, strict=True))


def _p(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _load(root: Path) -> tuple[Path, int, float] | None:
    """Load all shared data into a DiskStore under ``root``: (generation path, quads, seconds)."""
    paths = [shared(rel) for _, rel, _ in ALL_DATA]
    if any(p is None for p in paths):
        return None
    store = DiskStore(root / "store")
    start = time.perf_counter()
    for (fmt, _, source), path in zip(ALL_DATA, paths, strict=True):
        load(store, Iris(BASE), fmt, str(path), source=source, rejects_dir=root, hooks=False)
    seconds = time.perf_counter() - start
    snapshot = store.snapshot()
    assert snapshot.path is not None
    store.close()
    return snapshot.path, len(Store.read_only(str(snapshot.path))), seconds


Maker = Callable[[], tuple[Callable[[Query], int], Callable[[], None]]]


def _measure(
    makers: dict[str, Maker],
    rounds: int,
    budget: float | None,
    lat: dict[str, Latencies],
    rate: dict[tuple[str, int], tuple[float, int]],
) -> None:
    """Latencies of the engines of ``makers`` (interleaved), then the throughput of each."""
    made = {name: make() for name, make in makers.items()}
    try:
        lat.update(latencies({name: m[0] for name, m in made.items()}, rounds, budget))
    finally:
        for _, close in made.values():
            close()
    for name, make in makers.items():
        for workers in CONCURRENCY:
            rate[(name, workers)] = throughput(make, workers, rounds, budget)


def run() -> None:
    rounds = max(1, int(str(option("sparql_rounds", 60))))
    budget = float(str(option("sparql_peer_seconds", 60.0)))
    title(
        "sparql: /sparql over HTTP (uvicorn, loopback) vs pyoxigraph in-process vs rdflib-endpoint"
    )
    lat: dict[str, Latencies] = {}
    rate: dict[tuple[str, int], tuple[float, int]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-sparql-", dir=TMP_ROOT) as tmp:
        root = Path(tmp)
        loaded = _load(root)
        if loaded is None:
            return
        generation, quads, seconds = loaded
        print(f"  {quads:,} quads loaded in {seconds:.0f} s")
        ceiling = Store.read_only(str(generation))
        nquads = root / "all.nq"
        ceiling.dump(output=str(nquads), format=RdfFormat.N_QUADS)
        answer = in_process(ceiling)
        ours = Server("ours", root / "store", root / "ours.log", 60)
        try:
            makers = {"ceiling": lambda: (answer, lambda: None), "ours": ours.client}
            _measure(makers, rounds, None, lat, rate)
        finally:
            ours.stop()
        start = time.perf_counter()
        peer = Server("rdflib", nquads, root / "rdflib.log", 900)
        print(
            f"  rdflib-endpoint parsed the quads and answered in {time.perf_counter() - start:.0f} s"
        )
        try:
            _measure({"rdflib": peer.client}, rounds, budget, lat, rate)
        finally:
            peer.stop()
    _report(lat, rate, rounds, budget)


def _report(
    lat: dict[str, Latencies],
    rate: dict[tuple[str, int], tuple[float, int]],
    rounds: int,
    budget: float,
) -> None:
    rows, overheads = [], []
    for query in MIX:
        ceiling, ours, peer = (lat[k][query.name] for k in ("ceiling", "ours", "rdflib"))
        overhead = added(ours, ceiling)
        overheads.append(overhead)
        ceiling_p50, ours_p50 = statistics.median(ceiling), statistics.median(ours)
        rows.append(
            [query.name, query.kind, num(ceiling_p50, 2), num(ours_p50, 2), num(_p(ours, 0.95), 2),
             num(overhead, 2), num(ours_p50 - ceiling_p50, 2),
             num(statistics.median(peer), 1) if peer else "-", num(_p(peer, 0.95), 1) if peer else "-",
             str(len(peer))]
        )  # fmt: skip
    print(f"\n  latency at concurrency 1, ms ({rounds} passes of the mix after a warm-up pass; "
          f"rdflib: within {budget:.0f} s)")  # fmt: skip
    table(
        ["query", "kind", "ceiling p50", "ours p50", "ours p95", "+HTTP p50", "p50 - p50",
         "rdflib p50", "rdflib p95", "rdflib n"],
        rows,
    )  # fmt: skip
    print("\n  throughput on the whole mix, queries/s (threads with one connection each)")
    table(
        ["engine", *[f"c={c}" for c in CONCURRENCY], *[f"queries c={c}" for c in CONCURRENCY]],
        [
            [name, *[num(rate[(name, c)][0], 1) for c in CONCURRENCY],
             *[num(rate[(name, c)][1]) for c in CONCURRENCY]]
            for name in ("ceiling", "ours", "rdflib")
        ],
    )  # fmt: skip
    point = [ms for q in MIX if q.kind == "point lookup" for ms in lat["ours"][q.name]]
    point_p50 = statistics.median(point)
    top = max(CONCURRENCY)
    ratio = rate[("ours", top)][0] / rate[("rdflib", top)][0]
    worst = max(overheads)
    print()
    table(
        ["target", "measured", "goal", ""],
        [
            ["point lookup p50 over HTTP (ms)", num(point_p50, 2), f"<= {POINT_P50_MS}",
             verdict(point_p50 <= POINT_P50_MS)],
            [f"mix throughput vs rdflib-endpoint, c={top}", f"{ratio:.1f}x", f">= {PEER_RATIO:.0f}x",
             verdict(ratio >= PEER_RATIO)],
            ["HTTP over in-process at p50, worst query (ms)", num(worst, 2), f"<= {OVERHEAD_MS}",
             verdict(worst <= OVERHEAD_MS)],
        ],
    )  # fmt: skip
