"""One entry point for every text format: project + options → the text(s) to write.

The service layer writes the result atomically; this module only decides what the text is.
JSON (the selected suggestions for scripts) stays in :mod:`vidi_desktop.services.export`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from vidi_desktop.core.project import Project
from vidi_desktop.interchange.errors import ExportError
from vidi_desktop.interchange.fcpxml import DEFAULT_VERSION
from vidi_desktop.interchange.model import Timeline
from vidi_desktop.interchange.subtitles import Timing
from vidi_desktop.interchange.timeline import (
    PendingAs,
    TimelineOptions,
    build_highlight_timelines,
    build_timeline,
    expand_kinds,
    select_suggestions,
)

TIMELINE_FORMATS = ("edl", "fcp7", "fcpxml", "otio", "mlt")
TEXT_FORMATS = (*TIMELINE_FORMATS, "srt", "vtt", "csv")


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Everything a text export can be asked for (the CLI's flags)."""

    include: str = "accepted"
    kinds: tuple[str, ...] | None = None
    record_start: str = "01:00:00:00"
    fcpxml_version: str = DEFAULT_VERSION
    markers: bool = True
    pending_as: PendingAs = "clips"
    subtitle_timing: Timing = "source"
    per_highlight: bool = False
    edl_audio: bool = True
    name: str | None = None


@dataclass
class ExportTexts:
    """What to write: ``(suffix, text)`` pairs (suffix ``""`` for a single file, ``"-01"``…
    for one file per highlight) and warnings for the user."""

    files: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def export_texts(project: Project, fmt: str, options: ExportOptions | None = None) -> ExportTexts:
    """The text of ``project`` in ``fmt`` (``edl``, ``fcp7``, ``fcpxml``, ``otio``, ``srt``,
    ``vtt``, ``csv``)."""
    options = options or ExportOptions()
    if fmt not in TEXT_FORMATS:
        raise ExportError(f"unknown export format {fmt!r} (known: {', '.join(TEXT_FORMATS)})")
    topts = TimelineOptions(
        include=options.include,
        kinds=options.kinds,
        pending_as=options.pending_as,
        record_start=options.record_start,
        name=options.name,
    )
    result = ExportTexts()
    if fmt == "csv":
        from vidi_desktop.interchange.table import write_csv

        chosen = select_suggestions(project, options.include, expand_kinds(options.kinds))
        result.files.append(("", write_csv(project, chosen)))
        return result
    if fmt in ("srt", "vtt"):
        return _subtitles(project, fmt, options, topts)
    if options.per_highlight:
        timelines = build_highlight_timelines(project, topts)
    else:
        timelines = [build_timeline(project, topts)]
    width = max(2, len(str(len(timelines))))
    for i, tl in enumerate(timelines, 1):
        suffix = f"-{i:0{width}d}" if options.per_highlight else ""
        if fmt == "edl":
            _edl_files(tl, suffix, options, result)
        else:
            result.files.append((suffix, timeline_text(tl, fmt, options)))
        if fmt == "mlt":
            from vidi_desktop.interchange.mlt import mlt_notes

            result.warnings.extend(mlt_notes(tl))
        result.warnings.extend(tl.warnings)
    return result


def _edl_files(timeline: Timeline, suffix: str, options: ExportOptions, out: ExportTexts) -> None:
    """One EDL per 999 events (``NAME.edl``, ``NAME-2.edl``…) and what it leaves out."""
    from vidi_desktop.interchange.edl import MAX_EVENTS, audio_left_out, write_edls

    parts = write_edls(timeline, audio=options.edl_audio, markers=options.markers)
    for k, text in enumerate(parts, 1):
        out.files.append((suffix if k == 1 else f"{suffix}-{k}", text))
    if len(parts) > 1:
        events = sum(1 for c in timeline.clips if c.enabled)
        out.warnings.append(
            f"{events} events: written as {len(parts)} EDLs of at most {MAX_EVENTS} events "
            "(\"-2\", \"-3\"… added to the file name), the record timecode running on from "
            "one file to the next"
        )
    if options.edl_audio:
        out.warnings.extend(audio_left_out(timeline))


def timeline_text(timeline: Timeline, fmt: str, options: ExportOptions | None = None) -> str:
    """One timeline as ``edl``, ``fcp7``, ``fcpxml``, ``otio`` or ``mlt`` text."""
    options = options or ExportOptions()
    if fmt == "edl":
        from vidi_desktop.interchange.edl import write_edl

        return write_edl(timeline, audio=options.edl_audio, markers=options.markers)
    if fmt == "fcp7":
        from vidi_desktop.interchange.fcp7 import write_fcp7

        return write_fcp7(timeline, markers=options.markers)
    if fmt == "fcpxml":
        from vidi_desktop.interchange.fcpxml import write_fcpxml

        return write_fcpxml(timeline, version=options.fcpxml_version, markers=options.markers)
    if fmt == "otio":
        from vidi_desktop.interchange.otio_export import write_otio

        return write_otio(timeline)
    if fmt == "mlt":
        from vidi_desktop.interchange.mlt import write_mlt

        return write_mlt(timeline, markers=options.markers)
    raise ExportError(f"{fmt!r} is not a timeline format ({', '.join(TIMELINE_FORMATS)})")


def _subtitles(
    project: Project, fmt: str, options: ExportOptions, topts: TimelineOptions
) -> ExportTexts:
    from vidi_desktop.interchange.subtitles import cues_for, write_srt, write_vtt

    kinds = expand_kinds(options.kinds)
    chosen = select_suggestions(project, options.include, kinds or ("subtitle_cue",))
    timeline = None
    if options.subtitle_timing == "edit":
        # The cut the subtitles will play over: the edit, or what the suggestions make.
        timeline = build_timeline(project, replace(topts, kinds=None))
    cues = cues_for(project, chosen, options.subtitle_timing, timeline)
    text = write_srt(cues) if fmt == "srt" else write_vtt(cues)
    return ExportTexts(files=[("", text)])
