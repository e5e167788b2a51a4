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

Writing the file (pickling the whole index, about a second) can be left to a forked child process, a
copy-on-write copy of this one, so the caller answers at once while the second core writes. This
process waits for its writers before it reads the same file again and when it exits.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.metadata
import os
import pickle
import stat
import sys
import tempfile
import threading
from collections.abc import Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import NoReturn, TypeVar, cast

#: Where cached builds are kept (default: $XDG_CACHE_HOME/exportguard, else ~/.cache/exportguard).
CACHE_DIR_ENV = "EXPORTGUARD_CACHE_DIR"
#: Set to "off" to build every time and write nothing.
CACHE_SWITCH_ENV = "EXPORTGUARD_BUILD_CACHE"
_MAGIC = b"exportguard build cache 1\n"
_DIGEST_LENGTH = 64

Built = TypeVar("Built")

#: The cache files a child process of this one is writing, each with the read end of a pipe whose write end
#: only that writer holds: the pipe reads as ended once the writer has exited.
_WRITERS: dict[Path, int] = {}


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


def cached_build(name: str, key: str, build: Callable[[], Built], *, in_background: bool = False) -> Built:
    """What ``build`` returns, read from the cache file ``name`` when it was written under ``key``; otherwise
    built, and written there for the next process (atomically; a cache that cannot be written is skipped).

    ``in_background``: the file is written by a forked child while this process goes on (see
    :func:`writes_in_background` for where that is done; elsewhere it is written before returning).
    """
    folder = _private_dir()
    if folder is None:
        return build()
    path = folder / f"{name}.pickle"
    finish_writing(path)  # this process's own write of the file, if one is under way, is read rather than redone
    found = _read(path, key)
    if found is not None:
        return cast(Built, found[0])
    built = build()
    if not (in_background and _write_in_child(path, key, built)):
        _write(path, key, built)
    return built


def writes_in_background() -> bool:
    """Whether a cache can be written by a forked child: where ``fork`` exists and is safe to use without
    ``exec`` (not on Windows, nor macOS, whose system libraries do not survive it), and while no other
    thread runs (the child would inherit whatever locks it holds, held)."""
    return hasattr(os, "fork") and sys.platform != "darwin" and threading.active_count() == 1


def finish_writing(path: Path | None = None) -> None:
    """Wait until this process's background writes (of the file ``path``, or all of them) have ended."""
    for written in [written for written in _WRITERS if path is None or written == path]:
        pipe = _WRITERS.pop(written)
        try:
            while os.read(pipe, 1):
                pass
        finally:
            os.close(pipe)


atexit.register(finish_writing)  # a process that exits leaves its cache written (a warm-up step, a CLI run)


def _write_in_child(path: Path, key: str, built: object) -> bool:
    """Write the cache file from a grandchild process (forked twice, so nothing is left for this process to
    reap); False, having written nothing, where that cannot be done (see :func:`writes_in_background`)."""
    if not writes_in_background():
        return False
    ended, writing = os.pipe()
    try:
        child = os.fork()
    except OSError:
        os.close(ended)
        os.close(writing)
        return False
    if child == 0:
        os.close(ended)
        _fork_writer(path, key, built)
    os.close(writing)
    os.waitpid(child, 0)  # the child exits as soon as it has forked the writer
    _WRITERS[path] = ended
    return True


def _fork_writer(path: Path, key: str, built: object) -> NoReturn:
    """In the child: fork the writer, which writes the file and exits, and exit at once; neither runs the
    parent's exit handlers nor flushes its buffers (``os._exit``), and the writer's standard streams are
    /dev/null, so a pipe reading the parent's output ends with the parent."""
    status = 1
    try:
        try:
            writer = os.fork()
        except OSError:
            writer = 0  # no second process to be had: this one writes, and the parent waits for it
        if writer == 0:
            _detach_standard_streams()
            _write(path, key, built)
        status = 0
    finally:
        os._exit(status)


def _detach_standard_streams() -> None:
    nowhere = os.open(os.devnull, os.O_RDWR)
    for stream in (0, 1, 2):
        os.dup2(nowhere, stream)
    os.close(nowhere)


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
