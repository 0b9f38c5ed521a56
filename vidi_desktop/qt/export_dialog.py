"""Export: the open project's edit or suggestions to an NLE or subtitle file.

Every registered export format (:mod:`vidi_desktop.interchange.formats`: EDL, FCP7 XML,
FCPXML with its version, OTIO, SRT/VTT, CSV, JSON…) with the options the CLI offers, each
enabled where the chosen format reads it. The dialog shows the sequence the timeline formats
will write — rate, drop-frame, start timecode, length — before anything is written, and
writes the open project as it is, saved or not, through the services layer (atomic: all
files or none). After a successful export the dialog offers "Reveal in file manager".

Defaults an editor expects: a subtitle file takes the accepted and the pending cues, never the
rejected ones (cues are rarely reviewed one by one); the other formats the accepted edit.
Each option's row, label included, is enabled only for the formats that read it (the FCPXML
version for FCPXML alone). The dialog opens on the format and in the folder of the last
export (QSettings). Timeline formats are titled with the project's name (an EDL's ``TITLE``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
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
from vidi_desktop.interchange.formats import FORMATS, ExportFormat
from vidi_desktop.qt.settings_dialog import app_settings

log = logging.getLogger(__name__)

INCLUDES = (
    ("accepted", "Accepted suggestions (the edit)"),
    ("pending", "Pending suggestions"),
    ("accepted+pending", "Accepted and pending (not rejected)"),
    ("all", "All suggestions"),
)
FORMAT_KEY = "export/format"
FOLDER_KEY = "export/folder"


def default_include(spec: ExportFormat) -> str:
    """What a format exports unless the editor says otherwise: every cue not rejected for a
    subtitle file, the accepted edit (or accepted suggestions) for the others."""
    return "accepted+pending" if spec.family == "subtitles" else "accepted"


def project_title(document: ProjectDocument) -> str:
    """The project's name: its own, else its file's (a project named in no other way is
    "Untitled")."""
    name = document.project.name.strip()
    if name and name != "Untitled":
        return name
    return document.path.stem if document.path is not None else (name or "Untitled")


def marked_kinds_text() -> str:
    """The kinds a timeline export marks by default, as the markers option names them."""
    from vidi_desktop.core.project.kinds import kind_info, kinds_in_order

    infos = [kind_info(k) for k in kinds_in_order()]
    return ", ".join(
        i.look().label.lower() for i in infos if i.role == "marker" and not i.marker_on_request
    )


def _combo(parent: QWidget, items: Iterable[tuple[str, str]]) -> QComboBox:
    """A combo box of ``(value, label)`` items: the label shown, the value as its data."""
    box = QComboBox(parent)
    for value, label in items:
        box.addItem(label, value)
    return box


def sequence_summary(
    document: ProjectDocument, include: str, record_start: str, whole: bool = False
) -> str:
    """One line about the sequence a timeline export writes (or why there is none)."""
    from vidi_desktop.core.timecode import frames_to_timecode
    from vidi_desktop.interchange.timeline import TimelineOptions, build_timeline

    try:
        timeline = build_timeline(
            document.project,
            TimelineOptions(include=include, record_start=record_start, whole=whole),
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

        self.format = _combo(self, ((f.id, f.label) for f in FORMATS.values()))
        self.fcpxml_version = QComboBox(self)
        self.fcpxml_version.addItems(FCPXML_VERSIONS)
        self.fcpxml_version.setCurrentText(DEFAULT_VERSION)
        self.include = _combo(self, INCLUDES)
        self.pending_as = _combo(
            self, (("clips", "clips"), ("markers", "markers"), ("disabled", "disabled clips"))
        )
        self.markers = QCheckBox(f"Markers for {marked_kinds_text()}", self)
        self.markers.setChecked(True)
        self.record_start = QLineEdit("01:00:00:00", self)
        self.subtitle_times = _combo(self, (
            ("source", "from the file's start"),
            ("timecode", "on the file's timecode"),
            ("edit", "on the edit"),
        ))
        self.per_highlight = QCheckBox("One file per highlight", self)
        self.edl_video_only = QCheckBox("Video only (no AA/V events)", self)
        self.whole = QCheckBox("Whole files, uncut (cuts and keeps as markers)", self)
        self.sequence = QLabel(self)
        self.sequence.setWordWrap(True)
        self.sequence.setObjectName("sequenceInfo")

        self.output = QLineEdit(self)
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        out_row = QHBoxLayout()
        out_row.addWidget(self.output, 1)
        out_row.addWidget(browse)

        form = self._form = QFormLayout()
        form.addRow("Format", self.format)
        form.addRow("FCPXML version", self.fcpxml_version)
        form.addRow("Include", self.include)
        form.addRow("Undecided as", self.pending_as)
        form.addRow("", self.markers)
        form.addRow("Record start", self.record_start)
        form.addRow("Subtitle times", self.subtitle_times)
        form.addRow("", self.per_highlight)
        form.addRow("", self.edl_video_only)
        form.addRow("", self.whole)
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

        remembered = app_settings().value(FORMAT_KEY, "")
        if isinstance(remembered, str) and remembered in FORMATS:
            self.format.setCurrentIndex(self.format.findData(remembered))
        self._include_default = default_include(self.spec)
        self.include.setCurrentIndex(self.include.findData(self._include_default))
        self.format.currentIndexChanged.connect(self._on_format)
        self.include.currentIndexChanged.connect(self._update_sequence)
        self.whole.toggled.connect(self._update_sequence)
        self.record_start.editingFinished.connect(self._update_sequence)
        self._on_format()

    # -- public --------------------------------------------------------------------------
    def set_format(self, fmt: str) -> None:
        self.format.setCurrentIndex(self.format.findData(fmt))

    @property
    def fmt(self) -> str:
        return str(self.format.currentData())

    @property
    def spec(self) -> ExportFormat:
        """The chosen format's entry in the format table."""
        return FORMATS[self.fmt]

    def options(self) -> dict[str, Any]:
        """The ``export`` keyword options the dialog shows; a format that writes the
        suggestions themselves gets only those it reads (a subtitle export on the edit's
        clock reads the timeline options too)."""
        spec = self.spec
        shown = {
            "record_start": self.record_start.text().strip() or "01:00:00:00",
            "fcpxml_version": self.fcpxml_version.currentText(),
            "markers": self.markers.isChecked(),
            "pending_as": self.pending_as.currentData(),
            "subtitle_timing": self.subtitle_times.currentData(),
            "per_highlight": self.per_highlight.isChecked(),
            "edl_audio": not self.edl_video_only.isChecked(),
            "whole": self.whole.isChecked(),
        }
        if spec.family != "suggestions":
            return {**shown, "name": project_title(self._document)}
        return {k: v for k, v in shown.items() if spec.takes(k)}

    @Slot()
    def export(self) -> list[Path]:
        """Write the export; returns the paths written ([] on error, shown in the dialog)."""
        from vidi_desktop.services.export import export
        from vidi_desktop.services.output_guard import refuse_overwriting_project_inputs

        self.reveal_button.hide()
        target = self.output.text().strip()
        if not target:
            self._show("Choose where to save the export.", error=True)
            return []
        output = Path(target).expanduser()
        doc = self._document
        try:
            # The project's own file is an input even while it has unsaved changes.
            refuse_overwriting_project_inputs([output], doc.path, doc.project)
            result = export(
                doc.project,
                fmt=self.fmt,
                output=output,
                include=str(self.include.currentData()),
                source=doc.path,
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
        self._remember(output)
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
        spec = self.spec
        for option, widget in (
            ("fcpxml_version", self.fcpxml_version),
            ("pending_as", self.pending_as),
            ("markers", self.markers),
            ("record_start", self.record_start),
            ("per_highlight", self.per_highlight),
            ("edl_audio", self.edl_video_only),
            ("whole", self.whole),
            ("subtitle_timing", self.subtitle_times),
        ):
            on = spec.takes(option)
            widget.setEnabled(on)
            label = self._form.labelForField(widget)
            if label is not None:
                label.setEnabled(on)
        # A format's default inclusion, unless the editor chose another for the last one.
        default = default_include(spec)
        if self.include.currentData() == self._include_default:
            self.include.setCurrentIndex(self.include.findData(default))
        self._include_default = default
        self._suggest_output()
        self._update_sequence()

    @Slot()
    def _update_sequence(self, *_: object) -> None:
        if self.spec.family == "timeline":
            self.sequence.setText(
                sequence_summary(
                    self._document,
                    str(self.include.currentData()),
                    self.record_start.text().strip() or "01:00:00:00",
                    self.whole.isChecked(),
                )
            )
            self.sequence.show()
        else:
            self.sequence.hide()

    def _suggest_output(self) -> None:
        ext = self.spec.suffix
        current = self.output.text().strip()
        if current:
            self.output.setText(str(Path(current).with_suffix(ext)))
            return
        doc = self._document
        folder = doc.path.parent if doc.path is not None else Path.home()
        remembered = app_settings().value(FOLDER_KEY, "")
        if isinstance(remembered, str) and remembered and Path(remembered).is_dir():
            folder = Path(remembered)
        stem = doc.path.stem if doc.path is not None else (doc.project.name or "export")
        self.output.setText(str(folder / f"{stem}{ext}"))

    def _remember(self, output: Path) -> None:
        """The format and folder of a successful export, for the next time."""
        settings = app_settings()
        settings.setValue(FORMAT_KEY, self.fmt)
        settings.setValue(FOLDER_KEY, str(output.parent.resolve()))
        settings.sync()

    @Slot()
    def _browse(self) -> None:
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Export to", self.output.text(), f"{self.spec.file_filter};;All files (*)"
        )
        if chosen:
            self.output.setText(chosen)

    def _show(self, text: str, error: bool = False) -> None:
        self.message.setText(text)
        self.message.setProperty("role", "error" if error else "")
        self.message.style().unpolish(self.message)
        self.message.style().polish(self.message)
