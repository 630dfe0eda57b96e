"""Extension points of a load, for features built on top of the loaders.

* A **load step** sees every mapped record of a load and writes inside the load's own write, so
  what it writes is published together with the new version of the source (the change feed).
* An **after-publish hook** runs once the new version is visible (indexes beside the store, the
  link step).

Features register here by adding one ``"module:attribute"`` line; modules are imported on use, so
the loaders never import the features.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Protocol

from commons_graph.iris import Iris
from graph.store import GraphStore, Snapshot, Writer
from loaders.base import Mapped
from loaders.provenance import LoadReport


class LoadStep(Protocol):
    def record(self, record: Mapped) -> None:
        """Called for each mapped record, in input order."""
        ...

    def finish(self, writer: Writer, before: Snapshot, report: LoadReport) -> None:
        """Called inside the load's write, after the source graph was replaced."""
        ...


StepFactory = Callable[[Iris], LoadStep]
AfterPublish = Callable[[GraphStore, Iris, LoadReport], None]

#: "module:factory" of the steps run inside every load's write.
LOAD_STEPS: list[str] = ["graph.changes:ChangeStep"]
#: "module:function" of the hooks run after every load is published.
AFTER_PUBLISH: list[str] = ["linking.run:after_publish", "reconcile.hook:after_publish"]


def _resolve(ref: str) -> object:
    module, _, attr = ref.partition(":")
    return getattr(importlib.import_module(module), attr)


def load_steps(iris: Iris) -> list[LoadStep]:
    factories: list[StepFactory] = [_resolve(r) for r in LOAD_STEPS]  # type: ignore[misc]
    return [factory(iris) for factory in factories]


def after_publish_hooks() -> list[AfterPublish]:
    return [_resolve(r) for r in AFTER_PUBLISH]  # type: ignore[misc]
