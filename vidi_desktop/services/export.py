"""``export``: a project's suggestions or accepted edit to a file other tools read.

The interchange issue adds the NLE formats (EDL, FCP7 XML, FCPXML, OTIO) and subtitles;
today ``json`` (the selected suggestions, for scripts) is written, and the other formats are
refused with a clear message. Every export is written atomically: a failure leaves no
half-written file under the target name.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from vidi_desktop.core.errors import VidiError

INCLUDE_STATES = {
    "accepted": ("accepted",),
    "pending": ("pending",),
    "all": ("pending", "accepted", "rejected"),
}


class ExportError(VidiError):
    """The export cannot be made (unknown or not yet available format, bad selection)."""


def export_project(
    project_path: Path,
    *,
    fmt: str,
    output: Path,
    include: str = "accepted",
    kinds: Sequence[str] | None = None,
) -> Path:
    """Export ``project_path`` as ``fmt`` to ``output``; returns the path written."""
    from vidi_desktop.core.project import load_project, project_to_json

    if include not in INCLUDE_STATES:
        raise ExportError(f"--include must be one of {', '.join(INCLUDE_STATES)}")
    project = load_project(project_path)
    if fmt != "json":
        raise ExportError(
            f"export to {fmt!r} is not available yet in this version (available: json)"
        )
    states = INCLUDE_STATES[include]
    doc = project_to_json(project)
    selected = [
        s
        for s in doc["suggestions"]
        if s["state"] in states and (not kinds or s["kind"] in kinds)
    ]
    payload: dict[str, Any] = {
        "project": str(project_path),
        "include": include,
        "kinds": list(kinds) if kinds else None,
        "assets": doc["assets"],
        "suggestions": selected,
    }
    _write_atomic(output, json.dumps(payload, indent=2).encode())
    return output


def _write_atomic(target: Path, data: bytes) -> None:
    """Temp file in the target's folder, fsync, rename: all or nothing."""
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"{folder}: folder does not exist")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
