"""Any RDF file that pyoxigraph reads, into one named graph (``--graph IRI`` or ``--source``).

The syntax comes from the file's extension (``.ttl``, ``.nt``, ``.nq``, ``.trig``, ``.rdf``,
``.jsonld``, ``.n3``, optionally followed by ``.gz``/``.bz2``); quads of a dataset syntax are all
put into the target graph.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import PurePosixPath
from typing import BinaryIO

from pyoxigraph import RdfFormat, Triple, parse

from commons_graph.errors import BadInput
from loaders.base import LoadContext, Mapped, Record


def _format(name: str) -> RdfFormat:
    suffixes = [s.lstrip(".") for s in PurePosixPath(name.split("?", 1)[0]).suffixes]
    suffixes = [s for s in suffixes if s not in ("gz", "bz2")]
    if suffixes and (fmt := RdfFormat.from_extension(suffixes[-1])) is not None:
        return fmt
    raise BadInput(
        f"{name}: cannot tell the RDF syntax from the file name; use one of the extensions "
        ".ttl .nt .nq .trig .rdf .jsonld .n3"
    )


class RdfLoader:
    name = "rdf"
    licence: str | None = None
    rejects_suffix = ".txt"

    def default_source(self, head: bytes) -> str:
        raise BadInput("the rdf format needs --source NAME or --graph IRI")

    def records(self, stream: BinaryIO, ctx: LoadContext) -> Iterator[Record]:
        fmt = _format(ctx.input_name)
        base = ctx.options.get("base_iri")
        try:
            for quad in parse(
                stream,
                format=fmt,
                base_iri=str(base) if base else None,
                path=None,
                lenient=False,
            ):
                yield Mapped((Triple(quad.subject, quad.predicate, quad.object),), "triple")
        except SyntaxError as err:
            raise BadInput(f"{ctx.input_name}: not valid {fmt.name}: {err}") from err


LOADER = RdfLoader()
