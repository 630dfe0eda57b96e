"""THE exception handler: every error the API answers with becomes one JSON body.

``{"error": {"status": ..., "title": ..., "message": ...}}``, for the project's own errors
(:class:`~commons_graph.errors.CommonsGraphError`) and for the framework's (404, 405, a request
that fails validation). The app registers it for those three types, and the bare ``/sparql``
endpoint calls it directly (see :mod:`api.app`).
"""

from __future__ import annotations

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from commons_graph.errors import CommonsGraphError

_HTTP_TITLES = {405: "method not allowed", 404: "not found", 422: "bad request"}

#: What :func:`error_response` turns into the error body.
HANDLED = (CommonsGraphError, StarletteHTTPException, RequestValidationError)


async def error_response(request: Request, exc: Exception) -> JSONResponse:
    """The error body for ``exc`` (one of :data:`HANDLED`), with ``Allow`` on a 405 and
    ``WWW-Authenticate`` on a 401."""
    if isinstance(exc, CommonsGraphError):
        status, title, message = exc.status, exc.title, exc.message
    elif isinstance(exc, StarletteHTTPException):
        status, title, message = (
            exc.status_code,
            _HTTP_TITLES.get(exc.status_code, "error"),
            str(exc.detail),
        )
    elif isinstance(exc, RequestValidationError):
        status, title, message = 400, "bad request", str(exc.errors())
    else:  # pragma: no cover - only the types of HANDLED are registered
        raise exc
    headers = {"Allow": "GET, POST"} if status == 405 else None
    if status == 401:
        headers = {"WWW-Authenticate": 'Bearer realm="commons-graph"'}
    return JSONResponse(
        {"error": {"status": status, "title": title, "message": message}}, status, headers=headers
    )
