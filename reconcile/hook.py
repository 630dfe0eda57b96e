"""The after-publish hook: the reconciliation index of the new generation, built beside the store.

Registered in :data:`loaders.hooks.AFTER_PUBLISH`. An in-memory store has no file; the API builds
its index in memory on first use.
"""

from __future__ import annotations

from commons_graph.iris import Iris
from graph.store import GraphStore
from loaders.provenance import LoadReport
from reconcile.index import build_file


def after_publish(store: GraphStore, iris: Iris, report: LoadReport) -> None:
    """Build ``<store>/reconcile/<generation>.sqlite``, re-reading only the sources that changed."""
    build_file(store.snapshot(), iris)
