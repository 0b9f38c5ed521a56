"""Saving and loading project files safely, and autosaves in the user's data folder.

A save never leaves a half-written project behind: the bytes go to a temporary file in the
same folder (so the final rename stays on one file system), are flushed and fsynced, the
previous file is copied to ``<name>.bak``, and ``os.replace`` swaps the new file in
atomically; the folder is fsynced so the rename itself survives a power cut. If anything
fails, the temporary file is removed and the existing project is untouched.

Loading refuses a damaged, truncated, foreign or newer file with a one-line
:class:`~vidi_desktop.core.errors.ProjectError` and never changes anything on disk.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path

from vidi_desktop import paths
from vidi_desktop.core.errors import ProjectError
from vidi_desktop.core.project.model import Project
from vidi_desktop.core.project.schema import dumps, loads
from vidi_desktop.core.umask import current_umask

PROJECT_SUFFIX = ".vidi"
"""The extension of project files (JSON inside)."""

BACKUP_SUFFIX = ".bak"

MAX_PROJECT_BYTES = 512 * 1024 * 1024
"""Bigger than any real project: a file this large is media opened by mistake."""


class ProjectNotFoundError(ProjectError):
    """The project file does not exist."""


def backup_path(path: str | os.PathLike[str]) -> Path:
    """Where :func:`save_project` keeps the previous version: ``film.vidi`` → ``film.vidi.bak``."""
    p = Path(path)
    return p.with_name(p.name + BACKUP_SUFFIX)


def save_project(project: Project, path: str | os.PathLike[str], *, backup: bool = True) -> Path:
    """Write ``project`` to ``path`` atomically; the previous file becomes ``<name>.bak``.

    Raises :class:`ProjectError` (one line, naming the file) when the project cannot be
    serialised or the file cannot be written; then nothing on disk has changed.
    """
    target = Path(path)
    if target.is_symlink():
        # Replace the file the link points to, not the link itself.
        target = target.resolve()
    # Serialise first: a value JSON cannot hold fails here, before any file is touched.
    data = dumps(project, str(target))
    if target.is_dir():
        raise ProjectError(f"{target}: is a folder, not a project file")
    folder = target.parent
    if not folder.is_dir():
        raise ProjectError(f"{target}: cannot save: the folder {folder} does not exist")
    tmp: str | None = None
    bak_tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        _copy_mode(target, tmp)
        if backup and target.exists():
            # Copy, never rename: the project file must exist at every instant.
            fd, bak_tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".bak.tmp")
            with os.fdopen(fd, "wb") as out, target.open("rb") as src:
                shutil.copyfileobj(src, out)
                out.flush()
                os.fsync(out.fileno())
            _copy_mode(target, bak_tmp)
            os.replace(bak_tmp, backup_path(target))
            bak_tmp = None
        os.replace(tmp, target)
        tmp = None
        fsync_dir(folder)
    except OSError as exc:
        raise ProjectError(f"{target}: cannot save: {exc.strerror or exc}") from None
    finally:
        for leftover in (tmp, bak_tmp):
            if leftover is not None:
                with contextlib.suppress(OSError):
                    os.unlink(leftover)
    return target


def _copy_mode(existing: Path, new: str) -> None:
    """Give the new file the old one's permissions (``mkstemp`` creates it 0600)."""
    try:
        mode = existing.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~current_umask()
    os.chmod(new, mode)


def fsync_dir(folder: Path) -> None:
    """Make renames in ``folder`` durable (POSIX); Windows cannot open a folder, nor needs to."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read a project file.

    Raises :class:`ProjectNotFoundError`, :class:`ProjectError` (a folder, unreadable),
    :class:`~vidi_desktop.core.errors.CorruptProjectError` or
    :class:`~vidi_desktop.core.errors.ProjectVersionError`, each with a one-line message.
    """
    p = Path(path)
    try:
        st = p.stat()
        if stat.S_ISDIR(st.st_mode):
            raise ProjectError(f"{p}: is a folder, not a project file")
        if not stat.S_ISREG(st.st_mode):
            # A FIFO or a device would block or stream forever.
            raise ProjectError(f"{p}: not a regular file")
        size = st.st_size
        if size > MAX_PROJECT_BYTES:
            raise ProjectError(f"{p}: too large to be a project file ({size} bytes)")
        data = p.read_bytes()
    except FileNotFoundError:
        raise ProjectNotFoundError(f"{p}: no such project file") from None
    except OSError as exc:
        raise ProjectError(f"{p}: cannot read: {exc.strerror or exc}") from None
    return loads(data, str(p))


# -- autosave ----------------------------------------------------------------------------------

_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


@dataclass(frozen=True, slots=True)
class AutosaveEntry:
    """One autosaved project: its key, file and modification time (ns)."""

    key: str
    path: Path
    mtime_ns: int


def autosave_path(key: str) -> Path:
    """The autosave file for ``key`` in :func:`vidi_desktop.paths.autosave_dir`."""
    if not _KEY_RE.match(key) or ".." in key:
        raise ValueError(f"autosave key must be letters, digits, '-', '_' or '.': {key!r}")
    return paths.autosave_dir() / f"{key}{PROJECT_SUFFIX}"


def autosave(project: Project, key: str) -> Path:
    """Save ``project`` as the autosave ``key`` (atomic like :func:`save_project`, no .bak)."""
    target = autosave_path(key)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ProjectError(f"{target.parent}: cannot create the autosave folder: {exc}") from None
    return save_project(project, target, backup=False)


def list_autosaves() -> list[AutosaveEntry]:
    """The autosaves on disk, newest first."""
    folder = paths.autosave_dir()
    entries: list[AutosaveEntry] = []
    try:
        candidates = list(folder.iterdir())
    except OSError:
        return []
    for p in candidates:
        if p.suffix != PROJECT_SUFFIX or p.name.startswith(".") or not p.is_file():
            continue
        key = p.name[: -len(PROJECT_SUFFIX)]
        if not _KEY_RE.match(key):
            continue
        with contextlib.suppress(OSError):
            entries.append(AutosaveEntry(key, p, p.stat().st_mtime_ns))
    entries.sort(key=lambda e: e.mtime_ns, reverse=True)
    return entries


def load_autosave(key: str) -> Project:
    """Read the autosave ``key`` (errors as :func:`load_project`)."""
    return load_project(autosave_path(key))


def discard_autosave(key: str) -> None:
    """Delete the autosave ``key`` (after a normal save or when the user declines recovery)."""
    with contextlib.suppress(FileNotFoundError):
        autosave_path(key).unlink()
