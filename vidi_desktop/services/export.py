"""``export`` and ``render``: a project's edit or suggestions to files other tools read.

Formats are the registered ones (:mod:`vidi_desktop.interchange.formats`: EDL, FCP7 XML,
FCPXML, OTIO, SRT/VTT, CSV, JSON…). :func:`export` takes a :class:`Project` value — the
window passes the open document's, saved or not — and :func:`export_files` is the same for
a project file (the CLI). The texts come from :mod:`vidi_desktop.interchange.writers`;
this module writes the files atomically: every file goes to a temporary name in the target
folder and is renamed only when all of them are complete, so a failure leaves nothing under
the target names. :func:`render_project` renders the same timeline to video
(``interchange.render``).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vidi_desktop.core.atomic import write_files_atomic
from vidi_desktop.core.progress import ProgressFn
from vidi_desktop.interchange.errors import ExportError, check_writable_target
from vidi_desktop.interchange.timeline import INCLUDE_STATES
from vidi_desktop.services.output_guard import refuse_overwriting_project_inputs
from vidi_desktop.services.source_identity import check_sources, used_asset_ids

if TYPE_CHECKING:
    from vidi_desktop.core.project import Project
    from vidi_desktop.interchange.render import RenderReport

__all__ = [
    "INCLUDE_STATES",
    "ExportError",
    "ExportResult",
    "export",
    "export_files",
    "export_project",
    "render_project",
]


@dataclass
class ExportResult:
    """Files written and warnings worth showing (markers outside the edit, skipped ranges)."""

    paths: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def export(
    project: Project,
    *,
    fmt: str,
    output: Path,
    include: str = "accepted",
    kinds: Sequence[str] | None = None,
    source: str | os.PathLike[str] | None = None,
    **options: Any,
) -> ExportResult:
    """Export ``project`` as ``fmt`` to ``output``: every path written, and the warnings.

    ``source`` is the project's file, if it has one (the JSON export names it). ``options``
    are :class:`~vidi_desktop.interchange.writers.ExportOptions` fields: ``record_start``,
    ``fcpxml_version``, ``markers``, ``pending_as``, ``subtitle_timing``, ``per_highlight``
    (one file per highlight: ``name-01.edl``…), ``edl_audio``.
    """
    from vidi_desktop.interchange.writers import ExportOptions, export_texts

    if include not in INCLUDE_STATES:
        raise ExportError(f"--include must be one of {', '.join(INCLUDE_STATES)}")
    output = Path(output)
    check_writable_target(output)
    check_sources(project, used_asset_ids(project, include, kinds))  # still the same files?
    try:
        opts = ExportOptions(
            include=include,
            kinds=tuple(kinds) if kinds else None,
            source=None if source is None else str(source),
            **options,
        )
    except TypeError as exc:
        raise ExportError(f"unknown export option ({exc})") from None
    texts = export_texts(project, fmt, opts)
    targets = [
        (output.with_name(f"{output.stem}{suffix}{output.suffix}"), text.encode("utf-8"))
        for suffix, text in texts.files
    ]
    refuse_overwriting_project_inputs([p for p, _ in targets], source, project)
    _write_atomic(targets)
    return ExportResult([p for p, _ in targets], texts.warnings)


def export_files(project_path: str | os.PathLike[str], **kwargs: Any) -> ExportResult:
    """:func:`export` of the project file at ``project_path`` (the CLI's way); the same
    keywords but ``source``."""
    from vidi_desktop.core.project import load_project

    if kwargs.get("include", "accepted") not in INCLUDE_STATES:
        raise ExportError(f"--include must be one of {', '.join(INCLUDE_STATES)}")
    check_writable_target(Path(kwargs["output"]))
    project = load_project(project_path)
    return export(project, source=project_path, **kwargs)


def export_project(project_path: str | os.PathLike[str], **kwargs: Any) -> Path:
    """:func:`export_files`, returning the (first) path written."""
    return export_files(project_path, **kwargs).paths[0]


def _write_atomic(files: Sequence[tuple[Path, bytes]]) -> None:
    """All the export's files or none (:func:`vidi_desktop.core.atomic.write_files_atomic`)."""
    try:
        write_files_atomic(files)
    except PermissionError as exc:
        folder = Path(exc.filename).parent if exc.filename else Path(".")
        raise ExportError(f"{folder}: no permission to write in this folder") from None
    except OSError as exc:
        target = exc.filename or "the export"
        raise ExportError(f"{target}: cannot be written ({exc.strerror or exc})") from None


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
    whole: bool = False,
) -> list[RenderReport]:
    """Render the project's edit (or the selected suggestions) to video; one file per
    highlight with ``per_highlight``; the files uncut with ``whole``. Returns the
    :class:`RenderReport` of each file. Nothing accepted that changes the picture (no cut,
    keep or crop path) is refused (:class:`~vidi_desktop.interchange.errors.
    NothingAcceptedError`) unless ``whole`` asks for the files uncut."""
    from vidi_desktop.core.progress import JobContext
    from vidi_desktop.core.project import SubtitleCue, load_project
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
        include=include, kinds=tuple(kinds) if kinds else None, reframe=reframe,
        whole=whole, with_markers=False, refuse_uncut=not burn_subtitles,
    )
    if per_highlight:
        timelines = build_highlight_timelines(project, topts)
    else:
        timelines = [build_timeline(project, topts)]
    ctx = JobContext(cancel=cancel or threading.Event(), on_progress=on_progress)
    reports = []
    width = max(2, len(str(len(timelines))))
    targets = [
        output.with_name(f"{output.stem}-{i:0{width}d}{output.suffix}") if per_highlight
        else output for i in range(1, len(timelines) + 1)
    ]
    refuse_overwriting_project_inputs(targets, project_path, project)
    used = {c.source.asset_id for tl in timelines for c in tl.clips if c.enabled}
    check_sources(project, used, probe_always=True)  # frame counts and sizes from the files
    for i, (tl, target) in enumerate(zip(timelines, targets, strict=True), 1):
        cues: tuple[Any, ...] = ()
        if burn_subtitles:
            chosen = select_suggestions(project, include, (SubtitleCue.kind,))
            cues = tuple(cues_for(project, chosen, "edit", tl))
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
