"""``analyze``: footage in, project of suggestions out — the headless main job.

This is the skeleton the analysis issue fills: today it probes every file (refusing bad ones
before anything is written), adds them as assets to a new or existing project, warms the
thumbnail and waveform caches the timeline needs, and saves the project atomically. The
analysers (shots, speech, subtitles, faces, highlights) plug in as stages of
:func:`analyze_files` behind :class:`AnalyzeOptions` flags.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vidi_desktop.core.errors import ProjectError
from vidi_desktop.services.jobs import JobContext, ProgressCallback

if TYPE_CHECKING:
    from vidi_desktop.core.project import Asset, ProjectDocument
    from vidi_desktop.media.probe import MediaInfo


@dataclass(frozen=True, slots=True)
class AnalyzeOptions:
    """What to compute. The analysis issue adds its analysers here."""

    thumbnails: int = 10
    waveform: bool = True


@dataclass
class AnalyzeResult:
    """What a run produced, for the CLI summary and for scripts."""

    project_path: Path
    added: list[MediaInfo] = field(default_factory=list)
    already_present: list[Path] = field(default_factory=list)
    suggestions: int = 0

    def summary_lines(self) -> list[str]:
        lines = []
        for info in self.added:
            v = info.video
            what = (
                f"{v.width}x{v.height} {v.frames} frames" if v is not None else "audio only"
            )
            lines.append(f"added {info.path.name}: {float(info.duration):.2f} s, {what}")
        for p in self.already_present:
            lines.append(f"kept  {p.name}: already in the project (unchanged)")
        lines.append(f"{self.suggestions} suggestions; project saved to {self.project_path}")
        return lines


def analyze_files(
    files: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str],
    options: AnalyzeOptions | None = None,
    on_progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> AnalyzeResult:
    """Analyse ``files`` into the project at ``output`` (created, or updated if it exists).

    Every file is probed before the project is touched: one bad file fails the run with its
    one-line error and leaves ``output`` as it was.
    """
    from vidi_desktop.media.probe import probe

    options = options or AnalyzeOptions()
    ctx = JobContext(cancel=cancel or threading.Event(), on_progress=on_progress)
    out = Path(output)
    document = _open_or_new(out)
    result = AnalyzeResult(project_path=out)

    infos: list[MediaInfo] = []
    for i, f in enumerate(files):
        ctx.progress(i / max(1, len(files)) * 0.2, f"probing {Path(f).name}")
        infos.append(probe(f))

    known = {(a.path, a.size, a.mtime_ns) for a in document.project.assets}
    todo = []
    for info in infos:
        ident = info.identity
        if (ident.path, ident.size, ident.mtime_ns) in known:
            result.already_present.append(info.path)
        else:
            known.add((ident.path, ident.size, ident.mtime_ns))
            todo.append(info)

    for i, info in enumerate(todo):
        stage = ctx.stage(i, max(1, len(todo)), info.path.name)
        _warm_caches(info, options, stage, ctx)

    with document.transaction(f"Analyze {len(todo)} file(s)"):
        for info in todo:
            document.add_asset(asset_from_probe(info))
            result.added.append(info)
    ctx.check_cancelled()
    document.save(out)
    result.suggestions = len(document.project.suggestions)
    ctx.progress(1.0, "done", force=True)
    return result


def asset_from_probe(info: MediaInfo) -> Asset:
    """A project asset for a probed file (its probe facts kept as ``info``)."""
    from vidi_desktop.core.project import Asset

    ident = info.identity
    return Asset.new(ident.path, ident.size, ident.mtime_ns, info.path.name, info.to_json())


def _open_or_new(path: Path) -> ProjectDocument:
    """The existing project at ``path``, or a new one; never overwrite a non-project file."""
    from vidi_desktop.core.project import Project, ProjectDocument

    if path.exists():
        if path.is_dir():
            raise ProjectError(f"{path}: is a folder; give a project file name")
        return ProjectDocument.open(path)
    if not path.parent.exists():
        raise ProjectError(f"{path.parent}: folder does not exist")
    return ProjectDocument(Project(name=path.stem), path=path)


def _warm_caches(
    info: MediaInfo, options: AnalyzeOptions, report: ProgressCallback, ctx: JobContext
) -> None:
    """Thumbnails and waveform for the timeline, so the GUI opens the project instantly."""
    from vidi_desktop.media.thumbnails import thumbnails
    from vidi_desktop.media.waveform import waveform_peaks

    if info.video is not None and options.thumbnails:
        report(0.0, "thumbnails")
        thumbnails(info.path, count=options.thumbnails)
    ctx.check_cancelled()
    if info.audio and options.waveform:
        report(0.5, "waveform")
        waveform_peaks(info.path, cancel=ctx.cancel)
    report(1.0, "")

