"""Shared fixtures: the screeners are built once per test session.

Matching tests (golden scores, must-show names) pin the 2022 CSL and China's counter-lists (the lists
bundled before the newer ones) rather than the newest bundled lists, so their expectations test
matching and do not move when newer lists are bundled.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from exportguard.matching.screener import Screener, reference_screener

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def screener() -> Screener:
    return reference_screener()


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES
