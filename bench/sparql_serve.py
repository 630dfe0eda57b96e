"""Serve one SPARQL endpoint on loopback for the "sparql" section: ``python -m bench.sparql_serve``.

* ``ours STORE PORT``: this project's app (``api.app.create_app``) on the on-disk store ``STORE``,
  with the default settings (query worker processes, time limit, row cap), under uvicorn;
* ``rdflib NQUADS PORT``: rdflib-endpoint serving the same quads, parsed into an rdflib ``Dataset``
  whose default graph is the union of its graphs (as ours is), under uvicorn.

Runs until killed. The ``__main__`` guard matters: the query workers start from a forkserver,
which imports the main module.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import uvicorn
from fastapi import FastAPI

from bench.common import BASE


def ours(store: Path) -> FastAPI:
    from api.app import create_app
    from commons_graph.settings import Settings

    return create_app(Settings(store=store, base_url=BASE))


def rdflib_endpoint(nquads: Path) -> FastAPI:
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    dataset = Dataset(default_union=True)
    dataset.parse(str(nquads), format="nquads")
    return SparqlEndpoint(graph=dataset, path="/sparql", cors_enabled=False)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.sparql_serve", description=__doc__)
    parser.add_argument("engine", choices=["ours", "rdflib"])
    parser.add_argument("data", type=Path, help="the store directory (ours) or N-Quads (rdflib)")
    parser.add_argument("port", type=int)
    args = parser.parse_args()
    app = ours(args.data) if args.engine == "ours" else rdflib_endpoint(args.data)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)


if __name__ == "__main__":
    main()
