"""A batch over bad input: every broken file is a line in the report, never the batch's end;
a full disk stops it with no half-written file and an index that still tells the truth."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from vidi_desktop.analysis.options import AnalyzeOptions
from vidi_desktop.cli import main
from vidi_desktop.core.project import load_project
from vidi_desktop.services.batch import BatchSettings, discover, run_batch
from vidi_desktop.services.batch_index import (
    DONE,
    ERROR,
    BatchError,
    BatchIndexError,
    load_index,
)
from vidi_desktop.services.batch_workers import WORKER_DIED, ProcessPoolEngine

SHOTS = AnalyzeOptions(shots=True, thumbnails=0, waveform=False)
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


@pytest.fixture(scope="module")
def good_clip(make_clip: Callable[..., Path]) -> Path:
    return make_clip("batch_good.mp4", frames=40, rate=25, size=(160, 120))


def bad_folder(root: Path, good: Path) -> Path:
    """Good clips beside every kind of bad file a camera card or a NAS share holds."""
    src = root / "card"
    (src / "A").mkdir(parents=True)
    (src / "B").mkdir()
    shutil.copy(good, src / "A" / "take.mp4")
    shutil.copy(good, src / "B" / "take.mp4")  # same name, other folder
    (src / "A" / "notes.txt").write_text("call the client\n")
    (src / "A" / ".DS_Store").write_bytes(b"\0" * 64)
    (src / "A" / "empty.mp4").write_bytes(b"")
    (src / "A" / "renamed.mov").write_text("this is a text file, not a movie\n" * 10)
    data = good.read_bytes()
    (src / "B" / "cut_off.mp4").write_bytes(data[: len(data) // 3])  # truncated copy
    (src / "B" / "gone.mp4").symlink_to(src / "B" / "deleted.mp4")  # broken link
    os.mkfifo(src / "B" / "pipe.mp4")  # FFmpeg would block on it forever
    (src / "B" / "folder.mp4").mkdir()  # a folder named like a clip: walked, not opened
    return src


def test_broken_files_become_errors_and_the_rest_is_analysed(
    good_clip: Path, tmp_path: Path
) -> None:
    src = bad_folder(tmp_path, good_clip)
    out = tmp_path / "out"
    result = run_batch([src], out, BatchSettings(SHOTS, exports=("edl",)))
    index = load_index(out)
    assert sorted(result.analysed) == ["A/take.mp4", "B/take.mp4"]
    errors = {e.key: e.error for e in index.errors()}
    assert set(errors) >= {"A/empty.mp4", "A/renamed.mov", "B/gone.mp4", "B/pipe.mp4"}
    assert "empty" in errors["A/empty.mp4"]
    assert "not a video or audio file" in errors["A/renamed.mov"]
    assert "no such file" in errors["B/gone.mp4"]
    assert "not a regular file" in errors["B/pipe.mp4"]
    # The truncated copy: either salvaged (with a note) or a clear error, never a crash.
    cut = index.entries["B/cut_off.mp4"]
    assert (cut.status == DONE and cut.notes) or (cut.status == ERROR and cut.error)
    assert all("\n" not in (e or "") for e in errors.values())
    assert [i["path"] for i in index.ignored] == [str(src / "A" / "notes.txt")]
    report = (out / "report.txt").read_text()
    for key in errors:
        assert f"ERROR   {key}:" in report
    # Failed files are tried again next time; good ones are current.
    again = run_batch([src], out, BatchSettings(SHOTS, exports=("edl",)))
    assert sorted(again.current) == ["A/take.mp4", "B/take.mp4"]
    assert set(again.failed) == set(result.failed)


def test_unreadable_file_is_an_error(good_clip: Path) -> None:
    """A file without read permission. Root reads everything, so as root the batch runs in
    a subprocess as ``nobody`` (CI runs as root)."""
    import sys
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="vidi-unreadable-"))
    try:
        base.chmod(0o777)  # reachable by the unprivileged user
        src = base / "src"
        src.mkdir(mode=0o755)
        shutil.copy(good_clip, src / "fine.mp4")
        shutil.copy(good_clip, src / "locked.mp4")
        (src / "locked.mp4").chmod(0)
        out = base / "out"
        args = ["batch", str(src), "--shots", "-o", str(out), "-q"]
        if IS_ROOT:
            if shutil.which("setpriv") is None:
                pytest.skip("running as root without setpriv to drop privileges")
            env = {**os.environ, "VIDI_DESKTOP_CACHE_DIR": str(base / "cache"),
                   "VIDI_DESKTOP_DATA_DIR": str(base / "data"), "HOME": str(base)}
            done = subprocess.run(
                ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                 sys.executable, "-m", "vidi_desktop", *args],
                env=env, capture_output=True, text=True, timeout=600,
            )
            assert done.returncode == 2, done.stderr
        else:
            assert main(args) == 2
        index = load_index(out)
        assert index.entries["fine.mp4"].status == DONE
        locked = index.entries["locked.mp4"]
        assert locked.status == ERROR and "permission denied" in locked.error
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_cli_exit_status_and_one_line_errors(
    good_clip: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    src = bad_folder(tmp_path, good_clip)
    out = tmp_path / "out"
    assert main(["batch", str(src), "--shots", "-o", str(out)]) == 2  # some files failed
    printed = capsys.readouterr().out
    assert "error A/empty.mp4:" in printed and "analysed" in printed
    # Inputs that name nothing, or an output that is a file: one line, status 2, no output.
    assert main(["batch", str(tmp_path / "nothing*.mp4"), "--shots", "-o", str(out)]) == 2
    assert "no file matches it" in capsys.readouterr().err
    a_file = tmp_path / "file.txt"
    a_file.write_text("x")
    assert main(["batch", str(src), "--shots", "-o", str(a_file)]) == 2
    assert "is a file" in capsys.readouterr().err
    assert main(["batch", str(src / "A" / "notes.txt"), "--analyze", "shots,nope", "-o",
                 str(out)]) == 2
    assert "unknown analyser 'nope'" in capsys.readouterr().err


def test_discover_counts_a_file_named_twice_once(good_clip: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(good_clip, src / "one.mp4")
    (src / "alias.mp4").symlink_to(src / "one.mp4")
    found, ignored = discover([src, src / "one.mp4"])
    assert [c.key for c in found] == ["alias.mp4"]
    assert len(ignored) == 1 and "same file" in ignored[0]["why"]


# -- a full disk -----------------------------------------------------------------------------
def _assert_consistent(out: Path) -> None:
    """No temporary file left, every output listed is whole, the index reads."""
    leftovers = [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    assert leftovers == []
    index = load_index(out)
    for entry in index.done():
        for kind, rel in entry.outputs.items():
            path = out / rel
            if kind == "project":
                assert load_project(path).assets[0].path == entry.source
            elif kind == "analysis":
                json.loads(path.read_text())
            else:
                assert path.read_text().startswith("TITLE:")


def test_disk_full_stops_the_batch_and_leaves_nothing_half_written(
    good_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "src"
    for name in ("a", "b", "c"):
        (src / name).mkdir(parents=True)
        shutil.copy(good_clip, src / name / "take.mp4")
    out = tmp_path / "out"
    real_write = os.write

    def write(fd: int, data: bytes) -> int:
        # The low-level write fails for the second file's outputs, after half its bytes.
        target = os.readlink(f"/proc/self/fd/{fd}")
        if f"{os.sep}b{os.sep}" in target.removeprefix(str(out)):
            if len(data) > 1:
                return real_write(fd, bytes(data[: len(data) // 2]))
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(os, "write", write)
    settings = BatchSettings(SHOTS, exports=("edl",))
    with pytest.raises(BatchError, match="disk full"):
        run_batch([src], out, settings)
    monkeypatch.setattr(os, "write", real_write)
    _assert_consistent(out)
    index = load_index(out)
    assert index.entries["a/take.mp4"].status == DONE
    assert index.entries["b/take.mp4"].status == ERROR
    assert "disk full" in index.entries["b/take.mp4"].error
    assert "c/take.mp4" not in index.entries  # the batch stopped
    assert not (out / "b").exists() or not any((out / "b").iterdir())
    # Space again: the same command resumes.
    resumed = run_batch([src], out, settings)
    assert resumed.current == ["a/take.mp4"]
    assert resumed.analysed == ["b/take.mp4", "c/take.mp4"]
    _assert_consistent(out)


@contextlib.contextmanager
def tiny_tmpfs(path: Path, size: str) -> Iterator[Path]:
    path.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
                       check=True, capture_output=True, timeout=30)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, timeout=30)


@pytest.mark.skipif(not IS_ROOT, reason="mounting a tmpfs needs root")
def test_real_full_disk_on_a_tiny_tmpfs(good_clip: Path, tmp_path: Path) -> None:
    src = tmp_path / "src"
    for n in range(8):
        (src / f"day{n}").mkdir(parents=True)
        shutil.copy(good_clip, src / f"day{n}" / "take.mp4")
    with tiny_tmpfs(tmp_path / "small", "48k") as out:
        with pytest.raises(BatchError, match="disk full"):
            run_batch([src], out, BatchSettings(SHOTS, exports=("edl",)))
        _assert_consistent(out)
        done = load_index(out).done()
        assert 0 < len(done) < 8


def test_damaged_or_newer_index_is_refused(tmp_path: Path) -> None:
    (tmp_path / "index.json").write_text("{ not json")
    with pytest.raises(BatchIndexError, match="damaged"):
        load_index(tmp_path)
    (tmp_path / "index.json").write_text(json.dumps({"schema": "vidi.batch-index",
                                                     "version": 99}))
    with pytest.raises(BatchIndexError, match="newer"):
        load_index(tmp_path / "index.json")
    (tmp_path / "index.json").write_text(json.dumps({"hello": 1}))
    with pytest.raises(BatchIndexError, match="not a vidi-desktop batch index"):
        load_index(tmp_path)
    with pytest.raises(BatchIndexError, match="no batch index"):
        load_index(tmp_path / "elsewhere")


# -- a worker process that dies ------------------------------------------------------------
def crash_on_poison(unit):  # runs in a spawned worker process: must be importable
    from vidi_desktop.services.batch_workers import execute_unit

    if "poison" in unit.key:
        os._exit(3)  # like a segfault in a decoder: the process is gone, no exception
    return execute_unit(unit)


def test_worker_process_crash_is_reported_and_the_others_finish(
    good_clip: Path, tmp_path: Path
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for name in ("a.mp4", "poison.mp4", "c.mp4", "d.mp4"):
        shutil.copy(good_clip, src / name)
    engine = ProcessPoolEngine(2, task=crash_on_poison)
    result = run_batch([src], tmp_path / "out", BatchSettings(SHOTS), engine=engine)
    assert result.failed == ["poison.mp4"]
    assert sorted(result.analysed) == ["a.mp4", "c.mp4", "d.mp4"]
    assert result.index.entries["poison.mp4"].error == WORKER_DIED
    _assert_consistent(tmp_path / "out")


def test_worker_with_another_version_is_refused(good_clip: Path, tmp_path: Path) -> None:
    """A cluster node with another vidi-desktop would write other results under ours."""
    from vidi_desktop.services.batch_workers import InProcessEngine, execute_unit

    def elsewhere(unit):
        outcome = execute_unit(unit)
        outcome.version = "9.9.9"
        return outcome

    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(good_clip, src / "x.mp4")
    result = run_batch([src], tmp_path / "out", BatchSettings(SHOTS),
                       engine=InProcessEngine(task=elsewhere))
    assert result.failed == ["x.mp4"]
    assert "runs vidi-desktop 9.9.9" in result.index.entries["x.mp4"].error
    assert not (tmp_path / "out" / "x.mp4.vidi").exists()


def test_ray_flag_without_ray_installed_says_how_to_get_it(
    good_clip: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)  # ``import ray`` fails as if not installed
    src = tmp_path / "src"
    src.mkdir()
    shutil.copy(good_clip, src / "x.mp4")
    assert main(["batch", str(src), "--shots", "--ray", "-o", str(tmp_path / "out")]) == 2
    assert "pip install 'vidi-desktop[ray]'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
