"""The batch index: one JSON file listing every analysed file, its outputs and its state.

``OUTDIR/index.json`` is what a later run reads to resume (a file whose identity — path,
size, mtime — analyser version and options match a ``done`` entry, and whose outputs are
all there, is not analysed again), what ``vidi-desktop search`` reads, and what the media
bin opens. It is rewritten after every finished file, always through :func:`atomic_write`,
so at any instant the file on disk is a complete index of the files finished so far: a
killed run, a dead worker or a full disk never leaves it half-written or pointing at a
half-written output.

How each file was run (``entry["run"]``: seconds, worker, chunks) and the top-level
``"run"`` are the only parts that differ between two runs over the same files; everything
else is a function of the inputs.
"""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vidi_desktop.core.atomic import write_files_atomic
from vidi_desktop.core.errors import VidiError

INDEX_NAME = "index.json"
REPORT_NAME = "report.txt"
INDEX_SCHEMA = "vidi.batch-index"
INDEX_VERSION = 1

DONE = "done"
ERROR = "error"

RUN_KEYS = ("run",)
"""Entry keys that say how it ran (left out when two runs are compared)."""


class BatchError(VidiError):
    """A batch cannot start or its output cannot be written (one line, names the path)."""


class BatchIndexError(BatchError):
    """The index file is missing, damaged or from a newer vidi-desktop."""


def atomic_write(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` so that no reader ever sees a partial file.

    See :func:`atomic_write_all`; raises :class:`BatchError` naming the file.
    """
    atomic_write_all([(Path(path), data)])


def atomic_write_all(files: Sequence[tuple[Path, bytes]]) -> None:
    """Write several files all or nothing (:func:`vidi_desktop.core.atomic.write_files_atomic`),
    creating their folders first.

    On any failure every target keeps its previous content (or stays absent); the error is
    a :class:`BatchError` naming the file, and says "disk full" for ENOSPC.
    """
    current = Path(".")
    try:
        for target, _ in files:
            current = target
            target.parent.mkdir(parents=True, exist_ok=True)
        write_files_atomic(files)
    except OSError as exc:
        where = exc.filename or current
        why = "disk full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise BatchError(f"{where}: cannot write: {why}") from None


@dataclass
class IndexEntry:
    """One input file in the index.

    ``key`` is the file's path relative to the batch root (POSIX separators): unique in the
    index, and the stem of its outputs (``KEY.vidi``, ``KEY.json``, ``KEY.edl``, ``KEY.srt``),
    so two ``clip.mp4`` in different folders never overwrite each other.
    """

    key: str
    source: str
    size: int
    mtime_ns: int
    status: str
    analyser_version: str
    options_key: str
    outputs: dict[str, str] = field(default_factory=dict)  # kind -> path relative to OUTDIR
    duration: float | None = None
    frames: int | None = None
    rate: str | None = None
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    exports: list[str] = field(default_factory=list)  # exports asked for (edl, srt)
    run: dict[str, Any] = field(default_factory=dict)  # seconds, worker, chunks

    @property
    def chunks(self) -> int:
        """How many chunks the file was analysed in (1: whole)."""
        return int(self.run.get("chunks", 1))

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "key": self.key,
            "source": self.source,
            "size": self.size,
            "mtime_ns": self.mtime_ns,
            "status": self.status,
            "analyser_version": self.analyser_version,
            "options_key": self.options_key,
            "outputs": dict(sorted(self.outputs.items())),
            "duration": self.duration,
            "frames": self.frames,
            "rate": self.rate,
            "counts": dict(sorted(self.counts.items())),
            "notes": list(self.notes),
            "exports": sorted(self.exports),
            "run": dict(self.run),
        }
        if self.error is not None:
            doc["error"] = self.error
        return doc

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> IndexEntry:
        return cls(
            key=str(d["key"]),
            source=str(d["source"]),
            size=int(d["size"]),
            mtime_ns=int(d["mtime_ns"]),
            status=str(d["status"]),
            analyser_version=str(d.get("analyser_version", "")),
            options_key=str(d.get("options_key", "")),
            outputs={str(k): str(v) for k, v in (d.get("outputs") or {}).items()},
            duration=d.get("duration"),
            frames=d.get("frames"),
            rate=d.get("rate"),
            counts={str(k): int(v) for k, v in (d.get("counts") or {}).items()},
            notes=[str(n) for n in d.get("notes") or []],
            error=d.get("error"),
            exports=[str(x) for x in d.get("exports") or []],
            run=dict(d.get("run") or {}),
        )


@dataclass
class BatchIndex:
    """The index of one output folder (see the module docstring)."""

    folder: Path
    analyser_version: str = ""
    options: dict[str, Any] = field(default_factory=dict)
    entries: dict[str, IndexEntry] = field(default_factory=dict)  # by key
    ignored: list[dict[str, str]] = field(default_factory=list)
    run: dict[str, Any] = field(default_factory=dict)

    @property
    def path(self) -> Path:
        return self.folder / INDEX_NAME

    def output_path(self, entry: IndexEntry, kind: str) -> Path | None:
        """Absolute path of one of ``entry``'s outputs (``project``, ``analysis``…)."""
        rel = entry.outputs.get(kind)
        return None if rel is None else self.folder / rel

    def done(self) -> list[IndexEntry]:
        """Entries whose analysis finished, in key order."""
        return [e for _, e in sorted(self.entries.items()) if e.status == DONE]

    def errors(self) -> list[IndexEntry]:
        return [e for _, e in sorted(self.entries.items()) if e.status == ERROR]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": INDEX_SCHEMA,
            "version": INDEX_VERSION,
            "analyser_version": self.analyser_version,
            "options": self.options,
            "entries": [e.to_json() for _, e in sorted(self.entries.items())],
            "ignored": sorted(self.ignored, key=lambda d: d.get("path", "")),
            "run": dict(self.run),
        }

    def dumps(self) -> bytes:
        return (json.dumps(self.to_json(), indent=1, sort_keys=True, ensure_ascii=False)
                + "\n").encode("utf-8")

    def save(self) -> None:
        """Write ``index.json`` atomically (:class:`BatchError` when it cannot be written)."""
        atomic_write(self.path, self.dumps())


def load_index(path: str | os.PathLike[str]) -> BatchIndex:
    """Read a batch index: ``OUTDIR/index.json`` or the ``OUTDIR`` folder itself.

    Raises :class:`BatchIndexError` (one line) when it is missing, not an index, damaged or
    written by a newer vidi-desktop.
    """
    p = Path(path)
    if p.is_dir():
        p = p / INDEX_NAME
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise BatchIndexError(
            f"{p}: no batch index here (run 'vidi-desktop batch' first)"
        ) from None
    except OSError as exc:
        raise BatchIndexError(f"{p}: cannot read: {exc.strerror or exc}") from None
    try:
        doc = json.loads(raw)
    except ValueError:
        raise BatchIndexError(f"{p}: damaged batch index (not JSON)") from None
    if not isinstance(doc, dict) or doc.get("schema") != INDEX_SCHEMA:
        raise BatchIndexError(f"{p}: not a vidi-desktop batch index")
    version = doc.get("version")
    if not isinstance(version, int) or version > INDEX_VERSION:
        raise BatchIndexError(
            f"{p}: batch index version {version!r} is newer than this vidi-desktop reads "
            f"({INDEX_VERSION}); update vidi-desktop"
        )
    try:
        entries = [IndexEntry.from_json(d) for d in doc.get("entries") or []]
    except (KeyError, TypeError, ValueError) as exc:
        raise BatchIndexError(f"{p}: damaged batch index entry ({exc})") from None
    return BatchIndex(
        folder=p.parent,
        analyser_version=str(doc.get("analyser_version", "")),
        options=dict(doc.get("options") or {}),
        entries={e.key: e for e in entries},
        ignored=list(doc.get("ignored") or []),
        run=dict(doc.get("run") or {}),
    )


def without_timings(doc: dict[str, Any]) -> dict[str, Any]:
    """An index document with its timings removed (two runs over the same files compare
    equal after this)."""
    out = {k: v for k, v in doc.items() if k != "run"}
    out["entries"] = [
        {k: v for k, v in e.items() if k not in RUN_KEYS} for e in doc.get("entries", [])
    ]
    return out
