"""What keeps a batch folder whole: output names that never hit the index, no output over an
input, and one batch run at a time per folder.

* A media file literally named ``index`` would get ``index.json`` as its analysis — the
  batch index itself. :func:`output_base` gives every key beginning ``index`` one more
  ``_`` (``index`` → ``index_``, ``index_`` → ``index__``), which keeps the names of all
  keys distinct and leaves every other key as it was.
* :func:`check_outputs` refuses a run whose outputs (or index and report) would replace
  one of its own inputs — a file named directly next to one whose name it would take.
* :func:`batch_folder_lock` holds the folder's advisory lock for the whole run; a second
  run into the same folder waits for the first (saying so), then resumes from its index.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from vidi_desktop.core.filelock import folder_lock_path, hold_lock
from vidi_desktop.core.overwrite import check_not_input

_RESERVED = re.compile(r"index_*", re.IGNORECASE)  # case-insensitive file systems too


def output_base(key: str) -> str:
    """The name a key's outputs start with (``KEY.vidi``, ``KEY.json``…), never the index's."""
    return f"{key}_" if _RESERVED.fullmatch(key) else key


def check_outputs(
    inputs: Iterable[Path], outputs: Iterable[Path], reserved: Iterable[Path]
) -> None:
    """Refuse (exit 2) when an output, the index or the report is one of the inputs."""
    check_not_input([*reserved, *outputs], list(inputs), what="one of the batch's inputs")


@contextmanager
def batch_folder_lock(
    folder: str | os.PathLike[str],
    *,
    on_wait: Callable[[str], None] | None = None,
    cancel: threading.Event | None = None,
    wait_s: float | None = None,
) -> Iterator[None]:
    """Hold ``folder``'s batch lock; another run into it waits (``wait_s`` None: no limit)."""
    with hold_lock(
        folder_lock_path(folder),
        what=f"the batch folder {os.fspath(folder)}",
        wait_s=wait_s,
        on_wait=on_wait,
        cancel=cancel,
    ):
        yield
