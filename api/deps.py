"""Typed dependencies: everything a route needs comes from the app's state, never a global.

They are ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in its thread pool, a
thread hop per dependency per request (about a tenth of a millisecond each), for a dict lookup.
"""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import Depends, Request

from api.engine import Evaluator
from commons_graph.settings import Settings
from graph.store import GraphStore


async def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


async def get_store(request: Request) -> GraphStore:
    return cast(GraphStore, request.app.state.store)


async def get_evaluator(request: Request) -> Evaluator:
    return cast(Evaluator, request.app.state.evaluator)


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[GraphStore, Depends(get_store)]
EvaluatorDep = Annotated[Evaluator, Depends(get_evaluator)]
