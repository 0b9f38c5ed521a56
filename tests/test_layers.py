"""The layers as tests: the import-linter contracts in pyproject.toml (every import points
down, core is plain Python, only qt imports Qt) and, in a fresh interpreter, what importing
a headless module really loads (heavy libraries only inside the functions that use them)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

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
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=600
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
        "vidi_desktop.commands.probe",
        "vidi_desktop.commands.thumbs",
        "vidi_desktop.commands.analyze",
        "vidi_desktop.commands.export",
        "vidi_desktop.commands.render",
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


def test_the_import_contracts_hold() -> None:
    """``lint-imports`` over the whole package: the layers and forbidden imports declared in
    pyproject.toml, with no exceptions (the report names each offending import)."""
    out = subprocess.run(
        [sys.executable, "-c", "from importlinter.cli import lint_imports_command as c; c()",
         "--no-cache", "--no-logo"],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "0 broken" in out.stdout


def test_the_layers_contract_declares_no_exceptions() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    assert {c["id"] for c in contracts} >= {"layers", "pure-core", "qt-only-in-qt"}
    for contract in contracts:
        assert not contract.get("ignore_imports"), contract["id"]
    (layers,) = (c for c in contracts if c["id"] == "layers")
    assert layers["exhaustive"] is True and not layers.get("exhaustive_ignores")
