"""``export`` and ``render``: a project's edit or suggestions to files other tools read.

Formats: ``edl`` (CMX 3600), ``fcp7`` (FCP7 XML for Premiere/Resolve), ``fcpxml`` (Final Cut
Pro), ``otio``, ``srt``/``vtt`` (subtitle cues), ``csv`` and ``json`` (the selected
suggestions for spreadsheets and scripts). The texts come from
:mod:`vidi_desktop.interchange.writers`; this module loads the project and writes the
files atomically: every file goes to a temporary name in the target folder and is renamed
only when all of them are complete, so a failure leaves nothing under the target names.
:func:`render_project` renders the same timeline to video (``interchange.render``).
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidi_desktop.core.progress import ProgressFn
from vidi_desktop.interchange.errors import ExportError, check_writable_target

if TYPE_CHECKING:
    from vidi_desktop.interchange.render import RenderReport

INCLUDE_STATES = {
    "accepted": ("accepted",),
    "pending": ("pending",),
    "all": ("pending", "accepted", "rejected"),
}

__all__ = [
    "INCLUDE_STATES",
    "ExportError",
    "ExportResult",
    "export_files",
    "export_project",
    "render_project",
]


@dataclass
class ExportResult:
    """Files written and warnings worth showing (markers outside the edit, skipped ranges)."""

    paths: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def export_project(
    project_path: Path,
    *,
    fmt: str,
    output: Path,
    include: str = "accepted",
    kinds: Sequence[str] | None = None,
    **options: Any,
) -> Path:
    """Export ``project_path`` as ``fmt`` to ``output``; returns the (first) path written.

    ``options`` are :class:`~vidi_desktop.interchange.writers.ExportOptions` fields:
    ``record_start``, ``fcpxml_version``, ``markers``, ``pending_as``, ``subtitle_timing``,
    ``per_highlight`` (one file per highlight: ``name-01.edl``…), ``edl_audio``.
    """
    result = export_files(
        project_path, fmt=fmt, output=output, include=include, kinds=kinds, **options
    )
    return result.paths[0]


def export_files(
    project_path: Path,
    *,
    fmt: str,
    output: Path,
    include: str = "accepted",
    kinds: Sequence[str] | None = None,
    **options: Any,
) -> ExportResult:
    """Like :func:`export_project`, returning every path written and the warnings."""
    from vidi_desktop.core.project import load_project

    if include not in INCLUDE_STATES:
        raise ExportError(f"--include must be one of {', '.join(INCLUDE_STATES)}")
    output = Path(output)
    check_writable_target(output)
    project = load_project(project_path)
    if fmt == "json":
        data = _json_export(project, project_path, include, kinds)
        _write_atomic([(output, data)])
        return ExportResult([output])
    from vidi_desktop.interchange.writers import ExportOptions, export_texts

    try:
        opts = ExportOptions(include=include, kinds=tuple(kinds) if kinds else None, **options)
    except TypeError as exc:
        raise ExportError(f"unknown export option ({exc})") from None
    texts = export_texts(project, fmt, opts)
    targets = [
        (output.with_name(f"{output.stem}{suffix}{output.suffix}"), text.encode("utf-8"))
        for suffix, text in texts.files
    ]
    _write_atomic(targets)
    return ExportResult([p for p, _ in targets], texts.warnings)


def _json_export(
    project: Any, project_path: Path, include: str, kinds: Sequence[str] | None
) -> bytes:
    from vidi_desktop.core.project import project_to_json
    from vidi_desktop.interchange.timeline import expand_kinds

    states = INCLUDE_STATES[include]
    wanted = expand_kinds(kinds) if kinds else None
    doc = project_to_json(project)
    selected = [
        s
        for s in doc["suggestions"]
        if s["state"] in states and (not wanted or s["kind"] in wanted)
    ]
    payload: dict[str, Any] = {
        "project": str(project_path),
        "include": include,
        "kinds": list(kinds) if kinds else None,
        "assets": doc["assets"],
        "suggestions": selected,
    }
    return json.dumps(payload, indent=2).encode()


def _write_atomic(files: Sequence[tuple[Path, bytes]]) -> None:
    """Temp files in the targets' folders, fsync, then rename them all: all or nothing."""
    temps: list[tuple[str, Path]] = []
    try:
        for target, data in files:
            folder = target.parent if str(target.parent) else Path(".")
            try:
                fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
            except PermissionError:
                raise ExportError(f"{folder}: no permission to write in this folder") from None
            except OSError as exc:
                raise ExportError(f"{target}: cannot be written ({exc.strerror or exc})") from None
            temps.append((tmp, target))
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        for tmp, target in temps:
            os.replace(tmp, target)
    except OSError as exc:
        raise ExportError(f"cannot write the export ({exc.strerror or exc})") from None
    finally:
        for tmp, _ in temps:
            Path(tmp).unlink(missing_ok=True)


def render_project(
    project_path: Path,
    *,
    output: Path,
    mode: str = "exact",
    include: str = "accepted",
    kinds: Sequence[str] | None = None,
    per_highlight: bool = False,
    size: tuple[int, int] | None = None,
    burn_subtitles: bool = False,
    reframe: bool = True,
    crf: int = 18,
    on_progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> list[RenderReport]:
    """Render the project's edit (or the selected suggestions) to video; one file per
    highlight with ``per_highlight``. Returns the :class:`RenderReport` of each file."""
    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.core.project import load_project
    from vidi_desktop.interchange.render import RenderOptions, render
    from vidi_desktop.interchange.subtitles import cues_for
    from vidi_desktop.interchange.timeline import (
        TimelineOptions,
        build_highlight_timelines,
        build_timeline,
        select_suggestions,
    )

    if include not in INCLUDE_STATES:
        raise ExportError(f"--include must be one of {', '.join(INCLUDE_STATES)}")
    output = Path(output)
    check_writable_target(output)
    project = load_project(project_path)
    topts = TimelineOptions(
        include=include, kinds=tuple(kinds) if kinds else None, reframe=reframe
    )
    if per_highlight:
        timelines = build_highlight_timelines(project, topts)
    else:
        timelines = [build_timeline(project, topts)]
    ctx = JobContext(cancel=cancel or threading.Event(), on_progress=on_progress)
    reports = []
    width = max(2, len(str(len(timelines))))
    for i, tl in enumerate(timelines, 1):
        cues: tuple[Any, ...] = ()
        if burn_subtitles:
            chosen = select_suggestions(project, include, ("subtitle_cue",))
            cues = tuple(cues_for(project, chosen, "edit", tl))
        target = (
            output.with_name(f"{output.stem}-{i:0{width}d}{output.suffix}")
            if per_highlight else output
        )
        stage = _Stage(ctx, i - 1, len(timelines))
        if mode not in ("exact", "fast"):
            raise ExportError(f"render mode must be 'exact' or 'fast', got {mode!r}")
        opts = RenderOptions(mode=mode, size=size, crf=crf, subtitles=cues)  # type: ignore[arg-type]
        reports.append(render(tl, target, opts, stage))
    return reports


class _Stage:
    """One file's share of the overall progress of a multi-file render."""

    def __init__(self, ctx: Any, index: int, count: int) -> None:
        self._ctx, self._index, self._count = ctx, index, count

    def progress(self, fraction: float | None, message: str = "", *, force: bool = False) -> None:
        overall = None if fraction is None else (self._index + fraction) / self._count
        self._ctx.progress(overall, message, force=force)

    def check_cancelled(self) -> None:
        self._ctx.check_cancelled()
