"""Shared fixtures: the bundled screener is built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from exportguard.matching.screener import Screener, default_screener

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def screener() -> Screener:
    return default_screener()


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES
