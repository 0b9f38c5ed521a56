"""Files written so that no reader, crash or power cut ever sees half of one.

Every file vidi-desktop writes (projects, exports, renders, batch outputs, caches, evaluation
results) goes through this one writer:

1. a temporary file is created *in the target's folder* (so the final rename stays on one
   file system), named ``.<name>.<random>.<suffix>`` and created with mode ``0666`` minus
   the umask — an ordinary file, not ``mkstemp``'s ``0600`` — or with the mode asked for;
2. the bytes are written (or a callback writes the file itself: PyAV renders to a path),
   flushed and fsynced;
3. ``os.replace`` swaps it in atomically, and the folder is fsynced so the rename itself
   survives a power cut.

If anything fails, the temporary file is removed and the target keeps its previous content
(or stays absent). :func:`write_files_atomic` stages several files before renaming any, so a
failure while writing leaves every target as it was (all or nothing).

Errors are ``OSError``\\ s whose ``filename`` is the *target* (the temporary name means
nothing to a user); callers turn them into their own one-line errors. Caches pass
``durable=False`` where losing a file is harmless (it is rebuilt); caches still fsync, so a
power cut leaves an entry whole or absent.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TypeVar

_T = TypeVar("_T")

_CREATE_ATTEMPTS = 100


def new_file_mode() -> int:
    """The mode of a newly created ordinary file: ``0666`` minus the process umask."""
    return 0o666 & ~current_umask()


def current_umask() -> int:
    """The process umask, read without ``os.umask(0)`` (which races with other threads)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    # No /proc (not Linux): set and restore, accepting the tiny race.
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def fsync_dir(folder: str | os.PathLike[str]) -> None:
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


def write_atomic(
    target: str | os.PathLike[str],
    data: bytes,
    *,
    mode: int | None = None,
    durable: bool = True,
) -> Path:
    """Replace ``target`` with ``data`` atomically (see the module notes); returns its path.

    ``mode`` None gives a new file ``0666`` minus the umask; pass the old file's mode to keep
    it. Raises ``OSError`` naming ``target``; then nothing on disk has changed.
    """
    path = Path(target)
    write_files_atomic([(path, data)], mode=mode, durable=durable)
    return path


def write_files_atomic(
    files: Sequence[tuple[Path, bytes]],
    *,
    mode: int | None = None,
    durable: bool = True,
) -> None:
    """Write several files all or nothing: every one is staged (written and fsynced) before
    the first is renamed over its target, then their folders are fsynced.

    On a failure while staging, every temporary file is removed and every target keeps its
    previous content. Raises ``OSError`` whose ``filename`` is the target that failed.
    """
    staged: list[tuple[Path, Path]] = []
    try:
        for target, data in files:
            tmp, fd = _create_beside(Path(target), ".tmp", mode)
            staged.append((tmp, Path(target)))
            try:
                _write_all(fd, data, Path(target))
                if durable:
                    _fsync(fd, Path(target))
            finally:
                os.close(fd)
        folders = list(dict.fromkeys(_folder(t) for _, t in staged))
        while staged:
            tmp, target = staged[0]
            _replace(tmp, target)
            staged.pop(0)
        if durable:
            for folder in folders:
                fsync_dir(folder)
    finally:
        for tmp, _ in staged:  # only what was not renamed
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def write_via(
    target: str | os.PathLike[str],
    write: Callable[[Path], _T],
    *,
    suffix: str = ".part",
    mode: int | None = None,
    durable: bool = True,
) -> _T:
    """Let ``write(temp_path)`` produce the file (a PyAV render, a copy), then swap it in.

    The temporary file exists, empty, when ``write`` is called, and ends with ``suffix``
    (some writers pick the container from it). Whatever ``write`` returns is returned; if it
    raises, the temporary file is removed and the exception propagates unchanged.
    """
    path = Path(target)
    with replacing(path, suffix=suffix, mode=mode, durable=durable) as tmp:
        result = write(tmp)
    return result


@contextlib.contextmanager
def replacing(
    target: str | os.PathLike[str],
    *,
    suffix: str = ".tmp",
    mode: int | None = None,
    durable: bool = True,
) -> Iterator[Path]:
    """A temporary path beside ``target``, renamed over it when the block ends cleanly.

    Use when other steps must happen between writing and committing (a project's ``.bak``
    is made after the new file is safely down and before it replaces the old one).
    """
    path = Path(target)
    tmp, fd = _create_beside(path, suffix, mode)
    os.close(fd)
    try:
        yield tmp
        if durable:
            _fsync_path(tmp, path)
        _replace(tmp, path)
        tmp = None  # type: ignore[assignment]
        if durable:
            fsync_dir(_folder(path))
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


# -- steps --------------------------------------------------------------------------------------


def _folder(target: Path) -> Path:
    return target.parent if str(target.parent) else Path(".")


def _create_beside(target: Path, suffix: str, mode: int | None) -> tuple[Path, int]:
    """Create a new, empty, uniquely named file in ``target``'s folder; (path, open fd).

    ``O_CREAT | O_EXCL`` with mode 0666 lets the kernel apply the umask, so the file gets
    the permissions any new file would; an explicit ``mode`` is set afterwards.
    """
    folder = _folder(target)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(_CREATE_ATTEMPTS):
        tmp = folder / f".{target.name}.{secrets.token_hex(4)}{suffix}"
        try:
            fd = os.open(tmp, flags, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise _about(exc, target) from None
        if mode is not None:
            try:
                os.chmod(tmp, mode)
            except OSError as exc:
                os.close(fd)
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise _about(exc, target) from None
        return tmp, fd
    raise FileExistsError(17, "no free temporary name", str(target))  # pragma: no cover


def _write_all(fd: int, data: bytes, target: Path) -> None:
    """Write every byte (``os.write`` may write fewer than asked; a full disk raises)."""
    view = memoryview(data)
    try:
        while view:
            view = view[os.write(fd, view):]
    except OSError as exc:
        raise _about(exc, target) from None


def _fsync(fd: int, target: Path) -> None:
    try:
        os.fsync(fd)
    except OSError as exc:
        raise _about(exc, target) from None


def _fsync_path(tmp: Path, target: Path) -> None:
    """fsync a file a callback wrote (reopened read-only: fsync needs only a descriptor)."""
    try:
        fd = os.open(tmp, os.O_RDONLY)
    except OSError as exc:
        raise _about(exc, target) from None
    try:
        _fsync(fd, target)
    finally:
        os.close(fd)


def _replace(tmp: Path, target: Path) -> None:
    try:
        os.replace(tmp, target)
    except OSError as exc:
        raise _about(exc, target) from None


def _about(exc: OSError, target: Path) -> OSError:
    """The same error (same subclass: ``PermissionError``…) naming the target file."""
    if exc.errno is None:
        return exc
    return OSError(exc.errno, exc.strerror or str(exc), str(target))
