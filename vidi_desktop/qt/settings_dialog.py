"""Settings: which backend answers requests, where the models are, device and quantization.

Persisted with QSettings (INI in the user's config folder). :func:`backend_options` turns
the settings into the keyword options the chosen backend's constructor takes (see
``vidi_desktop/models/registry.py``). The dialog also lists what the model manager found in
the models folder; the manager is imported lazily and the list says "not available" when it
is missing, so the dialog never depends on it.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QSettings, Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from vidi_desktop.models.registry import BACKENDS, DEFAULT_BACKEND

if TYPE_CHECKING:
    from vidi_desktop.models.manager import ModelInfo

log = logging.getLogger(__name__)

DEVICES = ("auto", "cpu", "cuda")
QUANTIZATIONS = ("none", "8bit", "4bit")


def app_settings() -> QSettings:
    """The application's QSettings (INI, user scope; tests point the folder elsewhere)."""
    return QSettings(
        QSettings.Format.IniFormat, QSettings.Scope.UserScope, "vidi-desktop", "vidi-desktop"
    )


@dataclass
class ModelSettings:
    """What the Settings dialog edits. Empty strings mean "the default"."""

    backend: str = DEFAULT_BACKEND
    models_folder: str = ""  # "" = vidi_desktop.paths.models_dir()
    model: str = ""  # a model folder; "" = the first suitable one in the models folder
    device: str = "auto"
    quantization: str = "none"
    vidi_python: str = ""  # the interpreter of the user's Vidi checkout
    vidi_repo: str = ""
    autosave_seconds: int = 60

    def models_path(self) -> Path:
        """The models folder in effect."""
        from vidi_desktop.paths import models_dir

        return Path(self.models_folder) if self.models_folder else models_dir()


def load_model_settings(settings: QSettings | None = None) -> ModelSettings:
    """The stored settings; anything missing or invalid reads as its default."""
    s = settings or app_settings()
    defaults = ModelSettings()
    values: dict[str, Any] = {}
    for key, default in asdict(defaults).items():
        raw = s.value(f"model/{key}", default)
        try:
            values[key] = type(default)(raw)
        except (TypeError, ValueError):
            values[key] = default
    ms = ModelSettings(**values)
    if ms.backend not in BACKENDS:
        ms.backend = DEFAULT_BACKEND
    if ms.device not in DEVICES:
        ms.device = "auto"
    if ms.quantization not in QUANTIZATIONS:
        ms.quantization = "none"
    ms.autosave_seconds = max(5, min(3600, ms.autosave_seconds))
    return ms


def save_model_settings(ms: ModelSettings, settings: QSettings | None = None) -> None:
    """Store ``ms`` (synced to disk at once: a crash must not lose the choice)."""
    s = settings or app_settings()
    for key, value in asdict(ms).items():
        s.setValue(f"model/{key}", value)
    s.sync()


def backend_options(ms: ModelSettings) -> dict[str, Any]:
    """The constructor options of ``ms.backend`` (what ``create_backend`` passes on)."""
    if ms.backend == "qwen-vl":
        options: dict[str, Any] = {"device": ms.device}
        if ms.model:
            options["model_path"] = ms.model
        elif ms.models_folder:
            found = _first_model(ms.models_path())
            if found:
                options["model_path"] = found
        if ms.quantization != "none":
            options["quantization"] = ms.quantization
        return options
    if ms.backend == "vidi":
        options = {}
        if ms.vidi_python:
            options["python"] = ms.vidi_python
        if ms.vidi_repo:
            options["repo_dir"] = ms.vidi_repo
        if ms.model:
            options["checkpoint"] = ms.model
        return options
    return {}


def _first_model(folder: Path) -> str | None:
    try:
        subfolders = sorted(p for p in folder.iterdir() if (p / "config.json").is_file())
    except OSError:
        return None
    return str(subfolders[0]) if subfolders else None


def describe_models(folder: Path) -> list[str]:
    """One line per model the model manager finds in ``folder`` (or why it cannot say)."""
    from vidi_desktop.models.manager import list_models

    try:
        found = list_models(folder)
    except Exception as exc:  # a broken folder must not break the dialog
        log.warning("listing models in %s failed", folder, exc_info=True)
        return [f"cannot list models in {folder}: {exc}"]
    if not found:
        return [f"no models in {folder}"]
    return [_model_line(m) for m in found]


def _model_line(model: ModelInfo) -> str:
    """A model folder as one line: name, family, size, and its problem if any."""
    parts = [model.name, model.family]
    if model.size > 0:
        parts.append(_size_text(model.size))
    if model.quantization:
        parts.append(model.quantization)
    parts.append(f"problem: {'; '.join(model.problems)}" if model.problems else "ok")
    return " — ".join(parts)


def _size_text(size: float) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale / 10:
            return f"{size / scale:.1f} {unit}"
    return f"{int(size)} B"


class SettingsDialog(QDialog):
    """Edits :class:`ModelSettings`; ``accepted`` means they were saved."""

    def __init__(self, parent: QWidget | None = None, settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings — vidi-desktop")
        self.setMinimumWidth(560)
        self._settings = settings
        ms = load_model_settings(settings)

        self.backend = QComboBox(self)
        for name, (_, _, line) in BACKENDS.items():
            self.backend.addItem(name, name)
            self.backend.setItemData(self.backend.count() - 1, line, Qt.ItemDataRole.ToolTipRole)
        self.backend.setCurrentIndex(max(0, self.backend.findData(ms.backend)))
        self.backend_help = QLabel(self)
        self.backend_help.setWordWrap(True)
        self.backend_help.setProperty("role", "dim")
        self.backend.currentIndexChanged.connect(self._on_backend)

        self.models_folder = QLineEdit(ms.models_folder, self)
        self.models_folder.setPlaceholderText(str(ModelSettings().models_path()))
        self.model = QLineEdit(ms.model, self)
        self.model.setPlaceholderText("the first suitable model in the models folder")
        self.device = QComboBox(self)
        self.device.addItems(DEVICES)
        self.device.setCurrentText(ms.device)
        self.quantization = QComboBox(self)
        self.quantization.addItems(QUANTIZATIONS)
        self.quantization.setCurrentText(ms.quantization)
        self.vidi_python = QLineEdit(ms.vidi_python, self)
        self.vidi_python.setPlaceholderText(
            "python of your Vidi checkout, e.g. ~/vidi/.venv/bin/python"
        )
        self.vidi_repo = QLineEdit(ms.vidi_repo, self)
        self.autosave = QSpinBox(self)
        self.autosave.setRange(5, 3600)
        self.autosave.setSuffix(" s")
        self.autosave.setValue(ms.autosave_seconds)
        self.preroll, self.postroll = _roll_boxes(self, settings)

        form = QFormLayout()
        form.addRow("Backend", self.backend)
        form.addRow("", self.backend_help)
        form.addRow("Models folder", _with_browse(self.models_folder, self, folder=True))
        form.addRow("Model", _with_browse(self.model, self, folder=True))
        form.addRow("Device", self.device)
        form.addRow("Quantization", self.quantization)
        form.addRow("Vidi Python", _with_browse(self.vidi_python, self, folder=False))
        form.addRow("Vidi checkout", _with_browse(self.vidi_repo, self, folder=True))
        form.addRow("Autosave after", self.autosave)
        form.addRow("Preview pre-roll", self.preroll)
        form.addRow("Preview post-roll", self.postroll)

        self.models_list = QListWidget(self)
        self.models_list.setMaximumHeight(120)
        refresh = QPushButton("Refresh", self)
        refresh.clicked.connect(self.refresh_models)
        self.models_folder.editingFinished.connect(self.refresh_models)

        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)

        found = QHBoxLayout()
        found.addWidget(QLabel("Models found:", self))
        found.addStretch(1)
        found.addWidget(refresh)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(found)
        layout.addWidget(self.models_list)
        layout.addWidget(buttons)
        self._on_backend()
        self.refresh_models()

    def values(self) -> ModelSettings:
        """The settings as the dialog shows them now."""
        return ModelSettings(
            backend=str(self.backend.currentData()),
            models_folder=self.models_folder.text().strip(),
            model=self.model.text().strip(),
            device=self.device.currentText(),
            quantization=self.quantization.currentText(),
            vidi_python=self.vidi_python.text().strip(),
            vidi_repo=self.vidi_repo.text().strip(),
            autosave_seconds=self.autosave.value(),
        )

    def accept(self) -> None:
        from vidi_desktop.qt.preview_settings import PreviewSettings, save_preview_settings

        save_model_settings(self.values(), self._settings)
        rolls = PreviewSettings(self.preroll.value(), self.postroll.value())
        save_preview_settings(rolls, self._settings)
        super().accept()

    @Slot()
    def refresh_models(self) -> None:
        """List what the model manager finds in the models folder."""
        self.models_list.clear()
        self.models_list.addItems(describe_models(self.values().models_path()))

    @Slot()
    def _on_backend(self, *_: object) -> None:
        name = str(self.backend.currentData())
        self.backend_help.setText(BACKENDS.get(name, ("", "", ""))[2])
        vlm = name == "qwen-vl"
        vidi = name == "vidi"
        self.device.setEnabled(vlm)
        self.quantization.setEnabled(vlm)
        self.model.setEnabled(vlm or vidi)
        self.vidi_python.setEnabled(vidi)
        self.vidi_repo.setEnabled(vidi)


def _roll_boxes(
    parent: QWidget, settings: QSettings | None
) -> tuple[QDoubleSpinBox, QDoubleSpinBox]:
    """Spin boxes for the seconds "Preview" plays before and after a cut's join."""
    from vidi_desktop.qt.preview_settings import MAX_ROLL_S, load_preview_settings

    rolls = load_preview_settings(settings)
    boxes = []
    for value, tip in ((rolls.preroll_s, "before"), (rolls.postroll_s, "after")):
        box = QDoubleSpinBox(parent)
        box.setRange(0.0, MAX_ROLL_S)
        box.setSingleStep(0.5)
        box.setDecimals(1)
        box.setSuffix(" s")
        box.setValue(value)
        box.setToolTip(f"Preview plays this long {tip} the join of a cut")
        boxes.append(box)
    return boxes[0], boxes[1]


def _with_browse(edit: QLineEdit, parent: QWidget, folder: bool) -> QWidget:
    """``edit`` with a "Browse…" button beside it."""
    box = QWidget(parent)
    row = QHBoxLayout(box)
    row.setContentsMargins(0, 0, 0, 0)
    row.addWidget(edit, 1)
    button = QPushButton("Browse…", box)

    def browse() -> None:
        start = edit.text() or str(Path.home())
        if folder:
            chosen = QFileDialog.getExistingDirectory(parent, "Choose a folder", start)
        else:
            chosen, _ = QFileDialog.getOpenFileName(parent, "Choose a file", start)
        if chosen:
            edit.setText(chosen)
            edit.editingFinished.emit()

    button.clicked.connect(browse)
    row.addWidget(button)
    return box
