"""What the audit chain is anchored to outside the database: a signing key and a checkpoint file.

A chain of hashes alone does not stop someone with write access to the database from rewriting a
record and recomputing every later hash, or from deleting the newest records. So each record's hash
is also signed (HMAC-SHA256) with a key that is not in the database, and after every commit the
newest record (the chain head) is written, signed, to a checkpoint file outside the database.

* The key comes from ``EXPORTGUARD_AUDIT_KEY`` (the key itself), else the file named by
  ``EXPORTGUARD_AUDIT_KEY_FILE``, else ``~/.exportguard/audit.key``, which is created (mode 0600) with a
  random key on first use. Every process writing to one database must use the same key.
* Checkpoints go to ``EXPORTGUARD_AUDIT_CHECKPOINTS`` (a directory), else ``~/.exportguard/checkpoints``,
  one file per database. ``exportguard audit export`` prints the signed head for keeping offsite.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy.engine import URL

KEY_ENV = "EXPORTGUARD_AUDIT_KEY"
KEY_FILE_ENV = "EXPORTGUARD_AUDIT_KEY_FILE"
CHECKPOINTS_ENV = "EXPORTGUARD_AUDIT_CHECKPOINTS"
HOME = Path("~/.exportguard")


def private_file(path: Path, content: bytes, durable: bool = True) -> None:
    """Write ``path`` readable and writable by its owner only (0600), replacing it atomically.

    ``durable`` flushes it to disk first; a checkpoint need not be (one lost to a power cut is only older).
    """
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(content)
        if durable:
            handle.flush()
            os.fsync(handle.fileno())
    os.replace(temporary, path)


def signing_key() -> bytes:
    """The audit signing key (see the module docstring for where it comes from)."""
    given = os.environ.get(KEY_ENV)
    if given:
        return given.encode()
    path = Path(os.environ.get(KEY_FILE_ENV) or HOME / "audit.key").expanduser()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process created it first: use theirs
            pass
        else:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
                handle.flush()
                os.fsync(handle.fileno())
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"the audit key file {path} is empty")
    return key.encode()


def sign(key: bytes, message: str) -> str:
    """HMAC-SHA256 of ``message``, hex."""
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def database_identity(url: URL) -> str:
    """The database a chain lives in, without password or driver: what a checkpoint is filed under."""
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{Path(url.database or '').resolve()}"
    plain = url.set(drivername=url.get_backend_name(), password=None)
    return plain.render_as_string(hide_password=True)


@dataclass(frozen=True)
class Checkpoint:
    """The chain head at some moment, signed: record ``record_id`` had hash ``hash``."""

    database: str
    record_id: int
    hash: str
    at: str
    mac: str

    @staticmethod
    def message(database: str, record_id: int, hash_: str) -> str:
        return f"{database}\n{record_id}\n{hash_}"

    @classmethod
    def signed(cls, key: bytes, database: str, record_id: int, hash_: str, at: str) -> Checkpoint:
        return cls(database, record_id, hash_, at, sign(key, cls.message(database, record_id, hash_)))

    def authentic(self, key: bytes) -> bool:
        """Whether the signature is the key's over this database, record and hash."""
        return hmac.compare_digest(self.mac, sign(key, self.message(self.database, self.record_id, self.hash)))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        data = json.loads(text)
        return cls(str(data["database"]), int(data["record_id"]), str(data["hash"]), str(data["at"]),
                   str(data["mac"]))


def checkpoint_path(database: str) -> Path:
    """The checkpoint file of ``database``."""
    folder = Path(os.environ.get(CHECKPOINTS_ENV) or HOME / "checkpoints").expanduser()
    return folder / f"{hashlib.sha256(database.encode()).hexdigest()[:24]}.json"


def read_checkpoint(database: str) -> Checkpoint | None:
    """The last checkpoint written for ``database``, if any."""
    path = checkpoint_path(database)
    return Checkpoint.from_json(path.read_text()) if path.exists() else None


def advance_checkpoint(checkpoint: Checkpoint) -> None:
    """Record ``checkpoint`` unless the file already names a later record (writers from several processes)."""
    path = checkpoint_path(checkpoint.database)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    lock = os.open(path.with_suffix(".lock"), os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX)
        current = read_checkpoint(checkpoint.database)
        if current is None or current.record_id < checkpoint.record_id:
            private_file(path, checkpoint.to_json().encode(), durable=False)
    finally:
        os.close(lock)
