"""One pydantic Settings class for the CLI and the API. It fails fast on bad values.

Every field is read from the environment with the ``COMMONS_GRAPH_`` prefix, e.g.
``COMMONS_GRAPH_STORE``. The README's "Settings" table documents each one; a test checks that
the table and this class agree.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import AnyHttpUrl, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_REPO_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="COMMONS_GRAPH_", extra="forbid", frozen=True)

    store: Annotated[
        Path | None,
        Field(description="Directory of the on-disk store; unset means an in-memory store."),
    ] = None
    base_url: Annotated[
        str,
        Field(description="BASE of entity and graph IRIs, e.g. https://graph.example.org."),
    ] = "http://localhost:8000"
    shared_data: Annotated[
        Path,
        Field(description="Folder of reference data (ESSGlobal vocabularies, RightsStatements)."),
    ] = _REPO_ROOT.parent / "shared" / "data"
    admin_token: Annotated[
        str | None,
        Field(description="Bearer token for writes (SPARQL Update); unset means writes are off."),
    ] = None
    query_timeout: Annotated[
        float, Field(gt=0, description="Time limit of one SPARQL query, in seconds.")
    ] = 30.0
    max_rows: Annotated[
        int, Field(gt=0, description="Most rows (or triples) a query result returns.")
    ] = 100_000
    max_body_bytes: Annotated[
        int, Field(gt=0, description="Largest accepted request body, in bytes.")
    ] = 1_000_000
    query_workers: Annotated[
        int, Field(gt=0, description="Worker processes that evaluate SPARQL queries.")
    ] = 2
    service_allowlist: Annotated[
        list[str],
        Field(description="Endpoint IRIs that SPARQL SERVICE and LOAD may reach (JSON list)."),
    ] = []
    dump_dir: Annotated[
        Path | None,
        Field(description="Directory of cached dumps; unset means <store>/dumps (or a temp dir)."),
    ] = None
    keep_generations: Annotated[
        int, Field(ge=2, description="Store generations kept on disk for readers still open.")
    ] = 3

    @field_validator("base_url")
    @classmethod
    def _check_base(cls, value: str) -> str:
        AnyHttpUrl(value)  # raises a ValidationError naming the field
        return value.rstrip("/")
