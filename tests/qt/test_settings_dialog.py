"""Settings: stored in QSettings, turned into backend options, models listed by the manager."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json

from vidi_desktop.models.registry import BACKENDS
from vidi_desktop.qt.settings_dialog import (
    ModelSettings,
    SettingsDialog,
    backend_options,
    describe_models,
    load_model_settings,
)


def test_defaults_and_round_trip_through_the_dialog(qtbot, tmp_path):
    assert load_model_settings() == ModelSettings()
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    assert [dialog.backend.itemData(i) for i in range(dialog.backend.count())] == list(BACKENDS)
    assert not dialog.quantization.isEnabled()  # the built-in backend has no such knob
    dialog.backend.setCurrentIndex(dialog.backend.findData("qwen-vl"))
    assert dialog.quantization.isEnabled() and not dialog.vidi_python.isEnabled()
    dialog.quantization.setCurrentText("4bit")
    dialog.device.setCurrentText("cpu")
    dialog.model.setText(str(tmp_path / "qwen"))
    dialog.autosave.setValue(30)
    dialog.accept()
    stored = load_model_settings()
    assert (stored.backend, stored.quantization, stored.device, stored.autosave_seconds) == (
        "qwen-vl", "4bit", "cpu", 30
    )
    assert backend_options(stored) == {
        "device": "cpu", "model_path": str(tmp_path / "qwen"), "quantization": "4bit"
    }
    # Cancel changes nothing.
    again = SettingsDialog()
    qtbot.addWidget(again)
    assert again.backend.currentData() == "qwen-vl"
    again.backend.setCurrentIndex(again.backend.findData("builtin"))
    again.reject()
    assert load_model_settings().backend == "qwen-vl"


def test_backend_options_per_backend(tmp_path):
    assert backend_options(ModelSettings()) == {}
    vidi = ModelSettings(backend="vidi", vidi_python="/opt/py", vidi_repo="/src/Vidi",
                         model=str(tmp_path))
    assert backend_options(vidi) == {"python": "/opt/py", "repo_dir": "/src/Vidi",
                                     "checkpoint": str(tmp_path)}
    # A models folder of one's own: its first model folder is used.
    folder = tmp_path / "models"
    (folder / "b-model").mkdir(parents=True)
    (folder / "b-model" / "config.json").write_text("{}")
    (folder / "a-notes").mkdir()
    qwen = ModelSettings(backend="qwen-vl", models_folder=str(folder))
    assert backend_options(qwen) == {"device": "auto", "model_path": str(folder / "b-model")}


def test_garbage_in_settings_reads_as_defaults(qtbot):
    from vidi_desktop.qt.settings_dialog import app_settings

    s = app_settings()
    s.setValue("model/backend", "nonsense")
    s.setValue("model/autosave_seconds", "soon")
    s.setValue("model/quantization", "2bit")
    s.sync()
    ms = load_model_settings()
    assert (ms.backend, ms.autosave_seconds, ms.quantization) == ("builtin", 60, "none")


def test_models_found_are_listed_with_their_problems(qtbot, tmp_path):
    tmp_path = tmp_path / "models"
    good = tmp_path / "qwen3-tiny"
    good.mkdir(parents=True)
    (good / "config.json").write_text(json.dumps({"model_type": "qwen3_vl"}))
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "config.json").write_text("{ nope")
    lines = describe_models(tmp_path)
    assert len(lines) == 2
    by_name = {line.split(" — ")[0]: line for line in lines}
    assert "qwen3" in by_name["qwen3-tiny"] and "problem:" in by_name["qwen3-tiny"]  # no weights
    assert "problem:" in by_name["broken"]
    dialog = SettingsDialog()
    qtbot.addWidget(dialog)
    dialog.models_folder.setText(str(tmp_path))
    dialog.refresh_models()
    assert dialog.models_list.count() == 2
