"""The one registry of source formats. Each format is a module in ``loaders/`` exposing ``LOADER``.

Modules are imported on first use, so a broken optional format never stops the others.
"""

from __future__ import annotations

import importlib

from commons_graph.errors import BadInput
from loaders.base import Loader

FORMATS: dict[str, str] = {
    "coops-uk": "loaders.coops_uk",
    "essglobal-csv": "loaders.essglobal_csv",
    "glam-survey": "loaders.glam_survey",
    "wikidata": "loaders.wikidata",
    "rdf": "loaders.rdf",
}


def get_loader(name: str) -> Loader:
    try:
        module = FORMATS[name]
    except KeyError:
        raise BadInput(
            f"unknown format {name!r}; the formats are: {', '.join(sorted(FORMATS))}"
        ) from None
    loader: Loader = importlib.import_module(module).LOADER
    return loader
