"""A built screening index kept on disk, so a fresh process loads it instead of building it again.

Building the index over the bundled lists (parse the lists, look up the native-name gazetteer,
normalise and index every name) takes seconds; reading back what an earlier process built takes a
fraction of that. A cached build is served only when it was built from exactly the same inputs: the
key hashes the bytes of every input file, the normaliser's fingerprint, the package's version and
the source of every one of its modules, and the Python version. Anything else (another key, a file
cut short, a wrong checksum, a file that does not load) is rebuilt and written again: a cache is
never served stale, and a broken one costs only a rebuild.

The file is a pickle, and unpickling runs whatever the file says: only files this package wrote are
read, from a directory that must be private to the user (created 0700; one that other users could
write to, or that another user owns, is not used at all). See docs/screening.md, "Build cache".
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import pickle
import stat
import sys
import tempfile
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import TypeVar, cast

#: Where cached builds are kept (default: $XDG_CACHE_HOME/exportguard, else ~/.cache/exportguard).
CACHE_DIR_ENV = "EXPORTGUARD_CACHE_DIR"
#: Set to "off" to build every time and write nothing.
CACHE_SWITCH_ENV = "EXPORTGUARD_BUILD_CACHE"
_MAGIC = b"exportguard build cache 1\n"
_DIGEST_LENGTH = 64

Built = TypeVar("Built")


def cache_dir() -> Path | None:
    """The directory cached builds live in, or None when the cache is switched off."""
    if os.environ.get(CACHE_SWITCH_ENV, "").strip().lower() == "off":
        return None
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured:
        return Path(configured).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base).expanduser() / "exportguard"


def build_key(files: Iterable[Path], *parts: str) -> str:
    """A hash of the input files' bytes (a directory: every file in it), ``parts`` and :func:`code_hash`."""
    digest = hashlib.sha256(code_hash().encode())
    for part in parts:
        digest.update(b"\0part\0" + part.encode())
    for path in files:
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file():
                digest.update(b"\0file\0" + file.name.encode() + b"\0" + file.read_bytes())
    return digest.hexdigest()


@lru_cache(maxsize=1)
def code_hash() -> str:
    """The package version, the Python version and a hash of the source of every module of the package:
    a cached build made by any other code is never read back."""
    package = Path(__file__).parent
    digest = hashlib.sha256(f"{importlib.metadata.version('exportguard')}\0{sys.version}".encode())
    for module in sorted(package.rglob("*.py")):
        digest.update(b"\0" + str(module.relative_to(package)).encode() + b"\0" + module.read_bytes())
    return digest.hexdigest()


def cached_build(name: str, key: str, build: Callable[[], Built]) -> Built:
    """What ``build`` returns, read from the cache file ``name`` when it was written under ``key``; otherwise
    built, and written there for the next process (atomically; a cache that cannot be written is skipped)."""
    folder = _private_dir()
    if folder is None:
        return build()
    path = folder / f"{name}.pickle"
    found = _read(path, key)
    if found is not None:
        return cast(Built, found[0])
    built = build()
    _write(path, key, built)
    return built


def _private_dir() -> Path | None:
    """The cache directory, created 0700; None when it is off or another user could write to or owns it."""
    try:
        folder = cache_dir()
        if folder is None:
            return None
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        return folder if _is_private(folder.stat()) else None
    except (OSError, RuntimeError):  # RuntimeError: no home directory to put the default one in
        return None


def _is_private(status: os.stat_result) -> bool:
    owner = getattr(os, "getuid", None)
    return stat.S_IMODE(status.st_mode) & 0o077 == 0 and (owner is None or status.st_uid == owner())


def _read(path: Path, key: str) -> tuple[object] | None:
    """The object in the file (in a 1-tuple) when its header names ``key`` and its checksum holds, else None."""
    try:
        with path.open("rb") as handle:
            if not _is_private(os.fstat(handle.fileno())):
                return None
            data = handle.read()
    except OSError:
        return None
    header = _MAGIC + key.encode() + b"\n"
    if not data.startswith(header):
        return None
    digest_end = len(header) + _DIGEST_LENGTH
    payload = memoryview(data)[digest_end + 1 :]
    if data[len(header) : digest_end] != hashlib.sha256(payload).hexdigest().encode():
        return None
    try:
        return (pickle.loads(payload),)
    except Exception:  # a file that passed its checksum but does not load is rebuilt, not fatal
        return None


def _write(path: Path, key: str, built: object) -> None:
    payload = pickle.dumps(built, protocol=pickle.HIGHEST_PROTOCOL)
    header = _MAGIC + key.encode() + b"\n" + hashlib.sha256(payload).hexdigest().encode() + b"\n"
    try:
        # mkstemp creates the file 0600; os.replace swaps it in whole, so a reader never sees half a file.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(header)
                out.write(payload)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:
        pass  # a cache that cannot be written (full disk, read-only home) only means the next process builds
