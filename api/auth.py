"""The admin token: who may write (SPARQL Update). Everything else is public and read-only."""

from __future__ import annotations

import hmac

from commons_graph.errors import Forbidden, Unauthorized


def require_admin(authorization: str | None, token: str | None) -> None:
    """Pass only with ``Authorization: Bearer <settings.admin_token>``.

    No token configured: 403, updates are off. No (bearer) credentials: 401. A wrong token: 403.
    """
    if not token:
        raise Forbidden(
            "updates are off on this server: the operator has not set COMMONS_GRAPH_ADMIN_TOKEN"
        )
    scheme, _, sent = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not sent.strip():
        raise Unauthorized("an update needs the header 'Authorization: Bearer <admin token>'")
    if not hmac.compare_digest(sent.strip().encode(), token.encode()):
        raise Forbidden("the admin token sent is wrong")
