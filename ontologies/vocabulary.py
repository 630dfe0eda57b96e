"""The vocabulary files shipped with this package: ``commons.ttl`` and ``context.jsonld``."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from pyoxigraph import RdfFormat, Triple, parse

#: The vocabulary in Turtle.
ONTOLOGY_PATH = Path(__file__).with_name("commons.ttl")
#: The JSON-LD 1.1 context document (no remote references).
CONTEXT_PATH = Path(__file__).with_name("context.jsonld")


@lru_cache(maxsize=1)
def _ontology() -> tuple[Triple, ...]:
    return tuple(quad.triple for quad in parse(path=ONTOLOGY_PATH, format=RdfFormat.TURTLE))


def ontology_triples() -> list[Triple]:
    """The triples of ``commons.ttl`` (a new list on each call)."""
    return list(_ontology())


def context() -> dict[str, object]:
    """The JSON-LD context document, ``{"@context": {...}}``, as stored in ``context.jsonld``."""
    with CONTEXT_PATH.open(encoding="utf-8") as fh:
        document: dict[str, object] = json.load(fh)
    return document
