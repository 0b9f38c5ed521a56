"""Issue 16.2: a scripted ``gui PROJECT --screenshot`` never deletes (nor rewrites) the
project's crash-recovery autosave; only the user's explicit save or discard may remove it."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

from vidi_desktop.core.project import ProjectDocument, save_project
from vidi_desktop.core.project.storage import autosave_path
from vidi_desktop.qt.app import run_window
from vidi_desktop.qt.recovery import key_for_path, newer_autosave


def _crashed_session(project_doc: ProjectDocument, tmp_path: Path) -> tuple[Path, Path, bytes]:
    """A saved project and a newer autosave holding an unsaved review (as after a crash)."""
    path = tmp_path / "film.vidi"
    save_project(project_doc.project, path)
    crashed = ProjectDocument.open(path, autosave_key=key_for_path(path))
    crashed.accept([crashed.project.suggestions[0].id])
    auto = crashed.autosave()
    assert auto == autosave_path(key_for_path(path))
    os.utime(path, ns=(1, 1))  # the project file is older than its autosave
    return path, auto, auto.read_bytes()


def test_screenshot_run_keeps_the_autosave(qtbot, project_doc, scripted_factory, tmp_path):
    path, auto, data = _crashed_session(project_doc, tmp_path)
    rc = run_window([path], screenshot=tmp_path / "w.png", size=(1100, 700),
                    backend_factory=scripted_factory, timeout_s=60)
    assert rc == 0 and (tmp_path / "w.png").is_file()
    assert auto.read_bytes() == data
    assert newer_autosave(path) is not None  # still offered at the next interactive opening


def test_scripted_request_neither_rewrites_nor_deletes_the_autosave(
    qtbot, project_doc, scripted_factory, tmp_path
):
    """The request changes the project in the window; the user's autosave stays theirs."""
    path, auto, data = _crashed_session(project_doc, tmp_path)
    seen: dict[str, bool] = {}
    rc = run_window(
        [path], request="split into scenes", screenshot=tmp_path / "w.png", size=(1100, 700),
        backend_factory=scripted_factory, timeout_s=60,
        on_done=lambda w: seen.update(modified=w.session.document.is_modified),
    )
    assert rc == 0 and seen["modified"]
    assert auto.read_bytes() == data
