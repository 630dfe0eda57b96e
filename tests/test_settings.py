"""Every setting is documented in the README, and bad values fail fast with the field's name."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from commons_graph.settings import Settings

README = Path(__file__).resolve().parents[1] / "README.md"


def _documented() -> dict[str, str]:
    rows = re.findall(r"^\| `COMMONS_GRAPH_([A-Z_]+)` \| `([^`]*)` \|", README.read_text(), re.M)
    return {name.lower(): default for name, default in rows}


def test_every_setting_is_documented_with_its_default() -> None:
    documented = _documented()
    assert set(documented) == set(Settings.model_fields)
    for name, field in Settings.model_fields.items():
        if name == "shared_data":
            continue  # documented as a path relative to the checkout
        default = field.default
        shown = "" if default is None else str(default)
        assert documented[name] == shown, name


@pytest.mark.parametrize(
    ("env", "value"),
    [
        ("COMMONS_GRAPH_BASE_URL", "not a url"),
        ("COMMONS_GRAPH_QUERY_TIMEOUT", "-1"),
        ("COMMONS_GRAPH_MAX_ROWS", "lots"),
    ],
)
def test_a_bad_setting_fails_fast_naming_it(
    env: str, value: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ValidationError) as info:
        Settings()
    assert env.removeprefix("COMMONS_GRAPH_").lower() in str(info.value)


def test_base_url_loses_its_trailing_slash() -> None:
    assert Settings(base_url="https://graph.example.org/").base_url == "https://graph.example.org"
