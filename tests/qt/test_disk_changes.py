"""Issue 16.3 (window side): the window notices its project changed on disk and offers
reload / merge / overwrite; Save never silently drops an asset the CLI added meanwhile."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from pathlib import Path

import pytest
from windows import close_window

from vidi_desktop.core.project import Asset, ProjectDocument, load_project, save_project
from vidi_desktop.qt import disk_changes
from vidi_desktop.qt import main_window as mw
from vidi_desktop.qt.main_window import MainWindow
from vidi_desktop.qt.session import Session


@pytest.fixture
def saved(project_doc: ProjectDocument, tmp_path: Path) -> Path:
    path = tmp_path / "film.vidi"
    save_project(project_doc.project, path)
    return path


@pytest.fixture
def window(qtbot, saved, scripted_factory, monkeypatch):
    monkeypatch.setattr(mw, "ask_save_changes", lambda *a: "discard")
    asked: list[str] = []
    monkeypatch.setattr(disk_changes, "ask_disk_change", lambda parent, name: asked.pop(0))
    w = MainWindow(Session(ProjectDocument.open(saved)), backend_factory=scripted_factory)
    w.answers = asked  # type: ignore[attr-defined]  # the test queues its answers here
    w.show()
    qtbot.waitExposed(w)
    yield w
    close_window(w)


def _cli_adds_an_asset(path: Path, name: str = "added-by-cli.mp4") -> Asset:
    """What ``analyze other.mp4 -o film.vidi`` does to the file while the window has it."""
    project = load_project(path)
    asset = Asset.new(f"/footage/{name}", 1234, 5, info={"duration": 2})
    save_project(project.replace(assets=(*project.assets, asset)), path)
    return asset


def _names(path: Path) -> set[str]:
    return {a.name for a in load_project(path).assets}


def _rename(window: MainWindow, name: str) -> None:
    window.session.document.rename(name)
    assert window.session.document.is_modified


def test_save_merges_an_asset_the_cli_added(window, saved) -> None:
    _rename(window, "My cut")
    added = _cli_adds_an_asset(saved)
    window.answers.append("merge")
    assert window.save()
    on_disk = load_project(saved)
    assert added.id in {a.id for a in on_disk.assets}  # theirs kept
    assert on_disk.name == "My cut"  # mine kept
    assert window.answers == []  # the question was asked


def test_save_can_overwrite_what_was_saved_elsewhere(window, saved) -> None:
    _rename(window, "My cut")
    added = _cli_adds_an_asset(saved)
    window.answers.append("overwrite")
    assert window.save()
    on_disk = load_project(saved)
    assert added.id not in {a.id for a in on_disk.assets} and on_disk.name == "My cut"


def test_save_can_reload_instead_undoably(window, saved) -> None:
    _rename(window, "My cut")
    added = _cli_adds_an_asset(saved)
    window.answers.append("reload")
    assert not window.save()  # nothing written: the window took the file's version
    doc = window.session.document
    assert added.id in {a.id for a in doc.project.assets} and not doc.is_modified
    doc.undo()
    assert doc.project.name == "My cut"


def test_a_clean_window_reloads_a_change_on_disk_by_itself(qtbot, window, saved) -> None:
    added = _cli_adds_an_asset(saved)
    # The folder watch fires on its own; wait for the reload it triggers.
    qtbot.waitUntil(
        lambda: window.session.document.project.has_asset(added.id), timeout=60_000
    )
    assert not window.session.document.is_modified
    assert window.answers == []  # nothing to ask: there was nothing unsaved


def test_a_modified_window_asks_when_it_notices(window, saved) -> None:
    _rename(window, "My cut")
    added = _cli_adds_an_asset(saved)
    window.answers.append("merge")
    assert window.disk_watch.check() == "merge"
    doc = window.session.document
    assert doc.project.has_asset(added.id) and doc.project.name == "My cut"
    assert window.save()
    assert window.answers == []  # merged already: Save does not ask again
    assert added.id in {a.id for a in load_project(saved).assets}


def test_overwrite_chosen_once_is_not_asked_again_at_save(window, saved) -> None:
    _rename(window, "My cut")
    _cli_adds_an_asset(saved)
    window.answers.append("overwrite")
    assert window.disk_watch.check() == "overwrite"
    assert window.save()  # no second answer queued: asking again would fail
    assert load_project(saved).name == "My cut"


def test_own_saves_are_not_changes_on_disk(window, saved) -> None:
    _rename(window, "My cut")
    assert window.save()
    assert window.disk_watch.check() == ""
