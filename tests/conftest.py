"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

import codegen

# CI sets this so tests that need the upstream spec fail instead of skipping.
REQUIRE_SPEC_ENV = "TWILIO_WIRELESS_REQUIRE_SPEC"


@pytest.fixture(scope="session")
def upstream_spec_path() -> Path:
    """The upstream spec, found the way codegen.py finds it."""
    path = codegen.spec_path(None)
    if not path.is_file():
        message = (
            f"upstream spec not found at {path}: put twilio/twilio-oai's "
            "spec/yaml/twilio_wireless_v1.yaml (commit in openapi/pin.toml) there, "
            f"or point ${codegen.SPEC_ENV} at it"
        )
        if os.environ.get(REQUIRE_SPEC_ENV):
            pytest.fail(message)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def upstream_spec(upstream_spec_path: Path) -> dict[str, Any]:
    _, spec = codegen.load_spec(upstream_spec_path)
    return spec
