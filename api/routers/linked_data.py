"""Linked Data for aggregators, as one router: entities, collections, changes, dumps, catalogue."""

from __future__ import annotations

from fastapi import APIRouter

from api.routers import catalog, changes, collections, dumps, entities

router = APIRouter()
for part in (entities, collections, changes, dumps, catalog):
    router.include_router(part.router)
