"""The checks every command that writes runs before it writes: never over its own inputs.

The file comparison itself is :func:`vidi_desktop.core.overwrite.check_not_input` (device
and inode, through symlinks and hard links); this module names a command's inputs — the
project it reads and the source clips that project points to.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from vidi_desktop.core.overwrite import check_not_input

if TYPE_CHECKING:
    from vidi_desktop.core.project import Project


def refuse_overwriting_project_inputs(
    outputs: Iterable[str | os.PathLike[str]],
    project_path: str | os.PathLike[str] | None,
    project: Project,
) -> None:
    """Refuse (:class:`~vidi_desktop.core.overwrite.OutputIsInputError`) any output that is
    the project file or one of its source clips."""
    targets = list(outputs)
    if project_path is not None:
        check_not_input(targets, [project_path], what="the project it reads")
    check_not_input(
        targets, [a.path for a in project.assets], what="a source clip of the project"
    )


def refuse_overwriting_media(
    outputs: Iterable[str | os.PathLike[str]], media: Iterable[str | os.PathLike[str]]
) -> None:
    """Refuse any output that is one of the media files being read."""
    check_not_input(list(outputs), list(media), what="one of the media files it reads")
