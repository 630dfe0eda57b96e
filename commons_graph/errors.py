"""The one error hierarchy. Every error carries an HTTP status and a message for people.

The API turns any ``CommonsGraphError`` into the project's JSON error body; the CLI prints the
message without a traceback and exits non-zero.
"""

from __future__ import annotations


class CommonsGraphError(Exception):
    status: int = 500
    title: str = "internal error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class BadInput(CommonsGraphError):
    """The user's input (a file, a parameter, a query) is unusable as given."""

    status = 400
    title = "bad request"


class NotFound(CommonsGraphError):
    status = 404
    title = "not found"


class StoreError(CommonsGraphError):
    """The store could not be opened or written."""

    status = 500
    title = "store error"


class WorkerDied(CommonsGraphError):
    """A worker process that maps records died mid-load; the load is abandoned."""

    status = 500
    title = "worker died"


class Unauthorized(CommonsGraphError):
    """No credentials were sent for an operation that needs them."""

    status = 401
    title = "unauthorized"


class Forbidden(CommonsGraphError):
    """The credentials sent are wrong, or the operation is switched off."""

    status = 403
    title = "forbidden"


class Gone(CommonsGraphError):
    """What was asked for existed but is no longer kept (an expired harvest cursor)."""

    status = 410
    title = "gone"


class MethodNotAllowed(CommonsGraphError):
    status = 405
    title = "method not allowed"


class NotAcceptable(CommonsGraphError):
    """No representation matches the Accept header; the message names the accepted types."""

    status = 406
    title = "not acceptable"


class PayloadTooLarge(CommonsGraphError):
    status = 413
    title = "payload too large"


class UnsupportedMediaType(CommonsGraphError):
    status = 415
    title = "unsupported media type"


class QueryTimeout(CommonsGraphError):
    """A query ran out of its time limit (or waited too long for a free worker)."""

    status = 503
    title = "query timeout"
