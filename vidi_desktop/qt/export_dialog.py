"""Export: the open project's edit or suggestions to an NLE or subtitle file.

Every format of :mod:`vidi_desktop.services.export` (EDL, FCP7 XML, FCPXML with its version,
OTIO, SRT/VTT, CSV, JSON) with the options the CLI offers. The dialog shows the sequence the
timeline formats will write — rate, drop-frame, start timecode, length — before anything is
written, and writes through the services layer (atomic: all files or none). The services
read a project *file*, so an unsaved project is exported from a snapshot written to a
temporary file (the project itself is not saved). After a successful export the dialog
offers "Reveal in file manager".
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PySide6.QtCore import QUrl, Slot
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from vidi_desktop.core.errors import VidiError
from vidi_desktop.core.project import ProjectDocument

log = logging.getLogger(__name__)

FORMATS: tuple[tuple[str, str, str], ...] = (
    # (format id, label, file extension)
    ("fcp7", "FCP7 XML — Premiere Pro, DaVinci Resolve (video + audio)", ".xml"),
    ("fcpxml", "FCPXML — Final Cut Pro, Resolve", ".fcpxml"),
    ("edl", "CMX 3600 EDL — any NLE (one video track)", ".edl"),
    ("otio", "OpenTimelineIO", ".otio"),
    ("srt", "SubRip subtitles (SRT)", ".srt"),
    ("vtt", "WebVTT subtitles", ".vtt"),
    ("csv", "CSV — suggestions for a spreadsheet", ".csv"),
    ("json", "JSON — suggestions for scripts", ".json"),
)
TIMELINE_FORMATS = ("edl", "fcp7", "fcpxml", "otio")
SUBTITLE_FORMATS = ("srt", "vtt")
INCLUDES = (
    ("accepted", "Accepted suggestions (the edit)"),
    ("pending", "Pending suggestions"),
    ("all", "All suggestions"),
)


def extension_of(fmt: str) -> str:
    return next(ext for f, _, ext in FORMATS if f == fmt)


def sequence_summary(document: ProjectDocument, include: str, record_start: str) -> str:
    """One line about the sequence a timeline export writes (or why there is none)."""
    from vidi_desktop.core.timecode import frames_to_timecode
    from vidi_desktop.interchange.timeline import TimelineOptions, build_timeline

    try:
        timeline = build_timeline(
            document.project, TimelineOptions(include=include, record_start=record_start)
        )
    except VidiError as exc:
        return f"Nothing to write: {exc}"
    except ValueError as exc:  # a malformed record start timecode
        return f"Record start: {exc}"
    rate = timeline.rate
    fps = f"{float(rate):.3f}".rstrip("0").rstrip(".")
    df = "drop-frame" if timeline.drop_frame else "non-drop"
    length = frames_to_timecode(timeline.duration, rate, timeline.drop_frame)
    clips = len(timeline.clips)
    return (
        f"Sequence: {fps} fps {df}, {timeline.width}×{timeline.height}, starts "
        f"{timeline.record_timecode(0)}, {length} long, {clips} clip{'s' if clips != 1 else ''}"
    )


class ExportDialog(QDialog):
    """Choose a format and options, write the files, reveal them."""

    def __init__(self, document: ProjectDocument, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from vidi_desktop.interchange.fcpxml import DEFAULT_VERSION, FCPXML_VERSIONS

        self.setWindowTitle("Export — vidi-desktop")
        self.setMinimumWidth(620)
        self._document = document
        self.last_paths: list[Path] = []
        self.last_warnings: list[str] = []

        self.format = QComboBox(self)
        for fmt, label, _ in FORMATS:
            self.format.addItem(label, fmt)
        self.fcpxml_version = QComboBox(self)
        self.fcpxml_version.addItems(FCPXML_VERSIONS)
        self.fcpxml_version.setCurrentText(DEFAULT_VERSION)
        self.include = QComboBox(self)
        for value, label in INCLUDES:
            self.include.addItem(label, value)
        self.pending_as = QComboBox(self)
        for value, label in (
            ("clips", "clips"),
            ("markers", "markers"),
            ("disabled", "disabled clips"),
        ):
            self.pending_as.addItem(label, value)
        self.markers = QCheckBox("Markers for shots, chapters, objects", self)
        self.markers.setChecked(True)
        self.record_start = QLineEdit("01:00:00:00", self)
        self.subtitle_times = QComboBox(self)
        for value, label in (
            ("source", "from the file's start"),
            ("timecode", "on the file's timecode"),
            ("edit", "on the edit"),
        ):
            self.subtitle_times.addItem(label, value)
        self.per_highlight = QCheckBox("One file per highlight", self)
        self.edl_video_only = QCheckBox("Video only (no AA/V events)", self)
        self.sequence = QLabel(self)
        self.sequence.setWordWrap(True)
        self.sequence.setObjectName("sequenceInfo")

        self.output = QLineEdit(self)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        out_row = QHBoxLayout()
        out_row.addWidget(self.output, 1)
        out_row.addWidget(browse)

        form = QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("FCPXML version", self.fcpxml_version)
        form.addRow("Include", self.include)
        form.addRow("Undecided as", self.pending_as)
        form.addRow("", self.markers)
        form.addRow("Record start", self.record_start)
        form.addRow("Subtitle times", self.subtitle_times)
        form.addRow("", self.per_highlight)
        form.addRow("", self.edl_video_only)
        form.addRow("", self.sequence)
        form.addRow("Save to", out_row)

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setObjectName("exportMessage")
        self.reveal_button = QPushButton("Reveal in file manager", self)
        self.reveal_button.clicked.connect(self.reveal)
        self.reveal_button.hide()
        self.export_button = QPushButton("Export", self)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.export)
        close = QPushButton("Close", self)
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.reveal_button)
        buttons.addStretch(1)
        buttons.addWidget(self.export_button)
        buttons.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addLayout(buttons)

        self.format.currentIndexChanged.connect(self._on_format)
        self.include.currentIndexChanged.connect(self._update_sequence)
        self.record_start.editingFinished.connect(self._update_sequence)
        self._on_format()

    # -- public --------------------------------------------------------------------------
    def set_format(self, fmt: str) -> None:
        self.format.setCurrentIndex(self.format.findData(fmt))

    @property
    def fmt(self) -> str:
        return str(self.format.currentData())

    def options(self) -> dict[str, Any]:
        """The ``export_files`` keyword options the dialog shows."""
        if self.fmt == "json":
            return {}
        return {
            "record_start": self.record_start.text().strip() or "01:00:00:00",
            "fcpxml_version": self.fcpxml_version.currentText(),
            "markers": self.markers.isChecked(),
            "pending_as": self.pending_as.currentData(),
            "subtitle_timing": self.subtitle_times.currentData(),
            "per_highlight": self.per_highlight.isChecked(),
            "edl_audio": not self.edl_video_only.isChecked(),
        }

    @Slot()
    def export(self) -> list[Path]:
        """Write the export; returns the paths written ([] on error, shown in the dialog)."""
        from vidi_desktop.services.export import export_files
        from vidi_desktop.services.output_guard import refuse_overwriting_project_inputs

        self.reveal_button.hide()
        target = self.output.text().strip()
        if not target:
            self._show("Choose where to save the export.", error=True)
            return []
        output = Path(target).expanduser()
        try:
            # The snapshot of an unsaved project is a temporary file: name the real one too.
            refuse_overwriting_project_inputs([output], self._document.path, self._document.project)
            with _project_file(self._document) as project_path:
                result = export_files(
                    project_path,
                    fmt=self.fmt,
                    output=output,
                    include=str(self.include.currentData()),
                    **self.options(),
                )
        except VidiError as exc:
            self._show(str(exc), error=True)
            return []
        except Exception as exc:  # an exporter bug must not close the window
            log.exception("export failed")
            self._show(f"the export failed: {type(exc).__name__}: {exc}", error=True)
            return []
        self.last_paths, self.last_warnings = list(result.paths), list(result.warnings)
        lines = [f"Wrote {p}" for p in result.paths]
        lines += [f"Warning: {w}" for w in result.warnings]
        self._show("\n".join(lines))
        self.reveal_button.show()
        return self.last_paths

    @Slot()
    def reveal(self) -> bool:
        """Open the folder of the last export in the file manager."""
        if not self.last_paths:
            return False
        return QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.last_paths[0].parent)))

    @property
    def message_text(self) -> str:
        return self.message.text()

    # -- helpers -------------------------------------------------------------------------
    @Slot()
    def _on_format(self, *_: object) -> None:
        fmt = self.fmt
        timeline = fmt in TIMELINE_FORMATS
        self.fcpxml_version.setEnabled(fmt == "fcpxml")
        self.pending_as.setEnabled(timeline)
        self.markers.setEnabled(timeline)
        self.record_start.setEnabled(timeline)
        self.per_highlight.setEnabled(timeline)
        self.edl_video_only.setEnabled(fmt == "edl")
        self.subtitle_times.setEnabled(fmt in SUBTITLE_FORMATS)
        if fmt in SUBTITLE_FORMATS and self.include.currentData() == "accepted":
            # Subtitles are rarely reviewed one by one: offer every cue by default.
            self.include.setCurrentIndex(self.include.findData("all"))
        self._suggest_output()
        self._update_sequence()

    @Slot()
    def _update_sequence(self, *_: object) -> None:
        if self.fmt in TIMELINE_FORMATS:
            self.sequence.setText(
                sequence_summary(
                    self._document,
                    str(self.include.currentData()),
                    self.record_start.text().strip() or "01:00:00:00",
                )
            )
            self.sequence.show()
        else:
            self.sequence.hide()

    def _suggest_output(self) -> None:
        ext = extension_of(self.fmt)
        current = self.output.text().strip()
        if current:
            self.output.setText(str(Path(current).with_suffix(ext)))
            return
        doc = self._document
        folder = doc.path.parent if doc.path is not None else Path.home()
        stem = doc.path.stem if doc.path is not None else (doc.project.name or "export")
        self.output.setText(str(folder / f"{stem}{ext}"))

    @Slot()
    def _browse(self) -> None:
        ext = extension_of(self.fmt)
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Export to", self.output.text(), f"{self.fmt.upper()} (*{ext});;All files (*)"
        )
        if chosen:
            self.output.setText(chosen)

    def _show(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("role", "error" if error else "")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)


@contextlib.contextmanager
def _project_file(document: ProjectDocument) -> Iterator[Path]:
    """The document's file when it is saved and unchanged, else a temporary snapshot."""
    if document.path is not None and not document.is_modified and document.path.is_file():
        yield document.path
        return
    from vidi_desktop.core.project import save_project

    fd, temp = tempfile.mkstemp(prefix="vidi-export-", suffix=".vidi")
    os.close(fd)
    try:
        save_project(document.project, temp, backup=False)
        yield Path(temp)
    finally:
        Path(temp).unlink(missing_ok=True)
