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
        "vidi_desktop.analysis.run",
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
        "vidi_desktop.analysis.fillers",
        "vidi_desktop.media.proxy",
        "vidi_desktop.models.protocol",
        "vidi_desktop.models.registry",
        "vidi_desktop.models.runner",
        "vidi_desktop.models.builtin.backend",
        "vidi_desktop.models.vlm.backend",
        "vidi_desktop.models.vidi.adapter",
        "vidi_desktop.models.manager",
        "vidi_desktop.models.eval.vue_stg",
        "vidi_desktop.models.eval.vue_tr",
        "vidi_desktop.models.eval.predict",
        "vidi_desktop.services.ask",
        "vidi_desktop.services.batch",
        "vidi_desktop.services.ray_batch",
        "vidi_desktop.services.corpus_search",
        "vidi_desktop.commands",
        "vidi_desktop.commands.ask",
        "vidi_desktop.commands.eval",
        "vidi_desktop.commands.models",
        "vidi_desktop.commands.gui",
        "vidi_desktop.commands.batch",
        "vidi_desktop.commands.search",
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


def test_only_the_qt_package_imports_pyside6() -> None:
    """A static check of every module: PySide6 appears only under vidi_desktop/qt/."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "vidi_desktop"
    offenders = []
    for path in root.rglob("*.py"):
        if "qt" in path.relative_to(root).parts[:1]:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n.split(".")[0] in ("PySide6", "shiboken6") for n in names):
                offenders.append(f"{path.relative_to(root)}:{node.lineno}")
    assert not offenders, offenders


def test_models_never_use_services_or_qt() -> None:
    """models sit below services: the built-in backend drives the analysis run, which lives
    below it in analysis.run."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "vidi_desktop" / "models"
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                ("vidi_desktop.services", "vidi_desktop.qt")
            ):
                offenders.append(f"{path.relative_to(root)}:{node.lineno} {node.module}")
    assert not offenders, offenders
