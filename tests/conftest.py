"""Shared fixtures: the screeners are built once per test session.

Matching tests (golden scores, must-show names) pin the 2022 CSL and China's counter-lists (the lists
bundled before the newer ones) rather than the newest bundled lists, so their expectations test
matching and do not move when newer lists are bundled.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from exportguard.buildcache import CACHE_DIR_ENV, finish_writing
from exportguard.matching.screener import Screener, reference_screener
from exportguard.store.anchor import CHECKPOINTS_ENV, KEY_FILE_ENV

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def screener() -> Screener:
    return reference_screener()


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session", autouse=True)
def audit_anchor_outside_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The audit signing key and checkpoints of this test run, kept out of the user's home directory
    (set in the environment, so servers started as subprocesses share them)."""
    folder = tmp_path_factory.mktemp("audit-anchor")
    saved = {name: os.environ.get(name) for name in (KEY_FILE_ENV, CHECKPOINTS_ENV)}
    os.environ[KEY_FILE_ENV] = str(folder / "audit.key")
    os.environ[CHECKPOINTS_ENV] = str(folder / "checkpoints")
    yield folder
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session", autouse=True)
def build_cache_outside_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The build cache of this test run (exportguard.buildcache), kept out of the user's home directory and
    shared with the servers and CLI commands tests start as subprocesses."""
    folder = tmp_path_factory.mktemp("build-cache")
    saved = os.environ.get(CACHE_DIR_ENV)
    os.environ[CACHE_DIR_ENV] = str(folder)
    yield folder
    finish_writing()  # no background writer outlives the session
    if saved is None:
        os.environ.pop(CACHE_DIR_ENV, None)
    else:
        os.environ[CACHE_DIR_ENV] = saved
