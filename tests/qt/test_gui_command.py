"""``vidi-desktop gui``: scripted runs (request → suggestions → screenshot), failures, start-up."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import json
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

from vidi_desktop.cli import main
from vidi_desktop.qt.app import GuiRequestError, run_window

REPO = Path(__file__).resolve().parents[2]


def _png_size(path: Path) -> tuple[int, int]:
    image = QImage(str(path))
    assert not image.isNull(), f"{path} is not a readable PNG"
    return image.width(), image.height()


def test_scripted_run_waits_for_the_suggestions_then_saves_the_window(
    qtbot, small_clip, scripted_factory, tmp_path
):
    out = tmp_path / "shots" / "window.png"
    seen: dict[str, object] = {}

    def inspect(window):
        doc = window.session.document
        seen["kinds"] = sorted(s.kind for s in doc.project.suggestions)
        seen["assets"] = [a.name for a in doc.project.assets]
        seen["answer"] = window.request_box.answer_text
        seen["title"] = window.windowTitle()

    rc = run_window(
        [small_clip], request="split into scenes", screenshot=out, size=(1100, 700),
        backend_factory=scripted_factory, timeout_s=60, on_done=inspect,
    )
    assert rc == 0
    assert seen["assets"] == ["small.mp4"]
    assert seen["kinds"] == ["answer", "scene_boundary"]
    assert seen["answer"] == "answer to 'split into scenes'"
    assert _png_size(out) == (1100, 700)
    assert out.stat().st_size < 400_000


def test_a_failing_request_raises_after_the_screenshot(qtbot, small_clip, scripted_factory,
                                                       tmp_path):
    out = tmp_path / "fail.png"
    with pytest.raises(GuiRequestError, match="the backend crashed: RuntimeError: segfault-ish"):
        run_window([small_clip], request="crash", screenshot=out,
                   backend_factory=scripted_factory, timeout_s=60, size=(1100, 650))
    assert _png_size(out) == (1100, 650)


def test_a_request_that_outlives_the_timeout_is_cancelled(qtbot, small_clip, scripted_factory):
    with pytest.raises(GuiRequestError, match="did not finish in time"):
        run_window([small_clip], request="slow", backend_factory=scripted_factory,
                   timeout_s=1.5)


def test_cli_request_without_footage_exits_2_with_one_line(qtbot, capsys, tmp_path):
    rc = main(["gui", "--request", "split into scenes", "--screenshot", str(tmp_path / "x.png")])
    err = capsys.readouterr().err
    assert rc == 2
    assert err.strip().splitlines() == [
        "vidi-desktop: error: the request names no footage: add a file to the project first"
    ]


def test_cli_backend_failure_exits_2_with_one_line(qtbot, capsys, small_clip, tmp_path):
    from vidi_desktop.qt.settings_dialog import load_model_settings, save_model_settings

    settings = load_model_settings()
    settings.vidi_python = str(tmp_path / "no-such-python")
    save_model_settings(settings)
    rc = main(["gui", str(small_clip), "--backend", "vidi", "--request", "when is the car there",
               "--timeout", "60"])
    err = capsys.readouterr().err.strip().splitlines()
    assert rc == 2
    assert len(err) == 1 and err[0].startswith("vidi-desktop: error: ")
    assert "no-such-python" in err[0] or "Vidi" in err[0]


def test_cli_rejects_bad_size_and_timeout(capsys):
    assert main(["gui", "--size", "wide", "--screenshot", "x.png"]) == 2
    assert "WIDTHxHEIGHT" in capsys.readouterr().err
    assert main(["gui", "--timeout", "0", "--screenshot", "x.png"]) == 2


def test_building_the_cli_does_not_import_qt():
    code = (
        "import sys, json\n"
        "from vidi_desktop.cli import build_parser\n"
        "build_parser()\n"
        "print(json.dumps(sorted(m for m in ('PySide6', 'torch') if m in sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=600)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []


def _run_cli(args: list[str], tmp_path: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("DISPLAY", None)
    env.pop("WAYLAND_DISPLAY", None)
    env.pop("QT_QPA_PLATFORM", None)  # the command must pick offscreen by itself
    env["VIDI_DESKTOP_DATA_DIR"] = str(tmp_path / "data")
    env["XDG_CONFIG_HOME"] = str(tmp_path / "config")
    return subprocess.run(
        [sys.executable, "-m", "vidi_desktop", "gui", *args],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=tmp_path,
    )


def test_cli_screenshot_without_a_display(small_clip, tmp_path):
    out = tmp_path / "win.png"
    done = _run_cli([str(small_clip), "--screenshot", str(out), "--size", "1200x700"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert _png_size(out) == (1200, 700)
    assert "propagateSizeHints" not in done.stderr


def test_cli_real_request_with_the_builtin_backend(make_clip, tmp_path):
    import numpy as np

    def picture(n: int) -> np.ndarray:
        img = np.zeros((240, 320, 3), np.uint8)
        img[...] = [(200, 40, 40), (40, 200, 40), (40, 40, 200)][n // 25]
        img[::8, :, :] //= 2
        return img

    clip = make_clip("three_shots.mp4", frames=75, rate=25, picture=picture, gop=25)
    out = tmp_path / "scenes.png"
    done = _run_cli([str(clip), "--backend", "builtin", "--request", "split into scenes",
                     "--screenshot", str(out), "--size", "1200x700"], tmp_path, timeout=300)
    assert done.returncode == 0, done.stderr
    assert _png_size(out) == (1200, 700)
