"""Advisory locks on sidecar files: one vidi-desktop at a time writes a project or a folder.

Two writers that each read a project, change it and write it back lose one of the changes;
two batch runs rewriting one index lose entries. Each writer therefore holds an exclusive
``flock`` on a sidecar file — ``.NAME.lock`` beside a project file, ``.vidi-batch.lock``
inside a batch folder — for as long as it reads-modifies-writes. The lock file itself is
never deleted (deleting it would let a third process lock a new inode while the second
still waits on the old one); it holds the holder's pid and command, for the message a
waiting writer prints. The kernel drops the lock when its holder exits, even on kill -9.

A busy lock is waited for (``on_wait`` is told once, in one line) up to ``wait_s`` seconds
(``None``: as long as it takes), then refused with :class:`LockBusyError`. Locks are
re-entrant within a process, so a writer holding a project's lock may call code that takes
it again. A lock file that cannot be created (read-only folder, full disk) is no lock: the
write that follows reports the real problem in its own words.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from vidi_desktop.core.errors import VidiError

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

FOLDER_LOCK_NAME = ".vidi-batch.lock"
WAIT_ENV = "VIDI_DESKTOP_LOCK_WAIT"
"""Seconds a writer waits for a busy project lock before giving up (default 60)."""
DEFAULT_WAIT_S = 60.0
_POLL_S = 0.05
log = logging.getLogger(__name__)


class LockBusyError(VidiError):
    """Another vidi-desktop kept the lock longer than this writer would wait."""


def project_lock_path(target: str | os.PathLike[str]) -> Path:
    """The sidecar lock of a file: ``folder/.NAME.lock`` (links resolved to the real file)."""
    p = Path(target)
    with contextlib.suppress(OSError, RuntimeError):
        p = p.resolve()
    return p.with_name(f".{p.name}.lock")


def folder_lock_path(folder: str | os.PathLike[str]) -> Path:
    """The lock of a whole output folder (a batch run's)."""
    return Path(folder).resolve() / FOLDER_LOCK_NAME


def default_wait_s() -> float | None:
    """The wait from ``VIDI_DESKTOP_LOCK_WAIT`` (seconds; negative or ``inf``: no limit)."""
    text = os.environ.get(WAIT_ENV, "").strip()
    if not text:
        return DEFAULT_WAIT_S
    try:
        value = float(text)
    except ValueError:
        return DEFAULT_WAIT_S
    return None if value < 0 or value == float("inf") else value


class _Held:
    """One lock this process holds: its fd, and how many nested holds use it."""

    def __init__(self, fd: int | None) -> None:
        self.fd = fd
        self.count = 0
        self.owner = threading.get_ident()


_held: dict[str, _Held] = {}
_held_guard = threading.Lock()


@contextlib.contextmanager
def hold_lock(
    lock_file: str | os.PathLike[str],
    *,
    what: str,
    wait_s: float | None = DEFAULT_WAIT_S,
    on_wait: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[None]:
    """Hold the exclusive lock ``lock_file`` for the ``with`` block.

    ``what`` names the locked thing in messages ("project.json", "the batch folder out/");
    ``on_wait`` defaults to a logged warning (the CLI prints those on stderr).
    Raises :class:`LockBusyError` when it stays busy for ``wait_s`` seconds, and
    :class:`~vidi_desktop.core.errors.CancelledError` when ``cancel`` is set while waiting.
    """
    key = os.path.abspath(os.fspath(lock_file))
    with _held_guard:
        held = _held.get(key)
        mine = held is not None and held.owner == threading.get_ident()
        if mine:
            held.count += 1  # type: ignore[union-attr]
    if mine:
        try:
            yield
        finally:
            with _held_guard:
                held.count -= 1  # type: ignore[union-attr]
        return
    fd = _open(key)
    try:
        if fd is not None:
            _acquire(fd, key, what, wait_s, on_wait, cancel)
            _write_holder(fd)
        entry = _Held(fd)
        entry.count = 1
        with _held_guard:
            _held[key] = entry
        try:
            yield
        finally:
            with _held_guard:
                _held.pop(key, None)
    finally:
        if fd is not None:
            _release(fd)
            os.close(fd)


def holder_of(lock_file: str | os.PathLike[str]) -> str:
    """What the lock file says of its last holder ("pid 123: vidi-desktop analyze"), or ""."""
    try:
        with open(lock_file, "rb") as fh:
            fh.seek(1)
            text = fh.read(300).decode("utf-8", "replace").strip()
    except OSError:
        return ""
    return text.splitlines()[0] if text else ""


# -- internals ---------------------------------------------------------------------------------


def _open(path: str) -> int | None:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError:
        return None  # see the module docstring: no lock file, no lock


def _acquire(
    fd: int,
    path: str,
    what: str,
    wait_s: float | None,
    on_wait: Callable[[str], None] | None,
    cancel: threading.Event | None,
) -> None:
    if _try_lock(fd):
        return
    holder = holder_of(path)
    by = f"another vidi-desktop ({holder})" if holder else "another vidi-desktop"
    if wait_s is not None and wait_s <= 0:
        raise LockBusyError(f"{what}: is being written by {by}; try again when it has finished")
    limit = "" if wait_s is None else f" (up to {wait_s:g} s)"
    (on_wait or log.warning)(f"{what}: is being written by {by}; waiting for it to finish{limit}…")
    deadline = None if wait_s is None else time.monotonic() + wait_s
    while not _try_lock(fd):
        if cancel is not None and cancel.is_set():
            from vidi_desktop.core.errors import CancelledError

            raise CancelledError("cancelled while waiting for the lock: nothing was changed")
        if deadline is not None and time.monotonic() >= deadline:
            raise LockBusyError(
                f"{what}: still being written by {by} after {wait_s:g} s; "
                "try again when it has finished"
            )
        time.sleep(_POLL_S)


def _try_lock(fd: int) -> bool:
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        except OSError:
            return True  # a file system without flock: behave as before locks existed
        return True
    import msvcrt  # pragma: no cover - Windows

    try:  # pragma: no cover
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
    except OSError:  # pragma: no cover
        return False
    return True  # pragma: no cover


def _release(fd: int) -> None:
    with contextlib.suppress(OSError):
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
        else:  # pragma: no cover - Windows
            import msvcrt

            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _write_holder(fd: int) -> None:
    """Byte 0 stays free (Windows locks it); the holder's line follows."""
    prog = os.path.basename(sys.argv[0]) if sys.argv and sys.argv[0] else "python"
    if prog in ("__main__.py", "-c", ""):
        prog = "vidi-desktop"
    command = " ".join([prog, *sys.argv[1:2]])
    text = f"\0pid {os.getpid()}: {command}\n".encode("utf-8", "replace")
    with contextlib.suppress(OSError):
        os.ftruncate(fd, 0)
        os.pwrite(fd, text, 0) if hasattr(os, "pwrite") else os.write(fd, text)
