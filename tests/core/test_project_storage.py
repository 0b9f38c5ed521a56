"""Saving (atomic, .bak, failures leave the old file) and loading project files; autosave."""

from __future__ import annotations

import json
import os
import stat
from fractions import Fraction
from pathlib import Path

import pytest

from vidi_desktop.core.errors import CorruptProjectError, ProjectError, ProjectVersionError
from vidi_desktop.core.project import (
    Asset,
    Chapter,
    CutRange,
    EditClip,
    HighlightClip,
    Project,
    ProjectDocument,
    ProjectNotFoundError,
    Suggestion,
    autosave,
    autosave_path,
    backup_path,
    discard_autosave,
    dumps,
    list_autosaves,
    load_autosave,
    load_project,
    save_project,
)
from vidi_desktop.core.project import schema as schema_module
from vidi_desktop.core.time import Time, TimeRange

TB = Fraction(1, 25)


def fr(start: int, end: int) -> TimeRange:
    return TimeRange.from_start_end(Time(start, TB), Time(end, TB))


def project(name: str = "P", metadata: dict | None = None) -> Project:
    a = Asset("A", "/media/a.mp4", 10, 20, info={"duration": "12"})
    return Project(
        assets=(a,),
        suggestions=(
            Suggestion("s1", "A", CutRange(fr(10, 20)), "silence", 0.5, metadata=metadata or {}),
            Suggestion("s2", "A", HighlightClip(fr(0, 100), "Best"), "hl"),
            Suggestion("s3", "A", Chapter(fr(0, 300), "All"), "ch"),
        ),
        edit=(EditClip("e1", "A", fr(0, 300)),),
        name=name,
        created="2025-01-01T00:00:00+00:00",
    )


def leftovers(folder: Path) -> list[str]:
    """Temporary files a save might have left behind."""
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_save_and_load_round_trip(tmp_path):
    path = tmp_path / "film.vidi"
    written = save_project(project(), path)
    assert written == path
    assert load_project(path) == project()
    assert leftovers(tmp_path) == []
    assert not backup_path(path).exists()  # nothing to back up on the first save


def test_second_save_keeps_the_previous_file_as_bak(tmp_path):
    path = tmp_path / "film.vidi"
    save_project(project("first"), path)
    first = path.read_bytes()
    save_project(project("second"), path)
    assert backup_path(path) == tmp_path / "film.vidi.bak"
    assert backup_path(path).read_bytes() == first
    assert load_project(path).name == "second"
    save_project(project("third"), path)
    assert load_project(backup_path(path)).name == "second"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.vidi", "film.vidi.bak"]


def test_save_keeps_the_file_mode(tmp_path):
    path = tmp_path / "film.vidi"
    save_project(project(), path)
    os.chmod(path, 0o640)
    save_project(project("again"), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640


def test_save_through_a_symlink_replaces_the_target(tmp_path):
    real = tmp_path / "real.vidi"
    save_project(project("one"), real)
    link = tmp_path / "link.vidi"
    link.symlink_to(real)
    save_project(project("two"), link)
    assert link.is_symlink() and load_project(real).name == "two"


def _fail(*args, **kwargs):
    raise OSError(28, "No space left on device")


def _fail_json(*args, **kwargs):
    raise ValueError("Circular reference detected")


@pytest.mark.parametrize("target", ["os.replace", "os.fsync", "json.dumps"])
def test_a_save_that_fails_midway_leaves_the_old_file_untouched(tmp_path, monkeypatch, target):
    path = tmp_path / "film.vidi"
    save_project(project("old"), path)
    save_project(project("old"), path)  # so a .bak exists too
    old, old_bak = path.read_bytes(), backup_path(path).read_bytes()
    if target == "json.dumps":
        monkeypatch.setattr(schema_module.json, "dumps", _fail_json)
    else:
        monkeypatch.setattr(os, target.split(".")[1], _fail)
    with pytest.raises(ProjectError) as info:
        save_project(project("new"), path)
    monkeypatch.undo()
    assert str(info.value).startswith(f"{path}: cannot save: ")
    assert ("No space left" if target != "json.dumps" else "Circular") in str(info.value)
    assert path.read_bytes() == old
    assert backup_path(path).read_bytes() == old_bak
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("crash", [OSError(5, "Input/output error"), KeyboardInterrupt()])
def test_a_failing_final_replace_cleans_up(tmp_path, monkeypatch, crash):
    path = tmp_path / "film.vidi"
    save_project(project("old"), path)
    old = path.read_bytes()
    real_replace = os.replace

    def replace_then_crash(src, dst):
        if str(dst) == str(path):  # the .bak goes in, then the swap itself fails
            raise crash
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_then_crash)
    # An OSError becomes a ProjectError; anything else is cleaned up after and propagated.
    expected = ProjectError if isinstance(crash, OSError) else KeyboardInterrupt
    with pytest.raises(expected):
        save_project(project("new"), path)
    assert path.read_bytes() == old
    assert backup_path(path).read_bytes() == old
    assert leftovers(tmp_path) == []


def test_unserialisable_metadata_fails_before_touching_the_disk(tmp_path):
    path = tmp_path / "film.vidi"
    save_project(project("old"), path)
    old = path.read_bytes()
    with pytest.raises(ProjectError) as info:
        save_project(project("new", metadata={"frames": {1, 2}}), path)
    assert str(info.value) == (
        f"{path}: cannot save: suggestions[0].metadata.frames: a set cannot be saved in JSON"
    )
    assert path.read_bytes() == old
    assert not backup_path(path).exists()
    assert leftovers(tmp_path) == []


def test_save_into_a_missing_folder_or_onto_a_folder_is_refused(tmp_path):
    with pytest.raises(ProjectError, match="does not exist"):
        save_project(project(), tmp_path / "nope" / "film.vidi")
    (tmp_path / "dir.vidi").mkdir()
    with pytest.raises(ProjectError, match="is a folder"):
        save_project(project(), tmp_path / "dir.vidi")


# -- loading ----------------------------------------------------------------------------------


def test_load_missing_file_or_folder(tmp_path):
    with pytest.raises(ProjectNotFoundError) as info:
        load_project(tmp_path / "gone.vidi")
    assert str(info.value) == f"{tmp_path / 'gone.vidi'}: no such project file"
    assert isinstance(info.value, ProjectError)
    with pytest.raises(ProjectError, match="is a folder, not a project file"):
        load_project(tmp_path)
    if hasattr(os, "mkfifo"):
        os.mkfifo(tmp_path / "pipe.vidi")
        with pytest.raises(ProjectError, match="not a regular file"):
            load_project(tmp_path / "pipe.vidi")  # would block forever if read


def _current() -> bytes:
    return dumps(project())


def _with(change) -> bytes:
    doc = json.loads(_current())
    change(doc)
    return json.dumps(doc).encode()


@pytest.mark.parametrize(
    ("data", "error", "problem"),
    [
        (b"{not json", CorruptProjectError, "not valid JSON"),
        (None, CorruptProjectError, "the file is damaged or truncated"),  # truncated file
        (b"\x00\x00\x00\x18ftypmp42" + bytes(range(256)), CorruptProjectError, "not UTF-8"),
        (b'{"schema": "something.else", "version": 1}', CorruptProjectError, "schema is"),
        (_with(lambda d: d.update(version=99)), ProjectVersionError, "project version 99"),
        (_with(lambda d: d.update(version="two")), CorruptProjectError, "version: expected"),
        (
            _with(lambda d: d["suggestions"][1]["payload"]["range"].pop("time_base")),
            CorruptProjectError,
            "suggestions[1].payload.range: missing 'time_base'",
        ),
        (
            _with(lambda d: d["edit"][0].update(asset_id=5)),
            CorruptProjectError,
            "edit[0].asset_id: expected a string, got an integer",
        ),
    ],
)
def test_a_bad_file_is_refused_in_one_line_and_left_as_it_was(tmp_path, data, error, problem):
    path = tmp_path / "bad.vidi"
    if data is None:
        data = _current()[: len(_current()) // 2]
    path.write_bytes(data)
    with pytest.raises(error) as info:
        load_project(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and problem in message
    assert "\n" not in message and "Traceback" not in message
    assert path.read_bytes() == data
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.vidi"]


def test_future_version_message(tmp_path):
    path = tmp_path / "new.vidi"
    path.write_bytes(_with(lambda d: d.update(version=7)))
    with pytest.raises(ProjectVersionError) as info:
        load_project(path)
    assert str(info.value) == (
        f"{path}: written by a newer vidi-desktop (project version 7); this one reads up to 3"
    )


# -- autosave and the document's files -------------------------------------------------------


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("VIDI_DESKTOP_DATA_DIR", str(folder))
    return folder


def test_autosave_goes_to_the_data_dir_override(data_dir):
    path = autosave(project("auto"), "abc123")
    assert path == data_dir / "autosave" / "abc123.vidi" == autosave_path("abc123")
    assert load_autosave("abc123").name == "auto"
    autosave(project("auto 2"), "abc123")
    assert not backup_path(path).exists()  # autosaves keep no .bak
    autosave(project("other"), "zzz")
    os.utime(path, ns=(1, 1))  # make abc123 the older one
    assert [e.key for e in list_autosaves()] == ["zzz", "abc123"]
    discard_autosave("zzz")
    discard_autosave("zzz")  # twice is fine
    assert [e.key for e in list_autosaves()] == ["abc123"]
    assert leftovers(data_dir / "autosave") == []


def test_autosave_keys_cannot_escape_the_folder(data_dir):
    for key in ["../evil", "a/b", "", ".hidden"]:
        with pytest.raises(ValueError):
            autosave_path(key)
    assert list_autosaves() == []  # no folder yet: nothing, no error


def test_document_save_marks_clean_and_reopens(tmp_path, data_dir):
    doc = ProjectDocument(project())
    events = []
    doc.events.connect(events.append)
    doc.accept(["s2"])
    assert doc.is_modified
    path = doc.save(tmp_path / "film.vidi")
    assert not doc.is_modified and doc.path == path
    assert [(e.type, e.payload) for e in events if e.type != "changed"] == [
        ("modified", True),
        ("modified", False),
        ("saved", path),
    ]
    reopened = ProjectDocument.open(path)
    assert reopened.project == doc.project and not reopened.is_modified
    assert doc.autosave().parent == data_dir / "autosave"
    doc.undo()
    assert doc.is_modified
