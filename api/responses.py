"""Turn a :class:`~api.evaluate.QueryOutcome` into an HTTP response, or a project error.

Every result carries three headers (exposed to browsers through CORS):

* ``Commons-Graph-Rows``: the rows (or triples) in this response;
* ``Commons-Graph-Row-Cap``: the most rows any response returns (``settings.max_rows``);
* ``Commons-Graph-Truncated``: ``true`` when the result had more rows than the cap and was cut
  after ``Commons-Graph-Row-Cap`` rows, else ``false``. A result is never truncated silently.

Large results were spooled to a temporary file by the evaluator; they stream from it in chunks and
the file is deleted when the response ends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

from fastapi import Response
from fastapi.responses import StreamingResponse

from api.evaluate import QueryOutcome
from api.negotiation import FORMATS, Format, accepted_types
from commons_graph.errors import BadInput, NotAcceptable, StoreError

ROWS_HEADER = "Commons-Graph-Rows"
CAP_HEADER = "Commons-Graph-Row-Cap"
TRUNCATED_HEADER = "Commons-Graph-Truncated"
RESULT_HEADERS = (ROWS_HEADER, CAP_HEADER, TRUNCATED_HEADER)

_CHUNK = 64 * 1024
_FORMATS: dict[tuple[str, str], Format] = {(f.kind, f.key): f for f in FORMATS}


def _file_chunks(path: str) -> Iterator[bytes]:
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(_CHUNK):
                yield chunk
    finally:
        os.unlink(path)


def outcome_response(outcome: QueryOutcome, max_rows: int, head_only: bool = False) -> Response:
    """The response for ``outcome``; raises the project error for a failed query."""
    if outcome.status == 406:
        what = (
            "SELECT and ASK results"
            if outcome.kind == "results"
            else "CONSTRUCT and DESCRIBE results"
        )
        raise NotAcceptable(
            f"no type in the Accept header (or format=) is available for {what}; "
            f"accepted types are {', '.join(accepted_types((outcome.kind,)))}"  # type: ignore[arg-type]
        )
    if outcome.status == 400:
        raise BadInput(outcome.message)
    if outcome.status != 200:
        raise StoreError(outcome.message)
    fmt = _FORMATS[(outcome.kind, outcome.format_key)]
    headers = {
        ROWS_HEADER: str(outcome.rows),
        CAP_HEADER: str(max_rows),
        TRUNCATED_HEADER: "true" if outcome.truncated else "false",
        "Vary": "Accept",
    }
    if outcome.body is not None:
        return Response(
            b"" if head_only else outcome.body, media_type=fmt.content_type, headers=headers
        )
    assert outcome.path is not None
    if head_only:
        os.unlink(outcome.path)
        return Response(b"", media_type=fmt.content_type, headers=headers)
    return StreamingResponse(
        _file_chunks(outcome.path), media_type=fmt.content_type, headers=headers
    )
