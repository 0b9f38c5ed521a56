"""Autosave while modified, recovery of a newer autosave at opening and at start-up."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time
from pathlib import Path

from vidi_desktop.core.project import ProjectDocument, ReviewState, list_autosaves
from vidi_desktop.core.project.storage import autosave_path
from vidi_desktop.qt.recovery import (
    UNTITLED_PREFIX,
    AutosaveController,
    key_for_path,
    newer_autosave,
    open_project,
    recover_untitled,
)
from vidi_desktop.qt.session import Session


def _touch_older(path: Path, seconds: float = 10) -> None:
    """Make ``path`` look older than anything written after it."""
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns - int(seconds * 1e9)))


def test_keys_are_stable_per_path(tmp_path):
    a = key_for_path(tmp_path / "a.vidi")
    assert a == key_for_path(tmp_path / "x" / ".." / "a.vidi")
    assert a != key_for_path(tmp_path / "b.vidi")
    assert autosave_path(a).name == f"{a}.vidi"  # a valid autosave key


def test_autosaves_after_the_interval_of_modification_only(qtbot, project_doc):
    session = Session(project_doc)
    ctl = AutosaveController(session, interval_s=0.05)
    assert project_doc.autosave_key.startswith(UNTITLED_PREFIX)
    qtbot.wait(150)
    assert list_autosaves() == []  # nothing changed, nothing written
    sid = project_doc.project.suggestions[0].id
    project_doc.accept([sid])
    assert ctl.pending
    qtbot.waitUntil(lambda: ctl.last_path is not None, timeout=60_000)
    saved = ProjectDocument.open(ctl.last_path)
    assert saved.project.suggestion(sid).state is ReviewState.ACCEPTED
    assert [e.key for e in list_autosaves()] == [project_doc.autosave_key]
    assert project_doc.is_modified and project_doc.path is None  # the project itself untouched


def test_saving_deletes_the_autosave_and_renames_the_key(qtbot, project_doc, tmp_path):
    session = Session(project_doc)
    ctl = AutosaveController(session, interval_s=3600)
    project_doc.reject([project_doc.project.suggestions[0].id])
    untitled = ctl.autosave_now()
    assert untitled is not None and untitled.exists()
    project_doc.save(tmp_path / "p.vidi")
    assert not untitled.exists()
    assert project_doc.autosave_key == key_for_path(tmp_path / "p.vidi")
    assert not ctl.pending and list_autosaves() == []


def test_opening_offers_a_newer_autosave_and_recovers_it_undoably(qtbot, project_doc, tmp_path):
    path = tmp_path / "p.vidi"
    project_doc.save(path)
    _touch_older(path)
    # A session that crashed after accepting a suggestion.
    crashed = ProjectDocument.open(path, autosave_key=key_for_path(path))
    sid = crashed.project.suggestions[1].id
    crashed.accept([sid])
    crashed.autosave()
    assert newer_autosave(path) is not None
    asked: list[str] = []
    doc = open_project(path, lambda q: asked.append(q) or True)
    assert len(asked) == 1 and "p.vidi" in asked[0] and "Recover" in asked[0]
    assert doc.project.suggestion(sid).state is ReviewState.ACCEPTED
    assert doc.is_modified and doc.path == path
    doc.undo()  # back to what the file holds
    assert doc.project.suggestion(sid).state is ReviewState.PENDING
    assert not doc.is_modified


def test_declining_deletes_the_autosave(project_doc, tmp_path):
    path = tmp_path / "p.vidi"
    project_doc.save(path)
    _touch_older(path)
    crashed = ProjectDocument.open(path, autosave_key=key_for_path(path))
    crashed.reject([crashed.project.suggestions[0].id])
    crashed.autosave()
    doc = open_project(path, lambda q: False)
    assert not doc.is_modified
    assert all(s.state is ReviewState.PENDING for s in doc.project.suggestions)
    assert newer_autosave(path) is None and list_autosaves() == []


def test_an_autosave_older_than_the_file_is_not_offered(project_doc, tmp_path):
    path = tmp_path / "p.vidi"
    doc = ProjectDocument(project_doc.project, path=path, autosave_key=key_for_path(path))
    doc.autosave()
    _touch_older(autosave_path(key_for_path(path)))
    doc.save(path)
    assert newer_autosave(path) is None
    assert not open_project(path, lambda q: (_ for _ in ()).throw(AssertionError(q))).is_modified


def test_untitled_autosave_is_offered_at_start(qtbot, project_doc):
    session = Session(project_doc)
    ctl = AutosaveController(session, interval_s=3600)
    project_doc.accept([project_doc.project.suggestions[2].id])
    ctl.autosave_now()
    time.sleep(0.01)
    doc = recover_untitled(lambda q: "unsaved project" in q)
    assert doc is not None and doc.is_modified
    assert doc.project == project_doc.project
    assert doc.autosave_key == project_doc.autosave_key
    # Declining deletes the untitled autosaves: they are not offered again.
    assert recover_untitled(lambda q: False) is None
    assert recover_untitled(lambda q: True) is None


def test_window_close_without_saving_removes_the_autosave(qtbot, project_doc, monkeypatch):
    from vidi_desktop.qt import main_window as mw

    window = mw.MainWindow(Session(project_doc), restore_layout=False)
    project_doc.accept([project_doc.project.suggestions[0].id])
    assert window.autosaver.autosave_now() is not None
    monkeypatch.setattr(mw, "ask_save_changes", lambda parent, name: "discard")
    assert window.close()
    assert list_autosaves() == []


def test_scripted_opening_neither_asks_nor_deletes(qtbot, project_doc, tmp_path):
    path = tmp_path / "p.vidi"
    project_doc.save(path)
    _touch_older(path)
    crashed = ProjectDocument.open(path, autosave_key=key_for_path(path))
    crashed.reject([crashed.project.suggestions[0].id])
    crashed.autosave()
    doc = open_project(path, None)
    assert not doc.is_modified
    # Showing it in a session (which announces "not modified") keeps the autosave too.
    session = Session()
    ctl = AutosaveController(session, interval_s=3600)
    session.set_document(doc)
    assert newer_autosave(path) is not None
    assert not ctl.pending
