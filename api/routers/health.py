"""GET /healthz: the process is up and the store answers."""

from __future__ import annotations

from fastapi import APIRouter

from api.deps import StoreDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
def healthz(store: StoreDep) -> dict[str, str]:
    """``{"status": "ok", "generation": ...}`` once the current store generation can be read."""
    return {"status": "ok", "generation": store.snapshot().generation}
