"""A parameter popover per preset: the knobs of "remove the silences", scenes and highlights.

A preset button with parameters gets a small arrow (and its right-click) that opens a popover
with them: the silence threshold, margin, minimum silence and pauses to keep; the scene
sensitivity; the number and length of highlights. **Run again** runs the preset's request
with those values — scoped to the I/O marks when both are set, like any request — and its
result replaces what earlier runs of the preset left pending (decisions stay:
:mod:`~vidi_desktop.core.project.rerun`). A click on the preset itself uses them too.

The values go to the built-in backend as ``Request.options`` under the analysers' option
names (``silence_margin`` is ``analyze --margin``…: :mod:`vidi_desktop.models.builtin.knobs`)
and persist in QSettings per preset (``presets/<intent>/<option>``), set when the popover
closes or runs. Only values the editor set are sent; the others keep the task's default,
which is also what **Defaults** puts back.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from functools import cache
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from vidi_desktop.models.builtin import intents as I
from vidi_desktop.models.builtin.presets import PRESETS
from vidi_desktop.qt.settings_dialog import app_settings

if TYPE_CHECKING:
    from vidi_desktop.qt.request_box import RequestBox

GROUP = "presets"
OFF = "off"  # stored for a knob switched off (keep pauses, threshold)


@dataclass(frozen=True)
class Knob:
    """One parameter of a preset, as a spin box. ``off``: its lowest value reads "Off"
    (None: the knob is not used)."""

    option: str  # its name in Request.options (models/builtin/knobs.py)
    label: str
    suffix: str
    minimum: float
    maximum: float
    step: float
    decimals: int
    off: bool = False
    tip: str = ""


SILENCE_KNOBS = (
    Knob("silence_threshold", "Threshold", " dB", -91, 0, 1, 0, off=True,
         tip="Cut only the parts of a pause quieter than this (Off: every pause)"),
    Knob("silence_margin", "Margin", " s", 0, 2, 0.05, 2,
         tip="Silence kept next to speech on each side"),
    Knob("min_silence", "Minimum silence", " s", 0, 10, 0.1, 2,
         tip="Pauses shorter than this are not cut"),
    Knob("keep_pauses", "Keep pauses under", " s", 0, 10, 0.1, 2, off=True,
         tip="Pauses between sentences shorter than this are kept whole (Off: none)"),
)
KNOBS: dict[str, tuple[Knob, ...]] = {
    I.SILENCES: SILENCE_KNOBS,
    I.SCENES: (Knob("sensitivity", "Sensitivity", "", 0, 1, 0.05, 2,
                    tip="Higher finds subtler shot changes"),),
    I.HIGHLIGHTS: (Knob("highlights", "Clips", "", 1, 50, 1, 0, tip="How many highlights"),
                   Knob("highlight_seconds", "Length", " s", 3, 600, 1, 0,
                        tip="Each clip's length")),
}
"""The knobs of each preset's intent (presets of other intents have no popover)."""


@cache
def defaults(intent: str) -> dict[str, float | None]:
    """What each knob of ``intent`` is when the editor has set nothing: the task's default
    (the analyser's option default; for highlights, what the preset's words ask)."""
    from vidi_desktop.analysis.registry import option_defaults
    from vidi_desktop.models.builtin.params import parse_params

    analysis = option_defaults()
    out: dict[str, float | None] = {}
    words = next((parse_params(text) for _, text, i in PRESETS if i == intent), None)
    for knob in KNOBS.get(intent, ()):
        if knob.option == "highlights":
            value: Any = words.count if words is not None else None
        elif knob.option == "highlight_seconds":
            value = words.duration if words is not None else None
        else:
            value = analysis.get(knob.option)
        out[knob.option] = None if value is None else float(value)
    return out


def stored(intent: str) -> dict[str, float | None]:
    """The values the editor set for ``intent``'s knobs (only those set)."""
    settings = app_settings()
    out: dict[str, float | None] = {}
    for knob in KNOBS.get(intent, ()):
        raw = settings.value(f"{GROUP}/{intent}/{knob.option}")
        if raw is None:
            continue
        if raw == OFF and knob.off:
            out[knob.option] = None
            continue
        try:
            value = float(raw)
        except (TypeError, ValueError):
            continue  # a hand-edited settings file: ignore what does not read
        if knob.minimum <= value <= knob.maximum:
            out[knob.option] = value
    return out


def store(intent: str, values: dict[str, float | None]) -> None:
    """Keep ``values`` for ``intent``; knobs not in it go back to their default."""
    settings = app_settings()
    for knob in KNOBS.get(intent, ()):
        key = f"{GROUP}/{intent}/{knob.option}"
        if knob.option not in values:
            settings.remove(key)
        else:
            value = values[knob.option]
            settings.setValue(key, OFF if value is None else value)
    settings.sync()


def request_options(intent: str) -> dict[str, Any]:
    """``Request.options`` for a run of the preset: the values the editor set, exact."""
    return {name: _exact(value) for name, value in stored(intent).items()}


def preset_request_options(text: str) -> dict[str, Any] | None:
    """The options a click on the preset sending ``text`` carries (None: not a preset with
    parameters, or none set)."""
    intent = next((i for _, t, i in PRESETS if t == text), None)
    if intent is None or intent not in KNOBS:
        return None
    return request_options(intent) or None


def _exact(value: float | None) -> Any:
    if value is None:
        return None
    # Spin boxes hold binary floats: 0.2 goes out as exactly 1/5 (two decimals at most).
    return Fraction(round(value * 100), 100) if value != int(value) else int(value)


class PresetParams(QFrame):
    """The popover of one preset: a spin box per knob, Defaults and Run again."""

    def __init__(self, label: str, intent: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"presetParams_{intent}")
        self.intent = intent
        self.spins: dict[str, QDoubleSpinBox] = {}
        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        for knob in KNOBS[intent]:
            spin = QDoubleSpinBox(self)
            spin.setObjectName(f"knob_{knob.option}")
            spin.setRange(knob.minimum, knob.maximum)
            spin.setSingleStep(knob.step)
            spin.setDecimals(knob.decimals)
            spin.setSuffix(knob.suffix)
            spin.setToolTip(knob.tip)
            if knob.off:
                spin.setSpecialValueText("Off")
            form.addRow(knob.label, spin)
            self.spins[knob.option] = spin
        self.defaults_button = QPushButton("Defaults", self)
        self.defaults_button.clicked.connect(self.reset)
        self.run_button = QPushButton("Run again", self)
        self.run_button.setDefault(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self.defaults_button)
        buttons.addStretch(1)
        buttons.addWidget(self.run_button)
        title = QLabel(f"{label}: parameters", self)
        title.setProperty("role", "dim")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(title)
        layout.addLayout(form)
        layout.addLayout(buttons)
        self.load()

    def values(self) -> dict[str, float | None]:
        """Every knob's value on screen (None: Off)."""
        out: dict[str, float | None] = {}
        for knob in KNOBS[self.intent]:
            spin = self.spins[knob.option]
            off = knob.off and spin.value() <= spin.minimum()
            out[knob.option] = None if off else spin.value()
        return out

    def set_values(self, values: dict[str, float | None]) -> None:
        for knob in KNOBS[self.intent]:
            if knob.option in values:
                value = values[knob.option]
                spin = self.spins[knob.option]
                spin.setValue(spin.minimum() if value is None else value)

    def load(self) -> None:
        """Show the stored values (defaults where none is stored)."""
        self.set_values({**defaults(self.intent), **stored(self.intent)})

    def reset(self) -> None:
        """Show the defaults (kept once the popover closes or runs)."""
        self.set_values(defaults(self.intent))

    def save(self) -> None:
        """Keep what is on screen; values equal to the default are not stored."""
        base = defaults(self.intent)
        store(self.intent, {k: v for k, v in self.values().items() if not _same(v, base[k])})


def _same(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is b
    return abs(a - b) < 1e-9


def _run_again(box: RequestBox, popover: PresetParams, menu: QMenu, text: str) -> None:
    """Run again: keep the values, close the popover, run the preset's request with them,
    its result replacing what earlier runs left pending."""
    popover.save()
    menu.close()
    box.ask(text, request_options(popover.intent), rerun=True)


def attach_preset_params(box: RequestBox) -> dict[str, PresetParams]:
    """Give each preset button of ``box`` with parameters its popover; returns them by the
    preset's button text."""
    popovers: dict[str, PresetParams] = {}
    for label, text, intent in PRESETS:
        button = box.preset_buttons.get(label)
        if button is None or intent not in KNOBS:
            continue
        menu = QMenu(button)
        menu.setObjectName(f"presetMenu_{intent}")
        popover = PresetParams(label, intent, menu)
        popover.run_button.clicked.connect(
            lambda _=False, p=popover, m=menu, t=text: _run_again(box, p, m, t)
        )
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(popover)
        menu.addAction(holder)
        menu.aboutToShow.connect(popover.load)
        menu.aboutToHide.connect(popover.save)
        button.setMenu(menu)
        button.setPopupMode(QToolButton.ToolButtonPopupMode.MenuButtonPopup)
        button.setToolTip(f"{button.toolTip()} — its arrow or right-click: parameters")
        button.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        button.customContextMenuRequested.connect(
            lambda pos, b=button, m=menu: m.popup(b.mapToGlobal(pos))
        )
        popovers[label] = popover
    return popovers
