"""The previous code, checked out into a temporary directory, for benchmarks that measure it in the same run.

``checkout(commit)`` extracts the commit's ``src`` (``git archive``: no worktree, nothing left in the
repository); ``run_section(src, script, args)`` runs a benchmark script's section in a fresh Python whose
``exportguard`` is imported from ``src`` (None: this checkout's), and returns the JSON it prints last;
``measure_sections`` runs every section against the previous code and this checkout, in that order.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
#: The main branch before issue 17 (system side: streaming re-screen, frozen heaps).
PREVIOUS = "623333b"
#: Main before issues 17l and 17m: the default of the benchmarks whose harness imports exportguard.heap (added after
#: 623333b), so that they run the previous code with their defaults (bench/rescreen_scale.py, bench/latency.py).
RECENT = "7aa91e2"


def checkout(commit: str = PREVIOUS) -> Path:
    """The ``src`` directory of ``commit``, extracted into a new temporary directory."""
    target = Path(tempfile.mkdtemp(prefix=f"exportguard-{commit}-"))
    archive = subprocess.run(["git", "-C", str(REPOSITORY), "archive", "--format=tar", commit, "src"],
                             check=True, capture_output=True).stdout
    archive_path = target / "src.tar"
    archive_path.write_bytes(archive)
    with tarfile.open(archive_path) as tar:
        tar.extractall(target, filter="data")
    archive_path.unlink()
    return target / "src"


def environment(src: Path | None) -> dict[str, str]:
    """This process's environment, importing exportguard from ``src`` when given."""
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(src), *filter(None, [env.get("PYTHONPATH")])])
    return env


def run_section(src: Path | None, script: Path, args: list[str], timeout: float = 7200) -> dict[str, Any]:
    """Run ``script`` with ``args`` in a fresh interpreter against ``src``; its last output line is JSON."""
    done = subprocess.run([sys.executable, str(script), *args], env=environment(src), capture_output=True,
                          text=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{script.name} {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def measure_sections(script: Path, sections: list[str], args: list[str], commit: str | None) -> dict[str, Any]:
    """Each section's figures, {"baseline": ..., "current": ...}, the previous code (``commit``) measured first
    in the same run; without a commit, this checkout's only. The checkout is removed afterwards."""
    previous = None if commit is None else checkout(commit)
    figures: dict[str, Any] = {}
    try:
        for section in sections:
            figures[section] = {}
            for label, src in (("baseline", previous), ("current", None)):
                if label == "current" or previous is not None:
                    figures[section][label] = run_section(src, script, [*args, f"--section={section}"])
                    print(f"{section} {label}: {figures[section][label]}", file=sys.stderr)
    finally:
        if previous is not None:
            shutil.rmtree(previous.parent)
    return figures
