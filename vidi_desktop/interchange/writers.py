"""One entry point for every format: project + options → the text(s) to write.

Which writer runs, and with what, comes from the format table (:mod:`.formats`): this
module builds what each family's writers read — the timeline, the subtitle cues, the chosen
suggestions — and hands it over. The service layer writes the result atomically; this
module only decides what the text is.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from vidi_desktop.core.project import Project, SubtitleCue
from vidi_desktop.interchange.errors import ExportError
from vidi_desktop.interchange.fcpxml import DEFAULT_VERSION
from vidi_desktop.interchange.formats import ExportFormat, Written, export_format, formats_of
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


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """Everything an export can be asked for (the CLI's flags)."""

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
    source: str | None = None  # the project file's path, for formats that name it (JSON)
    whole: bool = False  # the files uncut, cuts and keeps as markers (timeline formats)


@dataclass
class ExportTexts:
    """What to write: ``(suffix, text)`` pairs (suffix ``""`` for a single file, ``"-01"``…
    for one file per highlight) and warnings for the user."""

    files: list[tuple[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _format(fmt: str) -> ExportFormat:
    try:
        return export_format(fmt)
    except KeyError as exc:
        raise ExportError(exc.args[0]) from None


def export_texts(project: Project, fmt: str, options: ExportOptions | None = None) -> ExportTexts:
    """The text of ``project`` in the registered format ``fmt`` (``edl``, ``csv``…)."""
    options = options or ExportOptions()
    spec = _format(fmt)
    topts = TimelineOptions(
        include=options.include,
        kinds=options.kinds,
        pending_as=options.pending_as,
        record_start=options.record_start,
        name=options.name,
        whole=options.whole,
    )
    result = ExportTexts()
    if spec.family == "suggestions":
        chosen = select_suggestions(project, options.include, expand_kinds(options.kinds))
        _add(result, "", spec.write(project, chosen, options=options))
        return result
    if spec.family == "subtitles":
        return _subtitles(project, spec, options, topts)
    if options.per_highlight:
        timelines = build_highlight_timelines(project, topts)
    else:
        timelines = [build_timeline(project, topts)]
    width = max(2, len(str(len(timelines))))
    for i, tl in enumerate(timelines, 1):
        suffix = f"-{i:0{width}d}" if options.per_highlight else ""
        _add(result, suffix, spec.write(tl, options=options))
        result.warnings.extend(tl.warnings)
    return result


def _add(result: ExportTexts, suffix: str, written: Written) -> None:
    """A writer's texts and notes; a format may split its output over files (EDLs of 999
    events): ``NAME``, ``NAME-2``…"""
    for k, text in enumerate(written.texts, 1):
        result.files.append((suffix if k == 1 else f"{suffix}-{k}", text))
    result.warnings.extend(written.notes)


def timeline_text(timeline: Timeline, fmt: str, options: ExportOptions | None = None) -> str:
    """One timeline as one text in a timeline format (``edl``, ``fcp7``, ``fcpxml``…)."""
    spec = _format(fmt)
    if spec.family != "timeline":
        known = ", ".join(f.id for f in formats_of("timeline"))
        raise ExportError(f"{fmt!r} is not a timeline format ({known})")
    written = spec.write(timeline, options=options or ExportOptions())
    if len(written.texts) != 1:
        raise ExportError(f"this timeline is {len(written.texts)} {spec.name} files, not one")
    return written.texts[0]


def _subtitles(
    project: Project, spec: ExportFormat, options: ExportOptions, topts: TimelineOptions
) -> ExportTexts:
    from vidi_desktop.interchange.subtitles import cues_for

    kinds = expand_kinds(options.kinds)
    chosen = select_suggestions(project, options.include, kinds or (SubtitleCue.kind,))
    timeline = None
    if options.subtitle_timing == "edit":
        # The cut the subtitles will play over: the edit, or what the suggestions make.
        timeline = build_timeline(project, replace(topts, kinds=None, refuse_uncut=False))
    cues = cues_for(project, chosen, options.subtitle_timing, timeline)
    result = ExportTexts()
    _add(result, "", spec.write(cues, options=options))
    return result
