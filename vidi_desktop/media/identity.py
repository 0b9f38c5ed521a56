"""File identity (path + size + mtime) and the versioned on-disk media cache keyed by it.

A cache entry is valid only for the exact bytes it was made from: if the file is replaced,
touched or moved, its key changes and the old entry is simply never read again. Bump
``CACHE_VERSION`` whenever what is cached changes meaning.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from vidi_desktop.core import atomic
from vidi_desktop.paths import cache_dir

CACHE_VERSION = 1
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class FileIdentity:
    """What tells two versions of a media file apart without hashing its bytes."""

    path: str
    size: int
    mtime_ns: int

    @classmethod
    def of(cls, path: str | os.PathLike[str]) -> FileIdentity:
        p = Path(path).resolve()
        st = p.stat()
        return cls(str(p), st.st_size, st.st_mtime_ns)

    @property
    def key(self) -> str:
        """Short stable hash used as the cache folder name."""
        text = f"{self.path}\0{self.size}\0{self.mtime_ns}"
        return hashlib.sha1(text.encode("utf-8", "surrogateescape")).hexdigest()[:20]

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "size": self.size, "mtime_ns": self.mtime_ns}


def entry_dir(identity: FileIdentity, kind: str) -> Path:
    """Folder for one kind of cached data (``"index"``, ``"thumbs"``…) of one file."""
    return cache_dir() / f"v{CACHE_VERSION}" / kind / identity.key


def write_atomic(path: Path, data: bytes) -> None:
    """Write a cache file so a reader never sees it half-written (the atomic writer, fsynced:
    after a power cut an entry is whole or absent, never a truncated file to trip over).

    Cache writes that fail (read-only or full disk) are not errors: the cache is optional.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic.write_atomic(path, data)
    except OSError:
        pass


def read_json(path: Path) -> Any | None:
    """A cached JSON document, or None when absent or unreadable (then it is rebuilt)."""
    try:
        return json.loads(path.read_bytes())
    except (OSError, ValueError, RecursionError):
        return None


def read_cached(path: Path, parse: Callable[[bytes], T]) -> T | None:
    """``parse(bytes of path)``, or None when the entry is absent or cannot be read in any
    way (truncated by a crash, damaged, from another version): a miss, rebuilt by the
    caller. A cache must never be the reason a file cannot be opened."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    try:
        return parse(data)
    except Exception:  # whatever a damaged entry makes the parser raise
        return None


def write_json(path: Path, data: Any) -> None:
    write_atomic(path, json.dumps(data, separators=(",", ":")).encode())
