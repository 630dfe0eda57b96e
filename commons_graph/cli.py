"""The ``commons-graph`` command: load, sources, init, serve, demo.

Errors of the user's making (a bad file, a bad setting) are printed as one message, without a
traceback, and the command exits non-zero.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from commons_graph.errors import CommonsGraphError
from commons_graph.iris import Iris
from commons_graph.references import DEMO_DIR, DEMO_FILES, ensure_references
from commons_graph.settings import Settings
from graph import GraphStore, open_store
from linking.run import link
from loaders.pipeline import load
from loaders.provenance import LoadReport, list_sources
from loaders.registry import FORMATS


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="commons-graph",
        description="Commons Graph: co-op directories, the Open GLAM Survey and Wikidata as one "
        "linked-data graph.",
    )
    parser.add_argument("--store", type=Path, help="store directory [COMMONS_GRAPH_STORE]")
    parser.add_argument("--base-url", help="BASE of the IRIs [COMMONS_GRAPH_BASE_URL]")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("load", help="load a file or URL as one source (replacing its old version)")
    p.add_argument("format", choices=sorted(FORMATS))
    p.add_argument("location", help="a file path or an http(s) URL")
    p.add_argument("--source", help="source name (default: the format's)")
    p.add_argument("--graph", help="named graph IRI (default: {BASE}/graph/{source})")
    p.add_argument("--licence", help="licence IRI (default: the format's)")
    p.add_argument("--rejects", type=Path, help="folder for rejects files (default: ./rejects)")
    p.add_argument("--only-ids", type=Path, help="wikidata: a file of ids to keep, one per line")
    p.add_argument("--workers", type=int, help="wikidata: mapping processes (default 2)")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    sub.add_parser("sources", help="list the loaded sources with counts, licence and last load")
    sub.add_parser("init", help="load the vocabulary and reference vocabularies")
    p = sub.add_parser("link", help="link the records of all sources into organisations")
    p.add_argument("--disable-key", action="append", default=[], help="a key not to use (repeat)")
    for name, text in (("serve", "serve the store over HTTP"), ("demo", "load the demo, serve")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--host", default="127.0.0.1")
        p.add_argument("--port", type=int, default=8000)
        if name == "demo":
            p.add_argument("--no-serve", action="store_true", help="load only")
    return parser


def _print_report(report: LoadReport) -> None:
    kinds = ", ".join(f"{n:,} {k}" for k, n in sorted(report.kinds.items()))
    print(
        f"{report.source}: read {report.read:,}, loaded {report.loaded:,}, "
        f"rejected {report.rejected:,} ({kinds}; {report.quads:,} triples) into <{report.graph}>"
    )
    if report.rejects_path:
        print(f"  rejected records: {report.rejects_path} (reasons in .errors.tsv beside it)")


def _cmd_sources(store: GraphStore, iris: Iris) -> None:
    sources = list_sources(store.snapshot(), iris)
    if not sources:
        print("no sources loaded")
    for s in sources:
        kinds = ", ".join(f"{n:,} {k}" for k, n in sorted(s.kinds.items()))
        print(f"{s.source} [{s.format}] {kinds}")
        print(f"  graph    <{s.graph}>, {s.triples:,} triples")
        print(
            f"  loaded   {s.modified}: read {s.read:,}, loaded {s.loaded:,}, rejected {s.rejected:,}"
        )
        print(f"  from     {s.input}")
        print(f"  licence  {s.licence or 'unknown'}")


def _serve(settings: Settings, store: GraphStore, host: str, port: int) -> None:
    import uvicorn

    from api.app import create_app

    print(f"serving on http://{'localhost' if host == '127.0.0.1' else host}:{port}/sparql")
    uvicorn.run(create_app(settings, store), host=host, port=port, log_level="info")


def _demo(settings: Settings, args: argparse.Namespace) -> None:
    root = settings.store or Path("var/demo-store")
    shutil.rmtree(root, ignore_errors=True)
    settings = settings.model_copy(update={"store": root})
    store = open_store(root, settings.keep_generations)
    iris = Iris(settings.base_url)
    ensure_references(store, iris, settings.shared_data)
    for fmt, name, source in DEMO_FILES:
        _print_report(load(store, iris, fmt, str(DEMO_DIR / name), source=source))
    if not args.no_serve:
        _serve(settings, store, args.host, args.port)


def run(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    overrides: dict[str, Any] = {
        k: v for k, v in (("store", args.store), ("base_url", args.base_url)) if v
    }
    settings = Settings(**overrides)
    if args.command == "demo":
        _demo(settings, args)
        return
    store = open_store(settings.store, settings.keep_generations)
    iris = Iris(settings.base_url)
    if settings.store is None and args.command in ("load", "init"):
        print(
            "warning: no store set (COMMONS_GRAPH_STORE or --store): nothing will be kept",
            file=sys.stderr,
        )
    if args.command == "init":
        ensure_references(store, iris, settings.shared_data, force=True)
    elif args.command == "load":
        ensure_references(store, iris, settings.shared_data)
        options: dict[str, object] = {}
        if args.only_ids:
            options["only_ids"] = set(args.only_ids.read_text(encoding="utf-8").split())
        if args.workers:
            options["workers"] = args.workers
        report = load(
            store,
            iris,
            args.format,
            args.location,
            source=args.source,
            graph=args.graph,
            rejects_dir=args.rejects or Path("rejects"),
            options=options,
            licence=args.licence,
            quiet=args.quiet or not sys.stderr.isatty(),
        )
        _print_report(report)
    elif args.command == "link":
        print(link(store, iris, disabled=frozenset(args.disable_key)).summary())
    elif args.command == "sources":
        _cmd_sources(store, iris)
    elif args.command == "serve":
        _serve(settings, store, args.host, args.port)


def main(argv: Sequence[str] | None = None) -> None:
    try:
        run(argv)
    except CommonsGraphError as err:
        print(f"commons-graph: error: {err.message}", file=sys.stderr)
        sys.exit(1)
    except ValidationError as err:
        print(f"commons-graph: bad setting:\n{err}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
