"""``analyze``: footage in, project of suggestions out — the headless main job.

Every file is probed first (a file that cannot be read at all fails the run before anything
is written), then each goes through the selected built-in analysers
(:mod:`~vidi_desktop.analysis.run`), its thumbnails and waveform are cached for the
timeline, and the project — new, or the existing one at ``output`` — gets the assets and
their suggestions in one undoable step and is saved atomically once at the end. A cancelled
run leaves the project file as it was.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from vidi_desktop.analysis.options import AnalyzeOptions
from vidi_desktop.analysis.run import FileAnalysis, analyze_file
from vidi_desktop.core.errors import ProjectError
from vidi_desktop.core.progress import JobContext, ProgressFn
from vidi_desktop.core.project.dedupe import add_new_suggestions
from vidi_desktop.core.project.sync import save_locked
from vidi_desktop.services.output_guard import refuse_overwriting_media

if TYPE_CHECKING:
    from vidi_desktop.core.project import Asset, ProjectDocument
    from vidi_desktop.media.probe import MediaInfo


@dataclass
class AnalyzeResult:
    """What a run produced, for the CLI summary and for scripts."""

    project_path: Path | None
    added: list[MediaInfo] = field(default_factory=list)
    already_present: list[Path] = field(default_factory=list)
    analyses: list[FileAnalysis] = field(default_factory=list)
    suggestions: int = 0
    new: int = 0  # suggestions this run added
    already_there: int = 0  # suggestions this run found equal to ones the project held

    def summary_lines(self) -> list[str]:
        lines = []
        for info in self.added:
            v = info.video
            if v is not None:
                from vidi_desktop.core.timecode import frames_to_timecode, is_drop_frame_label

                rate = v.timecode_rate
                drop = is_drop_frame_label(info.start_timecode) and rate.supports_drop_frame
                length = frames_to_timecode(v.frames, rate, drop) if v.frames else "?"
                what = (f"{length} from {info.start_timecode} ({v.frames} frames, "
                        f"{float(info.duration):.2f} s), {v.width}x{v.height}")
            else:
                what = f"{float(info.duration):.2f} s, audio only"
            lines.append(f"added {info.path.name}: {what}")
        for a in self.analyses:
            counts = ", ".join(c.text for c in a.counts() if c.text)
            if counts:
                lines.append(f"  {a.info.path.name}: {counts}")
            lines.extend(f"  {a.info.path.name}: {note}" for note in a.notes)
        analysed = {a.info.path for a in self.analyses}
        for p in self.already_present:
            again = "analysed again" if p in analysed else "unchanged"
            lines.append(f"kept  {p.name}: already in the project ({again})")
        if self.project_path:
            lines.append(
                f"{self.suggestions} suggestions ({self.new} new, {self.already_there} "
                f"already there); project saved to {self.project_path}"
            )
        else:
            lines.append(f"{self.suggestions} suggestions; no project")
        return lines


def analyze_files(
    files: Sequence[str | os.PathLike[str]],
    output: str | os.PathLike[str] | None,
    options: AnalyzeOptions | None = None,
    on_progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> AnalyzeResult:
    """Analyse ``files`` into the project at ``output`` (created, or updated if it exists).

    ``output`` None analyses without writing a project (``analyze --json`` to stdout).
    Files already in the project (same path, size and mtime) are not added again; the
    analysers asked for run on them again and only what the project does not hold yet is
    added (:mod:`~vidi_desktop.core.project.dedupe`): existing suggestions and their review
    decisions stay as they are.
    """
    from vidi_desktop.media.probe import probe

    options = options or AnalyzeOptions()
    ctx = JobContext(cancel=cancel or threading.Event(), on_progress=on_progress)
    out = Path(output) if output is not None else None
    if out is not None:
        refuse_overwriting_media([out], files)
    document = open_or_new(out) if out is not None else None
    result = AnalyzeResult(project_path=out)

    infos: list[MediaInfo] = []
    for f in files:
        ctx.progress(0.0, f"probing {Path(f).name}")
        infos.append(probe(f, allow_truncated=True))

    todo: list[MediaInfo] = []
    present: dict[Path, Asset] = {}  # files the project holds already: analysed again
    for info in infos:
        in_project = document.project.find_asset(info.identity) if document else None
        if any(t.identity == info.identity for t in todo) or info.path in present:
            continue  # named twice
        if in_project is not None:
            result.already_present.append(info.path)
            present[info.path] = in_project
        else:
            todo.append(info)

    runs = todo + [i for i in infos if i.path in present and options.any_analyser]
    runs = list({i.path: i for i in runs}.values())
    for i, info in enumerate(runs):
        stage = ctx.stage(i, max(1, len(runs)), info.path.name)
        file_ctx = ctx.part(lambda f, m, s=stage: s(f * 0.95 if f is not None else None, m))
        if options.any_analyser:
            result.analyses.append(analyze_file(info.path, options, file_ctx, info))
        _warm_caches(info, options, lambda f, m, s=stage: s(0.95 + f * 0.05, m), ctx)

    ctx.check_cancelled()
    if document is not None and out is not None:
        by_path = {a.info.path: a for a in result.analyses}
        with document.transaction(f"Analyze {len(runs)} file(s)"):
            for info in runs:
                if info.path in present:
                    asset = present[info.path]
                else:
                    asset = document.add_asset(asset_from_probe(info))
                    result.added.append(info)
                analysis = by_path.get(info.path)
                if analysis is not None:
                    landed = add_new_suggestions(document, analysis.suggestions(asset.id))
                    result.new += len(landed.added)
                    result.already_there += len(landed.already)
        # Under the project lock, merged with whatever another writer saved meanwhile.
        save_locked(document, out)
        result.suggestions = len(document.project.suggestions)
    else:
        result.added = list(todo)
        result.suggestions = sum(len(a.suggestions("preview")) for a in result.analyses)
    ctx.progress(1.0, "done", force=True)
    return result


def asset_from_probe(info: MediaInfo) -> Asset:
    """A project asset for a probed file (its probe facts kept as ``info``)."""
    from vidi_desktop.core.project import Asset

    ident = info.identity
    return Asset.new(ident.path, ident.size, ident.mtime_ns, info.path.name, info.to_json())


def open_or_new(path: Path) -> ProjectDocument:
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
    info: MediaInfo, options: AnalyzeOptions, report: ProgressFn, ctx: JobContext
) -> None:
    """Thumbnails and waveform for the timeline, so the GUI opens the project instantly."""
    from vidi_desktop.media.thumbnails import thumbnails
    from vidi_desktop.media.waveform import waveform_peaks

    if info.video is not None and options.thumbnails and not info.truncated:
        report(0.0, "thumbnails")
        thumbnails(info.path, count=options.thumbnails)
    ctx.check_cancelled()
    if info.audio and options.waveform:
        report(0.5, "waveform")
        waveform_peaks(info.path, cancel=ctx.cancel)
    report(1.0, "")

