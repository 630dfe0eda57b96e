"""The store interface and its engines.

Everything else uses :class:`graph.store.GraphStore`. The embedded engine is pyoxigraph, on disk
(:class:`graph.oxigraph.DiskStore`) or in memory (:class:`graph.oxigraph.MemoryStore`).
"""

from graph.oxigraph import DiskStore, MemoryStore, open_store
from graph.store import GraphStore, Snapshot, Writer

__all__ = ["DiskStore", "GraphStore", "MemoryStore", "Snapshot", "Writer", "open_store"]
