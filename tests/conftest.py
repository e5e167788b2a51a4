"""Shared fixtures: the screener over the bundled 2022 CSL is built once per test session.

Matching tests (golden scores, must-show names, properties) pin the 2022 CSL rather than the newest
bundled lists, so their expectations test matching and do not move when newer lists are bundled.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exportguard.matching.screener import Screener, csl_2022_screener, default_screener

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def screener() -> Screener:
    return csl_2022_screener()


@pytest.fixture(scope="session")
def bundled_screener() -> Screener:
    """The screener over every bundled list, as `screen` uses them out of the box."""
    return default_screener()


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES
