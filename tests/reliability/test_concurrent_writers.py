"""Issue 16.3: writers of a project or a batch folder take an advisory lock, and a project
saved by two writers keeps both writers' work.

Before: two ``analyze -o same.json`` at once lost one file's results (8 of 8 runs), and two
``batch`` runs into one folder left an index listing 1 of 2 files.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import threading
from fractions import Fraction
from pathlib import Path

import pytest

from vidi_desktop.analysis.options import AnalyzeOptions
from vidi_desktop.cli import main
from vidi_desktop.core.filelock import (
    LockBusyError,
    folder_lock_path,
    hold_lock,
    project_lock_path,
)
from vidi_desktop.core.project import Asset, Project, ProjectDocument, load_project, save_project
from vidi_desktop.core.project.sync import save_locked
from vidi_desktop.services.analyze import analyze_files

HOLDER = """
import fcntl, os, sys
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.flock(fd, fcntl.LOCK_EX)
os.pwrite(fd, b"\\0pid %d: lock-holder-test\\n" % os.getpid(), 0)
print("locked", flush=True)
sys.stdin.read()
"""


class Holder:
    """Another process holding a lock until :meth:`release` (or until it is killed)."""

    def __init__(self, lock_file: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", HOLDER, str(lock_file)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        assert self.proc.stdout is not None and self.proc.stdout.readline() == "locked\n"

    def release(self) -> None:
        if self.proc.stdin and not self.proc.stdin.closed:
            self.proc.stdin.close()
        self.proc.wait(timeout=30)

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)


def _asset(name: str) -> Asset:
    return Asset.new(f"/footage/{name}", 100, 1, info={"duration": 1})


@pytest.fixture
def clips(make_clip) -> tuple[Path, Path]:
    a = make_clip("rel_lock_a.mp4", frames=40, rate=Fraction(25), gop=10)
    b = make_clip("rel_lock_b.mp4", frames=30, rate=Fraction(25), gop=10)
    return a, b


# -- the lock itself ---------------------------------------------------------------------------


def test_a_busy_lock_is_waited_for_with_one_message(tmp_path: Path) -> None:
    target = tmp_path / "p.json"
    holder = Holder(project_lock_path(target))
    said: list[str] = []

    def on_wait(message: str) -> None:
        said.append(message)
        holder.release()  # the other writer finishes while we wait

    with hold_lock(project_lock_path(target), what="p.json", wait_s=None, on_wait=on_wait):
        pass
    assert len(said) == 1
    assert "p.json" in said[0] and "lock-holder-test" in said[0] and "waiting" in said[0]


def test_a_lock_kept_too_long_is_refused(tmp_path: Path) -> None:
    lock = project_lock_path(tmp_path / "p.json")
    holder = Holder(lock)
    busy = pytest.raises(LockBusyError, match="still being written by another vidi-desktop")
    try:
        with busy, hold_lock(lock, what="p.json", wait_s=0.2, on_wait=lambda m: None):
            pass
    finally:
        holder.release()


def test_a_killed_holder_leaves_no_lock(tmp_path: Path) -> None:
    """kill -9 of a writer must not lock the project for ever."""
    holder = Holder(project_lock_path(tmp_path / "p.json"))
    holder.kill()
    with hold_lock(project_lock_path(tmp_path / "p.json"), what="p.json", wait_s=0):
        pass


def test_the_lock_is_reentrant_within_a_process(tmp_path: Path) -> None:
    lock = project_lock_path(tmp_path / "p.json")
    with hold_lock(lock, what="p", wait_s=0), hold_lock(lock, what="p", wait_s=0):
        pass


def test_a_symlinked_project_shares_its_lock(tmp_path: Path) -> None:
    (tmp_path / "real.json").write_text("{}")
    (tmp_path / "link.json").symlink_to(tmp_path / "real.json")
    assert project_lock_path(tmp_path / "link.json") == project_lock_path(tmp_path / "real.json")


# -- projects ----------------------------------------------------------------------------------


def test_two_writers_of_one_project_both_land(tmp_path: Path) -> None:
    path = tmp_path / "p.json"
    save_project(Project(name="p"), path)
    first, second = ProjectDocument.open(path), ProjectDocument.open(path)
    a, b = _asset("a.mp4"), _asset("b.mp4")
    second.add_asset(b)
    save_locked(second, path)
    first.add_asset(a)
    save_locked(first, path)
    assert {x.id for x in load_project(path).assets} == {a.id, b.id}


def test_analyze_merges_a_project_saved_while_it_ran(clips, tmp_path: Path) -> None:
    """While ``analyze a -o p.json`` runs, ``analyze b -o p.json`` finishes: both stay."""
    a, b = clips
    out = tmp_path / "p.json"
    options = AnalyzeOptions(shots=True, thumbnails=0, waveform=False)
    ran_inner: list[bool] = []

    def progress(fraction: float | None, message: str) -> None:
        if not ran_inner:
            ran_inner.append(True)
            analyze_files([b], out, options)  # the "other" writer, start to finish

    analyze_files([a], out, options, on_progress=progress)
    assert ran_inner
    names = sorted(x.name for x in load_project(out).assets)
    assert names == sorted([a.name, b.name])


def test_two_cli_analyze_runs_at_once_keep_both_files(clips, tmp_path: Path) -> None:
    """The issue's case, as users hit it: two processes, one project file."""
    a, b = clips
    out = tmp_path / "same.json"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "vidi_desktop", "-q", "analyze", str(f), "--shots",
             "-o", str(out)], env=env, stderr=subprocess.PIPE, text=True,
        )
        for f in (a, b)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    names = sorted(x.name for x in load_project(out).assets)
    assert names == sorted([a.name, b.name])


def test_analyze_refuses_in_one_line_when_the_project_stays_locked(
    clips, tmp_path, monkeypatch, capsys
) -> None:
    a, _ = clips
    out = tmp_path / "p.json"
    save_project(Project(name="p"), out)
    before = out.read_bytes()
    monkeypatch.setenv("VIDI_DESKTOP_LOCK_WAIT", "0.2")
    holder = Holder(project_lock_path(out))
    try:
        assert main(["-q", "analyze", str(a), "--shots", "-o", str(out)]) == 2
    finally:
        holder.release()
    err = capsys.readouterr().err
    assert "still being written by another vidi-desktop" in err and "Traceback" not in err
    assert out.read_bytes() == before


# -- batch folders -----------------------------------------------------------------------------


def test_two_batch_runs_into_one_folder_index_both_files(clips, tmp_path: Path) -> None:
    a, b = clips
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "vidi_desktop", "-q", "batch", str(f), "--shots",
             "-o", str(out)], env=env, stderr=subprocess.PIPE, text=True,
        )
        for f in (a, b)
    ]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    index = json.loads((out / "index.json").read_text())
    assert sorted(e["key"] for e in index["entries"]) == sorted([a.name, b.name])


def test_a_batch_waits_for_the_run_holding_its_folder(clips, tmp_path, caplog) -> None:
    from vidi_desktop.services.batch import BatchSettings, run_batch

    a, _ = clips
    out = tmp_path / "out"
    out.mkdir()
    holder = Holder(folder_lock_path(out))
    released = threading.Timer(0.5, holder.release)
    caplog.set_level(logging.WARNING, logger="vidi_desktop.core.filelock")
    released.start()
    try:
        result = run_batch([a], out, BatchSettings(AnalyzeOptions(shots=True)))
    finally:
        released.cancel()
        holder.release()
    assert result.analysed == [a.name]
    assert any("batch folder" in r.getMessage() and "waiting" in r.getMessage()
               for r in caplog.records)
