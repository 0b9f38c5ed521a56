"""The layer table of DESIGN.md as a test: headless packages never pay for Qt or torch."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY_GUI_ML = {"PySide6", "torch", "transformers", "shiboken6"}
HEAVY_MEDIA = {"av", "cv2", "numpy"}


def imported_after(statement: str) -> set[str]:
    """Top-level modules present in a fresh interpreter after running ``statement``."""
    code = (
        "import sys, json\n"
        f"{statement}\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize(
    "module",
    [
        "vidi_desktop.core",
        "vidi_desktop.core.project",
        "vidi_desktop.media",
        "vidi_desktop.media.probe",
        "vidi_desktop.media.reader",
        "vidi_desktop.media.decode",
        "vidi_desktop.interchange",
        "vidi_desktop.services",
        "vidi_desktop.services.analyze",
        "vidi_desktop.services.analysis_run",
        "vidi_desktop.cli",
        "vidi_desktop.analysis.shots",
        "vidi_desktop.analysis.speech",
        "vidi_desktop.analysis.silence",
        "vidi_desktop.analysis.transcript",
        "vidi_desktop.analysis.subtitles",
        "vidi_desktop.analysis.faces",
        "vidi_desktop.analysis.people",
        "vidi_desktop.analysis.tubes",
        "vidi_desktop.analysis.reframe",
        "vidi_desktop.analysis.highlights",
    ],
)
def test_headless_packages_do_not_import_qt_or_torch(module: str) -> None:
    loaded = imported_after(f"import {module}")
    assert not (loaded & HEAVY_GUI_ML), f"{module} pulls in {loaded & HEAVY_GUI_ML}"


@pytest.mark.parametrize("module", ["vidi_desktop.core", "vidi_desktop.core.project"])
def test_core_is_pure(module: str) -> None:
    loaded = imported_after(f"import {module}")
    assert not (loaded & (HEAVY_GUI_ML | HEAVY_MEDIA)), loaded & (HEAVY_GUI_ML | HEAVY_MEDIA)


def test_cli_help_imports_nothing_heavy() -> None:
    loaded = imported_after(
        "import contextlib, io\n"
        "from vidi_desktop.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit:\n"
        "        pass"
    )
    assert not (loaded & (HEAVY_GUI_ML | HEAVY_MEDIA | {"rich", "platformdirs"}))


def test_media_probe_runs_without_qt_or_torch(shared_media) -> None:
    loaded = imported_after(
        f"from vidi_desktop.media.probe import probe; probe({str(shared_media / 'counter.mp4')!r})"
    )
    assert not (loaded & HEAVY_GUI_ML)
