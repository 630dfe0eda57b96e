"""Run a W3C test case against the HTTP app: one app and one on-disk store for the whole run.

Each test's data becomes a new store generation (reused while consecutive tests share the data):
``qt:data`` goes into a named graph :data:`DEFAULT` that the request names as its
``default-graph-uri``, and each ``qt:graphData`` (and each local file a query names in FROM or
FROM NAMED) into a named graph called by its file IRI. A query with its own FROM/FROM NAMED gets
no protocol dataset, so its own applies. The query text is sent with a ``BASE`` for its file IRI,
since over HTTP the base would otherwise be the endpoint. Protocol tests send the manifest's HTTP
requests with ``/sparql/`` rewritten to ``/sparql`` and the admin token on every request.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from fastapi.testclient import TestClient
from pyoxigraph import NamedNode, Quad, RdfFormat, parse

from api.scan import tokens, unescape
from commons_graph.settings import Settings
from graph.store import GraphStore
from tests.w3c import compare
from tests.w3c.manifest import MF, RDFS, UT, Case, _all, _one, iri_of, path_of, rdf_list

DEFAULT = "urn:x-commons-graph:w3c-default-graph"
ADMIN_TOKEN = "w3c-admin-token"
HT = "http://www.w3.org/2011/http#"
CNT = "http://www.w3.org/2011/content#"
_ACCEPT = {
    ".srx": "application/sparql-results+xml",
    ".srj": "application/sparql-results+json",
    ".tsv": "text/tab-separated-values",
    ".csv": "text/csv",
}


def _rdf_format(path: Path) -> RdfFormat:
    return compare.RDF_FORMATS.get(path.suffix, RdfFormat.TURTLE)


class Harness:
    def __init__(
        self, client: TestClient, store: GraphStore, settings: Settings, root: Path
    ) -> None:
        self.client = client
        self.store = store
        self.settings = settings
        self.root = root
        self._loaded: object = None

    # -- data ---------------------------------------------------------------------------------
    def load(self, graphs: list[tuple[str, Path]]) -> None:
        key = tuple((g, str(p)) for g, p in graphs)
        if key == self._loaded:
            return
        with self.store.write() as w:
            w.update("DROP SILENT ALL")
            for graph, path in graphs:
                quads = parse(
                    path=str(path),
                    format=_rdf_format(path),
                    base_iri=iri_of(path, self.root),
                    without_named_graphs=True,
                    rename_blank_nodes=True,
                )
                w.add(Quad(q.subject, q.predicate, q.object, NamedNode(graph)) for q in quads)
        self._loaded = key

    # -- query evaluation ---------------------------------------------------------------------
    def run_query_case(self, case: Case) -> None:
        assert case.query is not None and case.result is not None
        text = case.query.read_text(encoding="utf-8")
        toks = tokens(unescape(text))
        words = [t.text.upper() if t.kind == "word" else t.text for t in toks]
        dataset_in_query: list[str] = []
        for i, word in enumerate(words):
            if word == "FROM":
                j = i + 2 if words[i + 1] == "NAMED" else i + 1
                dataset_in_query.append(toks[j].text[1:-1])
        # Order matters only with a top-level ORDER BY, and is only checked where the expected
        # result records it (rs:index in DAWG result sets); elsewhere ties make it ambiguous.
        ordered = (
            any(
                words[i] == "ORDER" and words[i + 1] == "BY" and toks[i].depth == 0
                for i in range(len(words) - 1)
            )
            and case.result.suffix in compare.RDF_FORMATS
        )
        query_iri = iri_of(case.query, self.root)
        graphs = [(DEFAULT, p) for p in case.data] + [
            (iri_of(p, self.root), p) for p in case.graph_data
        ]
        for iri in dataset_in_query:
            absolute = iri if ":" in iri else query_iri.rsplit("/", 1)[0] + "/" + iri
            local = path_of(absolute, self.root)
            if local is not None and local.exists() and all(g != absolute for g, _ in graphs):
                graphs.append((absolute, local))
        self.load(graphs)
        params: list[tuple[str, str]] = []
        if not dataset_in_query:
            params.append(("default-graph-uri", DEFAULT))
            params += [("named-graph-uri", iri_of(p, self.root)) for p in case.graph_data]
        suffix = case.result.suffix
        accept = _ACCEPT.get(suffix, "application/sparql-results+json, application/n-triples")
        response = self.client.post(
            "/sparql",
            params=params,
            content=f"BASE <{query_iri}>\n{text}".encode(),
            headers={"Content-Type": "application/sparql-query", "Accept": accept},
        )
        assert response.status_code == 200, f"{response.status_code}: {response.text[:500]}"
        ctype = response.headers["content-type"].split(";")[0]
        if suffix == ".csv":
            expected_csv = case.result.read_text(encoding="utf-8")
            assert compare.csv_equal(response.text, expected_csv), response.text
            return
        actual = self._actual(response.content, ctype)
        if suffix in compare.RESULT_FORMATS:
            expected = compare.parse_results(
                case.result.read_bytes(), compare.RESULT_FORMATS[suffix]
            )
        else:
            rs = compare.result_set_graph(case.result, iri_of(case.result, self.root))
            expected = (
                rs
                if rs is not None
                else compare.parse_graph(
                    case.result, _rdf_format(case.result), iri_of(case.result, self.root)
                )
            )
        self._assert_same(actual, expected, ordered, case.lax)

    def _actual(self, body: bytes, ctype: str) -> object:
        if ctype == "application/n-triples":
            return compare.parse_graph(body, RdfFormat.N_TRIPLES)
        fmt = {
            v: compare.RESULT_FORMATS[k] for k, v in _ACCEPT.items() if k in compare.RESULT_FORMATS
        }[ctype]
        return compare.parse_results(body, fmt)

    @staticmethod
    def _assert_same(actual: object, expected: object, ordered: bool, lax: bool) -> None:
        if isinstance(expected, bool):
            assert actual == expected, f"boolean {actual} != {expected}"
        elif (expected and isinstance(expected[0], dict)) or (
            isinstance(actual, list) and actual and isinstance(actual[0], dict)
        ):
            assert isinstance(actual, list) and isinstance(expected, list)
            assert compare.solutions_equal(actual, expected, ordered, lax), (
                f"solutions differ:\nactual {actual}\nexpected {expected}"
            )  # type: ignore[arg-type]
        else:
            assert isinstance(actual, list) and isinstance(expected, list)
            assert compare.graphs_equal(actual, expected), (
                f"graphs differ:\nactual {actual}\nexpected {expected}"
            )  # type: ignore[arg-type]

    def run_syntax_case(self, case: Case) -> None:
        assert case.query is not None
        self.load([])
        body = case.query.read_bytes()
        response = self.client.post(
            "/sparql", content=body, headers={"Content-Type": "application/sparql-query"}
        )
        if case.kind.startswith("Negative"):
            assert response.status_code == 400, f"{response.status_code}: {response.text[:300]}"
        else:
            assert response.status_code != 400, response.text[:500]

    # -- protocol -----------------------------------------------------------------------------
    def run_protocol_case(self, case: Case) -> None:
        g = case.graph
        graphs: list[tuple[str, Path]] = []
        for data in _all(g, case.node, UT + "graphData"):
            path = path_of(_one(g, data, UT + "graph").value, self.root)  # type: ignore[union-attr, arg-type]
            assert path is not None
            graphs.append((_one(g, data, RDFS + "label").value, path))  # type: ignore[union-attr, arg-type]
        self.load(graphs)
        self._loaded = None  # the requests may write
        action = _one(g, case.node, MF + "action")
        for request in rdf_list(g, _one(g, action, HT + "requests")):  # type: ignore[arg-type]
            self._protocol_request(case, request)

    def _protocol_request(self, case: Case, request: object) -> None:
        g = case.graph
        method = _one(g, request, HT + "methodName").value  # type: ignore[union-attr, arg-type]
        path = _one(g, request, HT + "absolutePath").value.replace("/sparql/", "/sparql", 1)  # type: ignore[union-attr, arg-type]
        headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
        for header in rdf_list(g, _one(g, request, HT + "headers")):  # type: ignore[arg-type]
            headers[_one(g, header, HT + "fieldName").value] = _one(
                g, header, HT + "fieldValue"
            ).value  # type: ignore[union-attr, arg-type]
        content = b""
        body = _one(g, request, HT + "body")
        if body is not None:
            chars = _one(g, body, CNT + "chars").value  # type: ignore[union-attr, arg-type]
            encoding = _one(g, body, CNT + "characterEncoding")
            content = chars.encode(encoding.value if encoding is not None else "utf-8")  # type: ignore[union-attr]
        response = self.client.request(method, path, content=content or None, headers=headers)
        resp = _one(g, request, HT + "resp")
        statuses = {s.value.rsplit("#", 1)[-1] for s in _all(g, resp, MF + "expectedStatus")}  # type: ignore[arg-type, union-attr]
        klass = f"StatusCode{response.status_code // 100}xx"
        assert klass in statuses, (
            f"{method} {urlsplit(path).path}: {response.status_code} not in {statuses}: {response.text[:300]}"
        )
        fmt = _one(g, resp, MF + "expectedFormat")  # type: ignore[arg-type]
        ctype = response.headers.get("content-type", "").split(";")[0]
        if fmt is not None:
            kinds = {
                "boolean": ("sparql-results",),
                "tabular": ("sparql-results", "text/csv", "text/tab"),
                "RDF": ("turtle", "n-triples", "rdf+xml", "ld+json"),
            }
            assert any(k in ctype for k in kinds[fmt.value]), f"{ctype} is not {fmt.value}"  # type: ignore[union-attr]
        expected_bool = _one(g, resp, MF + "expectedBoolean")  # type: ignore[arg-type]
        if expected_bool is not None:
            fmt_key = {
                "application/sparql-results+json": compare.QueryResultsFormat.JSON,
                "application/sparql-results+xml": compare.QueryResultsFormat.XML,
            }[ctype]
            assert compare.parse_results(response.content, fmt_key) == (
                expected_bool.value == "true"
            )  # type: ignore[union-attr]

    # -- service description ------------------------------------------------------------------
    def run_service_description_case(self, case: Case) -> None:
        from pyoxigraph import Store

        sd = "http://www.w3.org/ns/sparql-service-description#"
        response = self.client.get(
            "/sparql", headers={"Accept": "text/turtle, application/rdf+xml;q=0.9"}
        )
        assert response.status_code == 200
        assert response.headers["content-type"].startswith(("text/turtle", "application/rdf+xml"))
        store = Store()
        store.load(response.content, RdfFormat.TURTLE)
        endpoint = str(self.client.base_url) + "/sparql"
        services = [
            q.subject
            for q in store.quads_for_pattern(None, NamedNode(sd + "endpoint"), NamedNode(endpoint))
        ]
        if case.id.endswith("has-endpoint-triple"):
            assert services, f"no sd:endpoint <{endpoint}>"
        elif case.id.endswith("conforms-to-schema"):
            languages = {sd + n for n in ("SPARQL10Query", "SPARQL11Query", "SPARQL11Update")}
            for service in services:
                assert any(
                    q.object == NamedNode(sd + "Service")
                    for q in store.quads_for_pattern(
                        service, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), None
                    )
                )
                langs = [
                    q.object.value
                    for q in store.quads_for_pattern(
                        service, NamedNode(sd + "supportedLanguage"), None
                    )
                ]
                assert langs and set(langs) <= languages
                for prop in ("resultFormat", "feature", "defaultDataset"):
                    for q in store.quads_for_pattern(service, NamedNode(sd + prop), None):
                        assert not isinstance(q.object, compare.Literal), (
                            f"sd:{prop} must not be a literal"
                        )
            assert services
