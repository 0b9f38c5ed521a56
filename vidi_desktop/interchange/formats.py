"""Export formats as adapters: the one table the CLI, the export dialog, corpus search and the
export service read.

Each :class:`ExportFormat` gives its id (``--format``), its name for menus, its file-name
suffixes (the first is the default), its *family* — which decides what its writer is given —
and its writer by import path (``"package.module:function"``), imported only when a file is
written: reading the table costs nothing, and the CLI's ``--help`` reads it.

Families and what their writers receive (each returns its text, or a :class:`Written` when
it writes several files or has something to say about what it left out):

* ``timeline`` — ``writer(timeline, **options)``: the :class:`~.model.Timeline` of
  the edit or of the chosen suggestions; the record start, what undecided suggestions
  become, markers and one file per highlight apply to every format of the family;
* ``subtitles`` — ``writer(cues)``: the chosen subtitle cues on the chosen clock;
* ``suggestions`` — ``writer(project, suggestions, **options)``: the chosen suggestions
  themselves, for spreadsheets and scripts.

``options`` pairs the :class:`~.writers.ExportOptions` fields a writer takes with its
keyword names. A new format is one writer module plus one :func:`register_format` row.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, overload

Family = Literal["timeline", "subtitles", "suggestions"]

FAMILY_OPTIONS: dict[str, tuple[str, ...]] = {
    "timeline": ("record_start", "pending_as", "markers", "per_highlight", "whole"),
    "subtitles": ("subtitle_timing",),
    "suggestions": (),
}
"""The export options every format of a family reads (its writer's own come on top)."""


@dataclass(frozen=True, slots=True)
class Written:
    """What a writer made of its input: its files' texts, in order (one, mostly; the
    service names the others ``NAME-2``, ``NAME-3``…), and notes for the user."""

    texts: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ExportFormat:
    """One export format: how it is named, where its files go, and who writes it."""

    id: str  # the --format value
    name: str  # short name for menus and file dialogs ("FCP7 XML")
    suffixes: tuple[str, ...]  # file-name endings, the default first (".xml")
    family: Family
    writer: str | Callable[..., str | Written]  # "package.module:function", or the function
    options: tuple[tuple[str, str], ...] = ()  # (ExportOptions field, writer keyword)
    use: str = ""  # what it is for, shown after the name ("Premiere Pro, DaVinci Resolve")

    @property
    def label(self) -> str:
        """The name with what it is for, as the export dialog lists it."""
        return f"{self.name} — {self.use}" if self.use else self.name

    @property
    def suffix(self) -> str:
        """The default file-name ending."""
        return self.suffixes[0]

    @property
    def file_filter(self) -> str:
        """A file dialog's filter for it: ``"CMX 3600 EDL (*.edl)"``."""
        return f"{self.name} ({' '.join('*' + s for s in self.suffixes)})"

    def takes(self, option: str) -> bool:
        """Does this format read the export option ``option`` (an ``ExportOptions`` field)?"""
        return option in FAMILY_OPTIONS[self.family] or any(f == option for f, _ in self.options)

    def write(self, *inputs: Any, options: Any) -> Written:
        """Run the writer on its family's ``inputs`` with its options taken from ``options``."""
        writer = self.writer
        if isinstance(writer, str):
            module, _, attr = writer.partition(":")
            writer = getattr(importlib.import_module(module), attr)
        out = writer(*inputs, **{kw: getattr(options, field) for field, kw in self.options})
        return out if isinstance(out, Written) else Written((out,))


FORMATS: dict[str, ExportFormat] = {}
"""Registry: format id → format, in the order menus list them."""


def register_format(fmt: ExportFormat) -> ExportFormat:
    """Add ``fmt`` to :data:`FORMATS` (an id may be registered once)."""
    if fmt.family not in FAMILY_OPTIONS:
        raise ValueError(f"format {fmt.id!r}: unknown family {fmt.family!r}")
    if not fmt.suffixes or not all(s.startswith(".") for s in fmt.suffixes):
        raise ValueError(f"format {fmt.id!r}: suffixes must start with '.'")
    if FORMATS.get(fmt.id, fmt) != fmt:
        raise ValueError(f"export format {fmt.id!r} is already registered")
    FORMATS[fmt.id] = fmt
    return fmt


def export_format(fmt_id: str) -> ExportFormat:
    """The format with id ``fmt_id``; ``KeyError`` names the known ones."""
    try:
        return FORMATS[fmt_id]
    except KeyError:
        raise KeyError(f"unknown export format {fmt_id!r} (known: {', '.join(FORMATS)})") from None


def formats_of(*families: Family) -> tuple[ExportFormat, ...]:
    """The registered formats of ``families``, in menu order."""
    return tuple(f for f in FORMATS.values() if f.family in families)


def format_for_suffix(
    suffix: str, among: Sequence[ExportFormat] | None = None
) -> ExportFormat | None:
    """The format a file-name ending stands for (case-insensitive), or None."""
    suffix = suffix.lower()
    return next((f for f in (among or FORMATS.values()) if suffix in f.suffixes), None)


class _FormatIds(Sequence[str]):
    """The registered format ids as a live sequence: ``--format``'s choices stay current."""

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[str]: ...

    def __getitem__(self, index: int | slice) -> str | Sequence[str]:
        return tuple(FORMATS)[index]

    def __len__(self) -> int:
        return len(FORMATS)

    def __iter__(self) -> Iterator[str]:
        return iter(tuple(FORMATS))

    def __contains__(self, value: object) -> bool:
        return value in FORMATS

    def __repr__(self) -> str:
        return repr(tuple(FORMATS))


FORMAT_IDS: Sequence[str] = _FormatIds()
"""Every registered format id, read live (argparse's ``choices`` for ``--format``)."""


_INTERCHANGE = "vidi_desktop.interchange"
for _fmt in (
    ExportFormat("fcp7", "FCP7 XML", (".xml",), "timeline", f"{_INTERCHANGE}.fcp7:write_fcp7",
                 (("markers", "markers"),),
                 use="Premiere Pro, DaVinci Resolve (video + audio)"),
    ExportFormat("fcpxml", "FCPXML", (".fcpxml",), "timeline",
                 f"{_INTERCHANGE}.fcpxml:write_fcpxml",
                 (("fcpxml_version", "version"), ("markers", "markers")),
                 use="Final Cut Pro, Resolve"),
    ExportFormat("edl", "CMX 3600 EDL", (".edl",), "timeline", f"{_INTERCHANGE}.edl:export_edl",
                 (("edl_audio", "audio"), ("markers", "markers")),
                 use="any NLE (one video track)"),
    ExportFormat("otio", "OpenTimelineIO", (".otio",), "timeline",
                 f"{_INTERCHANGE}.otio_export:write_otio"),
    ExportFormat("mlt", "MLT XML", (".mlt",), "timeline", f"{_INTERCHANGE}.mlt:export_mlt",
                 (("markers", "markers"),), use="Shotcut, Kdenlive's engine (melt)"),
    ExportFormat("srt", "SubRip subtitles (SRT)", (".srt",), "subtitles",
                 f"{_INTERCHANGE}.subtitles:write_srt"),
    ExportFormat("vtt", "WebVTT subtitles", (".vtt",), "subtitles",
                 f"{_INTERCHANGE}.subtitles:write_vtt"),
    ExportFormat("csv", "CSV", (".csv",), "suggestions", f"{_INTERCHANGE}.table:write_csv",
                 use="suggestions for a spreadsheet"),
    ExportFormat("json", "JSON", (".json",), "suggestions",
                 f"{_INTERCHANGE}.suggestion_json:write_json",
                 (("include", "include"), ("kinds", "kinds"), ("source", "source")),
                 use="suggestions for scripts"),
):
    register_format(_fmt)
